"""Documents outside KSeF in the monthly VAT register (issue 19): a month's entries,
added, edited and deleted.

The dialog only shows and asks: parsing the typed text, the checks and every change run
in ``services.jpk_entries`` (the store work in the worker). Open it with
``JpkEntriesDialog.open_for(ctx, runner, period, parent)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.i18n import _
from ksef_desktop.jpk.errors import JpkError
from ksef_desktop.jpk.model import Marker, Period
from ksef_desktop.store.jpk_entries import RegisterEntry, Side
from ksef_desktop.ui.formatting import fmt_amount, fmt_date
from ksef_desktop.ui.invoice_list_model import guarded
from ksef_desktop.worker import Failure
from ksef_desktop.worker.runner import Runner

if TYPE_CHECKING:
    from ksef_desktop.store import Store
    from ksef_desktop.store.profiles import Profile
    from ksef_desktop.ui.context import AppContext

ENTRY_ID = Qt.ItemDataRole.UserRole
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def side_label(side: Side) -> str:
    return _("sales") if side is Side.SALES else _("purchase")


class EntryEditor(QDialog):
    """One entry's fields; ``submitted`` carries the entry made of them (parsed, not yet
    checked against the store: the owner saves it and calls ``saved`` or ``refused``)."""

    submitted = Signal(object)

    def __init__(self, period: Period, entry: RegisterEntry | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.period = period
        self.entry_id = None if entry is None else entry.id
        self.setWindowTitle(_("Register entry") if entry is None else _("Edit register entry"))
        self._build()
        if entry is not None:
            self._show(entry)
        else:
            self._side_changed()
        self.resize(560, 640)

    def _build(self) -> None:
        self.side = QComboBox()
        for side in Side:
            self.side.addItem(side_label(side), side.value)
        self.side.setCurrentIndex(1)  # most hand-entered documents are purchases
        self.number = QLineEdit()
        self.issue_date = QLineEdit()
        self.issue_date.setPlaceholderText("YYYY-MM-DD")
        self.second_date = QLineEdit()
        self.second_date.setPlaceholderText("YYYY-MM-DD")
        self.marker = QComboBox()
        self.marker.setEditable(True)
        self.marker.addItems([Marker.BFK.value, Marker.OFF.value, Marker.DI.value])
        self.marker.setToolTip(
            _("BFK: an invoice outside KSeF; OFF: issued offline, not yet in KSeF; DI: not an "
              "invoice (a cash register report, an internal or import document); or type the "
              "invoice's KSeF number.")
        )  # fmt: skip
        self.party_number = QLineEdit("BRAK")
        self.country = QLineEdit()
        self.country.setMaxLength(2)
        self.country.setPlaceholderText(_("PL when empty"))
        self.party_name = QLineEdit("BRAK")
        self.doc_type = QComboBox()
        self.markers = QLineEdit()
        self.amounts = QTableWidget(0, 2)
        self.amounts.setHorizontalHeaderLabels([_("Field"), _("Amount (PLN)")])
        self.amounts.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.amounts.verticalHeader().setVisible(False)
        self.amounts.setAccessibleName(_("Amounts"))
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.side.currentIndexChanged.connect(lambda _i: self._side_changed())

        form = QFormLayout()
        form.addRow(_("&Register:"), self.side)
        form.addRow(_("Document &number:"), self.number)
        form.addRow(_("&Issue date:"), self.issue_date)
        self.second_label = QLabel()
        self.second_label.setBuddy(self.second_date)
        form.addRow(self.second_label, self.second_date)
        form.addRow(_("KSeF &marker:"), self.marker)
        form.addRow(_("Counterparty's &tax number:"), self.party_number)
        form.addRow(_("Countr&y of the tax number:"), self.country)
        form.addRow(_("Counterparty's n&ame:"), self.party_name)
        form.addRow(_("Document ty&pe:"), self.doc_type)
        self.markers_label = QLabel()
        self.markers_label.setBuddy(self.markers)
        form.addRow(self.markers_label, self.markers)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(_("Amounts (only the fields that are not zero are kept):")))
        layout.addWidget(self.amounts, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def current_side(self) -> Side:
        return Side(self.side.currentData())

    def _side_changed(self) -> None:
        from ksef_desktop.services.jpk_entries import fields_of, types_of

        side = self.current_side()
        kept = self.typed_amounts()
        self.second_label.setText(
            _("&Sale date (if other):") if side is Side.SALES else _("Recei&ved on:")
        )
        self.markers_label.setText(
            _("&GTU and procedures:") if side is Side.SALES else _("IMP (import of &goods):")
        )
        self.markers.setPlaceholderText("GTU_06 TP" if side is Side.SALES else "IMP")
        self.doc_type.clear()
        self.doc_type.addItem(_("(an invoice)"), None)
        for kind in types_of(side):
            self.doc_type.addItem(kind, kind)
        fields = fields_of(side)
        self.amounts.setRowCount(len(fields))
        for row, name in enumerate(fields):
            label = QTableWidgetItem(name)
            label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.amounts.setItem(row, 0, label)
            amount = QTableWidgetItem(kept.get(name, ""))
            amount.setTextAlignment(RIGHT)
            self.amounts.setItem(row, 1, amount)

    def typed_amounts(self) -> dict[str, str]:
        found = {}
        for row in range(self.amounts.rowCount()):
            name, amount = self.amounts.item(row, 0), self.amounts.item(row, 1)
            if name is not None and amount is not None and amount.text().strip():
                found[name.text()] = amount.text().strip()
        return found

    def set_amount(self, name: str, text: str) -> None:
        for row in range(self.amounts.rowCount()):
            label = self.amounts.item(row, 0)
            if label is not None and label.text() == name:
                item = self.amounts.item(row, 1)
                if item is not None:
                    item.setText(text)
                return
        raise KeyError(name)

    def _show(self, entry: RegisterEntry) -> None:
        self.side.setCurrentIndex(self.side.findData(entry.side.value))
        self._side_changed()
        self.number.setText(entry.number)
        self.issue_date.setText(entry.issue_date.isoformat())
        self.second_date.setText("" if entry.other_date is None else entry.other_date.isoformat())
        self.marker.setCurrentText(entry.ksef)
        self.party_number.setText(entry.party_number)
        self.country.setText(entry.party_country or "")
        self.party_name.setText(entry.party_name)
        self.doc_type.setCurrentIndex(max(0, self.doc_type.findData(entry.doc_type)))
        self.markers.setText(" ".join(sorted(entry.markers)))
        for name, value in entry.amounts.items():
            self.set_amount(name, str(value))

    def made_entry(self) -> RegisterEntry:
        """The entry of the fields (``JpkError`` for text that is not a date or amount)."""
        from ksef_desktop.services.jpk_entries import parse_amounts, parse_day

        second = self.second_date.text().strip()
        typed = self.typed_amounts()
        return RegisterEntry(
            id=self.entry_id,
            side=self.current_side(),
            period=str(self.period),
            number=self.number.text(),
            issue_date=parse_day(self.issue_date.text(), _("Issue date")),
            other_date=parse_day(second, self.second_label.text().replace("&", ""))
            if second
            else None,
            party_number=self.party_number.text(),
            party_country=self.country.text(),
            party_name=self.party_name.text(),
            ksef=self.marker.currentText(),
            doc_type=self.doc_type.currentData(),
            amounts=parse_amounts([f"{name}={text}" for name, text in typed.items()]),
            markers=frozenset(self.markers.text().replace(",", " ").split()),
        )

    def submit(self) -> None:
        try:
            entry = self.made_entry()
        except JpkError as exc:
            self.refused(exc.message())
            return
        self.problem.clear()
        self.buttons.setEnabled(False)
        self.submitted.emit(entry)

    def refused(self, text: str) -> None:
        self.buttons.setEnabled(True)
        self.problem.setText(text)

    def saved(self) -> None:
        self.buttons.setEnabled(True)
        self.accept()


class JpkEntriesDialog(QDialog):
    """A month's documents outside KSeF, with Add / Edit / Delete."""

    #: The month's entries changed (the JPK dialog may gather the month again).
    entries_changed = Signal()

    def __init__(
        self,
        runner: Runner,
        store: Callable[[], Store],
        profile: Callable[[], Profile],
        now: Callable[[], datetime],
        period: Period,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = guarded(self, runner.submit)
        self.store = store
        self.profile = profile  # worker side: AppContext.profile_now
        self.now = now
        self.period = period
        self.entries: list[RegisterEntry] = []
        self.editor: EntryEditor | None = None
        self.setWindowTitle(_("Documents outside KSeF in the VAT register"))
        self._build()
        self.resize(900, 480)

    @classmethod
    def open_for(
        cls,
        ctx: AppContext,
        runner: Runner,
        period: Period | None = None,
        parent: QWidget | None = None,
    ) -> JpkEntriesDialog:
        """Show the entries of ``period`` (default: the month before today's) of the
        profile current in ``ctx``; the dialog is returned, shown and loading."""
        if period is None:
            from ksef_desktop.services.jpk_entries import previous_month

            period = previous_month(ctx.now().astimezone(WARSAW).date())
        dialog = cls(runner, ctx.store, ctx.profile_now, ctx.now, period, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.reload()
        dialog.show()
        dialog.activateWindow()
        return dialog

    def _build(self) -> None:
        self.month = QLineEdit(str(self.period))
        self.month.setPlaceholderText("YYYY-MM")
        self.month.setMaximumWidth(100)
        self.month.setAccessibleName(_("Month"))
        self.month.returnPressed.connect(self._month_changed)
        month_label = QLabel(_("&Month:"))
        month_label.setBuddy(self.month)
        show_button = QPushButton(_("&Show"))
        show_button.clicked.connect(self._month_changed)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(
            [_("Register"), _("Number"), _("Date"), _("Marker"), _("Counterparty"), _("Type"),
             _("Amounts")]
        )  # fmt: skip
        self.table.setAccessibleName(_("Register entries"))
        self.table.header().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.currentItemChanged.connect(lambda *_a: self._update_buttons())
        self.table.itemDoubleClicked.connect(lambda *_a: self.edit_current())
        self.add_button = QPushButton(_("&Add…"))
        self.edit_button = QPushButton(_("&Edit…"))
        self.delete_button = QPushButton(_("&Delete"))
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_current)
        self.delete_button.clicked.connect(self.delete_current)
        self.state = QLabel()
        self.state.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(month_label)
        top.addWidget(self.month)
        top.addWidget(show_button)
        top.addStretch(1)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (self.add_button, self.edit_button, self.delete_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(
            QLabel(
                _("Purchase invoices received outside KSeF, import and internal documents, "
                  "the cash register's reports: they go into the month's JPK_V7M file beside "
                  "the program's own invoices.")
            )
        )  # fmt: skip
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.state)
        layout.addWidget(buttons)
        self._update_buttons()

    def _say(self, text: str, problem: bool = False) -> None:
        self.state.setText(text)
        self.state.setStyleSheet("color: #b00020;" if problem else "")

    def _failed(self, failure: Failure) -> None:
        if not failure.cancelled:
            self._say(failure.message, problem=True)

    def _month_changed(self) -> None:
        try:
            self.period = Period.parse(self.month.text())
        except JpkError as exc:
            self._say(exc.message(), problem=True)
            return
        self.month.setText(str(self.period))
        self._say("")
        self.reload()

    def reload(self) -> None:
        from ksef_desktop.services.jpk_entries import list_entries

        store, profile, period = self.store, self.profile, self.period

        def run(job: object) -> list[RegisterEntry]:
            return list_entries(store().db, profile(), period)

        self._submit(run, self._fill, self._failed, name="jpk-entries")

    def _fill(self, entries: list[RegisterEntry]) -> None:
        current = self.current_entry()
        keep = None if current is None else current.id
        self.entries = entries
        self.table.clear()
        for entry in entries:
            row = QTreeWidgetItem(
                [
                    side_label(entry.side),
                    entry.number,
                    fmt_date(entry.issue_date),
                    entry.ksef,
                    f"{entry.party_name} ({(entry.party_country or '') + entry.party_number})",
                    entry.doc_type or "",
                    "  ".join(
                        f"{name} {fmt_amount(value)}"
                        for name, value in sorted(entry.amounts.items())
                    ),
                ]
            )
            row.setData(0, ENTRY_ID, entry.id)
            self.table.addTopLevelItem(row)
            if entry.id == keep:
                self.table.setCurrentItem(row)
        self._update_buttons()

    def current_entry(self) -> RegisterEntry | None:
        item = self.table.currentItem()
        if item is None:
            return None
        wanted = item.data(0, ENTRY_ID)
        return next((entry for entry in self.entries if entry.id == wanted), None)

    def _update_buttons(self) -> None:
        chosen = self.current_entry() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def add(self) -> EntryEditor:
        return self._edit(None)

    def edit_current(self) -> EntryEditor | None:
        entry = self.current_entry()
        return None if entry is None else self._edit(entry)

    def _edit(self, entry: RegisterEntry | None) -> EntryEditor:
        editor = EntryEditor(self.period, entry, self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.submitted.connect(lambda made: self._save(editor, made))
        editor.finished.connect(lambda _r: setattr(self, "editor", None))
        self.editor = editor
        editor.open()
        return editor

    def _save(self, editor: EntryEditor, entry: RegisterEntry) -> None:
        from ksef_desktop.services.jpk_entries import save_entry

        store, profile, now = self.store, self.profile, self.now

        def run(job: object) -> int:
            return save_entry(store().db, entry, profile(), now=now())

        def done(_entry_id: int) -> None:
            if Shiboken.isValid(editor):  # not closed meanwhile
                editor.saved()
            self._say(_("Entry {number} saved.").format(number=entry.number.strip()))
            self.entries_changed.emit()
            self.reload()

        def failed(failure: Failure) -> None:
            if Shiboken.isValid(editor):
                editor.refused(failure.message)
            else:
                self._failed(failure)

        self._submit(run, done, failed, name="jpk-entry-save")

    def delete_current(self) -> None:
        from ksef_desktop.services.jpk_entries import delete_entry

        entry = self.current_entry()
        if entry is None or entry.id is None:
            return
        asked = QMessageBox.question(
            self,
            _("Delete the entry"),
            _("Delete the entry {number} from the register of {month}?").format(
                number=entry.number, month=entry.period
            ),
        )
        if asked != QMessageBox.StandardButton.Yes:
            return
        store, profile, entry_id = self.store, self.profile, entry.id

        def run(job: object) -> None:
            delete_entry(store().db, entry_id, profile())

        def done(_result: None) -> None:
            self._say(_("Entry {number} deleted.").format(number=entry.number))
            self.entries_changed.emit()
            self.reload()

        self._submit(run, done, self._failed, name="jpk-entry-delete")
