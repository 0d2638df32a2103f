"""Where the editor's issued invoice stands: its KSeF number, when KSeF accepted it, and
its PDF and UPO a click away (shown for an issued invoice, kept up to date)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ksef_desktop.i18n import _
from ksef_desktop.services.editing import EditorStatus
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.formatting import fmt_moment


class InvoiceStatusPanel(QFrame):
    pdf_requested = Signal()
    upo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("invoice-status")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pdf_button = QPushButton(_("Open PDF"))
        self.pdf_button.setAutoDefault(False)
        self.upo_button = QPushButton(_("Show UPO"))
        self.upo_button.setAutoDefault(False)
        self.pdf_button.clicked.connect(self.pdf_requested.emit)
        self.upo_button.clicked.connect(self.upo_requested.emit)
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.pdf_button)
        row.addWidget(self.upo_button)
        self.status: EditorStatus | None = None
        self.setVisible(False)

    def show_status(self, status: EditorStatus) -> None:
        self.status = status
        if status.state is InvoiceState.ACCEPTED and status.ksef_number:
            text = _("KSeF number: {number}").format(number=status.ksef_number)
            if status.accepted_at is not None:
                text += "  ·  " + _("accepted by KSeF on {moment}").format(
                    moment=fmt_moment(status.accepted_at)
                )
            self.setStyleSheet("#invoice-status { background: #e8f5e9; }")
        else:
            text = _("Invoice {number}: {state}.").format(
                number=status.number or "", state=status.state.label
            )
            self.setStyleSheet("")
        self.text.setText(text)
        self.pdf_button.setEnabled(status.state is not InvoiceState.DRAFT)
        self.upo_button.setVisible(status.has_upo)
        self.setVisible(status.state is not InvoiceState.DRAFT)

    @property
    def ksef_number(self) -> str | None:
        return self.status.ksef_number if self.status is not None else None
