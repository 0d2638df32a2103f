"""JPK marks typed into the real editor (issue 19): a GTU code and a procedure chosen on a
line from the combo boxes of their columns, TP ticked on the invoice, the invoice issued,
and the frozen FA(3) carrying them where the official schema puts them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox

from ksef_desktop.domain.invoice import InvoiceKind
from ksef_desktop.domain.marks import LineProcedure
from ksef_desktop.fa3.parse import parse
from ksef_desktop.fa3.schema import FA3_NAMESPACE, fa3_schema
from ksef_desktop.services.changes import Changed
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.editor import EditorDialog
from ksef_desktop.ui.editor_lines import GTU, PROCEDURE
from tests.gui.panels_support import NOW, fill_line, type_polish_buyer
from tests.unit.test_store_support import PID, open_profiled, sample_profile

pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)
F = {"f": FA3_NAMESPACE}


@pytest.fixture
def store(tmp_path, runner):
    s = open_profiled(tmp_path / "data")
    yield s
    assert runner.stop()  # no job of the worker may use the store closed under it
    s.close()


def _editor(qtbot, runner, store) -> EditorDialog:
    dialog = EditorDialog(
        runner, lambda: store, sample_profile(store), lambda: NOW, lambda day: (None, None),
        lambda: "http://127.0.0.1/qr", undo_seconds=1,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready)
    return dialog


def open_combo(table, row: int, column: int) -> QComboBox:
    table.setFocus()
    table.setCurrentIndex(table.model().index(row, column))
    QTest.keyClick(table, Qt.Key.Key_F2)
    combo = table.focusWidget()
    assert isinstance(combo, QComboBox)
    return combo


def choose_mark(qtbot, table, row: int, column: int, code: str) -> None:
    """Open the mark cell's combo box and pick ``code`` by keyboard."""
    combo = open_combo(table, row, column)
    QTest.keyClick(combo, Qt.Key.Key_Home)
    assert combo.currentData() == ""  # "none" comes first
    while combo.currentData() != code:
        before = combo.currentIndex()
        QTest.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before, f"no {code!r} offered"
    QTest.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.model().index(row, column).data() == code)


def offered(qtbot, table, row: int, column: int) -> list[str]:
    combo = open_combo(table, row, column)
    codes = [combo.itemData(i) for i in range(combo.count())]
    QTest.keyClick(combo, Qt.Key.Key_Escape)
    return codes


def test_gtu_procedure_and_tp_typed_in_the_editor_are_in_the_frozen_fa3(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    type_polish_buyer(form)
    row = fill_line(qtbot, form, "Doradztwo podatkowe", "10", "150,00", "23%")
    fill_line(qtbot, form, "Dojazd", "1", "50,00", "23%")  # a line without marks
    table = form.table
    choose_mark(qtbot, table, row, GTU, "GTU_12")
    choose_mark(qtbot, table, row, PROCEDURE, "B_SPV")
    # The cell says what the code means (the official meaning, translated).
    tooltip = table.model().index(row, GTU).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip.startswith("GTU_12: Usługi niematerialne")
    assert "TP" in form.related_parties.text()
    assert "art. 32 ust. 2 pkt 1" in form.related_parties.toolTip()
    QTest.mouseClick(form.related_parties, Qt.MouseButton.LeftButton)
    assert form.related_parties.isChecked()
    assert form.valid, [p.text() for p in form.problems]

    changes: list[Changed] = []
    dialog.changed.connect(changes.append)
    QTest.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(Changed.QUEUED in c for c in changes), timeout=15_000)
    assert dialog.issued is not None
    stored = get_invoice(store.db.connection(), dialog.issued.invoice.id, profile_id=PID)
    assert stored.state is InvoiceState.QUEUED
    assert stored.xml is not None
    doc = etree.fromstring(stored.xml)
    assert fa3_schema().validate(doc), fa3_schema().error_log
    first, second = doc.findall("f:Fa/f:FaWiersz", F)
    assert first.findtext("f:GTU", namespaces=F) == "GTU_12"
    assert first.findtext("f:Procedura", namespaces=F) == "B_SPV"
    assert second.find("f:GTU", F) is None
    assert second.find("f:Procedura", F) is None
    assert doc.findtext("f:Fa/f:TP", namespaces=F) == "1"
    back = parse(stored.xml)
    assert back.related_parties
    assert [(line.gtu, line.procedure) for line in back.lines] == [
        ("GTU_12", LineProcedure.B_SPV),
        (None, None),
    ]


def test_a_mark_can_be_taken_off_and_an_advance_order_offers_fewer_procedures(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    type_polish_buyer(form)
    row = fill_line(qtbot, form, "Regał", "1", "100,00", "23%")
    table = form.table
    assert "I_42" in offered(qtbot, table, row, PROCEDURE)
    choose_mark(qtbot, table, row, GTU, "GTU_06")
    choose_mark(qtbot, table, row, GTU, "")  # "none" again
    assert form.invoice().lines[0].gtu is None
    form.kind.setCurrentIndex(form.kind.findData(InvoiceKind.ZAL.value))
    codes = offered(qtbot, table, row, PROCEDURE)
    assert codes[0] == ""
    assert "B_SPV" in codes
    assert "I_42" not in codes
    assert "I_63" not in codes


def test_a_draft_with_marks_opens_with_them(qtbot, runner, store):
    from dataclasses import replace

    from tests.unit.test_store_support import sample_invoice

    draft = sample_invoice()
    marked_line = replace(draft.lines[0], gtu="GTU_13", procedure=LineProcedure.IED)
    draft = replace(draft, lines=(marked_line,), related_parties=True)
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    form.load(draft)
    assert form.related_parties.isChecked()
    model = form.table.model()
    assert (model.index(0, GTU).data(), model.index(0, PROCEDURE).data()) == ("GTU_13", "IED")
    tooltip = model.index(0, PROCEDURE).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip.startswith("IED: Dostawa towarów przez podatnika ułatwiającego")
    again = form.invoice()
    assert again.related_parties
    assert (again.lines[0].gtu, again.lines[0].procedure) == ("GTU_13", LineProcedure.IED)
    QTest.mouseClick(form.related_parties, Qt.MouseButton.LeftButton)
    assert not form.invoice().related_parties


@given(st.text(max_size=40))
@settings(max_examples=80, deadline=None)
def test_text_put_in_a_mark_cell_is_a_code_or_changes_nothing(qapp, text):
    from ksef_desktop.domain.marks import MarkError, read_gtu, read_procedure
    from ksef_desktop.ui.editor_lines import LineRow, LinesModel

    model = LinesModel()
    model.add_line(LineRow(name="x", gtu="GTU_01", procedure=LineProcedure.B_SPV))
    for column, reader in ((GTU, read_gtu), (PROCEDURE, read_procedure)):
        refused = False
        try:
            expected = reader(text)
        except MarkError:
            refused = True
        before = model.row(0)
        accepted = model.setData(model.index(0, column), text)
        if refused:
            assert not accepted
            assert model.row(0) == before
        else:
            assert accepted
            shown = model.index(0, column).data()
            assert shown == ("" if expected is None else expected.value)
