"""``ksef-desktop send FILE... --env ENV|--base-url URL --nip NIP [--offline]``.

Prints ``FILE KSEF-NUMBER`` for each accepted invoice and ``FILE REJECTED CODE message``
for each refused one (code ``LOCAL`` when our own pre-flight validation refused it before
sending). Exit 0 when all were accepted, 1 when any was rejected, 2 for bad usage or a
missing token, 3 when KSeF could not be reached (nothing is lost: send again later).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
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


def local_problems(content: bytes) -> list[str]:
    """Pre-flight problems from ``ksef_desktop.fa3.validate`` when that module exists."""
    if importlib.util.find_spec("ksef_desktop.fa3.validate") is None:
        return []
    module = importlib.import_module("ksef_desktop.fa3.validate")
    for name in ("validate_bytes", "validate"):
        check = getattr(module, name, None)
        if callable(check):
            result = check(content)
            if result is None or result is True:
                return []
            if isinstance(result, list | tuple):
                return [str(p) for p in result]
            problems = getattr(result, "problems", None) or getattr(result, "errors", None)
            if problems is not None:
                return [str(p) for p in problems]
            return (
                [] if bool(getattr(result, "ok", getattr(result, "valid", True))) else [str(result)]
            )
    return []


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.ksef.errors import EnvironmentFault, KsefError
    from ksef_desktop.ksef.messages import describe
    from ksef_desktop.ksef.sending import InvoiceToSend

    invoices: list[InvoiceToSend] = []
    rejected_locally = False
    for path in args.files:
        try:
            content = path.read_bytes()
        except OSError as exc:
            error(
                _("{file}: cannot read the file ({reason})").format(file=path, reason=exc.strerror)
            )
            return EXIT_USAGE
        problems = local_problems(content)
        if problems:
            print(f"{path} REJECTED LOCAL {problems[0]}")
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
            log.exception("KSeF send failed")
            error(describe(exc))
            return EXIT_REJECTED
    any_rejected = rejected_locally
    for result in results:
        if result.ksef_number:
            print(f"{result.name} {result.ksef_number}")
            continue
        any_rejected = True
        rejection = result.rejection()
        code = rejection.code if rejection else 0
        sentence = describe(rejection) if rejection else _("No result from KSeF.")
        print(f"{result.name} REJECTED {code} {sentence}")
    return EXIT_REJECTED if any_rejected else EXIT_OK
