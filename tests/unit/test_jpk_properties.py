"""Properties: random consistent invoices and documents give a file that validates (build_jpk
checks it against the official XSD) and whose control sums and declaration equal what its
own rows add up to, read back with lxml; bad input is refused with JpkError only."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ksef_desktop.domain.identifiers import ksef_number_is_valid, make_ksef_number
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.parse import parse
from ksef_desktop.jpk.build import build_jpk
from ksef_desktop.jpk.errors import JpkError
from ksef_desktop.jpk.from_fa3 import ReverseCharge, purchase_document, sales_document
from ksef_desktop.jpk.model import (
    Counterparty,
    DeclarationInputs,
    Marker,
    PurchaseDocument,
    SalesDocument,
    SelfAssessment,
)
from ksef_desktop.jpk.register import PURCHASE_FIELDS, SALES_FIELDS, check_amount, check_ksef
from tests.strategies import invoices
from tests.unit.jpk_support import CREATED, MONTH, TAXPAYER, declaration, field, rows

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TAX_DUE = ("K_16", "K_18", "K_20", "K_24", "K_26", "K_28", "K_30", "K_32", "K_33", "K_34")
TAX_LESS = ("K_35", "K_36", "K_360")
DEDUCTED = ("K_41", "K_43", "K_44", "K_45", "K_46", "K_47")


def _sum(written: list[dict[str, str]], names: tuple[str, ...]) -> Decimal:
    return sum((Decimal(row.get(name, "0")) for row in written for name in names), Decimal(0))


def _whole(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _status(draw: st.DrawFn, nip: str, day: date) -> str:
    choice = draw(st.sampled_from(["number", "OFF", "BFK"]))
    if choice == "number":
        return make_ksef_number(nip, day, draw(st.from_regex(r"[0-9A-F]{12}", fullmatch=True)))
    return Marker(choice)


@st.composite
def fa3_sales(draw: st.DrawFn) -> SalesDocument:
    invoice = draw(invoices())
    return sales_document(build(invoice), _status(draw, invoice.seller_nip, invoice.issue_date))


@st.composite
def fa3_purchases(draw: st.DrawFn) -> PurchaseDocument:
    invoice = draw(invoices())
    data = build(invoice)
    declared = parse(data).declared
    assert declared is not None
    reverse = None
    if declared.groups.get("10") is not None and declared.groups["10"].net:
        reverse = ReverseCharge(SelfAssessment.BUYER_IS_TAXPAYER, Decimal(23))
    return purchase_document(
        data,
        _status(draw, invoice.seller_nip, invoice.issue_date),
        deductible_share=draw(st.sampled_from([Decimal(1), Decimal("0.5"), Decimal("0.37")])),
        reverse_charge=reverse,
    )


@given(st.lists(fa3_sales(), max_size=6), st.lists(fa3_purchases(), max_size=4))
@SETTINGS
def test_random_invoices_give_a_valid_file_whose_sums_are_its_rows(sales, purchases) -> None:
    data = build_jpk(MONTH, TAXPAYER, sales, purchases, DeclarationInputs(), created_at=CREATED)
    sold, bought = rows(data), rows(data, "ZakupWiersz")
    assert len(sold) == len(sales)
    assert len(bought) == len(purchases)
    due = _sum(sold, TAX_DUE) - _sum(sold, TAX_LESS)
    assert Decimal(field(data, "t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny") or "") == due
    deducted = _sum(bought, DEDUCTED)
    assert Decimal(field(data, "t:Ewidencja/t:ZakupCtrl/t:PodatekNaliczony") or "") == deducted
    p = declaration(data)
    for name in SALES_FIELDS + PURCHASE_FIELDS:
        assert Decimal(p.get("P_" + name[2:], "0")) == _whole(_sum(sold + bought, (name,)))
    # Each row's status is exactly one of the four.
    for row in sold + bought:
        assert sum(name in row for name in ("NrKSeF", "OFF", "BFK", "DI")) == 1


amounts = st.decimals(
    min_value=Decimal("-1000000000"), max_value=Decimal("1000000000"), places=2
).filter(lambda d: d.is_finite())
non_negative = st.decimals(min_value=Decimal(0), max_value=Decimal("1000000"), places=2)
_SIGNED_SALES = tuple(f for f in SALES_FIELDS if f not in ("K_33", "K_34", "K_35", "K_36", "K_360"))


@st.composite
def manual_sales(draw: st.DrawFn) -> SalesDocument:
    chosen = draw(st.lists(st.sampled_from(_SIGNED_SALES), max_size=5, unique=True))
    values = {name: draw(amounts) for name in chosen}
    for name in draw(
        st.lists(
            st.sampled_from(("K_33", "K_34", "K_35", "K_36", "K_360")), max_size=2, unique=True
        )
    ):
        values[name] = draw(non_negative)
    return SalesDocument("D/1", date(2026, 11, 3), Counterparty(), Marker.DI, values)


@st.composite
def manual_purchases(draw: st.DrawFn) -> PurchaseDocument:
    chosen = draw(
        st.lists(
            st.sampled_from(("K_40", "K_41", "K_42", "K_43", "K_44", "K_45")),
            max_size=4,
            unique=True,
        )
    )
    values = {name: draw(amounts) for name in chosen}
    if draw(st.booleans()):
        values["K_46"] = -draw(non_negative)
    if draw(st.booleans()):
        values["K_47"] = draw(non_negative)
    return PurchaseDocument("Z/1", date(2026, 11, 4), Counterparty(), Marker.BFK, values)


@given(
    st.lists(manual_sales(), max_size=6),
    st.lists(manual_purchases(), max_size=6),
    st.integers(min_value=0, max_value=10**9),
)
@SETTINGS
def test_the_declarations_arithmetic_holds(sales, purchases, surplus) -> None:
    # K_33…K_360 and K_46/K_47 keep their signs per row, so their sums keep the sign the
    # declaration requires; the other fields take any sign.
    inputs = DeclarationInputs(surplus_carried=Decimal(surplus))
    data = build_jpk(MONTH, TAXPAYER, sales, purchases, inputs, created_at=CREATED)
    p = {name: Decimal(value) for name, value in declaration(data).items()}

    def get(n: object) -> Decimal:
        return p.get(f"P_{n}", Decimal(0))

    assert get(37) == sum(get(n) for n in (10, 11, 13, 15, 17, 19, 21, 22, 23, 25, 27, 29, 31))
    assert get(38) == sum(get(n) for n in (16, 18, 20, 24, 26, 28, 30, 32, 33, 34)) - (
        get(35) + get(36) + get(360)
    )
    assert get(48) == sum(get(n) for n in (39, 41, 43, 44, 45, 46, 47))
    assert get(51) == max(get(38) - get(48), Decimal(0))
    assert get(53) == max(get(48) - get(38), Decimal(0))
    assert get(62) == get(53)
    assert get(51) == 0 or get(53) == 0


def _whole_zloty(value: Decimal) -> bool:
    return value.is_finite() and 0 <= value < Decimal(10) ** 14 and value == int(value)


@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_any_decimal_is_a_whole_zloty_input_or_refused(value: Decimal) -> None:
    inputs = DeclarationInputs(surplus_carried=value)
    if _whole_zloty(value):
        data = build_jpk(MONTH, TAXPAYER, [], [], inputs, created_at=CREATED)
        assert Decimal(declaration(data).get("P_39", "0")) == value
    else:
        with pytest.raises(JpkError) as caught:
            build_jpk(MONTH, TAXPAYER, [], [], inputs, created_at=CREATED)
        assert caught.value.text("en").startswith("P_39")


@given(st.text(max_size=40))
def test_any_status_text_is_a_number_a_marker_or_refused(text: str) -> None:
    try:
        check_ksef(text, "x")
    except JpkError:
        assert not ksef_number_is_valid(text)
    else:
        assert ksef_number_is_valid(text)


def _grosze(value: Decimal) -> bool:
    return (
        value.is_finite()
        and abs(value) < Decimal(10) ** 16
        and value == value.quantize(Decimal("0.01"))
    )


@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_any_decimal_is_an_amount_or_refused(value: Decimal) -> None:
    if _grosze(value):
        check_amount(value, "K_19", "x")
    else:
        with pytest.raises(JpkError) as caught:
            check_amount(value, "K_19", "x")
        assert caught.value.text("en").startswith("x: K_19")
