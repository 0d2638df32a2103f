"""``ksef-desktop jpk-entry add|list|delete (--env ENV|--base-url URL) --nip NIP ...``.

Documents of the monthly VAT register that the program cannot see by itself (issue 19;
``services.jpk_entries``): purchase invoices received outside KSeF, import and internal
documents, the cash register's monthly report. ``ksef-desktop jpk --month`` (store
form) puts the month's entries into the file beside the program's own invoices.

- ``add --month YYYY-MM --side sales|purchase --number N --date YYYY-MM-DD --marker M
  --amount K_42=1000.00 [--amount ...]``, with the counterparty (``--counterparty-nip``,
  ``--country``, ``--name``; ``BRAK`` when there is none), ``--type`` (RO, WEW, FP for
  sales; MK, VAT_RR, WEW for purchases), ``--second-date`` (DataSprzedazy of a sale,
  DataWplywu of a purchase), ``--gtu``/``--procedure`` (sales), ``--imp`` (purchases).
  ``--id N`` replaces entry N. Prints the entry's id.
- ``list --month YYYY-MM``: one line per entry,
  ``ID SIDE NUMBER DATE MARKER COUNTERPARTY TYPE K_xx=AMOUNT ...`` (spaces inside a
  number print as ``_``; ``-`` for no type).
- ``delete ID``.

Exit 0 done, 1 the entry is refused (it would make an incorrect file, or count a
document twice; the reason on standard error), 2 wrong arguments or no such entry.
"""

from __future__ import annotations

import argparse
from typing import Any

from ksef_desktop.commands._ksef import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_USAGE,
    add_target_options,
    error,
)
from ksef_desktop.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "jpk-entry",
        help="documents outside KSeF in the monthly VAT register (add, list, delete)",
        description="Enter, list or delete the documents of a month's VAT register that "
        "the program cannot see by itself: purchase invoices received outside KSeF, import "
        "and internal documents, the cash register's report.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", help="enter a document (or replace one with --id)", description="Enter a "
        "document of the VAT register; it is checked as the JPK_V7M file will check it.",
    )  # fmt: skip
    add_target_options(add, base_url=True)
    add.add_argument("--month", required=True, metavar="YYYY-MM", help="the register's month")
    add.add_argument("--side", required=True, choices=("sales", "purchase"))
    add.add_argument("--number", required=True, help="the document's number")
    add.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the issue date")
    add.add_argument(
        "--second-date", metavar="YYYY-MM-DD", help="sale date (sales) or receipt date (purchase)"
    )
    add.add_argument(
        "--marker", required=True, metavar="OFF|BFK|DI|KSEF-NUMBER",
        help="OFF, BFK, DI, or the invoice's KSeF number",
    )  # fmt: skip
    add.add_argument("--counterparty-nip", default="BRAK", metavar="NUMBER", help="tax number")
    add.add_argument("--country", default=None, metavar="CC", help="country of the tax number")
    add.add_argument("--name", default="BRAK", help="the counterparty's name")
    add.add_argument(
        "--type", default=None, metavar="TYPE", help="sales: RO, WEW, FP; purchase: MK, VAT_RR, WEW"
    )
    add.add_argument(
        "--amount", action="append", default=[], metavar="K_NN=AMOUNT", help="a K_ field"
    )
    add.add_argument("--gtu", action="append", default=[], metavar="GTU_NN", help="sales: GTU")
    add.add_argument(
        "--procedure", action="append", default=[], metavar="CODE", help="sales: e.g. TP"
    )
    add.add_argument("--imp", action="store_true", help="purchase: an import of goods (IMP)")
    add.add_argument("--id", type=int, default=None, help="replace this entry")
    shown = actions.add_parser(
        "list", help="print a month's entries", description="Print the entries of a month."
    )
    add_target_options(shown, base_url=True)
    shown.add_argument("--month", required=True, metavar="YYYY-MM", help="the register's month")
    gone = actions.add_parser("delete", help="delete an entry", description="Delete an entry.")
    add_target_options(gone, base_url=True)
    gone.add_argument("id", type=int, metavar="ID", help="the entry's id (see list)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.commands._ksef import open_profile
    from ksef_desktop.jpk.errors import JpkError

    try:
        made = _entry(args) if args.action == "add" else None
        period = _period(args.month) if args.action == "list" else None
    except JpkError as exc:
        error(exc.message())
        return EXIT_USAGE
    opened = open_profile(args)
    if isinstance(opened, int):
        return opened
    store, profile = opened
    try:
        return _act(args, store, profile, made, period)
    finally:
        store.close()


def _period(text: str) -> Any:
    from ksef_desktop.jpk.model import Period

    return Period.parse(text)


def _entry(args: argparse.Namespace) -> Any:
    from ksef_desktop.services.jpk_entries import IMP, parse_amounts, parse_day
    from ksef_desktop.store.jpk_entries import RegisterEntry, Side

    side = Side(args.side)
    markers = [*args.gtu, *args.procedure] + ([IMP] if args.imp else [])
    return RegisterEntry(
        id=args.id,
        side=side,
        period=str(_period(args.month)),
        number=args.number,
        issue_date=parse_day(args.date, "--date"),
        other_date=None
        if args.second_date is None
        else parse_day(args.second_date, "--second-date"),
        party_number=args.counterparty_nip,
        party_country=args.country,
        party_name=args.name,
        ksef=args.marker,
        doc_type=args.type,
        amounts=parse_amounts(args.amount),
        markers=frozenset(markers),
    )


def _act(args: argparse.Namespace, store: Any, profile: Any, made: Any, period: Any) -> int:
    from datetime import UTC, datetime

    from ksef_desktop.jpk.errors import JpkError
    from ksef_desktop.services.jpk_entries import (
        NoSuchEntry,
        delete_entry,
        list_entries,
        save_entry,
    )

    if args.action == "list":
        for entry in list_entries(store.db, profile, period):
            print(entry_line(entry))
        return EXIT_OK
    if args.action == "delete":
        try:
            delete_entry(store.db, args.id, profile)
        except NoSuchEntry as exc:
            error(exc.message())
            return EXIT_USAGE
        print(_("Entry {id} deleted.").format(id=args.id))
        return EXIT_OK
    try:
        entry_id = save_entry(store.db, made, profile, now=datetime.now(UTC))
    except NoSuchEntry as exc:
        error(exc.message())
        return EXIT_USAGE
    except JpkError as exc:
        error(exc.message())
        return EXIT_REJECTED
    print(entry_id)
    return EXIT_OK


def entry_line(entry: Any) -> str:
    """``ID SIDE NUMBER DATE MARKER COUNTERPARTY TYPE K_xx=AMOUNT ...``."""
    amounts = " ".join(f"{name}={value}" for name, value in sorted(entry.amounts.items()))
    return " ".join(
        (
            str(entry.id),
            entry.side.value,
            "_".join(entry.number.split()),
            entry.issue_date.isoformat(),
            entry.ksef,
            (entry.party_country or "") + entry.party_number,
            entry.doc_type or "-",
            amounts,
        )
    )
