"""The declaration's P_ fields: worked examples of each, in whole złoty, read from the file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from ksef_desktop.jpk.build import build_jpk, summarize
from ksef_desktop.jpk.declaration import whole
from ksef_desktop.jpk.errors import JpkError
from ksef_desktop.jpk.model import (
    BadDebt,
    BadDebtKind,
    Counterparty,
    DeclarationInputs,
    Marker,
    Procedure,
    PurchaseDocument,
    Refund,
    RefundMode,
    SalesDocType,
    SalesDocument,
)
from tests.unit.jpk_support import CREATED, MONTH, TAXPAYER, declaration, field, ksef_number

D = Decimal
BUYER = Counterparty("9999999999", "Odbiorca Sp. z o.o.")
SUPPLIER = Counterparty("1111111111", "Dostawca S.A.")


def s(amounts: dict[str, str], **changes: object) -> SalesDocument:
    doc = SalesDocument(
        "FV/1",
        date(2026, 11, 5),
        BUYER,
        ksef_number(),
        {name: D(v) for name, v in amounts.items()},
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def z(amounts: dict[str, str], **changes: object) -> PurchaseDocument:
    doc = PurchaseDocument(
        "Z/1",
        date(2026, 11, 6),
        SUPPLIER,
        ksef_number("1111111111"),
        {name: D(v) for name, v in amounts.items()},
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


NO_INPUTS = DeclarationInputs()


def file(sales=(), purchases=(), inputs=NO_INPUTS, correction=False):
    return build_jpk(
        MONTH, TAXPAYER, list(sales), list(purchases), inputs, correction, created_at=CREATED
    )


def test_rounding_to_whole_zloty() -> None:
    # art. 63 § 1 of the Tax Ordinance: below 50 groszy down, from 50 groszy up.
    assert [whole(D(v)) for v in ("0.49", "0.50", "1.99", "-0.49", "-0.50", "-2.50")] == [
        D(0),
        D(1),
        D(2),
        D(0),
        D(-1),
        D(-3),
    ]


# Each K_ field of the sales register alone in a month, and its P_ field.
SINGLE = [
    ("K_10", "50.50", "P_10", "51"),
    ("K_11", "100.49", "P_11", "100"),
    ("K_13", "0.50", "P_13", "1"),
    ("K_21", "1234.56", "P_21", "1235"),
    ("K_22", "99.49", "P_22", "99"),
]


@pytest.mark.parametrize(("k", "amount", "p", "expected"), SINGLE)
def test_each_base_without_tax(k: str, amount: str, p: str, expected: str) -> None:
    fields = declaration(file([s({k: amount})]))
    assert fields[p] == expected
    assert fields["P_37"] == expected
    assert fields["P_38"] == "0"


def test_p12_is_part_of_p11_and_p14_of_p13() -> None:
    fields = declaration(file([s({"K_11": "300.00", "K_12": "200.00"})]))
    assert (fields["P_11"], fields["P_12"], fields["P_37"]) == ("300", "200", "300")
    # K_14 (art. 129, travellers' refund) is within K_13; alone, P_13 is written as 0.
    fields = declaration(file([s({"K_13": "80.00", "K_14": "30.00"}), s({"K_14": "10.00"})]))
    assert (fields["P_13"], fields["P_14"], fields["P_37"]) == ("80", "40", "80")
    fields = declaration(file([s({"K_14": "10.00"})]))
    assert (fields["P_13"], fields["P_14"], fields["P_37"]) == ("0", "10", "0")


PAIRS = [
    ("K_15", "K_16", "P_15", "P_16"),
    ("K_17", "K_18", "P_17", "P_18"),
    ("K_19", "K_20", "P_19", "P_20"),
    ("K_23", "K_24", "P_23", "P_24"),
    ("K_25", "K_26", "P_25", "P_26"),
    ("K_27", "K_28", "P_27", "P_28"),
    ("K_29", "K_30", "P_29", "P_30"),
    ("K_31", "K_32", "P_31", "P_32"),
]


@pytest.mark.parametrize(("kb", "kt", "pb", "pt"), PAIRS)
def test_each_base_and_tax_pair(kb: str, kt: str, pb: str, pt: str) -> None:
    # Two rows: 1000.25 + 500.30 = 1500.55 → 1501; 230.06 + 115.07 = 345.13 → 345.
    fields = declaration(file([s({kb: "1000.25", kt: "230.06"}), s({kb: "500.30", kt: "115.07"})]))
    assert (fields[pb], fields[pt], fields["P_37"], fields["P_38"]) == (
        "1501",
        "345",
        "1501",
        "345",
    )


def test_p33_to_p360_and_their_place_in_p38() -> None:
    # P_38 = 100 (P_20) + 12 (P_33: 12.40) + 6 (P_34: 5.60) − 3 (P_35) − 2 (P_36) − 2 (P_360:
    # 1.50) = 111.
    sales = [
        s({"K_19": "434.78", "K_20": "100.00"}),
        s({"K_33": "12.40"}, ksef=Marker.DI, doc_type=SalesDocType.WEW),
        s({"K_34": "5.60"}, ksef=Marker.DI, doc_type=SalesDocType.WEW),
        s({"K_23": "13.04", "K_24": "3.00", "K_35": "3.00"}, ksef=Marker.BFK),
        s({"K_36": "2.00"}, ksef=Marker.BFK),
        s({"K_360": "1.50"}, ksef=Marker.DI),
    ]
    built = file(sales)
    fields = declaration(built)
    assert [fields[f"P_{n}"] for n in ("33", "34", "35", "36", "360")] == ["12", "6", "3", "2", "2"]
    assert fields["P_38"] == str(100 + 3 + 12 + 6 - 3 - 2 - 2)
    # PodatekNalezny in groszy: 100.00 + 3.00 + 12.40 + 5.60 − 3.00 − 2.00 − 1.50 = 114.50
    assert field(built, "t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny") == "114.50"


def test_a_month_with_a_surplus_and_a_refund() -> None:
    sales = [
        s({"K_19": "1000.25", "K_20": "230.06"}),
        s({"K_19": "500.30", "K_20": "115.07"}),
        s({"K_17": "100.49", "K_18": "8.04"}),
        s({"K_10": "50.50"}),
        s({"K_19": "999.99", "K_20": "230.00"}, doc_type=SalesDocType.FP),  # left out
        s({"K_19": "-200.00", "K_20": "-46.00"}, number="KOR/1"),
    ]
    purchases = [
        z({"K_42": "800.00", "K_43": "184.00"}),
        z({"K_40": "3000.50", "K_41": "690.12"}),
    ]
    inputs = DeclarationInputs(surplus_carried=D(100), refund=Refund(D(500), RefundMode.DAYS_25))
    built = file(sales, purchases, inputs)
    # K_19: 1000.25 + 500.30 − 200.00 = 1300.55 → 1301; K_20: 299.13 → 299;
    # K_17 100.49 → 100, K_18 8.04 → 8; K_10 50.50 → 51.
    # P_37 = 51 + 100 + 1301 = 1452; P_38 = 8 + 299 = 307.
    # P_40 3000.50 → 3001, P_41 690.12 → 690, P_42 800, P_43 184.
    # P_48 = 100 (P_39) + 690 + 184 = 974 > P_38: P_51 = 0, P_53 = 974 − 307 = 667;
    # P_54 = 500 (25 days: P_56), P_62 = 667 − 500 = 167.
    assert declaration(built) == {
        "P_10": "51",
        "P_17": "100",
        "P_18": "8",
        "P_19": "1301",
        "P_20": "299",
        "P_37": "1452",
        "P_38": "307",
        "P_39": "100",
        "P_40": "3001",
        "P_41": "690",
        "P_42": "800",
        "P_43": "184",
        "P_48": "974",
        "P_51": "0",
        "P_53": "667",
        "P_54": "500",
        "P_56": "1",
        "P_62": "167",
    }
    summary = summarize(built)
    # 230.06 + 115.07 + 8.04 − 46.00 = 307.17 (the FP invoice left out); 184.00 + 690.12.
    assert (summary.tax_due, summary.tax_deductible) == (D("307.17"), D("874.12"))
    assert (summary.sales_rows, summary.purchase_rows) == (6, 2)
    assert (summary.to_pay, summary.carried_forward) == (D(0), D(167))


def test_a_month_with_tax_to_pay() -> None:
    # P_38 = 345, P_43 = 184: P_48 = 184; due 161; P_49 (cash registers) 23, P_50 10:
    # P_51 = 161 − 23 − 10 = 128; P_53 = 0 (P_51 > 0); P_62 = 0.
    sales = [s({"K_19": "1500.00", "K_20": "345.00"})]
    purchases = [z({"K_42": "800.00", "K_43": "184.00"})]
    inputs = DeclarationInputs(cash_register_relief=D(23), tax_abandoned=D(10))
    fields = declaration(file(sales, purchases, inputs))
    assert (fields["P_48"], fields["P_49"], fields["P_50"], fields["P_51"]) == (
        "184",
        "23",
        "10",
        "128",
    )
    assert (fields["P_53"], fields["P_62"]) == ("0", "0")


def test_p49_and_p50_are_capped() -> None:
    sales = [s({"K_19": "1500.00", "K_20": "345.00"})]
    purchases = [z({"K_42": "800.00", "K_43": "184.00"})]
    # due = 345 − 184 = 161
    file(sales, purchases, DeclarationInputs(cash_register_relief=D(161)))
    with pytest.raises(JpkError, match="P_49"):
        file(sales, purchases, DeclarationInputs(cash_register_relief=D(162)))
    with pytest.raises(JpkError, match="P_50"):
        file(sales, purchases, DeclarationInputs(cash_register_relief=D(100), tax_abandoned=D(62)))
    with pytest.raises(JpkError, match="P_49"):
        file([], purchases, DeclarationInputs(cash_register_relief=D(1)))  # nothing due


def test_p52_adds_to_the_surplus() -> None:
    # P_38 = 0, P_48 = 184, P_52 = 40: P_53 = 184 + 40 = 224 = P_62.
    purchases = [z({"K_42": "800.00", "K_43": "184.00"})]
    fields = declaration(file([], purchases, DeclarationInputs(cash_register_relief_rest=D(40))))
    assert (fields["P_52"], fields["P_53"], fields["P_62"]) == ("40", "224", "224")


@pytest.mark.parametrize("mode", list(RefundMode))
def test_each_refund_mode_and_a_credit(mode: RefundMode) -> None:
    purchases = [z({"K_42": "800.00", "K_43": "184.00"})]
    refund = Refund(D(100), mode, credit_amount=D(40), credit_for="PIT-36")
    fields = declaration(file([], purchases, DeclarationInputs(refund=refund)))
    assert (fields["P_54"], fields[mode.value]) == ("100", "1")
    assert (fields["P_59"], fields["P_60"], fields["P_61"]) == ("1", "40", "PIT-36")
    assert fields["P_62"] == "84"


def test_a_refund_above_the_surplus_is_refused() -> None:
    purchases = [z({"K_42": "800.00", "K_43": "184.00"})]
    with pytest.raises(JpkError, match="P_54"):
        file([], purchases, DeclarationInputs(refund=Refund(D(185), RefundMode.DAYS_40)))
    refund = Refund(D(100), RefundMode.DAYS_40, credit_amount=D(101), credit_for="x")
    with pytest.raises(JpkError, match="P_59"):
        file([], purchases, DeclarationInputs(refund=refund))


@pytest.mark.parametrize("value", [D("-1"), D("10.5"), D("Infinity")])
def test_user_amounts_are_whole_non_negative(value: Decimal) -> None:
    with pytest.raises(JpkError, match="P_39"):
        file([], [], DeclarationInputs(surplus_carried=value))


def test_flags_p63_to_p67() -> None:
    inputs = DeclarationInputs(investment_gold=True, facilitator=True, reduction_108d=True)
    fields = declaration(file([], [], inputs))
    assert {k: v for k, v in fields.items() if k >= "P_63"} == {
        "P_65": "1",
        "P_660": "1",
        "P_67": "1",
    }
    marked = [
        s({}, procedures=frozenset({Procedure.MR_T})),
        s({}, procedures=frozenset({Procedure.MR_UZ})),
        s({}, procedures=frozenset({Procedure.TT_D})),
    ]
    fields = declaration(file(marked))
    assert (fields["P_63"], fields["P_64"], fields["P_66"]) == ("1", "1", "1")


def test_bad_debt_relief_p68_p69() -> None:
    # art. 89a ust. 1: the creditor lowers the base and tax of an unpaid invoice.
    relief = BadDebt(BadDebtKind.UNPAID, date(2026, 5, 1))
    sales = [
        s({"K_19": "2000.00", "K_20": "460.00"}),
        s({"K_19": "-1000.40", "K_20": "-230.09"}, bad_debt=relief, ksef=Marker.DI),
    ]
    built = file(sales)
    fields = declaration(built)
    assert (fields["P_68"], fields["P_69"]) == ("-1000", "-230")
    # The relief is inside P_19/P_20 too: 2000 − 1000.40 = 999.60 → 1000; 229.91 → 230.
    assert (fields["P_19"], fields["P_20"]) == ("1000", "230")
    (_, row) = [r for r in _rows(built)]
    assert (row["KorektaPodstawyOpodt"], row["TerminPlatnosci"]) == ("1", "2026-05-01")
    with pytest.raises(JpkError, match="P_68"):
        file([s({"K_19": "10.00", "K_20": "2.30"}, bad_debt=relief)])


def test_paid_later_is_dataZaplaty_and_not_p68() -> None:
    paid = BadDebt(BadDebtKind.PAID_LATER, date(2026, 11, 20))
    built = file([s({"K_19": "1000.00", "K_20": "230.00"}, bad_debt=paid)])
    (row,) = _rows(built)
    assert row["DataZaplaty"] == "2026-11-20"
    assert "P_68" not in declaration(built)


def _rows(data: bytes) -> list[dict[str, str]]:
    from tests.unit.jpk_support import rows

    return rows(data)


def test_a_correction_of_the_declaration() -> None:
    inputs = DeclarationInputs(correction_reason="Pominięta faktura FV/1.")
    built = file([s({"K_19": "100.00", "K_20": "23.00"})], [], inputs, correction=True)
    assert field(built, "t:Naglowek/t:CelZlozenia") == "2"
    assert declaration(built)["P_ORDZU"] == "Pominięta faktura FV/1."
    first = file([s({"K_19": "100.00", "K_20": "23.00"})], [], inputs)
    assert field(first, "t:Naglowek/t:CelZlozenia") == "1"
    assert "P_ORDZU" not in declaration(first)
    assert summarize(built).correction
    assert not summarize(first).correction


def test_a_correction_of_the_register_alone() -> None:
    built = file([s({"K_19": "100.00", "K_20": "23.00"})], [], None, correction=True)
    assert field(built, "t:Deklaracja/t:Pouczenia") is None
    assert summarize(built).to_pay is None
    with pytest.raises(JpkError) as caught:
        file([], [], None, correction=False)
    assert "deklarację" in caught.value.text("pl")
    assert "declaration" in caught.value.text("en")
