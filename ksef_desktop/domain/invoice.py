"""The invoice model: what the editor issues (VAT, KOR, ZAL) and what FA(3) files hold.

Plain frozen dataclasses with Decimal money; no I/O. Totals are never stored on an
invoice that we issue: ``ksef_desktop.domain.totals.compute_totals`` derives them, so
they always add up. An invoice parsed from a file keeps the totals the file declared in
``declared`` (not part of equality), for showing files written by other programs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum, StrEnum

from ksef_desktop.domain.marks import LineProcedure
from ksef_desktop.domain.money import ZERO, round_money


class InvoiceKind(StrEnum):
    """RodzajFaktury."""

    VAT = "VAT"  # basic invoice
    KOR = "KOR"  # correction
    ZAL = "ZAL"  # advance payment invoice
    ROZ = "ROZ"  # settlement of advances
    UPR = "UPR"  # simplified invoice (art. 106e ust. 5 pkt 3)
    KOR_ZAL = "KOR_ZAL"
    KOR_ROZ = "KOR_ROZ"


#: The kinds this program issues; the others are parsed and shown.
ISSUABLE_KINDS = frozenset({InvoiceKind.VAT, InvoiceKind.KOR, InvoiceKind.ZAL})


class VatRate(StrEnum):
    """P_12 (TStawkaPodatku), spelled exactly as FA(3) spells it."""

    R23 = "23"
    R22 = "22"
    R8 = "8"
    R7 = "7"
    R5 = "5"
    R4 = "4"
    R3 = "3"
    R0_KR = "0 KR"  # 0% domestic
    R0_WDT = "0 WDT"  # 0% intra-Community supply of goods
    R0_EX = "0 EX"  # 0% export of goods
    ZW = "zw"  # exempt
    OO = "oo"  # reverse charge (odwrotne obciążenie)
    NP_I = "np I"  # outside Poland, except art. 100 ust. 1 pkt 4
    NP_II = "np II"  # services of art. 100 ust. 1 pkt 4 (EU B2B services)

    @property
    def percent(self) -> Decimal | None:
        """The tax percentage, or None where no Polish VAT is charged (zw, oo, np)."""
        if self.value.isdigit():
            return Decimal(self.value)
        if self.value.startswith("0 "):
            return ZERO
        return None

    @property
    def group(self) -> str:
        """The suffix of the P_13_x / P_14_x pair that sums this rate."""
        return _RATE_GROUP[self]


_RATE_GROUP = {
    VatRate.R23: "1",
    VatRate.R22: "1",
    VatRate.R8: "2",
    VatRate.R7: "2",
    VatRate.R5: "3",
    VatRate.R4: "4",
    VatRate.R3: "4",
    VatRate.R0_KR: "6_1",
    VatRate.R0_WDT: "6_2",
    VatRate.R0_EX: "6_3",
    VatRate.ZW: "7",
    VatRate.NP_I: "8",
    VatRate.NP_II: "9",
    VatRate.OO: "10",
}

#: Groups with a tax amount (P_14_x) and, in a foreign currency, its PLN value (P_14_xW).
TAXED_GROUPS = ("1", "2", "3", "4")
#: Every P_13 group in schema order.
ALL_GROUPS = ("1", "2", "3", "4", "5", "6_1", "6_2", "6_3", "7", "8", "9", "10", "11")

#: The rates the editor offers today (current Polish rates).
ISSUABLE_RATES = (
    VatRate.R23,
    VatRate.R8,
    VatRate.R5,
    VatRate.R0_KR,
    VatRate.R0_WDT,
    VatRate.R0_EX,
    VatRate.ZW,
    VatRate.NP_I,
    VatRate.NP_II,
    VatRate.OO,
)


class PaymentMethod(IntEnum):
    """FormaPlatnosci."""

    CASH = 1
    CARD = 2
    VOUCHER = 3
    CHEQUE = 4
    CREDIT = 5
    TRANSFER = 6
    MOBILE = 7


class ExemptionBasis(StrEnum):
    """Which of P_19A/B/C names the legal basis of an exemption."""

    ACT = "A"  # a provision of the VAT act or of a regulation
    DIRECTIVE = "B"  # a provision of directive 2006/112/EC
    OTHER = "C"  # another legal basis


class CorrectionEffect(IntEnum):
    """TypKorekty: when the correction takes effect in the VAT records."""

    ORIGINAL_DATE = 1
    CORRECTION_DATE = 2
    OTHER_DATE = 3


# --- parties ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PolishNip:
    nip: str


@dataclass(frozen=True)
class EuVatNumber:
    country: str  # KodUE, e.g. "DE", "EL"
    number: str  # NrVatUE without the prefix


@dataclass(frozen=True)
class OtherTaxId:
    number: str  # NrID
    country: str | None = None  # KodKraju of the issuing country


@dataclass(frozen=True)
class NoTaxId:
    """A buyer without a tax identifier (a private person): BrakID."""


TaxId = PolishNip | EuVatNumber | OtherTaxId | NoTaxId


@dataclass(frozen=True)
class Address:
    country: str  # ISO 3166 alpha-2, upper case
    line1: str
    line2: str | None = None


@dataclass(frozen=True)
class Party:
    tax_id: TaxId
    name: str
    address: Address | None = None
    email: str | None = None
    phone: str | None = None


# --- lines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One FaWiersz (or ZamowienieWiersz on an advance invoice).

    ``unit_price`` is net (P_9A) or gross (P_9B) as the invoice's ``prices_gross`` says;
    ``discount`` is an amount taken off the line (P_10). ``value`` is set only when the
    line's value cannot be derived from quantity and price (files of other programs).
    """

    name: str
    rate: VatRate | None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    unit: str | None = None
    discount: Decimal = ZERO
    before_correction: bool = False  # StanPrzed: the "before" half of a correction
    exchange_rate: Decimal | None = None  # KursWaluty when it differs per line
    gtu: str | None = None  # GTU / GTUZ: "GTU_01" … "GTU_13" (domain.marks)
    value: Decimal | None = None
    procedure: LineProcedure | None = None  # Procedura / ProceduraZ (domain.marks)

    @property
    def has_amount(self) -> bool:
        """False for a line that states no value (e.g. a quantity-only correction)."""
        return self.value is not None or (self.quantity is not None and self.unit_price is not None)

    @property
    def amount(self) -> Decimal:
        """The line's value (P_11 net or P_11A gross), rounded to grosze."""
        if self.value is not None:
            return self.value
        if self.quantity is None or self.unit_price is None:
            return ZERO
        return round_money(self.quantity * self.unit_price - self.discount)


# --- invoice-level parts -------------------------------------------------------------------


@dataclass(frozen=True)
class Exemption:
    basis: ExemptionBasis
    text: str


@dataclass(frozen=True)
class Payment:
    method: PaymentMethod | None = None
    due_date: date | None = None
    bank_account: str | None = None
    bank_name: str | None = None
    paid: bool = False
    paid_date: date | None = None
    payment_link: str | None = None  # LinkDoPlatnosci
    ipksef: str | None = None  # IPKSeF


@dataclass(frozen=True)
class CorrectedInvoice:
    """DaneFaKorygowanej: the invoice a correction corrects."""

    issue_date: date
    number: str
    ksef_number: str | None  # None: issued outside KSeF (NrKSeFN)


@dataclass(frozen=True)
class Correction:
    corrected: tuple[CorrectedInvoice, ...]
    reason: str | None = None
    effect: CorrectionEffect | None = None


@dataclass(frozen=True)
class RateTotal:
    net: Decimal  # P_13_x
    vat: Decimal | None = None  # P_14_x
    vat_pln: Decimal | None = None  # P_14_xW


@dataclass(frozen=True)
class Totals:
    groups: dict[str, RateTotal]
    gross: Decimal  # P_15

    @property
    def net(self) -> Decimal:
        return sum((g.net for g in self.groups.values()), ZERO)

    @property
    def vat(self) -> Decimal:
        return sum((g.vat or ZERO for g in self.groups.values()), ZERO)


EXCHANGE_RATE_DATE_KEY = "Data kursu waluty"


@dataclass(frozen=True)
class Invoice:
    kind: InvoiceKind
    number: str  # P_2
    issue_date: date  # P_1
    seller: Party  # Podmiot1
    buyer: Party  # Podmiot2
    lines: tuple[Line, ...]
    created_at: datetime  # DataWytworzeniaFa (aware)
    issue_place: str | None = None  # P_1M
    sale_date: date | None = None  # P_6
    sale_period: tuple[date, date] | None = None  # OkresFa
    currency: str = "PLN"
    exchange_rate: Decimal | None = None
    exchange_rate_date: date | None = None
    prices_gross: bool = False
    payment: Payment | None = None
    correction: Correction | None = None
    advance_received: Decimal | None = None  # ZAL: the gross amount received (P_15)
    exemption: Exemption | None = None
    split_payment: bool = False  # P_18A
    cash_accounting: bool = False  # P_16
    self_billing: bool = False  # P_17
    related_parties: bool = False  # TP: buyer and seller are related (domain.marks)
    notes: tuple[tuple[str, str], ...] = ()  # DodatkowyOpis (key, value)
    footer: str | None = None  # Stopka/Informacje/StopkaFaktury
    system_info: str = "KSeF Desktop"
    declared: Totals | None = field(default=None, compare=False)

    @property
    def is_foreign_currency(self) -> bool:
        return self.currency != "PLN"

    @property
    def seller_nip(self) -> str:
        if not isinstance(self.seller.tax_id, PolishNip):
            raise ValueError("the seller of an FA(3) invoice has a Polish NIP")
        return self.seller.tax_id.nip
