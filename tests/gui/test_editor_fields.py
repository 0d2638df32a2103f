"""The editor's paid flag, bank name, sale period and discounts in per cent, typed in.

Everything is typed into the real widgets; what the editor issues is read back from the
store (the frozen FA(3) XML) and validated like a file KSeF would receive.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QDateTimeEdit, QGroupBox, QLabel, QWidget

from ksef_desktop import i18n
from ksef_desktop.domain.invoice import Line, Payment, VatRate
from ksef_desktop.fa3.schema import FA3_NAMESPACE
from ksef_desktop.fa3.validate import validate
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.ui.editor import EditorDialog
from ksef_desktop.ui.editor_lines import DISCOUNT, PRICE, QUANTITY, LinesModel
from ksef_desktop.ui.editor_payment import SALE_NONE, SALE_PERIOD
from tests.gui.panels_support import NOW, fill_line, type_polish_buyer, type_text
from tests.unit.test_store_support import PID, open_profiled, sample_profile

pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)

TODAY = date(2026, 11, 20)  # NOW in Warsaw
NS = {"f": FA3_NAMESPACE}
ACCOUNT = "PL61109010140000071219812874"


@pytest.fixture
def store(tmp_path, runner):
    s = open_profiled(tmp_path / "data")
    yield s
    assert runner.stop()  # no job of the worker may use the store closed under it
    s.close()


def _editor(qtbot, runner, store, draft_id: int | None = None) -> EditorDialog:
    dialog = EditorDialog(
        runner, lambda: store, sample_profile(store), lambda: NOW, lambda day: (None, None),
        lambda: "http://127.0.0.1/qr", draft_id=draft_id, undo_seconds=30,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready)
    return dialog


def type_date(edit: QDateTimeEdit, digits: str) -> None:
    """Type a date as ddMMyyyy digits, from the day section on (sections advance)."""
    edit.setSelectedSection(QDateTimeEdit.Section.DaySection)
    QTest.keyClicks(edit, digits)


def type_discount(qtbot, form, row: int, text: str, shown: str) -> None:
    """Type ``text`` into the discount cell; the cell then holds ``shown``."""
    table = form.table
    table.setFocus()
    table.setCurrentIndex(form.lines.index(row, DISCOUNT))
    table.edit(table.currentIndex())
    editor = table.focusWidget()
    QTest.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(editor, text)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.lines.index(row, DISCOUNT).data() == shown)


def _fill(qtbot, form) -> None:
    """An invoice for a month of services, paid by card at issue, 10% off."""
    type_polish_buyer(form)
    fill_line(qtbot, form, "Abonament serwisowy", "3", "41,17", "23%", unit="mies.")
    type_discount(qtbot, form, 0, "10%", "12,35")  # 3 × 41,17 × 10% = 12,351
    form.sale.mode.setFocus()
    QTest.keyClick(form.sale.mode, Qt.Key.Key_Down)
    assert form.sale.selected() == SALE_PERIOD
    type_date(form.sale.start, "01112026")
    type_date(form.sale.end, "30112026")
    QTest.keyClick(form.paid, Qt.Key.Key_Space)
    type_text(form.bank_account, "PL61 1090 1014 0000 0712 1981 2874")
    type_text(form.bank_name, "mBank S.A.")


def test_typed_fields_reach_the_issued_xml(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    _fill(qtbot, form)
    assert form.valid, [p.text() for p in form.problems]
    invoice = form.invoice()
    assert invoice.sale_period == (date(2026, 11, 1), date(2026, 11, 30))
    assert invoice.sale_date is None
    assert invoice.payment == Payment(
        bank_account=ACCOUNT, bank_name="mBank S.A.", paid=True, paid_date=TODAY
    )
    assert invoice.lines[0].discount == Decimal("12.35")
    assert form.totals.gross_text == "136,73 zł"  # 111,16 + 23% (25,57)

    assert dialog.issue_button.isEnabled()
    dialog.issue()
    qtbot.waitUntil(lambda: dialog.issued is not None, timeout=15_000)
    assert dialog.issued is not None
    xml = get_invoice(store.db.connection(), dialog.issued.invoice.id, profile_id=PID).xml
    assert xml is not None
    assert validate(xml, today=TODAY) == []
    fa = etree.fromstring(xml).find("f:Fa", NS)
    assert fa is not None
    assert fa.findtext("f:OkresFa/f:P_6_Od", namespaces=NS) == "2026-11-01"
    assert fa.findtext("f:OkresFa/f:P_6_Do", namespaces=NS) == "2026-11-30"
    assert fa.find("f:P_6", NS) is None
    assert fa.findtext("f:FaWiersz/f:P_10", namespaces=NS) == "12.35"
    assert fa.findtext("f:FaWiersz/f:P_11", namespaces=NS) == "111.16"
    assert fa.findtext("f:Platnosc/f:Zaplacono", namespaces=NS) == "1"
    assert fa.findtext("f:Platnosc/f:DataZaplaty", namespaces=NS) == "2026-11-20"
    assert fa.findtext("f:Platnosc/f:RachunekBankowy/f:NrRB", namespaces=NS) == ACCOUNT
    assert fa.findtext("f:Platnosc/f:RachunekBankowy/f:NazwaBanku", namespaces=NS) == "mBank S.A."


def test_a_draft_with_the_fields_opens_with_them_again(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    _fill(qtbot, form)
    type_date(form.paid_date, "18112026")  # paid two days before the invoice was issued
    QTest.keyClick(form.has_due_date, Qt.Key.Key_Space)  # and a due date beside it
    type_date(form.due_date, "04122026")
    assert form.valid, [p.text() for p in form.problems]
    typed = form.invoice()
    assert typed.payment is not None
    assert typed.payment.paid_date == date(2026, 11, 18)
    stored: list[int] = []
    dialog.stored.connect(stored.append)
    QTest.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(stored) == 1)

    again = _editor(qtbot, runner, store, draft_id=stored[0])
    shown = again.form
    assert shown.invoice() == typed
    assert shown.sale.selected() == SALE_PERIOD
    assert shown.sale.start.isVisibleTo(shown)
    assert not shown.sale.day.isVisibleTo(shown)
    assert shown.sale.start.text() == "01.11.2026"
    assert shown.sale.end.text() == "30.11.2026"
    assert shown.paid.isChecked()
    assert shown.paid_date.isEnabled()
    assert shown.paid_date.text() == "18.11.2026"
    assert shown.due_date.text() == "04.12.2026"
    assert shown.bank_name.text() == "mBank S.A."
    assert shown.lines.index(0, DISCOUNT).data() == "12,35"
    assert again.issue_button.isEnabled()


def _messages(form, field: str) -> str:
    label = form.labels[field]
    return label.text() if label.isVisibleTo(form) else ""


def test_bad_combinations_are_explained_in_polish_and_block_issuing(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    _fill(qtbot, form)
    assert dialog.issue_button.isEnabled()

    type_date(form.paid_date, "21112026")  # paid after the issue date
    assert "nie może być późniejsza" in _messages(form, "payment.paid_date")
    assert not dialog.issue_button.isEnabled()
    type_date(form.paid_date, "20112026")
    assert not _messages(form, "payment.paid_date")
    assert dialog.issue_button.isEnabled()

    form.bank_account.clear()  # a bank name alone
    assert _messages(form, "payment.bank_name") == "Nazwa banku wymaga numeru rachunku."
    assert not dialog.issue_button.isEnabled()
    type_text(form.bank_account, ACCOUNT)
    assert not _messages(form, "payment.bank_name")

    type_date(form.sale.end, "31102026")  # the period ends before it starts
    assert _messages(form, "sale_period") == "Okres kończy się przed swoim początkiem."
    assert not dialog.issue_button.isEnabled()
    type_date(form.sale.end, "30112026")
    assert dialog.issue_button.isEnabled()

    for text, polish in (
        ("120%", "Rabat procentowy to liczba od 0 do 100"),
        ("-5%", "Rabat procentowy to liczba od 0 do 100"),
        ("abc%", "Rabat procentowy to liczba od 0 do 100"),
        ("abc", "Rabat to kwota (np. 12,50) albo procent"),
    ):
        type_discount(qtbot, form, 0, text, text)
        assert form.lines.problem_at(0, DISCOUNT).startswith(polish), text
        assert "Wiersz 1: " + polish in form.labels["lines"].text()
        assert not dialog.issue_button.isEnabled()
        assert form.invoice().lines[0].discount == 0
    type_discount(qtbot, form, 0, "10,5 %", "12,97")
    assert form.valid, [p.text() for p in form.problems]
    assert dialog.issue_button.isEnabled()


def test_the_payment_date_follows_the_issue_date_until_changed(qtbot, runner, store):
    form = _editor(qtbot, runner, store).form
    assert not form.paid_date.isEnabled()
    QTest.keyClick(form.paid, Qt.Key.Key_Space)
    assert form.paid_date.isEnabled()
    assert form.paid_date.text() == "20.11.2026"
    type_date(form.issue_date, "19112026")
    assert form.paid_date.text() == "19.11.2026"
    type_date(form.paid_date, "17112026")
    type_date(form.issue_date, "18112026")
    assert form.paid_date.text() == "17.11.2026"


def test_no_sale_date_at_all_and_back(qtbot, runner, store):
    form = _editor(qtbot, runner, store).form
    assert form.invoice().sale_date == TODAY
    form.sale.mode.setFocus()
    QTest.keyClick(form.sale.mode, Qt.Key.Key_End)
    assert form.sale.selected() == SALE_NONE
    invoice = form.invoice()
    assert (invoice.sale_date, invoice.sale_period) == (None, None)
    QTest.keyClick(form.sale.mode, Qt.Key.Key_Home)
    assert form.invoice().sale_date == TODAY


def test_a_percentage_typed_before_the_price_waits_for_it(qtbot, runner, store):
    form = _editor(qtbot, runner, store).form
    type_polish_buyer(form)
    fill_line(qtbot, form, "Konsultacja", "2", "", "23%")
    tip = form.lines.headerData(DISCOUNT, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert tip == "Kwota albo procent wartości pozycji, np. 10% lub 10,5%."
    type_discount(qtbot, form, 0, "25%", "25%")
    assert form.lines.problem_at(0, DISCOUNT).startswith("Najpierw wpisz ilość i cenę")
    assert form.lines.setData(form.lines.index(0, PRICE), "100,10")
    assert form.lines.index(0, DISCOUNT).data() == "50,05"  # 200,20 × 25%
    assert not form.lines.problem_at(0, DISCOUNT)
    assert form.valid, [p.text() for p in form.problems]


def _mnemonics(root: QWidget) -> list[str]:
    texts = [w.text() for w in root.findChildren(QLabel)]
    texts += [w.text() for w in root.findChildren(QAbstractButton)]
    texts += [w.title() for w in root.findChildren(QGroupBox)]
    found = []
    for text in texts:
        match = re.search(r"(?<!&)&([^&\s])", text)
        if match:
            found.append(match.group(1).lower())
    return found


@pytest.fixture(params=["pl", "en"])
def lang(request):
    before = i18n.current_language()
    i18n.set_language(request.param)
    yield request.param
    i18n.set_language(before)


def test_the_new_fields_have_their_own_accelerators(qtbot, runner, store, lang):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    mnemonics = _mnemonics(dialog)
    paid_match = re.search(r"&(.)", form.paid.text())
    bank_match = re.search(r"&(.)", form.pay.bank_name_label.text())
    assert paid_match is not None
    assert bank_match is not None
    paid, bank_key = paid_match.group(1).lower(), bank_match.group(1).lower()
    assert mnemonics.count(paid) == 1, (paid, mnemonics)
    assert mnemonics.count(bank_key) == 1, (bank_key, mnemonics)
    if lang == "pl":
        assert form.paid.text() == "Zapła&cono:"
    # The accelerator of "paid" ticks it; the bank name's label puts the cursor there.
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    form.bank_account.setFocus()
    QTest.keyClick(dialog, getattr(Qt.Key, f"Key_{paid.upper()}"), Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(form.paid.isChecked)
    QTest.keyClick(
        dialog, getattr(Qt.Key, f"Key_{bank_key.upper()}"), Qt.KeyboardModifier.AltModifier
    )
    qtbot.waitUntil(form.bank_name.hasFocus)
    # "Sale &date:" / "Data &sprzedaży:" (the D of "&Dodaj pozycję" in Polish)
    sale_key = Qt.Key.Key_D if lang == "en" else Qt.Key.Key_S
    QTest.keyClick(dialog, sale_key, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(form.sale.mode.hasFocus)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(max_size=20) | st.from_regex(r"-?[0-9]{0,4}([,.][0-9]{0,6})? ?%", fullmatch=True),
    quantity=st.sampled_from(["1", "2,5", "", "x", "1e30"]),
    price=st.sampled_from(["99,99", "0", "", "abc", "1e30"]),
)
def test_any_discount_text_gives_an_amount_or_a_cell_message(qapp, text, quantity, price):
    model = LinesModel()
    model.set_lines([Line("A", VatRate.R23, Decimal(1), Decimal(1))])
    model.setData(model.index(0, QUANTITY), quantity)
    model.setData(model.index(0, PRICE), price)
    assert model.setData(model.index(0, DISCOUNT), text)
    problems = [p for p in model.input_problems() if p.field == "lines[0].discount"]
    line = model.lines()[0]
    assert line.discount.is_finite()
    if problems:
        assert line.discount == 0
        assert all(p.text("pl") != p.text("en") for p in problems)
    for column in range(model.columnCount()):  # every cell can be shown, absurd or not
        assert isinstance(model.index(0, column).data(), str)
    shown = model.index(0, DISCOUNT).data()
    if text.strip().endswith("%") and not problems:
        # A percentage is replaced by its amount: exactly what the line then carries.
        assert shown == ("" if line.discount == 0 else f"{line.discount:.2f}".replace(".", ","))
