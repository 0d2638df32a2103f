"""A catalogue item (a product or service the company sells) and its price on a line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.domain.money import round_money


@dataclass(frozen=True)
class CatalogueItem:
    name: str
    price: Decimal
    rate: VatRate
    unit: str = ""
    price_gross: bool = False
    gtu: str | None = None  # "GTU_01" ... "GTU_13"
    pkwiu: str | None = None
    cn: str | None = None
    id: int | None = None


def price_for(item: CatalogueItem, prices_gross: bool) -> Decimal:
    """The item's unit price on an invoice whose prices are net or gross (``prices_gross``):
    as kept, or converted with the item's rate, rounded to grosze (rates without Polish
    VAT — zw, np, oo — have net = gross)."""
    if item.price_gross == prices_gross:
        return item.price
    percent = item.rate.percent or Decimal(0)
    factor = 1 + percent / 100
    return round_money(item.price * factor if prices_gross else item.price / factor)
