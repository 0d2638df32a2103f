"""Documents outside KSeF in the monthly VAT register, entered by hand (issue 19).

The store form of JPK_V7M (``services.jpk_month``) sees the invoices the program issued
and the purchases synced from KSeF. What else the register holds the user enters here:
- purchases: an invoice received on paper or by e-mail (a foreign supplier, a Polish one
  not yet obliged to use KSeF: ``BFK``; one issued offline and not yet in KSeF: ``OFF``;
  one in KSeF that the sync could not fetch: its KSeF number), another document (``DI``:
  an import document, an internal document WEW);
- sales: the monthly report of the cash register (RO) or an internal document (WEW),
  both ``DI``; an invoice issued outside KSeF where the law allows (``BFK``).

An entry is refused when it is made (``JpkError``, Polish and English) if the JPK
domain's own checks refuse its row (``jpk.register.check_sales``/``check_purchase``),
if its row alone does not make a register valid against the official schema, or if it
would count a document twice. Every change is one transaction.
"""

from __future__ import annotations

import calendar
import re
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from ksef_desktop.i18n import N_
from ksef_desktop.jpk.build import build_jpk
from ksef_desktop.jpk.errors import JpkError, Notice
from ksef_desktop.jpk.model import (
    FIRST_PERIOD,
    GTU_CODES,
    Counterparty,
    Marker,
    Organisation,
    Period,
    Procedure,
    PurchaseDocType,
    PurchaseDocument,
    SalesDocType,
    SalesDocument,
)
from ksef_desktop.jpk.register import (
    GROSZ,
    PURCHASE_FIELDS,
    SALES_FIELDS,
    check_purchase,
    check_sales,
)
from ksef_desktop.store import jpk_entries as rows
from ksef_desktop.store.db import Database
from ksef_desktop.store.jpk_entries import RegisterEntry, Side
from ksef_desktop.store.profiles import Profile

#: The purchase marker of an import of goods (ZakupWiersz/IMP).
IMP = "IMP"
_AMOUNT = re.compile(r"\s*(K_\d{2,3})\s*=\s*(.+?)\s*", re.ASCII)


class NoSuchEntry(JpkError):
    """The entry named is not the profile's (deleted meanwhile, or a wrong id)."""

    def __init__(self, entry_id: int) -> None:
        super().__init__(N_("There is no entry {id}."), id=entry_id)


def fields_of(side: Side) -> tuple[str, ...]:
    """The K_ fields a row of ``side`` may carry, in schema order."""
    return SALES_FIELDS if side is Side.SALES else PURCHASE_FIELDS


def types_of(side: Side) -> tuple[str, ...]:
    """The document types (TypDokumentu / DokumentZakupu) of ``side``."""
    kinds = SalesDocType if side is Side.SALES else PurchaseDocType
    return tuple(kind.value for kind in kinds)


def parse_amount(text: str) -> Decimal:
    """An amount as people type it: ``1000.00``, ``1 000,00``, ``-12,5``."""
    cleaned = re.sub(r"[\s\u00a0]", "", text).replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise JpkError(N_("{value} is not an amount."), value=text) from None
    if not value.is_finite():
        raise JpkError(N_("{value} is not an amount."), value=text)
    return value


def parse_amounts(pairs: list[str]) -> dict[str, Decimal]:
    """``["K_42=1000.00", "K_43=230.00"]`` as a mapping; a field given twice is refused."""
    found: dict[str, Decimal] = {}
    for pair in pairs:
        match = _AMOUNT.fullmatch(pair)
        if match is None:
            raise JpkError(N_("{value} is not FIELD=AMOUNT, e.g. K_42=1000.00."), value=pair)
        name = match.group(1)
        if name in found:
            raise JpkError(N_("{field} is given twice."), field=name)
        found[name] = parse_amount(match.group(2))
    return found


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise JpkError(
            N_("{field}: {value} is not a date YYYY-MM-DD."), field=what, value=text
        ) from None


def parse_status(text: str) -> str:
    """``OFF``, ``BFK``, ``DI`` (any case) or a KSeF number, as stored."""
    cleaned = text.strip()
    if cleaned.upper() in Marker.__members__:
        return Marker(cleaned.upper()).value
    return cleaned


def _status(text: str) -> str:
    return Marker(text) if text in Marker.__members__ else text


def document_of(entry: RegisterEntry) -> SalesDocument | PurchaseDocument:
    """The register row of ``entry`` (``JpkError`` for a type or marker of the wrong side)."""
    party = Counterparty(entry.party_number, entry.party_name, entry.party_country)
    if entry.side is Side.SALES:
        if entry.doc_type is not None and entry.doc_type not in types_of(Side.SALES):
            raise JpkError(
                N_("{value} is not a type of a sales document (RO, WEW, FP)."),
                value=entry.doc_type,
            )
        procedures = {code for code in entry.markers if code in Procedure.__members__}
        for code in entry.markers - procedures:
            if code not in GTU_CODES:
                raise JpkError(
                    N_("{value} is neither a GTU code nor a procedure of the sales register."),
                    value=code,
                )
        return SalesDocument(
            number=entry.number,
            issue_date=entry.issue_date,
            counterparty=party,
            ksef=_status(entry.ksef),
            amounts=dict(entry.amounts),
            sale_date=entry.other_date,
            doc_type=None if entry.doc_type is None else SalesDocType(entry.doc_type),
            gtu=frozenset(entry.markers - procedures),
            procedures=frozenset(Procedure(code) for code in procedures),
        )
    if entry.doc_type is not None and entry.doc_type not in types_of(Side.PURCHASE):
        raise JpkError(
            N_("{value} is not a type of a purchase document (MK, VAT_RR, WEW)."),
            value=entry.doc_type,
        )
    for code in entry.markers - {IMP}:
        raise JpkError(N_("{value} is not a marker of the purchase register (IMP)."), value=code)
    return PurchaseDocument(
        number=entry.number,
        issue_date=entry.issue_date,
        counterparty=party,
        ksef=_status(entry.ksef),
        amounts=dict(entry.amounts),
        received_date=entry.other_date,
        doc_type=None if entry.doc_type is None else PurchaseDocType(entry.doc_type),
        imp=IMP in entry.markers,
    )


def previous_month(today: date) -> Period:
    """The month whose file is due in ``today``'s month (never one before JPK_V7M(3))."""
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return Period(*max((year, month), FIRST_PERIOD))


def _last_day(period: Period) -> date:
    return date(period.year, period.month, calendar.monthrange(period.year, period.month)[1])


def check_entry(entry: RegisterEntry, own_nip: str) -> SalesDocument | PurchaseDocument:
    """The row of ``entry`` when it can be one of a correct file, else ``JpkError``."""
    period = Period.parse(entry.period)
    document = document_of(entry)
    if not any(entry.amounts.values()):
        raise JpkError(
            N_("{document}: give at least one amount (a K_ field) that is not zero."),
            document=entry.number,
        )
    if isinstance(document, SalesDocument):
        # No date rule here: a sale's tax may fall due in a month other than the one of
        # its issue date (an invoice may be issued up to the 15th of the next month).
        check_sales(document)
        sales, purchases = [document], []
    else:
        check_purchase(document)
        last = _last_day(period)
        # Input tax is deducted no earlier than in the month the invoice was received
        # (art. 86 ust. 10b pkt 1 of the VAT act).
        for day, what in (
            (document.issue_date, "DataZakupu"),
            (document.received_date, "DataWplywu"),
        ):
            if day is not None and day > last:
                raise JpkError(
                    N_("{document}: {field} {value} is after the month {month}."),
                    document=entry.number,
                    field=what,
                    value=day.isoformat(),
                    month=str(period),
                )
        if document.received_date is not None and document.received_date < document.issue_date:
            raise JpkError(
                N_("{document}: the invoice cannot be received before it was issued."),
                document=entry.number,
            )
        sales, purchases = [], [document]
    # The row alone, in a register-only file (CelZlozenia 2) of a stand-in taxpayer of the
    # profile's NIP, must validate against the official schema too: the last word on what
    # a row may be, should the domain's checks ever let something through. (What depends
    # on the whole month, e.g. P_46 not positive, is checked when the file is made.)
    stand_in = Organisation(own_nip, "-", "jpk@example.com", "1471")
    build_jpk(period, stand_in, sales, purchases, None, correction=True,
              created_at=datetime(2026, 2, 1, tzinfo=UTC))  # fmt: skip
    return document


def _duplicates(conn: sqlite3.Connection, entry: RegisterEntry, profile_id: int) -> None:
    same = rows.find_same(conn, entry, profile_id=profile_id)
    if same is not None:
        raise JpkError(
            N_("Document {document} of {party} is already entered (in {month})."),
            document=entry.number,
            party=entry.party_number,
            month=same.period,
        )
    if entry.ksef in Marker.__members__:
        return
    table = "invoices" if entry.side is Side.SALES else "purchases"
    found = conn.execute(
        f"SELECT 1 FROM {table} WHERE profile_id = ? AND ksef_number = ?",  # noqa: S608
        (profile_id, entry.ksef),
    ).fetchone()
    if found is not None:
        raise JpkError(
            N_("{value}: this KSeF number is already in the program; it goes into the file "
               "by itself."),
            value=entry.ksef,
        )  # fmt: skip


def _normalised(entry: RegisterEntry) -> RegisterEntry:
    return replace(
        entry,
        period=str(Period.parse(entry.period)),
        number=entry.number.strip(),
        party_number=entry.party_number.strip(),
        party_name=entry.party_name.strip(),
        party_country=(entry.party_country or "").strip().upper() or None,
        ksef=parse_status(entry.ksef),
        doc_type=(entry.doc_type or "").strip().upper() or None,
        markers=frozenset(code.strip().upper() for code in entry.markers if code.strip()),
        # A zero says nothing (a row writes only fields that are not zero); an unknown
        # field stays, to be refused by name.
        amounts={
            name: value
            for name, value in entry.amounts.items()
            if not (name in fields_of(entry.side) and value.is_finite() and value == 0)
        },
    )


def save_entry(db: Database, entry: RegisterEntry, profile: Profile, *, now: datetime) -> int:
    """Add ``entry`` (or replace the one with its id); its id. One transaction."""
    entry = _normalised(entry)
    check_entry(entry, profile.nip)
    # Checked to be whole grosze: kept as the file writes them (1000 as 1000.00).
    entry = replace(entry, amounts={k: v.quantize(GROSZ) for k, v in entry.amounts.items()})
    with db.transaction() as conn:
        _duplicates(conn, entry, profile.id)
        if entry.id is None:
            return rows.insert_entry(conn, entry, profile_id=profile.id, now=now)
        if not rows.update_entry(conn, entry, profile_id=profile.id, now=now):
            raise NoSuchEntry(entry.id)
        return entry.id


def delete_entry(db: Database, entry_id: int, profile: Profile) -> None:
    with db.transaction() as conn:
        if not rows.delete_entry(conn, entry_id, profile_id=profile.id):
            raise NoSuchEntry(entry_id)


def list_entries(db: Database, profile: Profile, period: Period) -> list[RegisterEntry]:
    return rows.list_entries(db.connection(), str(period), profile_id=profile.id)


@dataclass(frozen=True)
class EntryRows:
    """The month's entries as register rows, and what the user should know of them."""

    sales: list[SalesDocument]
    purchases: list[PurchaseDocument]
    notices: list[Notice]


def month_entries(conn: sqlite3.Connection, profile: Profile, period: Period) -> EntryRows:
    """The rows of ``period``'s entries (for ``jpk_month.gather_month``).

    An entry whose KSeF number the program now holds (the sync fetched it, or the
    invoice is the program's) is left out with a notice: it would be counted twice.
    """
    found = EntryRows([], [], [])
    for entry in rows.list_entries(conn, str(period), profile_id=profile.id):
        document = document_of(entry)
        if entry.ksef not in Marker.__members__:
            table = "invoices" if entry.side is Side.SALES else "purchases"
            held = conn.execute(
                f"SELECT 1 FROM {table} WHERE profile_id = ? AND ksef_number = ?",  # noqa: S608
                (profile.id, entry.ksef),
            ).fetchone()
            if held is not None:
                found.notices.append(
                    Notice(
                        "entry-duplicate",
                        N_(
                            "The entry {document} ({number}) is left out: the program now "
                            "holds this invoice itself. Delete the entry."
                        ),
                        {"document": entry.number, "number": entry.ksef},
                    )
                )
                continue
        if isinstance(document, SalesDocument):
            found.sales.append(document)
            continue
        found.purchases.append(document)
        if entry.ksef in (Marker.OFF, Marker.BFK) and entry.party_country in (None, "PL"):
            found.notices.append(
                Notice(
                    "purchase-outside-ksef",
                    N_(
                        "Purchase {document} from {supplier}: since 2026 a Polish VAT payer "
                        "issues its invoices in KSeF (art. 106ga of the VAT act). Check "
                        "whether the supplier should have given you a KSeF number, unless it "
                        "was not yet obliged to use KSeF or issued the invoice offline."
                    ),
                    {"document": entry.number, "supplier": entry.party_name},
                )
            )
    found.sales.sort(key=lambda doc: (doc.issue_date, doc.number))
    found.purchases.sort(key=lambda doc: (doc.received_date or doc.issue_date, doc.issue_date))
    return found
