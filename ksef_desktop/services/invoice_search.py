"""The invoice list's free-text search: an invoice number or a KSeF number (or part of one).

The store's list pages filter by buyer, state and period (``store.queries``); a number
typed into the search box is answered here, newest first, with the other filters
(buyer, state, period) applied to the matches, as the list shows them all at once.
A text inside numbers cannot use an index, so this scans the invoices once; it returns
at most ``SEARCH_LIMIT`` rows in one page (not timed yet at 100 000 invoices).
"""

from __future__ import annotations

import sqlite3

from ksef_desktop.store.queries import (
    LIST_COLUMNS,
    InvoiceFilter,
    Page,
    filter_clauses,
    list_row,
)

#: At most this many matches are shown (a search narrows, it does not browse).
SEARCH_LIMIT = 500


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_numbers(
    conn: sqlite3.Connection,
    text: str,
    flt: InvoiceFilter | None = None,
    *,
    profile_id: int,
    limit: int = SEARCH_LIMIT,
) -> Page:
    """The profile's invoices whose number or KSeF number contains ``text``."""
    flt = flt or InvoiceFilter()
    needle = f"%{_escape(text.strip())}%"
    clauses, args = filter_clauses(flt, profile_id=profile_id)
    clauses.insert(
        0, "(IFNULL(number, '') LIKE ? ESCAPE '\\' OR IFNULL(ksef_number, '') LIKE ? ESCAPE '\\')"
    )
    args[:0] = [needle, needle]
    rows = conn.execute(
        f"SELECT {LIST_COLUMNS} FROM invoices WHERE {' AND '.join(clauses)} "  # noqa: S608
        "ORDER BY issue_date DESC, id DESC LIMIT ?",
        (*args, limit),
    ).fetchall()
    return Page([list_row(r) for r in rows], None)
