"""Messages that tell the truth, and the EU cases by name (issue 15, items 7 and 8).

What each kind of sale puts into FA(3) is read back from the built XML and validated
against the official schema; the law behind each is in ``domain/transaction.py``.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from lxml import etree

from ksef_desktop.domain.checks import check_invoice, typed_number
from ksef_desktop.domain.invoice import Address, EuVatNumber, Line, OtherTaxId, PolishNip, VatRate
from ksef_desktop.domain.transaction import RULES, TransactionType, type_of
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.schema import FA3_NAMESPACE, fa3_schema
from tests.unit.test_checks import BUYER, TODAY, base

NS = {"f": FA3_NAMESPACE}
GERMAN = replace(
    BUYER, tax_id=EuVatNumber("DE", "136695976"), address=Address("DE", "Hauptstraße 1")
)
AMERICAN = replace(BUYER, tax_id=OtherTaxId("12-3456789", "US"), address=Address("US", "Main 1"))


def texts(invoice, lang: str = "en") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in check_invoice(invoice, today=TODAY):
        out.setdefault(p.field, []).append(p.text(lang))
    return out


def one_line(rate: VatRate, buyer=BUYER):
    return base(buyer=buyer, lines=(Line("Usługa", rate, Decimal(2), Decimal("100.00")),))


def xml(invoice) -> etree._Element:
    root = etree.fromstring(build(invoice))
    assert fa3_schema().validate(root), fa3_schema().error_log
    return root


# --- item 7: the message says what is wrong ---------------------------------------------------


def test_an_empty_nip_is_missing_not_wrong() -> None:
    found = texts(base(buyer=replace(BUYER, tax_id=PolishNip(""))))
    assert found["buyer.tax_id"] == ["The buyer's NIP is missing."]
    polish = texts(base(buyer=replace(BUYER, tax_id=PolishNip(""))), "pl")["buyer.tax_id"]
    assert polish == ["Brak NIP nabywcy."]
    assert (
        "check digit"
        in texts(base(buyer=replace(BUYER, tax_id=PolishNip("1234567890"))))["buyer.tax_id"][0]
    )


@pytest.mark.parametrize("text", ["dwa", "1,2,3", "1.2.3", "12zł", "--1"])
def test_text_that_is_no_number_is_called_so(text: str) -> None:
    problem = typed_number("lines[0].quantity", text)
    assert problem is not None
    assert problem.text("en") == f"“{text}” is not a number."
    assert problem.text("pl") == f"„{text}” to nie jest liczba."


@pytest.mark.parametrize("text", ["", "  ", "2", "1 234,56", "-3", "0,5"])
def test_numbers_and_empty_fields_are_no_typing_problem(text: str) -> None:
    assert typed_number("lines[0].unit_price", text) is None


def test_a_missing_quantity_or_price_is_asked_for() -> None:
    invoice = base(lines=(Line("Usługa", VatRate.R23, None, None),))
    found = texts(invoice)
    assert found["lines[0].quantity"] == ["Enter the quantity."]
    assert found["lines[0].unit_price"] == ["Enter the unit price."]
    negative = texts(base(lines=(Line("Usługa", VatRate.R23, Decimal(1), Decimal(-1)),)), "pl")
    assert negative["lines[0].unit_price"] == ["Cena nie może być ujemna."]


def test_an_unknown_currency_is_refused_by_name() -> None:
    invoice = base(currency="XYZ", exchange_rate=Decimal("4.1"), exchange_rate_date=TODAY)
    (message,) = texts(invoice)["currency"]
    assert message.startswith("XYZ is not a currency code (ISO 4217)")
    assert "currency" not in texts(replace(invoice, currency="JPY"))


# --- item 8: the EU cases ----------------------------------------------------------------------


def test_services_to_an_eu_business_say_reverse_charge_in_p18() -> None:
    invoice = one_line(VatRate.NP_II, GERMAN)
    assert check_invoice(invoice, today=TODAY) == []
    root = xml(invoice)
    assert root.findtext(".//f:Adnotacje/f:P_18", namespaces=NS) == "1"
    assert root.findtext(".//f:P_13_9", namespaces=NS) == "200.00"
    assert root.findtext(".//f:FaWiersz/f:P_12", namespaces=NS) == "np II"
    assert root.findtext(".//f:Podmiot2/f:DaneIdentyfikacyjne/f:KodUE", namespaces=NS) == "DE"


def test_np_ii_needs_an_eu_vat_number() -> None:
    for buyer in (BUYER, AMERICAN):
        (message,) = texts(one_line(VatRate.NP_II, buyer))["lines[0].rate"]
        assert "EU VAT number" in message


def test_wdt_is_zero_rated_without_reverse_charge() -> None:
    invoice = one_line(VatRate.R0_WDT, GERMAN)
    assert check_invoice(invoice, today=TODAY) == []
    root = xml(invoice)
    assert root.findtext(".//f:Adnotacje/f:P_18", namespaces=NS) == "2"
    assert root.findtext(".//f:P_13_6_2", namespaces=NS) == "200.00"


def test_domestic_reverse_charge_is_for_a_polish_buyer_and_points_elsewhere() -> None:
    invoice = one_line(VatRate.OO, BUYER)
    assert check_invoice(invoice, today=TODAY) == []
    root = xml(invoice)
    assert root.findtext(".//f:Adnotacje/f:P_18", namespaces=NS) == "1"
    assert root.findtext(".//f:P_13_10", namespaces=NS) == "200.00"
    (message,) = texts(one_line(VatRate.OO, GERMAN))["lines[0].rate"]
    assert "Polish NIP" in message
    assert "np II" in message
    assert "WDT" in message


def test_a_plain_domestic_invoice_has_no_reverse_charge() -> None:
    root = xml(one_line(VatRate.R23))
    assert root.findtext(".//f:Adnotacje/f:P_18", namespaces=NS) == "2"


def test_the_type_of_an_invoice_follows_its_rates() -> None:
    assert type_of([VatRate.NP_II, VatRate.NP_II]) is TransactionType.EU_SERVICES
    assert type_of([VatRate.R0_WDT]) is TransactionType.WDT
    assert type_of([VatRate.R0_EX]) is TransactionType.EXPORT
    assert type_of([VatRate.OO]) is TransactionType.DOMESTIC_REVERSE_CHARGE
    assert type_of([VatRate.R23, VatRate.NP_II]) is TransactionType.DOMESTIC
    assert type_of([]) is TransactionType.DOMESTIC
    for kind, rule in RULES.items():
        if kind is not TransactionType.DOMESTIC:
            assert type_of([rule.default_rate]) is kind


# --- item 7: the exchange rate's day ------------------------------------------------------------


def test_the_rate_is_the_last_business_day_before_the_tax_point() -> None:
    from datetime import date, timedelta

    from ksef_desktop.domain.calendar import is_business_day
    from ksef_desktop.domain.exchange import rate_day, tax_point_of

    assert rate_day(date(2026, 11, 16)) == date(2026, 11, 13)  # Monday -> Friday
    assert rate_day(date(2026, 11, 12)) == date(2026, 11, 10)  # after 11 November
    assert rate_day(date(2027, 1, 7)) == date(2027, 1, 5)  # 6 January, Epiphany
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):  # never a weekend or a holiday, always before
        chosen = rate_day(day)
        assert is_business_day(chosen), day
        assert chosen < day, day
        day += timedelta(days=1)
    issued = date(2026, 11, 20)
    assert tax_point_of(issued, date(2026, 11, 18), None) == date(2026, 11, 18)
    assert tax_point_of(issued, None, (date(2026, 10, 1), date(2026, 10, 31))) == date(2026, 10, 31)
    assert tax_point_of(issued, None, None) == issued
