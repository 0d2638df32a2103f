"""``ksef-desktop verify``: re-hash the archive of sent XML and UPO files (DESIGN.md §3).

Exit 0 when every archived file and every stored invoice XML still has the hash recorded
when it was written; otherwise exit 1 with one line per problem on standard output, in
the current language. Nothing is created or repaired: a data folder without a database
is reported (exit 1) and left alone.
"""

from __future__ import annotations

import argparse
from typing import Any

from ksef_desktop.i18n import _, ngettext


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="re-hash the archived invoice XML and UPO files and report any change",
        description="Exit 0 when every archived file still has its recorded SHA-256; "
        "otherwise print one line per changed or missing file and exit 1.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.paths import database_path, default_data_dir
    from ksef_desktop.services.archive_verify import verify_archive
    from ksef_desktop.store import open_store

    folder = args.data_dir if args.data_dir is not None else default_data_dir()
    if not database_path(folder).is_file():
        print(_("There is no KSeF Desktop database in {folder}.").format(folder=folder))
        return 1
    store = open_store(folder)
    try:
        report = verify_archive(store)
    finally:
        store.close()
    for line in report.lines():
        print(line)
    if not report.ok:
        return 1
    print(
        ngettext(
            "Archive OK: {n} file checked.", "Archive OK: {n} files checked.", report.checked
        ).format(n=report.checked)
    )
    return 0
