"""``ksef-desktop mail FILE.xml --to ADDRESS --smtp smtp[s]://HOST:PORT --from ADDRESS
[--lang pl|en|pl+en] [--xml]``.

E-mails the invoice's PDF (rendered as ``ksef-desktop pdf`` does, with its QR codes; the
FA(3) XML too with ``--xml``) through the user's SMTP account, always over TLS
(``smtps://`` at once, ``smtp://`` with STARTTLS or not at all). The password comes from
``KSEF_SMTP_PASSWORD`` or the keyring entry ``smtp-password:USER@HOST`` (USER: ``--user``,
else the ``--from`` address); with neither the server is used without logging in.
Prints ``sent``. Exit 1 when the server did not take it, 3 when the connection broke
while handing it over (it may have arrived: check before sending again), 2 for bad input.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ksef_desktop.commands.qr import ENVIRONMENTS, CommandRefused, read_invoice, resolve_qr_base
from ksef_desktop.i18n import _

PASSWORD_VARIABLE = "KSEF_SMTP_PASSWORD"  # noqa: S105 - a variable name, not a password


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "mail",
        help=_("e-mail an invoice's PDF (and XML) to the buyer through your SMTP account"),
        description=_("Send the invoice's PDF, over TLS, through your own SMTP account."),
    )
    parser.add_argument("file", type=Path, metavar="FILE.xml")
    parser.add_argument("--to", required=True, metavar="ADDRESS")
    parser.add_argument("--smtp", required=True, metavar="smtp[s]://HOST:PORT")
    parser.add_argument("--from", dest="sender", required=True, metavar="ADDRESS")
    parser.add_argument("--user", default=None, help=_("SMTP user name (default: --from)"))
    parser.add_argument("--lang", dest="invoice_lang", choices=("pl", "en", "pl+en"), default="pl")
    parser.add_argument("--xml", action="store_true", help=_("attach the FA(3) XML too"))
    parser.add_argument("--subject", default=None)
    parser.add_argument("--ksef-number", default=None, help=_("the KSeF number, on the PDF"))
    parser.add_argument("--env", choices=ENVIRONMENTS, default="prod", help="default prod")
    parser.add_argument("--qr-base", help=_("QR base URL (required for --env sandbox)"))
    parser.set_defaults(func=run)


def _password(user: str, host: str) -> str | None:
    from ksef_desktop.secrets import KeyringUnavailable, SecretStore
    from ksef_desktop.services.mailing import smtp_entry

    value = os.environ.get(PASSWORD_VARIABLE)
    if value:
        return value
    try:
        return SecretStore().get(smtp_entry(user, host))
    except KeyringUnavailable:
        return None


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from ksef_desktop.domain.money import format_amount
    from ksef_desktop.domain.totals import compute_totals
    from ksef_desktop.services.mailing import (
        Attachment,
        MailError,
        MaybeSent,
        SmtpServer,
        attachment_name,
        build_message,
        default_texts,
        deliver,
        new_message_id,
    )
    from ksef_desktop.visual.pdf import render_pdf

    try:
        if "@" not in args.to or "@" not in args.sender:
            raise CommandRefused(_("--to and --from must be e-mail addresses."), 2)
        server = SmtpServer.parse(args.smtp)
        qr_base = resolve_qr_base(args.env, args.qr_base)
        data, invoice = read_invoice(args.file)
        now = datetime.now(UTC)
        pdf = render_pdf(
            data, lang=args.invoice_lang, qr_base=qr_base, ksef_number=args.ksef_number, now=now
        )
    except MailError as exc:
        print(exc.message())
        return 2
    except CommandRefused as exc:
        print(exc)
        return exc.code
    except ValueError as exc:
        print(_("{file}: {reason}").format(file=args.file, reason=exc))
        return 2
    due = invoice.payment.due_date if invoice.payment else None
    subject, body = default_texts(
        args.invoice_lang,
        number=invoice.number,
        issue_date=invoice.issue_date.strftime("%d.%m.%Y"),
        gross=format_amount(compute_totals(invoice).gross),
        currency=invoice.currency,
        seller=invoice.seller.name,
        due_date=due.strftime("%d.%m.%Y") if due else None,
    )
    attachments = [Attachment(attachment_name(invoice.number, "pdf"), pdf, "application", "pdf")]
    if args.xml:
        attachments.append(
            Attachment(attachment_name(invoice.number, "xml"), data, "application", "xml")
        )
    message = build_message(
        sender=args.sender,
        recipient=args.to,
        subject=args.subject or subject,
        body=body,
        message_id=new_message_id(args.sender),
        attachments=attachments,
    )
    user = args.user or args.sender
    try:
        deliver(server, message, user=user, password=_password(user, server.host))
    except MaybeSent as exc:
        print(exc.message())
        return 3
    except MailError as exc:
        print(exc.message())
        return 1
    print("sent")
    return 0
