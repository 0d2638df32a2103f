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
are left out with a notice: the profile did not buy. The deduction chosen for a purchase
(``services.purchase_deductions``) sets its category (K_40/K_41 for a fixed asset), the
deductible share of its tax and the month of the deduction: a purchase deducted in one
of the three months after its receipt (art. 86 ust. 11) is in that month's file, with
a notice in both; one with no right to deduct (0 %) is left out with a notice. A
purchase under reverse charge adds the output tax its buyer owes to the sales, or is
left out with a notice while that is not chosen (``services.jpk_purchases``).

The file is validated against the official schema set by ``jpk.build.build_jpk``
before any byte is returned; writing it is the caller's.

Files made and the taxpayer (``store.jpk_files``): ``save_month`` builds the file and
records it in one transaction, together with the taxpayer's data it was made with. A
month that already has a file gets a correction (CelZlozenia 2) by default; the
correction states its reason, P_ORDZU ("Uzasadnienie przyczyn złożenia korekty"). The
schema leaves P_ORDZU optional (minOccurs 0, only with CelZlozenia 2 does it mean
anything); the program asks for it always, so the office is never left guessing. A
first filing of a month already made (CelZlozenia 1 again: the earlier file was never
sent) only when asked for (``again``). P_39, the surplus carried from the previous
month, defaults to the P_62 of the last file recorded for the previous month.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ksef_desktop.domain.offline import OfflineMode
from ksef_desktop.i18n import N_
from ksef_desktop.jpk import declaration as decl
from ksef_desktop.jpk import from_fa3
from ksef_desktop.jpk.build import JpkSummary, build_jpk, check_taxpayer, summarize
from ksef_desktop.jpk.errors import JpkError, Notice
from ksef_desktop.jpk.model import (
    ZERO,
    DeclarationInputs,
    KsefStatus,
    Marker,
    NaturalPerson,
    Period,
    PurchaseDocument,
    SalesDocument,
    Taxpayer,
)
from ksef_desktop.jpk.register import notices as register_notices
from ksef_desktop.jpk.register import tax_deductible, tax_due
from ksef_desktop.services.jpk_notices import changed_since, surplus_moved
from ksef_desktop.services.jpk_purchases import PURCHASES_OF_MONTH as PURCHASES_OF_MONTH
from ksef_desktop.services.jpk_purchases import month_purchases
from ksef_desktop.store import jpk_files
from ksef_desktop.store.jpk_files import JpkFileRecord, NewJpkFile
from ksef_desktop.store.states import InvoiceState

if TYPE_CHECKING:
    from ksef_desktop.store import Store
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


def _entries(
    conn: sqlite3.Connection,
    profile: Profile,
    period: Period,
    sales: list[SalesDocument],
    purchases: list[PurchaseDocument],
) -> list[Notice]:
    """The documents outside KSeF entered by hand for ``period`` (services.jpk_entries),
    after the program's own: added to ``sales`` and ``purchases``; their notices."""
    from ksef_desktop.services.jpk_entries import month_entries

    entered = month_entries(conn, profile, period)
    sales.extend(entered.sales)
    purchases.extend(entered.purchases)
    return entered.notices


def gather_month(store: Store, profile: Profile, period: Period) -> MonthDocuments:
    """The sales and purchase rows of ``period`` from the profile's store, with notices.

    Raises ``JpkError`` (naming the invoice) for an invoice from which no row can be made,
    e.g. one in a foreign currency that states no exchange rate.
    """
    conn = store.db.connection()
    sales, sale_notes = _sales(conn, profile, period)
    bought = month_purchases(conn, store.archive, profile, period)
    sales.extend(bought.self_assessed)
    purchases, purchase_notes = bought.purchases, bought.notices
    entry_notes = _entries(conn, profile, period, sales, purchases)
    found = [*sale_notes, *purchase_notes, *entry_notes, *register_notices(sales, purchases)]
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


# --- the taxpayer kept per profile -------------------------------------------------------

#: etd:TData of DataUrodzenia starts here.
_FIRST_BIRTH_DATE = date(1900, 1, 1)


def validate_taxpayer(taxpayer: Taxpayer, profile: Profile, today: date) -> None:
    """``JpkError`` unless ``taxpayer`` is the profile's (its NIP) and the schema takes it:
    names and lengths, e-mail, phone, KodUrzedu in TKodUS, a birth date from 1900 on and
    not in the future."""
    if taxpayer.nip != profile.nip:
        raise JpkError(
            N_("The taxpayer's NIP {nip} is not the NIP {own} of the profile."),
            nip=taxpayer.nip,
            own=profile.nip,
        )
    check_taxpayer(taxpayer)
    if isinstance(taxpayer, NaturalPerson) and not (
        _FIRST_BIRTH_DATE <= taxpayer.birth_date <= today
    ):
        raise JpkError(
            N_("{value} is not a date of birth (from 1900-01-01 to today)."),
            value=taxpayer.birth_date.isoformat(),
        )


def taxpayer_of(store: Store, profile: Profile) -> Taxpayer | None:
    """The taxpayer's data stored for the profile, None when none are."""
    return jpk_files.load_taxpayer(store.db.connection(), profile.id, profile.nip)


def save_taxpayer(store: Store, profile: Profile, taxpayer: Taxpayer, *, now: datetime) -> None:
    """Check and keep ``taxpayer`` as the profile's (replacing what was kept)."""
    validate_taxpayer(taxpayer, profile, now.date())
    with store.db.transaction() as conn:
        jpk_files.store_taxpayer(conn, profile.id, taxpayer, now=now)


# --- the files made per month ------------------------------------------------------------


def previous_period(period: Period) -> Period | None:
    """The month before ``period``; None before the first month of JPK_V7M(3)."""
    year, month = (period.year, period.month - 1) if period.month > 1 else (period.year - 1, 12)
    try:
        return Period(year, month)
    except JpkError:
        return None


def previous_surplus(store: Store, profile: Profile, period: Period) -> Decimal:
    """P_62 of the last file recorded for the month before ``period`` (0 without one):
    the default of P_39."""
    before = previous_period(period)
    if before is None:
        return ZERO
    files = jpk_files.files_of(store.db.connection(), profile.id, before)
    carried = files[-1].carried_forward if files else None
    return carried if carried is not None else ZERO


def month_files(store: Store, profile: Profile, period: Period) -> list[JpkFileRecord]:
    """The files made for ``period``, oldest first."""
    return jpk_files.files_of(store.db.connection(), profile.id, period)


def recorded_file(store: Store, profile: Profile, file_id: int) -> bytes:
    """The bytes of a file the profile made (``JpkError`` when there is no such file)."""
    data = jpk_files.file_data(store.db.connection(), profile.id, file_id)
    if data is None:
        raise JpkError(N_("There is no JPK file {id} in this profile."), id=file_id)
    return data


@dataclass(frozen=True)
class MonthOverview:
    """What the file of a month would say, before it is made."""

    documents: MonthDocuments
    tax_due: Decimal  # PodatekNalezny
    tax_deductible: Decimal  # PodatekNaliczony
    to_pay: Decimal  # P_51
    carried_forward: Decimal  # P_62
    surplus_carried: Decimal  # P_39 used
    previous_surplus: Decimal  # P_62 of the previous month's last file
    files: tuple[JpkFileRecord, ...]

    @property
    def made(self) -> bool:
        """A file of this month was made before: the next one is a correction."""
        return bool(self.files)


def overview_month(
    store: Store, profile: Profile, period: Period, inputs: DeclarationInputs | None = None
) -> MonthOverview:
    """The rows, notices, control sums, P_51/P_62 and the files made of ``period``.
    ``inputs`` None: P_39 is the previous month's P_62, nothing else given."""
    documents = gather_month(store, profile, period)
    carried = previous_surplus(store, profile, period)
    used = inputs if inputs is not None else DeclarationInputs(surplus_carried=carried)
    fields = decl.compute(documents.sales, documents.purchases, used, correction=False)
    files = tuple(month_files(store, profile, period))
    due, deductible = tax_due(documents.sales), tax_deductible(documents.purchases)
    if files and (stale := changed_since(files[-1], documents, due, deductible)) is not None:
        documents = replace(documents, notices=(stale, *documents.notices))
    if files and (moved := surplus_moved(store, profile, files[-1], carried)) is not None:
        documents = replace(documents, notices=(moved, *documents.notices))
    return MonthOverview(
        documents=documents,
        tax_due=due,
        tax_deductible=deductible,
        to_pay=fields.get("P_51", ZERO),
        carried_forward=fields.get("P_62", ZERO),
        surplus_carried=used.surplus_carried,
        previous_surplus=carried,
        files=files,
    )


def redeclare(overview: MonthOverview, inputs: DeclarationInputs) -> MonthOverview:
    """``overview`` with the declaration's inputs changed (P_39, a refund …): the rows
    already gathered are counted again, the store is not read."""
    documents = overview.documents
    fields = decl.compute(documents.sales, documents.purchases, inputs, correction=False)
    return replace(
        overview,
        to_pay=fields.get("P_51", ZERO),
        carried_forward=fields.get("P_62", ZERO),
        surplus_carried=inputs.surplus_carried,
    )


@dataclass(frozen=True)
class SavedMonth:
    """A file made and recorded."""

    file: MonthFile
    record: JpkFileRecord


def save_month(
    store: Store,
    profile: Profile,
    period: Period,
    taxpayer: Taxpayer,
    inputs: DeclarationInputs | None = None,
    *,
    correction: bool | None = None,
    again: bool = False,
    keep_taxpayer: bool = True,
    now: datetime,
    write: Callable[[bytes], None] | None = None,
) -> SavedMonth:
    """Make the file of ``period`` (validated against the official schema), record it
    and, with ``keep_taxpayer``, keep ``taxpayer`` as the profile's: one transaction.

    ``correction`` None: a correction when the month already has a file, else a first
    filing. A first filing of a month already made needs ``again``; a correction needs
    its reason (``inputs.correction_reason``). ``inputs`` None: P_39 is the previous
    month's P_62. ``write`` (the caller's atomic write of the file) runs inside the
    transaction: a file that could not be written leaves no record.
    """
    validate_taxpayer(taxpayer, profile, now.date())
    made_before = month_files(store, profile, period)
    is_correction = bool(made_before) if correction is None else correction
    if made_before and not is_correction and not again:
        raise JpkError(
            N_(
                "A file of {month} was already made on {date}: make a correction "
                "(CelZlozenia 2) or, if that file was never sent, make the first filing again."
            ),
            month=str(period),
            date=made_before[-1].created_at.astimezone(UTC).date().isoformat(),
        )
    if inputs is None:
        inputs = DeclarationInputs(surplus_carried=previous_surplus(store, profile, period))
    reason = (inputs.correction_reason or "").strip()
    if is_correction and not reason:
        raise JpkError(
            N_("A correction (CelZlozenia 2) needs its reason (P_ORDZU): say why it is filed.")
        )
    inputs = replace(inputs, correction_reason=reason if is_correction else None)
    made = build_month(
        store, profile, period, taxpayer, inputs, correction=is_correction, created_at=now
    )
    summary = made.summary
    new = NewJpkFile(
        period=period,
        correction=is_correction,
        created_at=now,
        sha256_hex=hashlib.sha256(made.data).hexdigest(),
        data=made.data,
        sales_rows=summary.sales_rows,
        purchase_rows=summary.purchase_rows,
        tax_due=summary.tax_due,
        tax_deductible=summary.tax_deductible,
        to_pay=summary.to_pay,
        carried_forward=summary.carried_forward,
        reason=inputs.correction_reason,
    )
    with store.db.transaction() as conn:
        if len(jpk_files.files_of(conn, profile.id, period)) != len(made_before):
            raise JpkError(
                N_("Another file of {month} was made meanwhile: look at it and try again."),
                month=str(period),
            )
        file_id = jpk_files.record_file(conn, profile.id, new)
        if keep_taxpayer:
            jpk_files.store_taxpayer(conn, profile.id, taxpayer, now=now)
        if write is not None:
            write(made.data)
    record = next(r for r in month_files(store, profile, period) if r.id == file_id)
    return SavedMonth(made, record)


def write_file(path: Path, data: bytes) -> None:
    """All or nothing: a temporary file beside ``path``, then renamed over it
    (``OSError`` when it cannot be written; nothing half-written stays)."""
    import os
    import tempfile

    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".jpk-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
