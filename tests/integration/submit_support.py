"""Helpers for the sending-service tests: a store full of issued invoices, a client factory.

Also runnable as a child process (``python -m tests.integration.submit_support DATA_DIR
BASE_URL NIP``, token in ``KSEF_TOKEN``) that drains the outbox until nothing is left:
the crash test kills it at random moments and starts it again.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from ksef_desktop.domain.invoice import Invoice
from ksef_desktop.ksef.environments import sandbox as sandbox_environment
from ksef_desktop.ksef.transport import RetryPolicy
from ksef_desktop.ksef.workflows import KsefClient
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.services.submit import ClientFactory, Submitter
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Backoff
from tests.unit.test_store_support import PID, open_profiled, sample_invoice, sample_profile

SELLER = "5265877635"
FAST_BACKOFF = Backoff(base=timedelta(milliseconds=50), cap=timedelta(milliseconds=500))


def issue_many(
    store: Store,
    count: int,
    *,
    now: Callable[[], datetime],
    prefix: str = "FV",
    invoice: Invoice | None = None,
    mode: str | None = None,
    deadline: datetime | None = None,
) -> list[int]:
    """Issue ``count`` distinct invoices of seller ``SELLER`` and queue them for KSeF."""
    base = invoice or sample_invoice()
    with store.db.transaction() as conn:
        series = create_series(conn, prefix, prefix + "/{yyyy}/{mm}/{n}", now=now(), profile_id=PID)
    ids = []
    for i in range(count):
        draft_invoice = replace(
            base, lines=tuple(replace(line, name=f"{line.name} #{i}") for line in base.lines)
        )
        with store.db.transaction() as conn:
            draft = create_draft(conn, draft_invoice, now=now(), profile_id=PID)
        issued = issue_invoice(
            store.db,
            store.archive,
            draft,
            now=now,
            series_id=series,
            mode=mode,
            deadline=deadline,
            profile_id=PID,
        )
        ids.append(issued.id)
    return ids


def client_factory(base_url: str, token: str, nip: str = SELLER) -> ClientFactory:
    @contextmanager
    def make() -> Iterator[KsefClient]:
        with httpx.Client(timeout=httpx.Timeout(20.0)) as http:
            yield KsefClient(
                http,
                sandbox_environment(base_url),
                nip,
                token,
                now=lambda: datetime.now(UTC),
                retry=RetryPolicy(base_delay=0.05, max_delay=0.5),
            )

    return make


def submitter(store: Store, base_url: str, token: str, now: Callable[[], datetime]) -> Submitter:
    return Submitter(
        store.db,
        store.archive,
        client_factory(base_url, token),
        profile=sample_profile(store),
        now=now,
        backoff=FAST_BACKOFF,
    )


def drain_until_done(sender: Submitter, attempts: int = 100) -> None:
    """Drain, waiting out the (short) backoff, until nothing is left to send."""
    for _ in range(attempts):
        if not sender.outbox.pending():
            return
        sender.drain()
        time.sleep(0.05)
    raise AssertionError("the outbox did not empty")


def _child(data_dir: str, base_url: str) -> int:
    token = os.environ["KSEF_TOKEN"]
    store = open_profiled(Path(data_dir))
    sender = submitter(store, base_url, token, lambda: datetime.now(UTC))
    for _ in range(500):
        if not sender.outbox.pending():
            return 0
        report = sender.drain()
        if report.unreachable or report.deferred:
            time.sleep(0.1)
    return 1


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2]))

__all__ = ["SELLER", "date", "drain_until_done", "issue_many", "submitter"]
