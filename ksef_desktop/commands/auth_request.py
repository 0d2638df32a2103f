"""``ksef-desktop auth-request (--env ENV|--base-url URL) --nip NIP -o REQUEST.xml``.

Asks KSeF for a challenge and writes the unsigned ``AuthTokenRequest`` for the NIP, to be
signed elsewhere (the trusted profile, a qualified signature program: XAdES, enveloped)
and submitted within KSeF's ten minutes with ``token generate --signed FILE`` (or any
command taking ``--signed``). The file holds no secret.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ksef_desktop.commands._access import run_guarded, target
from ksef_desktop.commands._ksef import EXIT_OK, add_target_options, http_client, quiet_client_log
from ksef_desktop.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "auth-request",
        help="write the unsigned KSeF authentication request, for signing elsewhere",
    )
    add_target_options(parser)
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="REQUEST.xml",
        help="where to write the request to be signed",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_guarded(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    quiet_client_log()
    from ksef_desktop.services.signing import unsigned_request, write_request

    env, nip = target(args)
    with http_client() as http:
        document = unsigned_request(http, env, nip)
    write_request(args.output, document)
    print(
        _(
            "{path}: sign it (XAdES, enveloped) and submit it within 10 minutes with "
            "--signed {path}."
        ).format(path=args.output)
    )
    return EXIT_OK
