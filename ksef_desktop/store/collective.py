"""Collective identifiers the user generated, with the invoices each one covers
(schema step 2, ``collective_identifiers`` + ``collective_invoices``).

The identifier is KSeF's; the local copy lets the app show it again (with its transfer
title) without asking KSeF, and list which identifiers an invoice is in.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ksef_desktop.domain.collective import collective_identifier_is_valid
from ksef_desktop.store.invoices import from_minor
from ksef_desktop.store.timefmt import from_db, to_db


@dataclass(frozen=True)
class StoredCollective:
    number: str
    seller_nip: str
    environment: str
    created_at: datetime
    ksef_numbers: tuple[str, ...]


def save_collective(
    conn: sqlite3.Connection,
    number: str,
    ksef_numbers: Sequence[str],
    *,
    profile_id: int,
    environment: str,
    now: datetime,
) -> None:
    """Keep an identifier KSeF generated for profile ``profile_id`` and its invoices (one
    call = one statement set; run it inside ``Database.transaction``)."""
    if not collective_identifier_is_valid(number):
        raise ValueError("not a valid collective identifier")
    conn.execute(
        "INSERT INTO collective_identifiers (number, seller_nip, environment, created_at, "
        "profile_id) VALUES (?, ?, ?, ?, ?)",
        (number, number[:10], environment, to_db(now), profile_id),
    )
    conn.executemany(
        "INSERT INTO collective_invoices (number, position, ksef_number) VALUES (?, ?, ?)",
        [(number, i, k) for i, k in enumerate(ksef_numbers)],
    )


def _load(conn: sqlite3.Connection, row: tuple[str, str, str, str]) -> StoredCollective:
    numbers = tuple(
        r[0]
        for r in conn.execute(
            "SELECT ksef_number FROM collective_invoices WHERE number = ? ORDER BY position",
            (row[0],),
        )
    )
    return StoredCollective(row[0], row[1], row[2], from_db(row[3]), numbers)


def get_collective(
    conn: sqlite3.Connection, number: str, *, profile_id: int
) -> StoredCollective | None:
    row = conn.execute(
        "SELECT number, seller_nip, environment, created_at FROM collective_identifiers "
        "WHERE number = ? AND profile_id = ?",
        (number, profile_id),
    ).fetchone()
    return None if row is None else _load(conn, row)


def collectives_of_invoice(
    conn: sqlite3.Connection, ksef_number: str, *, profile_id: int
) -> list[StoredCollective]:
    """The profile's identifiers covering an invoice, newest first."""
    rows = conn.execute(
        "SELECT c.number, c.seller_nip, c.environment, c.created_at "
        "FROM collective_identifiers c JOIN collective_invoices i ON i.number = c.number "
        "WHERE i.ksef_number = ? AND c.profile_id = ? ORDER BY c.created_at DESC, c.number DESC",
        (ksef_number, profile_id),
    ).fetchall()
    return [_load(conn, row) for row in rows]


def list_collectives(
    conn: sqlite3.Connection, *, profile_id: int, limit: int = 500
) -> list[StoredCollective]:
    """The identifiers generated for profile ``profile_id``, newest first (at most ``limit``)."""
    rows = conn.execute(
        "SELECT number, seller_nip, environment, created_at FROM collective_identifiers "
        "WHERE profile_id = ? ORDER BY created_at DESC, number DESC LIMIT ?",
        (profile_id, limit),
    ).fetchall()
    return [_load(conn, row) for row in rows]


@dataclass(frozen=True)
class CoveredInvoice:
    """What the store knows of an invoice an identifier covers (None: not in this store)."""

    ksef_number: str
    invoice_id: int | None
    number: str | None
    buyer_name: str
    gross: Decimal | None
    currency: str


def covered_invoices(
    conn: sqlite3.Connection, ksef_numbers: Sequence[str], *, profile_id: int
) -> list[CoveredInvoice]:
    """The profile's invoices behind KSeF numbers, in the order given."""
    found: dict[str, CoveredInvoice] = {}
    for row in conn.execute(
        "SELECT ksef_number, id, number, buyer_name, gross_minor, currency FROM invoices "
        "WHERE profile_id = ? AND ksef_number IN (SELECT value FROM json_each(?))",
        (profile_id, json.dumps(list(ksef_numbers))),
    ):
        found[row[0]] = CoveredInvoice(
            row[0], row[1], row[2], row[3], from_minor(int(row[4])), row[5]
        )
    return [found.get(k) or CoveredInvoice(k, None, None, "", None, "") for k in ksef_numbers]
