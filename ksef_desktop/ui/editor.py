"""The invoice editor window: load a draft, save it, issue it, and send it after an undo pause.

Issuing runs in the worker (``services.editing.issue_draft``): the draft is saved, issued
(number, frozen XML, mode and deadline, archive) and queued for KSeF with a "not before"
moment at the end of the undo window; the PDF is rendered and written beside the
archive. The window then shows the number, the mode and the deadline, and counts down a
few seconds with "Undo", which takes the invoice out of the queue (it stays issued; the
list's "Send to KSeF" queues it later). An issued invoice shows where it stands, and its
KSeF number, acceptance moment, PDF and UPO once KSeF accepts it (``refresh_status``).

Typed work is never lost: closing a changed editor asks whether to save the draft, and
content opened unsaved (a duplicate, a correction) becomes a draft only when saved or
issued.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.domain.invoice import Invoice
from ksef_desktop.domain.offline import Deadline, OfflineMode
from ksef_desktop.domain.offline_watch import mode_label
from ksef_desktop.i18n import _, ngettext
from ksef_desktop.services import contractor_book
from ksef_desktop.services.changes import Changed
from ksef_desktop.services.editing import (
    DEFAULT_SERIES,
    EditorStatus,
    Issued,
    Loaded,
    editor_status,
    issue_draft,
    load_editor,
    save_draft,
    seller_from_settings,
    seller_of,
)
from ksef_desktop.store import Store
from ksef_desktop.store.contractors import Contractor
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.asking import ask
from ksef_desktop.ui.editor_everyday import EditorEveryday, EverydayServices
from ksef_desktop.ui.editor_form import EditorForm
from ksef_desktop.ui.editor_status import InvoiceStatusPanel
from ksef_desktop.ui.formatting import fmt_moment
from ksef_desktop.worker import Failure
from ksef_desktop.worker.runner import Runner

if TYPE_CHECKING:  # cryptography: imported when a certificate is used
    from ksef_desktop.visual.certificates import OfflineSigning

__all__ = [
    "DEFAULT_SERIES",
    "EditorDialog",
    "Issued",
    "Loaded",
    "issue_draft",
    "load_editor",
    "save_draft",
    "seller_from_settings",
    "seller_of",
]

UNDO_SECONDS = 5

#: The offline mode and deadline an invoice issued now on a given day gets.
Terms = Callable[[date], tuple[OfflineMode | None, Deadline | None]]


def terms_text(mode: OfflineMode | str | None, deadline: datetime | None) -> str:
    if mode is None:
        return _("Mode: online.")
    text = _("Mode: {mode}.").format(mode=mode_label(mode))
    if deadline is not None:
        text += " " + _("It must reach KSeF by {moment}.").format(moment=fmt_moment(deadline))
    return text


class EditorDialog(QDialog):
    #: What the editor's last operation changed (``services.changes.Changed``): the
    #: window carries it to every view (an invoice queued for KSeF after the undo pause
    #: is ``QUEUED``).
    changed = Signal(object)
    #: A draft was saved or an invoice issued: its id.
    stored = Signal(int)
    message = Signal(str)

    def __init__(
        self,
        runner: Runner,
        store: Callable[[], Store],
        profile: Profile,
        now: Callable[[], datetime],
        terms: Terms,
        qr_base: Callable[[], str],
        *,
        draft_id: int | None = None,
        content: Invoice | None = None,
        corrects_id: int | None = None,
        lang: str = "pl",
        signing: Callable[[], OfflineSigning | None] | None = None,
        undo_seconds: int = UNDO_SECONDS,
        everyday: EverydayServices | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Invoice"))
        self.runner = runner
        self.store = store
        #: The profile this editor works in, fixed when it opens (a switch of profile
        #: meanwhile does not move its draft elsewhere).
        self.profile = profile
        self.now = now
        self.terms = terms
        self.qr_base = qr_base
        self.draft_id = draft_id
        #: Unsaved content to start from (a duplicate, a correction): no draft yet.
        self.content = content
        #: The rejected invoice a technical correction (opened unsaved) replaces.
        self.corrects_id = corrects_id
        #: Something was typed since the editor opened or last saved.
        self.dirty = False
        self._closing_after_save = False
        self.question: QMessageBox | None = None
        self.lang = lang
        self.signing = signing
        self.undo_seconds = undo_seconds
        self.ready = False
        self.read_only = False
        self.issued: Issued | None = None
        self.busy = False
        self._inflight = 0
        self._finished = False
        self.form = EditorForm(seller_of(profile), now)
        # Issue 20: look-ups, NBP rates, the catalogue, payment defaults.
        self.everyday = None if everyday is None else EditorEveryday(self, everyday)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        self.save_button = QPushButton(_("&Save draft"))
        self.issue_button = QPushButton(_("&Issue"))
        self.issue_button.setDefault(False)
        self.issue_button.setAutoDefault(False)
        self.save_button.setAutoDefault(False)
        self.close_button = QPushButton(_("Close"))
        self.close_button.setAutoDefault(False)
        self.save_contractor_button = QPushButton(_("Keep t&he buyer among contractors"))
        self.save_contractor_button.setAutoDefault(False)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.undo_bar = QFrame()
        self.undo_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.undo_text = QLabel()
        self.undo_text.setWordWrap(True)
        self.undo_button = QPushButton(_("Undo"))
        self.undo_button.setToolTip("Ctrl+Z")
        self.status_panel = InvoiceStatusPanel()
        self.status_panel.attach(
            lambda op, done, name: self._submit(op, done, self._failed, name=name),
            store, profile.id, lambda: self.draft_id, qr_base, lang, now, signing,
        )  # fmt: skip
        self.send_now_button = QPushButton(_("Send &now"))
        bar = QHBoxLayout(self.undo_bar)
        bar.addWidget(self.undo_text, 1)
        bar.addWidget(self.send_now_button)
        bar.addWidget(self.undo_button)
        self.undo_bar.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_contractor_button)
        buttons.addStretch(1)
        for b in (self.save_button, self.issue_button, self.close_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_panel)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.state)
        layout.addWidget(self.undo_bar)
        layout.addLayout(buttons)

        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        self._left = 0
        self.save_button.clicked.connect(self.save)
        self.issue_button.clicked.connect(self.issue)
        self.close_button.clicked.connect(self.reject)
        self.undo_button.clicked.connect(self.undo)
        self.send_now_button.clicked.connect(self.send_now)
        self.save_contractor_button.clicked.connect(self.keep_buyer)
        self.form.changed.connect(self._follow)
        self.form.changed.connect(self._typed)
        for text, key, slot in (
            (_("Issue"), "Ctrl+Return", self.issue),
            (_("Save draft"), "Ctrl+S", self.save),
            (_("Add line"), "Ctrl+L", self.form.append_line),
            (_("Undo sending"), "Ctrl+Z", self.undo),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda _c=False, s=slot: s())
            self.addAction(action)
        self.resize(1100, 760)
        self._follow()
        self.load()

    # --- background work that outlives a closed window ---

    def _submit(
        self,
        op: Callable[[Any], Any],
        done: Callable[[Any], None],
        failed: Callable[[Failure], None],
        *,
        name: str,
    ) -> None:
        """``runner.submit``, but a closed editor is deleted only after its jobs reported."""
        self._inflight += 1

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._inflight -= 1
            callback(value)
            if self._finished and not self._inflight:
                self.deleteLater()

        self.runner.submit(op, lambda r: finish(done, r), lambda f: finish(failed, f), name=name)

    def dispose(self) -> None:
        """Delete this window once nothing it started is still running."""
        self._finished = True
        if not self._inflight:
            self.deleteLater()

    # --- loading ---------------------------------------------------------------------------------

    def load(self) -> None:
        store, draft_id, now, profile = self.store, self.draft_id, self.now, self.profile
        self.busy = True
        self._submit(
            lambda job: load_editor(store(), profile, draft_id, now()),
            self._loaded,
            self._failed,
            name="editor-load",
        )

    def _loaded(self, loaded: Loaded) -> None:
        self.busy = False
        self.form.series.blockSignals(True)
        self.form.series.clear()
        for s in loaded.series:
            self.form.series.addItem(f"{s.name} ({s.pattern})", s.id)
        self.form.series.blockSignals(False)
        self.form.buyer.set_contractors(loaded.contractors)
        if loaded.draft is not None:
            self.form.load(loaded.draft.invoice)
            if loaded.draft.number is not None:
                self.read_only = True
                draft = loaded.draft
                self.state.setText(
                    _(
                        "Invoice {number} is {state}; it cannot be changed. Duplicate or correct "
                        "it from the list."
                    ).format(number=draft.number, state=draft.state.label)
                )
                self.refresh_status()
        elif self.content is not None:
            self.form.load(self.content)  # unsaved: a draft only once saved or issued
        self.ready = True
        if self.everyday is not None and not self.read_only:
            self.everyday.load(new_invoice=loaded.draft is None and self.content is None)
        self.dirty = False
        self.form.check()
        self._follow()

    def _typed(self) -> None:
        if self.ready and not self.read_only and self.issued is None:
            self.dirty = True

    def _failed(self, failure: Failure) -> None:
        self.busy = False
        self._follow()
        if not failure.cancelled:
            self.state.setText(failure.message)
            self.message.emit(failure.message)

    # --- state of the buttons --------------------------------------------------------------------

    def _follow(self) -> None:
        idle = self.ready and not self.busy and self.issued is None and not self.read_only
        self.issue_button.setEnabled(idle and self.form.valid)
        self.save_button.setEnabled(idle)
        self.form.setEnabled(self.issued is None and not self.read_only)
        if idle and not self.form.valid:
            n = len(self.form.problems)
            self.issue_button.setToolTip(
                ngettext(
                    "{n} problem must be fixed before issuing.",
                    "{n} problems must be fixed before issuing.",
                    n,
                ).format(n=n)
            )
        else:
            self.issue_button.setToolTip("")

    # --- saving and issuing ----------------------------------------------------------------------

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        store, draft_id, now, invoice = self.store, self.draft_id, self.now, self.form.invoice()
        profile = self.profile
        self.busy = True
        self._follow()

        corrects_id = self.corrects_id

        def saved(new_id: int) -> None:
            self.busy = False
            self.draft_id = new_id
            self.dirty = False
            self.state.setText(_("Draft saved."))
            self.stored.emit(new_id)
            self.changed.emit(Changed.INVOICES)
            self._follow()
            if self._closing_after_save:
                self._closing_after_save = False
                self.done(QDialog.DialogCode.Rejected)

        def failed(failure: Failure) -> None:
            self._closing_after_save = False  # not saved: the window stays with the work
            self._failed(failure)

        self._submit(
            lambda job: save_draft(store(), profile, draft_id, invoice, now(),
                                   corrects_id=corrects_id),
            saved, failed, name="editor-save",
        )  # fmt: skip

    def issue(self) -> None:
        self.form.check()
        self._follow()
        if not self.issue_button.isEnabled():
            return
        invoice = self.form.invoice()
        terms = self.terms(invoice.issue_date)
        from ksef_desktop.services.issue import overdue_warning

        due = terms[1].due if terms[1] is not None else None
        warning = overdue_warning(due, self.now())
        if not warning:
            self._issue(invoice, terms)
            return
        self.question = ask(
            self,
            _("Already overdue"),
            warning,
            [
                (_("Issue anyway"), QMessageBox.ButtonRole.AcceptRole,
                 lambda: self._issue(invoice, terms)),
                (_("Cancel"), QMessageBox.ButtonRole.RejectRole, lambda: None),
            ],
            icon=QMessageBox.Icon.Warning,
            default=1,
        )  # fmt: skip

    def _issue(self, invoice: Invoice, terms: tuple[OfflineMode | None, Deadline | None]) -> None:
        series_id = self.form.series.currentData()
        store, draft_id, now, profile = self.store, self.draft_id, self.now, self.profile
        corrects_id = self.corrects_id
        from ksef_desktop.services.invoice_actions import pdf_language

        lang = pdf_language(invoice, self.lang)
        qr_base, signing, undo = self.qr_base(), self.signing, self.undo_seconds
        self.busy = True
        self._follow()
        self.state.setText(_("Issuing…"))
        self._submit(
            lambda job: issue_draft(
                store(), profile, draft_id, invoice, series_id=series_id, terms=terms, now=now,
                qr_base=qr_base, lang=lang, signing=signing, undo_seconds=undo,
                corrects_id=corrects_id,
            ),
            self._issued,
            self._failed,
            name="editor-issue",
        )  # fmt: skip

    def _issued(self, issued: Issued) -> None:
        self.busy = False
        self.issued = issued
        self.dirty = False
        self.draft_id = issued.invoice.id
        inv = issued.invoice
        text = _("Invoice {number} issued.").format(number=inv.number) + " "
        text += terms_text(inv.mode, inv.deadline)
        if issued.pdf is not None:
            text += " " + _("PDF: {path}").format(path=issued.pdf)
        elif issued.pdf_problem:
            text += " " + _("The PDF could not be made: {reason}").format(reason=issued.pdf_problem)
        self.state.setText(text)
        self.stored.emit(inv.id)
        self.changed.emit(issued.changed)
        self._left = self.undo_seconds
        self.undo_bar.setVisible(True)
        self._show_left()
        self._countdown.start()
        self.undo_button.setFocus()
        self._follow()

    def _show_left(self) -> None:
        self.undo_text.setText(
            ngettext(
                "Sending to KSeF in {n} second…",
                "Sending to KSeF in {n} seconds…",
                self._left,
            ).format(n=self._left)
        )

    def _tick(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self.send_now()
        else:
            self._show_left()

    @property
    def counting_down(self) -> bool:
        return self._countdown.isActive()

    def undo(self) -> None:
        """Take the invoice out of the queue while its undo window lasts (it stays issued;
        it is queued again when the program next starts, or from the list)."""
        if not self._countdown.isActive() or self.issued is None:
            return
        self._countdown.stop()
        self.undo_bar.setVisible(False)
        from ksef_desktop.services.issue import withdraw_from_queue

        invoice_id, store, now = self.issued.invoice.id, self.store, self.now
        profile_id = self.profile.id

        def done(changed: Changed) -> None:
            self.state.setText(
                self.state.text()
                + " "
                + _(
                    "Sending cancelled: the invoice stays issued; send it from the list when ready."
                )
            )
            self.changed.emit(changed)

        def too_late(failure: Failure) -> None:
            self._failed(failure)
            self.changed.emit(Changed.QUEUED | Changed.OUTBOX)  # it went on as it was

        self._submit(
            lambda job: withdraw_from_queue(
                store().db, store().archive, invoice_id, profile_id=profile_id, now=now
            ),
            done,
            too_late,
            name="editor-undo",
        )

    def send_now(self) -> None:
        """The undo window ends (at once when asked): the queued invoice is due now."""
        if not self._countdown.isActive() or self.issued is None:
            return
        self._countdown.stop()
        self.undo_bar.setVisible(False)
        from ksef_desktop.services.issue import send_when_due

        invoice_id, store, now = self.issued.invoice.id, self.store, self.now
        profile_id = self.profile.id

        def done(changed: Changed) -> None:
            self.state.setText(self.state.text() + " " + _("Queued for KSeF."))
            self.changed.emit(changed)

        self._submit(
            lambda job: send_when_due(
                store().db, store().archive, invoice_id, profile_id=profile_id, now=now
            ),
            done,
            self._failed,
            name="editor-queue",
        )

    def load_contractors(self) -> None:
        store, nip = self.store, self.profile.nip
        self._submit(
            lambda job: contractor_book.contractors(store(), company_nip=nip),
            self.form.buyer.set_contractors,
            self._failed,
            name="editor-contractors",
        )

    # --- contractors -----------------------------------------------------------------------------

    def keep_buyer(self) -> None:
        party = self.form.buyer.party()
        if any(p.field.startswith("buyer") for p in self.form.problems):
            self.state.setText(_("Fix the buyer's data first."))
            return
        store, now, nip = self.store, self.now, self.profile.nip

        def op() -> list[Contractor]:
            return contractor_book.keep(store(), party, company_nip=nip, now=now())

        def done(contractors: list[Contractor]) -> None:
            self.form.buyer.set_contractors(contractors)
            self.state.setText(_("The buyer was added to the contractors."))

        self._submit(lambda job: op(), done, self._failed, name="keep-buyer")

    # --- where the issued invoice stands ------------------------------------------------------

    def refresh_status(self) -> None:
        """Read where the invoice stands (after KSeF's verdict: its number and UPO)."""
        if self.draft_id is None or (self.issued is None and not self.read_only):
            return
        store, invoice_id, profile_id = self.store, self.draft_id, self.profile.id
        self._submit(
            lambda job: editor_status(store(), invoice_id, profile_id=profile_id),
            self._status,
            self._failed,
            name="editor-status",
        )

    def _status(self, status: EditorStatus) -> None:
        self.status_panel.show_status(status)
        if status.state is InvoiceState.ACCEPTED and self.issued is not None:
            self.state.setText(
                _("Invoice {number} was accepted by KSeF: {ksef}.").format(
                    number=status.number, ksef=status.ksef_number
                )
            )

    @property
    def documents(self) -> list[QDialog]:
        """The UPO windows opened from this editor."""
        return self.status_panel.documents

    # --- closing ---------------------------------------------------------------------------

    def reject(self) -> None:
        """Esc and "Close": typed work is never dropped without a question."""
        if self.dirty and self.issued is None and not self.read_only:
            self._ask_to_save()
            return
        if self._countdown.isActive():
            self.send_now()  # closing does not cancel the send: only Undo does
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.dirty and self.issued is None and not self.read_only:
            event.ignore()
            self._ask_to_save()
            return
        super().closeEvent(event)

    def _ask_to_save(self) -> None:
        if self.question is not None and self.question.isVisible():
            return

        def discard() -> None:
            self.dirty = False
            self.reject()

        def save_and_close() -> None:
            self._closing_after_save = True
            self.save()

        self.question = ask(
            self,
            _("Save the draft?"),
            _("The invoice has changes that are not saved. Save them as a draft?"),
            [
                (_("&Save draft"), QMessageBox.ButtonRole.AcceptRole, save_and_close),
                (_("&Discard"), QMessageBox.ButtonRole.DestructiveRole, discard),
                (_("Cancel"), QMessageBox.ButtonRole.RejectRole, lambda: None),
            ],
        )
