"""The editor's JPK marks: a GTU code and a procedure per line, TP on the invoice.

The lines' table has a column for each of the line's marks (``editor_lines.GTU`` and
``PROCEDURE``), edited with a combo box whose first entry is "none" and whose entries say
what each code means (``domain.marks``); the procedures offered follow the kind of invoice
(an advance invoice's order knows fewer). The invoice's TP marker is a check box beside the
lines' buttons. What each mark allows is checked in ``domain.checks``, not here.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from ksef_desktop.domain.marks import (
    GTU_MEANINGS,
    PROCEDURE_MEANINGS,
    RELATED_PARTIES_MEANING,
    GtuCode,
    procedures_for,
)
from ksef_desktop.i18n import _
from ksef_desktop.ui.editor_lines import GTU, PROCEDURE, Index

#: The longest part of a meaning shown in the list (the whole of it is the item's tooltip).
_SHORT = 60


def _short(text: str) -> str:
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


class MarkDelegate(QStyledItemDelegate):
    """A combo box of codes with their meanings, "none" first (``choices``: code, meaning)."""

    def __init__(self, choices: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choices = choices

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        combo.addItem(_("— none —"), "")
        for code, meaning in self.choices:
            combo.addItem(f"{code} – {_short(_(meaning))}", code)
            combo.setItemData(combo.count() - 1, _(meaning), Qt.ItemDataRole.ToolTipRole)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


def _procedure_choices(advance: bool) -> list[tuple[str, str]]:
    return [(p.value, PROCEDURE_MEANINGS[p]) for p in procedures_for(advance)]


class LineMarks:
    """The mark columns' delegates of ``table`` and the invoice's TP check box."""

    def __init__(self, table: QTableView) -> None:
        self.gtu = MarkDelegate([(c.value, GTU_MEANINGS[c]) for c in GtuCode], table)
        self.procedure = MarkDelegate(_procedure_choices(False), table)
        table.setItemDelegateForColumn(GTU, self.gtu)
        table.setItemDelegateForColumn(PROCEDURE, self.procedure)
        self.related_parties = QCheckBox(_("Related parties (TP)"))
        self.related_parties.setToolTip(_(RELATED_PARTIES_MEANING))
        self.related_parties.setAccessibleDescription(_(RELATED_PARTIES_MEANING))

    def set_advance(self, advance: bool) -> None:
        """The procedures offered: those of an advance invoice's order, or all."""
        self.procedure.choices = _procedure_choices(advance)
