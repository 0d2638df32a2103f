"""The invoice list: filters, the lazily loaded table, and what can be done with an invoice.

Everything that reads the store or renders a file runs in the worker; the panel only
shows what comes back. The actions have shortcuts (listed in the context menu).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.i18n import _
from ksef_desktop.services import invoice_actions as actions
from ksef_desktop.services.changes import Changed
from ksef_desktop.services.invoice_status import Action, Row, applicable, rejection_text
from ksef_desktop.store.queries import InvoiceFilter
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.documents import DocumentDialog
from ksef_desktop.ui.invoice_list_filters import (
    STATE_CHOICES,
    ProfileAccess,
    StoreAccess,
    TextFilter,
    state_choice_label,
    store_loader,
)
from ksef_desktop.ui.invoice_list_model import InvoiceListModel, guarded
from ksef_desktop.worker import Failure
from ksef_desktop.worker.runner import Runner

if TYPE_CHECKING:
    from ksef_desktop.visual.certificates import OfflineSigning

__all__ = ["STATE_CHOICES", "InvoiceListPanel", "TextFilter", "store_loader"]


class InvoiceListPanel(QWidget):
    #: The user wants to edit (a draft) or view (an issued invoice) this invoice.
    open_requested = Signal(int)
    #: Unsaved content to open in the editor (a duplicate or a correction): the invoice
    #: and the rejected invoice it technically corrects (0: none). No draft exists yet.
    content_ready = Signal(object, int)
    #: The user asked for a new invoice.
    new_requested = Signal()
    #: A passing message for the status bar.
    message = Signal(str)
    #: What an operation of the list (or of its everyday actions) changed
    #: (``services.changes.Changed``); the window carries it to every view.
    changed = Signal(object)
    #: The user wants one collective identifier for these invoices (ids, list order).
    collective_requested = Signal(object)

    def __init__(
        self,
        runner: Runner,
        store: StoreAccess,
        profile: ProfileAccess,
        now: Callable[[], Any],
        qr_base: Callable[[], str],
        parent: QWidget | None = None,
        signing: Callable[[int], OfflineSigning | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        #: KOD II's certificate of a profile (by id), for the PDF of an offline invoice.
        self.signing = signing
        self._submit = guarded(self, runner.submit)
        self.store = store
        self.profile = profile
        self.now = now
        self.qr_base = qr_base
        self.model = InvoiceListModel(store_loader(store, profile), runner.submit, parent=self)
        self.model.failed.connect(self.message.emit)
        self.dialogs: list[DocumentDialog] = []
        #: Actions other modules add to the context menu (ui/invoice_everyday.py).
        self.extra_actions: list[QAction] = []
        self.last_pdf: bytes | None = None
        self._build()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)

    # --- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.state = QComboBox()
        for key, _states in STATE_CHOICES:
            self.state.addItem(state_choice_label(key), key)
        self.state.setAccessibleName(_("State"))
        self.use_period = QCheckBox(_("Pe&riod:"))
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addMonths(-1))
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("dd.MM.yyyy")
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
        self.buyer = QLineEdit()
        self.buyer.setPlaceholderText(_("Buyer: name or NIP"))
        self.buyer.setClearButtonEnabled(True)
        self.buyer.setAccessibleName(_("Buyer"))
        self.text = QLineEdit()
        self.text.setPlaceholderText(_("Invoice or KSeF number"))
        self.text.setClearButtonEnabled(True)
        self.text.setAccessibleName(_("Search by number"))
        self.overdue = QCheckBox(_("Overdue only"))
        self.overdue.setToolTip(_("Issued invoices past their due date and not paid in full."))
        self.new_button = QPushButton(_("&New invoice"))
        self.new_button.clicked.connect(self.new_requested.emit)

        # Two rows, so that long (Polish, stretched) labels never widen the window.
        filters = QVBoxLayout()
        first = QHBoxLayout()
        second = QHBoxLayout()
        state_label = QLabel(_("S&tate:"))
        state_label.setBuddy(self.state)
        buyer_label = QLabel(_("&Buyer:"))
        buyer_label.setBuddy(self.buyer)
        for w in (state_label, self.state, self.use_period, self.date_from, QLabel("–"),
                  self.date_to):  # fmt: skip
            first.addWidget(w)
        first.addStretch(1)
        first.addWidget(self.new_button)
        second.addWidget(buyer_label)
        second.addWidget(self.buyer, 1)
        text_label = QLabel(_("N&umber:"))
        text_label.setBuddy(self.text)
        second.addWidget(text_label)
        second.addWidget(self.text, 1)
        second.addWidget(self.overdue)  # the second row's fields give way; the first's don't
        filters.addLayout(first)
        filters.addLayout(second)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows: a collective identifier covers many invoices; the other actions take
        # the current row.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # The indicator first: enabling sorting sorts by whatever it shows.
        self.table.horizontalHeader().setSortIndicator(
            self.model.sort_column, Qt.SortOrder.DescendingOrder
        )
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        # A number too long for its column loses its middle, never its end (the tooltip
        # has it whole): "5265877635-2026…-01F4A8-12".
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setAccessibleName(_("Invoices"))
        # Enter and a double click both "activate" the row (QAbstractItemView).
        self.table.activated.connect(self._activated)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)

        # A reload (filter, sort, a send that ended) keeps the selected invoice selected.
        self._keep: int | None = None
        self.model.modelAboutToBeReset.connect(self._remember)
        self.model.rowsInserted.connect(self._restore)
        self.count = QLabel()
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.model.loaded.connect(self._update_count)  # an empty first page inserts nothing
        self.model.loaded.connect(self._fit_columns)
        self.table.selectionModel().selectionChanged.connect(self._enable_actions)
        self.table.selectionModel().currentRowChanged.connect(self._enable_actions)
        self.model.modelReset.connect(self._enable_actions)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        # Why the selected invoice was rejected, in KSeF's own words: never only a code.
        self.rejection = QLabel()
        self.rejection.setWordWrap(True)
        self.rejection.setStyleSheet("color: #b71c1c")
        self.rejection.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rejection.setVisible(False)
        layout.addWidget(self.rejection)
        layout.addWidget(self.count)

        self.state.currentIndexChanged.connect(self.apply_filter)
        self.overdue.toggled.connect(self.apply_filter)
        self.use_period.toggled.connect(self._period_toggled)
        self.date_from.dateChanged.connect(self.apply_filter)
        self.date_to.dateChanged.connect(self.apply_filter)
        self.buyer.textChanged.connect(lambda _text: self._debounce.start())
        self.text.textChanged.connect(lambda _text: self._debounce.start())
        self._actions()

    def _action(self, text: str, shortcut: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _actions(self) -> None:
        self.open_action = self._action(_("&Open"), "Ctrl+Shift+O", self.open_current)
        self.duplicate_action = self._action(_("&Duplicate as new"), "Ctrl+D", self.duplicate)
        self.correct_action = self._action(_("&Correct (KOR)"), "Ctrl+K", self.correct)
        self.technical_action = self._action(
            _("&Technical correction"), "Ctrl+Shift+K", self.technical_correction
        )
        self.pdf_save_action = self._action(_("&Save PDF…"), "Ctrl+S", self.save_pdf)
        self.pdf_open_action = self._action(_("Open PD&F"), "Ctrl+O", self.open_pdf)
        self.print_action = self._action(_("&Print…"), "Ctrl+P", self.print_pdf)
        self.xml_action = self._action(_("Show &XML"), "Ctrl+Shift+X", self.show_xml)
        self.upo_action = self._action(_("Show &UPO"), "Ctrl+U", self.show_upo)
        self.send_action = self._action(_("Send to &KSeF"), "Ctrl+Shift+Return", self.send)
        self.collective_action = self._action(
            _("Collective &identifier…"), "Ctrl+Shift+I", self.collective
        )
        self.title_action = self._action(
            _("Copy transfer tit&le"), "Ctrl+Shift+C", self.copy_transfer_title
        )
        self.reload_action = self._action(_("&Refresh"), "Ctrl+R", self.model.reload)
        self._by_kind = {
            Action.OPEN: [self.open_action],
            Action.DUPLICATE: [self.duplicate_action],
            Action.CORRECT: [self.correct_action],
            Action.TECHNICAL: [self.technical_action],
            Action.SEND: [self.send_action],
            Action.PDF: [self.pdf_save_action, self.pdf_open_action, self.print_action],
            Action.XML: [self.xml_action],
            Action.UPO: [self.upo_action],
            Action.TRANSFER_TITLE: [self.title_action],
            Action.COLLECTIVE: [self.collective_action],
        }
        self._enable_actions()

    def _enable_actions(self, *args: object) -> None:
        """Only what applies to the selected invoice is enabled (``invoice_status``)."""
        index = self.table.currentIndex()
        rows = [self.model.row_at(i.row()) for i in self.table.selectionModel().selectedRows()]
        current = self.model.row_at(index.row()) if index.isValid() else None
        found = (
            applicable(Row(current.state, current.kind, current.ksef_number))
            if current is not None
            else frozenset()
        )
        why = ""
        if current is not None and current.state is InvoiceState.REJECTED:
            why = rejection_text(current.rejection_code, current.rejection_details)
            why = _("Invoice {number}: {why}").format(number=current.number, why=why)
        self.rejection.setText(why)
        self.rejection.setVisible(bool(why))
        for kind, owned in self._by_kind.items():
            on = kind in found
            if kind is Action.COLLECTIVE:  # some selected invoice is in KSeF (the dialog
                # then says why any other one cannot be paid with it)
                on = any(
                    Action.COLLECTIVE in applicable(Row(r.state, r.kind, r.ksef_number))
                    for r in rows
                )
            for action in owned:
                action.setEnabled(on)

    def _fit_columns(self) -> None:
        """Every header whole, every KSeF number whole (the buyer's name takes the rest)."""
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            header.resizeSection(
                column, max(header.sectionSize(column), header.sectionSizeHint(column))
            )

    def _context_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        for action in (
            self.open_action, self.duplicate_action, self.correct_action,
            self.technical_action, self.send_action, None, self.collective_action,
            self.title_action, None, self.pdf_open_action,
            self.pdf_save_action, self.print_action, self.xml_action, self.upo_action, None,
            *self.extra_actions, None, self.reload_action,
        ):  # fmt: skip
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    # --- filters ------------------------------------------------------------------------------

    def _period_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.apply_filter()

    def current_filter(self) -> InvoiceFilter:
        states = dict(STATE_CHOICES)[self.state.currentData() or ""]
        date_from = date_to = None
        if self.use_period.isChecked():
            date_from = _py_date(self.date_from.date())
            date_to = _py_date(self.date_to.date())
        flt = InvoiceFilter(
            buyer=self.buyer.text().strip() or None,
            states=states,
            date_from=date_from,
            date_to=date_to,
            overdue_on=_py_date(QDate.currentDate()) if self.overdue.isChecked() else None,
        )
        text = self.text.text().strip()
        return TextFilter(flt, text) if text else flt

    #: What the list shows: the invoices, their payments and e-mails, their place in the
    #: outbox (a send moves an invoice's state).
    SHOWS = Changed.INVOICES | Changed.PAYMENTS | Changed.MAIL | Changed.OUTBOX

    def apply_changes(self, changed: Changed) -> None:
        """An operation changed data: reload when it is data the list shows."""
        if changed & self.SHOWS:
            self.model.reload()

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filter(self.current_filter())

    def _remember(self) -> None:
        self._keep = self.selected_id() or self._keep

    def _restore(self) -> None:
        if self._keep is not None and self.select_id(self._keep):
            self._keep = None

    def _update_count(self) -> None:
        n = self.model.rowCount()
        if self.model.loading and n == 0:
            self.count.setText(_("Loading invoices…"))
            return
        more = "" if self.model.complete or n == 0 else "+"  # "+": more pages to scroll to
        self.count.setText(_("Invoices shown: {n}").format(n=f"{n}{more}"))

    # --- the selected invoice ---------------------------------------------------------------

    def selected_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(index.row()).id

    def selected_ids(self) -> list[int]:
        """Every selected invoice, in the order of the list."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.row_at(row).id for row in rows]

    def select_id(self, invoice_id: int) -> bool:
        row = self.model.row_of(invoice_id)
        if row is None:
            self._keep = invoice_id  # selected as soon as it is loaded
            return False
        self._keep = None
        self.table.selectRow(row)
        return True

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.model.row_at(index.row()).id)

    def open_current(self) -> None:
        invoice_id = self.selected_id()
        if invoice_id is not None:
            self.open_requested.emit(invoice_id)

    def _run(self, name: str, op: Callable[[], Any], done: Callable[[Any], object]) -> None:
        def success(result: Any) -> None:
            done(result)

        self._submit(lambda job: op(), success, self._failed, name=name)

    def _failed(self, failure: Failure) -> None:
        if not failure.cancelled:
            self.message.emit(failure.message)

    def duplicate(self) -> None:
        invoice_id = self.selected_id()
        if invoice_id is None:
            return
        store, profile, now = self.store, self.profile, self.now
        self._run(
            "duplicate",
            lambda: actions.duplicate_content(
                store().db, invoice_id, profile_id=profile().id, now=now
            ),
            lambda invoice: self.content_ready.emit(invoice, 0),
        )

    def correct(self) -> None:
        invoice_id = self.selected_id()
        if invoice_id is None:
            return
        store, profile, now = self.store, self.profile, self.now
        self._run(
            "correct",
            lambda: actions.correction_content(
                store().db, invoice_id, profile_id=profile().id, now=now
            ),
            lambda invoice: self.content_ready.emit(invoice, 0),
        )

    def technical_correction(self) -> None:
        from ksef_desktop.services.issue import technical_correction_content

        invoice_id = self.selected_id()
        if invoice_id is None:
            return
        store, profile = self.store, self.profile
        self._run(
            "technical-correction",
            lambda: technical_correction_content(store().db, invoice_id, profile_id=profile().id),
            lambda invoice: self.content_ready.emit(invoice, invoice_id),
        )

    def send(self) -> None:
        """Queue an issued invoice (one whose send was undone) for KSeF."""
        from ksef_desktop.services.issue import queue_for_sending

        invoice_id = self.selected_id()
        if invoice_id is None:
            return
        store, profile, now = self.store, self.profile, self.now

        def done(changed: Changed) -> None:
            self.changed.emit(changed)

        self._run(
            "queue",
            lambda: queue_for_sending(store().db, invoice_id, profile_id=profile().id, now=now),
            done,
        )

    def collective(self) -> None:
        """One collective identifier for the selected invoices (checked, then generated
        in the background by the dialog the main window opens)."""
        self.collective_requested.emit(self.selected_ids())

    def copy_transfer_title(self) -> None:
        """The transfer title paying the current invoice, to the clipboard."""
        from ksef_desktop.services.collective import invoice_title

        invoice_id = self.selected_id()
        if invoice_id is None:
            return
        store, profile = self.store, self.profile

        def copy(title: str) -> None:
            QGuiApplication.clipboard().setText(title)
            self.message.emit(_("Transfer title copied: {title}").format(title=title))

        self._run(
            "transfer-title",
            lambda: invoice_title(store().db.connection(), invoice_id, profile_id=profile().id),
            copy,
        )

    def _pdf(self, done: Callable[[bytes], None]) -> None:
        invoice_id = self.selected_id()
        if invoice_id is None:
            return
        from ksef_desktop import i18n
        from ksef_desktop.services.invoice_pdfs import pdf_bytes

        store, profile, qr_base, now = self.store, self.profile, self.qr_base(), self.now
        ui_lang, signing = i18n.current_language(), self.signing

        def got(pdf: bytes) -> None:
            self.last_pdf = pdf
            done(pdf)

        def make() -> bytes:
            pid = profile().id  # the language follows the buyer, as at issue
            return pdf_bytes(
                store(), invoice_id, profile_id=pid, qr_base=qr_base, ui_lang=ui_lang, now=now(),
                signing=(lambda: signing(pid)) if signing is not None else None,
            )  # fmt: skip

        self._run("pdf", make, got)

    def save_pdf(self, path: str | None = None) -> None:
        invoice_id = self.selected_id()
        if invoice_id is None:
            return
        if path is None:
            row = self.model.row_at(self.table.currentIndex().row())
            suggested = (row.number or str(invoice_id)).replace("/", "_") + ".pdf"
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Save PDF"), suggested, _("PDF files (*.pdf)")
            )
            if not path:
                return
        target = path

        def write(pdf: bytes) -> None:
            self._run(
                "write-pdf",
                lambda: _write(target, pdf),
                lambda _r: self.message.emit(_("PDF saved: {path}").format(path=target)),
            )

        self._pdf(write)

    def _temp_pdf(self, then: Callable[[str], object]) -> None:
        import tempfile

        invoice_id = self.selected_id()

        def write(pdf: bytes) -> None:
            def op() -> str:
                fd, name = tempfile.mkstemp(prefix=f"ksef-{invoice_id}-", suffix=".pdf")
                with open(fd, "wb") as fh:
                    fh.write(pdf)
                return name

            self._run("temp-pdf", op, then)

        self._pdf(write)

    def open_pdf(self) -> None:
        self._temp_pdf(lambda name: QDesktopServices.openUrl(QUrl.fromLocalFile(name)))

    def print_pdf(self) -> None:
        """Printing goes through the PDF: the system's viewer prints exactly what was issued."""
        self.open_pdf()
        self.message.emit(_("The PDF opens in your viewer; print it from there (Ctrl+P)."))

    def show_xml(self) -> None:
        invoice_id = self.selected_id()
        if invoice_id is None:
            return
        store, profile = self.store, self.profile
        self._run(
            "xml",
            lambda: actions.invoice_xml(store(), invoice_id, profile_id=profile().id),
            lambda xml: self._show(_("Invoice XML"), xml, "faktura.xml"),
        )

    def show_upo(self) -> None:
        invoice_id = self.selected_id()
        if invoice_id is None:
            return
        store, profile = self.store, self.profile
        self._run(
            "upo",
            lambda: actions.invoice_upo(store(), invoice_id, profile_id=profile().id),
            lambda upo: self._show(_("UPO (official receipt)"), upo, "UPO.xml"),
        )

    def _show(self, title: str, data: bytes, name: str) -> None:
        dialog = DocumentDialog(title, data, name, self)
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog))
        dialog.open()


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


def _py_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())
