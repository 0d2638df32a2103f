"""The sending service against a real sandbox: accepted, rejected, outage, lost response."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from ksef_desktop.domain.offline import OfflineMode, invoice_deadline
from ksef_desktop.sandbox import Sandbox
from ksef_desktop.services.issue import IssueError, issue_invoice, start_technical_correction
from ksef_desktop.store.invoices import get_invoice, update_draft
from ksef_desktop.store.sessions import upos
from ksef_desktop.store.states import InvoiceState
from tests.integration.submit_support import SELLER, drain_until_done, issue_many, submitter
from tests.unit.test_store_support import PID, open_profiled, sample_invoice

WARSAW = ZoneInfo("Europe/Warsaw")


def _now() -> datetime:
    return datetime.now(UTC)


def _control(sb: Sandbox, path: str, body: dict[str, object] | None = None) -> None:
    root = sb.base_url.removesuffix("/v2")
    httpx.post(f"{root}/_sandbox/{path}", json=body or {}, timeout=30).raise_for_status()


def _accepted_in_sandbox(sb: Sandbox) -> list[dict[str, str]]:
    return list(sb.accepted_state()["nips"].get(SELLER, {}).get("accepted", []))


def test_drain_delivers_and_keeps_numbers_and_upos(sandbox: Sandbox, tmp_path: Path) -> None:
    store = open_profiled(tmp_path / "data")
    ids = issue_many(store, 5, now=_now)
    report = submitter(store, sandbox.base_url, sandbox.tokens[SELLER], _now).drain()
    assert sorted(report.accepted) == sorted(ids)
    assert not report.rejected
    assert not report.unreachable
    theirs = {e["invoiceHash"]: e["ksefNumber"] for e in _accepted_in_sandbox(sandbox)}
    conn = store.db.connection()
    for invoice_id in ids:
        stored = get_invoice(conn, invoice_id, profile_id=PID)
        assert stored.state is InvoiceState.ACCEPTED
        assert stored.sha256_b64 is not None
        assert stored.ksef_number == theirs[stored.sha256_b64]
    for invoice_id in ids:
        assert len(upos(conn, invoice_id=invoice_id, profile_id=PID)) == 1
    assert report.sessions
    assert all(upos(conn, session_ref=ref, profile_id=PID) for ref in report.sessions)
    verified = store.archive.verify(conn)
    assert verified.checked > 0
    assert verified.ok, verified.lines()
    # Nothing is left to send, and a second drain sends nothing.
    again = submitter(store, sandbox.base_url, sandbox.tokens[SELLER], _now).drain()
    assert again.delivered == 0
    assert len(_accepted_in_sandbox(sandbox)) == 5


def test_rejection_keeps_the_code_and_details(sandbox: Sandbox, tmp_path: Path) -> None:
    store = open_profiled(tmp_path / "data")
    # KSeF refuses an issue date later than the day it receives the invoice (450).
    future = replace(sample_invoice(), issue_date=date.today() + timedelta(days=400))
    (invoice_id,) = issue_many(store, 1, now=_now, invoice=future)
    report = submitter(store, sandbox.base_url, sandbox.tokens[SELLER], _now).drain()
    assert report.rejected == [invoice_id]
    stored = get_invoice(store.db.connection(), invoice_id, profile_id=PID)
    assert stored.state is InvoiceState.REJECTED
    assert stored.rejection_code == 450
    assert stored.rejection_details


def test_outage_defers_then_recovery_delivers_before_the_deadline(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    store = open_profiled(tmp_path / "data")
    today = datetime.now(WARSAW).date()
    deadline = invoice_deadline(OfflineMode.OFFLINE24, today, []).due
    assert deadline is not None
    invoice = replace(sample_invoice(), issue_date=today)
    ids = issue_many(store, 3, now=_now, invoice=invoice, mode="offline24", deadline=deadline)
    _control(sandbox, "maintenance")
    sender = submitter(store, sandbox.base_url, sandbox.tokens[SELLER], _now)
    report = sender.drain()
    assert report.unreachable
    assert sorted(report.deferred) == sorted(ids)
    assert report.error  # a sentence for the user
    conn = store.db.connection()
    assert all(get_invoice(conn, i, profile_id=PID).state is InvoiceState.QUEUED for i in ids)
    assert not _accepted_in_sandbox(sandbox)
    _control(sandbox, "maintenance/end")
    drain_until_done(sender)  # the backoff is short in tests
    for invoice_id in ids:
        stored = get_invoice(conn, invoice_id, profile_id=PID)
        assert stored.state is InvoiceState.ACCEPTED
        assert stored.accepted_at is not None
        assert stored.accepted_at <= deadline
    offline = {e.get("invoicingMode") for e in _accepted_in_sandbox(sandbox)}
    assert offline <= {"Offline", None}


def test_lost_response_ends_in_one_acceptance(sandbox: Sandbox, tmp_path: Path) -> None:
    store = open_profiled(tmp_path / "data")
    ids = issue_many(store, 3, now=_now)
    _control(
        sandbox,
        "faults",
        {"dropResponses": 2, "dropMethod": "POST", "dropPathContains": "/invoices"},
    )
    sender = submitter(store, sandbox.base_url, sandbox.tokens[SELLER], _now)
    drain_until_done(sender)
    conn = store.db.connection()
    ours = {
        str(get_invoice(conn, i, profile_id=PID).sha256_b64): get_invoice(
            conn, i, profile_id=PID
        ).ksef_number
        for i in ids
    }
    accepted = _accepted_in_sandbox(sandbox)
    hashes = [e["invoiceHash"] for e in accepted]
    assert sorted(hashes) == sorted(ours)  # each exactly once
    assert {e["invoiceHash"]: e["ksefNumber"] for e in accepted} == ours


def test_technical_correction_of_a_rejected_offline_invoice(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    store = open_profiled(tmp_path / "data")
    today = datetime.now(WARSAW).date()
    bad = replace(sample_invoice(), issue_date=today + timedelta(days=400))
    (rejected_id,) = issue_many(store, 1, now=_now, invoice=bad, mode="offline24")
    sender = submitter(store, sandbox.base_url, sandbox.tokens[SELLER], _now)
    assert sender.drain().rejected == [rejected_id]
    conn = store.db.connection()
    rejected = get_invoice(conn, rejected_id, profile_id=PID)

    draft = start_technical_correction(store.db, rejected_id, now=_now, profile_id=PID)
    fixed = replace(get_invoice(conn, draft, profile_id=PID).invoice, issue_date=today)
    with store.db.transaction() as tx:
        update_draft(tx, draft, fixed, now=_now(), profile_id=PID)
    corrected = issue_invoice(
        store.db,
        store.archive,
        draft,
        now=_now,
        series_id=None,
        mode="offline24",
        deadline=None,
        profile_id=PID,
    )
    assert corrected.number == rejected.number
    report = sender.drain()
    assert report.accepted == [corrected.id]
    # The sandbox linked the correction to the rejected file by its hash.
    accepted = {e["invoiceHash"]: e for e in _accepted_in_sandbox(sandbox)}
    entry = accepted[str(get_invoice(conn, corrected.id, profile_id=PID).sha256_b64)]
    assert sandbox.core.state.corrections[str(rejected.sha256_b64)] == entry["referenceNumber"]
    # A second correction of the same original is refused before anything is sent.
    with pytest.raises(IssueError):
        start_technical_correction(store.db, rejected_id, now=_now, profile_id=PID)
