"""``ksef-desktop pdf FILE -o OUT.pdf [--lang pl|en|pl+en] [--ksef-number N | --offline |
--total-failure]``.

Renders the invoice visualisation with KOD I; ``--offline`` prints ``OFFLINE`` under it,
and ``--cert``/``--key`` (an offline certificate) add KOD II. The QR links point at
``--env`` (production unless told otherwise) or ``--qr-base``. ``--total-failure`` (an
invoice issued during KSeF's total failure) prints no codes at all, and says why.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ksef_desktop.commands.qr import (
    ENVIRONMENTS,
    CommandRefused,
    add_certificate_options,
    cannot_process,
    check_ksef_number,
    offline_signing_from_args,
    read_invoice,
    resolve_qr_base,
)
from ksef_desktop.i18n import _


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("pdf", help="render the invoice as a PDF with its QR codes")
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.pdf")
    parser.add_argument(
        "--lang",
        dest="invoice_lang",
        choices=("pl", "en", "pl+en"),
        default="pl",
        help="language of the invoice (default pl)",
    )
    state = parser.add_mutually_exclusive_group()
    state.add_argument("--ksef-number", help="the KSeF number, printed under KOD I")
    state.add_argument(
        "--offline", action="store_true", help="an offline invoice: OFFLINE under KOD I"
    )
    state.add_argument(
        "--total-failure",
        action="store_true",
        help="issued during a total failure of KSeF: no QR codes",
    )
    parser.add_argument("--env", choices=ENVIRONMENTS, default="prod", help="default prod")
    parser.add_argument("--qr-base", help="QR base URL (required for --env sandbox)")
    add_certificate_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from ksef_desktop.visual.pdf import render_pdf

    try:
        qr_base = resolve_qr_base(args.env, args.qr_base)
        check_ksef_number(args.ksef_number)
        if args.cert is not None and args.ksef_number is not None:
            raise CommandRefused(
                _("--cert (KOD II) is for offline invoices, not with --ksef-number."), 2
            )
        if args.cert is not None and args.total_failure:
            raise CommandRefused(
                _("--cert (KOD II) cannot go with --total-failure: such invoices have no codes."),
                2,
            )
        data, invoice = read_invoice(args.file)
        signing = offline_signing_from_args(args, invoice)
        try:
            pdf = render_pdf(
                data,
                lang=args.invoice_lang,
                qr_base=qr_base,
                ksef_number=args.ksef_number,
                offline=signing,
                now=datetime.now(UTC),
                total_failure=args.total_failure,
            )
        except Exception as exc:  # noqa: BLE001 - the last line: a message, not a traceback
            raise cannot_process(args.file, exc) from None
        try:
            args.output.write_bytes(pdf)
        except OSError as exc:
            raise CommandRefused(
                _("{file}: cannot write the file: {reason}").format(
                    file=args.output, reason=exc.strerror or exc
                )
            ) from None
    except CommandRefused as exc:
        print(exc, file=sys.stderr)
        return exc.code
    return 0
