"""Purchase invoices received from KSeF: kept, listed, paid (issue 18).

Every statement names the profile (the buyer). A received invoice is written once, in
one transaction with its archive record (``add_purchase``); a second attempt for the
same KSeF number changes nothing, so a sync that is interrupted and run again never
stores an invoice twice. The list pages by keyset like the sales list
(``store.queries``): a page costs the same at the start and the end of 100 000 rows.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ksef_desktop.store.archive import Archive, FileKind
from ksef_desktop.store.invoices import fold, from_minor, sha256_pair, to_minor
from ksef_desktop.store.purchase_deductions import ROW_COLUMN, StoredDeduction, from_column
from ksef_desktop.store.timefmt import from_db, to_db

SUBJECTS = ("Subject2", "Subject3")


@dataclass(frozen=True)
class ReceivedInvoice:
    """One invoice as KSeF gave it: its metadata, the facts read from its XML, its bytes."""

    ksef_number: str
    seller_nip: str
    seller_name: str
    number: str
    kind: str
    issue_date: date
    acquired_at: datetime
    stored_at: datetime
    net: Decimal
    vat: Decimal
    gross: Decimal
    currency: str
    xml: bytes = field(repr=False)
    subject: str = "Subject2"
    due_date: date | None = None
    bank_account: str = ""
    invoicing_mode: str = "Online"
    corrected_hash: str | None = None
    #: the invoices this one corrects: [{"number", "ksef_number", "issue_date"}]
    corrects: tuple[dict[str, str], ...] = ()
    #: semantic warnings as (code, text) pairs, in the language of the moment of sync
    warnings: tuple[dict[str, str], ...] = ()


def purchase_relpath(issue_date: date, sha256_hex: str) -> str:
    return f"purchases/{issue_date.year:04d}/{issue_date.month:02d}/{sha256_hex}.xml"


def known_numbers(
    conn: sqlite3.Connection, ksef_numbers: Sequence[str], *, profile_id: int
) -> set[str]:
    """Which of ``ksef_numbers`` the profile already keeps."""
    rows = conn.execute(
        "SELECT ksef_number FROM purchases WHERE profile_id = ? "
        "AND ksef_number IN (SELECT value FROM json_each(?))",
        (profile_id, json.dumps(list(ksef_numbers))),
    ).fetchall()
    return {r[0] for r in rows}


def add_purchase(
    conn: sqlite3.Connection,
    archive: Archive,
    invoice: ReceivedInvoice,
    *,
    profile_id: int,
    now: datetime,
) -> int | None:
    """Keep ``invoice`` (call inside a transaction): its XML goes to the archive, its row
    here. None when the profile already has that KSeF number (nothing changes)."""
    found = conn.execute(
        "SELECT id FROM purchases WHERE profile_id = ? AND ksef_number = ?",
        (profile_id, invoice.ksef_number),
    ).fetchone()
    if found is not None:
        return None
    b64, hexd = sha256_pair(invoice.xml)
    relpath = purchase_relpath(invoice.issue_date, hexd)
    archive.put(conn, FileKind.INVOICE, relpath, invoice.xml, now=now)
    search = fold(f"{invoice.seller_name} {invoice.seller_nip}")
    cur = conn.execute(
        "INSERT INTO purchases (profile_id, ksef_number, subject, seller_nip, seller_name, "
        "seller_search, number, kind, issue_date, acquired_at, stored_at, net_minor, "
        "vat_minor, gross_minor, currency, due_date, bank_account, invoicing_mode, "
        "sha256_b64, sha256_hex, relpath, corrected_hash, corrects_json, warnings_json, "
        "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?)",
        (
            profile_id,
            invoice.ksef_number,
            invoice.subject,
            invoice.seller_nip,
            invoice.seller_name,
            search,
            invoice.number,
            invoice.kind,
            invoice.issue_date.isoformat(),
            to_db(invoice.acquired_at),
            to_db(invoice.stored_at),
            to_minor(invoice.net),
            to_minor(invoice.vat),
            to_minor(invoice.gross),
            invoice.currency,
            invoice.due_date.isoformat() if invoice.due_date else None,
            invoice.bank_account,
            invoice.invoicing_mode,
            b64,
            hexd,
            relpath,
            invoice.corrected_hash,
            json.dumps(list(invoice.corrects), ensure_ascii=False),
            json.dumps(list(invoice.warnings), ensure_ascii=False),
            to_db(now),
        ),
    )
    return int(cur.lastrowid or 0)


# --- the sync's high-water mark -------------------------------------------------------


def sync_start(conn: sqlite3.Connection, subject: str, *, profile_id: int) -> datetime | None:
    """Where the next download of ``subject`` starts (None: never synced)."""
    row = conn.execute(
        "SELECT next_from FROM purchase_sync WHERE profile_id = ? AND subject = ?",
        (profile_id, subject),
    ).fetchone()
    return None if row is None else from_db(row[0])


def set_sync_start(
    conn: sqlite3.Connection, subject: str, start: datetime, *, profile_id: int, now: datetime
) -> None:
    conn.execute(
        "INSERT INTO purchase_sync (profile_id, subject, next_from, last_run_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (profile_id, subject) DO UPDATE SET "
        "next_from = excluded.next_from, last_run_at = excluded.last_run_at",
        (profile_id, subject, to_db(start), to_db(now)),
    )


# --- the list ---------------------------------------------------------------------------


class PurchaseSort(StrEnum):
    ISSUE_DATE = "issue_date"
    NUMBER = "number"
    SELLER = "seller"
    GROSS = "gross"
    DUE = "due"


_SORT_SQL = {
    PurchaseSort.ISSUE_DATE: "issue_date",
    PurchaseSort.NUMBER: "number",
    PurchaseSort.SELLER: "seller_search",
    PurchaseSort.GROSS: "gross_minor",
    PurchaseSort.DUE: "IFNULL(due_date, '')",
}


class PaymentFilter(StrEnum):
    ALL = "all"
    UNPAID = "unpaid"
    OVERDUE = "overdue"
    PAID = "paid"


@dataclass(frozen=True)
class PurchaseFilter:
    seller: str | None = None
    payment: PaymentFilter = PaymentFilter.ALL
    date_from: date | None = None
    date_to: date | None = None
    #: a number or KSeF number, or part of one
    text: str = ""
    #: "today" for the overdue filter (the caller's clock, Europe/Warsaw)
    today: date | None = None


@dataclass(frozen=True)
class PurchaseCursor:
    value: str | int
    id: int


@dataclass(frozen=True)
class PurchaseRow:
    id: int
    ksef_number: str
    seller_nip: str
    seller_name: str
    number: str
    kind: str
    issue_date: date
    acquired_at: datetime
    net: Decimal
    vat: Decimal
    gross: Decimal
    currency: str
    due_date: date | None
    paid: Decimal
    paid_on: date | None
    warning_count: int
    #: the VAT deduction chosen for it (None: the defaults), ``store.purchase_deductions``
    deduction: StoredDeduction | None = None

    @property
    def outstanding(self) -> Decimal:
        return max(self.gross - self.paid, Decimal("0.00"))

    def overdue(self, today: date) -> bool:
        return (
            self.paid_on is None
            and self.gross > 0
            and self.due_date is not None
            and self.due_date < today
        )


@dataclass(frozen=True)
class PurchasePage:
    rows: list[PurchaseRow]
    next: PurchaseCursor | None


COLUMNS = (
    "id, ksef_number, seller_nip, seller_name, number, kind, issue_date, acquired_at, "
    "net_minor, vat_minor, gross_minor, currency, due_date, paid_minor, paid_on, "
    f"json_array_length(warnings_json), {ROW_COLUMN}"
)
_ID_LIKE = re.compile(r"[0-9][0-9 \-]*")
_SELLER_IN = "seller_search IN (SELECT search FROM purchase_sellers WHERE instr(search, ?) > 0)"
SEARCH_LIMIT = 500
#: A seller search matching at most this many invoices is answered from the seller index.
FEW_SELLER_ROWS = 3000


def _row(r: Any) -> PurchaseRow:
    return PurchaseRow(
        id=int(r[0]),
        ksef_number=r[1],
        seller_nip=r[2],
        seller_name=r[3],
        number=r[4],
        kind=r[5],
        issue_date=date.fromisoformat(r[6]),
        acquired_at=from_db(r[7]),
        net=from_minor(int(r[8])),
        vat=from_minor(int(r[9])),
        gross=from_minor(int(r[10])),
        currency=r[11],
        due_date=date.fromisoformat(r[12]) if r[12] else None,
        paid=from_minor(int(r[13])),
        paid_on=date.fromisoformat(r[14]) if r[14] else None,
        warning_count=int(r[15] or 0),
        deduction=from_column(r[16]),
    )


def _needle(text: str) -> str:
    text = text.strip()
    if _ID_LIKE.fullmatch(text):
        return re.sub(r"[ \-]", "", text)
    return fold(text)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_clauses(flt: PurchaseFilter, *, profile_id: int) -> tuple[list[str], list[Any]]:
    clauses: list[str] = ["profile_id = ?"]
    args: list[Any] = [profile_id]
    if flt.seller and flt.seller.strip():
        clauses.append(_SELLER_IN)
        args.append(_needle(flt.seller))
    if flt.payment is PaymentFilter.PAID:
        clauses.append("paid_on IS NOT NULL")
    elif flt.payment is PaymentFilter.UNPAID:
        clauses.append("paid_on IS NULL AND gross_minor > 0")
    elif flt.payment is PaymentFilter.OVERDUE:
        clauses.append("paid_on IS NULL AND gross_minor > 0 AND due_date < ?")
        args.append((flt.today or date.max).isoformat())
    if flt.date_from is not None:
        clauses.append("issue_date >= ?")
        args.append(flt.date_from.isoformat())
    if flt.date_to is not None:
        clauses.append("issue_date <= ?")
        args.append(flt.date_to.isoformat())
    if flt.text.strip():
        needle = f"%{_escape(flt.text.strip())}%"
        clauses.append("(number LIKE ? ESCAPE '\\' OR ksef_number LIKE ? ESCAPE '\\')")
        args.extend([needle, needle])
    return clauses, args


def list_purchases(
    conn: sqlite3.Connection,
    flt: PurchaseFilter | None = None,
    *,
    profile_id: int,
    sort: PurchaseSort = PurchaseSort.ISSUE_DATE,
    descending: bool = True,
    after: PurchaseCursor | None = None,
    limit: int = 200,
) -> PurchasePage:
    """One page of the profile's purchase invoices, ``limit`` rows after ``after``.

    A number search scans (no index can seek a substring) and answers at most
    ``SEARCH_LIMIT`` rows in one page; everything else walks an index in order.
    """
    flt = flt or PurchaseFilter()
    seller = flt.seller.strip() if flt.seller else ""
    clauses, args = filter_clauses(replace(flt, seller=None), profile_id=profile_id)
    key = _SORT_SQL[sort]
    if flt.text.strip():
        limit, after = SEARCH_LIMIT, None
    hint = ""
    if seller:
        # As the sales list does (store.queries): count the matches on the seller index;
        # few are fetched through it and sorted, many are found walking the list in order.
        needle = _needle(seller)
        matches = conn.execute(
            "SELECT count(*) FROM purchases INDEXED BY purchases_by_seller "  # noqa: S608
            f"WHERE profile_id = ? AND {_SELLER_IN}",
            (profile_id, needle),
        ).fetchone()[0]
        if matches == 0:
            return PurchasePage([], None)
        if matches <= FEW_SELLER_ROWS:
            clauses.insert(1, _SELLER_IN)
            hint = " INDEXED BY purchases_by_seller"
        else:
            clauses.insert(1, "instr(seller_search, ?) > 0")
        args.insert(1, needle)
    if not hint and flt.payment is PaymentFilter.OVERDUE and sort is PurchaseSort.DUE:
        hint = " INDEXED BY purchases_unpaid_due"
    if after is not None:
        clauses.append(f"({key}, id) {'<' if descending else '>'} (?, ?)")
        args.extend([after.value, after.id])
    direction = "DESC" if descending else "ASC"
    rows = conn.execute(
        f"SELECT {COLUMNS}, {key} FROM purchases{hint} WHERE {' AND '.join(clauses)} "  # noqa: S608
        f"ORDER BY {key} {direction}, id {direction} LIMIT ?",
        (*args, limit + 1),
    ).fetchall()
    more = len(rows) > limit and not flt.text.strip()
    rows = rows[:limit]
    cursor = PurchaseCursor(rows[-1][-1], int(rows[-1][0])) if more and rows else None
    return PurchasePage([_row(r) for r in rows], cursor)


def purchase_ids(
    conn: sqlite3.Connection, ksef_numbers: Sequence[str] | None, *, profile_id: int
) -> dict[str, int]:
    """The profile's purchase invoices by KSeF number (``None``: all of them), oldest
    first; a number the profile does not keep is left out."""
    sql = "SELECT ksef_number, id FROM purchases WHERE profile_id = ?"
    args: list[Any] = [profile_id]
    if ksef_numbers is not None:
        sql += " AND ksef_number IN (SELECT value FROM json_each(?))"
        args.append(json.dumps(list(ksef_numbers)))
    rows = conn.execute(sql + " ORDER BY issue_date, id", args).fetchall()
    return {str(number): int(pid) for number, pid in rows}


def count_purchases(
    conn: sqlite3.Connection, flt: PurchaseFilter | None = None, *, profile_id: int
) -> int:
    clauses, args = filter_clauses(flt or PurchaseFilter(), profile_id=profile_id)
    sql = f"SELECT count(*) FROM purchases WHERE {' AND '.join(clauses)}"  # noqa: S608
    return int(conn.execute(sql, args).fetchone()[0])


def get_purchase(conn: sqlite3.Connection, purchase_id: int, *, profile_id: int) -> PurchaseRow:
    row = conn.execute(
        f"SELECT {COLUMNS} FROM purchases WHERE id = ? AND profile_id = ?",  # noqa: S608
        (purchase_id, profile_id),
    ).fetchone()
    if row is None:
        raise LookupError(purchase_id)
    return _row(row)


@dataclass(frozen=True)
class PurchaseDetail:
    row: PurchaseRow
    relpath: str
    sha256_b64: str
    bank_account: str
    corrected_hash: str | None
    corrects: list[dict[str, str]]
    warnings: list[dict[str, str]]
    invoicing_mode: str


def purchase_detail(
    conn: sqlite3.Connection, purchase_id: int, *, profile_id: int
) -> PurchaseDetail:
    row = conn.execute(
        "SELECT relpath, sha256_b64, bank_account, corrected_hash, corrects_json, "
        "warnings_json, invoicing_mode FROM purchases WHERE id = ? AND profile_id = ?",
        (purchase_id, profile_id),
    ).fetchone()
    if row is None:
        raise LookupError(purchase_id)
    return PurchaseDetail(
        get_purchase(conn, purchase_id, profile_id=profile_id),
        row[0],
        row[1],
        row[2],
        row[3],
        json.loads(row[4]),
        json.loads(row[5]),
        row[6],
    )


def purchases_by_hash(
    conn: sqlite3.Connection, sha256_b64: str, *, profile_ids: Sequence[int]
) -> list[tuple[int, int, str]]:
    """(profile id, purchase id, KSeF number) of every kept invoice with this hash."""
    return [
        (int(r[0]), int(r[1]), r[2])
        for r in conn.execute(
            "SELECT profile_id, id, ksef_number FROM purchases WHERE sha256_b64 = ? "
            "AND profile_id IN (SELECT value FROM json_each(?))",
            (sha256_b64, json.dumps(list(profile_ids))),
        )
    ]


def purchases_of_seller_day(
    conn: sqlite3.Connection, seller_nip: str, day: date, *, profile_ids: Sequence[int]
) -> list[tuple[int, str, str]]:
    """(purchase id, KSeF number, hash) of kept invoices of one seller issued on ``day``."""
    return [
        (int(r[0]), r[1], r[2])
        for r in conn.execute(
            "SELECT id, ksef_number, sha256_b64 FROM purchases WHERE seller_nip = ? "
            "AND issue_date = ? AND profile_id IN (SELECT value FROM json_each(?))",
            (seller_nip, day.isoformat(), json.dumps(list(profile_ids))),
        )
    ]


# --- payments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    id: int
    paid_on: date
    amount: Decimal
    note: str


def add_payment(
    conn: sqlite3.Connection,
    purchase_id: int,
    paid_on: date,
    amount: Decimal,
    *,
    profile_id: int,
    now: datetime,
    note: str = "",
    bank_line_id: int | None = None,
) -> int:
    """Record a payment (call inside a transaction; the triggers keep the sums);
    ``bank_line_id``: the statement line it came from (None: by hand)."""
    cur = conn.execute(
        "INSERT INTO purchase_payments (profile_id, purchase_id, paid_on, amount_minor, note, "
        "created_at, bank_line_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            profile_id,
            purchase_id,
            paid_on.isoformat(),
            to_minor(amount),
            note,
            to_db(now),
            bank_line_id,
        ),
    )
    return int(cur.lastrowid or 0)


def delete_payment(conn: sqlite3.Connection, payment_id: int, *, profile_id: int) -> bool:
    cur = conn.execute(
        "DELETE FROM purchase_payments WHERE id = ? AND profile_id = ?", (payment_id, profile_id)
    )
    return cur.rowcount > 0


def payments_of(conn: sqlite3.Connection, purchase_id: int, *, profile_id: int) -> list[Payment]:
    return [
        Payment(int(r[0]), date.fromisoformat(r[1]), from_minor(int(r[2])), r[3])
        for r in conn.execute(
            "SELECT id, paid_on, amount_minor, note FROM purchase_payments "
            "WHERE profile_id = ? AND purchase_id = ? ORDER BY paid_on, id",
            (profile_id, purchase_id),
        )
    ]


def count_overdue(conn: sqlite3.Connection, today: date, *, profile_id: int) -> int:
    return int(
        conn.execute(
            "SELECT count(*) FROM purchases INDEXED BY purchases_unpaid_due WHERE "
            "profile_id = ? AND paid_on IS NULL AND due_date IS NOT NULL AND due_date < ? "
            "AND gross_minor > 0",
            (profile_id, today.isoformat()),
        ).fetchone()[0]
    )


def rows_by_ids(
    conn: sqlite3.Connection, ids: Sequence[int], *, profile_id: int
) -> list[PurchaseRow]:
    """The profile's purchases ``ids`` in the order given (unknown ids left out)."""
    found = {
        int(r[0]): _row(r)
        for r in conn.execute(
            f"SELECT {COLUMNS} FROM purchases WHERE profile_id = ? "  # noqa: S608
            "AND id IN (SELECT value FROM json_each(?))",
            (profile_id, json.dumps([int(i) for i in ids])),
        )
    }
    return [found[i] for i in ids if i in found]


def corrected_in_store(
    conn: sqlite3.Connection, ksef_numbers: Sequence[str], *, profile_id: int
) -> dict[str, int]:
    """KSeF number -> purchase id for those of ``ksef_numbers`` the profile keeps."""
    return {
        r[0]: int(r[1])
        for r in conn.execute(
            "SELECT ksef_number, id FROM purchases WHERE profile_id = ? "
            "AND ksef_number IN (SELECT value FROM json_each(?))",
            (profile_id, json.dumps(list(ksef_numbers))),
        )
    }
