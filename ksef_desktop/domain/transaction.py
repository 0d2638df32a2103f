"""The kinds of sale the editor offers by name, and what each puts on the invoice.

What FA(3) asks (the schema's documentation of the fields; ustawa o VAT):

- **Services to a taxable person in another EU country** (place of supply in the buyer's
  country, art. 28b; "świadczenie usług, o których mowa w art. 100 ust. 1 pkt 4"): rate
  ``np II`` (P_12), summed in P_13_9. The buyer settles the VAT in their country, so the
  invoice must say "odwrotne obciążenie" (art. 106e ust. 1 pkt 18): P_18 = 1. The buyer
  is named by the VAT number under which they bought (art. 106e ust. 1 pkt 5): their EU
  VAT number (Podmiot2 KodUE/NrVatUE).
- **Intra-Community supply of goods (WDT)**: rate ``0 WDT`` (P_12), summed in P_13_6_2.
  The Polish seller taxes it at 0 %; the buyer accounts for an intra-Community
  acquisition, which is not a reverse charge of this supply: P_18 = 2. It needs the
  buyer's EU VAT number (art. 42 ust. 1 pkt 1; art. 106e ust. 1 pkt 5).
- **Export of goods**: rate ``0 EX``, summed in P_13_6_3; P_18 = 2.
- **Domestic reverse charge**: rate ``oo``, summed in P_13_10, whose documentation names
  art. 17 ust. 1 pkt 7 and 8 "and other cases of reverse charge in domestic trade": the
  buyer is a Polish taxpayer (a Polish NIP) who settles the VAT; P_18 = 1. It is *not*
  the path for a German (or any EU) buyer of services or goods: those are ``np II`` or
  ``0 WDT`` above, which is why ``oo`` with an EU VAT number is refused with a pointer
  to them.
- **Domestic sale**: the Polish rates, chosen per line (23, 8, 5, 0 KR, zw), and the
  other cases by their own rate on a line (np I: supply outside Poland other than
  art. 100 ust. 1 pkt 4, P_13_8).

The type of an invoice is not stored: it follows from its lines' rates (``type_of``), so a
draft opens under the type it was made with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ksef_desktop.domain.invoice import ISSUABLE_RATES, Invoice, VatRate
from ksef_desktop.i18n import N_


class TransactionType(StrEnum):
    DOMESTIC = "domestic"
    EU_SERVICES = "eu-services"
    WDT = "wdt"
    EXPORT = "export"
    DOMESTIC_REVERSE_CHARGE = "domestic-reverse-charge"


class BuyerKind(StrEnum):
    """Which identifier the buyer of a type of sale must have (None: any)."""

    POLISH = "pl"
    EU = "eu"


@dataclass(frozen=True)
class TransactionRule:
    label: str  # N_ message id
    explanation: str  # N_ message id: what the invoice will say, with the law
    rates: tuple[VatRate, ...]  # the rates its lines may have; the first one for a new line
    buyer: BuyerKind | None

    @property
    def default_rate(self) -> VatRate:
        return self.rates[0]


RULES: dict[TransactionType, TransactionRule] = {
    TransactionType.DOMESTIC: TransactionRule(
        N_("Domestic sale (rate per line)"),
        N_("Polish VAT at the rate chosen on each line."),
        ISSUABLE_RATES,
        None,
    ),
    TransactionType.EU_SERVICES: TransactionRule(
        N_("Services to an EU business (art. 28b, np II)"),
        N_(
            "Not taxed in Poland (art. 100 ust. 1 pkt 4): the buyer settles the VAT in their "
            "country. The invoice says “odwrotne obciążenie” and needs the buyer's EU VAT "
            "number."
        ),
        (VatRate.NP_II,),
        BuyerKind.EU,
    ),
    TransactionType.WDT: TransactionRule(
        N_("Goods to an EU business (WDT, 0%)"),
        N_(
            "Intra-Community supply of goods at 0% (art. 42): needs the buyer's EU VAT number "
            "and proof that the goods left Poland."
        ),
        (VatRate.R0_WDT,),
        BuyerKind.EU,
    ),
    TransactionType.EXPORT: TransactionRule(
        N_("Export of goods (0%)"),
        N_("Goods leaving the EU, at 0% (art. 41 ust. 4): keep the customs proof of export."),
        (VatRate.R0_EX,),
        None,
    ),
    TransactionType.DOMESTIC_REVERSE_CHARGE: TransactionRule(
        N_("Domestic reverse charge (oo)"),
        N_(
            "The Polish buyer settles the VAT (reverse charge in domestic trade). The invoice "
            "says “odwrotne obciążenie” and needs the buyer's Polish NIP."
        ),
        (VatRate.OO,),
        BuyerKind.POLISH,
    ),
}

#: Rates under which the buyer is the one obliged to settle the tax: the invoice carries
#: "odwrotne obciążenie" (art. 106e ust. 1 pkt 18; FA(3) P_18 = 1).
REVERSE_CHARGE_RATES = frozenset({VatRate.OO, VatRate.NP_II})


def type_of(rates: Iterable[VatRate | None]) -> TransactionType:
    """The type whose one rate every line has; otherwise a domestic sale."""
    found = {r for r in rates if r is not None}
    for kind, rule in RULES.items():
        if kind is not TransactionType.DOMESTIC and found and found == set(rule.rates):
            return kind
    return TransactionType.DOMESTIC


def reverse_charge(invoice: Invoice) -> bool:
    """Whether the invoice must say "odwrotne obciążenie" (P_18 = 1)."""
    return any(line.rate in REVERSE_CHARGE_RATES for line in invoice.lines)
