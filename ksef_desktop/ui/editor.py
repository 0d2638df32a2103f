"""The invoice editor window: load a draft, save it, issue it, and send it after an undo pause.

Issuing runs in the worker: the draft is saved, ``services.issue.issue_invoice`` issues
it (number, frozen XML, mode and deadline, archive) without queueing it, and the PDF is
rendered and written beside the archive. The window then shows the number, the mode and
the deadline, and counts down a few seconds with "Undo" before the invoice is queued
for KSeF (``queued`` is emitted; the window's controller sends it). Undo leaves it
issued but unsent; the list's "Send to KSeF" queues it later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.invoice import Address, Party, PolishNip
from ksef_desktop.domain.offline import Deadline, DeadlineState, OfflineMode
from ksef_desktop.i18n import _, ngettext
from ksef_desktop.paths import write_private_file
from ksef_desktop.store import Store
from ksef_desktop.store.contractors import Contractor, save_contractor, search_contractors
from ksef_desktop.store.invoices import StoredInvoice, create_draft, get_invoice, update_draft
from ksef_desktop.store.numbering import Series, create_series, list_series
from ksef_desktop.ui.editor_form import EditorForm
from ksef_desktop.ui.formatting import fmt_moment
from ksef_desktop.ui.invoice_list_model import mode_label
from ksef_desktop.worker import Failure
from ksef_desktop.worker.runner import Runner

if TYPE_CHECKING:  # cryptography: imported when a certificate is used
    from ksef_desktop.visual.certificates import OfflineSigning

DEFAULT_SERIES = ("FV", "FV/{yyyy}/{mm}/{n}")
UNDO_SECONDS = 5

#: The offline mode and deadline an invoice issued now on a given day gets.
Terms = Callable[[date], tuple[OfflineMode | None, Deadline | None]]


def seller_from_settings(nip: str, name: str, address: str) -> Party:
    """The seller as the settings hold it ("street, postcode city" → two address lines)."""
    line1, _sep, line2 = address.partition(",")
    return Party(
        PolishNip(nip), name, Address("PL", line1.strip(), line2.strip() or None) if line1 else None
    )


@dataclass(frozen=True)
class Loaded:
    series: list[Series]
    contractors: list[Contractor]
    draft: StoredInvoice | None


@dataclass(frozen=True)
class Issued:
    invoice: StoredInvoice
    pdf: Path | None
    pdf_problem: str = ""


def load_editor(store: Store, draft_id: int | None, now: datetime) -> Loaded:
    """Runs in the worker: the series (a default one made on first use), contractors, draft."""
    conn = store.db.connection()
    series = list_series(conn)
    if not series:
        with store.db.transaction() as tx:
            create_series(tx, *DEFAULT_SERIES, now=now)
        series = list_series(conn)
    draft = get_invoice(conn, draft_id) if draft_id is not None else None
    return Loaded(series, search_contractors(conn, "", limit=1000), draft)


def save_draft(store: Store, draft_id: int | None, invoice: Any, now: datetime) -> int:
    with store.db.transaction() as conn:
        if draft_id is None:
            return create_draft(conn, invoice, now=now)
        update_draft(conn, draft_id, invoice, now=now)
        return draft_id


def pdf_folder(store: Store) -> Path:
    return store.data_dir / "pdf"


def issue_draft(
    store: Store,
    draft_id: int | None,
    invoice: Any,
    *,
    series_id: int | None,
    terms: tuple[OfflineMode | None, Deadline | None],
    now: Callable[[], datetime],
    qr_base: str,
    lang: str,
    signing: Callable[[], OfflineSigning | None] | None = None,
) -> Issued:
    """Runs in the worker: save, issue (not queued), render and write the PDF."""
    from ksef_desktop.services.invoice_actions import invoice_pdf
    from ksef_desktop.services.issue import fa3_check, issue_invoice

    moment = now()
    draft_id = save_draft(store, draft_id, invoice, moment)
    mode, deadline = terms
    due = deadline.due if deadline is not None and deadline.state is DeadlineState.DUE else None
    issued = issue_invoice(
        store.db,
        store.archive,
        draft_id,
        now=now,
        series_id=series_id,
        mode=mode,
        deadline=due,
        send=False,
        check=fa3_check(warsaw_date(moment)),
    )
    folder = pdf_folder(store)
    try:
        needs_kod2 = mode is not None and mode is not OfflineMode.AWARIA_CALKOWITA
        offline = signing() if (signing is not None and needs_kod2) else None
        pdf = invoice_pdf(store, issued.id, qr_base=qr_base, lang=lang, offline=offline, now=moment)
    except ValueError as exc:  # a certificate refused: the invoice stands, the PDF waits
        return Issued(issued, None, str(exc))
    path = folder / ((issued.number or str(issued.id)).replace("/", "_") + ".pdf")
    write_private_file(path, pdf)  # 0600 in a 0700 folder: an invoice is personal data
    return Issued(issued, path)


def pdf_language(invoice: Any, ui_lang: str) -> str:
    """Polish for a Polish buyer in PLN; bilingual for a foreign buyer or currency."""
    if not isinstance(invoice.buyer.tax_id, PolishNip) or invoice.currency != "PLN":
        return "pl+en"
    return "pl" if ui_lang == "pl" else "pl+en"


def terms_text(mode: OfflineMode | str | None, deadline: datetime | None) -> str:
    if mode is None:
        return _("Mode: online.")
    text = _("Mode: {mode}.").format(mode=mode_label(str(mode)))
    if deadline is not None:
        text += " " + _("It must reach KSeF by {moment}.").format(moment=fmt_moment(deadline))
    return text


class EditorDialog(QDialog):
    #: The issued invoice was queued for KSeF (after the undo pause).
    queued = Signal(int)
    #: A draft was saved or an invoice issued (the list reloads).
    stored = Signal(int)
    message = Signal(str)

    def __init__(
        self,
        runner: Runner,
        store: Callable[[], Store],
        seller: Party,
        now: Callable[[], datetime],
        terms: Terms,
        qr_base: Callable[[], str],
        *,
        draft_id: int | None = None,
        lang: str = "pl",
        signing: Callable[[], OfflineSigning | None] | None = None,
        undo_seconds: int = UNDO_SECONDS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Invoice"))
        self.runner = runner
        self.store = store
        self.now = now
        self.terms = terms
        self.qr_base = qr_base
        self.draft_id = draft_id
        self.lang = lang
        self.signing = signing
        self.undo_seconds = undo_seconds
        self.ready = False
        self.read_only = False
        self.issued: Issued | None = None
        self.busy = False
        self._inflight = 0
        self._finished = False
        self.form = EditorForm(seller, now)
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
        self.undo_button = QPushButton(_("Cofnij (undo)"))
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
        store, draft_id, now = self.store, self.draft_id, self.now
        self.busy = True
        self._submit(
            lambda job: load_editor(store(), draft_id, now()),
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
        self.ready = True
        self.form.check()
        self._follow()

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
        self.busy = True
        self._follow()

        def saved(new_id: int) -> None:
            self.busy = False
            self.draft_id = new_id
            self.state.setText(_("Draft saved."))
            self.stored.emit(new_id)
            self._follow()

        self._submit(
            lambda job: save_draft(store(), draft_id, invoice, now()), saved, self._failed,
            name="editor-save",
        )  # fmt: skip

    def issue(self) -> None:
        self.form.check()
        self._follow()
        if not self.issue_button.isEnabled():
            return
        invoice = self.form.invoice()
        series_id = self.form.series.currentData()
        terms = self.terms(invoice.issue_date)
        store, draft_id, now = self.store, self.draft_id, self.now
        lang = pdf_language(invoice, self.lang)
        qr_base, signing = self.qr_base(), self.signing
        self.busy = True
        self._follow()
        self.state.setText(_("Issuing…"))
        self._submit(
            lambda job: issue_draft(
                store(), draft_id, invoice, series_id=series_id, terms=terms, now=now,
                qr_base=qr_base, lang=lang, signing=signing,
            ),
            self._issued,
            self._failed,
            name="editor-issue",
        )  # fmt: skip

    def _issued(self, issued: Issued) -> None:
        self.busy = False
        self.issued = issued
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
        if not self._countdown.isActive():
            return
        self._countdown.stop()
        self.undo_bar.setVisible(False)
        self.state.setText(
            self.state.text()
            + " "
            + _("Sending cancelled: the invoice stays issued; send it from the list when ready.")
        )

    def send_now(self) -> None:
        if not self._countdown.isActive() or self.issued is None:
            return
        self._countdown.stop()
        self.undo_bar.setVisible(False)
        from ksef_desktop.services.issue import queue_for_sending

        invoice_id, store, now = self.issued.invoice.id, self.store, self.now

        def done(_result: object) -> None:
            self.state.setText(self.state.text() + " " + _("Queued for KSeF."))
            self.queued.emit(invoice_id)

        self._submit(
            lambda job: queue_for_sending(store().db, invoice_id, now=now),
            done,
            self._failed,
            name="editor-queue",
        )

    def load_contractors(self) -> None:
        store = self.store
        self._submit(
            lambda job: search_contractors(store().db.connection(), "", limit=1000),
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
        store, now = self.store, self.now

        def op() -> list[Contractor]:
            s = store()
            with s.db.transaction() as conn:
                save_contractor(conn, party, now=now())
            return search_contractors(s.db.connection(), "", limit=1000)

        def done(contractors: list[Contractor]) -> None:
            self.form.buyer.set_contractors(contractors)
            self.state.setText(_("The buyer was added to the contractors."))

        self._submit(lambda job: op(), done, self._failed, name="keep-buyer")

    def reject(self) -> None:
        if self._countdown.isActive():
            self.send_now()  # closing does not cancel the send: only Undo does
        super().reject()
