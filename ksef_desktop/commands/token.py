"""``ksef-desktop token set|delete --env ENV --nip NIP``: the KSeF token in the keyring.

``set`` reads the token from standard input, so it never appears in the shell history
or the process list.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ksef_desktop.commands._ksef import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_USAGE,
    add_target_options,
    checked_nip,
    error,
)
from ksef_desktop.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "token", help="store or delete the KSeF token in the system keyring"
    )
    parser.add_argument("action", choices=("set", "delete"))
    add_target_options(parser, base_url=False)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.ksef.tokens import delete_token, save_token
    from ksef_desktop.secrets import KeyringUnavailable

    nip = checked_nip(args.nip)
    if nip is None:
        return EXIT_USAGE
    try:
        if args.action == "set":
            token = sys.stdin.readline().strip()
            if not token:
                error(_("No token on standard input: pipe it in (`… token set … < file`)."))
                return EXIT_USAGE
            save_token(args.env, nip, token)
            print(
                _("Token stored in the system keyring for NIP {nip} ({env}).").format(
                    nip=nip, env=args.env
                )
            )
            return EXIT_OK
        if delete_token(args.env, nip):
            print(_("Token deleted for NIP {nip} ({env}).").format(nip=nip, env=args.env))
            return EXIT_OK
        error(_("There was no token for NIP {nip} ({env}).").format(nip=nip, env=args.env))
        return EXIT_REJECTED
    except KeyringUnavailable as exc:
        error(str(exc))
        return EXIT_USAGE
