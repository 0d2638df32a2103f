"""Where the editor's issued invoice stands: its KSeF number, when KSeF accepted it, and
its PDF and UPO a click away (shown for an issued invoice, kept up to date)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ksef_desktop.i18n import _
from ksef_desktop.services.editing import EditorStatus
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.formatting import fmt_moment

if TYPE_CHECKING:
    from ksef_desktop.store import Store
    from ksef_desktop.visual.certificates import OfflineSigning

#: Runs ``op`` in the worker and calls ``done`` with its result (the editor's ``_submit``).
Submit = Callable[[Callable[[Any], Any], Callable[[Any], None], str], None]


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
        self.documents: list[QDialog] = []
        self.pdf_requested.connect(self.open_pdf)
        self.upo_requested.connect(self.show_upo)
        self.setVisible(False)

    def attach(
        self,
        submit: Submit,
        store: Callable[[], Store],
        profile_id: int,
        invoice_id: Callable[[], int | None],
        qr_base: Callable[[], str],
        lang: str,
        now: Callable[[], datetime],
        signing: Callable[[], OfflineSigning | None] | None,
    ) -> None:
        """What the buttons need: the editor's worker access and its invoice."""
        self._submit = submit
        self._store, self._profile_id, self._invoice_id = store, profile_id, invoice_id
        self._qr_base, self._lang, self._now, self._signing = qr_base, lang, now, signing

    def open_pdf(self) -> None:
        """The invoice's PDF (made again if missing), in the system's viewer."""
        from ksef_desktop.services.invoice_pdfs import make_pdf

        invoice_id = self._invoice_id()
        if invoice_id is None:
            return
        store, profile_id, lang, now = self._store, self._profile_id, self._lang, self._now
        qr_base, signing = self._qr_base(), self._signing
        self._submit(
            lambda job: make_pdf(
                store(), invoice_id, profile_id=profile_id, qr_base=qr_base, ui_lang=lang,
                now=now(), signing=signing,
            ),
            _open_file,
            "editor-pdf",
        )  # fmt: skip

    def show_upo(self) -> None:
        """The invoice's UPO, laid out for reading, with Save."""
        from ksef_desktop.services.invoice_actions import invoice_upo
        from ksef_desktop.ui.documents import DocumentDialog

        invoice_id = self._invoice_id()
        if invoice_id is None:
            return
        store, profile_id = self._store, self._profile_id
        name = f"UPO-{self.ksef_number or invoice_id}.xml"

        def show(upo: bytes) -> None:
            dialog = DocumentDialog(_("UPO (official receipt)"), upo, name, self.window())
            self.documents.append(dialog)
            dialog.open()

        self._submit(
            lambda job: invoice_upo(store(), invoice_id, profile_id=profile_id), show, "editor-upo"
        )

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


def _open_file(path: object) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
