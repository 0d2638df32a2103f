"""The register (ewidencja): checks of the documents, the K_ fields written, the control sums.

Field names and sums follow the schema's documentation:
- SprzedazCtrl/PodatekNalezny: "suma kwot z K_16, K_18, K_20, K_24, K_26, K_28, K_30,
  K_32, K_33 i K_34 pomniejszona o kwotę z K_35, K_36 i K_360, z wyłączeniem faktur
  oznaczonych FP";
- ZakupCtrl/PodatekNaliczony: "suma kwot z K_41, K_43, K_44, K_45, K_46, K_47".
A row writes the K_ fields that are not zero; the schema pairs some of them (a base with
its tax: K_15/K_16 …, K_40/K_41, K_42/K_43), and a pair is written whole (0.00 for the
missing half) when either half is not zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from ksef_desktop.domain.identifiers import ksef_number_is_valid
from ksef_desktop.i18n import N_
from ksef_desktop.jpk.errors import JpkError, Notice
from ksef_desktop.jpk.model import (
    GTU_CODES,
    ZERO,
    Marker,
    PurchaseDocType,
    PurchaseDocument,
    SalesDocType,
    SalesDocument,
)
from ksef_desktop.jpk.schema import country_codes

SALES_FIELDS = (
    *(f"K_{n}" for n in range(10, 37)),
    "K_360",
)
PURCHASE_FIELDS = tuple(f"K_{n}" for n in range(40, 48))
_PAIRED = ((15, 16), (17, 18), (19, 20), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32))
SALES_PAIRS = {f"K_{a}": f"K_{b}" for a, b in _PAIRED} | {f"K_{b}": f"K_{a}" for a, b in _PAIRED}
PURCHASE_PAIRS = {"K_40": "K_41", "K_41": "K_40", "K_42": "K_43", "K_43": "K_42"}
SALES_TAX_ADDED = ("K_16", "K_18", "K_20", "K_24", "K_26", "K_28", "K_30", "K_32", "K_33", "K_34")
SALES_TAX_SUBTRACTED = ("K_35", "K_36", "K_360")
PURCHASE_TAX = ("K_41", "K_43", "K_44", "K_45", "K_46", "K_47")

GROSZ = Decimal("0.01")
#: TKwotowy: 18 digits, 2 of them after the point.
_AMOUNT_LIMIT = Decimal(10) ** 16
#: TDataT (from 2006) within etd:TData (to 2100); TDataTP (payment dates) from 2016.
_DATES = (date(2006, 1, 1), date(2100, 12, 31))
_PAYMENT_DATES = (date(2016, 1, 1), date(2100, 12, 31))
# Characters XML 1.0 cannot carry.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str, limit: int, what: str, doc: str) -> None:
    if not value.strip():
        raise JpkError(N_("{document}: {field} is empty."), document=doc, field=what)
    if len(" ".join(value.split())) > limit:
        raise JpkError(
            N_("{document}: {field} is longer than {limit} characters."),
            document=doc,
            field=what,
            limit=limit,
        )
    if NOT_XML.search(value):
        raise JpkError(
            N_("{document}: {field} contains a control character."), document=doc, field=what
        )


def _day(value: date | None, what: str, doc: str, bounds: tuple[date, date] = _DATES) -> None:
    if value is not None and not bounds[0] <= value <= bounds[1]:
        raise JpkError(
            N_("{document}: {field} {value} is outside {first} – {last}."),
            document=doc,
            field=what,
            value=value.isoformat(),
            first=bounds[0].isoformat(),
            last=bounds[1].isoformat(),
        )


def check_amount(value: Decimal, what: str, doc: str) -> None:
    """A PLN amount of the register: finite, whole grosze, within TKwotowy."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise JpkError(N_("{document}: {field} is not an amount."), document=doc, field=what)
    if abs(value) >= _AMOUNT_LIMIT or value != value.quantize(GROSZ):
        raise JpkError(
            N_("{document}: {field} = {value} is not an amount in złoty and grosze."),
            document=doc,
            field=what,
            value=value,
        )


def check_ksef(status: str, doc: str) -> None:
    if isinstance(status, Marker):
        return
    if not ksef_number_is_valid(status):
        raise JpkError(
            N_("{document}: {value} is neither a KSeF number nor OFF, BFK or DI."),
            document=doc,
            value=status,
        )


def _counterparty(number: str, name: str, country: str | None, doc: str) -> None:
    _text(number, 50, "NrKontrahenta/NrDostawcy", doc)
    _text(name, 512, "NazwaKontrahenta/NazwaDostawcy", doc)
    if country is not None and (country == "GR" or country not in country_codes()):
        raise JpkError(
            N_("{document}: {value} is not a country code of the JPK (Greece is EL)."),
            document=doc,
            value=country,
        )


def _amounts(amounts: Mapping[str, Decimal], fields: Sequence[str], doc: str) -> None:
    for name, value in amounts.items():
        if name not in fields:
            raise JpkError(
                N_("{document}: {field} is not a field of this register."), document=doc, field=name
            )
        check_amount(value, name, doc)


def check_sales(doc: SalesDocument) -> None:
    """Raise JpkError when ``doc`` cannot be a correct SprzedazWiersz."""
    name = doc.name
    _text(doc.number, 256, "DowodSprzedazy", name)
    _counterparty(doc.counterparty.number, doc.counterparty.name, doc.counterparty.country, name)
    _day(doc.issue_date, "DataWystawienia", name)
    _day(doc.sale_date, "DataSprzedazy", name)
    check_ksef(doc.ksef, name)
    if doc.doc_type in (SalesDocType.RO, SalesDocType.WEW) and doc.ksef != Marker.DI:
        # A cash register report and an internal document are not invoices.
        raise JpkError(
            N_("{document}: a document of type {type} is not an invoice; mark it DI."),
            document=name,
            type=doc.doc_type,
        )
    _amounts(doc.amounts, SALES_FIELDS, name)
    if doc.margin_gross is not None:
        check_amount(doc.margin_gross, "SprzedazVAT_Marza", name)
    for code in doc.gtu:
        if code not in GTU_CODES:
            raise JpkError(N_("{document}: {value} is not a GTU code."), document=name, value=code)
    if doc.bad_debt is not None:
        _day(doc.bad_debt.day, doc.bad_debt.kind.value, name, _PAYMENT_DATES)


def check_purchase(doc: PurchaseDocument) -> None:
    """Raise JpkError when ``doc`` cannot be a correct ZakupWiersz."""
    name = doc.name
    _text(doc.number, 256, "DowodZakupu", name)
    _counterparty(doc.counterparty.number, doc.counterparty.name, doc.counterparty.country, name)
    _day(doc.issue_date, "DataZakupu", name)
    _day(doc.received_date, "DataWplywu", name)
    check_ksef(doc.ksef, name)
    if doc.doc_type is PurchaseDocType.WEW and doc.ksef != Marker.DI:
        raise JpkError(
            N_("{document}: a document of type {type} is not an invoice; mark it DI."),
            document=name,
            type=doc.doc_type,
        )
    _amounts(doc.amounts, PURCHASE_FIELDS, name)
    if doc.margin_purchase is not None:
        check_amount(doc.margin_purchase, "ZakupVAT_Marza", name)


def written_fields(
    amounts: Mapping[str, Decimal], fields: Sequence[str], pairs: Mapping[str, str]
) -> list[tuple[str, Decimal]]:
    """The K_ fields a row writes, in schema order: the non-zero ones and their pairs."""
    present = {name for name, value in amounts.items() if value}
    present |= {pairs[name] for name in present if name in pairs}
    return [(name, amounts.get(name, ZERO)) for name in fields if name in present]


def counts_in_sums(doc: SalesDocument) -> bool:
    """False for an invoice to a receipt (FP): the receipt's report already counted it."""
    return doc.doc_type is not SalesDocType.FP


def field_sums(
    docs: Iterable[SalesDocument | PurchaseDocument], fields: Sequence[str]
) -> dict[str, Decimal]:
    """Each K_ field summed over the documents that count in the sums."""
    sums = dict.fromkeys(fields, ZERO)
    for doc in docs:
        if isinstance(doc, SalesDocument) and not counts_in_sums(doc):
            continue
        for name, value in doc.amounts.items():
            sums[name] += value
    return sums


def tax_due(sales: Iterable[SalesDocument]) -> Decimal:
    """SprzedazCtrl/PodatekNalezny."""
    sums = field_sums(sales, SALES_FIELDS)
    added = sum((sums[name] for name in SALES_TAX_ADDED), ZERO)
    return added - sum((sums[name] for name in SALES_TAX_SUBTRACTED), ZERO)


def tax_deductible(purchases: Iterable[PurchaseDocument]) -> Decimal:
    """ZakupCtrl/PodatekNaliczony."""
    sums = field_sums(purchases, PURCHASE_FIELDS)
    return sum((sums[name] for name in PURCHASE_TAX), ZERO)


def notices(sales: Sequence[SalesDocument], purchases: Sequence[PurchaseDocument]) -> list[Notice]:
    """What the user should see before filing (the file is valid all the same)."""
    found: list[Notice] = []
    for sale in sales:
        if sale.ksef == Marker.OFF:
            found.append(
                Notice(
                    "sale-off",
                    N_("Invoice {document} has no KSeF number yet: it is reported as OFF."),
                    {"document": sale.name},
                )
            )
        if sale.margin_tax_missing:
            found.append(
                Notice(
                    "margin-tax",
                    N_(
                        "Invoice {document} is a margin sale: its gross value is reported, "
                        "the tax on the margin was not given."
                    ),
                    {"document": sale.name},
                )
            )
    for purchase in purchases:
        if purchase.ksef in (Marker.OFF, Marker.BFK):
            found.append(
                Notice(
                    "purchase-without-number",
                    N_("Purchase {document} has no KSeF number: it is reported as {marker}."),
                    {"document": purchase.name, "marker": str(purchase.ksef)},
                )
            )
        if not any(purchase.amounts.get(name) for name in PURCHASE_TAX):
            found.append(
                Notice(
                    "purchase-no-deduction",
                    N_("Purchase {document} gives no input tax to deduct."),
                    {"document": purchase.name},
                )
            )
    return found
