"""Purchase rows: K_40–K_47 with worked examples, deduction category and share, reverse
charge, documents entered by hand, DataWplywu."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ksef_desktop.domain.invoice import CorrectedInvoice, Correction, InvoiceKind, VatRate
from ksef_desktop.jpk.build import build_jpk
from ksef_desktop.jpk.errors import JpkError
from ksef_desktop.jpk.from_fa3 import ReverseCharge, purchase_document, self_assessed_sales
from ksef_desktop.jpk.model import (
    Counterparty,
    DeclarationInputs,
    DeductionCategory,
    Marker,
    PurchaseDocType,
    PurchaseDocument,
    SalesDocument,
    SelfAssessment,
)
from tests.unit.jpk_support import (
    CREATED,
    MONTH,
    OWN_NIP,
    SUPPLIER_NIP,
    TAXPAYER,
    declaration,
    field,
    ksef_number,
    line,
    purchase_fa3,
    rows,
)

D = Decimal


def month_of(purchases, sales=()):
    return build_jpk(
        MONTH, TAXPAYER, list(sales), list(purchases), DeclarationInputs(), created_at=CREATED
    )


def k_fields(row: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in row.items() if name.startswith("K_")}


def only_purchase(data: bytes) -> dict[str, str]:
    (row,) = rows(data, "ZakupWiersz")
    return row


SUPPLIER_NUMBER = ksef_number(SUPPLIER_NIP, date(2026, 11, 12), 7)


def test_other_purchases_k42_k43() -> None:
    # 1000.00 net at 23 %: 230.00 input tax, all deductible.
    data = purchase_fa3(line(VatRate.R23, "1000.00"))
    row = only_purchase(month_of([purchase_document(data, SUPPLIER_NUMBER)]))
    assert k_fields(row) == {"K_42": "1000.00", "K_43": "230.00"}
    assert (row["NrDostawcy"], row["NazwaDostawcy"]) == (SUPPLIER_NIP, "Dostawca S.A.")
    assert (row["DowodZakupu"], row["DataZakupu"]) == ("FV/2026/11/1", "2026-11-10")
    assert row["NrKSeF"] == SUPPLIER_NUMBER
    # Received (art. 106na ust. 3) on the day KSeF assigned the number: 2026-11-12.
    assert row["DataWplywu"] == "2026-11-12"


def test_fixed_assets_k40_k41() -> None:
    data = purchase_fa3(line(VatRate.R23, "12000.00"))
    document = purchase_document(data, Marker.BFK, category=DeductionCategory.FIXED_ASSETS)
    built = month_of([document])
    row = only_purchase(built)
    # 12000.00 × 23 % = 2760.00
    assert k_fields(row) == {"K_40": "12000.00", "K_41": "2760.00"}
    assert row["BFK"] == "1"
    assert "DataWplywu" not in row  # no number, no date given
    p = declaration(built)
    assert (p["P_40"], p["P_41"], p["P_48"]) == ("12000", "2760", "2760")


def test_a_deductible_share() -> None:
    # 333.33 net at 23 %: tax 76.6659 → 76.67; half deductible: 38.335 → 38.34. The net
    # value is reported whole.
    data = purchase_fa3(line(VatRate.R23, "333.33"))
    document = purchase_document(data, SUPPLIER_NUMBER, deductible_share=D("0.5"))
    assert k_fields(only_purchase(month_of([document]))) == {"K_42": "333.33", "K_43": "38.34"}


@pytest.mark.parametrize("share", [D("-0.1"), D("1.01"), D("NaN")])
def test_a_share_outside_0_1_is_refused(share: Decimal) -> None:
    with pytest.raises(JpkError, match="do odliczenia"):
        purchase_document(purchase_fa3(line(VatRate.R23, "1")), Marker.OFF, deductible_share=share)


def test_only_taxed_rates_count_towards_the_deduction() -> None:
    # 100.00 at 23 % (23.00) + 50.00 at 8 % (4.00) + 20.00 exempt: K_42 150.00, K_43 27.00.
    data = purchase_fa3(
        line(VatRate.R23, "100.00"), line(VatRate.R8, "50.00"), line(VatRate.ZW, "20.00")
    )
    row = only_purchase(month_of([purchase_document(data, Marker.OFF)]))
    assert k_fields(row) == {"K_42": "150.00", "K_43": "27.00"}


def test_a_supplier_on_cash_accounting_is_mk() -> None:
    data = purchase_fa3(line(VatRate.R23, "10"), cash_accounting=True)
    row = only_purchase(month_of([purchase_document(data, Marker.OFF)]))
    assert row["DokumentZakupu"] == "MK"


def test_a_purchase_correction_is_negative() -> None:
    # Before 5 × 100.00, after 4 × 100.00 at 8 %: −100.00 net, −8.00 tax.
    data = purchase_fa3(
        line(VatRate.R8, "100.00", "5", before_correction=True),
        line(VatRate.R8, "100.00", "4"),
        kind=InvoiceKind.KOR,
        number="KOR/7",
        correction=Correction((CorrectedInvoice(date(2026, 10, 2), "FV/10/2", None),)),
    )
    built = month_of([purchase_document(data, Marker.OFF)])
    assert k_fields(only_purchase(built)) == {"K_42": "-100.00", "K_43": "-8.00"}
    assert field(built, "t:Ewidencja/t:ZakupCtrl/t:PodatekNaliczony") == "-8.00"


def test_a_purchase_in_euro() -> None:
    # 200.00 EUR at 23 %, rate 4.5000: 900.00 PLN net; tax P_14_1W = 46.00 × 4.5 = 207.00.
    data = purchase_fa3(line(VatRate.R23, "200.00"), currency="EUR", exchange_rate=D("4.5000"))
    row = only_purchase(month_of([purchase_document(data, Marker.OFF)]))
    assert k_fields(row) == {"K_42": "900.00", "K_43": "207.00"}


def test_the_buyer_must_be_the_taxpayer() -> None:
    data = purchase_fa3(line(VatRate.R23, "1"))
    assert purchase_document(data, Marker.OFF, own_nip=OWN_NIP).number == "FV/2026/11/1"
    with pytest.raises(JpkError, match="NIP nabywcy"):
        purchase_document(data, Marker.OFF, own_nip=SUPPLIER_NIP)


# --- reverse charge: the buyer's own output tax and its deduction --------------------------

RC = ReverseCharge(SelfAssessment.BUYER_IS_TAXPAYER, D(23))


def test_reverse_charge_needs_the_rule_and_rate() -> None:
    data = purchase_fa3(line(VatRate.OO, "1000.00"))
    with pytest.raises(JpkError, match="odwrotnym obciążeniem"):
        purchase_document(data, Marker.OFF)
    with pytest.raises(JpkError, match="P_13_10"):
        purchase_document(purchase_fa3(line(VatRate.R23, "1")), Marker.OFF, reverse_charge=RC)


def test_reverse_charge_k31_k32_and_its_deduction() -> None:
    # 1000.00 under art. 17 ust. 1 pkt 5, the buyer's 23 %: output K_31 1000.00 / K_32
    # 230.00, and the same tax deducted in K_42/K_43.
    data = purchase_fa3(line(VatRate.OO, "1000.00"))
    number = SUPPLIER_NUMBER
    built = month_of(
        [purchase_document(data, number, reverse_charge=RC)],
        [self_assessed_sales(data, number, RC)],
    )
    (sale,) = rows(built)
    assert k_fields(sale) == {"K_31": "1000.00", "K_32": "230.00"}
    assert sale["NrKontrahenta"] == SUPPLIER_NIP
    assert k_fields(only_purchase(built)) == {"K_42": "1000.00", "K_43": "230.00"}
    p = declaration(built)
    assert (p["P_31"], p["P_32"], p["P_38"], p["P_43"], p["P_51"]) == (
        "1000",
        "230",
        "230",
        "230",
        "0",
    )


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        (SelfAssessment.INTRA_EU_ACQUISITION, ("K_23", "K_24")),
        (SelfAssessment.IMPORT_OF_GOODS_33A, ("K_25", "K_26")),
        (SelfAssessment.IMPORT_OF_SERVICES, ("K_27", "K_28")),
        (SelfAssessment.IMPORT_OF_SERVICES_28B, ("K_29", "K_30")),
        (SelfAssessment.BUYER_IS_TAXPAYER, ("K_31", "K_32")),
    ],
)
def test_each_self_assessment_has_its_pair(kind: SelfAssessment, fields: tuple[str, str]) -> None:
    # 400.00 at 8 %: 32.00.
    data = purchase_fa3(line(VatRate.OO, "400.00"))
    document = self_assessed_sales(data, Marker.BFK, ReverseCharge(kind, D(8)))
    built = month_of([], [document])
    (sale,) = rows(built)
    assert k_fields(sale) == {fields[0]: "400.00", fields[1]: "32.00"}
    p = declaration(built)
    assert (p["P_" + fields[0][2:]], p["P_" + fields[1][2:]]) == ("400", "32")


# --- documents entered by hand ------------------------------------------------------------

SUPPLIER = Counterparty("DE123456789", "Lieferant GmbH", None)


def manual(**changes: object) -> PurchaseDocument:
    values: dict[str, object] = {
        "number": "R/11/1",
        "issue_date": date(2026, 11, 3),
        "counterparty": SUPPLIER,
        "ksef": Marker.BFK,
        "amounts": {},
    }
    values.update(changes)
    return PurchaseDocument(**values)  # type: ignore[arg-type]


def test_corrections_of_input_tax_k44_to_k47() -> None:
    documents = [
        manual(amounts={"K_44": D("-120.40")}, ksef=Marker.DI, doc_type=PurchaseDocType.WEW),
        manual(amounts={"K_45": D("55.55")}, ksef=Marker.DI, doc_type=PurchaseDocType.WEW),
        manual(amounts={"K_46": D("-99.50")}),
        manual(amounts={"K_47": D("10.49")}),
    ]
    built = month_of(documents)
    assert [k_fields(r) for r in rows(built, "ZakupWiersz")] == [
        {"K_44": "-120.40"},
        {"K_45": "55.55"},
        {"K_46": "-99.50"},
        {"K_47": "10.49"},
    ]
    p = declaration(built)
    # −120.40 → −120; 55.55 → 56; −99.50 → −100 (away from zero); 10.49 → 10.
    assert (p["P_44"], p["P_45"], p["P_46"], p["P_47"]) == ("-120", "56", "-100", "10")
    assert p["P_48"] == str(-120 + 56 - 100 + 10)
    # −120.40 + 55.55 − 99.50 + 10.49 = −153.86
    assert field(built, "t:Ewidencja/t:ZakupCtrl/t:PodatekNaliczony") == "-153.86"


def test_p46_may_not_be_positive_and_p47_not_negative() -> None:
    with pytest.raises(JpkError, match="P_46"):
        month_of([manual(amounts={"K_46": D("1.00")})])
    with pytest.raises(JpkError, match="P_47"):
        month_of([manual(amounts={"K_47": D("-1.00")})])


def test_an_import_a_farmer_and_a_margin_purchase() -> None:
    documents = [
        manual(ksef=Marker.DI, imp=True, amounts={"K_42": D("5000.00"), "K_43": D("1150.00")}),
        manual(ksef=Marker.BFK, doc_type=PurchaseDocType.VAT_RR, amounts={"K_42": D("100")}),
        manual(ksef=Marker.BFK, margin_purchase=D("800.00")),
    ]
    first, second, third = rows(month_of(documents), "ZakupWiersz")
    assert (first["DI"], first["IMP"]) == ("1", "1")
    assert second["DokumentZakupu"] == "VAT_RR"
    # A pair is written whole: K_43 = 0.00 beside K_42.
    assert k_fields(second) == {"K_42": "100.00", "K_43": "0.00"}
    assert third["ZakupVAT_Marza"] == "800.00"


def test_an_internal_document_must_be_di() -> None:
    with pytest.raises(JpkError, match="DI"):
        month_of([manual(doc_type=PurchaseDocType.WEW, ksef=Marker.BFK)])


def test_a_purchase_register_field_only() -> None:
    with pytest.raises(JpkError, match="K_19"):
        month_of([manual(amounts={"K_19": D(1)})])
    sale = SalesDocument("X", date(2026, 11, 1), SUPPLIER, Marker.DI, {"K_42": D(1)})
    with pytest.raises(JpkError, match="K_42"):
        month_of([], [sale])
