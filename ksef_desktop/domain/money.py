"""Money: Decimal only, rounded half up to grosze, printed the Polish way."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

GROSZ = Decimal("0.01")
ZERO = Decimal("0")
NBSP = "\u00a0"
#: Rounding to grosze needs as many digits as the whole part has: the default context's
#: 28 would fail (InvalidOperation) on a product of two large amounts from a file. Use it
#: also (``decimal.localcontext(WIDE)``) where such a product must be exact to the grosz.
WIDE = Context(prec=200, rounding=ROUND_HALF_UP)
_ROUNDING = WIDE


def round_money(value: Decimal) -> Decimal:
    """Round to 2 decimal places, half away from zero (the accounting rule)."""
    return value.quantize(GROSZ, rounding=ROUND_HALF_UP, context=_ROUNDING)


def parse_decimal(text: str) -> Decimal:
    """Read a decimal typed by a person or found in XML: "1 234,56", "1234.56", "-3"."""
    cleaned = text.strip().replace(NBSP, "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    return value


def format_amount(value: Decimal, *, separator: str = " ") -> str:
    """``1234.5`` → ``"1 234,50"``: space between thousands, comma before grosze."""
    rounded = round_money(value)
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):.2f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{separator.join(groups)},{fraction}"


def xml_decimal(value: Decimal, places: int | None = None) -> str:
    """The canonical XML text of a decimal: no exponent, no trailing zeros beyond ``places``.

    ``places=2`` (TKwotowy) always prints two decimals: "1626.01", "20000.00".
    Without ``places`` the shortest exact form is printed: "1", "4.408", "0.5".
    """
    if places is not None:
        quantum = Decimal(1).scaleb(-places)
        return f"{value.quantize(quantum, rounding=ROUND_HALF_UP, context=_ROUNDING):f}"
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text
