"""The Purchases tab's "VAT deduction…" (issue 19), driven like a user: Ctrl+Shift+V on a
received invoice opens the dialog showing its current choice (other purchases, 100 %, the
month of receipt); the user picks "fixed asset", types 50 and the next month, presses OK;
the worker keeps it, the list shows it, and the dialog shows it the next time. A share
over 100 % keeps the dialog open with the reason. Two invoices with different choices
start as "(unchanged)" ("(bez zmian)") where they differ, and only what is set changes for both.
For an invoice under reverse charge the user picks the kind (K_31) and types the rate: a
rate that is not Polish keeps the dialog open with the reason; "— none —" clears it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QMenu

from ksef_desktop import i18n
from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.store import Store
from ksef_desktop.store.purchase_deductions import StoredDeduction, deductions_of
from ksef_desktop.store.purchases import ReceivedInvoice, add_purchase
from ksef_desktop.ui.purchase_deduction_dialog import DeductionDialog
from ksef_desktop.ui.purchases_model import DEDUCTION
from ksef_desktop.ui.purchases_panel import PurchasesPanel
from tests.unit.jpk_support import SUPPLIER_NIP, line, purchase_fa3
from tests.unit.test_store_support import PID, Clock, make_store, sample_profile


def _buy(store: Store, number: str, serial: int, day: date, rate: VatRate = VatRate.R23) -> int:
    ksef = make_ksef_number(SUPPLIER_NIP, day, f"{serial:012X}")
    xml = purchase_fa3(line(rate, "100.00"), number=number, issue_date=day)
    moment = datetime.combine(day, datetime.min.time(), UTC)
    received = ReceivedInvoice(
        ksef_number=ksef, seller_nip=SUPPLIER_NIP, seller_name="Dostawca S.A.", number=number,
        kind="VAT", issue_date=day, acquired_at=moment, stored_at=moment,
        net=Decimal("100.00"), vat=Decimal("23.00"), gross=Decimal("123.00"), currency="PLN",
        xml=xml,
    )  # fmt: skip
    with store.db.transaction() as conn:
        made = add_purchase(conn, store.archive, received, profile_id=PID, now=moment)
    assert made is not None
    return made


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = make_store(tmp_path)
    yield made
    made.close()


def _panel(qtbot, runner, store: Store) -> PurchasesPanel:
    profile = sample_profile(store)
    clock = Clock(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    panel = PurchasesPanel(
        runner, lambda: store, lambda: profile, lambda: None, clock, lambda: "http://127.0.0.1:9"
    )
    qtbot.addWidget(panel)
    panel.show()
    panel.model.reload()
    return panel


def _dialog(panel: PurchasesPanel) -> DeductionDialog:
    (dialog,) = [d for d in panel.dialogs if isinstance(d, DeductionDialog)]
    return dialog


def _ok(qtbot, dialog: DeductionDialog) -> None:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    qtbot.mouseClick(box.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def _row_of(panel: PurchasesPanel, purchase_id: int) -> int:
    return next(r for r in range(panel.model.rowCount()) if panel.model.row_at(r).id == purchase_id)


def _label(panel: PurchasesPanel, purchase_id: int) -> str | None:
    """The list's VAT deduction cell of the invoice (None: not loaded at the moment)."""
    rows = [r for r in range(panel.model.rowCount()) if panel.model.row_at(r).id == purchase_id]
    return panel.model.index(rows[0], DEDUCTION).data() if rows else None


def test_the_deduction_dialog_shows_keeps_and_refuses(
    qtbot, runner, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    i18n.set_language("pl")  # the user's language, as the program starts by default
    car = _buy(store, "CAR/1", 1, date(2026, 3, 5))
    desk = _buy(store, "DESK/1", 2, date(2026, 3, 9))
    panel = _panel(qtbot, runner, store)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)

    # The action is in the context menu of the list (the offscreen platform cannot grab
    # the keyboard for a real popup: the menu is caught as it would pop up).
    menus: list[QMenu] = []
    monkeypatch.setattr(QMenu, "popup", lambda menu, *_args: menus.append(menu))
    panel._context_menu(panel.table.rect().center())
    (menu,) = menus
    assert panel.deduction_action in menu.actions()

    panel.table.setFocus()
    qtbot.waitUntil(panel.table.hasFocus)
    panel.table.selectRow(_row_of(panel, car))
    QTest.keyClick(
        panel.table, Qt.Key.Key_V,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )  # fmt: skip
    qtbot.waitUntil(lambda: any(isinstance(d, DeductionDialog) for d in panel.dialogs))
    dialog = _dialog(panel)
    assert dialog.isVisible()
    assert dialog.category.currentData() == "other"
    assert dialog.share.text() == "100"
    assert dialog.month.currentText() == "2026-03 (miesiąc otrzymania)"
    assert dialog.month.count() == 4  # the month of receipt and the three after it

    dialog.category.setCurrentIndex(dialog.category.findData("fixed-assets"))
    dialog.share.selectAll()
    QTest.keyClicks(dialog.share, "150")
    _ok(qtbot, dialog)
    assert dialog.isVisible()  # refused at once, nothing kept
    assert dialog.problem.isVisible()
    assert "100 %" in dialog.problem.text()
    assert deductions_of(store.db.connection(), [car, desk], profile_id=PID) == {}

    dialog.share.selectAll()
    QTest.keyClicks(dialog.share, "50")
    dialog.month.setCurrentIndex(dialog.month.findText("2026-04"))
    with qtbot.waitSignal(panel.deduction_chosen, timeout=10_000) as chosen:
        _ok(qtbot, dialog)
    assert [d.purchase_id for d in chosen.args[0]] == [car]
    assert deductions_of(store.db.connection(), [car, desk], profile_id=PID) == {
        car: StoredDeduction("fixed-assets", Decimal("0.5"), "2026-04")
    }
    qtbot.waitUntil(lambda: not panel.dialogs)
    qtbot.waitUntil(lambda: _label(panel, car) == "środek trwały · 50 % · 2026-04", timeout=10_000)
    assert _label(panel, desk) == ""  # the defaults: nothing to say

    # Opened again: the choice as kept.
    panel.table.selectRow(_row_of(panel, car))
    again = panel.deduction()
    assert again is not None
    assert (again.category.currentData(), again.share.text()) == ("fixed-assets", "50")
    assert again.month.currentText() == "2026-04"
    again.reject()
    qtbot.waitUntil(lambda: not panel.dialogs)

    # Both invoices: what differs starts "(bez zmian)"; only the share is set.
    panel.table.selectAll()
    qtbot.mouseClick(panel.deduction_button, Qt.MouseButton.LeftButton)
    both = _dialog(panel)
    assert both.category.currentText() == "(bez zmian)"
    assert both.month.currentText() == "(bez zmian)"
    assert both.share.text() == ""
    assert both.share.placeholderText() == "(bez zmian)"
    QTest.keyClicks(both.share, "0")
    with qtbot.waitSignal(panel.deduction_chosen, timeout=10_000):
        _ok(qtbot, both)
    assert deductions_of(store.db.connection(), [car, desk], profile_id=PID) == {
        car: StoredDeduction("fixed-assets", Decimal(0), "2026-04"),
        desk: StoredDeduction("other", Decimal(0), None),
    }


def test_invoices_of_different_months_move_by_months_after_their_receipt(
    qtbot, runner, store: Store
) -> None:
    """March's and April's invoices together: the months are offered relative to each
    one's receipt, and "1 month after" gives each its own next month."""
    i18n.set_language("en")
    march = _buy(store, "M/1", 1, date(2026, 3, 5))
    april = _buy(store, "A/1", 2, date(2026, 4, 2))
    panel = _panel(qtbot, runner, store)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)
    panel.table.selectAll()
    dialog = panel.deduction()
    assert dialog is not None
    assert [dialog.month.itemText(i) for i in range(dialog.month.count())] == [
        "The month of receipt",
        "1 month after the month of receipt",
        "2 months after the month of receipt",
        "3 months after the month of receipt",
    ]
    assert dialog.category.currentText() == "Other purchases (K_42/K_43)"
    assert dialog.share.text() == "100"
    dialog.month.setCurrentIndex(1)
    with qtbot.waitSignal(panel.deduction_chosen, timeout=10_000) as chosen:
        _ok(qtbot, dialog)
    assert sorted((d.purchase_id, d.month) for d in chosen.args[0]) == [
        (march, date(2026, 4, 1)),
        (april, date(2026, 5, 1)),
    ]
    assert deductions_of(store.db.connection(), [march, april], profile_id=PID) == {
        march: StoredDeduction("other", Decimal(1), "2026-04"),
        april: StoredDeduction("other", Decimal(1), "2026-05"),
    }
    qtbot.waitUntil(lambda: _label(panel, april) == "other purchases · 100 % · 2026-05")


def test_the_reverse_charge_is_chosen_refused_and_cleared(qtbot, runner, store: Store) -> None:
    i18n.set_language("pl")
    oo = _buy(store, "OO/1", 1, date(2026, 3, 5), VatRate.OO)
    panel = _panel(qtbot, runner, store)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)
    panel.table.selectRow(_row_of(panel, oo))
    dialog = panel.deduction()
    assert dialog is not None
    assert dialog.reverse_kind.currentText() == "— brak —"
    assert not dialog.reverse_rate.isEnabled()
    kinds = [dialog.reverse_kind.itemData(i) for i in range(dialog.reverse_kind.count())]
    assert kinds == ["", "K_23", "K_25", "K_27", "K_29", "K_31"]

    dialog.reverse_kind.setCurrentIndex(dialog.reverse_kind.findData("K_31"))
    assert "K_31/K_32" in dialog.reverse_kind.currentText()
    assert dialog.reverse_rate.isEnabled()
    _ok(qtbot, dialog)  # a kind without its rate
    assert dialog.isVisible()
    assert "23, 8, 5" in dialog.problem.text()
    QTest.keyClicks(dialog.reverse_rate, "19")
    _ok(qtbot, dialog)
    assert dialog.isVisible()
    assert "19 %" in dialog.problem.text()
    assert "stawką" in dialog.problem.text()  # in Polish
    assert deductions_of(store.db.connection(), [oo], profile_id=PID) == {}

    dialog.reverse_rate.selectAll()
    QTest.keyClicks(dialog.reverse_rate, "23 %")
    with qtbot.waitSignal(panel.deduction_chosen, timeout=10_000):
        _ok(qtbot, dialog)
    assert deductions_of(store.db.connection(), [oo], profile_id=PID) == {
        oo: StoredDeduction("other", Decimal(1), None, "K_31", Decimal(23))
    }
    qtbot.waitUntil(lambda: not panel.dialogs)
    qtbot.waitUntil(
        lambda: _label(panel, oo) == "pozostałe nabycia · 100 % · K_31 23 %", timeout=10_000
    )

    panel.table.selectRow(_row_of(panel, oo))
    again = panel.deduction()
    assert again is not None
    assert (again.reverse_kind.currentData(), again.reverse_rate.text()) == ("K_31", "23")
    again.reverse_kind.setCurrentIndex(again.reverse_kind.findData(""))
    assert again.reverse_rate.text() == ""
    assert not again.reverse_rate.isEnabled()
    with qtbot.waitSignal(panel.deduction_chosen, timeout=10_000):
        _ok(qtbot, again)
    assert deductions_of(store.db.connection(), [oo], profile_id=PID) == {}  # the defaults
