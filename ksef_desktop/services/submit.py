"""Sending what the outbox holds to KSeF and recording each verdict (plain Python).

``submit_due`` claims the due outbox items (most urgent deadline first), sends their
frozen bytes through the KSeF client in one go, and records per invoice: accepted (with
its KSeF number and UPO), a duplicate adopted (440: ours was accepted before), rejected
(KSeF's code and explanation), or - when KSeF or the network failed - a failed attempt
that the outbox retries after a backoff. Invoices issued offline are declared so.

A stand-in written with the GUI (issue 7) because nothing else sent the outbox yet; the
client object is injected (``client()``), so the sandbox drives it in the tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ksef_desktop.ksef.errors import EnvironmentFault
from ksef_desktop.ksef.sending import InvoiceResult, InvoiceToSend
from ksef_desktop.store import Store
from ksef_desktop.store.outbox import Outbox, OutboxItem

log = logging.getLogger(__name__)


class Client(Protocol):
    def send(self, invoices: list[InvoiceToSend]) -> list[InvoiceResult]: ...


@dataclass(frozen=True)
class SubmitReport:
    accepted: int = 0
    rejected: int = 0
    failed: int = 0
    problem: str = ""  # the environment's fault that failed the whole attempt

    @property
    def sent(self) -> int:
        return self.accepted + self.rejected


def _to_send(item: OutboxItem) -> InvoiceToSend:
    return InvoiceToSend(
        name=str(item.invoice_id),
        content=item.xml,
        offline=item.mode is not None,
        hash_of_corrected_invoice=item.hash_of_corrected,
    )


def submit_due(
    store: Store,
    client: Callable[[], Client],
    now: Callable[[], datetime],
    *,
    check: Callable[[], None] = lambda: None,
    limit: int = 100,
) -> SubmitReport:
    """Send up to ``limit`` due outbox items; ``check()`` may raise to cancel before sending."""
    outbox = Outbox(store.db, store.archive, now)
    sender = client()  # a missing token fails here, before anything is claimed
    items = outbox.claim(limit)
    if not items:
        return SubmitReport()
    try:
        check()
        results = sender.send([_to_send(i) for i in items])
    except EnvironmentFault as exc:
        message = exc.user_message()
        for item in items:
            outbox.mark_failed(item.invoice_id, message)
        return SubmitReport(failed=len(items), problem=message)
    except BaseException:
        for item in items:  # not sent: due again after the backoff, never lost
            outbox.mark_failed(item.invoice_id, "not sent (cancelled or interrupted)")
        raise
    accepted = rejected = failed = 0
    for item, result in zip(items, results, strict=True):
        rejection = result.rejection()
        if result.ksef_number is not None:
            if result.adopted_duplicate:
                outbox.adopt_duplicate(item.invoice_id, result.ksef_number)
            else:
                outbox.mark_accepted(
                    item.invoice_id,
                    result.ksef_number,
                    upo=result.upo.content if result.upo is not None else None,
                    session_ref=result.session_reference,
                )
            accepted += 1
        elif rejection is not None:
            outbox.mark_rejected(item.invoice_id, rejection.code, rejection.user_message())
            rejected += 1
        else:
            outbox.mark_failed(item.invoice_id, "KSeF gave no verdict")
            failed += 1
    log.info("submitted %d invoices: %d accepted, %d rejected", len(items), accepted, rejected)
    return SubmitReport(accepted, rejected, failed)
