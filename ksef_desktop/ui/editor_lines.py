"""The editor's lines: an editable ``QAbstractTableModel`` over what the user typed.

Each row keeps the text as typed (quantity "1,5", price "1 234,56") so a half-typed
number stays on screen; ``lines()`` turns the rows into domain ``Line``s (a number that
cannot be read becomes ``None``, which ``check_invoice`` then reports on that field).
The computed columns (value, VAT, gross) follow ``domain.totals``.

The discount cell takes an amount or a percentage ("10%", "10,5 %"); a percentage is
replaced by the amount it comes to as soon as the line's quantity and price are known
(``domain.discount``), since FA(3) carries only the amount (P_10). Text that is neither
is reported by ``input_problems`` on that cell, never silently dropped.

The last two columns are the line's JPK marks, a GTU code and a procedure (empty for most
lines; ``domain.marks`` says what they mean, ``editor_marks`` offers them in combo boxes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, DecimalException
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ksef_desktop.domain.checks import Problem, typed_number
from ksef_desktop.domain.discount import is_percent, read_discount
from ksef_desktop.domain.invoice import ISSUABLE_RATES, Line, VatRate
from ksef_desktop.domain.marks import (
    GTU_EXPLANATION,
    GTU_MEANINGS,
    PROCEDURE_EXPLANATION,
    PROCEDURE_MEANINGS,
    GtuCode,
    LineProcedure,
    MarkError,
    read_gtu,
    read_procedure,
)
from ksef_desktop.domain.money import ZERO, parse_decimal, xml_decimal
from ksef_desktop.domain.totals import line_gross, line_vat
from ksef_desktop.i18n import N_, _
from ksef_desktop.ui.formatting import fmt_amount

Index = QModelIndex | QPersistentModelIndex

COLUMNS = (
    N_("Name"),
    N_("Unit"),
    N_("Quantity"),
    N_("Unit price"),
    N_("Discount"),
    N_("VAT rate"),
    N_("Value"),
    N_("VAT"),
    N_("Gross"),
    N_("GTU"),
    N_("Procedure"),
)
NAME, UNIT, QUANTITY, PRICE, DISCOUNT, RATE, VALUE, VAT, GROSS, GTU, PROCEDURE = range(len(COLUMNS))
LAST = len(COLUMNS) - 1
EDITABLE = (NAME, UNIT, QUANTITY, PRICE, DISCOUNT, RATE, GTU, PROCEDURE)
#: Where a ``check_invoice`` field of a line ("lines[2].quantity") is shown.
FIELD_COLUMNS = {
    "name": NAME,
    "unit": UNIT,
    "quantity": QUANTITY,
    "unit_price": PRICE,
    "discount": DISCOUNT,
    "rate": RATE,
    "gtu": GTU,
    "procedure": PROCEDURE,
}

RATE_LABELS = {
    VatRate.ZW: N_("zw (exempt)"),
    VatRate.OO: N_("oo (reverse charge)"),
    VatRate.NP_I: N_("np I (outside Poland)"),
    VatRate.NP_II: N_("np II (EU services, art. 100)"),
    VatRate.R0_KR: N_("0% domestic"),
    VatRate.R0_WDT: N_("0% WDT (intra-EU supply)"),
    VatRate.R0_EX: N_("0% export"),
}


def rate_label(rate: VatRate | None) -> str:
    if rate is None:
        return ""
    if rate in RATE_LABELS:
        return _(RATE_LABELS[rate])
    return f"{rate.value}%"


@dataclass(frozen=True)
class LineRow:
    """One line as typed."""

    name: str = ""
    unit: str = ""
    quantity: str = "1"
    price: str = ""
    discount: str = ""
    rate: VatRate | None = VatRate.R23
    before: bool = False  # StanPrzed on a correction: shown, not edited
    gtu: str | None = None  # chosen, or from the catalogue
    procedure: LineProcedure | None = None


def _number(text: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return parse_decimal(text)
    except ValueError:
        return None


def _text(value: Decimal | None) -> str:
    return "" if value is None else xml_decimal(value).replace(".", ",")


def row_of(line: Line) -> LineRow:
    return LineRow(
        name=line.name,
        unit=line.unit or "",
        quantity=_text(line.quantity),
        price=_text(line.unit_price),
        discount="" if not line.discount else _text(line.discount),
        rate=line.rate,
        before=line.before_correction,
        gtu=line.gtu,
        procedure=line.procedure,
    )


def line_of(row: LineRow) -> Line:
    quantity, price = _number(row.quantity), _number(row.price)
    discount = read_discount(row.discount, quantity, price).amount
    return Line(
        name=row.name.strip(),
        rate=row.rate,
        quantity=quantity,
        unit_price=price,
        unit=row.unit.strip() or None,
        discount=ZERO if discount is None else discount,
        before_correction=row.before,
        gtu=row.gtu,
        procedure=row.procedure,
    )


def settle_discount(row: LineRow) -> LineRow:
    """A percentage in the discount cell becomes its amount once quantity and price are known."""
    if not is_percent(row.discount):
        return row
    read = read_discount(row.discount, _number(row.quantity), _number(row.price))
    if read.problem or read.amount is None:
        return row
    text = "" if read.amount == ZERO else xml_decimal(read.amount, 2).replace(".", ",")
    return replace(row, discount=text)


class LinesModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[LineRow] = []
        self.prices_gross = False
        self._problems: dict[tuple[int, int], str] = {}

    # --- content ------------------------------------------------------------------------------

    def set_lines(self, lines: tuple[Line, ...] | list[Line]) -> None:
        self.beginResetModel()
        self._rows = [row_of(line) for line in lines]
        self._problems = {}
        self.endResetModel()

    def lines(self) -> tuple[Line, ...]:
        return tuple(line_of(r) for r in self._rows)

    def row(self, i: int) -> LineRow:
        return self._rows[i]

    def input_problems(self) -> list[Problem]:
        """What was typed but cannot be read (``check_invoice`` sees only the lines)."""
        problems = []
        for i, row in enumerate(self._rows):
            for field, text in (("quantity", row.quantity), ("unit_price", row.price)):
                problem = typed_number(f"lines[{i}].{field}", text)
                if problem is not None:
                    problems.append(problem)
            read = read_discount(row.discount, _number(row.quantity), _number(row.price))
            if read.problem:
                problems.append(Problem(f"lines[{i}].discount", read.problem))
        return problems

    def add_line(self, row: LineRow | None = None) -> int:
        at = len(self._rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.append(row or LineRow())
        self.endInsertRows()
        return at

    def set_rate(self, i: int, rate: VatRate) -> None:
        """Line ``i``'s rate (a line showing the state before a correction keeps its own)."""
        if 0 <= i < len(self._rows) and not self._rows[i].before and self._rows[i].rate != rate:
            self._rows[i] = replace(self._rows[i], rate=rate)
            self.dataChanged.emit(self.index(i, 0), self.index(i, LAST))

    def remove_line(self, i: int) -> None:
        if not 0 <= i < len(self._rows) or self._rows[i].before:
            return
        self.beginRemoveRows(QModelIndex(), i, i)
        del self._rows[i]
        self.endRemoveRows()

    def fill_row(
        self, i: int, *, name: str, unit: str, price: str, rate: VatRate, gtu: str | None
    ) -> None:
        """Row ``i`` takes a catalogue item's name, unit, price, rate and GTU."""
        if not 0 <= i < len(self._rows) or self._rows[i].before:
            return
        self._rows[i] = replace(
            self._rows[i], name=name, unit=unit, price=price, rate=rate, gtu=gtu
        )
        self.dataChanged.emit(self.index(i, 0), self.index(i, LAST))

    def set_prices_gross(self, on: bool) -> None:
        self.prices_gross = on
        self._changed_all()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, PRICE, VALUE)

    def set_problems(self, problems: dict[tuple[int, int], str]) -> None:
        """Messages per (row, column); shown as tooltips and a red background."""
        if problems == self._problems:
            return
        self._problems = dict(problems)
        self._changed_all()

    def problem_at(self, row: int, column: int) -> str:
        return self._problems.get((row, column), "")

    def _changed_all(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, LAST))

    # --- QAbstractTableModel --------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.ToolTipRole and horizontal and section == DISCOUNT:
            return _("An amount, or a percentage of the line's value such as 10% or 10,5%.")
        if role == Qt.ItemDataRole.ToolTipRole and horizontal and section == GTU:
            return _(GTU_EXPLANATION)
        if role == Qt.ItemDataRole.ToolTipRole and horizontal and section == PROCEDURE:
            return _(PROCEDURE_EXPLANATION)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if 0 <= section < len(self._rows) else None
        if not 0 <= section < len(COLUMNS):
            return None
        if section == PRICE:
            return _("Unit price (gross)") if self.prices_gross else _("Unit price (net)")
        if section == VALUE:
            return _("Value (gross)") if self.prices_gross else _("Value (net)")
        return _(COLUMNS[section])

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in EDITABLE and not self._rows[index.row()].before:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.EditRole:
            return self._edit_value(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column not in (
            NAME, UNIT, RATE, GTU, PROCEDURE
        ):  # fmt: skip
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        problem = self._problems.get((index.row(), column))
        if role == Qt.ItemDataRole.ToolTipRole:
            if problem:
                return problem
            if row.before:
                return _("The state before the correction (as on the corrected invoice).")
            return mark_meaning(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            if problem:
                return QBrush(QColor("#ffcdd2"))
            if row.before:
                return QBrush(QColor("#eeeeee"))
        return None

    def _display(self, row: LineRow, column: int) -> str:
        if column == NAME:
            return (_("before: ") + row.name) if row.before else row.name
        if column in (UNIT, QUANTITY, PRICE, DISCOUNT):
            return str(self._edit_value(row, column))
        if column == RATE:
            return rate_label(row.rate)
        if column in (GTU, PROCEDURE):
            return str(self._edit_value(row, column))
        line = line_of(row)
        if not line.has_amount:
            return ""
        gross = self.prices_gross
        sign = -1 if row.before else 1
        try:
            if column == VALUE:
                return fmt_amount(line.amount)
            if column == VAT:
                return fmt_amount(sign * line_vat(line, prices_gross=gross))
            if column == GROSS:
                return fmt_amount(sign * line_gross(line, prices_gross=gross))
        except DecimalException:  # beyond Decimal's digits: the cell's own check says why
            return ""
        return ""

    @staticmethod
    def _edit_value(row: LineRow, column: int) -> Any:
        return {
            NAME: row.name,
            UNIT: row.unit,
            QUANTITY: row.quantity,
            PRICE: row.price,
            DISCOUNT: row.discount,
            RATE: row.rate.value if row.rate else "",
            GTU: row.gtu or "",
            PROCEDURE: row.procedure.value if row.procedure else "",
        }.get(column, "")

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if not self.flags(index) & Qt.ItemFlag.ItemIsEditable:
            return False
        i, column = index.row(), index.column()
        row = self._rows[i]
        text = "" if value is None else str(value)
        if column == RATE:
            try:
                row = replace(row, rate=VatRate(text))
            except ValueError:
                return False
        elif column in (GTU, PROCEDURE):
            try:
                if column == GTU:
                    gtu = read_gtu(text)
                    row = replace(row, gtu=None if gtu is None else gtu.value)
                else:
                    row = replace(row, procedure=read_procedure(text))
            except MarkError:
                return False
        else:
            fields: dict[str, Any] = {
                {
                    NAME: "name",
                    UNIT: "unit",
                    QUANTITY: "quantity",
                    PRICE: "price",
                    DISCOUNT: "discount",
                }[column]: text
            }
            row = settle_discount(replace(row, **fields))
        self._rows[i] = row
        self.dataChanged.emit(self.index(i, 0), self.index(i, LAST))
        return True


def mark_meaning(row: LineRow, column: int) -> str | None:
    """The official meaning of the line's GTU code or procedure, for its cell's tooltip."""
    if column == GTU and row.gtu in GTU_MEANINGS:
        return f"{row.gtu}: {_(GTU_MEANINGS[GtuCode(row.gtu)])}"
    if column == PROCEDURE and row.procedure is not None:
        return f"{row.procedure.value}: {_(PROCEDURE_MEANINGS[row.procedure])}"
    return None


class RateDelegate(QStyledItemDelegate):
    """A combo box of the rates this program issues, for the VAT rate column: those of the
    invoice's kind of sale (``rates``)."""

    rates: tuple[VatRate, ...] = ISSUABLE_RATES

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        for rate in self.rates:
            combo.addItem(rate_label(rate), rate.value)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
