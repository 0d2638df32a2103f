"""What the invoice list shows: pages (keyset paging, sortable), filters, due-soon count.

Filters: buyer (a substring of the name or identifier, case-insensitive, Polish letters
included), states, and an issue-date range. Paging is by keyset: a page ends with a
``Cursor`` (the last row's sort key and id) and the next page starts after it, so a
page costs the same at the start and at the end of 100 000 invoices.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ksef_desktop.store.invoices import fold, from_minor
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.store.timefmt import from_db, opt_from_db, to_db


class SortKey(StrEnum):
    ISSUE_DATE = "issue_date"
    NUMBER = "number"
    BUYER = "buyer"
    GROSS = "gross"


_SORT_SQL = {
    SortKey.ISSUE_DATE: "issue_date",
    SortKey.NUMBER: "IFNULL(number, '')",
    SortKey.BUYER: "buyer_search",
    SortKey.GROSS: "gross_minor",
}

_ID_LIKE = re.compile(r"[0-9][0-9 \-]*")


@dataclass(frozen=True)
class InvoiceFilter:
    buyer: str | None = None
    states: frozenset[InvoiceState] | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: Only invoices overdue on this day (a due date passed, not paid in full).
    overdue_on: date | None = None


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the row with this sort value and id."""

    value: str | int
    id: int


@dataclass(frozen=True)
class ListRow:
    id: int
    state: InvoiceState
    kind: str
    number: str | None
    issue_date: date
    buyer_name: str
    buyer_id: str
    gross: Decimal
    currency: str
    mode: str | None
    deadline: datetime | None
    ksef_number: str | None
    rejection_code: int | None
    due_date: date | None = None
    paid: Decimal = Decimal("0.00")
    mail_state: str | None = None  # the latest e-mail's (store.mail.MailState)
    rejection_details: str | None = None


@dataclass(frozen=True)
class Page:
    rows: list[ListRow]
    next: Cursor | None  # None: this was the last page


def _needle(text: str) -> str:
    text = text.strip()
    if _ID_LIKE.fullmatch(text):
        return re.sub(r"[ \-]", "", text)  # "526-587-76-35" finds NIP 5265877635
    return fold(text)


_BUYER_IN = "buyer_search IN (SELECT search FROM buyers WHERE instr(search, ?) > 0)"


def filter_clauses(
    flt: InvoiceFilter, *, profile_id: int, buyer: bool = True
) -> tuple[list[str], list[Any]]:
    """The WHERE clauses of ``flt`` within profile ``profile_id`` (always the first)."""
    clauses: list[str] = ["profile_id = ?"]
    args: list[Any] = [profile_id]
    if buyer and flt.buyer and flt.buyer.strip():
        clauses.append(_BUYER_IN)
        args.append(_needle(flt.buyer))
    if flt.states is not None:
        states = sorted(s.value for s in flt.states)
        if not states:
            clauses.append("0")
        else:
            clauses.append(f"state IN ({', '.join('?' for _ in states)})")
            args.extend(states)
    if flt.date_from is not None:
        clauses.append("issue_date >= ?")
        args.append(flt.date_from.isoformat())
    if flt.date_to is not None:
        clauses.append("issue_date <= ?")
        args.append(flt.date_to.isoformat())
    if flt.overdue_on is not None:
        from ksef_desktop.store.payments import OVERDUE_SQL

        clauses.append(f"({OVERDUE_SQL})")
        args.append(flt.overdue_on.isoformat())
    return clauses, args


def _joined(clauses: list[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""


LIST_COLUMNS = (
    "id, state, kind, number, issue_date, buyer_name, buyer_id, gross_minor, currency, mode, "
    "deadline, ksef_number, rejection_code, due_date, paid_minor, mail_state, "
    "rejection_details"
)


def list_row(row: Any) -> ListRow:
    return ListRow(
        id=int(row[0]),
        state=InvoiceState(row[1]),
        kind=row[2],
        number=row[3],
        issue_date=date.fromisoformat(row[4]),
        buyer_name=row[5],
        buyer_id=row[6],
        gross=from_minor(int(row[7])),
        currency=row[8],
        mode=row[9],
        deadline=opt_from_db(row[10]),
        ksef_number=row[11],
        rejection_code=row[12],
        due_date=None if row[13] is None else date.fromisoformat(row[13]),
        paid=from_minor(int(row[14])),
        mail_state=row[15],
        rejection_details=row[16],
    )


#: A buyer search matching at most this many invoices is answered from the buyer index
#: (fetch the matches, sort them); one matching more walks the list in order instead.
FEW_BUYER_ROWS = 3000

#: States that few invoices are in for long: a filter on them uses the state index.
_RARE_STATES = frozenset(InvoiceState) - {InvoiceState.ACCEPTED}


def list_invoices(
    conn: sqlite3.Connection,
    flt: InvoiceFilter | None = None,
    *,
    profile_id: int,
    sort: SortKey = SortKey.ISSUE_DATE,
    descending: bool = True,
    after: Cursor | None = None,
    limit: int = 50,
) -> Page:
    """One page of the invoice list, ``limit`` rows after ``after``.

    A buyer search is a substring, which no index can seek. It is matched against the
    few distinct buyer texts (table ``buyers``) and the matching invoices counted on the
    buyer index; few matches are fetched through that index and sorted, many are found
    by walking the list in order (they turn up quickly). A filter on states other than
    "accepted" (where most invoices end up) reads the state index.
    """
    flt = flt or InvoiceFilter()
    clauses, args = filter_clauses(flt, profile_id=profile_id, buyer=False)
    hint = ""
    if flt.buyer and flt.buyer.strip():
        needle = _needle(flt.buyer)
        matches = conn.execute(
            "SELECT count(*) FROM invoices INDEXED BY invoices_by_profile_buyer "  # noqa: S608
            f"WHERE profile_id = ? AND {_BUYER_IN}",
            (profile_id, needle),
        ).fetchone()[0]
        if matches == 0:
            return Page([], None)
        if matches <= FEW_BUYER_ROWS:
            clauses.insert(1, _BUYER_IN)
            hint = " INDEXED BY invoices_by_profile_buyer"
        else:
            clauses.insert(1, "instr(buyer_search, ?) > 0")
        args.insert(1, needle)
    if not hint and flt.states and flt.states <= _RARE_STATES:
        hint = " INDEXED BY invoices_by_profile_state_date"
    key = _SORT_SQL[sort]
    if after is not None:
        clauses.append(f"({key}, id) {'<' if descending else '>'} (?, ?)")
        args.extend([after.value, after.id])
    direction = "DESC" if descending else "ASC"
    rows = conn.execute(
        f"SELECT {LIST_COLUMNS}, {key} FROM invoices{hint}{_joined(clauses)} "  # noqa: S608
        f"ORDER BY {key} {direction}, id {direction} LIMIT ?",
        (*args, limit + 1),
    ).fetchall()
    return _page(rows, limit)


def _page(raw: list[Any], limit: int) -> Page:
    more = len(raw) > limit
    raw = raw[:limit]
    cursor = Cursor(raw[-1][-1], int(raw[-1][0])) if more and raw else None
    return Page([list_row(r) for r in raw], cursor)


def count_invoices(
    conn: sqlite3.Connection, flt: InvoiceFilter | None = None, *, profile_id: int
) -> int:
    clauses, args = filter_clauses(flt or InvoiceFilter(), profile_id=profile_id)
    return int(conn.execute(f"SELECT count(*) FROM invoices{_joined(clauses)}", args).fetchone()[0])  # noqa: S608


_DUE_SOON = (
    "FROM invoices i WHERE i.profile_id = ? AND i.deadline IS NOT NULL "
    "AND i.state IN ('issued','queued','sent','rejected') AND i.deadline <= ? "
    "AND NOT (i.state = 'rejected' AND EXISTS "
    "(SELECT 1 FROM invoices c WHERE c.corrects_id = i.id))"
)


def count_due_soon(
    conn: sqlite3.Connection,
    now: datetime,
    within: timedelta = timedelta(hours=24),
    *,
    profile_id: int,
) -> int:
    """Invoices not yet in KSeF whose deadline is within ``within`` of ``now`` (or past).

    A rejected invoice counts until a technical correction takes its place.
    """
    row = conn.execute(f"SELECT count(*) {_DUE_SOON}", (profile_id, to_db(now + within))).fetchone()
    return int(row[0])


def due_soon(
    conn: sqlite3.Connection,
    now: datetime,
    within: timedelta = timedelta(hours=24),
    *,
    profile_id: int,
) -> list[ListRow]:
    """The invoices ``count_due_soon`` counts, most urgent first."""
    columns = ", ".join(f"i.{c.strip()}" for c in LIST_COLUMNS.split(","))
    rows = conn.execute(
        f"SELECT {columns} {_DUE_SOON} ORDER BY i.deadline, i.id",
        (profile_id, to_db(now + within)),
    ).fetchall()
    return [list_row(r) for r in rows]


def issued_moments(
    conn: sqlite3.Connection, ids: Sequence[int], *, profile_id: int
) -> dict[int, datetime]:
    """The moment each of the profile's invoices ``ids`` was issued (those issued only).

    The offline deadline is decided by what was going on at that moment
    (``domain.offline.invoice_deadline(issued_at=...)``), not by the issue date.
    """
    rows = conn.execute(
        "SELECT id, issued_at FROM invoices WHERE profile_id = ? AND issued_at IS NOT NULL "
        "AND id IN (SELECT value FROM json_each(?))",
        (profile_id, json.dumps([int(i) for i in ids])),
    ).fetchall()
    return {int(r[0]): from_db(r[1]) for r in rows}


@dataclass(frozen=True)
class OpenCounts:
    """The issued invoices of a profile that KSeF has not accepted, by where they stand:
    the one source of the counts the offline panel and the status bar show."""

    waiting: int = 0  # queued: due now, or after its undo window
    sending: int = 0  # handed to KSeF, waiting for its verdict
    failed: int = 0  # an attempt failed; tried again after a pause
    rejected: int = 0  # refused by KSeF, no technical correction on its way
    held: int = 0  # issued, sending undone: waits for "Send to KSeF"

    @property
    def total(self) -> int:
        return self.waiting + self.sending + self.failed + self.rejected + self.held


#: A rejected invoice whose technical correction has been issued is replaced by it: no
#: longer counted (nor listed) as one still to be delivered (the ``EXISTS`` below).
_COUNT_OPEN = (
    "SELECT "
    "SUM(i.state = 'issued'), "
    "SUM(i.state IN ('queued','sent') AND o.session_ref IS NULL AND o.last_error IS NULL), "
    "SUM(i.state IN ('queued','sent') AND o.session_ref IS NOT NULL), "
    "SUM(i.state IN ('queued','sent') AND o.session_ref IS NULL AND o.last_error IS NOT NULL), "
    "SUM(i.state = 'rejected' AND NOT EXISTS (SELECT 1 FROM invoices c "
    "WHERE c.corrects_id = i.id AND c.profile_id = i.profile_id "
    "AND c.state NOT IN ('draft', 'rejected'))) "
    "FROM invoices i LEFT JOIN outbox o ON o.invoice_id = i.id "
    "WHERE i.profile_id = ? AND i.state IN ('issued','queued','sent','rejected')"
)
_REPLACED = (
    "SELECT i.id FROM invoices i WHERE i.profile_id = ? AND i.state = 'rejected' "
    "AND EXISTS (SELECT 1 FROM invoices c WHERE c.corrects_id = i.id "
    "AND c.profile_id = i.profile_id AND c.state NOT IN ('draft', 'rejected'))"
)


def count_open(conn: sqlite3.Connection, *, profile_id: int) -> OpenCounts:
    """``OpenCounts`` of profile ``profile_id``, counted by SQLite (no XML is read)."""
    row = conn.execute(_COUNT_OPEN, (profile_id,)).fetchone()
    waiting, sending, failed, rejected, held = (int(row[i] or 0) for i in (1, 2, 3, 4, 0))
    return OpenCounts(waiting, sending, failed, rejected, held)


def replaced_rejections(conn: sqlite3.Connection, *, profile_id: int) -> set[int]:
    """The rejected invoices of the profile that a technical correction replaces."""
    rows = conn.execute(_REPLACED, (profile_id,)).fetchall()
    return {int(r[0]) for r in rows}
