"""``ksef-desktop validate FILE...``: FA(3) schema and KSeF pre-flight checks (DESIGN §9).

One ``FILE: message`` line per defect on standard output, in the current language, then
one ``FILE: warning: message`` line per semantic warning (fa3/semantic: mistakes KSeF
accepts, such as VAT that is not net × rate). Exit 0 when no file has a defect (warnings
alone do not fail, unless ``--strict``); otherwise exit 1.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ksef_desktop.i18n import _

if TYPE_CHECKING:
    from ksef_desktop.userfiles import UnreadableFile


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check FA(3) invoice files against the schema and KSeF's pre-flight checks",
        description="Exit 0 when every FILE is a valid FA(3) invoice that KSeF would "
        "accept; otherwise print 'FILE: message' lines and exit 1. Mistakes KSeF accepts "
        "(arithmetic, markers, dates) follow as 'FILE: warning: message' lines.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="an FA(3) invoice (XML)")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 on warnings too, not only on defects"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from datetime import datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from ksef_desktop.fa3.semantic import semantic_warnings
    from ksef_desktop.fa3.validate import validate
    from ksef_desktop.userfiles import MAX_INVOICE_FILE, UnreadableFile, read_user_file

    # KSeF compares P_1 with the day of acceptance, a Polish calendar day.
    today = datetime.now(ZoneInfo("Europe/Warsaw")).date()
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    ok = True
    for name in args.files:
        try:
            data = read_user_file(Path(name), MAX_INVOICE_FILE)
        except UnreadableFile as exc:
            ok = False
            print(f"{name}: {read_error(exc)}")
            continue
        for defect in validate(data, today=today):
            ok = False
            print(f"{name}: {defect.text()}")
        for warning in semantic_warnings(data):
            ok = ok and not args.strict
            print(f"{name}: {warning.located()}")
    return 0 if ok else 1


def read_error(exc: UnreadableFile) -> str:
    return _("The file cannot be read: {reason}").format(reason=exc.reason)
