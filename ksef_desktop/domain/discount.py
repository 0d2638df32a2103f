"""A line's discount as a person types it: an amount ("12,50") or a percentage ("10%").

FA(3) carries only an amount (P_10); a percentage is turned into the amount it takes off
the line: quantity × unit price × p / 100, rounded half up to grosze. ``read_discount``
never raises: any text gives either an amount or the reason it cannot be one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, DecimalException, localcontext

from ksef_desktop.domain.money import NBSP, WIDE, ZERO, parse_decimal, round_money
from ksef_desktop.i18n import N_

#: At most this many decimal places in a percentage ("12,3456%").
PERCENT_PLACES = 4
#: A percentage or amount longer than this is not a number anybody typed (and shorter
#: than Decimal's 28 digits, so nothing below is rounded by the context).
MAX_CHARS = 24
_HUNDRED = Decimal(100)

NOT_A_DISCOUNT = N_("The discount is an amount (e.g. 12,50) or a percentage (e.g. 10%).")
BAD_PERCENT = N_(
    "A discount in per cent is a number from 0 to 100 with at most 4 decimal places, "
    "e.g. 10% or 10,5%."
)
PERCENT_WAITS = N_("Type the quantity and the price first: the percentage is taken of them.")


@dataclass(frozen=True)
class Discount:
    """What a discount cell holds: an amount (``problem`` empty) or a problem's msgid.

    ``percent`` is set when the text was a percentage; ``amount`` is then the amount it
    comes to (``None`` while the quantity or the price is missing).
    """

    amount: Decimal | None
    percent: Decimal | None = None
    problem: str = ""


def is_percent(text: str) -> bool:
    return text.strip().endswith("%")


def _number(text: str) -> Decimal | None:
    cleaned = text.replace(NBSP, "").replace(" ", "")
    if not cleaned or len(cleaned) > MAX_CHARS or not cleaned.isascii():
        return None
    if any(c not in "0123456789.,+-" for c in cleaned):
        return None  # no exponents, no "Infinity", no "NaN"
    try:
        return parse_decimal(cleaned)
    except ValueError:
        return None


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def read_discount(
    text: str, quantity: Decimal | None = None, unit_price: Decimal | None = None
) -> Discount:
    """Read the discount typed for a line of ``quantity`` × ``unit_price``.

    Empty text is no discount (zero). An amount is returned as typed; whether it fits
    the line is ``check_invoice``'s business. A percentage must lie in 0–100.
    """
    stripped = text.strip()
    if not stripped:
        return Discount(ZERO)
    if not is_percent(stripped):
        amount = _number(stripped)
        if amount is None:
            return Discount(None, problem=NOT_A_DISCOUNT)
        return Discount(amount)
    percent = _number(stripped[:-1])
    if (
        percent is None
        or percent.is_signed()
        or percent > _HUNDRED
        or _places(percent.normalize()) > PERCENT_PLACES
    ):
        return Discount(None, problem=BAD_PERCENT)
    if quantity is None or unit_price is None:
        return Discount(None, percent, PERCENT_WAITS)
    try:
        with localcontext(WIDE):  # exact to the grosz however large the line is
            amount = round_money(quantity * unit_price * percent / _HUNDRED)
    except DecimalException:  # a quantity or price far out of range: checked elsewhere
        return Discount(None, percent, PERCENT_WAITS)
    return Discount(amount, percent)
