"""The invoices table: drafts (editable JSON of the domain model) and issued invoices
(frozen XML bytes and hash), with denormalised columns for fast lists and filters."""

from __future__ import annotations

import base64
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ksef_desktop.domain.invoice import Invoice, PolishNip
from ksef_desktop.domain.money import round_money
from ksef_desktop.domain.totals import compute_totals
from ksef_desktop.i18n import _
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.serialize import identifier_text, invoice_from_json, invoice_to_json
from ksef_desktop.store.states import InvoiceState, UnknownInvoice, log_event
from ksef_desktop.store.timefmt import opt_from_db, to_db

MINOR = Decimal(100)


class NotADraft(StoreError):
    """Only a draft can be edited or deleted; an issued invoice is immutable."""

    def __init__(self, invoice_id: int, state: InvoiceState) -> None:
        super().__init__(f"invoice {invoice_id} is {state}, not a draft: it cannot be changed")
        self.invoice_id = invoice_id
        self.state = state

    def message(self) -> str:
        return _(
            "Invoice {id} has been issued and cannot be changed; issue a correction instead."
        ).format(id=self.invoice_id)


def sha256_pair(data: bytes) -> tuple[str, str]:
    """(Base64, hex) of SHA-256 over ``data``: Base64 as KSeF writes hashes."""
    import hashlib  # on first use: OpenSSL's loading is not needed for the window's start

    digest = hashlib.sha256(data).digest()
    return base64.b64encode(digest).decode("ascii"), digest.hex()


def to_minor(amount: Decimal) -> int:
    return int(round_money(amount) * MINOR)


def from_minor(value: int) -> Decimal:
    return (Decimal(value) / MINOR).quantize(Decimal("0.01"))


def fold(text: str) -> str:
    """Search form of a text: case-folded (Polish letters included)."""
    return text.casefold()


def summary_columns(invoice: Invoice) -> dict[str, object]:
    """The denormalised columns of ``invoice`` (lists, filters, sort keys)."""
    buyer_id = identifier_text(invoice.buyer.tax_id)
    seller = invoice.seller.tax_id
    gross_minor = to_minor(compute_totals(invoice).gross)
    payment = invoice.payment
    return {
        "kind": invoice.kind.value,
        "issue_date": invoice.issue_date.isoformat(),
        "seller_nip": seller.nip if isinstance(seller, PolishNip) else None,
        "buyer_id": buyer_id,
        "buyer_name": invoice.buyer.name,
        "buyer_search": fold(f"{invoice.buyer.name}\x1f{buyer_id}"),
        "gross_minor": gross_minor,
        "currency": invoice.currency,
        # Payments (issue 20): the due date, and paid in full at issue (Zaplacono).
        "due_date": payment.due_date.isoformat() if payment and payment.due_date else None,
        "paid_minor": max(gross_minor, 0) if payment and payment.paid else 0,
    }


@dataclass(frozen=True)
class StoredInvoice:
    id: int
    state: InvoiceState
    invoice: Invoice
    number: str | None
    xml: bytes | None
    sha256_b64: str | None
    sha256_hex: str | None
    mode: str | None
    deadline: datetime | None
    ksef_number: str | None
    rejection_code: int | None
    rejection_details: str | None
    corrects_id: int | None
    issued_at: datetime | None
    accepted_at: datetime | None
    gross: Decimal
    series_id: int | None
    profile_id: int


def create_draft(
    conn: sqlite3.Connection,
    invoice: Invoice,
    *,
    profile_id: int,
    now: datetime,
    corrects_id: int | None = None,
) -> int:
    """A new draft of profile ``profile_id``; its id."""
    columns = summary_columns(invoice)
    columns.update(
        profile_id=profile_id,
        corrects_id=corrects_id,
        created_at=to_db(now),
        updated_at=to_db(now),
    )
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    cur = conn.execute(
        f"INSERT INTO invoices ({names}) VALUES ({marks})",  # noqa: S608 - names are ours
        tuple(columns.values()),
    )
    assert cur.lastrowid is not None
    conn.execute(
        "INSERT INTO invoice_documents (invoice_id, data_json) VALUES (?, ?)",
        (cur.lastrowid, invoice_to_json(invoice)),
    )
    log_event(conn, cur.lastrowid, now, None, InvoiceState.DRAFT, "created")
    return cur.lastrowid


def owned_state(conn: sqlite3.Connection, invoice_id: int, profile_id: int) -> InvoiceState:
    """The state of invoice ``invoice_id`` of profile ``profile_id``; ``UnknownInvoice``
    when there is none in that profile (another profile's invoice is not there)."""
    row = conn.execute(
        "SELECT state FROM invoices WHERE id = ? AND profile_id = ?", (invoice_id, profile_id)
    ).fetchone()
    if row is None:
        raise UnknownInvoice(invoice_id)
    return InvoiceState(row[0])


def _require_draft(conn: sqlite3.Connection, invoice_id: int, profile_id: int) -> None:
    state = owned_state(conn, invoice_id, profile_id)
    if state != InvoiceState.DRAFT:
        raise NotADraft(invoice_id, state)


def update_draft(
    conn: sqlite3.Connection, invoice_id: int, invoice: Invoice, *, profile_id: int, now: datetime
) -> None:
    _require_draft(conn, invoice_id, profile_id)
    columns = summary_columns(invoice)
    columns.update(updated_at=to_db(now))
    assignments = ", ".join(f"{name} = ?" for name in columns)
    conn.execute(
        f"UPDATE invoices SET {assignments} "  # noqa: S608
        "WHERE id = ? AND state = 'draft' AND profile_id = ?",
        (*columns.values(), invoice_id, profile_id),
    )
    conn.execute(
        "UPDATE invoice_documents SET data_json = ? WHERE invoice_id = ? AND invoice_id IN "
        "(SELECT id FROM invoices WHERE profile_id = ?)",
        (invoice_to_json(invoice), invoice_id, profile_id),
    )


def delete_draft(conn: sqlite3.Connection, invoice_id: int, *, profile_id: int) -> None:
    _require_draft(conn, invoice_id, profile_id)
    conn.execute(
        "DELETE FROM invoices WHERE id = ? AND state = 'draft' AND profile_id = ?",
        (invoice_id, profile_id),
    )


_SELECT = (
    "SELECT i.id, i.state, d.data_json, i.number, d.xml, i.sha256_b64, i.sha256_hex, i.mode, "
    "i.deadline, i.ksef_number, i.rejection_code, i.rejection_details, i.corrects_id, "
    "i.issued_at, i.accepted_at, i.gross_minor, i.series_id, i.profile_id "
    "FROM invoices i JOIN invoice_documents d ON d.invoice_id = i.id"
)


def _stored(row: Any) -> StoredInvoice:
    (id_, state, data, number, xml, b64, hexd, mode, deadline, ksef, code, details, corrects,
     issued, accepted, gross, series, profile) = row  # fmt: skip
    return StoredInvoice(
        id=int(id_),
        state=InvoiceState(state),
        invoice=invoice_from_json(str(data)),
        number=number,
        xml=None if xml is None else bytes(xml),
        sha256_b64=b64,
        sha256_hex=hexd,
        mode=mode,
        deadline=opt_from_db(deadline),
        ksef_number=ksef,
        rejection_code=code,
        rejection_details=details,
        corrects_id=corrects,
        issued_at=opt_from_db(issued),
        accepted_at=opt_from_db(accepted),
        gross=from_minor(int(gross)),
        series_id=series,
        profile_id=int(profile),
    )


def get_invoice(conn: sqlite3.Connection, invoice_id: int, *, profile_id: int) -> StoredInvoice:
    """Invoice ``invoice_id`` of profile ``profile_id`` (``UnknownInvoice`` otherwise)."""
    row = conn.execute(
        f"{_SELECT} WHERE i.id = ? AND i.profile_id = ?", (invoice_id, profile_id)
    ).fetchone()
    if row is None:
        raise UnknownInvoice(invoice_id)
    return _stored(row)


def find_by_hash(
    conn: sqlite3.Connection, sha256_b64: str, *, profile_id: int
) -> StoredInvoice | None:
    row = conn.execute(
        f"{_SELECT} WHERE i.sha256_b64 = ? AND i.profile_id = ?", (sha256_b64, profile_id)
    ).fetchone()
    return None if row is None else _stored(row)


def corrections_of(conn: sqlite3.Connection, invoice_id: int, *, profile_id: int) -> list[int]:
    """Ids of the technical corrections made for ``invoice_id``."""
    rows = conn.execute(
        "SELECT id FROM invoices WHERE corrects_id = ? AND profile_id = ? ORDER BY id",
        (invoice_id, profile_id),
    ).fetchall()
    return [int(r[0]) for r in rows]


def issue_day(conn: sqlite3.Connection, invoice_id: int, *, profile_id: int) -> date:
    row = conn.execute(
        "SELECT issue_date FROM invoices WHERE id = ? AND profile_id = ?",
        (invoice_id, profile_id),
    ).fetchone()
    if row is None:
        raise UnknownInvoice(invoice_id)
    return date.fromisoformat(row[0])


def freeze_document(
    conn: sqlite3.Connection, invoice_id: int, invoice: Invoice, xml: bytes, *, profile_id: int
) -> None:
    """Store the issued invoice's data and XML bytes (once: a trigger refuses a second time)."""
    conn.execute(
        "UPDATE invoice_documents SET data_json = ?, xml = ? WHERE invoice_id = ? AND "
        "invoice_id IN (SELECT id FROM invoices WHERE profile_id = ?)",
        (invoice_to_json(invoice), xml, invoice_id, profile_id),
    )


class InvoiceClosed(StoreError):
    """The invoice has no deadline to move: it is a draft or already accepted."""

    def __init__(self, invoice_id: int, state: InvoiceState) -> None:
        super().__init__(f"invoice {invoice_id} is {state}: its deadline cannot change")
        self.invoice_id = invoice_id
        self.state = state


def set_deadline(
    conn: sqlite3.Connection,
    invoice_id: int,
    deadline: datetime | None,
    *,
    profile_id: int,
    at: datetime,
    reason: str,
) -> None:
    """Move the deadline of an invoice still on its way (a new announcement, DESIGN.md §3).

    Not a state change, but logged like one (from = to = the current state).
    """
    row = conn.execute(
        "SELECT state, deadline FROM invoices WHERE id = ? AND profile_id = ?",
        (invoice_id, profile_id),
    ).fetchone()
    if row is None:
        raise UnknownInvoice(invoice_id)
    state = InvoiceState(row[0])
    if state in (InvoiceState.DRAFT, InvoiceState.ACCEPTED):
        raise InvoiceClosed(invoice_id, state)
    new = None if deadline is None else to_db(deadline)
    if new == row[1]:
        return
    conn.execute(
        "UPDATE invoices SET deadline = ?, updated_at = ? WHERE id = ?",
        (new, to_db(at), invoice_id),
    )
    log_event(
        conn, invoice_id, at, state, state, f"deadline {row[1] or '-'} -> {new or '-'}: {reason}"
    )
