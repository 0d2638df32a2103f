"""Contractors: the parties the user invoices, kept for the editor's buyer field.

A contractor looked up in the VAT white list or VIES (issue 20) keeps when it was checked
(``checked_on``), where, the VAT status found and the bank accounts the list gave.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import date, datetime

from ksef_desktop.domain.invoice import Party
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.invoices import fold
from ksef_desktop.store.serialize import identifier_text, party_from_json, party_to_json
from ksef_desktop.store.timefmt import to_db


class UnknownContractor(StoreError):
    def __init__(self, contractor_id: int) -> None:
        super().__init__(f"no contractor with id {contractor_id}")
        self.contractor_id = contractor_id


@dataclass(frozen=True)
class CheckRecord:
    """A contractor's last check in a public register."""

    checked_on: date
    source: str  # "whitelist" or "vies"
    status: str  # the white list's statusVat, or VIES' "VALID"/"INVALID"
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contractor:
    id: int
    party: Party
    check: CheckRecord | None = None


def _columns(party: Party) -> tuple[str, str, str, str]:
    identifier = identifier_text(party.tax_id)
    return (
        party.name,
        identifier,
        fold(f"{party.name}\x1f{identifier}"),
        json.dumps(party_to_json(party), ensure_ascii=False, sort_keys=True),
    )


def save_contractor(
    conn: sqlite3.Connection,
    party: Party,
    *,
    company_nip: str,
    now: datetime,
    contractor_id: int | None = None,
) -> int:
    """Add a contractor of the company ``company_nip`` (or replace its contractor
    ``contractor_id``); return its id. Contractors are the company's, shared by all
    of its environments: they are not legal documents."""
    name, identifier, search, data = _columns(party)
    if contractor_id is None:
        cur = conn.execute(
            "INSERT INTO contractors (company_nip, name, identifier, search, party_json, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (company_nip, name, identifier, search, data, to_db(now), to_db(now)),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid
    cur = conn.execute(
        "UPDATE contractors SET name = ?, identifier = ?, search = ?, party_json = ?, "
        "updated_at = ? WHERE id = ? AND company_nip = ?",
        (name, identifier, search, data, to_db(now), contractor_id, company_nip),
    )
    if cur.rowcount == 0:
        raise UnknownContractor(contractor_id)
    return contractor_id


_READ = (
    "SELECT id, party_json, checked_on, check_source, vat_status, accounts_json FROM contractors"
)


def _contractor(row: tuple[object, ...]) -> Contractor:
    check = None
    if row[2] is not None:
        accounts = tuple(str(a) for a in json.loads(str(row[5] or "[]")))
        check = CheckRecord(date.fromisoformat(str(row[2])), str(row[3]), str(row[4]), accounts)
    return Contractor(int(str(row[0])), party_from_json(json.loads(str(row[1]))), check)


def get_contractor(conn: sqlite3.Connection, contractor_id: int, *, company_nip: str) -> Contractor:
    row = conn.execute(
        f"{_READ} WHERE id = ? AND company_nip = ?",
        (contractor_id, company_nip),
    ).fetchone()
    if row is None:
        raise UnknownContractor(contractor_id)
    return _contractor(row)


def find_by_identifier(
    conn: sqlite3.Connection, identifier: str, *, company_nip: str
) -> Contractor | None:
    """The company's (first) contractor with this tax identifier (``identifier_text``)."""
    row = conn.execute(
        f"{_READ} WHERE company_nip = ? AND identifier = ? ORDER BY id LIMIT 1",
        (company_nip, identifier),
    ).fetchone()
    return None if row is None else _contractor(row)


def save_checked(
    conn: sqlite3.Connection,
    party: Party,
    check: CheckRecord,
    *,
    company_nip: str,
    now: datetime,
) -> int:
    """Keep ``party`` as found in a register, with its check: the contractor of that
    identifier is updated (its e-mail and phone stay), or a new one is made."""
    found = find_by_identifier(conn, identifier_text(party.tax_id), company_nip=company_nip)
    contractor_id = None
    if found is not None:
        contractor_id = found.id
        party = replace(
            party, email=party.email or found.party.email, phone=party.phone or found.party.phone
        )
    made = save_contractor(
        conn, party, company_nip=company_nip, now=now, contractor_id=contractor_id
    )
    conn.execute(
        "UPDATE contractors SET checked_on = ?, check_source = ?, vat_status = ?, "
        "accounts_json = ? WHERE id = ? AND company_nip = ?",
        (
            check.checked_on.isoformat(),
            check.source,
            check.status,
            json.dumps(list(check.accounts)),
            made,
            company_nip,
        ),
    )
    return made


def search_contractors(
    conn: sqlite3.Connection, text: str, limit: int = 20, *, company_nip: str
) -> list[Contractor]:
    """The company's contractors whose name or identifier contains ``text``
    (case-insensitive), by name."""
    rows = conn.execute(
        f"{_READ} WHERE company_nip = ? AND instr(search, ?) > 0 "
        "ORDER BY name COLLATE NOCASE, id LIMIT ?",
        (company_nip, fold(text.strip()), limit),
    ).fetchall()
    return [_contractor(r) for r in rows]


def delete_contractor(conn: sqlite3.Connection, contractor_id: int, *, company_nip: str) -> None:
    """Forget a contractor (issued invoices keep their own copy of the buyer)."""
    deleted = conn.execute(
        "DELETE FROM contractors WHERE id = ? AND company_nip = ?", (contractor_id, company_nip)
    ).rowcount
    if deleted == 0:
        raise UnknownContractor(contractor_id)
