"""services/submit.py against the Sandbox: failed attempts back off, recovery sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.ksef import environments
from ksef_desktop.ksef.workflows import KsefClient
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.services.submit import submit_due
from ksef_desktop.store import open_store
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.states import InvoiceState
from tests.unit.test_store_support import sample_invoice

NIP = "5265877635"  # the seller of sample_invoice()


def test_an_unavailable_ksef_fails_the_attempt_and_a_later_one_succeeds(sandbox, tmp_path):
    store = open_store(tmp_path / "data")
    shift = [timedelta(0)]

    def now() -> datetime:
        return datetime.now(UTC) + shift[0]

    today = warsaw_date(datetime.now(UTC))
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=now())
        draft = create_draft(conn, sample_invoice(day=today), now=now())
    issue_invoice(
        store.db, store.archive, draft, now=now, series_id=series, mode=None, deadline=None
    )
    http = httpx.Client(timeout=10)
    env = environments.sandbox(sandbox.base_url)

    def client() -> KsefClient:
        return KsefClient(http, env, NIP, sandbox.tokens[NIP], now=lambda: datetime.now(UTC))

    try:
        httpx.post(f"{sandbox.server_url}/_sandbox/maintenance", json={}).raise_for_status()
        report = submit_due(store, client, now)
        assert (report.accepted, report.failed) == (0, 1)
        assert "KSeF" in report.problem
        assert get_invoice(store.db.connection(), draft).state is InvoiceState.QUEUED
        assert submit_due(store, client, now).sent == 0  # backing off: nothing due yet

        httpx.post(f"{sandbox.server_url}/_sandbox/maintenance/end", json={}).raise_for_status()
        shift[0] = timedelta(hours=1)  # past the backoff
        report = submit_due(store, client, now)
        assert (report.accepted, report.failed, report.problem) == (1, 0, "")
        stored = get_invoice(store.db.connection(), draft)
        assert stored.state is InvoiceState.ACCEPTED
        assert stored.ksef_number is not None
    finally:
        http.close()
        store.close()
