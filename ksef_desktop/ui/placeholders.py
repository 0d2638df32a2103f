"""Tabs whose panels arrive in a later version: they say so instead of pretending."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ksef_desktop.i18n import _


class LaterPanel(QWidget):
    def __init__(self, title: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(f"<h2>{title}</h2>")
        body = QLabel(what + "\n\n" + _("This panel arrives in a later version of KSeF Desktop."))
        body.setWordWrap(True)
        layout = QVBoxLayout(self)
        for label in (heading, body):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(1)
        self.setObjectName("later-panel")


def invoices_placeholder() -> LaterPanel:
    return LaterPanel(
        _("Invoices"),
        _(
            "Here you will write invoices, see their totals and errors as you type, and "
            "browse every invoice you issued."
        ),
    )


def sessions_placeholder() -> LaterPanel:
    return LaterPanel(
        _("KSeF sessions"),
        _(
            "Here you will browse what was sent to KSeF and when, what was accepted or "
            "rejected, and download the official receipts (UPO)."
        ),
    )
