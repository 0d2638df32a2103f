"""The invoice list's table: a ``QAbstractTableModel`` that loads the store page by page.

Rows come from the store's keyset pages (``store.queries.list_invoices``): the model
asks for the first page when its filter or sort changes, and for the next page when the
view scrolls to the end (``canFetchMore``/``fetchMore``), so 100 000 invoices cost one
page at a time. Every page is read in the worker (``submit``); the GUI thread only
inserts the rows that come back. A page that arrives for an older filter or sort is
dropped (each request carries a generation number).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QBrush, QColor

from ksef_desktop.domain.payments import PaymentStatus, payment_status
from ksef_desktop.i18n import N_, _
from ksef_desktop.services.invoice_status import rejection_text
from ksef_desktop.store.mail import MailState
from ksef_desktop.store.queries import Cursor, InvoiceFilter, ListRow, Page, SortKey
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.formatting import fmt_date, fmt_money
from ksef_desktop.ui.table_model import RowsTableModel
from ksef_desktop.worker import Failure

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

COLUMNS = (
    N_("Number"),
    N_("Issue date"),
    N_("Buyer"),
    N_("Gross"),
    N_("Currency"),
    N_("State"),
    N_("KSeF number"),
    N_("Mode"),
    N_("Due date"),
    N_("Payment"),
    N_("E-mail"),
)
NUMBER, DATE, BUYER, GROSS, CURRENCY, STATE, KSEF, MODE, DUE, PAYMENT, MAIL = range(len(COLUMNS))

#: Columns the store can sort by (the others keep the current order).
SORTABLE = {
    NUMBER: SortKey.NUMBER,
    DATE: SortKey.ISSUE_DATE,
    BUYER: SortKey.BUYER,
    GROSS: SortKey.GROSS,
}

MODE_LABELS = {
    None: N_("online"),
    "offline24": N_("offline24"),
    "offline": N_("offline (KSeF unavailable)"),
    "awaria": N_("failure (awaria)"),
    "awaria-calkowita": N_("total failure"),
}

STATE_COLOURS = {
    InvoiceState.DRAFT: QColor("#eeeeee"),
    InvoiceState.REJECTED: QColor("#ffb4ab"),
    InvoiceState.QUEUED: QColor("#ffe0a3"),
    InvoiceState.SENT: QColor("#fff3c4"),
}

PAGE_SIZE = 200


def payment_of(row: ListRow) -> PaymentStatus:
    """Paid, partly paid, unpaid or overdue today (the computer's date)."""
    return payment_status(row.gross, row.paid, row.due_date, date.today())  # noqa: DTZ011


def mode_label(mode: str | None) -> str:
    return _(MODE_LABELS.get(mode, mode or ""))


#: Loads one page in the worker: (filter, sort, descending, after, limit) -> Page.
Loader = Callable[[InvoiceFilter, SortKey, bool, Cursor | None, int], Page]
#: Runs ``op`` in the background and calls back on the GUI thread (``Runner.submit``).
Submit = Callable[..., Any]


def guarded(owner: QObject, submit: Submit) -> Submit:
    """``submit`` whose callbacks are dropped once ``owner`` is deleted (a window rebuilt
    while its page was loading must not be called back)."""
    from shiboken6 import Shiboken

    def wrapped(
        op: Callable[..., Any],
        on_success: Callable[[Any], None] | None = None,
        on_error: Callable[[Failure], None] | None = None,
        *,
        name: str = "",
    ) -> Any:
        def ok(result: Any) -> None:
            if on_success is not None and Shiboken.isValid(owner):
                on_success(result)

        def failed(failure: Failure) -> None:
            if on_error is not None and Shiboken.isValid(owner):
                on_error(failure)

        return submit(op, ok, failed, name=name)

    return wrapped


@dataclass(frozen=True)
class _Request:
    generation: int
    after: Cursor | None


class InvoiceListModel(RowsTableModel):
    #: A page failed to load (the translated reason).
    failed = QtSignal(str)
    #: The first page of a new filter or sort arrived (rows now shown).
    loaded = QtSignal()

    def __init__(
        self,
        loader: Loader,
        submit: Submit,
        *,
        page_size: int = PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(COLUMNS, parent)
        self._loader = loader
        self._submit = guarded(self, submit)
        self._page_size = page_size
        self._rows: list[ListRow] = []
        self._next: Cursor | None = None
        self._complete = True
        self._loading = False
        self._generation = 0
        self._filter = InvoiceFilter()
        self._sort = SortKey.ISSUE_DATE
        self._descending = True
        self._sort_column = DATE

    # --- what is shown -------------------------------------------------------------------

    @property
    def filter(self) -> InvoiceFilter:
        return self._filter

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def complete(self) -> bool:
        """Every row of the current filter is loaded."""
        return self._complete

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def descending(self) -> bool:
        return self._descending

    def set_filter(self, flt: InvoiceFilter) -> None:
        self._filter = flt
        self.reload()

    def reload(self) -> None:
        """Drop the rows and load the first page of the current filter and sort."""
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._next = None
        self._complete = False
        self._loading = False
        self.endResetModel()
        self._request(None)

    def row_at(self, row: int) -> ListRow:
        return self._rows[row]

    def row_of(self, invoice_id: int) -> int | None:
        for i, r in enumerate(self._rows):
            if r.id == invoice_id:
                return i
        return None

    # --- paging --------------------------------------------------------------------------

    def _request(self, after: Cursor | None) -> None:
        if self._loading:
            return
        self._loading = True
        request = _Request(self._generation, after)
        flt, sort, desc, size = self._filter, self._sort, self._descending, self._page_size
        loader = self._loader
        self._submit(
            lambda job: loader(flt, sort, desc, after, size),
            lambda page: self._arrived(request, page),
            lambda failure: self._failed(request, failure),
            name="invoice-page",
        )

    def _arrived(self, request: _Request, page: Page) -> None:
        if request.generation != self._generation:
            return  # a page of an older filter or sort
        # The cursor moves before the rows go in: a view (or the model tester) may ask for
        # the next page from inside endInsertRows.
        self._loading = False
        self._next = page.next
        self._complete = page.next is None
        if page.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
        if request.after is None:
            self.loaded.emit()

    def _failed(self, request: _Request, failure: Failure) -> None:
        if request.generation != self._generation:
            return
        self._loading = False
        self._complete = True  # stop asking; reload() tries again
        if not failure.cancelled:
            self.failed.emit(failure.message)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid():
            return False
        return not self._complete and not self._loading and self._next is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request(self._next)

    # --- QAbstractTableModel ---------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and column == GROSS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and column == STATE:
            colour = STATE_COLOURS.get(row.state)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.BackgroundRole and column == PAYMENT:
            overdue = row.state is not InvoiceState.DRAFT and (
                payment_of(row) is PaymentStatus.OVERDUE
            )
            return QBrush(QColor("#ffb4ab")) if overdue else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.state is InvoiceState.REJECTED:
                return rejection_text(row.rejection_code, row.rejection_details)
            text = self._text(row, column)
            return text or None  # the whole text of a cell too narrow for it
        return None

    @staticmethod
    def _text(row: ListRow, column: int) -> str:
        if column == NUMBER:
            return row.number or _("(draft)")
        if column == DATE:
            return fmt_date(row.issue_date)
        if column == BUYER:
            return row.buyer_name
        if column == GROSS:
            return fmt_money(row.gross, row.currency)
        if column == CURRENCY:
            return row.currency
        if column == STATE:
            if row.state is InvoiceState.REJECTED and row.rejection_code is not None:
                return _("{state} ({code})").format(state=row.state.label, code=row.rejection_code)
            return row.state.label
        if column == KSEF:
            return row.ksef_number or ""
        if column == MODE:
            return "" if row.state is InvoiceState.DRAFT else mode_label(row.mode)
        if column == DUE:
            return fmt_date(row.due_date) if row.due_date else ""
        if column == PAYMENT:
            return "" if row.state is InvoiceState.DRAFT else payment_of(row).label
        if column == MAIL:
            return MailState(row.mail_state).label if row.mail_state else ""
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORTABLE.get(column)
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self._sort, self._descending) and self._rows:
            return
        self._sort, self._descending, self._sort_column = key, descending, column
        self.reload()
