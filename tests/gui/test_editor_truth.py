"""The editor's messages tell the truth, and the EU cases are offered by name (issue 15,
items 7 and 8). Everything is typed into the real widgets; the issued XML is read back."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox

from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.domain.transaction import TransactionType
from ksef_desktop.fa3.schema import FA3_NAMESPACE
from ksef_desktop.fa3.validate import validate
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.ui.editor import EditorDialog
from ksef_desktop.ui.editor_lines import PRICE, QUANTITY, RATE
from tests.gui.panels_support import NOW, fill_line, type_cell, type_polish_buyer, type_text
from tests.unit.test_store_support import PID, open_profiled, sample_profile

pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)
NS = {"f": FA3_NAMESPACE}


@pytest.fixture
def store(tmp_path, runner):
    s = open_profiled(tmp_path / "data")
    yield s
    assert runner.stop()  # no job of the worker may use the store closed under it
    s.close()


def _editor(qtbot, runner, store) -> EditorDialog:
    dialog = EditorDialog(
        runner, lambda: store, sample_profile(store), lambda: NOW, lambda day: (None, None),
        lambda: "http://127.0.0.1/qr", undo_seconds=30,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready)
    return dialog


def choose(combo: QComboBox, data: str) -> None:
    """Pick the entry with ``data`` by keyboard, as a person would."""
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Home)
    while combo.currentData() != data:
        before = combo.currentIndex()
        QTest.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before, f"no entry {data!r}"


def type_german_buyer(form) -> None:
    buyer = form.buyer
    choose(buyer.kind, "eu")
    buyer.country.clear()
    QTest.keyClicks(buyer.country, "DE")
    QTest.keyClicks(buyer.identifier, "136695976")
    type_text(buyer.name, "Müller Beratung GmbH")
    QTest.keyClicks(buyer.line1, "Hauptstrasse 5")
    QTest.keyClicks(buyer.line2, "10115 Berlin")


def test_an_empty_nip_is_called_missing_and_the_placeholder_is_nobodys(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    buyer = dialog.form.buyer
    seller_nip = sample_profile(store).nip
    assert buyer.kind.currentData() == "pl"
    placeholder = buyer.identifier.placeholderText()
    assert placeholder
    assert seller_nip not in placeholder.replace("-", "")
    label = buyer.problems["buyer.tax_id"]
    assert label.text() == "Brak NIP nabywcy."
    assert "cyfra kontrolna" not in label.text()
    QTest.keyClicks(buyer.identifier, "1234567890")
    assert "cyfra kontrolna" in label.text()


def test_words_and_bad_numbers_in_cells_are_not_numbers(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    type_polish_buyer(form)
    fill_line(qtbot, form, "Usługa", "1", "100", "23%")
    assert form.valid
    type_cell(qtbot, form.table, 0, QUANTITY, "dwa")
    assert form.lines.problem_at(0, QUANTITY) == "„dwa” to nie jest liczba."
    type_cell(qtbot, form.table, 0, QUANTITY, "2")
    type_cell(qtbot, form.table, 0, PRICE, "1,2,3")
    assert form.lines.problem_at(0, PRICE) == "„1,2,3” to nie jest liczba."
    assert "ujemna" not in form.labels["lines"].text()
    assert not dialog.issue_button.isEnabled()


def test_an_unknown_currency_is_refused_as_it_is_typed(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    type_polish_buyer(form)
    fill_line(qtbot, form, "Usługa", "1", "100", "23%")
    QTest.keyClicks(form.exchange_rate, "4,25")  # (disabled in PLN: nothing typed)
    form.currency.setFocus()
    currency = form.currency.lineEdit()
    assert currency is not None
    currency.selectAll()
    QTest.keyClicks(currency, "XYZ")
    QTest.keyClicks(form.exchange_rate, "4,25")
    message = form.labels["currency"].text()
    assert message.startswith("XYZ to nie jest kod waluty (ISO 4217)")
    assert form.labels["currency"].isVisible()
    assert not dialog.issue_button.isEnabled()
    currency.selectAll()
    QTest.keyClicks(currency, "JPY")
    assert not form.labels["currency"].text()
    assert form.valid, [p.text() for p in form.problems]


def test_the_rate_date_is_the_last_business_day_before_the_sale(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    # NOW is Friday 20.11.2026: the rate of Thursday, not of the day itself.
    assert form.exchange_rate_date.date() == QDate(2026, 11, 19)
    form.sale.day.setDate(QDate(2026, 11, 16))  # a Monday: Friday's rate, never Sunday's
    assert form.exchange_rate_date.date() == QDate(2026, 11, 13)
    form.sale.day.setDate(QDate(2026, 11, 12))  # after 11 November (a holiday)
    assert form.exchange_rate_date.date() == QDate(2026, 11, 10)
    form.exchange_rate_date.setDate(QDate(2026, 11, 9))  # the user's own choice stays
    form.sale.day.setDate(QDate(2026, 11, 18))
    assert form.exchange_rate_date.date() == QDate(2026, 11, 9)


def test_services_to_a_german_business_are_offered_by_name(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    fill_line(qtbot, form, "Software consulting", "12", "95", "23%", unit="h")
    choose(form.sale_type, TransactionType.EU_SERVICES.value)
    assert form.lines.row(0).rate is VatRate.NP_II
    assert form.buyer.kind.currentData() == "eu"  # the buyer it needs
    assert "odwrotne obciążenie" in form.sale_type_note.text()
    type_german_buyer(form)
    assert form.valid, [p.text() for p in form.problems]
    fill_line(qtbot, form, "Training", "1", "500", "np II", unit="h")  # new lines: np II
    assert form.lines.row(1).rate is VatRate.NP_II
    dialog.issue()
    qtbot.waitUntil(lambda: dialog.issued is not None, timeout=15_000)
    assert dialog.issued is not None
    xml = get_invoice(store.db.connection(), dialog.issued.invoice.id, profile_id=PID).xml
    assert xml is not None
    assert validate(xml, today=date(2026, 11, 20)) == []
    fa = etree.fromstring(xml).find("f:Fa", NS)
    assert fa is not None
    assert fa.findtext("f:Adnotacje/f:P_18", namespaces=NS) == "1"
    assert fa.findtext("f:P_13_9", namespaces=NS) == "1640.00"
    dialog.undo()


def test_wdt_and_the_domestic_reverse_charge(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    type_german_buyer(form)
    fill_line(qtbot, form, "Pompa ciepła", "1", "20000", "23%")
    choose(form.sale_type, TransactionType.DOMESTIC_REVERSE_CHARGE.value)
    assert form.lines.row(0).rate is VatRate.OO
    assert form.buyer.kind.currentData() == "pl"  # switched: oo is for a Polish buyer
    choose(form.buyer.kind, "eu")  # a German buyer anyway: told where to go instead
    text = form.lines.problem_at(0, RATE)
    assert "polskim NIP" in text
    assert "np II" in text
    assert "WDT" in text
    choose(form.sale_type, TransactionType.WDT.value)
    assert form.lines.row(0).rate is VatRate.R0_WDT
    assert form.valid, [p.text() for p in form.problems]
    choose(form.sale_type, TransactionType.DOMESTIC.value)
    assert form.lines.row(0).rate is VatRate.R23
