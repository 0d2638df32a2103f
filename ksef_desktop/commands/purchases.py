"""``ksef-desktop purchases [sync] (--env ENV|--base-url URL) --nip NIP`` (issue 18).

- ``purchases sync``: download the profile's new purchase invoices from KSeF (by the
  high-water mark; the first time through exports) and print how many new ones were
  stored, as a number alone on the first line (a sentence follows on stderr).
  ``--via export|query`` forces one way; ``--since DATE`` sets where the first sync
  starts (default 2026-02-01). Invoices naming the profile as a third subject (Podmiot3)
  come too, always (``--subject3``, once needed for that, is still accepted).
- ``purchases``: one line per purchase invoice of the profile, oldest first:
  ``KSEF-NUMBER SELLER-NIP NUMBER GROSS CURRENCY DUE PAID CATEGORY SHARE MONTH`` — DUE
  ``YYYY-MM-DD`` or ``-``; PAID ``yes`` (in full), ``partly``, ``no``, or ``-`` when
  nothing is to be paid (a correction lowering the amount); then its VAT deduction:
  CATEGORY ``fixed-assets`` or ``other``, SHARE the deductible percent (``50%``), MONTH
  the month of the deduction (``YYYY-MM``). Spaces inside an invoice number print as ``_``.

- ``purchases check [KSEF-NUMBER...]``: what a careful buyer checks, for the named
  purchase invoices (all of the profile's without any): a line ``KSEF-NUMBER ok|warning``,
  then one indented line per check, ``ok|info|warning TEXT`` (totals and VAT per rate, the
  due date, the corrected invoice, the supplier's VAT status and the account to pay on
  the VAT white list, ``--whitelist-url`` naming another list than the Ministry's; the
  last answer kept is used when the list cannot be reached). Exit 1 when any warning.

- ``purchases deduction KSEF-NUMBER... [--category fixed-assets|other] [--share PERCENT|
  FRACTION] [--month YYYY-MM|--receipt-month] [--reverse-charge K_23|K_25|K_27|K_29|K_31
  --rate RATE | --reverse-charge none]``: choose the VAT deduction of the named
  invoices (what is not given stays as it was; nothing given: only print it) and print
  ``KSEF-NUMBER CATEGORY SHARE MONTH`` for each. SHARE ``50``, ``50%`` or ``0.5``; ``0``:
  no right to deduct (left out of JPK_V7M). MONTH: the month of receipt or one of the
  three after it (art. 86 ust. 10, 10b, 11 of the VAT act); anything else is refused
  (exit 2) and no invoice is changed. For an invoice under reverse charge (P_13_10),
  ``--reverse-charge`` names the K_ pair of the output tax the buyer owes (K_31: art. 17
  ust. 1 pkt 5) and ``--rate`` the Polish rate it applies (23, 22, 8, 7, 5, 0);
  ``none`` clears it. When chosen, the line (here and in ``purchases``) ends with a
  field ``K_31:23%``.

Exit codes: 0 done, 1 a check warns (``check``), 2 bad usage, no token, an unknown KSeF
number or a deduction refused, 3 KSeF could not be reached (nothing kept half-way: the
next sync starts where this one's last complete window ended).
"""

from __future__ import annotations

import argparse
from typing import Any

from ksef_desktop.commands._ksef import (
    EXIT_OK,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    add_target_options,
    error,
    http_client,
    open_client,
    open_profile,
)
from ksef_desktop.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "purchases",
        help="purchase invoices received from KSeF (list, or 'sync' to download new ones)",
        description="Without ACTION print 'KSEF-NUMBER SELLER-NIP NUMBER GROSS CURRENCY DUE "
        "PAID' for each purchase invoice of the profile; 'sync' downloads new ones from KSeF "
        "and prints how many were stored.",
    )
    parser.add_argument(
        "action",
        nargs="?",
        choices=("sync", "check", "deduction"),
        help="sync: download new ones; check: what a careful buyer checks; deduction: "
        "choose the VAT deduction of the named invoices",
    )
    parser.add_argument(
        "numbers",
        nargs="*",
        metavar="KSEF-NUMBER",
        help="check: only these invoices; deduction: these invoices",
    )
    parser.add_argument(
        "--category",
        choices=("fixed-assets", "other"),
        default=None,
        help="deduction: fixed assets (K_40/K_41) or other purchases (K_42/K_43)",
    )
    parser.add_argument(
        "--share",
        default=None,
        metavar="PERCENT|FRACTION",
        help="deduction: the deductible share of the VAT (50, 50%%, 0.5; 0: none)",
    )
    months = parser.add_mutually_exclusive_group()
    months.add_argument(
        "--month",
        default=None,
        metavar="YYYY-MM",
        help="deduction: deduct in this month (the month of receipt or one of the 3 after it)",
    )
    months.add_argument(
        "--receipt-month",
        action="store_true",
        help="deduction: deduct in the month of receipt (the default)",
    )
    parser.add_argument(
        "--reverse-charge",
        choices=("K_23", "K_25", "K_27", "K_29", "K_31", "none"),
        default=None,
        help="deduction: reverse charge (P_13_10): the K_ pair of the output tax the buyer "
        "owes (K_31: art. 17 ust. 1 pkt 5; K_23 WNT; K_25 import 33a; K_27, K_29 import of "
        "services); none: clear it",
    )
    parser.add_argument(
        "--rate",
        default=None,
        metavar="RATE",
        help="deduction: the Polish VAT rate of the reverse charge (23, 8, 5, 0)",
    )
    parser.add_argument(
        "--whitelist-url", default=None, metavar="URL", help="check: another VAT white list"
    )
    add_target_options(parser)
    parser.add_argument(
        "--via", choices=("auto", "export", "query"), default="auto", help=argparse.SUPPRESS
    )
    parser.add_argument("--since", default=None, help="first sync: from this date (YYYY-MM-DD)")
    # Podmiot3 invoices are always fetched now; the option stays so scripts keep working.
    parser.add_argument("--subject3", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    given = (args.category, args.share, args.month, args.reverse_charge, args.rate)
    chose = given != (None,) * len(given) or args.receipt_month
    if chose and args.action != "deduction":
        error(
            _(
                "--category, --share, --month, --receipt-month, --reverse-charge and --rate "
                "are given to 'deduction' only."
            )
        )
        return EXIT_USAGE
    if args.action == "sync":
        return run_sync(args)
    if args.action == "check":
        return run_check(args)
    if args.action == "deduction":
        from ksef_desktop.commands.purchase_deduction import run_deduction

        return run_deduction(args)
    if args.numbers:
        error(_("KSeF numbers are given to 'check' and 'deduction' only."))
        return EXIT_USAGE
    return run_list(args)


def _since(text: str | None) -> Any:
    from datetime import datetime

    from ksef_desktop.domain.calendar import WARSAW

    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=WARSAW)
    except ValueError:
        error(_("--since needs a date YYYY-MM-DD, not {text}.").format(text=text))
        return False


def run_sync(args: argparse.Namespace) -> int:
    import sys
    from datetime import UTC, datetime

    from ksef_desktop.ksef.errors import KsefError
    from ksef_desktop.services.purchases_sync import SyncProblem, sync_purchases

    since = _since(args.since)
    if since is False:
        return EXIT_USAGE
    opened = open_profile(args)
    if isinstance(opened, int):
        return opened
    store, profile = opened
    try:
        with http_client() as http:
            client = open_client(args, http)
            if isinstance(client, int):
                return client
            try:
                report = sync_purchases(
                    store,
                    client,
                    profile,
                    now=lambda: datetime.now(UTC),
                    method=args.via,
                    since=since,
                )
            except (SyncProblem, KsefError) as exc:
                error(exc.message())
                return EXIT_UNAVAILABLE
    finally:
        store.close()
    print(report.new)
    print(report.summary(), file=sys.stderr)
    return EXIT_OK


def paid_text(row: Any) -> str:
    if row.gross <= 0:
        return "-"
    if row.paid_on is not None:
        return "yes"
    return "partly" if row.paid > 0 else "no"


def run_list(args: argparse.Namespace) -> int:
    from ksef_desktop.commands.purchase_deduction import deduction_fields
    from ksef_desktop.services.purchase_deductions import deduction_of
    from ksef_desktop.store.purchases import PurchaseCursor, PurchaseSort, list_purchases

    opened = open_profile(args)
    if isinstance(opened, int):
        return opened
    store, profile = opened
    conn = store.db.connection()
    after: PurchaseCursor | None = None
    try:
        while True:
            page = list_purchases(
                conn,
                profile_id=profile.id,
                sort=PurchaseSort.ISSUE_DATE,
                descending=False,
                after=after,
                limit=500,
            )
            for row in page.rows:
                fields = (
                    row.ksef_number,
                    row.seller_nip,
                    "_".join(row.number.split()) or "-",
                    f"{row.gross:.2f}",
                    row.currency,
                    row.due_date.isoformat() if row.due_date else "-",
                    paid_text(row),
                    *deduction_fields(deduction_of(row)),
                )
                print(" ".join(fields))
            if page.next is None:
                break
            after = page.next
    finally:
        store.close()
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from ksef_desktop.domain.calendar import warsaw_date
    from ksef_desktop.paths import data_dir
    from ksef_desktop.registries import WHITELIST_URL
    from ksef_desktop.services.purchases import Level, check_purchase
    from ksef_desktop.services.registers import RegisterUrls, open_registers
    from ksef_desktop.store.purchases import purchase_ids

    opened = open_profile(args)
    if isinstance(opened, int):
        return opened
    store, profile = opened
    warned = False
    try:
        conn = store.db.connection()
        found = purchase_ids(conn, args.numbers or None, profile_id=profile.id)
        unknown = [n for n in args.numbers if n not in found]
        if unknown:
            error(_("No purchase invoice {number} in this profile.").format(number=unknown[0]))
            return EXIT_USAGE
        now = datetime.now(UTC)
        urls = RegisterUrls(whitelist=args.whitelist_url or WHITELIST_URL)
        with http_client() as http:
            registers = open_registers(http, data_dir(args.data_dir), urls, lambda: now)
            for number, purchase_id in found.items():
                findings = check_purchase(
                    store,
                    purchase_id,
                    profile_id=profile.id,
                    today=warsaw_date(now),
                    whitelist=registers.whitelist,
                )
                bad = any(f.level is Level.WARNING for f in findings)
                warned = warned or bad
                print(f"{number} {'warning' if bad else 'ok'}")
                for finding in findings:
                    print(f"  {finding.level.value} {finding.text}")
    finally:
        store.close()
    return 1 if warned else EXIT_OK
