"""The semantic rules case by case: what each accepts (both roundings the law allows,
both readings of P_10, KSeF 1.0 numbers, ...) and the variants the fixtures do not show."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ksef_desktop.domain.identifiers import ksef_number_checksum, make_ksef_number
from ksef_desktop.domain.invoice import (
    Address,
    Invoice,
    InvoiceKind,
    Line,
    NoTaxId,
    Party,
    PolishNip,
    VatRate,
)
from ksef_desktop.domain.totals import compute_totals
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.semantic import SemanticWarning, invoice_warnings, semantic_warnings
from ksef_desktop.fa3.semantic.timing import earliest_issue_date, latest_issue_date
from tests.conftest import OFFICIAL_SAMPLES

SAMPLES = OFFICIAL_SAMPLES[0].parent
#: A valid KSeF number of the samples' seller, for the placeholders with wrong check codes.
PLACEHOLDER = "9999999999-20230908-8BEF280C8D35-4D"
VALID_NUMBER = make_ksef_number("9999999999", date(2026, 2, 15), "0100001AF629")


def sample(name: str, *changes: tuple[str, str]) -> bytes:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode()


def codes(data: bytes) -> list[str]:
    return [w.code for w in semantic_warnings(data)]


def _invoice(lines: tuple[Line, ...], **kw: object) -> Invoice:
    seller = Party(PolishNip("5265877635"), "Sprzedawca", Address("PL", "ul. Prosta 1"))
    buyer = Party(PolishNip("1111111111"), "Nabywca", Address("PL", "ul. Krzywa 2"))
    base = Invoice(
        kind=InvoiceKind.VAT,
        number="FV/1/2026",
        issue_date=date(2026, 3, 2),
        seller=seller,
        buyer=buyer,
        lines=lines,
        created_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _with(data: bytes, *changes: tuple[str, str]) -> bytes:
    text = data.decode()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode()


# --- rounding --------------------------------------------------------------------------------


def _ten_small_lines() -> bytes:
    # Ten lines of 0.02 at 23 %: per line the tax is 0.00 each, per rate total 0.05.
    line = Line("drobiazg", VatRate.R23, Decimal(1), Decimal("0.02"))
    return build(_invoice((line,) * 10))


def test_the_tax_rounded_per_rate_total_is_accepted() -> None:
    data = _ten_small_lines()
    assert b"<P_14_1>0.05</P_14_1>" in data
    assert codes(data) == []


def test_the_tax_rounded_per_line_is_accepted() -> None:
    per_line = _with(
        _ten_small_lines(),
        ("<P_14_1>0.05</P_14_1>", "<P_14_1>0.00</P_14_1>"),
        ("<P_15>0.25</P_15>", "<P_15>0.20</P_15>"),
    )
    assert codes(per_line) == []


def test_a_tax_neither_rounding_gives_is_flagged() -> None:
    # 0.03 is neither 0.00 (per line) nor 0.05 (per rate total): one grosz matters.
    neither = _with(
        _ten_small_lines(),
        ("<P_14_1>0.05</P_14_1>", "<P_14_1>0.03</P_14_1>"),
        ("<P_15>0.25</P_15>", "<P_15>0.23</P_15>"),
    )
    assert codes(neither) == ["rate-vat"]


def test_gross_prices_use_the_gross_formula() -> None:
    line = Line("kawa", VatRate.R8, Decimal(3), Decimal("12.99"))
    data = build(_invoice((line,), prices_gross=True))
    assert b"<P_11A>38.97</P_11A>" in data
    assert codes(data) == []
    # 38.97 gross at 8 %: tax 2.89, net 36.08; the net formula (36.08 × 8 % = 2.89) agrees,
    # a wrong split between net and tax does not.
    wrong = _with(
        data,
        ("<P_13_2>36.08</P_13_2>", "<P_13_2>36.00</P_13_2>"),
        ("<P_14_2>2.89</P_14_2>", "<P_14_2>2.97</P_14_2>"),
    )
    assert codes(wrong) == ["rate-vat"]


def test_a_discount_is_read_per_line_or_per_unit() -> None:
    per_line = Line("usługa", VatRate.R23, Decimal(20), Decimal(1000), discount=Decimal(100))
    data = build(_invoice((per_line,)))
    assert b"<P_11>19900.00</P_11>" in data
    assert codes(data) == []
    # The official sample 4 takes P_10 per unit: 20 × (1000 − 100) = 18000.
    assert "line-value" not in codes(sample("FA_3_Przykład_4.xml"))
    neither = _with(data, ("<P_11>19900.00</P_11>", "<P_11>19000.00</P_11>"))
    assert "line-value" in codes(neither)


# --- markers ---------------------------------------------------------------------------------


def test_reverse_charge_next_to_taxed_lines_is_fine() -> None:
    lines = (
        Line("stal", VatRate.OO, Decimal(1), Decimal(100)),
        Line("transport", VatRate.R23, Decimal(1), Decimal(50)),
    )
    data = build(_invoice(lines))
    assert b"<P_18>1</P_18>" in data
    assert codes(data) == []


def test_eu_services_carry_the_reverse_charge_marker() -> None:
    buyer = Party(NoTaxId(), "Kunde GmbH", Address("DE", "Hauptstr. 1"))
    data = build(_invoice((Line("usługa", VatRate.NP_II, Decimal(1), Decimal(100)),), buyer=buyer))
    assert b"<P_18>1</P_18>" in data
    assert codes(data) == []


def test_domestic_reverse_charge_needs_a_polish_buyer() -> None:
    buyer = Party(NoTaxId(), "Jan Kowalski", Address("PL", "ul. Krzywa 2"))
    data = build(_invoice((Line("stal", VatRate.OO, Decimal(1), Decimal(100)),), buyer=buyer))
    [warning] = semantic_warnings(data)
    assert (warning.code, warning.path) == ("reverse-charge", "Fa/FaWiersz/P_12")


def test_an_exemption_basis_without_exempt_lines() -> None:
    data = sample(
        "FA_3_Przykład_9.xml", ("<P_12>zw</P_12>", "<P_12>23</P_12>"), ("<P_13_7>300</P_13_7>", "")
    )
    # (the 23 % totals no longer add up either: that is not what this test looks at)
    assert "exemption" in codes(data)


# --- corrections -----------------------------------------------------------------------------


def _correction(**kw: object) -> bytes:
    kw.setdefault("day", "2026-02-15")
    number = make_ksef_number("9999999999", date(2026, 2, 16), "0100001AF629")
    return sample(
        "FA_3_Przykład_2.xml",
        ("9999999999-20230908-8BEF280C8D35-4D", str(kw.get("number", number))),
        ("<DataWystFaKorygowanej>2026-02-15", f"<DataWystFaKorygowanej>{kw.get('day', '')}"),
    )


def test_a_correction_with_a_valid_reference_is_clean() -> None:
    assert codes(_correction()) == []


def test_the_corrected_invoice_cannot_be_younger_than_the_correction() -> None:
    [warning] = semantic_warnings(_correction(day="2026-03-16"))
    assert warning.code == "correction-reference"
    assert warning.params == {"date": "2026-03-16", "issued": "2026-03-15"}


def test_the_ksef_number_of_another_seller() -> None:
    other = make_ksef_number("5265877635", date(2026, 2, 16), "0100001AF629")
    [warning] = semantic_warnings(_correction(number=other))
    assert warning.code == "correction-reference"
    assert warning.params["owner"] == "5265877635"


def test_a_ksef_1_number_with_its_middle_dash() -> None:
    data_part = "9999999999-20230908-8BEF28-0C8D35"
    good = f"{data_part}-{ksef_number_checksum(data_part)}"
    assert codes(_correction(number=good)) == []
    bad = f"{data_part}-{'00' if good[-2:] != '00' else '01'}"
    assert codes(_correction(number=bad)) == ["ksef-number"]


def test_a_ksef_number_of_a_day_that_does_not_exist() -> None:
    data_part = "9999999999-20260231-0100001AF629"
    number = f"{data_part}-{ksef_number_checksum(data_part)}"
    [warning] = semantic_warnings(_correction(number=number))
    assert (warning.code, warning.params["day"]) == ("ksef-number", "20260231")


def test_negative_amounts_are_fine_in_a_correction() -> None:
    assert b"<P_9A>-162.60</P_9A>" in sample("FA_3_Przykład_3.xml")
    assert "negative" not in codes(sample("FA_3_Przykład_3.xml"))


# --- advances --------------------------------------------------------------------------------


def test_an_advance_larger_than_the_order() -> None:
    data = sample(
        "FA_3_Przykład_10.xml",
        ("<WartoscZamowienia>375150", "<WartoscZamowienia>15000"),
    )
    assert codes(data) == ["advance-order", "advance-order"]


def test_a_settlement_asking_more_than_the_order() -> None:
    # The whole order is 337635 gross; P_15 (the rest to pay) raised beyond it.
    data = sample(
        "Fa_3_Przykład_14.xml",
        (PLACEHOLDER, VALID_NUMBER),
        ("<P_13_2>280177.59</P_13_2>", "<P_13_2>380177.59</P_13_2>"),
        ("<P_14_2>22414.21</P_14_2>", "<P_14_2>30414.21</P_14_2>"),
        ("<P_15>307635</P_15>", "<P_15>415635</P_15>"),
    )
    assert codes(data) == ["advance-settlement"]


def test_a_correction_of_an_advance_gives_the_amount_before() -> None:
    data = sample(
        "FA_3_Przykład_12.xml",
        (PLACEHOLDER, VALID_NUMBER),
        ("<P_15ZK>20000</P_15ZK>", ""),
    )
    assert codes(data) == ["advance-settlement"]


def test_advance_shares_never_go_negative() -> None:
    # Found by fa3/semantic: the last rate taking the rest of rounded shares got -0.01.
    lines = (
        Line("a", VatRate.R0_KR, Decimal("0.010"), Decimal("1.00")),
        Line("b", VatRate.R8, Decimal("0.026"), Decimal("32259.09")),
        Line("c", VatRate.R5, Decimal("0.032"), Decimal("1.10")),
        Line("d", VatRate.R23, Decimal("0.010"), Decimal("1.00")),
        Line("e", VatRate.R23, Decimal("0.010"), Decimal("322.19")),
    )
    invoice = _invoice(lines, kind=InvoiceKind.ZAL, advance_received=Decimal("157.30"))
    totals = compute_totals(invoice)
    assert all(g.net >= 0 for g in totals.groups.values())
    assert totals.gross == Decimal("157.30")
    assert codes(build(invoice)) == []


# --- currency and timing ---------------------------------------------------------------------


def test_a_foreign_invoice_gives_its_tax_in_pln() -> None:
    data = sample("Fa_3_Przykład_20.xml", ("<P_14_1W>14036.16</P_14_1W>", ""))
    assert codes(data) == ["currency"]


def test_the_deadline_and_the_earliest_day_of_art_106i() -> None:
    assert latest_issue_date(date(2026, 1, 27)) == date(2026, 2, 15)
    assert latest_issue_date(date(2025, 12, 31)) == date(2026, 1, 15)
    assert earliest_issue_date(date(2026, 4, 15)) == date(2026, 2, 14)


def test_a_late_advance_invoice_cites_ust_2() -> None:
    data = sample("FA_3_Przykład_10.xml", ("<P_6>2026-02-15", "<P_6>2025-12-31"))
    [warning] = semantic_warnings(data)
    assert warning.code == "timing"
    assert "art. 106i ust. 2" in warning.text("en")


def test_a_settlement_period_is_not_held_to_the_60_days() -> None:
    # art. 106i ust. 8: OkresFa ending long after the issue date is fine; the deadline
    # still counts from the period's end (P_6_Do).
    early = sample("FA_3_Przykład_9.xml", ("<P_6_Do>2026-01-01", "<P_6_Do>2026-06-30"))
    assert codes(early) == []
    late = sample("FA_3_Przykład_9.xml", ("<P_6_Do>2026-01-01", "<P_6_Do>2025-11-30"))
    assert codes(late) == ["timing"]


def test_corrections_are_not_timed() -> None:
    assert "timing" not in codes(_correction(day="2020-01-02"))


# --- accounts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        ("PL61 1090 1014 0000 0712 1981 2874", []),
        ("DE89370400440532013000", []),
        ("DE89370400440532013001", ["bank-account"]),
        ("BE705390075470341", ["bank-account"]),  # right check digits, one digit too many
        ("123456789012", []),  # a foreign account number without a checksum to verify
    ],
)
def test_bank_accounts(account: str, expected: list[str]) -> None:
    data = sample("FA_3_Przykład_9.xml", ("73111111111111111111111111", account))
    assert codes(data) == expected


# --- robustness ------------------------------------------------------------------------------


def test_what_is_not_an_fa3_invoice_has_no_warnings() -> None:
    assert semantic_warnings(b"") == []
    assert semantic_warnings(b"<a/>") == []
    assert semantic_warnings(b"not xml at all") == []
    assert semantic_warnings(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>') == []


_TEXTS = st.sampled_from(["", " ", "-1", "0", "1e5", "NaN", "abc", "2026-02-30", "99999999999"])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(OFFICIAL_SAMPLES), st.data())
def test_any_value_anywhere_gives_warnings_not_a_traceback(path: Path, data: st.DataObject) -> None:
    from lxml import etree

    from ksef_desktop.fa3.xmlsafe import parse_untrusted

    root = parse_untrusted(path.read_bytes())
    leaves = [e for e in root.iter() if isinstance(e.tag, str) and len(e) == 0]
    for element in data.draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=8)):
        element.text = data.draw(_TEXTS)
    warnings = semantic_warnings(etree.tostring(root))
    assert all(isinstance(w, SemanticWarning) and w.text("pl") for w in warnings)


def test_the_editor_gets_the_warnings_without_file_lines() -> None:
    line = Line("drobiazg", VatRate.R23, Decimal(1), Decimal(100))
    invoice = _invoice((line,), sale_date=date(2025, 11, 3))
    [warning] = invoice_warnings(invoice)
    assert (warning.code, warning.path, warning.line) == ("timing", "Fa/P_6", None)
    assert warning.text("en").startswith("Fa/P_6: The invoice is issued on 2026-03-02")
