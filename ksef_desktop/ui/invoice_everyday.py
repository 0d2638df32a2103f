"""The invoice list's everyday actions (issue 20): mark an invoice paid, e-mail it to the
buyer (an editable message, queued and sent through the worker)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from ksef_desktop.i18n import _
from ksef_desktop.services.changes import Changed
from ksef_desktop.ui.invoice_list import InvoiceListPanel, _py_date
from ksef_desktop.worker import Failure

if TYPE_CHECKING:
    from ksef_desktop.services.mail_outbox import MailDraft, MailReport
    from ksef_desktop.ui.context import AppContext

LANGUAGES = (("pl", "Polski"), ("en", "English"), ("pl+en", "Polski + English"))


class MailDialog(QDialog):
    """The e-mail of an invoice: to whom, in which language, the message, the XML too."""

    def __init__(self, draft: MailDraft, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("E-mail the invoice"))
        self.draft = draft
        self.to = QLineEdit(draft.recipient)
        self.to.setAccessibleName(_("Recipient's e-mail address"))
        self.lang = QComboBox()
        for code, label in LANGUAGES:
            self.lang.addItem(label, code)
        self.lang.setCurrentIndex(max(0, self.lang.findData(draft.lang)))
        self.with_xml = QCheckBox(_("Attach the FA(3) &XML too"))
        self.subject = QLineEdit(draft.subject)
        self.body = QPlainTextEdit(draft.body)
        self.body.setAccessibleName(_("Message"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Send"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("&To:"), self.to)
        form.addRow(_("&Language of the PDF:"), self.lang)
        form.addRow("", self.with_xml)
        form.addRow(_("S&ubject:"), self.subject)
        form.addRow(_("&Message:"), self.body)
        form.addRow(buttons)


class ListEveryday(QObject):
    """Adds "Mark as paid" and "E-mail to the buyer…" to the invoice list."""

    message = Signal(str)

    def __init__(self, panel: InvoiceListPanel, ctx: AppContext) -> None:
        super().__init__(panel)
        self.panel = panel
        self.ctx = ctx
        self.dialog: MailDialog | None = None
        self.paid_action = self._action(_("&Mark as paid"), "Ctrl+Shift+P", self.mark_paid)
        self.mail_action = self._action(_("&E-mail to the buyer…"), "Ctrl+E", self.mail)
        panel.extra_actions.extend([self.paid_action, self.mail_action])

    def _action(self, text: str, key: str, slot: Callable[[], None]) -> QAction:
        action = self.panel._action(text, key, slot)
        action.setShortcut(QKeySequence(key))
        return action

    def _run(self, name: str, op: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.panel._submit(lambda job: op(), done, self._failed, name=name)

    def _failed(self, failure: Failure) -> None:
        if not failure.cancelled:
            self.panel.message.emit(failure.message)

    def mark_paid(self) -> None:
        """The rest of the selected invoice is paid today."""
        from ksef_desktop.services.invoice_actions import mark_paid

        invoice_id = self.panel.selected_id()
        if invoice_id is None:
            return
        store, profile, now = self.panel.store, self.panel.profile, self.ctx.now
        today = _py_date(QDate.currentDate())

        def op() -> Changed:
            return mark_paid(store(), invoice_id, today, profile_id=profile().id, now=now())

        def done(changed: Changed) -> None:
            self.panel.message.emit(
                _("The invoice is marked paid.") if changed else _("The invoice was already paid.")
            )
            self.panel.changed.emit(changed)

        self._run("mark-paid", op, done)

    def mail(self) -> None:
        """Ask for the message (prefilled), then queue the e-mail and send what is due."""
        from ksef_desktop.services.mail_outbox import mail_draft

        invoice_id = self.panel.selected_id()
        if invoice_id is None:
            return
        store, profile = self.panel.store, self.panel.profile

        def op() -> MailDraft:
            p = profile()
            return mail_draft(store(), invoice_id, profile_id=p.id, company_nip=p.nip)

        self._run("mail-draft", op, self._ask)

    def _ask(self, draft: MailDraft) -> None:
        self.dialog = MailDialog(draft, self.panel)
        self.dialog.accepted.connect(lambda: self._queue(self.dialog))
        self.dialog.open()

    def _queue(self, dialog: MailDialog | None) -> None:
        from ksef_desktop.services.mail_outbox import queue_invoice_mail
        from ksef_desktop.ui.everyday import send_mail

        if dialog is None:
            return
        ctx, draft = self.ctx, dialog.draft
        to, lang = dialog.to.text().strip(), str(dialog.lang.currentData())
        with_xml, subject = dialog.with_xml.isChecked(), dialog.subject.text()
        body = dialog.body.toPlainText()

        def op() -> MailReport:
            profile = ctx.profile_now()
            queue_invoice_mail(
                ctx.store(),
                draft.invoice_id,
                profile_id=profile.id,
                sender=str(ctx.settings["mail_from"]) or to,
                recipient=to,
                lang=lang,
                with_xml=with_xml,
                subject=subject,
                body=body,
                now=ctx.now(),
            )
            return send_mail(ctx)

        self._run("mail", op, self._sent)

    def _sent(self, report: MailReport) -> None:
        if report.sent:
            text = _("The invoice was e-mailed.")
        elif report.problems:
            text = _("The e-mail is queued and will be sent when possible: {reason}").format(
                reason=report.problems[-1]
            )
        else:
            text = _("The e-mail is queued.")
        self.panel.message.emit(text)
        self.panel.changed.emit(Changed.MAIL)  # queued, and sent if it could be
