"""The invoice list's free-text search: an invoice number or a KSeF number (or part of one).

The store's list pages filter by buyer, state and period (``store.queries``); a number
typed into the search box is answered here, newest first, with the state and period
filters applied to the matches (the buyer filter is not: a number names the invoice).
A text inside numbers cannot use an index, so this scans the invoices once; it returns
at most ``SEARCH_LIMIT`` rows in one page (not timed yet at 100 000 invoices).
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from ksef_desktop.store.invoices import from_minor
from ksef_desktop.store.queries import InvoiceFilter, ListRow, Page
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.store.timefmt import opt_from_db

#: At most this many matches are shown (a search narrows, it does not browse).
SEARCH_LIMIT = 500

_COLUMNS = (
    "id, state, kind, number, issue_date, buyer_name, buyer_id, gross_minor, currency, mode, "
    "deadline, ksef_number, rejection_code"
)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _row(r: Any) -> ListRow:
    return ListRow(
        id=int(r[0]),
        state=InvoiceState(r[1]),
        kind=r[2],
        number=r[3],
        issue_date=date.fromisoformat(r[4]),
        buyer_name=r[5],
        buyer_id=r[6],
        gross=from_minor(int(r[7])),
        currency=r[8],
        mode=r[9],
        deadline=opt_from_db(r[10]),
        ksef_number=r[11],
        rejection_code=r[12],
    )


def search_numbers(
    conn: sqlite3.Connection,
    text: str,
    flt: InvoiceFilter | None = None,
    *,
    limit: int = SEARCH_LIMIT,
) -> Page:
    """Invoices whose number or KSeF number contains ``text`` (case-insensitive)."""
    flt = flt or InvoiceFilter()
    needle = f"%{_escape(text.strip())}%"
    clauses = [
        "(IFNULL(number, '') LIKE ? ESCAPE '\\' OR IFNULL(ksef_number, '') LIKE ? ESCAPE '\\')"
    ]
    args: list[Any] = [needle, needle]
    if flt.states is not None:
        states = sorted(s.value for s in flt.states) or [""]
        clauses.append(f"state IN ({', '.join('?' for _ in states)})")
        args.extend(states)
    if flt.date_from is not None:
        clauses.append("issue_date >= ?")
        args.append(flt.date_from.isoformat())
    if flt.date_to is not None:
        clauses.append("issue_date <= ?")
        args.append(flt.date_to.isoformat())
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM invoices WHERE {' AND '.join(clauses)} "  # noqa: S608
        "ORDER BY issue_date DESC, id DESC LIMIT ?",
        (*args, limit),
    ).fetchall()
    return Page([_row(r) for r in rows], None)
