"""The offline panel's table: a ``QAbstractTableModel`` over plain ``OfflineRow``s.

The model holds the rows and one moment, ``now``; ``set_now`` recomputes the countdown
column from the absolute deadlines (never a counter that drifts). ``next_tick`` tells the
panel when the next visible change happens, so one timer serves every row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ksef_desktop.domain.offline_watch import (
    Urgency,
    classify,
    describe_remaining,
    mode_label,
    next_change,
    urgency_label,
)
from ksef_desktop.i18n import N_, _
from ksef_desktop.services.ledger import OfflineRow
from ksef_desktop.ui.formatting import fmt_date, fmt_moment, fmt_money

COLUMNS = (
    N_("Number"),
    N_("Buyer"),
    N_("Gross"),
    N_("Issued"),
    N_("Mode"),
    N_("Deadline"),
    N_("Time left"),
    N_("State"),
    N_("Last failure"),
)
COUNTDOWN = COLUMNS.index("Time left")

#: Background colours per urgency (text stays black; the words say the same thing).
COLOURS = {
    Urgency.MORE_THAN_24H: QColor("#dcedc8"),
    Urgency.LESS_THAN_24H: QColor("#ffe0a3"),
    Urgency.OVERDUE: QColor("#ffb4ab"),
}

_MINUTE = timedelta(minutes=1)
_TICK = timedelta(milliseconds=1)

Index = QModelIndex | QPersistentModelIndex


def urgency_of(row: OfflineRow, now: datetime) -> Urgency | None:
    return None if row.deadline is None else classify(row.deadline, now)


class OfflineTableModel(QAbstractTableModel):
    def __init__(self, now: datetime, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[OfflineRow] = []
        self._now = now

    # --- data in ------------------------------------------------------------------------

    def set_rows(self, rows: list[OfflineRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def set_now(self, now: datetime) -> None:
        self._now = now
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1)
            )

    def row(self, i: int) -> OfflineRow:
        return self._rows[i]

    @property
    def rows(self) -> list[OfflineRow]:
        return list(self._rows)

    def next_tick(self) -> datetime | None:
        """The next moment any cell of the countdown changes (minute or urgency)."""
        moments = []
        for r in self._rows:
            if r.deadline is None or r.deadline.due is None:
                continue
            change = next_change(r.deadline, self._now)
            if change is not None:
                moments.append(change)
            remaining = r.deadline.remaining(self._now)
            if remaining is not None:
                moments.append(self._now + (remaining % _MINUTE) + _TICK)
        return min(moments, default=None)

    # --- Qt's side ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(COLUMNS):
            return _(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.BackgroundRole:
            urgency = urgency_of(row, self._now)
            colour = COLOURS.get(urgency) if urgency is not None else None
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ForegroundRole:
            urgency = urgency_of(row, self._now)
            return QBrush(QColor("black")) if urgency in COLOURS else None
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[col] == "Mode":
            return mode_label(row.mode)
        if role == Qt.ItemDataRole.ToolTipRole:
            urgency = urgency_of(row, self._now)
            return urgency_label(urgency) if urgency is not None else _("issued online")
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COLUMNS.index("Gross"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row.invoice_id
        return None

    def _text(self, row: OfflineRow, col: int) -> str:
        name = COLUMNS[col]
        if name == "Number":
            return row.number
        if name == "Buyer":
            return row.buyer
        if name == "Gross":
            return fmt_money(row.gross, row.currency)
        if name == "Issued":
            return fmt_date(row.issued)
        if name == "Mode":
            return mode_label(row.mode, short=True)
        if name == "Deadline":
            if row.deadline is None:
                return "—"
            if row.deadline.due is None:
                return urgency_label(classify(row.deadline, self._now))
            return fmt_moment(row.deadline.due)
        if name == "Time left":
            if row.deadline is None:
                return "—"
            remaining = row.deadline.remaining(self._now)
            if remaining is None:
                return urgency_label(classify(row.deadline, self._now))
            return describe_remaining(remaining)
        if name == "State":
            return row.state
        return row.last_error
