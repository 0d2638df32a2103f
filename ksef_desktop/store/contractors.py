"""Contractors: the parties the user invoices, kept for the editor's buyer field."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

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
class Contractor:
    id: int
    party: Party


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


def get_contractor(conn: sqlite3.Connection, contractor_id: int, *, company_nip: str) -> Contractor:
    row = conn.execute(
        "SELECT id, party_json FROM contractors WHERE id = ? AND company_nip = ?",
        (contractor_id, company_nip),
    ).fetchone()
    if row is None:
        raise UnknownContractor(contractor_id)
    return Contractor(int(row[0]), party_from_json(json.loads(row[1])))


def search_contractors(
    conn: sqlite3.Connection, text: str, limit: int = 20, *, company_nip: str
) -> list[Contractor]:
    """The company's contractors whose name or identifier contains ``text``
    (case-insensitive), by name."""
    rows = conn.execute(
        "SELECT id, party_json FROM contractors WHERE company_nip = ? AND instr(search, ?) > 0 "
        "ORDER BY name COLLATE NOCASE, id LIMIT ?",
        (company_nip, fold(text.strip()), limit),
    ).fetchall()
    return [Contractor(int(r[0]), party_from_json(json.loads(r[1]))) for r in rows]


def delete_contractor(conn: sqlite3.Connection, contractor_id: int, *, company_nip: str) -> None:
    """Forget a contractor (issued invoices keep their own copy of the buyer)."""
    deleted = conn.execute(
        "DELETE FROM contractors WHERE id = ? AND company_nip = ?", (contractor_id, company_nip)
    ).rowcount
    if deleted == 0:
        raise UnknownContractor(contractor_id)
