"""An advance invoice (ZAL) typed into the real editor: the advance split per rate, issued."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ksef_desktop.domain.invoice import InvoiceKind
from ksef_desktop.fa3.parse import parse
from ksef_desktop.services.changes import Changed
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.editor import EditorDialog
from ksef_desktop.ui.formatting import fmt_money
from tests.gui.panels_support import NOW, fill_line, type_polish_buyer
from tests.unit.test_store_support import PID, open_profiled, sample_profile

pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)


@pytest.fixture
def store(tmp_path, runner):
    s = open_profiled(tmp_path / "data")
    yield s
    assert runner.stop()  # no job of the worker may use the store closed under it
    s.close()


def _editor(qtbot, runner, store):
    dialog = EditorDialog(
        runner, lambda: store, sample_profile(store), lambda: NOW, lambda day: (None, None),
        lambda: "http://127.0.0.1/qr", undo_seconds=1,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready)
    return dialog


def test_advance_invoice_splits_the_advance_per_rate_and_issues(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    assert not form.advance.isEnabled()
    form.kind.setFocus()
    form.kind.setCurrentIndex(form.kind.findData(InvoiceKind.ZAL.value))
    assert form.advance.isEnabled()
    type_polish_buyer(form)
    # The order: 10 × 100.00 net at 23% (1 230.00 gross) and 1 × 500.00 net at 8% (540.00).
    fill_line(qtbot, form, "Regał na zamówienie", "10", "100,00", "23%")
    fill_line(qtbot, form, "Montaż", "1", "500,00", "8%")
    QTest.keyClicks(form.advance, "885,00")
    assert form.valid, [p.text() for p in form.problems]
    assert dialog.issue_button.isEnabled()
    # 885.00 is half of the 1 770.00 order: 615.00 gross at 23% (500 + 115) and
    # 270.00 gross at 8% (250 + 20).
    money = lambda text: fmt_money(Decimal(text), "PLN")  # noqa: E731
    assert form.totals.rows == [
        ("23% / 22%", money("500.00"), money("115.00"), money("615.00")),
        ("8% / 7%", money("250.00"), money("20.00"), money("270.00")),
    ]
    assert form.totals.gross_text == money("885.00")

    changes: list[Changed] = []
    dialog.changed.connect(changes.append)
    QTest.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(Changed.QUEUED in c for c in changes), timeout=15_000)
    assert dialog.issued is not None
    stored = get_invoice(store.db.connection(), dialog.issued.invoice.id, profile_id=PID)
    assert stored.state is InvoiceState.QUEUED
    assert stored.xml is not None
    back = parse(stored.xml)
    assert back.kind is InvoiceKind.ZAL
    assert back.advance_received == Decimal("885.00")
    assert stored.gross == Decimal("885.00")
    assert [(line.name, line.quantity, line.unit_price) for line in back.lines] == [
        ("Regał na zamówienie", Decimal(10), Decimal("100.00")),
        ("Montaż", Decimal(1), Decimal("500.00")),
    ]


def test_advance_amount_messages_keep_issue_disabled(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    form.kind.setCurrentIndex(form.kind.findData(InvoiceKind.ZAL.value))
    type_polish_buyer(form)
    fill_line(qtbot, form, "Regał na zamówienie", "10", "100,00", "23%")  # 1 230.00 gross
    label = form.labels["advance_received"]
    assert "Podaj kwotę otrzymanej zaliczki" in label.text()
    assert not dialog.issue_button.isEnabled()
    QTest.keyClicks(form.advance, "1230,01")
    assert "większa niż wartość całego zamówienia" in label.text()
    assert not dialog.issue_button.isEnabled()
    form.advance.clear()
    QTest.keyClicks(form.advance, "1230,00")
    assert label.text() == ""
    assert dialog.issue_button.isEnabled()
    assert form.totals.gross_text == fmt_money(Decimal("1230.00"), "PLN")
    # Back to a plain VAT invoice: the advance field is off and no longer counts.
    form.kind.setCurrentIndex(form.kind.findData(InvoiceKind.VAT.value))
    assert not form.advance.isEnabled()
    assert form.invoice().advance_received is None
    assert dialog.issue_button.isEnabled()
