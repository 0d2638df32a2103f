"""``ksef-desktop invoices (--env ENV|--base-url URL) --nip NIP [--state STATE]``.

One line per invoice of the profile, oldest first: ``NUMBER STATE KSEF-NUMBER DEADLINE``
(``-`` for what is not there; a draft's number is ``-``). DEADLINE is the day the invoice
must reach KSeF by (``YYYY-MM-DD``, Europe/Warsaw), ``none`` when there is no obligation
(total failure), ``waiting`` when it counts from an end not announced yet, ``-`` for an
invoice sent online.
"""

from __future__ import annotations

import argparse
from typing import Any

from ksef_desktop.commands._ksef import EXIT_OK, add_target_options, open_profile

STATES = ("draft", "issued", "queued", "sent", "accepted", "rejected")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "invoices",
        help="list the invoices of a profile",
        description="Print 'NUMBER STATE KSEF-NUMBER DEADLINE' for each invoice of the profile "
        "of --env/--base-url and --nip.",
    )
    add_target_options(parser)
    parser.add_argument("--state", choices=STATES, default=None, help="only invoices in STATE")
    parser.set_defaults(func=run)


def deadline_text(mode: str | None, deadline: Any) -> str:
    from ksef_desktop.domain.calendar import warsaw_date
    from ksef_desktop.domain.offline import OfflineMode

    if mode is None:
        return "-"
    if OfflineMode(mode) is OfflineMode.AWARIA_CALKOWITA:
        return "none"
    if deadline is None:
        return "waiting"
    return warsaw_date(deadline).isoformat()


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.store.queries import Cursor, InvoiceFilter, SortKey, list_invoices
    from ksef_desktop.store.states import InvoiceState

    opened = open_profile(args)
    if isinstance(opened, int):
        return opened
    store, profile = opened
    states = frozenset({InvoiceState(args.state)}) if args.state else None
    flt = InvoiceFilter(states=states)
    conn = store.db.connection()
    after: Cursor | None = None
    try:
        while True:
            page = list_invoices(
                conn,
                flt,
                profile_id=profile.id,
                sort=SortKey.ISSUE_DATE,
                descending=False,
                after=after,
                limit=500,
            )
            for row in page.rows:
                fields = (
                    row.number or "-",
                    row.state.value,
                    row.ksef_number or "-",
                    deadline_text(row.mode, row.deadline),
                )
                print(" ".join(fields))
            if page.next is None:
                break
            after = page.next
    finally:
        store.close()
    return EXIT_OK
