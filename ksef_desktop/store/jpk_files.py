"""The JPK_V7M files a profile made, and its taxpayer's data (issue 19): schema step
``schema._v11`` and the rows' access.

- ``jpk_taxpayers``: one row per profile, Podmiot1 of its files (a person's names and
  birth date, or a company's full name; e-mail, phone) and KodUrzedu. Not a secret, but
  personal data: no function here or in ``services.jpk_month`` logs it.
- ``jpk_files``: every file made, per profile and month (``YYYY-MM``): CelZlozenia
  (1 first filing, 2 correction), when, its SHA-256, its bytes, the figures read back
  from it (row counts, PodatekNalezny/PodatekNaliczony in grosze, P_51/P_62 whole
  złoty, NULL without a declaration) and P_ORDZU. A file made is never changed: the
  rows are append-only (triggers), so the history of a month is what was handed over.

Validation is the caller's (``services.jpk_month``): these functions store what they get.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ksef_desktop.jpk.model import NaturalPerson, Organisation, Period, Taxpayer
from ksef_desktop.store.timefmt import from_db, to_db

JPK_TABLES = """
CREATE TABLE jpk_taxpayers (
    profile_id   INTEGER PRIMARY KEY REFERENCES profiles(id),
    kind         TEXT NOT NULL CHECK (kind IN ('person','company')),
    first_name   TEXT NOT NULL DEFAULT '',
    last_name    TEXT NOT NULL DEFAULT '',
    birth_date   TEXT,
    full_name    TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL,
    phone        TEXT,
    tax_office   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    CHECK (kind = 'company' OR birth_date IS NOT NULL)
);

CREATE TABLE jpk_files (
    id                    INTEGER PRIMARY KEY,
    profile_id            INTEGER NOT NULL REFERENCES profiles(id),
    period                TEXT NOT NULL,
    purpose               INTEGER NOT NULL CHECK (purpose IN (1, 2)),
    created_at            TEXT NOT NULL,
    sha256_hex            TEXT NOT NULL,
    data                  BLOB NOT NULL,
    sales_rows            INTEGER NOT NULL,
    purchase_rows         INTEGER NOT NULL,
    tax_due_minor         INTEGER NOT NULL,
    tax_deductible_minor  INTEGER NOT NULL,
    p51_minor             INTEGER,
    p62_minor             INTEGER,
    reason                TEXT
);
CREATE INDEX jpk_files_by_month ON jpk_files (profile_id, period, id);

CREATE TRIGGER jpk_files_fixed BEFORE UPDATE ON jpk_files
BEGIN
    SELECT RAISE(ABORT, 'a JPK file made is never changed');
END;

CREATE TRIGGER jpk_files_kept BEFORE DELETE ON jpk_files
BEGIN
    SELECT RAISE(ABORT, 'a JPK file made is never deleted');
END;
"""


@dataclass(frozen=True)
class JpkFileRecord:
    """One file made (without its bytes: ``file_data`` reads them)."""

    id: int
    period: Period
    correction: bool  # CelZlozenia 2
    created_at: datetime
    sha256_hex: str
    sales_rows: int
    purchase_rows: int
    tax_due: Decimal  # PodatekNalezny
    tax_deductible: Decimal  # PodatekNaliczony
    to_pay: Decimal | None  # P_51
    carried_forward: Decimal | None  # P_62
    reason: str | None  # P_ORDZU


def _minor(value: Decimal | None) -> int | None:
    return None if value is None else int(value.scaleb(2))


def _major(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value).scaleb(-2)


def load_taxpayer(conn: sqlite3.Connection, profile_id: int, nip: str) -> Taxpayer | None:
    """The profile's taxpayer (with ``nip``, the profile's), None when none is stored."""
    row = conn.execute(
        "SELECT kind, first_name, last_name, birth_date, full_name, email, phone, tax_office "
        "FROM jpk_taxpayers WHERE profile_id = ?",
        (profile_id,),
    ).fetchone()
    if row is None:
        return None
    kind, first, last, born, full, email, phone, office = row
    if kind == "company":
        return Organisation(nip, str(full), str(email), str(office), phone)
    return NaturalPerson(
        nip, str(first), str(last), date.fromisoformat(born), str(email), str(office), phone
    )


def store_taxpayer(
    conn: sqlite3.Connection, profile_id: int, taxpayer: Taxpayer, *, now: datetime
) -> None:
    """Insert or replace the profile's taxpayer (one row per profile)."""
    if isinstance(taxpayer, NaturalPerson):
        values = ("person", taxpayer.first_name, taxpayer.last_name)
        born: str | None = taxpayer.birth_date.isoformat()
        full = ""
    else:
        values, born, full = ("company", "", ""), None, taxpayer.name
    conn.execute(
        "INSERT INTO jpk_taxpayers (profile_id, kind, first_name, last_name, birth_date, "
        "full_name, email, phone, tax_office, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (profile_id) DO UPDATE SET kind = excluded.kind, "
        "first_name = excluded.first_name, last_name = excluded.last_name, "
        "birth_date = excluded.birth_date, full_name = excluded.full_name, "
        "email = excluded.email, phone = excluded.phone, tax_office = excluded.tax_office, "
        "updated_at = excluded.updated_at",
        (profile_id, *values, born, full, taxpayer.email, taxpayer.phone, taxpayer.tax_office,
         to_db(now)),
    )  # fmt: skip


@dataclass(frozen=True)
class NewJpkFile:
    """What ``record_file`` stores of a file just made."""

    period: Period
    correction: bool
    created_at: datetime
    sha256_hex: str
    data: bytes
    sales_rows: int
    purchase_rows: int
    tax_due: Decimal
    tax_deductible: Decimal
    to_pay: Decimal | None
    carried_forward: Decimal | None
    reason: str | None


def record_file(conn: sqlite3.Connection, profile_id: int, made: NewJpkFile) -> int:
    """Record a file made (on ``conn``'s transaction); its id."""
    cursor = conn.execute(
        "INSERT INTO jpk_files (profile_id, period, purpose, created_at, sha256_hex, data, "
        "sales_rows, purchase_rows, tax_due_minor, tax_deductible_minor, p51_minor, p62_minor, "
        "reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            profile_id, str(made.period), 2 if made.correction else 1, to_db(made.created_at),
            made.sha256_hex, made.data, made.sales_rows, made.purchase_rows,
            _minor(made.tax_due), _minor(made.tax_deductible), _minor(made.to_pay),
            _minor(made.carried_forward), made.reason,
        ),
    )  # fmt: skip
    return int(cursor.lastrowid or 0)


_SELECT = (
    "SELECT id, period, purpose, created_at, sha256_hex, sales_rows, purchase_rows, "
    "tax_due_minor, tax_deductible_minor, p51_minor, p62_minor, reason FROM jpk_files "
    "WHERE profile_id = ? AND (? IS NULL OR period = ?) ORDER BY period, id"
)


def _record(row: tuple[object, ...]) -> JpkFileRecord:
    (file_id, period, purpose, created, sha, sales, purchases, due, deductible, p51, p62,
     reason) = row  # fmt: skip
    return JpkFileRecord(
        id=int(str(file_id)),
        period=Period.parse(str(period)),
        correction=purpose == 2,
        created_at=from_db(str(created)),
        sha256_hex=str(sha),
        sales_rows=int(str(sales)),
        purchase_rows=int(str(purchases)),
        tax_due=_major(int(str(due))) or Decimal(0),
        tax_deductible=_major(int(str(deductible))) or Decimal(0),
        to_pay=_major(None if p51 is None else int(str(p51))),
        carried_forward=_major(None if p62 is None else int(str(p62))),
        reason=None if reason is None else str(reason),
    )


def files_of(
    conn: sqlite3.Connection, profile_id: int, period: Period | None = None
) -> list[JpkFileRecord]:
    """The files made by the profile (of ``period`` only, when given), oldest first."""
    month = None if period is None else str(period)
    rows = conn.execute(_SELECT, (profile_id, month, month)).fetchall()
    return [_record(tuple(row)) for row in rows]


def file_data(conn: sqlite3.Connection, profile_id: int, file_id: int) -> bytes | None:
    """The bytes of a file the profile made, None when it has no such file."""
    row = conn.execute(
        "SELECT data FROM jpk_files WHERE profile_id = ? AND id = ?", (profile_id, file_id)
    ).fetchone()
    return None if row is None else bytes(row[0])
