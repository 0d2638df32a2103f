"""``ksef-desktop sessions --env ENV|--base-url URL --nip NIP``: the session history.

One line per session, newest first within each type:
``REFERENCE TYPE CODE CREATED total=N ok=N failed=N description``.
"""

from __future__ import annotations

import argparse
from typing import Any

from ksef_desktop.commands._ksef import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_UNAVAILABLE,
    add_target_options,
    error,
    http_client,
    open_client,
)
from ksef_desktop.ksef.session_facts import SessionKind


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sessions", help="list the KSeF session history")
    add_target_options(parser)
    parser.add_argument(
        "--type",
        choices=[k.api for k in SessionKind],
        action="append",
        help="only this session type",
    )
    parser.add_argument("--limit", type=int, default=100, help="at most this many per type")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.ksef.errors import EnvironmentFault, KsefError
    from ksef_desktop.ksef.messages import describe, message

    with http_client() as http:
        client = open_client(args, http)
        if isinstance(client, int):
            return client
        try:
            for session_type in args.type or ("Online", "Batch"):
                kind = SessionKind.from_api(session_type)
                for count, item in enumerate(client.sessions(kind), start=1):
                    text = message(kind, item.status.code) or item.status.description
                    print(
                        f"{item.reference_number} {session_type} {item.status.code} "
                        f"{item.date_created.isoformat()} total={item.total_invoice_count} "
                        f"ok={item.successful_invoice_count} failed={item.failed_invoice_count} "
                        f"{text}"
                    )
                    if count >= args.limit:
                        break
        except EnvironmentFault as exc:
            error(describe(exc))
            return EXIT_UNAVAILABLE
        except KsefError as exc:
            error(describe(exc))
            return EXIT_REJECTED
    return EXIT_OK
