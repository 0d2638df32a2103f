"""Bank statements, their lines and what each line pays (schema step of issue 24,
``store.schema_matching``), and the invoices matching reads.

A credit's matches are sales invoices (``bank_matches``), paid through
``store.payments.record_payment``; a debit's are purchase invoices
(``bank_purchase_matches``), paid through ``store.purchases.add_payment``. One payment
per invoice, marked with the line: accepting a proposal records them, undoing deletes
them (and the triggers ``bank_payment_removed`` / ``bank_purchase_payment_removed`` turn
the line back into a proposal). Every function works inside the caller's transaction;
every query names the profile.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ksef_desktop.bank.model import BankLine, BankStatement, Direction
from ksef_desktop.domain.matching import Allocation, Basis, OpenInvoice, Verdict
from ksef_desktop.i18n import _
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.invoices import from_minor, to_minor
from ksef_desktop.store.payments import delete_payment, record_payment
from ksef_desktop.store.purchases import add_payment as add_purchase_payment
from ksef_desktop.store.purchases import delete_payment as delete_purchase_payment
from ksef_desktop.store.timefmt import to_db


class LineRefused(StoreError):
    """The line is not in the state the operation needs (nothing was changed)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


@dataclass(frozen=True)
class StoredMatch:
    invoice_id: int
    number: str
    amount: Decimal
    currency: str
    paid: bool
    #: A purchase invoice (a debit's match); a sales invoice otherwise.
    purchase: bool = False


@dataclass(frozen=True)
class StoredLine:
    id: int
    statement_id: int
    key: str
    booked_on: date
    direction: Direction
    amount: Decimal
    currency: str
    title: str
    counterparty: str
    counterparty_account: str
    reference: str
    state: Verdict
    basis: Basis | None
    matches: tuple[StoredMatch, ...] = ()

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(m.number for m in self.matches)


# --- statements and lines ---------------------------------------------------------------


def save_statement(
    conn: sqlite3.Connection,
    statement: BankStatement,
    sha256: str,
    file_name: str,
    *,
    profile_id: int,
    now: datetime,
) -> tuple[int, bool]:
    """The statement's id, and whether it is new (the same file again is not)."""
    row = conn.execute(
        "SELECT id FROM bank_statements WHERE profile_id = ? AND file_sha256 = ?",
        (profile_id, sha256),
    ).fetchone()
    if row is not None:
        return int(row[0]), False
    first, last = statement.first_day, statement.last_day
    cur = conn.execute(
        "INSERT INTO bank_statements (profile_id, file_sha256, format, account, file_name, "
        "first_day, last_day, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            profile_id,
            sha256,
            statement.format,
            statement.account,
            file_name,
            first.isoformat() if first else None,
            last.isoformat() if last else None,
            to_db(now),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid, True


def known_keys(conn: sqlite3.Connection, keys: Sequence[str], *, profile_id: int) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT line_key FROM bank_lines WHERE profile_id = ? "
            "AND line_key IN (SELECT value FROM json_each(?))",
            (profile_id, json.dumps(list(keys))),
        )
    }


def insert_line(
    conn: sqlite3.Connection,
    line: BankLine,
    statement_id: int,
    *,
    profile_id: int,
    state: Verdict,
    basis: Basis | None,
) -> int | None:
    """The new line's id (None: a line with its key is there already; nothing changed)."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO bank_lines (profile_id, statement_id, line_key, booked_on, "
        "direction, amount_minor, currency, title, counterparty, counterparty_account, "
        "reference, details, state, basis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            profile_id,
            statement_id,
            line.key,
            line.booked_on.isoformat(),
            line.direction.value,
            to_minor(line.amount),
            line.currency,
            line.title,
            line.counterparty,
            line.counterparty_account,
            line.reference,
            line.details,
            state.value,
            basis.value if basis else None,
        ),
    )
    return cur.lastrowid if cur.rowcount == 1 else None


def add_matches(
    conn: sqlite3.Connection,
    line_id: int,
    allocations: Sequence[Allocation],
    *,
    profile_id: int,
    purchases: bool = False,
) -> None:
    """What a line pays: sales invoices, or (``purchases``: a debit) purchase invoices."""
    sql = (
        "INSERT INTO bank_purchase_matches (profile_id, line_id, purchase_id, amount_minor) "
        "VALUES (?, ?, ?, ?)"
        if purchases
        else "INSERT INTO bank_matches (profile_id, line_id, invoice_id, amount_minor) "
        "VALUES (?, ?, ?, ?)"
    )
    conn.executemany(
        sql, [(profile_id, line_id, a.invoice_id, to_minor(a.amount)) for a in allocations]
    )


@dataclass(frozen=True)
class _Row:
    state: str
    booked_on: str
    title: str
    debit: bool


def _line_row(conn: sqlite3.Connection, line_id: int, profile_id: int) -> _Row:
    row = conn.execute(
        "SELECT state, booked_on, title, direction FROM bank_lines WHERE id = ? AND profile_id = ?",
        (line_id, profile_id),
    ).fetchone()
    if row is None:
        raise LineRefused(_("There is no such statement line."))
    return _Row(str(row[0]), str(row[1]), str(row[2]), row[3] == Direction.DEBIT.value)


def pay_line(conn: sqlite3.Connection, line_id: int, *, profile_id: int, now: datetime) -> int:
    """Record the payments of a line's matches (the booking day, the amounts matched);
    the line is then ``matched``. Returns how many payments were recorded."""
    line = _line_row(conn, line_id, profile_id)
    if line.state != Verdict.PROPOSED.value:
        raise LineRefused(_("Only a proposed match can be accepted."))
    table = "bank_purchase_matches" if line.debit else "bank_matches"
    rows = conn.execute(
        f"SELECT id, {'purchase_id' if line.debit else 'invoice_id'}, amount_minor "  # noqa: S608
        f"FROM {table} WHERE line_id = ? AND profile_id = ? AND payment_id IS NULL ORDER BY id",
        (line_id, profile_id),
    ).fetchall()
    if not rows:
        raise LineRefused(_("The line names no invoice to mark paid."))
    note = " ".join(line.title.split())[:200]
    booked_on = date.fromisoformat(line.booked_on)
    for match_id, invoice_id, amount_minor in rows:
        amount = from_minor(int(amount_minor))
        if line.debit:
            payment = add_purchase_payment(
                conn,
                int(invoice_id),
                booked_on,
                amount,
                profile_id=profile_id,
                now=now,
                note=note,
                bank_line_id=line_id,
            )
        else:
            payment = record_payment(
                conn, int(invoice_id), amount, booked_on, profile_id=profile_id, now=now, note=note
            )
            conn.execute(
                "UPDATE payments SET bank_line_id = ? WHERE id = ? AND profile_id = ?",
                (line_id, payment, profile_id),
            )
        conn.execute(
            f"UPDATE {table} SET payment_id = ? WHERE id = ? AND profile_id = ?",  # noqa: S608
            (payment, match_id, profile_id),
        )
    conn.execute(
        "UPDATE bank_lines SET state = 'matched' WHERE id = ? AND profile_id = ?",
        (line_id, profile_id),
    )
    return len(rows)


def unpay_line(conn: sqlite3.Connection, line_id: int, *, profile_id: int) -> int:
    """Undo a match: its payments are deleted, the line is a proposal again."""
    line = _line_row(conn, line_id, profile_id)
    if line.state != Verdict.MATCHED.value:
        raise LineRefused(_("Only a matched line can be undone."))
    table = "bank_purchase_matches" if line.debit else "bank_matches"
    payments = [
        int(r[0])
        for r in conn.execute(
            f"SELECT payment_id FROM {table} WHERE line_id = ? AND profile_id = ? "  # noqa: S608
            "AND payment_id IS NOT NULL",
            (line_id, profile_id),
        )
    ]
    remove = delete_purchase_payment if line.debit else delete_payment
    for payment in payments:
        remove(conn, payment, profile_id=profile_id)  # the trigger unlinks it
    conn.execute(
        "UPDATE bank_lines SET state = 'proposed' WHERE id = ? AND profile_id = ?",
        (line_id, profile_id),
    )
    return len(payments)


def drop_proposal(conn: sqlite3.Connection, line_id: int, *, profile_id: int) -> None:
    """A proposal the user rejects: the line is unknown again, its matches gone."""
    if _line_row(conn, line_id, profile_id).state != Verdict.PROPOSED.value:
        raise LineRefused(_("Only a proposed match can be rejected."))
    for table in ("bank_matches", "bank_purchase_matches"):
        conn.execute(
            f"DELETE FROM {table} WHERE line_id = ? AND profile_id = ?",  # noqa: S608
            (line_id, profile_id),
        )
    conn.execute(
        "UPDATE bank_lines SET state = 'unknown', basis = NULL WHERE id = ? AND profile_id = ?",
        (line_id, profile_id),
    )


def propose(
    conn: sqlite3.Connection,
    line_id: int,
    allocations: Sequence[Allocation],
    basis: Basis,
    *,
    profile_id: int,
) -> None:
    """Matches for an unknown line (the user's choice): the line becomes a proposal."""
    if _line_row(conn, line_id, profile_id).state != Verdict.UNKNOWN.value:
        raise LineRefused(_("The line is matched or proposed already."))
    add_matches(conn, line_id, allocations, profile_id=profile_id)
    conn.execute(
        "UPDATE bank_lines SET state = 'proposed', basis = ? WHERE id = ? AND profile_id = ?",
        (basis.value, line_id, profile_id),
    )


# --- reading lines ------------------------------------------------------------------------

_LINE_COLUMNS = (
    "id, statement_id, line_key, booked_on, direction, amount_minor, currency, title, "
    "counterparty, counterparty_account, reference, state, basis"
)


def _lines(
    conn: sqlite3.Connection, rows: list[tuple[object, ...]], profile_id: int
) -> list[StoredLine]:
    ids = [int(str(r[0])) for r in rows]
    matches: dict[int, list[StoredMatch]] = {}
    for m in conn.execute(
        "SELECT m.line_id, m.invoice_id, IFNULL(i.number, ''), m.amount_minor, i.currency, "
        "m.payment_id IS NOT NULL FROM bank_matches m JOIN invoices i ON i.id = m.invoice_id "
        "WHERE m.profile_id = ? AND i.profile_id = ? "
        "AND m.line_id IN (SELECT value FROM json_each(?)) ORDER BY m.id",
        (profile_id, profile_id, json.dumps(ids)),
    ):
        matches.setdefault(int(m[0]), []).append(
            StoredMatch(int(m[1]), str(m[2]), from_minor(int(m[3])), str(m[4]), bool(m[5]))
        )
    for m in conn.execute(
        "SELECT m.line_id, m.purchase_id, p.number, m.amount_minor, p.currency, "
        "m.payment_id IS NOT NULL FROM bank_purchase_matches m "
        "JOIN purchases p ON p.id = m.purchase_id WHERE m.profile_id = ? AND p.profile_id = ? "
        "AND m.line_id IN (SELECT value FROM json_each(?)) ORDER BY m.id",
        (profile_id, profile_id, json.dumps(ids)),
    ):
        matches.setdefault(int(m[0]), []).append(
            StoredMatch(
                int(m[1]), str(m[2]), from_minor(int(m[3])), str(m[4]), bool(m[5]), purchase=True
            )
        )
    out = []
    for r in rows:
        line_id = int(str(r[0]))
        out.append(
            StoredLine(
                id=line_id,
                statement_id=int(str(r[1])),
                key=str(r[2]),
                booked_on=date.fromisoformat(str(r[3])),
                direction=Direction(str(r[4])),
                amount=from_minor(int(str(r[5]))),
                currency=str(r[6]),
                title=str(r[7]),
                counterparty=str(r[8]),
                counterparty_account=str(r[9]),
                reference=str(r[10]),
                state=Verdict(str(r[11])),
                basis=Basis(str(r[12])) if r[12] else None,
                matches=tuple(matches.get(line_id, ())),
            )
        )
    return out


def get_line(conn: sqlite3.Connection, line_id: int, *, profile_id: int) -> StoredLine:
    rows = conn.execute(
        f"SELECT {_LINE_COLUMNS} FROM bank_lines WHERE id = ? AND profile_id = ?",  # noqa: S608
        (line_id, profile_id),
    ).fetchall()
    if not rows:
        raise LineRefused(_("There is no such statement line."))
    return _lines(conn, rows, profile_id)[0]


def lines_by_keys(
    conn: sqlite3.Connection, keys: Sequence[str], *, profile_id: int
) -> dict[str, StoredLine]:
    rows = conn.execute(
        f"SELECT {_LINE_COLUMNS} FROM bank_lines WHERE profile_id = ? "  # noqa: S608
        "AND line_key IN (SELECT value FROM json_each(?))",
        (profile_id, json.dumps(list(keys))),
    ).fetchall()
    return {line.key: line for line in _lines(conn, rows, profile_id)}


def list_lines(
    conn: sqlite3.Connection,
    *,
    profile_id: int,
    states: Sequence[Verdict] = (),
    limit: int = 1000,
) -> list[StoredLine]:
    """The profile's statement lines, newest first (only ``states`` when given)."""
    wanted = [s.value for s in states] or [v.value for v in Verdict]
    rows = conn.execute(
        f"SELECT {_LINE_COLUMNS} FROM bank_lines WHERE profile_id = ? "  # noqa: S608
        "AND state IN (SELECT value FROM json_each(?)) ORDER BY booked_on DESC, id DESC LIMIT ?",
        (profile_id, json.dumps(wanted), limit),
    ).fetchall()
    return _lines(conn, rows, profile_id)


# --- the invoices matching reads --------------------------------------------------------------

_INVOICE_COLUMNS = (
    "id, IFNULL(number, ''), ksef_number, buyer_id, gross_minor, paid_minor, currency, "
    "issue_date, due_date"
)


def open_invoice(r: tuple[object, ...]) -> OpenInvoice:
    """A row of (id, number, KSeF number, counterparty, gross, paid, currency, issue date,
    due date) as matching reads it: an issued invoice here, a purchase invoice in
    ``store.statement_purchases`` (whose counterparty is the supplier)."""
    return OpenInvoice(
        id=int(str(r[0])),
        number=str(r[1]),
        ksef_number=str(r[2]) if r[2] else None,
        buyer_id=str(r[3] or ""),
        gross=from_minor(int(str(r[4]))),
        paid=from_minor(int(str(r[5]))),
        currency=str(r[6]),
        issue_date=date.fromisoformat(str(r[7])),
        due_date=date.fromisoformat(str(r[8])) if r[8] else None,
    )


def invoices_by_ksef(
    conn: sqlite3.Connection, numbers: Sequence[str], *, profile_id: int
) -> dict[str, OpenInvoice]:
    """The profile's issued invoices behind these KSeF numbers, paid or not."""
    rows = conn.execute(
        f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE profile_id = ? "  # noqa: S608
        "AND state <> 'draft' AND ksef_number IN (SELECT value FROM json_each(?))",
        (profile_id, json.dumps(list(numbers))),
    ).fetchall()
    found = [open_invoice(r) for r in rows]
    return {i.ksef_number: i for i in found if i.ksef_number}


def unpaid_invoices(conn: sqlite3.Connection, *, profile_id: int) -> list[OpenInvoice]:
    """The profile's issued invoices with something left to pay."""
    rows = conn.execute(
        f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE profile_id = ? "  # noqa: S608
        "AND state <> 'draft' AND gross_minor > 0 AND paid_minor < gross_minor",
        (profile_id,),
    ).fetchall()
    return [open_invoice(r) for r in rows]


def invoices_by_number(
    conn: sqlite3.Connection, numbers: Sequence[str], *, profile_id: int
) -> list[OpenInvoice]:
    rows = conn.execute(
        f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE profile_id = ? "  # noqa: S608
        "AND state <> 'draft' AND number IN (SELECT value FROM json_each(?))",
        (profile_id, json.dumps(list(numbers))),
    ).fetchall()
    return [open_invoice(r) for r in rows]


def invoice_numbers(conn: sqlite3.Connection, *, profile_id: int) -> list[str]:
    """Every number of the profile's issued invoices (for searching titles)."""
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT number FROM invoices WHERE profile_id = ? AND state <> 'draft' "
            "AND number IS NOT NULL",
            (profile_id,),
        )
    ]


def buyer_accounts(
    conn: sqlite3.Connection, *, profile_id: int, company_nip: str
) -> dict[str, set[str]]:
    """Which buyers (their identifiers) each known account belongs to: the accounts the
    VAT white list gave for the company's contractors, and those payments matched to a
    buyer's invoices came from."""
    from ksef_desktop.bank.model import compact_account

    out: dict[str, set[str]] = {}
    for identifier, accounts in conn.execute(
        "SELECT identifier, accounts_json FROM contractors WHERE company_nip = ? "
        "AND identifier <> '' AND accounts_json <> '[]'",
        (company_nip,),
    ):
        for account in json.loads(str(accounts) or "[]"):
            if compact_account(str(account)):
                out.setdefault(compact_account(str(account)), set()).add(str(identifier))
    for account, buyer in conn.execute(
        "SELECT DISTINCT l.counterparty_account, i.buyer_id FROM bank_matches m "
        "JOIN bank_lines l ON l.id = m.line_id JOIN invoices i ON i.id = m.invoice_id "
        "WHERE m.profile_id = ? AND l.profile_id = ? AND i.profile_id = ? "
        "AND m.payment_id IS NOT NULL AND l.counterparty_account <> '' AND i.buyer_id <> ''",
        (profile_id, profile_id, profile_id),
    ):
        out.setdefault(str(account), set()).add(str(buyer))
    return out
