"""``ksef-desktop outbox send (--env ENV|--base-url URL) --nip NIP``.

Delivers the profile's queue now (what "Wyślij teraz" does in the window), through the
profile's own client: prints ``NUMBER KSEF-NUMBER`` for each invoice accepted and
``NUMBER REJECTED CODE message`` for each one KSeF refused. Exit codes as ``send``: 0 all
delivered, 1 any rejected, 2 bad usage or no token, 3 KSeF could not be reached (the
invoices stay queued, nothing is lost).
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
    open_profile,
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("outbox", help="the queue of invoices waiting for KSeF")
    sub = parser.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    send = sub.add_parser(
        "send",
        help="deliver the profile's queue to KSeF now",
        description="Send every invoice of the profile of --env/--base-url and --nip that "
        "waits for KSeF; print 'NUMBER KSEF-NUMBER' or 'NUMBER REJECTED CODE message'.",
    )
    add_target_options(send)
    send.set_defaults(func=run_send)


def run_send(args: argparse.Namespace) -> int:
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from ksef_desktop.services.submit import Submitter
    from ksef_desktop.store.invoices import get_invoice

    opened = open_profile(args)
    if isinstance(opened, int):
        return opened
    store, profile = opened
    try:
        with http_client() as http:
            client = open_client(args, http)
            if isinstance(client, int):
                return client
            submitter = Submitter(
                store.db,
                store.archive,
                lambda: nullcontext(client),
                profile=profile,
                now=lambda: datetime.now(UTC),
            )
            submitter.outbox.retry_now()  # asked now: no waiting out an earlier failure
            report = submitter.drain()
            from ksef_desktop import i18n
            from ksef_desktop.services.invoice_pdfs import remake_accepted

            remake_accepted(  # the PDFs kept in the data folder, now with the KSeF number
                store,
                [*report.accepted, *report.adopted],
                profile_id=profile.id,
                qr_base=client.environment.qr_base,
                ui_lang=i18n.current_language(),
                now=datetime.now(UTC),
            )
        conn = store.db.connection()
        for invoice_id in [*report.accepted, *report.adopted]:
            stored = get_invoice(conn, invoice_id, profile_id=profile.id)
            print(f"{stored.number} {stored.ksef_number}")
        for invoice_id in report.rejected:
            stored = get_invoice(conn, invoice_id, profile_id=profile.id)
            details = (stored.rejection_details or "").replace("\n", " ")
            print(f"{stored.number} REJECTED {stored.rejection_code} {details}")
    finally:
        store.close()
    if report.unreachable or (report.deferred and not report.delivered and not report.rejected):
        if report.error:
            error(report.error)
        return EXIT_UNAVAILABLE
    return EXIT_REJECTED if report.rejected else EXIT_OK
