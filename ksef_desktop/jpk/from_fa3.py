"""Sales and purchase documents of the register, made from FA(3) invoices.

The amounts are the invoice's own totals per rate (P_13_x, P_14_x, P_14_xW: a
correction's are its differences, an advance invoice's the advance, a settlement's the
rest), so the register says what the invoices say. Where FA(3) groups them:

| FA(3) | sales row | purchase row |
|---|---|---|
| P_13_1/P_14_1 (23 %, 22 %) | K_19/K_20 | K_42/K_43 (K_40/K_41: fixed assets) |
| P_13_2/P_14_2 (8 %, 7 %) | K_17/K_18 | same |
| P_13_3/P_14_3 (5 %) | K_15/K_16 | same |
| P_13_4/P_14_4 (taxi flat rate) | refused | same |
| P_13_5 (OSS, place of supply abroad) | K_11 | – |
| P_13_6_1 (0 % domestic) | K_13 | – |
| P_13_6_2 (0 % WDT) | K_21 | – |
| P_13_6_3 (0 % export) | K_22 | – |
| P_13_7 (exempt) | K_10 | – |
| P_13_8 (np: outside Poland) | K_11 | – |
| P_13_9 (np: services of art. 100 ust. 1 pkt 4) | K_11 and K_12 | – |
| P_13_10 (oo: the buyer accounts for the tax) | K_11 | self-assessed (``ReverseCharge``) |
| P_13_11 (margin schemes) | SprzedazVAT_Marza | – |

K_12 is part of K_11 (the declaration's P_12 is "w tym" of P_11). A domestic supply
under reverse charge (P_13_10) is reported by its seller in K_11, as the explanations to
the JPK_VAT structure and accounting programs do; its buyer reports the self-assessed
tax in the pair the ``ReverseCharge`` names (K_31/K_32 for art. 17 ust. 1 pkt 5) and
deducts it in K_42/K_43.

In a foreign currency the register is in złoty: the tax is P_14_xW where the invoice
gives it, the bases are P_13_x at the invoice's rate (KursWalutyZ, or the lines'
KursWaluty weighted by their net values when they differ); an invoice with no rate
(e.g. 0 % WDT or export) needs one from the caller (art. 31a of the VAT act).
Markers the invoice carries are kept: GTU and Procedura of the lines, TP, FP (→
TypDokumentu FP), P_PMarzy_2 (→ MR_T), P_PMarzy_3_x (→ MR_UZ), P_23 = 1 (→ TT_D),
P_16 = 1 on a purchase (→ DokumentZakupu MK).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ksef_desktop.domain.invoice import (
    TAXED_GROUPS,
    EuVatNumber,
    Invoice,
    NoTaxId,
    OtherTaxId,
    Party,
    PolishNip,
    RateTotal,
    Totals,
)
from ksef_desktop.domain.money import round_money
from ksef_desktop.fa3.parse import Fa3ParseError, parse
from ksef_desktop.i18n import N_
from ksef_desktop.jpk.errors import JpkError
from ksef_desktop.jpk.fa3_facts import Fa3Facts, Fa3Unreadable, read
from ksef_desktop.jpk.model import (
    NONE_GIVEN,
    ONE,
    ZERO,
    Counterparty,
    DeductionCategory,
    KsefStatus,
    Marker,
    Procedure,
    PurchaseDocType,
    PurchaseDocument,
    SalesDocType,
    SalesDocument,
    SelfAssessment,
)
from ksef_desktop.jpk.register import check_ksef, check_purchase, check_sales
from ksef_desktop.jpk.schema import country_codes

HUNDRED = Decimal(100)

#: FA(3) group -> (base field, tax field or None) of the sales row.
_SALES_GROUPS: dict[str, tuple[str, str | None]] = {
    "1": ("K_19", "K_20"),
    "2": ("K_17", "K_18"),
    "3": ("K_15", "K_16"),
    "5": ("K_11", None),
    "6_1": ("K_13", None),
    "6_2": ("K_21", None),
    "6_3": ("K_22", None),
    "7": ("K_10", None),
    "8": ("K_11", None),
    "9": ("K_11", None),
    "10": ("K_11", None),
}
#: The rate of a margin's tax -> its pair of fields.
_MARGIN_FIELDS = {
    Decimal(23): ("K_19", "K_20"),
    Decimal(8): ("K_17", "K_18"),
    Decimal(5): ("K_15", "K_16"),
}


@dataclass(frozen=True)
class MarginTax:
    """The base and tax of a margin sale (P_13_11): they depend on the purchase price,
    which the invoice does not show, so only the seller can give them."""

    net: Decimal
    vat: Decimal
    percent: Decimal = Decimal(23)


@dataclass(frozen=True)
class ReverseCharge:
    """How a buyer accounts for the tax of a reverse-charge purchase (P_13_10)."""

    kind: SelfAssessment
    percent: Decimal  # the Polish rate the buyer applies


class ReverseChargeUnchosen(JpkError):
    """A purchase under reverse charge (P_13_10) for which no ``ReverseCharge`` was given."""


class NotReverseCharge(JpkError):
    """A ``ReverseCharge`` given for a purchase without reverse-charge amounts."""


def _read(data: bytes, label: str) -> Fa3Facts:
    try:
        return read(data)
    except Fa3Unreadable as exc:
        raise JpkError(
            N_("{document}: not an FA(3) invoice: {reason}"), document=label, reason=exc
        ) from None


def _totals(facts: Fa3Facts, label: str) -> Totals:
    declared = facts.totals
    if declared.groups or not declared.gross:
        return declared
    # A simplified invoice (UPR) may state only its gross total P_15: it is split when
    # all its lines have one rate (tax = gross × rate / (100 + rate), art. 106e ust. 5).
    if len(facts.vat_rates) != 1:
        raise JpkError(
            N_("{document}: the invoice gives its gross total only, with no amounts per rate."),
            document=label,
        )
    (rate,) = facts.vat_rates
    gross = declared.gross
    percent = rate.percent
    if rate.group in TAXED_GROUPS and percent:
        vat = round_money(gross * percent / (HUNDRED + percent))
        return Totals({rate.group: RateTotal(net=gross - vat, vat=vat)}, gross)
    return Totals({rate.group: RateTotal(net=gross)}, gross)


def _line_rate(invoice: Invoice, group: str) -> Decimal | None:
    """The lines' KursWaluty for ``group``, weighted by their net values."""
    weighted = weights = ZERO
    seen: set[Decimal] = set()
    for line in invoice.lines:
        if line.rate is None or line.rate.group != group:
            continue
        if line.exchange_rate is None:
            return None
        amount = -line.amount if line.before_correction else line.amount
        percent = line.rate.percent
        if invoice.prices_gross and percent:
            amount -= amount * percent / (HUNDRED + percent)
        weighted += amount * line.exchange_rate
        weights += amount
        seen.add(line.exchange_rate)
    if weights:
        return weighted / weights
    return seen.pop() if len(seen) == 1 else None


def _invoice_rate(facts: Fa3Facts, given: Decimal | None, label: str) -> Decimal | None:
    stated = facts.exchange_rate
    if given is not None and (not given.is_finite() or given <= 0):
        raise JpkError(
            N_("{document}: {value} is not an exchange rate."), document=label, value=given
        )
    if stated is not None and given is not None and stated != given:
        raise JpkError(
            N_("{document}: the invoice states the exchange rate {stated}; {given} was given."),
            document=label,
            stated=stated,
            given=given,
        )
    return stated if stated is not None else given


def _groups_pln(facts: Fa3Facts, given_rate: Decimal | None, label: str) -> dict[str, RateTotal]:
    """The invoice's totals per FA(3) group, in złoty (net, tax)."""
    totals = _totals(facts, label)
    if not facts.is_foreign_currency:
        return {g: RateTotal(t.net, t.vat or ZERO) for g, t in totals.groups.items()}
    invoice_rate = _invoice_rate(facts, given_rate, label)
    # Lines at different rates: their amounts are needed, so the invoice is parsed whole.
    lines = _parsed(facts, label) if invoice_rate is None and facts.line_rates_differ else None
    result: dict[str, RateTotal] = {}
    for group, total in totals.groups.items():
        rate = invoice_rate or (_line_rate(lines, group) if lines is not None else None)
        if rate is None:
            raise JpkError(
                N_(
                    "{document}: the invoice is in {currency} and states no exchange rate; "
                    "give the rate of art. 31a of the VAT act."
                ),
                document=label,
                currency=facts.currency,
            )
        net = round_money(total.net * rate)
        if total.vat_pln is not None:
            vat = total.vat_pln
        else:
            vat = round_money((total.vat or ZERO) * rate)
        result[group] = RateTotal(net, vat)
    return result


def _parsed(facts: Fa3Facts, label: str) -> Invoice:
    try:
        return parse(facts.data)
    except Fa3ParseError as exc:
        raise JpkError(
            N_("{document}: not an FA(3) invoice: {reason}"), document=label, reason=exc
        ) from None


def _counterparty(party: Party) -> Counterparty:
    """The buyer or supplier as the register names them. NrKontrahenta is "wyłącznie kod
    cyfrowo-literowy" (the schema's documentation): spaces, dashes and the like are
    dropped, and the country goes to KodKrajuNadaniaTIN."""
    name = " ".join(party.name.split()) or NONE_GIVEN
    tax_id = party.tax_id
    if isinstance(tax_id, PolishNip):
        return Counterparty(tax_id.nip, name)
    if isinstance(tax_id, EuVatNumber | OtherTaxId):
        country = tax_id.country
        if country == "GR":
            country = "EL"
        number = "".join(c for c in tax_id.number if c.isalnum()) or NONE_GIVEN
        return Counterparty(number, name, country if country in country_codes() else None)
    assert isinstance(tax_id, NoTaxId)
    return Counterparty(NONE_GIVEN, name)


def _nip_of(party: Party) -> str | None:
    return party.tax_id.nip if isinstance(party.tax_id, PolishNip) else None


def _check_status(ksef: KsefStatus, label: str) -> None:
    if ksef == Marker.DI:
        raise JpkError(
            N_("{document}: an FA(3) invoice is an invoice; DI is for other documents."),
            document=label,
        )
    check_ksef(ksef, label)


def _assigned_on(ksef: KsefStatus) -> date | None:
    """The date in a KSeF number (NIP-YYYYMMDD-…), the day KSeF assigned it."""
    if isinstance(ksef, Marker):
        return None
    raw = ksef.split("-")[1]
    return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))


def _sale_date(facts: Fa3Facts) -> date | None:
    return None if facts.sale_date == facts.issue_date else facts.sale_date


def sales_document(
    data: bytes,
    ksef: KsefStatus,
    *,
    exchange_rate: Decimal | None = None,
    margin: MarginTax | None = None,
    gtu: frozenset[str] = frozenset(),
    procedures: frozenset[Procedure] = frozenset(),
    own_nip: str | None = None,
    label: str | None = None,
) -> SalesDocument:
    """The SprzedazWiersz of the FA(3) invoice ``data`` we issued, whose status is ``ksef``.

    ``gtu`` and ``procedures`` add markers the invoice does not carry; ``own_nip``, when
    given, must be the seller's NIP.
    """
    facts = _read(data, label or "FA(3)")
    name = label or facts.number
    _check_status(ksef, name)
    seller = _nip_of(facts.seller)
    if own_nip is not None and seller != own_nip:
        raise JpkError(
            N_("{document}: the seller's NIP {nip} is not the taxpayer's NIP {own}."),
            document=name,
            nip=seller or "-",
            own=own_nip,
        )
    amounts: dict[str, Decimal] = defaultdict(lambda: ZERO)
    margin_gross: Decimal | None = None
    for group, total in _groups_pln(facts, exchange_rate, name).items():
        if group == "4":
            raise JpkError(
                N_("{document}: the flat-rate tax of taxis (P_13_4) is not part of JPK_V7M."),
                document=name,
            )
        if group == "11":
            margin_gross = total.net  # P_13_11 is the gross value of the margin sale
            continue
        base, tax = _SALES_GROUPS[group]
        amounts[base] += total.net
        if tax is not None:
            amounts[tax] += total.vat or ZERO
        if group == "9":
            amounts["K_12"] += total.net
    if margin is not None:
        pair = _MARGIN_FIELDS.get(margin.percent)
        if margin_gross is None or pair is None:
            raise JpkError(
                N_("{document}: a margin tax needs a margin sale (P_13_11) at 23, 8 or 5 %."),
                document=name,
            )
        amounts[pair[0]] += margin.net
        amounts[pair[1]] += margin.vat
    document = SalesDocument(
        number=facts.number,
        issue_date=facts.issue_date,
        counterparty=_counterparty(facts.buyer),
        ksef=ksef,
        amounts=dict(amounts),
        sale_date=_sale_date(facts),
        doc_type=SalesDocType.FP if facts.invoice_to_receipt else None,
        gtu=facts.gtu | gtu,
        procedures=facts.procedures | procedures,
        margin_gross=margin_gross,
        margin_tax_missing=margin_gross is not None and margin is None,
        label=label,
    )
    check_sales(document)
    return document


def _purchase_parts(
    facts: Fa3Facts,
    reverse: ReverseCharge | None,
    exchange_rate: Decimal | None,
    own_nip: str | None,
    name: str,
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(net, tax) of the taxed groups and (base, tax) of the self-assessed reverse charge."""
    buyer = _nip_of(facts.buyer)
    if own_nip is not None and buyer != own_nip:
        raise JpkError(
            N_("{document}: the buyer's NIP {nip} is not the taxpayer's NIP {own}."),
            document=name,
            nip=buyer or "-",
            own=own_nip,
        )
    net = tax = base = ZERO
    for group, total in _groups_pln(facts, exchange_rate, name).items():
        if group in TAXED_GROUPS:
            net += total.net
            tax += total.vat or ZERO
        elif group == "10":
            base += total.net
    if base and reverse is None:
        raise ReverseChargeUnchosen(
            N_(
                "{document}: the invoice is under reverse charge (P_13_10); say under which "
                "rule and at which rate the tax is accounted for."
            ),
            document=name,
        )
    if reverse is None:
        return net, tax, ZERO, ZERO
    if not base:
        raise NotReverseCharge(
            N_("{document}: the invoice has no reverse-charge amounts (P_13_10)."),
            document=name,
        )
    if not reverse.percent.is_finite() or not ZERO <= reverse.percent <= HUNDRED:
        raise JpkError(
            N_("{document}: {value} is not a VAT rate."), document=name, value=reverse.percent
        )
    return net, tax, base, round_money(base * reverse.percent / HUNDRED)


def purchase_document(
    data: bytes,
    ksef: KsefStatus,
    *,
    category: DeductionCategory = DeductionCategory.OTHER,
    deductible_share: Decimal = ONE,
    received: date | None = None,
    exchange_rate: Decimal | None = None,
    reverse_charge: ReverseCharge | None = None,
    own_nip: str | None = None,
    label: str | None = None,
) -> PurchaseDocument:
    """The ZakupWiersz of the FA(3) invoice ``data`` we received.

    ``deductible_share`` (0–1) is the part of the input tax that may be deducted, e.g.
    0.5 for a car also used privately (art. 86a) or the proportion of art. 90; the net
    value is reported whole. ``received`` is DataWplywu; without it, an invoice with a
    KSeF number was received on the day the number was assigned (art. 106na ust. 3), the
    date the number carries.
    """
    document, _sale = purchase_rows(
        data, ksef, category=category, deductible_share=deductible_share, received=received,
        exchange_rate=exchange_rate, reverse_charge=reverse_charge, own_nip=own_nip,
        label=label,
    )  # fmt: skip
    return document


def purchase_rows(
    data: bytes,
    ksef: KsefStatus,
    *,
    category: DeductionCategory = DeductionCategory.OTHER,
    deductible_share: Decimal = ONE,
    received: date | None = None,
    exchange_rate: Decimal | None = None,
    reverse_charge: ReverseCharge | None = None,
    own_nip: str | None = None,
    label: str | None = None,
) -> tuple[PurchaseDocument, SalesDocument | None]:
    """The ZakupWiersz of ``data`` (as ``purchase_document``) and, under reverse charge,
    the SprzedazWiersz of the self-assessed tax (as ``self_assessed_sales``), from one
    reading of the invoice. ``ReverseChargeUnchosen`` for reverse-charge amounts without
    ``reverse_charge``, ``NotReverseCharge`` for ``reverse_charge`` without them."""
    facts = _read(data, label or "FA(3)")
    name = label or facts.number
    _check_status(ksef, name)
    if not deductible_share.is_finite() or not ZERO <= deductible_share <= ONE:
        raise JpkError(
            N_("{document}: the deductible share {value} is not between 0 and 1."),
            document=name,
            value=deductible_share,
        )
    net, tax, base, reverse_tax = _purchase_parts(
        facts, reverse_charge, exchange_rate, own_nip, name
    )
    fields = ("K_40", "K_41") if category is DeductionCategory.FIXED_ASSETS else ("K_42", "K_43")
    document = PurchaseDocument(
        number=facts.number,
        issue_date=facts.issue_date,
        counterparty=_counterparty(facts.seller),
        ksef=ksef,
        amounts={
            fields[0]: net + base,
            fields[1]: round_money((tax + reverse_tax) * deductible_share),
        },
        received_date=received or _assigned_on(ksef),
        doc_type=PurchaseDocType.MK if facts.cash_accounting else None,
        label=label,
    )
    check_purchase(document)
    if reverse_charge is None:
        return document, None
    return document, _self_assessed(facts, ksef, reverse_charge, base, reverse_tax, label)


def _self_assessed(
    facts: Fa3Facts,
    ksef: KsefStatus,
    reverse_charge: ReverseCharge,
    base: Decimal,
    tax: Decimal,
    label: str | None,
) -> SalesDocument:
    kind = reverse_charge.kind
    document = SalesDocument(
        number=facts.number,
        issue_date=facts.issue_date,
        counterparty=_counterparty(facts.seller),
        ksef=ksef,
        amounts={kind.value: base, kind.tax_field: tax},
        sale_date=_sale_date(facts),
        label=label,
    )
    check_sales(document)
    return document


def self_assessed_sales(
    data: bytes,
    ksef: KsefStatus,
    reverse_charge: ReverseCharge,
    *,
    exchange_rate: Decimal | None = None,
    own_nip: str | None = None,
    label: str | None = None,
) -> SalesDocument:
    """The SprzedazWiersz in which the buyer of a reverse-charge purchase owes its tax."""
    facts = _read(data, label or "FA(3)")
    name = label or facts.number
    _check_status(ksef, name)
    _, _, base, tax = _purchase_parts(facts, reverse_charge, exchange_rate, own_nip, name)
    return _self_assessed(facts, ksef, reverse_charge, base, tax, label)
