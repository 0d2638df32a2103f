"""The session browser's tables: KSeF sessions (paged by continuation token) and one
session's invoices reconciled with the local records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QBrush, QColor

from ksef_desktop.i18n import N_, _
from ksef_desktop.ksef.session_facts import SessionKind
from ksef_desktop.services.sessions_sync import InvoiceLine, SessionFilter, SessionRow, SessionsPage
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.formatting import fmt_moment
from ksef_desktop.ui.invoice_list_model import guarded
from ksef_desktop.ui.table_model import RowsTableModel
from ksef_desktop.worker import Failure

Index = QModelIndex | QPersistentModelIndex

SESSION_COLUMNS = (
    N_("Opened"),
    N_("Kind"),
    N_("Status"),
    N_("Invoices"),
    N_("Accepted"),
    N_("Rejected"),
    N_("Reference number"),
)
OPENED, KIND, STATUS, TOTAL, OK, FAILED, REFERENCE = range(len(SESSION_COLUMNS))

#: Loads one page in the worker: (filter, continuation token) -> SessionsPage.
PageLoader = Callable[[SessionFilter, str | None], SessionsPage]


class SessionsModel(RowsTableModel):
    failed = QtSignal(str)
    loaded = QtSignal()

    def __init__(
        self, loader: PageLoader, submit: Callable[..., Any], parent: QObject | None = None
    ) -> None:
        super().__init__(SESSION_COLUMNS, parent)
        self._loader = loader
        self._submit = guarded(self, submit)
        self._rows: list[SessionRow] = []
        self._token: str | None = None
        self._complete = True
        self._loading = False
        self._generation = 0
        self._filter = SessionFilter()

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def complete(self) -> bool:
        return self._complete

    def row_at(self, row: int) -> SessionRow:
        return self._rows[row]

    def set_filter(self, flt: SessionFilter) -> None:
        self._filter = flt
        self.reload()

    def clear(self) -> None:
        """No rows, and pages still on their way are dropped (another profile came)."""
        self._generation += 1
        self.beginResetModel()
        self._rows, self._token, self._complete, self._loading = [], None, True, False
        self.endResetModel()

    def reload(self) -> None:
        self._generation += 1
        self.beginResetModel()
        self._rows, self._token, self._complete, self._loading = [], None, False, False
        self.endResetModel()
        self._request(None)

    def _request(self, token: str | None) -> None:
        if self._loading:
            return
        self._loading = True
        generation, flt, loader = self._generation, self._filter, self._loader
        self._submit(
            lambda job: loader(flt, token),
            lambda page: self._arrived(generation, token is None, page),
            lambda failure: self._failed(generation, failure),
            name="sessions-page",
        )

    def _arrived(self, generation: int, first: bool, page: SessionsPage) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._token = page.token
        self._complete = page.token is None
        if page.rows:
            at = len(self._rows)
            self.beginInsertRows(QModelIndex(), at, at + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
        if first:
            self.loaded.emit()

    def _failed(self, generation: int, failure: Failure) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._complete = True
        if not failure.cancelled:
            self.failed.emit(failure.message)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._complete and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self._token is not None:
            self._request(self._token)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        c = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                OPENED: fmt_moment(r.opened_at),
                KIND: _("online") if r.kind is SessionKind.ONLINE else _("batch"),
                STATUS: f"{r.status_code} {r.status_text}",
                TOTAL: str(r.total),
                OK: str(r.succeeded),
                FAILED: str(r.failed),
                REFERENCE: r.reference,
            }.get(c)
        if role == Qt.ItemDataRole.BackgroundRole and c == FAILED and r.failed:
            return QBrush(QColor("#ffb4ab"))
        return None


INVOICE_COLUMNS = (
    N_("No."),
    N_("Invoice number"),
    N_("KSeF number"),
    N_("KSeF status"),
    N_("Explanation"),
    N_("Local record"),
)
ORDINAL, NUMBER, KSEF, CODE, EXPLANATION, LOCAL = range(len(INVOICE_COLUMNS))


def local_text(line: InvoiceLine) -> str:
    if line.missing_locally:
        return _("missing locally")
    if line.missing_in_ksef:
        return _("missing in KSeF")
    try:
        text = InvoiceState(line.local_state).label
    except ValueError:
        text = line.local_state
    if line.upo_pending:  # accepted, yet no UPO archived (e.g. a firewall page came instead)
        text += " · " + _("UPO not received yet")
    return text


class SessionInvoicesModel(RowsTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(INVOICE_COLUMNS, parent)
        self._rows: list[InvoiceLine] = []

    def set_lines(self, lines: list[InvoiceLine]) -> None:
        self.beginResetModel()
        self._rows = list(lines)
        self.endResetModel()

    def line(self, row: int) -> InvoiceLine:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        line = self._rows[index.row()]
        c = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                ORDINAL: "" if line.ordinal is None else str(line.ordinal),
                NUMBER: line.invoice_number,
                KSEF: line.ksef_number or "",
                CODE: "" if line.status_code is None else str(line.status_code),
                EXPLANATION: line.explanation,
                LOCAL: local_text(line),
            }.get(c)
        if role == Qt.ItemDataRole.ToolTipRole and line.details:
            return line.details
        if (
            role == Qt.ItemDataRole.BackgroundRole
            and c == LOCAL
            and (line.missing_locally or line.missing_in_ksef)
        ):
            return QBrush(QColor("#ffe0a3"))
        if (
            role == Qt.ItemDataRole.BackgroundRole
            and c == CODE
            and line.status_code
            not in (
                None,
                100,
                150,
                200,
            )
        ):
            return QBrush(QColor("#ffb4ab"))
        return None
