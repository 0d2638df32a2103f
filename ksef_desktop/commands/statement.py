"""``ksef-desktop statement import FILE (--env ENV|--base-url URL) --nip NIP [--dry-run]``:
a bank statement (MT940 or camt.053) settles the profile's invoices: its credits the
sales invoices, its debits the purchase invoices.

Prints one line per credit and debit of the statement, in its order::

    DATE AMOUNT CURRENCY matched|proposed|unknown INVOICE...

(a debit's amount with a minus; ``INVOICE...`` the numbers of the invoices the line pays
or would pay). ``matched`` lines marked their invoices paid; ``proposed`` ones wait for
the user (the window: one click); ``unknown`` ones are listed. Lines the profile had
already are printed as they stand and left as they are: importing a statement again
changes nothing. ``--dry-run`` decides and prints, and writes nothing.

KSeF is asked only when a title names a collective identifier that this program did
not make (for a credit one of the seller, for a debit one of a supplier; token from the
keyring or ``KSEF_TOKEN``). Exit 0 on success, 1 when KSeF refused, 2 for a file that is
not a statement (nothing imported), 3 when KSeF could not be reached (nothing
imported), 4 when the data folder is busy.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ksef_desktop.commands._ksef import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    add_target_options,
    error,
    http_client,
    open_client,
    open_profile,
)
from ksef_desktop.i18n import _, ngettext


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "statement", help=_("bank statements: payments matched to invoices")
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import", help=_("import an MT940 or camt.053 statement and match its payments")
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument(
        "--dry-run", action="store_true", help=_("show what would be matched; change nothing")
    )
    add_target_options(imp)
    imp.set_defaults(func=run_import)


class _NoClient(Exception):
    """No KSeF client could be made (why was printed); the exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _read(path: Path) -> bytes | None:
    from ksef_desktop.bank import StatementError
    from ksef_desktop.services.statements import read_statement_file
    from ksef_desktop.userfiles import UnreadableFile

    try:
        return read_statement_file(path)
    except (UnreadableFile, StatementError) as exc:
        error(f"{path}: {exc.message()}")
        return None


def run_import(args: argparse.Namespace) -> int:
    from ksef_desktop.bank import StatementError
    from ksef_desktop.ksef.collective import invoices_of_collective_identifiers
    from ksef_desktop.ksef.errors import EnvironmentFault, KsefError
    from ksef_desktop.ksef.messages import describe
    from ksef_desktop.services.statements import StatementRefused, import_statement

    path = Path(args.file)
    data = _read(path)
    if data is None:
        return EXIT_USAGE
    opened = open_profile(args)
    if isinstance(opened, int):
        return opened
    store, profile = opened
    try:
        with http_client() as http:

            def lookup(identifiers: Sequence[str]) -> dict[str, list[str]]:
                client = open_client(args, http)
                if isinstance(client, int):
                    raise _NoClient(client)
                found = invoices_of_collective_identifiers(client.transport, identifiers)
                return {i: [item.ksef_number for item in items] for i, items in found.items()}

            report = import_statement(
                store.db,
                data,
                profile=profile,
                now=lambda: datetime.now(UTC),
                file_name=path.name,
                lookup=lookup,
                dry_run=args.dry_run,
            )
    except StatementError as exc:
        error(f"{path}: {exc.message()}")
        return EXIT_USAGE
    except StatementRefused as exc:
        error(f"{path}: {exc.message()}")
        return EXIT_USAGE
    except _NoClient as exc:
        return exc.code
    except EnvironmentFault as exc:
        error(describe(exc))
        return EXIT_UNAVAILABLE
    except KsefError as exc:
        error(describe(exc))
        return EXIT_REJECTED
    finally:
        store.close()
    for warning in report.warnings:
        error(warning)
    for line in report.lines:
        print(line.text())
    _summary(report)
    return EXIT_OK


def _summary(report: Any) -> None:
    from ksef_desktop.domain.matching import Verdict

    new = report.new_lines
    if not new:
        error(_("Nothing new: every line of the statement was imported before."))
        return
    counts = {v: report.count(v) for v in Verdict}
    text = ngettext(
        "{n} new line: {matched} matched, {proposed} proposed, {unknown} unknown.",
        "{n} new lines: {matched} matched, {proposed} proposed, {unknown} unknown.",
        new,
    ).format(
        n=new,
        matched=counts[Verdict.MATCHED],
        proposed=counts[Verdict.PROPOSED],
        unknown=counts[Verdict.UNKNOWN],
    )
    if report.dry_run:
        text += " " + _("Dry run: nothing was changed.")
    error(text)
