"""Money in, matched (issue 24): a pasted transfer title looked up, bank statements
imported, their lines matched to the profile's invoices.

The dialog only shows and asks: looking titles up, importing, accepting, undoing and
rejecting run in the worker through ``services.title_lookup`` and
``services.statements``. ``ListStatements`` adds "Bank statements and transfer titles…"
(Ctrl+Shift+B) to the invoice list and reloads the list after every change of payments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.domain.matching import Verdict
from ksef_desktop.i18n import N_, _, ngettext
from ksef_desktop.services.statements import LINE_CHANGED
from ksef_desktop.store import Store
from ksef_desktop.store.profiles import Profile
from ksef_desktop.ui.formatting import fmt_date, fmt_money
from ksef_desktop.ui.invoice_list_model import guarded
from ksef_desktop.worker import Failure
from ksef_desktop.worker.runner import Runner

if TYPE_CHECKING:
    from ksef_desktop.services.statements import ImportReport
    from ksef_desktop.services.title_lookup import TitleLookup
    from ksef_desktop.store.statements import StoredLine
    from ksef_desktop.ui.context import AppContext
    from ksef_desktop.ui.invoice_list import InvoiceListPanel

LINE_ID = Qt.ItemDataRole.UserRole
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
#: How many statement lines the dialog shows (newest first).
SHOWN = 1000
STATEMENT_FILES = "*.mt940 *.sta *.940 *.txt *.xml"
NOTHING_NAMED = N_(
    "The title names no KSeF number, collective identifier or invoice of this profile."
)


class StatementDialog(QDialog):
    #: What an operation changed (``services.changes.Changed``): a statement imported,
    #: a match accepted or undone moves payments of sales and purchase invoices.
    changed = Signal(object)

    def __init__(
        self,
        runner: Runner,
        store: Callable[[], Store],
        client: Callable[[], Any],
        profile: Callable[[], Profile],
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = guarded(self, runner.submit)
        self.store = store
        self.client = client  # worker side: AppContext.ksef_client
        self.profile = profile  # worker side: AppContext.profile_now
        self.now = now
        self.busy = False
        self.lines: list[StoredLine] = []
        self.setWindowTitle(_("Bank statements and transfer titles"))
        self._build()
        self.resize(1000, 640)

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QPlainTextEdit()
        self.title.setAccessibleName(_("Transfer title"))
        self.title.setPlaceholderText(_("Paste the title of a transfer from the bank here."))
        self.title.setMaximumHeight(70)
        title_label = QLabel(_("Transfer &title:"))
        title_label.setBuddy(self.title)
        self.look_up_button = QPushButton(_("&Look up"))
        self.look_up_button.clicked.connect(self.look_up)
        self.found = QTreeWidget()
        self.found.setHeaderLabels(
            [_("Named in the title"), _("Invoice"), _("Buyer"), _("Amount"), _("Left to pay")]
        )
        self.found.setAccessibleName(_("What the title names"))
        self.found.setMaximumHeight(160)

        self.import_button = QPushButton(_("&Import a statement…"))
        self.import_button.clicked.connect(self.choose_file)
        self.show_state = QComboBox()
        self.show_state.addItem(_("All lines"), None)
        for verdict in (Verdict.PROPOSED, Verdict.UNKNOWN, Verdict.MATCHED):
            self.show_state.addItem(verdict.label, verdict.value)
        self.show_state.setAccessibleName(_("Show lines"))
        self.show_state.currentIndexChanged.connect(lambda _i: self.reload())
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(
            [_("Date"), _("Amount"), _("Status"), _("Invoices"), _("From / to"), _("Title")]
        )
        self.table.setAccessibleName(_("Statement lines"))
        self.table.header().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.currentItemChanged.connect(lambda *_a: self._update_buttons())
        lines_label = QLabel(_("Statement li&nes:"))
        lines_label.setBuddy(self.table)
        self.accept_button = QPushButton(_("&Accept"))
        self.undo_button = QPushButton(_("&Undo the match"))
        self.reject_button = QPushButton(_("&Reject the proposal"))
        self.accept_button.clicked.connect(self.accept_current)
        self.undo_button.clicked.connect(self.undo_current)
        self.reject_button.clicked.connect(self.reject_current)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.look_up_button)
        top_row = QHBoxLayout()
        top_row.addWidget(lines_label)
        top_row.addStretch(1)
        top_row.addWidget(self.show_state)
        top_row.addWidget(self.import_button)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (self.accept_button, self.undo_button, self.reject_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(title_label)
        layout.addLayout(title_row)
        layout.addWidget(self.found)
        layout.addLayout(top_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.state)
        layout.addWidget(buttons)
        self._update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        """Back in the dialog: show the lines of the profile current now (another one
        may have been chosen in the main window meanwhile)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.reload()

    def _say(self, text: str, problem: bool = False) -> None:
        self.state.setText(text)
        self.state.setStyleSheet("color: #b00020;" if problem else "")
        self.state.setProperty("problem", problem)

    def _failed(self, failure: Failure) -> None:
        self.busy = False
        self._update_buttons()
        if not failure.cancelled:
            self._say(failure.message, problem=True)

    # --- the transfer title ------------------------------------------------------------------

    def look_up(self) -> None:
        from ksef_desktop.services.title_lookup import ksef_items_lookup, look_up_title

        text = self.title.toPlainText()
        if not text.strip():
            return
        store, profile, client = self.store, self.profile, self.client

        def run(job: object) -> TitleLookup:
            lookup = ksef_items_lookup(lambda: client().transport)
            return look_up_title(store().db, text, profile=profile(), lookup=lookup)

        self._say(_("Looking the title up…"))
        self._submit(run, self._show_found, self._failed, name="title-lookup")

    def _show_found(self, found: TitleLookup) -> None:
        self.found.clear()
        for collective in found.collectives:
            top = QTreeWidgetItem([collective.identifier, collective.problem])
            for item in collective.items:
                amount = (
                    fmt_money(item.amount, item.currency or "PLN")
                    if item.amount is not None
                    else (_("hidden by KSeF") if item.hidden else "")
                )
                top.addChild(QTreeWidgetItem([item.ksef_number, "", "", amount, ""]))
            self.found.addTopLevelItem(top)
            top.setExpanded(True)
        for invoice in found.invoices:
            row = QTreeWidgetItem(
                [
                    invoice.ksef_number or "",
                    invoice.number,
                    invoice.buyer_name,
                    fmt_money(invoice.gross, invoice.currency),
                    fmt_money(invoice.left, invoice.currency),
                ]
            )
            row.setTextAlignment(3, RIGHT)
            row.setTextAlignment(4, RIGHT)
            self.found.addTopLevelItem(row)
        if found.empty:
            self._say(_(NOTHING_NAMED))
        else:
            self._say(
                ngettext(
                    "The title pays {n} invoice of this profile.",
                    "The title pays {n} invoices of this profile.",
                    len(found.invoices),
                ).format(n=len(found.invoices))
            )

    # --- statements -------------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Import a bank statement"),
            "",
            _("Bank statements (MT940, camt.053) ({patterns})").format(patterns=STATEMENT_FILES),
        )
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        """Import ``path`` in the worker (KSeF asked only for identifiers made elsewhere)."""
        from ksef_desktop.services.statements import import_statement, read_statement_file

        if self.busy:
            return
        store, profile, client, now = self.store, self.profile, self.client, self.now

        def lookup(identifiers: Sequence[str]) -> dict[str, list[str]]:
            from ksef_desktop.ksef.collective import invoices_of_collective_identifiers

            found = invoices_of_collective_identifiers(client().transport, identifiers)
            return {i: [item.ksef_number for item in items] for i, items in found.items()}

        def run(job: object) -> ImportReport:
            data = read_statement_file(Path(path))
            return import_statement(
                store().db, data, profile=profile(), now=now, file_name=Path(path).name,
                lookup=lookup,
            )  # fmt: skip

        self.busy = True
        self._update_buttons()
        self._say(_("Importing {file}…").format(file=Path(path).name))
        self._submit(run, self._imported, self._failed, name="statement-import")

    def _imported(self, report: ImportReport) -> None:
        self.busy = False
        if not report.new_lines:
            text = _("Nothing new: every line of the statement was imported before.")
        else:
            text = ngettext(
                "{n} new line: {matched} matched, {proposed} proposed, {unknown} unknown.",
                "{n} new lines: {matched} matched, {proposed} proposed, {unknown} unknown.",
                report.new_lines,
            ).format(
                n=report.new_lines,
                matched=report.count(Verdict.MATCHED),
                proposed=report.count(Verdict.PROPOSED),
                unknown=report.count(Verdict.UNKNOWN),
            )
        self._say(" ".join((text, *report.warnings)))
        self.changed.emit(report.changed)
        self.reload()

    def reload(self) -> None:
        from ksef_desktop.store.statements import list_lines

        store, profile = self.store, self.profile
        wanted = self.show_state.currentData()
        states = (Verdict(wanted),) if wanted else ()

        def run(job: object) -> list[StoredLine]:
            conn = store().db.connection()
            return list_lines(conn, profile_id=profile().id, states=states, limit=SHOWN)

        self._submit(run, self._fill, self._failed, name="statement-lines")

    def _fill(self, lines: list[StoredLine]) -> None:
        current = self.current_line()
        keep = current.id if current is not None else None
        self.lines = lines
        self.table.clear()
        for line in lines:
            sign = "-" if line.direction.value == "debit" else ""
            row = QTreeWidgetItem(
                [
                    fmt_date(line.booked_on),
                    sign + fmt_money(line.amount, line.currency),
                    line.state.label,
                    " ".join(line.numbers),
                    line.counterparty,
                    " ".join(line.title.split()),
                ]
            )
            row.setData(0, LINE_ID, line.id)
            row.setTextAlignment(1, RIGHT)
            if line.basis is not None:
                row.setToolTip(2, line.basis.label)
            self.table.addTopLevelItem(row)
            if line.id == keep:
                self.table.setCurrentItem(row)
        self._update_buttons()

    def current_line(self) -> StoredLine | None:
        item = self.table.currentItem()
        if item is None:
            return None
        line_id = item.data(0, LINE_ID)
        return next((line for line in self.lines if line.id == line_id), None)

    def select_line(self, line_id: int) -> None:
        for n in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(n)
            if item is not None and item.data(0, LINE_ID) == line_id:
                self.table.setCurrentItem(item)
                return

    def _update_buttons(self) -> None:
        line = self.current_line()
        state = line.state if line is not None else None
        self.accept_button.setEnabled(not self.busy and state is Verdict.PROPOSED)
        self.reject_button.setEnabled(not self.busy and state is Verdict.PROPOSED)
        self.undo_button.setEnabled(not self.busy and state is Verdict.MATCHED)
        self.import_button.setEnabled(not self.busy)

    # --- one line ---------------------------------------------------------------------------

    def _change(self, name: str, op: Callable[[Store, int, int], StoredLine], done: str) -> None:
        line = self.current_line()
        if line is None or self.busy:
            return
        store, profile, line_id = self.store, self.profile, line.id
        self.busy = True
        self._update_buttons()

        def run(job: object) -> StoredLine:
            return op(store(), line_id, profile().id)

        def changed(result: StoredLine) -> None:
            self.busy = False
            self._say(done.format(invoices=", ".join(result.numbers)))
            self.changed.emit(LINE_CHANGED)
            self.reload()

        self._submit(run, changed, self._failed, name=name)

    def accept_current(self) -> None:
        from ksef_desktop.services.statements import accept_line

        now = self.now
        self._change(
            "statement-accept",
            lambda store, line, pid: accept_line(store.db, line, profile_id=pid, now=now()),
            _("Marked paid: {invoices}."),
        )

    def undo_current(self) -> None:
        from ksef_desktop.services.statements import undo_line

        self._change(
            "statement-undo",
            lambda store, line, pid: undo_line(store.db, line, profile_id=pid),
            _("The match is undone; the payment of {invoices} is removed."),
        )

    def reject_current(self) -> None:
        from ksef_desktop.services.statements import reject_line

        self._change(
            "statement-reject",
            lambda store, line, pid: reject_line(store.db, line, profile_id=pid),
            _("The proposal is rejected; the line is unknown."),
        )


class ListStatements(QObject):
    """Adds "Bank statements and transfer titles…" to the invoice list (one dialog)."""

    def __init__(self, panel: InvoiceListPanel, ctx: AppContext, runner: Runner) -> None:
        super().__init__(panel)
        self.panel = panel
        self.ctx = ctx
        self.runner = runner
        self.dialog: StatementDialog | None = None
        self.action = panel._action(
            _("&Bank statements and transfer titles…"), "Ctrl+Shift+B", self._open
        )
        panel.extra_actions.append(self.action)

    def _open(self) -> None:
        self.open()

    def open(self) -> StatementDialog:
        ctx = self.ctx
        if self.dialog is None:
            self.dialog = StatementDialog(
                self.runner, ctx.store, ctx.ksef_client, ctx.profile_now, ctx.now, self.panel
            )
            self.dialog.changed.connect(self.panel.changed.emit)
        dialog = self.dialog
        dialog.reload()
        dialog.show()
        dialog.activateWindow()
        return dialog
