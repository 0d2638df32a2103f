"""``ksef-desktop logins [--revoke REF] (--env ENV|--base-url URL) --nip NIP``.

The context's logins (KSeF's authentication sessions), newest first, one per line:
``REF START METHOD CURRENT SOURCE`` - METHOD as KSeF names it ("Token KSeF",
"Podpis kwalifikowany", "Certyfikat KSeF" …), CURRENT ``current`` for the login this
command used (``-`` otherwise), SOURCE the token or certificate it came from where KSeF's
records tell it. ``--revoke REF`` ends that login (its refresh token stops working).
The profile's token may do this; a signature option logs in by signature instead.
"""

from __future__ import annotations

import argparse
from typing import Any

from ksef_desktop.commands._access import add_signature_options, moment, open_access, run_guarded
from ksef_desktop.commands._ksef import EXIT_OK, add_target_options, http_client
from ksef_desktop.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "logins", help="who logged in to KSeF for the company, and when; end a login"
    )
    add_target_options(parser)
    parser.add_argument("--revoke", metavar="REF", help="end this login")
    add_signature_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_guarded(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    from ksef_desktop.services.credentials import login_audit

    with http_client() as http:
        access = open_access(args, http, need_signature=False)
        if args.revoke:
            access.revoke_login(args.revoke)
            print(_("Login {ref} ended.").format(ref=args.revoke))
            return EXIT_OK
        audit = login_audit(access)
    for row in audit.logins:
        current = "current" if row.current else "-"
        line = f"{row.reference} {moment(row.started)} {row.method} {current} {row.source}"
        print(line.rstrip())
    return EXIT_OK
