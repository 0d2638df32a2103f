"""``ksef-desktop verify [--against BACKUP.zip | --head N:HEX]``: check the archive of sent
XML and UPO files (DESIGN.md §3).

Exit 0 when every archived file and every stored invoice XML still has the hash recorded
when it was written, the archive chain holds link by link, and every archived file
belongs to an invoice or a UPO record; otherwise exit 1 with one line per problem on
standard output, in the current language. ``--against`` a backup (or ``--head``, the
line ``backup create`` printed) also checks that the chain still begins with the
entries it had then: rewriting archived files together with their recorded hashes
cannot hide from that. Nothing is created or repaired: a data folder without a
database, or with an empty one beside an archive, is reported (exit 1) and left alone.
Exit 2 for a ``--head`` that is no chain head or a backup that cannot be read.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ksef_desktop.i18n import _, ngettext

if TYPE_CHECKING:
    from ksef_desktop.store.chain import ChainHead


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="re-hash the archived invoice XML and UPO files and report any change",
        description="Exit 0 when every archived file still has its recorded SHA-256; "
        "otherwise print one line per changed or missing file and exit 1.",
    )
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument(
        "--against",
        type=Path,
        metavar="BACKUP.zip",
        help="also check that the archive still holds what this backup recorded",
    )
    kept.add_argument(
        "--head",
        metavar="N:HEX",
        help="also check against an archive chain head printed by 'backup create'",
    )
    parser.set_defaults(func=run)


def _expected(args: argparse.Namespace) -> ChainHead | int | None:
    """The head to check against, None without one, or an exit code after a message."""
    from ksef_desktop.store.backup import backup_head
    from ksef_desktop.store.chain import ChainHead
    from ksef_desktop.store.db import StoreError

    if args.head is not None:
        try:
            return ChainHead.parse(args.head)
        except ValueError:
            print(
                _("{head} is not an archive chain head (N:64 hexadecimal digits).").format(
                    head=args.head
                )
            )
            return 2
    if args.against is None:
        return None
    if not args.against.is_file():  # a FIFO would hang the zip reader
        print(_("{file} is not a file.").format(file=args.against))
        return 2
    try:
        head = backup_head(args.against)
    except StoreError as exc:
        message = getattr(exc, "message", None)
        print(f"{args.against}: {message() if callable(message) else exc}")
        return 2
    except OSError as exc:
        print(f"{args.against}: {exc.strerror or exc}")
        return 2
    if head is None:
        print(
            _("{file} was made before the archive chain existed; it cannot be compared.").format(
                file=args.against
            )
        )
        return 2
    return head


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.paths import database_path, default_data_dir
    from ksef_desktop.services.archive_verify import verify_archive
    from ksef_desktop.store import open_store
    from ksef_desktop.store.db import StoreError

    folder = args.data_dir if args.data_dir is not None else default_data_dir()
    if not database_path(folder).is_file():
        print(_("There is no KSeF Desktop database in {folder}.").format(folder=folder))
        return 1
    expected = _expected(args)
    if isinstance(expected, int):
        return expected
    try:
        store = open_store(folder)
    except StoreError as exc:
        message = getattr(exc, "message", None)
        print(message() if callable(message) else str(exc))
        return 1
    try:
        report = verify_archive(store, expected)
    finally:
        store.close()
    for line in report.lines() + report.notes():
        print(line)
    if not report.ok:
        return 1
    print(
        ngettext(
            "Archive OK: {n} file checked.", "Archive OK: {n} files checked.", report.checked
        ).format(n=report.checked)
    )
    if expected is not None:
        print(
            _("The archive still holds every entry of the chain head {head}.").format(
                head=expected.text()
            )
        )
    if report.head is not None:
        print(_("Archive chain head: {head}").format(head=report.head.text()))
    return 0
