"""The input model of JPK_V7M(3): documents of one month and what only the user knows.

A ``SalesDocument`` becomes one ``SprzedazWiersz`` and a ``PurchaseDocument`` one
``ZakupWiersz``. Their ``amounts`` map the schema's K_ field names to PLN amounts with
at most two decimals (a correction carries its differences, negative where they are).
Documents are made from FA(3) invoices by ``jpk.from_fa3`` or by hand for what is not a
structured invoice (cash register reports, internal documents, paper invoices, imports).

Each document carries its KSeF status (``ksef``): the invoice's KSeF number, or one of
the markers of JPK_V7M(3) (schema, the choice in SprzedazWiersz / ZakupWiersz):
- ``OFF``: "Faktura, o której mowa w art. 106nf ust. 1 ustawy, która na dzień złożenia
  ewidencji nie posiada numeru identyfikującego tę fakturę w KSeF" (issued offline or in
  a failure of KSeF, not yet accepted);
- ``BFK``: "Faktura elektroniczna lub faktura w postaci papierowej" (an invoice issued
  outside KSeF where the law allows it, e.g. during a total failure);
- ``DI``: "Dowód inny niż faktura" (another document: a cash register report, an
  internal document, a customs declaration).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from ksef_desktop.i18n import N_
from ksef_desktop.jpk.errors import JpkError

ZERO = Decimal(0)
ONE = Decimal(1)

#: NrKontrahenta / NrDostawcy and the names when the document gives none (the brochure's
#: convention for a buyer without a tax number, e.g. a private person or a cash report).
NONE_GIVEN = "BRAK"


class Marker(StrEnum):
    """The markers that stand in for a KSeF number (see the module's docstring)."""

    OFF = "OFF"
    BFK = "BFK"
    DI = "DI"


#: A document's KSeF status: its KSeF number (str) or a ``Marker``.
KsefStatus = str


class SalesDocType(StrEnum):
    """TypDokumentu (TDowoduSprzedazy), § 10 ust. 5 of the regulation of 15.10.2019."""

    RO = "RO"  # a daily report of the cash register (raport okresowy)
    WEW = "WEW"  # an internal document (dokument wewnętrzny)
    FP = "FP"  # an invoice to a receipt (art. 109 ust. 3d): left out of the sums


class PurchaseDocType(StrEnum):
    """DokumentZakupu (TDowoduZakupu), § 11 ust. 8 of the regulation of 15.10.2019."""

    MK = "MK"  # an invoice of a supplier on cash accounting (metoda kasowa)
    VAT_RR = "VAT_RR"  # an invoice VAT RR (purchase from a flat-rate farmer)
    WEW = "WEW"  # an internal document


class Procedure(StrEnum):
    """The procedure markers of SprzedazWiersz, in schema order (§ 10 ust. 4)."""

    WSTO_EE = "WSTO_EE"
    IED = "IED"
    TP = "TP"
    TT_WNT = "TT_WNT"
    TT_D = "TT_D"
    MR_T = "MR_T"
    MR_UZ = "MR_UZ"
    I_42 = "I_42"
    I_63 = "I_63"
    B_SPV = "B_SPV"
    B_SPV_DOSTAWA = "B_SPV_DOSTAWA"
    B_MPV_PROWIZJA = "B_MPV_PROWIZJA"


#: GTU_01 … GTU_13, in schema order (§ 10 ust. 3).
GTU_CODES = tuple(f"GTU_{n:02d}" for n in range(1, 14))


class DeductionCategory(StrEnum):
    """Where a purchase's input tax goes: K_40/K_41 (fixed assets) or K_42/K_43."""

    FIXED_ASSETS = "fixed-assets"
    OTHER = "other"


class SelfAssessment(StrEnum):
    """The output tax a buyer accounts for itself, and the K_ pair it goes into."""

    INTRA_EU_ACQUISITION = "K_23"  # WNT, wewnątrzwspólnotowe nabycie towarów
    IMPORT_OF_GOODS_33A = "K_25"  # import of goods settled under art. 33a
    IMPORT_OF_SERVICES = "K_27"  # import of services, except art. 28b from VAT payers
    IMPORT_OF_SERVICES_28B = "K_29"  # services of art. 28b bought from EU VAT payers
    BUYER_IS_TAXPAYER = "K_31"  # supplies where the buyer is the taxpayer, art. 17.1.5

    @property
    def tax_field(self) -> str:
        return f"K_{int(self.value[2:]) + 1}"


class BadDebtKind(StrEnum):
    """KorektaPodstawyOpodt: the relief for bad debts, art. 89a of the VAT act."""

    UNPAID = "TerminPlatnosci"  # art. 89a ust. 1: the due date passed unpaid
    PAID_LATER = "DataZaplaty"  # art. 89a ust. 4: paid (or sold) after a correction


@dataclass(frozen=True)
class BadDebt:
    kind: BadDebtKind
    day: date  # the due date (UNPAID) or the day of payment (PAID_LATER)


@dataclass(frozen=True)
class Counterparty:
    """The buyer (sales) or the supplier (purchases) as the register names them.

    ``number`` is the tax number without a country prefix (NrKontrahenta/NrDostawcy),
    ``country`` the code of the country that gave it (KodKrajuNadaniaTIN; None for a
    Polish NIP; Greece is "EL").
    """

    number: str = NONE_GIVEN
    name: str = NONE_GIVEN
    country: str | None = None


@dataclass(frozen=True)
class SalesDocument:
    number: str  # DowodSprzedazy
    issue_date: date  # DataWystawienia
    counterparty: Counterparty
    ksef: KsefStatus
    amounts: Mapping[str, Decimal]  # K_10 … K_360, PLN
    sale_date: date | None = None  # DataSprzedazy, when it differs from the issue date
    doc_type: SalesDocType | None = None
    gtu: frozenset[str] = frozenset()
    procedures: frozenset[Procedure] = frozenset()
    bad_debt: BadDebt | None = None
    margin_gross: Decimal | None = None  # SprzedazVAT_Marza
    #: A margin sale (P_13_11) whose tax on the margin was not given (see from_fa3).
    margin_tax_missing: bool = False
    label: str | None = None  # how messages name it (a file name); default: the number

    @property
    def name(self) -> str:
        return self.label or self.number


@dataclass(frozen=True)
class PurchaseDocument:
    number: str  # DowodZakupu
    issue_date: date  # DataZakupu
    counterparty: Counterparty
    ksef: KsefStatus
    amounts: Mapping[str, Decimal]  # K_40 … K_47, PLN
    received_date: date | None = None  # DataWplywu
    doc_type: PurchaseDocType | None = None
    imp: bool = False  # IMP: import of goods (§ 11 ust. 2 pkt 1)
    margin_purchase: Decimal | None = None  # ZakupVAT_Marza
    label: str | None = None

    @property
    def name(self) -> str:
        return self.label or self.number


# --- the taxpayer and the period -------------------------------------------------------


@dataclass(frozen=True)
class NaturalPerson:
    """Podmiot1/OsobaFizyczna: a sole trader (etd:TIdentyfikatorOsobyFizycznej2 + Email)."""

    nip: str
    first_name: str  # ImiePierwsze
    last_name: str  # Nazwisko
    birth_date: date  # DataUrodzenia (required by the schema)
    email: str  # required by the schema
    tax_office: str  # Naglowek/KodUrzedu (TKodUS)
    phone: str | None = None


@dataclass(frozen=True)
class Organisation:
    """Podmiot1/OsobaNiefizyczna."""

    nip: str
    name: str  # PelnaNazwa
    email: str
    tax_office: str
    phone: str | None = None


Taxpayer = NaturalPerson | Organisation

_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
#: JPK_V7M(3) applies from the settlement of February 2026 (SOURCES.md of the schema set).
FIRST_PERIOD = (2026, 2)


@dataclass(frozen=True, order=True)
class Period:
    """The month a file settles (Naglowek/Rok, Miesiac)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 2026 <= self.year <= 2090:
            raise JpkError(N_("Not a month: {value}"), value=f"{self.year}-{self.month:02d}")
        if (self.year, self.month) < FIRST_PERIOD:
            raise JpkError(
                N_("JPK_V7M(3) is for months from February 2026; {value} is earlier."),
                value=str(self),
            )

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _MONTH.fullmatch(text.strip())
        if match is None:
            raise JpkError(N_("Not a month: {value}"), value=text)
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


# --- the declaration's inputs ----------------------------------------------------------


class RefundMode(StrEnum):
    """How a refund (P_54) is asked for: the one field of the schema's choice."""

    DAYS_15 = "P_540"  # to the settlement account within 15 days
    VAT_ACCOUNT_25 = "P_55"  # to the VAT account within 25 days
    DAYS_25 = "P_56"  # to the settlement account within 25 days (art. 87 ust. 6)
    DAYS_40 = "P_560"  # to the settlement account within 40 days
    DAYS_180 = "P_58"  # to the settlement account within 180 days


@dataclass(frozen=True)
class Refund:
    """P_54 with its mode; optionally P_59–P_61 (part credited to future liabilities)."""

    amount: Decimal  # whole złoty
    mode: RefundMode
    credit_amount: Decimal | None = None  # P_60
    credit_for: str | None = None  # P_61: the kind of the future liability


@dataclass(frozen=True)
class DeclarationInputs:
    """The declaration's values that the register does not give (whole złoty)."""

    surplus_carried: Decimal = ZERO  # P_39: the surplus of the previous declaration (P_62)
    cash_register_relief: Decimal = ZERO  # P_49
    tax_abandoned: Decimal = ZERO  # P_50: "podatek objęty zaniechaniem poboru"
    cash_register_relief_rest: Decimal = ZERO  # P_52
    refund: Refund | None = None  # P_54 …
    #: P_63 (art. 119), P_64 (art. 120 ust. 4/5), P_66 (art. 136) are also set by the
    #: register's MR_T, MR_UZ and TT_D markers; the others only by the user.
    travel_margin: bool = False  # P_63
    second_hand_margin: bool = False  # P_64
    investment_gold: bool = False  # P_65: art. 122
    triangular_second: bool = False  # P_66
    facilitator: bool = False  # P_660: art. 109b ust. 4
    reduction_108d: bool = False  # P_67
    correction_reason: str | None = None  # P_ORDZU (only with CelZlozenia 2)
