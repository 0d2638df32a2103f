"""``ksef-desktop backup create FILE.zip`` / ``backup restore FILE.zip`` (DESIGN.md §4).

A backup is one zip: the database (copied with SQLite's backup API), the archive of
sent XML and UPO files with their hashes, the settings, the PDFs and the public offline
certificates. ``create`` prints the head of the archive chain it recorded (keep it:
``verify --head`` or ``verify --against FILE.zip`` finds any later rewrite of the
archive). ``restore`` checks every hash before it replaces anything; the data in place
before is kept beside it. Close the program first.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ksef_desktop.i18n import _, ngettext

if TYPE_CHECKING:
    from ksef_desktop.store.chain import ChainHead


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "backup",
        help="save the database and the archive to one zip file, or restore them",
        description="Back up or restore the data folder (close the program first).",
    )
    actions = parser.add_subparsers(dest="backup_action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="write a backup zip")
    create.add_argument("file", type=Path, metavar="FILE.zip")
    restore = actions.add_parser("restore", help="check a backup zip and restore it")
    restore.add_argument("file", type=Path, metavar="FILE.zip")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.paths import database_path, default_data_dir
    from ksef_desktop.store import open_store
    from ksef_desktop.store.backup import backup_head, create_backup, restore_backup
    from ksef_desktop.store.db import StoreError

    folder: Path = args.data_dir if args.data_dir is not None else default_data_dir()
    now = datetime.now(UTC)
    try:
        if args.backup_action == "create":
            if not database_path(folder).is_file():
                print(_("There is no KSeF Desktop database in {folder}.").format(folder=folder))
                return 1
            if args.file.exists():
                print(_("{file} exists already; choose another name.").format(file=args.file))
                return 1
            store = open_store(folder)
            try:
                create_backup(store, args.file, now=now)
            finally:
                store.close()
            print(_("Backup written to {file}.").format(file=args.file))
            head = backup_head(args.file)
            if head is not None:
                print(head_line(head))
            return 0
        if not args.file.is_file():
            print(_("{file} is not a file.").format(file=args.file))
            return 1
        report = restore_backup(args.file, folder, now=now)
        print(
            _(
                "Restored {invoices} invoices and {files} archived files; "
                "the data before is in {previous}."
            ).format(invoices=report.invoices, files=report.files, previous=report.previous)
        )
        if report.head is not None:
            print(head_line(report.head))
        return 0
    except StoreError as exc:
        message = getattr(exc, "message", None)
        print(message() if callable(message) else str(exc))
        return 1


def head_line(head: ChainHead) -> str:
    """The archive chain's head as the user should keep it."""
    return ngettext(
        "Archive chain: {n} file, head {head} (keep it: "
        "'ksef-desktop verify --head {head}' finds any later rewrite).",
        "Archive chain: {n} files, head {head} (keep it: "
        "'ksef-desktop verify --head {head}' finds any later rewrite).",
        head.entries,
    ).format(n=head.entries, head=head.text())
