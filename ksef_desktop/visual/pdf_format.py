"""How values are written on the printed invoice (Polish conventions, no-break spaces)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ksef_desktop.domain.invoice import (
    Address,
    EuVatNumber,
    NoTaxId,
    OtherTaxId,
    Party,
    PolishNip,
    VatRate,
)
from ksef_desktop.domain.money import NBSP, format_amount
from ksef_desktop.visual.pdf_labels import Labels


def amount(value: Decimal) -> str:
    """``1 234,56`` with no-break spaces (never wraps; pdftotext prints plain spaces)."""
    return format_amount(value, separator=NBSP)


def number(value: Decimal, *, min_places: int = 0) -> str:
    """A quantity or a unit price: as many decimals as it has, at least ``min_places``."""
    exponent = value.normalize().as_tuple().exponent
    places = max(min_places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    text = f"{abs(value):,.{places}f}".replace(",", NBSP).replace(".", ",")
    return ("-" if value < 0 else "") + text


def day(value: date, lang: str) -> str:
    return value.isoformat() if lang == "en" else value.strftime("%d.%m.%Y")


def rate(value: VatRate | None, labels: Labels) -> str:
    if value is None:
        return ""
    if value.percent is not None and value.value.isdigit():
        return f"{value.value}%"
    names = {
        VatRate.R0_KR: ("0% (kraj)", "0% (domestic)"),
        VatRate.R0_WDT: ("0% WDT", "0% intra-EU"),
        VatRate.R0_EX: ("0% eksport", "0% export"),
        VatRate.ZW: ("zw", "exempt"),
        VatRate.OO: ("oo", "reverse charge"),
        VatRate.NP_I: ("np I", "np I"),
        VatRate.NP_II: ("np II", "np II"),
    }
    return labels.pick(names[value])


def tax_id(party: Party, labels: Labels) -> str:
    ident = party.tax_id
    if isinstance(ident, PolishNip):
        return f"{labels('nip')}: {ident.nip}"
    if isinstance(ident, EuVatNumber):
        return f"{labels('eu_vat')}: {ident.country}{ident.number}"
    if isinstance(ident, OtherTaxId):
        prefix = f"{ident.country} " if ident.country else ""
        return f"{labels('other_id')}: {prefix}{ident.number}"
    assert isinstance(ident, NoTaxId)
    return labels("no_id")


def address_lines(address: Address | None) -> list[str]:
    if address is None:
        return []
    lines = [address.line1]
    if address.line2:
        lines.append(address.line2)
    if address.country and address.country != "PL":
        lines.append(address.country)
    return [line for line in lines if line]


def bank_account(text: str) -> str:
    """An account number in groups of four, as banks print it: "61 1090 1014 ..." (NRB)
    or "PL61 1090 ..." (IBAN); anything else is left as written."""
    compact = "".join(text.split())
    if not compact.isalnum():
        return text
    if len(compact) == 26 and compact.isdigit():
        return " ".join([compact[:2], *(compact[i : i + 4] for i in range(2, 26, 4))])
    if compact[:2].isalpha() and compact[2:4].isdigit():
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return text
