"""``ksef-desktop qr FILE --env ENV [--ksef-number N] [--cert CERT --key KEY]``.

Prints the KOD I link of an FA(3) file and, with an offline certificate, the KOD II
link on a second line (DESIGN.md §9). ``pdf`` shares the option handling below.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _

if TYPE_CHECKING:
    from ksef_desktop.domain.invoice import Invoice
    from ksef_desktop.visual.certificates import OfflineSigning

ENVIRONMENTS = ("test", "demo", "prod", "sandbox")
#: Where an encrypted key's password is read from when no terminal can ask for it.
PASSWORD_VARIABLE = "KSEF_KEY_PASSWORD"  # noqa: S105 - a variable name, not a password
#: At most this many defects of one file are printed.
MAX_DEFECTS_SHOWN = 20


class CommandRefused(UserError):
    """A message for the user; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def add_certificate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cert", type=Path, help="offline certificate (.crt/.pem/.der/.p12/.pfx)")
    parser.add_argument("--key", type=Path, help="its private key (.key/.pem)")
    parser.add_argument(
        "--context-type",
        choices=("Nip", "InternalId", "NipVatUe", "PeppolId"),
        default="Nip",
        help="KOD II context identifier type (default Nip)",
    )
    parser.add_argument(
        "--context-value", help="KOD II context identifier value (default: the seller's NIP)"
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("qr", help="print the KOD I (and KOD II) links of an invoice")
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--env", required=True, choices=ENVIRONMENTS)
    parser.add_argument("--qr-base", help="QR base URL (required for --env sandbox)")
    parser.add_argument("--ksef-number", help="the invoice's KSeF number, when known")
    add_certificate_options(parser)
    parser.set_defaults(func=run)


def resolve_qr_base(env: str, override: str | None) -> str:
    from ksef_desktop.visual.qr import QR_BASES, normalize_base

    if override:
        try:
            return normalize_base(override)
        except ValueError:
            raise CommandRefused(_("--qr-base must be an http(s) URL."), 2) from None
    if env == "sandbox":
        raise CommandRefused(
            _("--env sandbox needs --qr-base (the sandbox prints it when it starts)."), 2
        )
    return QR_BASES[env]


def read_invoice(path: Path) -> tuple[bytes, Invoice]:
    """The bytes and the parsed invoice of ``path``; ``CommandRefused`` for anything else.

    A file ``validate`` refuses in its bytes (encoding, BOM, XML version, DOCTYPE,
    processing instructions, forbidden characters, size) is refused here too, with the
    same messages: KOD I is the hash of these exact bytes, which KSeF would never accept.
    """
    from ksef_desktop.fa3.parse import Fa3ParseError, parse
    from ksef_desktop.fa3.validate import document_defects
    from ksef_desktop.userfiles import MAX_INVOICE_FILE, UnreadableFile, read_user_file

    try:
        data = read_user_file(path, MAX_INVOICE_FILE)
    except UnreadableFile as exc:
        raise CommandRefused(
            _("{file}: cannot read the file: {reason}").format(file=path, reason=exc.reason), 2
        ) from None
    defects = document_defects(data)
    if defects:
        raise CommandRefused("\n".join(f"{path}: {d.text()}" for d in defects[:MAX_DEFECTS_SHOWN]))
    try:
        invoice = parse(data)
        _seller_nip = invoice.seller_nip
    except (Fa3ParseError, ValueError) as exc:
        raise CommandRefused(_not_an_invoice(path, data, exc)) from None
    return data, invoice


def _not_an_invoice(path: Path, data: bytes, exc: Exception) -> str:
    """Why ``data`` is no invoice: ``validate``'s (translated) defects when it finds any,
    else the parser's reason."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ksef_desktop.fa3.validate import validate

    today = datetime.now(ZoneInfo("Europe/Warsaw")).date()
    reasons = [d.text() for d in validate(data, today=today)] or [str(exc)]
    lines = [_("{file}: not an FA(3) invoice: {reason}").format(file=path, reason=reasons[0])]
    lines += [f"{path}: {reason}" for reason in reasons[1:MAX_DEFECTS_SHOWN]]
    return "\n".join(lines)


def cannot_process(path: Path, exc: Exception) -> CommandRefused:
    """The last line of defence: any failure left becomes a message, never a traceback."""
    import logging

    logging.getLogger("ksef_desktop").debug("processing %s failed", path, exc_info=True)
    reason = str(exc) or type(exc).__name__
    if len(reason) > 200:
        reason = reason[:199] + "…"
    return CommandRefused(
        _("{file}: the invoice cannot be processed ({reason}).").format(file=path, reason=reason)
    )


def check_ksef_number(number: str | None) -> None:
    from ksef_desktop.domain.identifiers import ksef_number_is_valid

    if number is not None and not ksef_number_is_valid(number):
        raise CommandRefused(_("{number} is not a valid KSeF number.").format(number=number), 2)


def _password() -> str | None:
    """Ask on the terminal when the password did not come from the environment."""
    if PASSWORD_VARIABLE in os.environ:
        return None
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        return getpass.getpass(_("Password of the private key: ")) or None
    return None


def offline_signing_from_args(args: argparse.Namespace, invoice: Invoice) -> OfflineSigning | None:
    """The checked certificate and key from ``--cert``/``--key``, or None without them."""
    from datetime import UTC, datetime

    from ksef_desktop.visual.certificates import (
        PKCS12_SUFFIXES,
        CertificateError,
        OfflineSigning,
        PasswordNeeded,
        check_offline_certificate,
        load_credentials,
    )
    from ksef_desktop.visual.qr import ContextIdentifier

    if args.cert is None:
        if args.key is not None:
            raise CommandRefused(_("--key needs --cert."), 2)
        return None
    is_pkcs12 = args.cert.suffix.lower() in PKCS12_SUFFIXES
    if args.key is None and not is_pkcs12:
        raise CommandRefused(_("--cert needs --key (or a .p12/.pfx file)."), 2)
    try:
        try:
            cert, key = load_credentials(args.cert, args.key, os.environ.get(PASSWORD_VARIABLE))
        except PasswordNeeded:
            password = _password()
            if password is None:
                raise
            cert, key = load_credentials(args.cert, args.key, password)
        check_offline_certificate(cert, key, now=datetime.now(UTC))
        context = ContextIdentifier(args.context_type, args.context_value or invoice.seller_nip)
    except CertificateError as exc:
        raise CommandRefused(_("{file}: {reason}").format(file=args.cert, reason=exc)) from None
    except ValueError as exc:
        raise CommandRefused(str(exc), 2) from None
    return OfflineSigning(certificate=cert, private_key=key, context=context)


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.visual.codes import invoice_codes

    try:
        qr_base = resolve_qr_base(args.env, args.qr_base)
        check_ksef_number(args.ksef_number)
        data, invoice = read_invoice(args.file)
        signing = offline_signing_from_args(args, invoice)
        try:
            codes = invoice_codes(
                data, invoice, qr_base=qr_base, ksef_number=args.ksef_number, offline=signing
            )
        except Exception as exc:  # noqa: BLE001 - the last line: a message, not a traceback
            raise cannot_process(args.file, exc) from None
    except CommandRefused as exc:
        print(exc, file=sys.stderr)
        return exc.code
    print(codes.kod1.url)
    if codes.kod2 is not None:
        print(codes.kod2.url)
    return 0
