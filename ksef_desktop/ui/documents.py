"""A document of an invoice (its UPO, its XML) shown laid out for reading, with Save.

The text is indented for reading (``services.invoice_status.pretty_xml``); "Save…"
writes the document's own bytes, untouched: a UPO is signed by KSeF, and its signature
covers exactly the bytes received.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.i18n import _
from ksef_desktop.services.invoice_status import pretty_xml


class DocumentDialog(QDialog):
    def __init__(
        self, title: str, data: bytes, suggested_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.data = data
        self.suggested_name = suggested_name
        self.saved_to: Path | None = None
        self.text = QPlainTextEdit(pretty_xml(data))
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.text.setFont(font)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.addButton(
            _("&Save…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.buttons)
        self.resize(900, 640)

    def save(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save"), self.suggested_name, _("XML files (*.xml);;All files (*)")
        )
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> None:
        """Write the document's own bytes (not the indented text) to ``path``."""
        path.write_bytes(self.data)
        self.saved_to = path
