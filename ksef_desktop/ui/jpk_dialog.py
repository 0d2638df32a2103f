"""The JPK_V7M dialog (issue 19): one month's file — what goes in, what to know before
filing, the taxpayer's data, the declaration's own values, the file saved and recorded,
and the files made of that month before.

The dialog only shows and asks: reading the month (``services.jpk_month.overview_month``),
making and recording the file (``save_month``, which validates it against the official
schema first) and exporting a recorded file run in the worker. A month that already
has a file gets a correction (CelZlozenia 2) with its reason by default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.i18n import N_, _, ngettext
from ksef_desktop.jpk.errors import JpkError
from ksef_desktop.jpk.model import (
    FIRST_PERIOD,
    DeclarationInputs,
    NaturalPerson,
    Organisation,
    Period,
    Refund,
    RefundMode,
    Taxpayer,
)
from ksef_desktop.store import Store
from ksef_desktop.store.profiles import Profile
from ksef_desktop.ui.formatting import fmt_money
from ksef_desktop.ui.invoice_list_model import guarded
from ksef_desktop.worker import Failure
from ksef_desktop.worker.runner import Runner

if TYPE_CHECKING:
    from ksef_desktop.services.jpk_month import MonthOverview, SavedMonth
    from ksef_desktop.store.jpk_files import JpkFileRecord
    from ksef_desktop.ui.jpk_entries import JpkEntriesDialog

RECORD_ID = Qt.ItemDataRole.UserRole
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
JPK_FILES = "*.xml"
REFUND_LABELS = {
    RefundMode.DAYS_25: N_("to the settlement account within 25 days (P_56)"),
    RefundMode.DAYS_15: N_("to the settlement account within 15 days (P_540)"),
    RefundMode.VAT_ACCOUNT_25: N_("to the VAT account within 25 days (P_55)"),
    RefundMode.DAYS_40: N_("to the settlement account within 40 days (P_560)"),
    RefundMode.DAYS_180: N_("to the settlement account within 180 days (P_58)"),
}


@dataclass(frozen=True)
class Loaded:
    """What the worker read for the dialog."""

    overview: MonthOverview
    taxpayer: Taxpayer | None
    offices: dict[str, str]
    profile: Profile  # the one read (the UI thread never asks the store which it is)


def months(today: date) -> list[Period]:
    """The months a file can be made for, newest first (from February 2026)."""
    found: list[Period] = []
    year, month = today.year, today.month
    while (year, month) >= FIRST_PERIOD and len(found) < 120:
        found.append(Period(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found or [Period(*FIRST_PERIOD)]


class JpkDialog(QDialog):
    def __init__(
        self,
        runner: Runner,
        store: Callable[[], Store],
        profile: Callable[[], Profile],
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self._submit = guarded(self, runner.submit)
        self.store = store
        self.profile = profile  # worker side: AppContext.profile_now
        self.now = now
        self.busy = False
        self.loaded: Loaded | None = None
        self.entries: JpkEntriesDialog | None = None  # the month's documents entered by hand
        self.after: str | None = None  # said once the month is read again (after a save)
        self.setWindowTitle(_("JPK_V7M: the monthly VAT file"))
        self._build()
        self.resize(900, 760)

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        self.month = QComboBox()
        self.month.setAccessibleName(_("Month"))
        today = self.now().date()
        for period in months(today):
            self.month.addItem(str(period), period)
        # The file of a month is made after it ends: the previous month first.
        self.month.setCurrentIndex(1 if self.month.count() > 1 else 0)
        self.month.currentIndexChanged.connect(lambda _i: self.reload())
        month_label = QLabel(_("&Month:"))
        month_label.setBuddy(self.month)

        self.rows = QLabel()
        self.tax_due = QLabel()
        self.tax_deductible = QLabel()
        self.to_pay = QLabel()
        self.carried = QLabel()
        figures = QFormLayout()
        figures.addRow(_("Rows (sales / purchases):"), self.rows)
        figures.addRow(_("Output VAT (PodatekNalezny):"), self.tax_due)
        figures.addRow(_("Input VAT (PodatekNaliczony):"), self.tax_deductible)
        figures.addRow(_("To pay (P_51):"), self.to_pay)
        figures.addRow(_("Surplus to carry (P_62):"), self.carried)
        self.notices = QListWidget()
        self.notices.setAccessibleName(_("What to know before filing"))
        self.notices.setWordWrap(True)
        self.notices.setMaximumHeight(110)
        what = QGroupBox(_("What goes in"))
        what_layout = QVBoxLayout(what)
        what_layout.addLayout(figures)
        what_layout.addWidget(QLabel(_("Warnings:")))
        what_layout.addWidget(self.notices)

        self.kind = QComboBox()
        self.kind.addItem(_("A person"), "person")
        self.kind.addItem(_("A company"), "company")
        self.kind.setAccessibleName(_("The taxpayer is"))
        self.kind.currentIndexChanged.connect(lambda _i: self._show_kind())
        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.birth_date = QLineEdit()
        self.birth_date.setPlaceholderText(_("YYYY-MM-DD"))
        self.full_name = QLineEdit()
        self.email = QLineEdit()
        self.phone = QLineEdit()
        self.office = QComboBox()
        self.office.setAccessibleName(_("Tax office"))
        self.who = QFormLayout()
        self.who.addRow(_("The taxpayer is:"), self.kind)
        self.who.addRow(_("First name:"), self.first_name)
        self.who.addRow(_("Surname:"), self.last_name)
        self.who.addRow(_("Date of birth:"), self.birth_date)
        self.who.addRow(_("Full name:"), self.full_name)
        self.who.addRow(_("E-mail:"), self.email)
        self.who.addRow(_("Phone (optional):"), self.phone)
        self.who.addRow(_("Tax office (KodUrzedu):"), self.office)
        who = QGroupBox(_("The taxpayer (kept in the profile)"))
        who.setLayout(self.who)

        self.surplus = QLineEdit()
        self.surplus.setAccessibleName(_("Surplus carried from the previous month (P_39)"))
        self.surplus.editingFinished.connect(self._recount)
        self.refund = QLineEdit()
        self.refund.setAccessibleName(_("Refund asked for (P_54)"))
        self.refund.setPlaceholderText(_("none"))
        self.refund.editingFinished.connect(self._recount)
        self.refund_mode = QComboBox()
        for mode, label in REFUND_LABELS.items():
            self.refund_mode.addItem(_(label), mode.value)
        self.correction = QCheckBox(_("A &correction (CelZlozenia 2)"))
        self.correction.toggled.connect(lambda _on: self._show_correction())
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName(_("Why the correction is filed (P_ORDZU)"))
        self.reason.setMaximumHeight(60)
        self.correction_note = QLabel()
        self.correction_note.setWordWrap(True)
        dec = QFormLayout()
        dec.addRow(_("Surplus carried (P_39, zł):"), self.surplus)
        refund_row = QHBoxLayout()
        self.refund.setMinimumWidth(90)
        refund_row.addWidget(self.refund, 1)
        refund_row.addWidget(self.refund_mode, 2)
        dec.addRow(_("Refund (P_54, zł):"), refund_row)
        dec.addRow(self.correction)
        dec.addRow(_("Reason (P_ORDZU):"), self.reason)
        dec.addRow(self.correction_note)
        declaration = QGroupBox(_("The declaration"))
        declaration.setLayout(dec)

        self.history = QTreeWidget()
        self.history.setRootIsDecorated(False)
        self.history.setHeaderLabels(
            [_("Made"), _("Purpose"), _("Rows"), _("To pay"), _("Surplus"), _("SHA-256")]
        )
        self.history.setAccessibleName(_("Files made of this month"))
        self.history.setMaximumHeight(120)
        self.history.currentItemChanged.connect(lambda *_a: self._update_buttons())
        self.export_button = QPushButton(_("Save a &copy…"))
        self.export_button.clicked.connect(self.choose_export)
        self.entries_button = QPushButton(_("&Documents outside KSeF…"))
        self.entries_button.setToolTip(
            _(
                "Documents the program cannot know by itself: purchase invoices received "
                "outside KSeF, a cash register's summary, internal documents (BFK, DI, OFF)."
            )
        )
        self.entries_button.clicked.connect(self.open_entries)

        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.addButton(_("&Save…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(self.choose_file)
        buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(month_label)
        top.addWidget(self.month)
        top.addStretch(1)
        top.addWidget(self.entries_button)
        middle = QHBoxLayout()
        middle.addWidget(who, 1)
        middle.addWidget(declaration, 1)
        history_row = QHBoxLayout()
        history_row.addWidget(QLabel(_("Files made of this month:")))
        history_row.addStretch(1)
        history_row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(what)
        layout.addLayout(middle)
        layout.addLayout(history_row)
        layout.addWidget(self.history)
        layout.addWidget(self.state)
        layout.addWidget(buttons)
        self._show_kind()
        self._show_correction()
        self._update_buttons()

    def open_entries(self) -> JpkEntriesDialog:
        """The month's documents entered by hand; the month is read again when they change."""
        from ksef_desktop.ui.jpk_entries import JpkEntriesDialog

        dialog = JpkEntriesDialog(
            self.runner, self.store, self.profile, self.now, self.period(), self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.entries_changed.connect(self._reread)
        dialog.reload()
        dialog.show()
        dialog.activateWindow()
        self.entries = dialog
        return dialog

    def _show_kind(self) -> None:
        person = self.kind.currentData() == "person"
        for field in (self.first_name, self.last_name, self.birth_date):
            self.who.setRowVisible(field, person)
        self.who.setRowVisible(self.full_name, not person)

    def _show_correction(self) -> None:
        on = self.correction.isChecked()
        self.reason.setEnabled(on)
        made = self.loaded is not None and self.loaded.overview.made
        if made and not on:
            self.correction_note.setText(
                _(
                    "This month already has a file. Without a correction the first filing "
                    "is made again: do so only if the earlier file was never sent."
                )
            )
        elif made:
            self.correction_note.setText(
                _("This month already has a file: this is its correction.")
            )
        else:
            self.correction_note.setText("")

    def _say(self, text: str, problem: bool = False) -> None:
        self.state.setText(text)
        self.state.setStyleSheet("color: #b00020;" if problem else "")
        self.state.setProperty("problem", problem)

    def _failed(self, failure: Failure) -> None:
        self.busy = False
        self._update_buttons()
        if not failure.cancelled:
            self._say(failure.message, problem=True)

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(not self.busy and self.loaded is not None)
        self.export_button.setEnabled(not self.busy and self.history.currentItem() is not None)
        self.month.setEnabled(not self.busy)

    def period(self) -> Period:
        period = self.month.currentData()
        assert isinstance(period, Period)
        return period

    def select_month(self, period: Period) -> None:
        for index in range(self.month.count()):
            if self.month.itemData(index) == period:
                self.month.setCurrentIndex(index)
                return

    # --- reading the month --------------------------------------------------------------------

    def reload(self, inputs: DeclarationInputs | None = None) -> None:
        """Read the month in the worker; ``inputs`` None: P_39 from the previous month."""
        from ksef_desktop.jpk.schema import tax_offices
        from ksef_desktop.services.jpk_month import overview_month, taxpayer_of

        store, profile, period = self.store, self.profile, self.period()

        def run(job: object) -> Loaded:
            current = profile()
            overview = overview_month(store(), current, period, inputs)
            return Loaded(overview, taxpayer_of(store(), current), tax_offices(), current)

        self._say(_("Reading the invoices of {month}…").format(month=period))
        self._submit(run, self._show, self._failed, name="jpk-month")

    def _typed_inputs(self) -> DeclarationInputs | None:
        try:
            return self._inputs()
        except JpkError as exc:
            self._say(exc.text(), problem=True)
            return None

    def _recount(self) -> None:
        """The declaration typed changed: count the month's rows again (the store is not
        read again for a figure typed)."""
        from ksef_desktop.services.jpk_month import redeclare

        loaded = self.loaded
        if loaded is None or self.busy or (inputs := self._typed_inputs()) is None:
            return
        self._submit(
            lambda job: replace(loaded, overview=redeclare(loaded.overview, inputs)),
            self._show,
            self._failed,
            name="jpk-declaration",
        )

    def _reread(self) -> None:
        """The month's documents changed: read them again, keeping what the user typed."""
        if self.loaded is None or self.busy or (inputs := self._typed_inputs()) is None:
            return
        self.reload(inputs)

    def _show(self, loaded: Loaded) -> None:
        before = self.loaded
        first = before is None
        self.loaded = loaded
        view = loaded.overview
        # Another month, or its first file just made: the defaults of that month again.
        fresh = before is None or (before.overview.documents.period, before.overview.made) != (
            view.documents.period,
            view.made,
        )
        docs = view.documents
        self.rows.setText(f"{len(docs.sales)} / {len(docs.purchases)}")
        self.tax_due.setText(fmt_money(view.tax_due))
        self.tax_deductible.setText(fmt_money(view.tax_deductible))
        self.to_pay.setText(fmt_money(view.to_pay))
        self.carried.setText(fmt_money(view.carried_forward))
        self.notices.clear()
        for notice in docs.notices:
            self.notices.addItem(notice.text())
        if first:
            self._fill_offices(loaded.offices)
            if loaded.taxpayer is not None:
                self._fill_taxpayer(loaded.taxpayer)
        if fresh:
            self.surplus.setText(str(int(view.surplus_carried)))
            self.correction.setChecked(view.made)
        self._fill_history(view.files)
        self._show_correction()
        self._update_buttons()
        if self.after is not None:
            self._say(self.after)
            self.after = None
            return
        self._say(
            ngettext(
                "{month}: {n} warning. The file is saved here, not sent: hand it over.",
                "{month}: {n} warnings. The file is saved here, not sent: hand it over.",
                len(docs.notices),
            ).format(month=docs.period, n=len(docs.notices))
        )

    def _fill_offices(self, offices: dict[str, str]) -> None:
        current = self.office.currentData()
        self.office.clear()
        self.office.addItem(_("— choose —"), "")
        for code, name in sorted(offices.items(), key=lambda item: item[1]):
            self.office.addItem(f"{code} {name}", code)
        if current:
            self._choose_office(str(current))

    def _choose_office(self, code: str) -> None:
        index = self.office.findData(code)
        self.office.setCurrentIndex(max(index, 0))

    def _fill_taxpayer(self, taxpayer: Taxpayer) -> None:
        if isinstance(taxpayer, NaturalPerson):
            self.kind.setCurrentIndex(self.kind.findData("person"))
            self.first_name.setText(taxpayer.first_name)
            self.last_name.setText(taxpayer.last_name)
            self.birth_date.setText(taxpayer.birth_date.isoformat())
        else:
            self.kind.setCurrentIndex(self.kind.findData("company"))
            self.full_name.setText(taxpayer.name)
        self.email.setText(taxpayer.email)
        self.phone.setText(taxpayer.phone or "")
        self._choose_office(taxpayer.tax_office)

    def _fill_history(self, files: tuple[JpkFileRecord, ...]) -> None:
        self.history.clear()
        for record in files:
            row = QTreeWidgetItem(
                [
                    record.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                    _("correction") if record.correction else _("first filing"),
                    f"{record.sales_rows} / {record.purchase_rows}",
                    "" if record.to_pay is None else fmt_money(record.to_pay),
                    "" if record.carried_forward is None else fmt_money(record.carried_forward),
                    record.sha256_hex[:16],
                ]
            )
            row.setData(0, RECORD_ID, record.id)
            row.setToolTip(5, record.sha256_hex)
            if record.reason:
                row.setToolTip(1, record.reason)
            row.setTextAlignment(3, RIGHT)
            row.setTextAlignment(4, RIGHT)
            self.history.addTopLevelItem(row)

    # --- what the user typed ------------------------------------------------------------------

    def taxpayer(self) -> Taxpayer:
        """The taxpayer as typed (``JpkError`` for a date that is not one; the rest is
        checked by the service)."""
        assert self.loaded is not None
        nip = self.loaded.profile.nip
        email, office = self.email.text().strip(), str(self.office.currentData() or "")
        phone = self.phone.text().strip() or None
        if not office:
            raise JpkError(N_("Choose the tax office (KodUrzedu)."))
        if self.kind.currentData() == "company":
            return Organisation(nip, self.full_name.text().strip(), email, office, phone)
        text = self.birth_date.text().strip()
        try:
            born = date.fromisoformat(text)
        except ValueError:
            raise JpkError(N_("{value} is not a date of birth (from 1900-01-01 to today)."),
                           value=text or "—") from None  # fmt: skip
        first, last = self.first_name.text().strip(), self.last_name.text().strip()
        return NaturalPerson(nip, first, last, born, email, office, phone)

    def _amount(self, edit: QLineEdit, field: str) -> Decimal | None:
        from ksef_desktop.domain.money import parse_decimal

        text = edit.text().strip()
        if not text:
            return None
        try:
            return parse_decimal(text)
        except ValueError:
            raise JpkError(N_("{field}: {value} is not an amount in whole złoty."),
                           field=field, value=text) from None  # fmt: skip

    def _inputs(self) -> DeclarationInputs:
        surplus = self._amount(self.surplus, "P_39") or Decimal(0)
        refund_amount = self._amount(self.refund, "P_54")
        refund = None
        if refund_amount is not None:
            refund = Refund(refund_amount, RefundMode(self.refund_mode.currentData()))
        reason = self.reason.toPlainText().strip() if self.correction.isChecked() else None
        return DeclarationInputs(surplus_carried=surplus, refund=refund, correction_reason=reason)

    # --- saving ---------------------------------------------------------------------------------

    def choose_file(self) -> None:
        period = self.period()
        suggested = f"JPK_V7M_{period}{'_korekta' if self.correction.isChecked() else ''}.xml"
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save the JPK_V7M file"), suggested, _("JPK files ({patterns})").format(
                patterns=JPK_FILES)
        )  # fmt: skip
        if path:
            self.save_to(path)

    def save_to(self, path: str) -> None:
        """Make, validate, record and write the file of the month to ``path`` (worker)."""
        from ksef_desktop.services.jpk_month import save_month, write_file

        if self.busy or self.loaded is None:
            return
        try:
            taxpayer = self.taxpayer()
            inputs = self._inputs()
        except JpkError as exc:
            self._say(exc.text(), problem=True)
            return
        store, profile, now, period = self.store, self.profile, self.now, self.period()
        correction = self.correction.isChecked()
        again = not correction and self.loaded.overview.made
        target = Path(path)

        def run(job: object) -> SavedMonth:
            return save_month(
                store(), profile(), period, taxpayer, inputs, correction=correction,
                again=again, now=now(), write=lambda data: write_file(target, data),
            )  # fmt: skip

        self.busy = True
        self._update_buttons()
        self._say(_("Making the file of {month}…").format(month=period))
        self._submit(run, lambda saved: self._saved(saved, target), self._failed, name="jpk-save")

    def _saved(self, saved: SavedMonth, target: Path) -> None:
        self.busy = False
        summary = saved.file.summary
        self.after = _(
            "Saved {file} ({purpose}): {sales} sales and {purchases} purchase rows, "
            "validated against the official schema."
        ).format(
            file=target.name,
            purpose=_("correction") if saved.record.correction else _("first filing"),
            sales=summary.sales_rows,
            purchases=summary.purchase_rows,
        )
        self.reload()

    def choose_export(self) -> None:
        item = self.history.currentItem()
        if item is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save a copy of the file"), "",
            _("JPK files ({patterns})").format(patterns=JPK_FILES),
        )  # fmt: skip
        if path:
            self.export_to(int(item.data(0, RECORD_ID)), path)

    def export_to(self, file_id: int, path: str) -> None:
        """Write the recorded file ``file_id`` byte for byte to ``path`` (worker)."""
        from ksef_desktop.services.jpk_month import recorded_file, write_file

        store, profile, target = self.store, self.profile, Path(path)

        def run(job: object) -> None:
            write_file(target, recorded_file(store(), profile(), file_id))

        self._submit(
            run,
            lambda _r: self._say(_("Saved a copy: {file}").format(file=target.name)),
            self._failed,
            name="jpk-export",
        )
