"""Documents of the VAT register that the program cannot see by itself (issue 19).

A row of ``jpk_entries`` is one document entered by hand for the monthly JPK_V7M file:
a purchase invoice received on paper or by e-mail outside KSeF (marker ``BFK`` or
``OFF``, or its KSeF number when the sync could not fetch it), another purchase document
(``DI``: an import document, an internal one), or a sales document outside KSeF (``DI``:
the cash register's report, an internal document; ``BFK``). ``period`` is the month
whose register the row belongs to (YYYY-MM). Amounts are the K_ fields, Decimal text in
``amounts_json``; ``markers_json`` lists GTU codes and procedures (sales) or ``IMP``
(purchases).

This module only keeps rows; ``services.jpk_entries`` checks them with the JPK domain's
own rules before any is written, one transaction per change.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from ksef_desktop.store.timefmt import to_db

JPK_ENTRIES = """
CREATE TABLE jpk_entries (
    id             INTEGER PRIMARY KEY,
    profile_id     INTEGER NOT NULL REFERENCES profiles(id),
    side           TEXT NOT NULL CHECK (side IN ('sales','purchase')),
    period         TEXT NOT NULL
                   CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    number         TEXT NOT NULL,
    issue_date     TEXT NOT NULL,
    other_date     TEXT,
    party_number   TEXT NOT NULL,
    party_country  TEXT,
    party_name     TEXT NOT NULL,
    ksef           TEXT NOT NULL,
    doc_type       TEXT,
    amounts_json   TEXT NOT NULL DEFAULT '{}',
    markers_json   TEXT NOT NULL DEFAULT '[]',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX jpk_entries_by_period ON jpk_entries (profile_id, period, side, issue_date, id);
CREATE INDEX jpk_entries_by_ksef ON jpk_entries (profile_id, ksef);
"""


class Side(StrEnum):
    SALES = "sales"
    PURCHASE = "purchase"


@dataclass(frozen=True)
class RegisterEntry:
    """One document entered by hand. ``other_date`` is DataSprzedazy (sales) or
    DataWplywu (purchases); ``ksef`` is ``OFF``, ``BFK``, ``DI`` or a KSeF number."""

    side: Side
    period: str
    number: str
    issue_date: date
    party_number: str
    party_name: str
    ksef: str
    amounts: Mapping[str, Decimal]
    other_date: date | None = None
    party_country: str | None = None
    doc_type: str | None = None
    markers: frozenset[str] = field(default_factory=frozenset)
    id: int | None = None


_COLUMNS = (
    "id, side, period, number, issue_date, other_date, party_number, party_country, "
    "party_name, ksef, doc_type, amounts_json, markers_json"
)


def _entry(row: tuple[object, ...]) -> RegisterEntry:
    amounts = json.loads(str(row[11]))
    return RegisterEntry(
        id=int(str(row[0])),
        side=Side(str(row[1])),
        period=str(row[2]),
        number=str(row[3]),
        issue_date=date.fromisoformat(str(row[4])),
        other_date=None if row[5] is None else date.fromisoformat(str(row[5])),
        party_number=str(row[6]),
        party_country=None if row[7] is None else str(row[7]),
        party_name=str(row[8]),
        ksef=str(row[9]),
        doc_type=None if row[10] is None else str(row[10]),
        amounts={str(name): Decimal(str(value)) for name, value in amounts.items()},
        markers=frozenset(str(code) for code in json.loads(str(row[12]))),
    )


def _values(entry: RegisterEntry) -> tuple[object, ...]:
    return (
        entry.side.value,
        entry.period,
        entry.number,
        entry.issue_date.isoformat(),
        None if entry.other_date is None else entry.other_date.isoformat(),
        entry.party_number,
        entry.party_country,
        entry.party_name,
        entry.ksef,
        entry.doc_type,
        json.dumps({name: str(value) for name, value in sorted(entry.amounts.items())}),
        json.dumps(sorted(entry.markers)),
    )


def insert_entry(
    conn: sqlite3.Connection, entry: RegisterEntry, *, profile_id: int, now: datetime
) -> int:
    cur = conn.execute(
        "INSERT INTO jpk_entries (side, period, number, issue_date, other_date, party_number, "
        "party_country, party_name, ksef, doc_type, amounts_json, markers_json, profile_id, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        (*_values(entry), profile_id, to_db(now), to_db(now)),
    )
    return int(cur.fetchone()[0])


def update_entry(
    conn: sqlite3.Connection, entry: RegisterEntry, *, profile_id: int, now: datetime
) -> bool:
    """Replace the row ``entry.id`` of the profile; False when there is none."""
    cur = conn.execute(
        "UPDATE jpk_entries SET side = ?, period = ?, number = ?, issue_date = ?, "
        "other_date = ?, party_number = ?, party_country = ?, party_name = ?, ksef = ?, "
        "doc_type = ?, amounts_json = ?, markers_json = ?, updated_at = ? "
        "WHERE id = ? AND profile_id = ?",
        (*_values(entry), to_db(now), entry.id, profile_id),
    )
    return cur.rowcount == 1


def delete_entry(conn: sqlite3.Connection, entry_id: int, *, profile_id: int) -> bool:
    cur = conn.execute(
        "DELETE FROM jpk_entries WHERE id = ? AND profile_id = ?", (entry_id, profile_id)
    )
    return cur.rowcount == 1


def get_entry(conn: sqlite3.Connection, entry_id: int, *, profile_id: int) -> RegisterEntry | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM jpk_entries WHERE id = ? AND profile_id = ?",  # noqa: S608
        (entry_id, profile_id),
    ).fetchone()
    return None if row is None else _entry(row)


def list_entries(conn: sqlite3.Connection, period: str, *, profile_id: int) -> list[RegisterEntry]:
    """The profile's entries of ``period``: sales first, then purchases, by date."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM jpk_entries WHERE profile_id = ? AND period = ? "  # noqa: S608
        "ORDER BY side DESC, issue_date, id",
        (profile_id, period),
    ).fetchall()
    return [_entry(row) for row in rows]


def find_same(
    conn: sqlite3.Connection, entry: RegisterEntry, *, profile_id: int
) -> RegisterEntry | None:
    """Another entry of the profile for the same document: same side, counterparty and
    number (a document entered twice would be counted twice)."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM jpk_entries WHERE profile_id = ? AND side = ? "  # noqa: S608
        "AND party_number = ? AND number = ? AND id IS NOT ? LIMIT 1",
        (profile_id, entry.side.value, entry.party_number, entry.number, entry.id),
    ).fetchone()
    return None if row is None else _entry(row)
