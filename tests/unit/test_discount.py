"""A discount typed as an amount or a percentage: read, converted, or refused in Polish."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ksef_desktop import i18n
from ksef_desktop.domain.discount import (
    BAD_PERCENT,
    NOT_A_DISCOUNT,
    PERCENT_WAITS,
    Discount,
    read_discount,
)


def _half_up_grosze(value: Fraction) -> Decimal:
    """Round half away from zero to 0.01 with exact fractions (independent of Decimal)."""
    cents = value * 100
    whole = int(abs(cents) + Fraction(1, 2))
    # From a string: exact at any length (dividing would round to the context's 28 digits).
    return Decimal(f"{whole if cents >= 0 else -whole}e-2")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("10%", Decimal("12.35")),  # 3 × 41,17 = 123,51 → 12,351
        ("10 %", Decimal("12.35")),
        (" 10,5% ", Decimal("12.97")),  # 12,96855
        ("10.5%", Decimal("12.97")),
        ("100%", Decimal("123.51")),
        ("0%", Decimal("0")),
        ("12,3456%", Decimal("15.25")),  # 15,24834...
        ("12,50", Decimal("12.50")),
        ("1 000", Decimal("1000")),
        ("", Decimal("0")),
    ],
)
def test_amounts_and_percentages(text: str, amount: Decimal) -> None:
    read = read_discount(text, Decimal(3), Decimal("41.17"))
    assert read.problem == ""
    assert read.amount == amount


def test_half_up_at_the_half_grosz() -> None:
    # 1 × 0,25 × 10% = 0,025 → 0,03 (half up), not 0,02 (half even)
    assert read_discount("10%", Decimal(1), Decimal("0.25")).amount == Decimal("0.03")


@pytest.mark.parametrize(
    ("text", "msgid"),
    [
        ("120%", BAD_PERCENT),
        ("-5%", BAD_PERCENT),
        ("abc%", BAD_PERCENT),
        ("%", BAD_PERCENT),
        ("100,00001%", BAD_PERCENT),
        ("1e2%", BAD_PERCENT),
        ("NaN%", BAD_PERCENT),
        ("10%%", BAD_PERCENT),
        ("abc", NOT_A_DISCOUNT),
        ("Infinity", NOT_A_DISCOUNT),
        ("10 zł", NOT_A_DISCOUNT),
    ],
)
def test_bad_input_gets_a_polish_message(text: str, msgid: str) -> None:
    read = read_discount(text, Decimal(3), Decimal("41.17"))
    assert read.amount is None
    assert read.problem == msgid
    polish = i18n.translations("pl").gettext(read.problem)
    assert polish != read.problem
    assert "rabat" in polish.lower()


def test_a_percentage_waits_for_the_quantity_and_price() -> None:
    read = read_discount("10%", None, Decimal("41.17"))
    assert (read.amount, read.percent, read.problem) == (None, Decimal(10), PERCENT_WAITS)
    assert i18n.translations("pl").gettext(PERCENT_WAITS).startswith("Najpierw wpisz ilość")


_decimals = st.none() | st.decimals(allow_nan=False, allow_infinity=False)
_percent_texts = st.builds(
    lambda number, space, comma: (number.replace(".", ",") if comma else number) + space + "%",
    st.decimals(min_value=0, max_value=100, places=4).map(str),
    st.sampled_from(["", " ", "\u00a0"]),
    st.booleans(),
)


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(max_size=30)
    | _percent_texts
    | st.from_regex(r"-?[0-9 ,.]{0,12}%?", fullmatch=True),
    quantity=_decimals,
    price=_decimals,
)
def test_any_text_gives_an_amount_or_a_clear_problem(
    text: str, quantity: Decimal | None, price: Decimal | None
) -> None:
    read = read_discount(text, quantity, price)
    assert isinstance(read, Discount)
    if read.problem:
        assert read.amount is None
        assert read.problem in (BAD_PERCENT, NOT_A_DISCOUNT, PERCENT_WAITS)
        assert i18n.translations("pl").gettext(read.problem) != read.problem
    else:
        assert read.amount is not None
        assert read.amount.is_finite()
    if read.percent is not None and read.amount is not None:
        assert Decimal(0) <= read.percent <= 100
        assert quantity is not None
        assert price is not None
        exact = Fraction(quantity) * Fraction(price) * Fraction(read.percent) / 100
        assert read.amount == _half_up_grosze(exact)


@settings(max_examples=200, deadline=None)
@given(_percent_texts, st.decimals(min_value="0.000001", max_value=10**6, places=6),
       st.decimals(min_value=0, max_value=10**6, places=2))  # fmt: skip
def test_every_percentage_from_0_to_100_is_read(
    text: str, quantity: Decimal, price: Decimal
) -> None:
    read = read_discount(text, quantity, price)
    assert read.problem == ""
    assert read.amount is not None
    assert Decimal(0) <= read.amount <= quantity * price + Decimal("0.005")


@pytest.mark.parametrize(
    ("quantity", "price"),
    [("1E+999999", "1E+999999"), ("1E+30", "1E+30"), ("1E-999999", "1E-999999"), ("-3", "1")],
)
def test_numbers_far_out_of_range_never_raise(quantity: str, price: str) -> None:
    read = read_discount("10%", Decimal(quantity), Decimal(price))
    assert read.problem or (read.amount is not None and read.amount.is_finite())
