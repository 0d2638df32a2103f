"""The "Zakupy" (Purchases) tab: purchase invoices received from KSeF, with filters, the
download from KSeF (on demand; every half hour through ``PanelsHost``), checks,
payments, the transfer title, a collective identifier for several invoices of one
supplier, the VAT deduction (issue 19), and the check of the QR codes of an invoice
received on paper or as a PDF.

Everything that reads the store or talks to KSeF runs in the worker (services/); the
panel shows and asks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
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

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.i18n import _
from ksef_desktop.services import purchases as actions
from ksef_desktop.services.changes import Changed
from ksef_desktop.store import Store
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.purchases import (
    PaymentFilter,
    PurchaseCursor,
    PurchaseFilter,
    PurchasePage,
    PurchaseSort,
    list_purchases,
)
from ksef_desktop.ui.formatting import fmt_money
from ksef_desktop.ui.invoice_list import _py_date, _write
from ksef_desktop.ui.invoice_list_model import guarded
from ksef_desktop.ui.purchases_model import PurchaseListModel
from ksef_desktop.ui.text_dialog import TextDialog
from ksef_desktop.worker import Failure
from ksef_desktop.worker.runner import Runner

PAYMENT_CHOICES = (
    (PaymentFilter.ALL, "All"),
    (PaymentFilter.UNPAID, "Unpaid"),
    (PaymentFilter.OVERDUE, "Overdue"),
    (PaymentFilter.PAID, "Paid"),
)


def payment_label(key: PaymentFilter) -> str:
    return {
        PaymentFilter.ALL: _("All"),
        PaymentFilter.UNPAID: _("Unpaid"),
        PaymentFilter.OVERDUE: _("Overdue"),
        PaymentFilter.PAID: _("Paid"),
    }[key]


class PaymentDialog(QDialog):
    """Amount (prefilled with what is left) and date of a payment."""

    def __init__(self, left: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Record a payment"))
        self.amount = QLineEdit(left)
        self.amount.setAccessibleName(_("Amount paid"))
        self.day = QDateEdit(QDate.currentDate())
        self.day.setDisplayFormat("dd.MM.yyyy")
        self.day.setCalendarPopup(True)
        self.note = QLineEdit()
        form = QFormLayout(self)
        form.addRow(_("&Amount:"), self.amount)
        form.addRow(_("&Paid on:"), self.day)
        form.addRow(_("&Note:"), self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class PurchasesPanel(QWidget):
    message = Signal(str)
    #: A download from KSeF ended (``SyncReport``).
    synced = Signal(object)
    #: A collective identifier was made (``StoredCollective``).
    collective_made = Signal(object)
    #: A VAT deduction was kept (the list of ``Deduction``).
    deduction_chosen = Signal(object)

    def __init__(
        self,
        runner: Runner,
        store: Callable[[], Store],
        profile: Callable[[], Profile],
        client: Callable[[], Any],
        now: Callable[[], datetime],
        qr_base: Callable[[], str],
        parent: QWidget | None = None,
        *,
        whitelist: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = guarded(self, runner.submit)
        self.store, self.profile, self.client = store, profile, client
        self.now, self.qr_base = now, qr_base
        #: The VAT white list client (opened in the worker; None: checks without it).
        self.whitelist = whitelist
        self.dialogs: list[QDialog] = []
        self.last_pdf: bytes | None = None
        self.last_text = ""
        self._syncing = False

        def load(
            flt: PurchaseFilter,
            sort: PurchaseSort,
            descending: bool,
            after: PurchaseCursor | None,
            limit: int,
        ) -> PurchasePage:
            return list_purchases(
                store().db.connection(),
                flt,
                profile_id=profile().id,
                sort=sort,
                descending=descending,
                after=after,
                limit=limit,
            )

        self.model = PurchaseListModel(load, runner.submit, now, parent=self)  # type: ignore[arg-type]
        self.model.failed.connect(self.message.emit)
        self._build()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)

    # --- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.payment = QComboBox()
        for key, _label in PAYMENT_CHOICES:
            self.payment.addItem(payment_label(key), key.value)
        self.payment.setAccessibleName(_("Payment"))
        self.use_period = QCheckBox(_("Pe&riod:"))
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addMonths(-1))
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("dd.MM.yyyy")
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
        self.seller = QLineEdit()
        self.seller.setPlaceholderText(_("Supplier: name or NIP"))
        self.seller.setClearButtonEnabled(True)
        self.seller.setAccessibleName(_("Supplier"))
        self.text = QLineEdit()
        self.text.setPlaceholderText(_("Invoice or KSeF number"))
        self.text.setClearButtonEnabled(True)
        self.text.setAccessibleName(_("Search by number"))
        self.sync_button = QPushButton(_("&Download from KSeF"))
        self.sync_button.clicked.connect(lambda: self.sync_now())
        self.qr_button = QPushButton(_("Check &QR codes…"))
        self.qr_button.clicked.connect(lambda: self.check_qr_file())
        self.deduction_button = QPushButton(_("VAT d&eduction…"))
        self.deduction_button.clicked.connect(lambda: self.deduction())

        first, second = QHBoxLayout(), QHBoxLayout()
        payment_label_widget = QLabel(_("Pay&ment:"))
        payment_label_widget.setBuddy(self.payment)
        for w in (payment_label_widget, self.payment, self.use_period, self.date_from,
                  QLabel("–"), self.date_to):  # fmt: skip
            first.addWidget(w)
        first.addStretch(1)
        first.addWidget(self.qr_button)
        first.addWidget(self.sync_button)
        seller_label = QLabel(_("Supp&lier:"))
        seller_label.setBuddy(self.seller)
        number_label = QLabel(_("N&umber:"))
        number_label.setBuddy(self.text)
        second.addWidget(seller_label)
        second.addWidget(self.seller, 1)
        second.addWidget(number_label)
        second.addWidget(self.text, 1)
        second.addWidget(self.deduction_button)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.horizontalHeader().setSortIndicator(
            self.model.sort_column, Qt.SortOrder.DescendingOrder
        )
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setAccessibleName(_("Purchase invoices"))
        self.table.activated.connect(lambda _index: self.open_pdf())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.count = QLabel()
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.model.loaded.connect(self._fit_columns)

        layout = QVBoxLayout(self)
        layout.addLayout(first)
        layout.addLayout(second)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        self.payment.currentIndexChanged.connect(self.apply_filter)
        self.use_period.toggled.connect(self._period_toggled)
        self.date_from.dateChanged.connect(self.apply_filter)
        self.date_to.dateChanged.connect(self.apply_filter)
        self.seller.textChanged.connect(lambda _t: self._debounce.start())
        self.text.textChanged.connect(lambda _t: self._debounce.start())
        self._actions()

    def _action(self, text: str, shortcut: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _actions(self) -> None:
        self.pdf_open_action = self._action(_("Open PD&F"), "Ctrl+O", self.open_pdf)
        self.pdf_save_action = self._action(_("&Save PDF…"), "Ctrl+S", self.save_pdf)
        self.xml_action = self._action(_("Show &XML"), "Ctrl+Shift+X", self.show_xml)
        self.checks_action = self._action(_("C&heck the invoice"), "Ctrl+Shift+H", self.checks)
        self.paid_action = self._action(_("Record a &payment…"), "Ctrl+Shift+P", self.mark_paid)
        self.title_action = self._action(
            _("Copy transfer tit&le"), "Ctrl+Shift+C", self.copy_transfer_title
        )
        self.collective_action = self._action(
            _("Collective &identifier…"), "Ctrl+Shift+I", self.collective
        )
        self.deduction_action = self._action(_("VAT d&eduction…"), "Ctrl+Shift+V", self.deduction)
        self.sync_action = self._action(_("&Download from KSeF"), "F6", self.sync_now)
        self.reload_action = self._action(_("&Refresh"), "Ctrl+R", self.model.reload)

    def _context_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        for action in (
            self.pdf_open_action, self.pdf_save_action, self.xml_action, self.checks_action,
            self.deduction_action, None, self.paid_action, self.title_action,
            self.collective_action, None,
            self.sync_action, self.reload_action,
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

    def current_filter(self) -> PurchaseFilter:
        date_from = date_to = None
        if self.use_period.isChecked():
            date_from, date_to = _py_date(self.date_from.date()), _py_date(self.date_to.date())
        return PurchaseFilter(
            seller=self.seller.text().strip() or None,
            payment=PaymentFilter(self.payment.currentData() or PaymentFilter.ALL.value),
            date_from=date_from,
            date_to=date_to,
            text=self.text.text().strip(),
            today=self.now().astimezone(WARSAW).date(),
        )

    def _fit_columns(self) -> None:
        """Every header whole, every KSeF number whole (as the sales list does)."""
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            header.resizeSection(
                column, max(header.sectionSize(column), header.sectionSizeHint(column))
            )

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filter(self.current_filter())  # type: ignore[arg-type]

    def _update_count(self) -> None:
        more = "" if self.model.complete else "+"
        self.count.setText(
            _("Purchase invoices shown: {n}").format(n=f"{self.model.rowCount()}{more}")
        )

    # --- the selected invoices ---------------------------------------------------------------

    def selected_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()).id if index.isValid() else None

    def selected_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self.model.row_at(r).id for r in rows]

    def _run(self, name: str, op: Callable[[], Any], done: Callable[[Any], object]) -> None:
        self._submit(lambda job: op(), done, self._failed, name=name)

    def _failed(self, failure: Failure) -> None:
        if not failure.cancelled:
            self.message.emit(failure.message)

    def _show(self, title: str, text: str) -> TextDialog:
        self.last_text = text
        dialog = TextDialog(title, text, self)
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog))
        dialog.open()
        return dialog

    # --- downloading -------------------------------------------------------------------------

    def sync_now(self, automatic: bool = False) -> None:
        """Download new purchase invoices from KSeF (progress and Cancel in the status bar)."""
        from ksef_desktop.services.purchases_sync import sync_purchases

        if self._syncing:
            return
        self._syncing = True
        store, client, profile, now = self.store, self.client, self.profile, self.now

        def done(report: Any) -> None:
            self._syncing = False
            if report.new or not automatic:
                self.message.emit(report.summary())
            self.model.reload()
            self.synced.emit(report)

        def failed(failure: Failure) -> None:
            self._syncing = False
            if not automatic:
                self._failed(failure)

        self._submit(
            lambda job: sync_purchases(store(), client(), profile(), now=now, job=job),
            done,
            failed,
            name="purchases-sync",
        )

    # --- seeing --------------------------------------------------------------------------------

    def _pdf(self, done: Callable[[bytes], None]) -> None:
        from ksef_desktop import i18n

        purchase_id = self.selected_id()
        if purchase_id is None:
            return
        store, profile, base = self.store, self.profile, self.qr_base()
        lang = "pl+en" if i18n.current_language() != "pl" else "pl"

        def got(pdf: bytes) -> None:
            self.last_pdf = pdf
            done(pdf)

        self._run(
            "purchase-pdf",
            lambda: actions.purchase_pdf(
                store(), purchase_id, profile_id=profile().id, qr_base=base, lang=lang
            ),
            got,
        )

    def open_pdf(self) -> None:
        import tempfile

        def write(pdf: bytes) -> None:
            def op() -> str:
                fd, name = tempfile.mkstemp(prefix="ksef-purchase-", suffix=".pdf")
                with open(fd, "wb") as fh:
                    fh.write(pdf)
                return name

            self._run(
                "temp-pdf", op, lambda name: QDesktopServices.openUrl(QUrl.fromLocalFile(name))
            )

        self._pdf(write)

    def save_pdf(self, path: str | None = None) -> None:
        if self.selected_id() is None:
            return
        if path is None:
            row: Any = self.model.row_at(self.table.currentIndex().row())
            suggested = "_".join(row.number.replace("/", "_").split()) + ".pdf"
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Save PDF"), suggested, _("PDF files (*.pdf)")
            )
            if not path:
                return
        target = path
        self._pdf(
            lambda pdf: self._run(
                "write-pdf",
                lambda: _write(target, pdf),
                lambda _r: self.message.emit(_("PDF saved: {path}").format(path=target)),
            )
        )

    def show_xml(self) -> None:
        purchase_id = self.selected_id()
        if purchase_id is None:
            return
        store, profile = self.store, self.profile
        self._run(
            "purchase-xml",
            lambda: actions.purchase_xml(store(), purchase_id, profile_id=profile().id),
            lambda xml: self._show(_("Invoice XML"), xml.decode("utf-8", errors="replace")),
        )

    def checks(self) -> None:
        purchase_id = self.selected_id()
        if purchase_id is None:
            return
        store, profile, now, whitelist = self.store, self.profile, self.now, self.whitelist
        marks = {actions.Level.OK: "✔", actions.Level.WARNING: "⚠", actions.Level.INFO: "ℹ"}

        def op() -> str:  # in the worker: the white list is asked over the network
            findings = actions.check_purchase(
                store(), purchase_id, profile_id=profile().id,
                today=now().astimezone(WARSAW).date(),
                whitelist=whitelist() if whitelist is not None else None,
            )  # fmt: skip
            return "\n".join(f"{marks[f.level]} {f.text}" for f in findings)

        self._run("purchase-checks", op, lambda text: self._show(_("Checks"), text))

    # --- paying -----------------------------------------------------------------------------

    def mark_paid(self) -> PaymentDialog | None:
        """Ask for the amount (what is left, by default) and the date, then record it."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        row: Any = self.model.row_at(index.row())
        left = f"{row.outstanding:.2f}".replace(".", ",")
        dialog = PaymentDialog(left, self)
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog))
        dialog.accepted.connect(
            lambda: self.record_payment(
                row.id, dialog.amount.text(), _py_date(dialog.day.date()), dialog.note.text()
            )
        )
        dialog.open()
        return dialog

    def record_payment(self, purchase_id: int, amount: str, day: date, note: str = "") -> None:
        store, profile, now = self.store, self.profile, self.now

        def op() -> Any:
            value = actions.parse_amount(amount)
            return actions.record_payment(
                store().db, purchase_id, profile_id=profile().id, now=now, amount=value,
                paid_on=day, note=note,
            )  # fmt: skip

        def done(row: Any) -> None:
            self.model.reload()
            text = (
                _("Invoice {number} is paid in full.").format(number=row.number)
                if row.paid_on is not None
                else _("Payment recorded; {left} left to pay on {number}.").format(
                    left=fmt_money(row.outstanding, row.currency), number=row.number
                )
            )
            self.message.emit(text)

        self._run("purchase-payment", op, done)

    def copy_transfer_title(self) -> None:
        purchase_id = self.selected_id()
        if purchase_id is None:
            return
        store, profile = self.store, self.profile

        def copy(title: str) -> None:
            QGuiApplication.clipboard().setText(title)
            self.message.emit(_("Transfer title copied: {title}").format(title=title))

        self._run(
            "purchase-title",
            lambda: actions.transfer_title(store(), purchase_id, profile_id=profile().id),
            copy,
        )

    def collective(self) -> None:
        """One collective identifier (as the payer) for the selected invoices of one
        supplier; its transfer title goes to the clipboard."""
        from ksef_desktop.domain.collective import collective_transfer_title

        ids = self.selected_ids()
        if not ids:
            return
        store, client, profile, now = self.store, self.client, self.profile, self.now

        def op() -> Any:
            s = store()
            return actions.create_purchase_collective(
                s.db, client, ids, profile=profile(), now=now, store=s
            )

        def done(made: Any) -> None:
            title = collective_transfer_title(made.number)
            QGuiApplication.clipboard().setText(title)
            self.message.emit(
                _("Collective identifier {number} made; transfer title copied.").format(
                    number=made.number
                )
            )
            self.collective_made.emit(made)

        self._run("purchase-collective", op, done)

    # --- the VAT deduction -------------------------------------------------------------------

    def deduction(self) -> Any:
        """The VAT deduction dialog for the selected invoices (None: nothing selected)."""
        from ksef_desktop.ui.purchase_deduction_dialog import open_deduction

        return open_deduction(self)

    # --- QR codes of a paper or PDF invoice ---------------------------------------------------

    def check_qr_file(self, path: str | None = None) -> None:
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(
                self,
                _("Check the QR codes of an invoice"),
                "",
                _("PDF or image (*.pdf *.png *.jpg *.jpeg)"),
            )
            if not path:
                return
        from pathlib import Path

        from ksef_desktop.services.qr_check import check_codes, codes_in_file, verdict_label
        from ksef_desktop.store.purchases import purchases_by_hash, purchases_of_seller_day

        store, profile, base, chosen = self.store, self.profile, self.qr_base(), Path(path)

        def op() -> str:
            texts = codes_in_file(chosen)
            if not texts:
                return _("No QR code was found in {file}.").format(file=chosen.name)
            conn, ids = store().db.connection(), [profile().id]

            def lookup(nip: str, day: date, digest: str) -> tuple[list[str], int]:
                same = [n for _p, _i, n in purchases_by_hash(conn, digest, profile_ids=ids)]
                return same, len(purchases_of_seller_day(conn, nip, day, profile_ids=ids))

            checks = check_codes(texts, bases=[base], lookup=lookup)
            return "\n\n".join(
                f"{c.kind or 'QR'}: {c.text}\n{verdict_label(c.verdict)}: {' '.join(c.reasons)}"
                for c in checks
            )

        self._run("check-qr", op, lambda text: self._show(_("QR codes"), text))

    def apply_changes(self, changed: Changed) -> None:
        """An operation elsewhere changed data: reload when it is what the tab shows (a
        bank statement's debit settles a purchase invoice)."""
        if changed & (Changed.PURCHASES | Changed.PAYMENTS):
            self.model.reload()

    def profile_changed(self) -> None:
        self.model.reload()
