"""``ksef-desktop send FILE... --env ENV|--base-url URL --nip NIP [--offline]``.

Prints ``FILE KSEF-NUMBER`` for each accepted invoice and ``FILE REJECTED CODE message``
for each refused one (KSeF's numeric code, or the defect code of our own pre-flight
validation, ``ksef_desktop.fa3.validate``, which refuses a file before anything is
sent). Exit 0 when all were accepted, 1 when any was rejected, 2 for bad usage or a
missing token, 3 when KSeF could not be reached (nothing is lost: send again later).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ksef_desktop.commands._ksef import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    add_target_options,
    error,
    http_client,
    open_client,
)
from ksef_desktop.i18n import _

log = logging.getLogger("ksef_desktop.ksef")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("send", help="send FA(3) invoice files to KSeF")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add_target_options(parser)
    parser.add_argument(
        "--offline", action="store_true", help="declare the invoices as issued in offline mode"
    )
    parser.set_defaults(func=run)


def local_problems(content: bytes) -> list[tuple[str, str]]:
    """(code, message) of each pre-flight defect from ``ksef_desktop.fa3.validate``."""
    if importlib.util.find_spec("ksef_desktop.fa3.validate") is None:
        return []
    module: Any = importlib.import_module("ksef_desktop.fa3.validate")
    today = datetime.now(ZoneInfo("Europe/Warsaw")).date()
    return [(str(d.code), str(d)) for d in module.validate(content, today=today)]


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.ksef.errors import EnvironmentFault, KsefError
    from ksef_desktop.ksef.messages import describe
    from ksef_desktop.ksef.sending import InvoiceToSend
    from ksef_desktop.userfiles import MAX_INVOICE_FILE, UnreadableFile, read_user_file

    invoices: list[InvoiceToSend] = []
    rejected_locally = False
    for path in args.files:
        try:
            content = read_user_file(path, MAX_INVOICE_FILE)
        except UnreadableFile as exc:
            error(_("{file}: cannot read the file ({reason})").format(file=path, reason=exc.reason))
            return EXIT_USAGE
        problems = local_problems(content)
        if problems:
            code, message = problems[0]
            print(f"{path} REJECTED {code} {message}")
            rejected_locally = True
            continue
        invoices.append(InvoiceToSend(str(path), content, offline=args.offline))
    if not invoices:
        return EXIT_REJECTED
    with http_client() as http:
        client = open_client(args, http)
        if isinstance(client, int):
            return client
        try:
            results = client.send(invoices)
        except EnvironmentFault as exc:
            error(describe(exc))
            return EXIT_UNAVAILABLE
        except KsefError as exc:
            # One sentence for the user; the trace only where logging is configured.
            log.info("KSeF send failed: %s", exc, exc_info=True)
            error(describe(exc))
            return EXIT_REJECTED
    any_rejected = rejected_locally
    for result in results:
        if result.ksef_number:
            print(f"{result.name} {result.ksef_number}")
            continue
        any_rejected = True
        rejection = result.rejection()
        status = rejection.code if rejection else 0
        sentence = describe(rejection) if rejection else _("No result from KSeF.")
        print(f"{result.name} REJECTED {status} {sentence}")
    return EXIT_REJECTED if any_rejected else EXIT_OK
