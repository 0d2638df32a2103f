"""Sales rows from FA(3) invoices: one worked example per K_ field and kind of sale.

Each example builds a real FA(3) invoice (fa3.build), turns it into a SprzedazWiersz,
builds the month's file (validated against the official XSD by build_jpk) and reads the
row back from the XML. The amounts in the comments are worked by hand.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from ksef_desktop.domain.invoice import (
    Address,
    CorrectedInvoice,
    Correction,
    EuVatNumber,
    Exemption,
    ExemptionBasis,
    InvoiceKind,
    NoTaxId,
    OtherTaxId,
    Party,
    VatRate,
)
from ksef_desktop.jpk.build import build_jpk
from ksef_desktop.jpk.errors import JpkError
from ksef_desktop.jpk.from_fa3 import MarginTax, sales_document
from ksef_desktop.jpk.model import DeclarationInputs, Marker, Procedure, SalesDocType
from tests.conftest import DATA
from tests.unit.jpk_support import (
    BUYER,
    CREATED,
    MONTH,
    OWN_NIP,
    TAXPAYER,
    declaration,
    fa3,
    ksef_number,
    line,
    rows,
)

SAMPLES = DATA / "fa3-official"


def month_of(*docs):
    return build_jpk(MONTH, TAXPAYER, list(docs), [], DeclarationInputs(), created_at=CREATED)


def only_row(data: bytes) -> dict[str, str]:
    (row,) = rows(data)
    return row


def k_fields(row: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in row.items() if name.startswith("K_")}


def sale(data: bytes, status: str = Marker.OFF, **options: object):
    return sales_document(data, status, **options)  # type: ignore[arg-type]


EU_BUYER = Party(EuVatNumber("DE", "123456789"), "Kunde GmbH", Address("DE", "Hauptstr. 1, Berlin"))
US_BUYER = Party(OtherTaxId("98-7654321", "US"), "Client Inc.", Address("US", "1 Main St"))
EXEMPT = Exemption(ExemptionBasis.ACT, "art. 43 ust. 1 pkt 19 ustawy")

# (rate, price, buyer, K_ fields of the row) — the price is the net of one unit.
DOMESTIC = [
    # 10 × 150.00 = 1500.00 net; 23 % of it: 345.00
    (VatRate.R23, "150.00", "10", BUYER, {"K_19": "1500.00", "K_20": "345.00"}),
    # 99.99 net; 8 %: 7.9992 → 8.00
    (VatRate.R8, "99.99", "1", BUYER, {"K_17": "99.99", "K_18": "8.00"}),
    # 3 × 33.33 = 99.99 net; 5 %: 4.9995 → 5.00
    (VatRate.R5, "33.33", "3", BUYER, {"K_15": "99.99", "K_16": "5.00"}),
    # 0 % domestic: the base alone
    (VatRate.R0_KR, "250.00", "1", BUYER, {"K_13": "250.00"}),
    # exempt (zw)
    (VatRate.ZW, "400.00", "1", BUYER, {"K_10": "400.00"}),
    # intra-Community supply of goods (WDT), 0 %
    (VatRate.R0_WDT, "1000.00", "1", EU_BUYER, {"K_21": "1000.00"}),
    # export of goods, 0 %
    (VatRate.R0_EX, "2000.00", "1", US_BUYER, {"K_22": "2000.00"}),
    # supply outside Poland (np I)
    (VatRate.NP_I, "300.00", "1", US_BUYER, {"K_11": "300.00"}),
    # services of art. 100 ust. 1 pkt 4 (np II): in K_11 and, "w tym", in K_12
    (VatRate.NP_II, "500.00", "1", EU_BUYER, {"K_11": "500.00", "K_12": "500.00"}),
    # domestic reverse charge (oo), the seller's row: K_11
    (VatRate.OO, "700.00", "1", BUYER, {"K_11": "700.00"}),
]


@pytest.mark.parametrize(
    ("rate", "price", "quantity", "buyer", "expected"), DOMESTIC, ids=lambda v: str(v)[:12]
)
def test_each_rate_goes_to_its_k_fields(rate, price, quantity, buyer, expected) -> None:
    exemption = EXEMPT if rate is VatRate.ZW else None
    data = fa3(line(rate, price, quantity), buyer=buyer, exemption=exemption)
    row = only_row(month_of(sale(data)))
    assert k_fields(row) == expected


def test_the_buyers_tax_number_and_country() -> None:
    eu = only_row(month_of(sale(fa3(line(VatRate.R0_WDT, "1"), buyer=EU_BUYER))))
    assert (eu["KodKrajuNadaniaTIN"], eu["NrKontrahenta"]) == ("DE", "123456789")
    assert eu["NazwaKontrahenta"] == "Kunde GmbH"
    us = only_row(month_of(sale(fa3(line(VatRate.R0_EX, "1"), buyer=US_BUYER))))
    # "wyłącznie kod cyfrowo-literowy": the dash is dropped.
    assert (us["KodKrajuNadaniaTIN"], us["NrKontrahenta"]) == ("US", "987654321")
    pl = only_row(month_of(sale(fa3(line(VatRate.R23, "1")))))
    assert "KodKrajuNadaniaTIN" not in pl
    assert pl["NrKontrahenta"] == "9999999999"
    person = replace(BUYER, tax_id=NoTaxId(), name="Jan Nowak")
    consumer = only_row(month_of(sale(fa3(line(VatRate.R23, "1"), buyer=person))))
    assert consumer["NrKontrahenta"] == "BRAK"
    assert consumer["NazwaKontrahenta"] == "Jan Nowak"


def test_a_greek_number_is_reported_with_el() -> None:
    greek = Party(OtherTaxId("123456789", "GR"), "Πελάτης", None)
    row = only_row(month_of(sale(fa3(line(VatRate.NP_I, "10"), buyer=greek))))
    assert row["KodKrajuNadaniaTIN"] == "EL"


def test_several_rates_on_one_invoice_make_one_row() -> None:
    # Official sample 9: 2000.00 at 23 % (tax 460.00) and 300.00 exempt.
    data = (SAMPLES / "FA_3_Przykład_9.xml").read_bytes()
    row = only_row(month_of(sale(data)))
    assert k_fields(row) == {"K_10": "300.00", "K_19": "2000.00", "K_20": "460.00"}


def test_a_sale_date_only_when_it_differs_from_the_issue_date() -> None:
    same = only_row(month_of(sale(fa3(line(VatRate.R23, "1"), sale_date=date(2026, 11, 10)))))
    assert "DataSprzedazy" not in same
    other = only_row(month_of(sale(fa3(line(VatRate.R23, "1"), sale_date=date(2026, 10, 31)))))
    assert other["DataSprzedazy"] == "2026-10-31"
    period = (date(2026, 10, 1), date(2026, 10, 31))
    ranged = only_row(month_of(sale(fa3(line(VatRate.R23, "1"), sale_period=period))))
    assert ranged["DataSprzedazy"] == "2026-10-31"


# --- KSeF status --------------------------------------------------------------------------


def test_a_ksef_number_is_written_as_nrksef() -> None:
    number = ksef_number()
    row = only_row(month_of(sale(fa3(line(VatRate.R23, "1")), number)))
    assert row["NrKSeF"] == number
    assert not {"OFF", "BFK", "DI"} & row.keys()


@pytest.mark.parametrize("marker", [Marker.OFF, Marker.BFK])
def test_a_marker_is_written_instead_of_a_number(marker: Marker) -> None:
    row = only_row(month_of(sale(fa3(line(VatRate.R23, "1")), marker)))
    assert row[marker.value] == "1"
    assert "NrKSeF" not in row


def test_an_fa3_invoice_cannot_be_marked_di() -> None:
    with pytest.raises(JpkError, match="DI"):
        sale(fa3(line(VatRate.R23, "1")), Marker.DI)


@pytest.mark.parametrize(
    "status",
    ["OFFLINE", "5265877635-20261110-000000000001-00", "", "off"],
)
def test_a_wrong_status_is_refused(status: str) -> None:
    with pytest.raises(JpkError) as caught:
        sale(fa3(line(VatRate.R23, "1")), status)
    assert "numerem KSeF" in caught.value.text("pl")
    assert "KSeF number" in caught.value.text("en")


# --- corrections and advances -------------------------------------------------------------


def test_a_correction_is_its_own_signed_row() -> None:
    # Before: 10 × 100.00 at 23 %; after: 8 × 100.00. Difference: −200.00 net, −46.00 tax.
    original = fa3(line(VatRate.R23, "100.00", "10"))
    correction = fa3(
        line(VatRate.R23, "100.00", "10", before_correction=True),
        line(VatRate.R23, "100.00", "8"),
        kind=InvoiceKind.KOR,
        number="KOR/2026/11/1",
        correction=Correction(
            (CorrectedInvoice(date(2026, 11, 10), "FV/2026/11/1", ksef_number()),), "rabat"
        ),
    )
    data = month_of(sale(original, ksef_number()), sale(correction, Marker.OFF))
    first, second = rows(data)
    assert k_fields(first) == {"K_19": "1000.00", "K_20": "230.00"}
    assert k_fields(second) == {"K_19": "-200.00", "K_20": "-46.00"}
    assert second["DowodSprzedazy"] == "KOR/2026/11/1"
    # 230.00 − 46.00 = 184.00
    assert declaration(data)["P_20"] == "184"


def test_an_official_correction_sample() -> None:
    # Sample 2 (KOR): P_13_1 = −162.60, P_14_1 = −37.40.
    row = only_row(month_of(sale((SAMPLES / "FA_3_Przykład_2.xml").read_bytes())))
    assert k_fields(row) == {"K_19": "-162.60", "K_20": "-37.40"}


def test_an_advance_invoice_reports_the_advance() -> None:
    # Order: 10 × 1000.00 net at 23 % (gross 12 300.00); advance received 2460.00 gross:
    # tax 2460 × 23 / 123 = 460.00, base 2000.00.
    data = fa3(
        line(VatRate.R23, "1000.00", "10"),
        kind=InvoiceKind.ZAL,
        number="FZ/2026/11/1",
        advance_received=Decimal("2460.00"),
    )
    row = only_row(month_of(sale(data)))
    assert k_fields(row) == {"K_19": "2000.00", "K_20": "460.00"}


def test_a_settlement_after_advances_reports_the_rest() -> None:
    # Official sample 14 (ROZ): what remains after the advances, per rate.
    row = only_row(month_of(sale((SAMPLES / "Fa_3_Przykład_14.xml").read_bytes())))
    assert k_fields(row) == {
        "K_17": "280177.59",
        "K_18": "22414.21",
        "K_19": "4100.16",
        "K_20": "943.04",
    }
    assert row["GTU_10"] == "1"


def test_a_simplified_invoice_with_its_gross_only_is_split() -> None:
    # Sample 16 (UPR) states only P_15 = 450 and one line at 23 %:
    # tax 450 × 23 / 123 = 84.146… → 84.15, base 365.85 (what sample 15 states).
    row = only_row(month_of(sale((SAMPLES / "FA_3_Przykład_16.xml").read_bytes())))
    assert k_fields(row) == {"K_19": "365.85", "K_20": "84.15"}


# --- currencies ---------------------------------------------------------------------------


def test_a_foreign_currency_invoice_in_zloty_at_its_rate() -> None:
    # 1000.00 EUR at 23 %: tax 230.00 EUR. Rate 4.3000: base 4300.00 PLN, tax 989.00 PLN.
    data = fa3(line(VatRate.R23, "1000.00"), currency="EUR", exchange_rate=Decimal("4.3000"))
    row = only_row(month_of(sale(data)))
    assert k_fields(row) == {"K_19": "4300.00", "K_20": "989.00"}


def test_rounding_of_a_foreign_base_and_the_invoices_own_tax_in_zloty() -> None:
    # 333.33 EUR at 8 %, rate 4.2345: base 333.33 × 4.2345 = 1411.485885 → 1411.49;
    # the tax in PLN is the invoice's P_14_2W: 333.33 × 0.08 × 4.2345 = 112.918… → 112.92.
    data = fa3(line(VatRate.R8, "333.33"), currency="EUR", exchange_rate=Decimal("4.2345"))
    assert b"<P_14_2W>112.92</P_14_2W>" in data
    row = only_row(month_of(sale(data)))
    assert k_fields(row) == {"K_17": "1411.49", "K_18": "112.92"}


def test_lines_at_different_rates() -> None:
    # Sample 21: 4060 × 4.4080 + 5000 × 4.5005 + 4500 × 4.3250
    #          = 17896.48 + 22502.50 + 19462.50 = 59861.48; tax: P_14_1W = 13768.14.
    row = only_row(month_of(sale((SAMPLES / "FA_3_Przykład_21.xml").read_bytes())))
    assert k_fields(row) == {"K_19": "59861.48", "K_20": "13768.14"}


def test_an_invoice_without_a_rate_needs_one() -> None:
    data = (SAMPLES / "FA_3_Przykład_22.xml").read_bytes()  # WDT, 4000 EUR, no rate
    with pytest.raises(JpkError) as caught:
        sale(data)
    assert "kursu" in caught.value.text("pl")
    # 4000.00 × 4.2500 = 17000.00
    row = only_row(month_of(sale(data, exchange_rate=Decimal("4.2500"))))
    assert k_fields(row) == {"K_21": "17000.00"}
    assert (row["KodKrajuNadaniaTIN"], row["NrKontrahenta"]) == ("DE", "999999999")


def test_export_in_dollars() -> None:
    # Sample 23: 8000 USD at 0 % EX; rate 3.9876: 31900.80.
    data = (SAMPLES / "FA_3_Przykład_23.xml").read_bytes()
    row = only_row(month_of(sale(data, exchange_rate=Decimal("3.9876"))))
    assert k_fields(row) == {"K_22": "31900.80"}


def test_a_given_rate_may_not_contradict_the_invoice() -> None:
    data = fa3(line(VatRate.R23, "1"), currency="EUR", exchange_rate=Decimal("4.3000"))
    with pytest.raises(JpkError, match=r"4\.3"):
        sale(data, exchange_rate=Decimal("4.2"))
    assert sale(data, exchange_rate=Decimal("4.30")).amounts["K_19"] == Decimal("4.30")


# --- markers ------------------------------------------------------------------------------


def test_gtu_codes_of_the_lines() -> None:
    data = fa3(
        line(VatRate.R23, "10", gtu="GTU_12"),
        line(VatRate.R8, "10", gtu="GTU_06"),
        line(VatRate.R23, "10", gtu="GTU_12"),
    )
    row = only_row(month_of(sale(data, gtu=frozenset({"GTU_01"}))))
    assert [name for name in row if name.startswith("GTU")] == ["GTU_01", "GTU_06", "GTU_12"]


def test_an_invoice_to_a_receipt_is_fp_and_out_of_the_sums() -> None:
    # Sample 1 has FP = 1: its rows are written, but PodatekNalezny and P_ leave it out.
    data = month_of(sale((SAMPLES / "FA_3_Przykład_1.xml").read_bytes()))
    row = only_row(data)
    assert row["TypDokumentu"] == "FP"
    assert k_fields(row) == {"K_15": "0.95", "K_16": "0.05", "K_19": "1666.66", "K_20": "383.33"}
    p = declaration(data)
    assert "P_19" not in p
    assert p["P_38"] == "0"
    assert rows(data, "SprzedazCtrl") == [{"LiczbaWierszySprzedazy": "1", "PodatekNalezny": "0.00"}]


def test_margin_sales_need_their_tax_from_the_user() -> None:
    # Sample 8: second-hand goods under the margin scheme, 15000.00 gross, FP, GTU_07.
    data = (SAMPLES / "FA_3_Przykład_8.xml").read_bytes()
    without = sale(data)
    assert without.margin_tax_missing
    assert without.procedures == {Procedure.MR_UZ}
    row = only_row(month_of(without))
    assert (row["SprzedazVAT_Marza"], row["MR_UZ"], row["GTU_07"]) == ("15000.00", "1", "1")
    assert k_fields(row) == {}
    # The margin 1230.00 gross: base 1000.00, tax 230.00 at 23 %.
    given = sale(data, margin=MarginTax(Decimal("1000.00"), Decimal("230.00")))
    assert not given.margin_tax_missing
    assert k_fields(only_row(month_of(given))) == {"K_19": "1000.00", "K_20": "230.00"}


def test_a_travel_margin_sale_is_mr_t_and_sets_p_63() -> None:
    data = month_of(sale((SAMPLES / "Fa_3_Przykład_19.xml").read_bytes()))
    row = only_row(data)
    assert (row["MR_T"], row["SprzedazVAT_Marza"]) == ("1", "2000.00")
    assert declaration(data)["P_63"] == "1"


def _edited(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


def test_procedures_tp_and_triangular_trade_from_the_invoice() -> None:
    data = fa3(line(VatRate.R0_WDT, "100"), buyer=EU_BUYER)
    data = _edited(data, b"</P_12>", b"</P_12><Procedura>WSTO_EE</Procedura>")
    data = _edited(data, b"<P_23>2</P_23>", b"<P_23>1</P_23>")
    data = _edited(
        data, b"<RodzajFaktury>VAT</RodzajFaktury>", b"<RodzajFaktury>VAT</RodzajFaktury><TP>1</TP>"
    )
    built = month_of(sale(data, procedures=frozenset({Procedure.B_SPV})))
    row = only_row(built)
    markers = [name for name in row if name in {p.value for p in Procedure}]
    assert markers == ["WSTO_EE", "TP", "TT_D", "B_SPV"]  # the schema's order
    assert declaration(built)["P_66"] == "1"


def test_oss_sales_are_reported_outside_poland() -> None:
    # P_13_5 (the special procedure of chapter 6a): 120.00 in K_11; P_14_5 is another
    # state's VAT and is not Polish tax due.
    data = fa3(line(VatRate.NP_I, "120.00"), buyer=EU_BUYER)
    data = _edited(
        data, b"<P_13_8>120.00</P_13_8>", b"<P_13_5>120.00</P_13_5><P_14_5>24.00</P_14_5>"
    )
    assert k_fields(only_row(month_of(sale(data)))) == {"K_11": "120.00"}


def test_taxi_flat_rate_is_refused() -> None:
    data = fa3(line(VatRate.R23, "100.00"))
    data = _edited(data, b"<P_13_1>100.00</P_13_1>", b"<P_13_4>100.00</P_13_4>")
    data = _edited(data, b"<P_14_1>23.00</P_14_1>", b"<P_14_4>4.00</P_14_4>")
    with pytest.raises(JpkError, match="P_13_4"):
        sale(data)


def test_own_nip_must_be_the_sellers() -> None:
    data = fa3(line(VatRate.R23, "1"))
    assert sale(data, own_nip=OWN_NIP).number == "FV/2026/11/1"
    with pytest.raises(JpkError) as caught:
        sale(data, own_nip="9999999999")
    assert "NIP sprzedawcy" in caught.value.text("pl")


def test_not_an_invoice() -> None:
    with pytest.raises(JpkError) as caught:
        sales_document(b"<a/>", Marker.OFF, label="x.xml")
    assert caught.value.text("en").startswith("x.xml: not an FA(3) invoice")
    assert caught.value.text("pl").startswith("x.xml: to nie jest faktura FA(3)")
    assert SalesDocType.FP.value == "FP"
