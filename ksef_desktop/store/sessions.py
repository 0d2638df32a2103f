"""The local view of KSeF sessions and the UPO documents received (per invoice, per session)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ksef_desktop.store.db import StoreError
from ksef_desktop.store.timefmt import from_db, opt_from_db, opt_to_db, to_db


class ProfileMismatch(StoreError):
    """A session reference already recorded under another profile."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"session {reference} belongs to another profile")
        self.reference = reference


@dataclass(frozen=True)
class SessionRecord:
    reference: str
    environment: str  # sandbox | test | demo | prod
    kind: str  # online | batch
    opened_at: datetime
    updated_at: datetime
    status_code: int | None = None
    status_text: str = ""
    closed_at: datetime | None = None
    invoice_count: int = 0
    success_count: int = 0
    failed_count: int = 0


@dataclass(frozen=True)
class UpoRecord:
    relpath: str
    sha256_b64: str
    received_at: datetime
    invoice_id: int | None
    session_ref: str | None


def record_session(conn: sqlite3.Connection, session: SessionRecord, *, profile_id: int) -> None:
    """Insert or update a session of profile ``profile_id`` (what KSeF last said about it).

    A session reference known under another profile is left alone (``ProfileMismatch``):
    KSeF's references are unique, so that would be a session of another environment.
    """
    owner = conn.execute(
        "SELECT profile_id FROM sessions WHERE reference = ?", (session.reference,)
    ).fetchone()
    if owner is not None and owner[0] is not None and int(owner[0]) != profile_id:
        raise ProfileMismatch(session.reference)
    conn.execute(
        "INSERT INTO sessions (reference, environment, kind, status_code, status_text, "
        "opened_at, closed_at, updated_at, invoice_count, success_count, failed_count, "
        "profile_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (reference) DO UPDATE SET status_code = excluded.status_code, "
        "status_text = excluded.status_text, closed_at = excluded.closed_at, "
        "updated_at = excluded.updated_at, invoice_count = excluded.invoice_count, "
        "success_count = excluded.success_count, failed_count = excluded.failed_count",
        (
            session.reference,
            session.environment,
            session.kind,
            session.status_code,
            session.status_text,
            to_db(session.opened_at),
            opt_to_db(session.closed_at),
            to_db(session.updated_at),
            session.invoice_count,
            session.success_count,
            session.failed_count,
            profile_id,
        ),
    )


_SESSION_COLUMNS = (
    "reference, environment, kind, opened_at, updated_at, status_code, status_text, "
    "closed_at, invoice_count, success_count, failed_count"
)


def _session(row: Any) -> SessionRecord:
    return SessionRecord(
        reference=row[0],
        environment=row[1],
        kind=row[2],
        opened_at=from_db(row[3]),
        updated_at=from_db(row[4]),
        status_code=row[5],
        status_text=row[6],
        closed_at=opt_from_db(row[7]),
        invoice_count=row[8],
        success_count=row[9],
        failed_count=row[10],
    )


def get_session(
    conn: sqlite3.Connection, reference: str, *, profile_id: int
) -> SessionRecord | None:
    row = conn.execute(
        f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE reference = ? AND profile_id = ?",  # noqa: S608
        (reference, profile_id),
    ).fetchone()
    return None if row is None else _session(row)


def list_sessions(
    conn: sqlite3.Connection,
    *,
    profile_id: int,
    before: datetime | None = None,
    limit: int = 50,
) -> list[SessionRecord]:
    """The profile's sessions newest first; ``before`` (the last row's ``opened_at``) pages on."""
    clauses: list[str] = ["profile_id = ?"]
    args: list[object] = [profile_id]
    if before is not None:
        clauses.append("opened_at < ?")
        args.append(to_db(before))
    where = f" WHERE {' AND '.join(clauses)}"
    rows = conn.execute(
        f"SELECT {_SESSION_COLUMNS} FROM sessions{where} "  # noqa: S608
        "ORDER BY opened_at DESC, reference DESC LIMIT ?",
        (*args, limit),
    ).fetchall()
    return [_session(r) for r in rows]


def invoices_of_session(conn: sqlite3.Connection, reference: str, *, profile_id: int) -> list[int]:
    """Ids of the invoices of the profile last sent in session ``reference``."""
    rows = conn.execute(
        "SELECT o.invoice_id FROM outbox o JOIN invoices i ON i.id = o.invoice_id "
        "WHERE o.session_ref = ? AND i.profile_id = ? ORDER BY o.invoice_id",
        (reference, profile_id),
    ).fetchall()
    return [int(r[0]) for r in rows]


def upos(
    conn: sqlite3.Connection,
    *,
    profile_id: int,
    invoice_id: int | None = None,
    session_ref: str | None = None,
) -> list[UpoRecord]:
    """The UPOs of an invoice or of a session, oldest first (read them via the archive)."""
    if (invoice_id is None) == (session_ref is None):
        raise ValueError("give either invoice_id or session_ref")
    column, value = (
        ("invoice_id", invoice_id) if invoice_id is not None else ("session_ref", session_ref)
    )
    rows = conn.execute(
        f"SELECT relpath, sha256_b64, received_at, invoice_id, session_ref FROM upos "  # noqa: S608
        f"WHERE {column} = ? AND profile_id = ? ORDER BY received_at, id",
        (value, profile_id),
    ).fetchall()
    return [UpoRecord(r[0], r[1], from_db(r[2]), r[3], r[4]) for r in rows]
