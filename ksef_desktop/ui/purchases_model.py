"""The purchases table: the invoice list's paging model (keyset pages loaded in the worker,
``canFetchMore``/``fetchMore``, stale pages dropped) over purchase rows and columns."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.i18n import N_, _
from ksef_desktop.services.purchase_deductions import (
    category_label,
    deduction_of,
    deduction_text,
    month_text,
    share_label,
)
from ksef_desktop.store.purchases import PurchaseFilter, PurchaseRow, PurchaseSort
from ksef_desktop.ui.formatting import fmt_date, fmt_money
from ksef_desktop.ui.invoice_list_model import Index, InvoiceListModel, Loader, Submit

COLUMNS = (
    N_("Supplier"),
    N_("Number"),
    N_("KSeF number"),
    N_("Issue date"),
    N_("Received"),
    N_("Net"),
    N_("VAT"),
    N_("Gross"),
    N_("Currency"),
    N_("Due date"),
    N_("Paid"),
    N_("Warnings"),
    N_("VAT deduction"),
)
(SELLER, NUMBER, KSEF, ISSUED, RECEIVED, NET, VAT, GROSS, CURRENCY, DUE, PAID, WARNINGS,
 DEDUCTION) = range(len(COLUMNS))  # fmt: skip
SORTABLE = {
    SELLER: PurchaseSort.SELLER,
    NUMBER: PurchaseSort.NUMBER,
    ISSUED: PurchaseSort.ISSUE_DATE,
    GROSS: PurchaseSort.GROSS,
    DUE: PurchaseSort.DUE,
}
OVERDUE_COLOUR = QColor("#ffb4ab")
PAID_COLOUR = QColor("#c8e6c9")
_MONEY = (NET, VAT, GROSS)


def deduction_label(row: PurchaseRow) -> str:
    """The VAT deduction in the list: empty for the defaults (other purchases, 100 %, the
    month of receipt), else e.g. ``fixed asset · 50 % · 2026-04`` (and ``K_31 23 %`` for
    a reverse charge chosen)."""
    if row.deduction is None:
        return ""
    deduction = deduction_of(row)
    parts = [category_label(deduction.category), share_label(deduction.share)]
    if deduction.later:
        parts.append(month_text(deduction.month))
    reverse = deduction.reverse
    if reverse.kind is not None and reverse.rate is not None:
        parts.append(f"{reverse.kind.value} {reverse.rate.normalize():f} %")
    return " · ".join(parts)


def paid_label(row: PurchaseRow, today: date) -> str:
    if row.gross <= 0:
        return _("nothing to pay")
    if row.paid_on is not None:
        return _("paid {day}").format(day=fmt_date(row.paid_on))
    if row.paid > 0:
        return _("partly: {amount}").format(amount=fmt_money(row.paid, row.currency))
    if row.overdue(today):
        return _("overdue")
    return _("unpaid")


class PurchaseListModel(InvoiceListModel):
    """``InvoiceListModel``'s paging with purchase rows (same generation/cursor rules)."""

    def __init__(
        self, loader: Loader, submit: Submit, today: Any, parent: QObject | None = None
    ) -> None:
        super().__init__(loader, submit, parent=parent)
        self._columns = COLUMNS
        self._filter = PurchaseFilter()  # type: ignore[assignment]
        self._sort = PurchaseSort.ISSUE_DATE  # type: ignore[assignment]
        self._sort_column = ISSUED
        self._today = today

    def today(self) -> date:
        value: date = self._today().astimezone(WARSAW).date()
        return value

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row: Any = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(row, column)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _MONEY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and column in (PAID, DUE):
            if row.overdue(self.today()):
                return QBrush(OVERDUE_COLOUR)
            if row.paid_on is not None:
                return QBrush(PAID_COLOUR)
        if role == Qt.ItemDataRole.ToolTipRole and column == SELLER:
            return row.seller_nip
        if role == Qt.ItemDataRole.ToolTipRole and column == DEDUCTION:
            return deduction_text(deduction_of(row))
        return None

    def _cell(self, row: PurchaseRow, column: int) -> str:
        if column == SELLER:
            return row.seller_name or row.seller_nip
        if column == NUMBER:
            return row.number
        if column == KSEF:
            return row.ksef_number
        if column == ISSUED:
            return fmt_date(row.issue_date)
        if column == RECEIVED:
            return fmt_date(row.acquired_at.astimezone(WARSAW).date())
        if column in _MONEY:
            value = {NET: row.net, VAT: row.vat, GROSS: row.gross}[column]
            return fmt_money(value, row.currency)
        if column == CURRENCY:
            return row.currency
        if column == DUE:
            return fmt_date(row.due_date) if row.due_date else ""
        if column == PAID:
            return paid_label(row, self.today())
        if column == WARNINGS:
            return str(row.warning_count) if row.warning_count else ""
        if column == DEDUCTION:
            return deduction_label(row)
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORTABLE.get(column)
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        current: tuple[Any, bool] = (self._sort, self._descending)
        if (key, descending) == current and self._rows:
            return
        self._sort, self._descending, self._sort_column = key, descending, column  # type: ignore[assignment]
        self.reload()
