"""JPK_V7M(3) of one month from the invoices the profile holds (issue 19).

Which invoices go in, and with which KSeF status (the choice NrKSeF / OFF / BFK / DI of
SprzedazWiersz and ZakupWiersz, see ``jpk.model``):

Sales, the profile's invoices issued in the month (by their issue date, P_1):
- accepted by KSeF: its KSeF number (NrKSeF);
- issued offline (offline24, offline, awaria) and not yet accepted: ``OFF`` ("faktura …,
  która na dzień złożenia ewidencji nie posiada numeru … w KSeF");
- issued during a total failure (awaria całkowita) and not in KSeF: ``BFK`` — such an
  invoice need not be sent to KSeF at all (KSEF-PROTOCOL.md, offline modes), so it is an
  invoice outside KSeF ("faktura elektroniczna lub faktura w postaci papierowej");
- rejected by KSeF: left out, with a notice (its technical correction, once issued,
  is an invoice of its own and comes in by its own state);
- an online invoice not yet accepted: left out, with a notice. An invoice issued in
  KSeF is issued on the day it is sent (art. 106na ust. 1 of the VAT act): until KSeF
  accepts it, it is not an invoice yet;
- a correction (KOR) is a row of its own with its differences (``jpk.from_fa3``).

Purchases, received from KSeF as buyer (Podmiot2): those whose KSeF number was assigned
in the month, the day the law counts as their receipt (art. 106na ust. 3) and so the
DataWplywu of the row. Invoices in which the profile is only a third subject (Podmiot3)
are left out with a notice: the profile did not buy.

The file is validated against the official schema set by ``jpk.build.build_jpk``
before any byte is returned; writing it is the caller's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from ksef_desktop.domain.offline import OfflineMode
from ksef_desktop.i18n import N_
from ksef_desktop.jpk import from_fa3
from ksef_desktop.jpk.build import JpkSummary, build_jpk, summarize
from ksef_desktop.jpk.errors import JpkError, Notice
from ksef_desktop.jpk.model import (
    DeclarationInputs,
    KsefStatus,
    Marker,
    Period,
    PurchaseDocument,
    SalesDocument,
    Taxpayer,
)
from ksef_desktop.jpk.register import notices as register_notices
from ksef_desktop.store.states import InvoiceState

if TYPE_CHECKING:
    from ksef_desktop.store import Store
    from ksef_desktop.store.archive import Archive
    from ksef_desktop.store.profiles import Profile


@dataclass(frozen=True)
class MonthDocuments:
    """What goes into the file of a month, and what the user should know about it."""

    period: Period
    sales: tuple[SalesDocument, ...]
    purchases: tuple[PurchaseDocument, ...]
    notices: tuple[Notice, ...]


@dataclass(frozen=True)
class MonthFile:
    """The validated file of a month and what went into it."""

    data: bytes
    documents: MonthDocuments
    summary: JpkSummary


def month_bounds(period: Period) -> tuple[date, date]:
    """The first and the last day of ``period``."""
    first = date(period.year, period.month, 1)
    following = date(period.year + period.month // 12, period.month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def _sales_status(state: InvoiceState, mode: str | None, ksef: str | None) -> KsefStatus | None:
    """The KSeF status of an issued invoice of ours, None when it is not reported."""
    if state is InvoiceState.ACCEPTED and ksef:
        return ksef
    if state in (InvoiceState.REJECTED, InvoiceState.DRAFT) or mode is None:
        return None
    if mode == OfflineMode.AWARIA_CALKOWITA:
        return Marker.BFK
    return Marker.OFF


def _sales(
    conn: sqlite3.Connection, profile: Profile, period: Period
) -> tuple[list[SalesDocument], list[Notice]]:
    first, last = month_bounds(period)
    # One statement (one snapshot) brings each invoice's frozen XML with its row, read
    # row by row: no query per invoice, and only the XML is read, not the draft's JSON.
    rows = conn.execute(
        "SELECT i.id, i.state, i.mode, i.ksef_number, i.number, d.xml FROM invoices i "
        "LEFT JOIN invoice_documents d ON d.invoice_id = i.id WHERE i.profile_id = ? "
        "AND i.state != 'draft' AND i.issue_date BETWEEN ? AND ? ORDER BY i.issue_date, i.id",
        (profile.id, first.isoformat(), last.isoformat()),
    )
    documents: list[SalesDocument] = []
    found: list[Notice] = []
    for invoice_id, state_text, mode, ksef, number, xml in rows:
        state = InvoiceState(state_text)
        name = str(number or f"#{invoice_id}")
        status = _sales_status(state, mode, ksef)
        if status is None:
            if state is InvoiceState.REJECTED:
                found.append(
                    Notice(
                        "sale-rejected",
                        N_(
                            "Invoice {document} was rejected by KSeF and is left out of the "
                            "file; issue its technical correction."
                        ),
                        {"document": name},
                    )
                )
            else:
                found.append(
                    Notice(
                        "sale-not-in-ksef",
                        N_(
                            "Invoice {document} has not been accepted by KSeF yet and is left "
                            "out of the file; send it and make the file again."
                        ),
                        {"document": name},
                    )
                )
            continue
        if xml is None:  # an issued invoice always has its frozen XML
            raise JpkError(N_("{document}: the invoice's XML is missing."), document=name)
        if status == Marker.BFK:
            found.append(
                Notice(
                    "sale-total-failure",
                    N_(
                        "Invoice {document} was issued during a total failure of KSeF and is "
                        "not in KSeF: it is reported as BFK."
                    ),
                    {"document": name},
                )
            )
        documents.append(
            from_fa3.sales_document(bytes(xml), status, own_nip=profile.nip, label=name)
        )
    return documents, found


def _purchases(
    conn: sqlite3.Connection, archive: Archive, profile: Profile, period: Period
) -> tuple[list[PurchaseDocument], list[Notice]]:
    # The KSeF number is NIP(10)-YYYYMMDD-…: characters 12-17 are the year and month in
    # which KSeF assigned it, the day of receipt (art. 106na ust. 3).
    rows = conn.execute(
        "SELECT id, ksef_number, number, subject, relpath FROM purchases WHERE profile_id = ? "
        "AND substr(ksef_number, 12, 6) = ? ORDER BY ksef_number, id",
        (profile.id, f"{period.year:04d}{period.month:02d}"),
    ).fetchall()
    documents: list[PurchaseDocument] = []
    found: list[Notice] = []
    for _id, ksef, number, subject, relpath in rows:
        name = f"{number} ({ksef})"
        if subject != "Subject2":
            found.append(
                Notice(
                    "purchase-third-subject",
                    N_(
                        "Invoice {document} names this company only as a third party "
                        "(Podmiot3), not as the buyer: it is left out of the purchases."
                    ),
                    {"document": name},
                )
            )
            continue
        data = archive.read(conn, str(relpath))
        documents.append(
            from_fa3.purchase_document(data, str(ksef), own_nip=profile.nip, label=name)
        )
    documents.sort(key=lambda doc: (doc.received_date or doc.issue_date, doc.issue_date))
    return documents, found


def gather_month(store: Store, profile: Profile, period: Period) -> MonthDocuments:
    """The sales and purchase rows of ``period`` from the profile's store, with notices.

    Raises ``JpkError`` (naming the invoice) for an invoice from which no row can be made,
    e.g. one in a foreign currency that states no exchange rate.
    """
    conn = store.db.connection()
    sales, sale_notes = _sales(conn, profile, period)
    purchases, purchase_notes = _purchases(conn, store.archive, profile, period)
    found = [*sale_notes, *purchase_notes, *register_notices(sales, purchases)]
    return MonthDocuments(period, tuple(sales), tuple(purchases), tuple(found))


def build_month(
    store: Store,
    profile: Profile,
    period: Period,
    taxpayer: Taxpayer,
    inputs: DeclarationInputs | None,
    *,
    correction: bool = False,
    created_at: datetime | None = None,
) -> MonthFile:
    """The JPK_V7M(3) file of ``period`` for ``profile``, validated against the official
    schema set (``JpkSchemaError`` otherwise). ``taxpayer`` must be the profile's NIP."""
    if taxpayer.nip != profile.nip:
        raise JpkError(
            N_("The taxpayer's NIP {nip} is not the NIP {own} of the profile."),
            nip=taxpayer.nip,
            own=profile.nip,
        )
    documents = gather_month(store, profile, period)
    data = build_jpk(
        period,
        taxpayer,
        documents.sales,
        documents.purchases,
        inputs,
        correction,
        created_at=created_at or datetime.now(UTC),
    )
    return MonthFile(data, documents, summarize(data))


def notice_texts(found: Sequence[Notice], lang: str | None = None) -> list[str]:
    """The notices as sentences in ``lang`` (None: the current language)."""
    return [notice.text(lang) for notice in found]
