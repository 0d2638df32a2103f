"""The client against what KSeF's real servers do (issue 16, KSEF-PROTOCOL.md §13a), with
the Sandbox's faults: the web firewall's HTML page instead of a UPO (``firewallPage``),
400/21184 "session temporarily unavailable" on sending (``sessionUnavailable``), ``null``
counts in a session's status (``nullCounts``).

- ``--firewall-page 1.0``: nothing that is not a UPO is ever archived as one, and every
  invoice still ends accepted with its UPO (through the authenticated endpoints, or later
  once the fault is gone).
- ``--session-unavailable 3``: every invoice is accepted, none is marked rejected; more
  than the client's sessions per send leave invoices queued with the reason shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ksef_desktop import i18n
from ksef_desktop.fa3.xmlsafe import parse_untrusted
from ksef_desktop.ksef import api_status
from ksef_desktop.ksef.api_status import UPO_ROOT
from ksef_desktop.ksef.environments import sandbox as sandbox_environment
from ksef_desktop.ksef.messages import MESSAGES
from ksef_desktop.ksef.transport import RetryPolicy
from ksef_desktop.ksef.workflows import KsefClient
from ksef_desktop.sandbox import Sandbox
from ksef_desktop.services.sessions_sync import session_detail
from ksef_desktop.services.submit import Submitter
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.sessions import upos
from ksef_desktop.store.states import InvoiceState, events_of
from tests.integration.client_support import NIP, invoices, ksef_client, sandbox_accepted
from tests.integration.submit_support import FAST_BACKOFF, SELLER, drain_until_done, issue_many
from tests.unit.test_store_support import PID, open_profiled, sample_profile

INCAPSULA = b"_Incapsula_Resource"


def _now() -> datetime:
    return datetime.now(UTC)


def _control(sb: Sandbox, path: str, body: dict[str, Any] | None = None) -> None:
    httpx.post(f"{sb.server_url}/_sandbox/{path}", json=body or {}, timeout=30).raise_for_status()


@dataclass
class Wire:
    """What the client's HTTP client saw, and actions to run after given answers."""

    firewall_pages: int = 0
    upo_api_calls: int = 0
    after: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def on_response(self, response: httpx.Response) -> None:
        path = response.request.url.path
        if path.startswith("/storage/") and "text/html" in response.headers.get("content-type", ""):
            self.firewall_pages += 1
        if path.startswith("/v2/sessions/") and (path.endswith("/upo") or "/upo/" in path):
            self.upo_api_calls += 1
        for needle, run in list(self.after):
            if (
                response.status_code < 300
                and response.request.method == "GET"
                and path.endswith(needle)
            ):
                self.after.remove((needle, run))
                run()


def _submitter(store: Store, sb: Sandbox, wire: Wire) -> Submitter:
    @contextmanager
    def make() -> Iterator[KsefClient]:
        hooks = {"response": [wire.on_response]}
        with httpx.Client(timeout=httpx.Timeout(20.0), event_hooks=hooks) as http:
            yield KsefClient(
                http,
                sandbox_environment(sb.base_url),
                SELLER,
                sb.tokens[SELLER],
                now=_now,
                retry=RetryPolicy(base_delay=0.05, max_delay=0.5),
            )

    return Submitter(
        store.db,
        store.archive,
        make,
        profile=sample_profile(store),
        now=_now,
        backoff=FAST_BACKOFF,
    )


def _archived_upos(store: Store) -> list[bytes]:
    conn = store.db.connection()
    rows = conn.execute("SELECT relpath FROM upos").fetchall()
    return [store.archive.read(conn, r[0]) for r in rows]


def _all_real_upos(store: Store) -> None:
    """Everything archived as a UPO is one: never a firewall's HTML page."""
    for data in _archived_upos(store):
        assert INCAPSULA not in data
        assert b"<html" not in data.lower()
        assert parse_untrusted(data).tag == UPO_ROOT


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_profiled(tmp_path / "data")
    yield s
    s.close()


# --- the web firewall's page instead of a UPO -----------------------------------------------


def test_firewall_pages_are_never_archived_and_upos_come_through_the_api(
    sandbox: Sandbox, store: Store
) -> None:
    _control(sandbox, "faults", {"firewallPage": 1.0})
    ids = issue_many(store, 4, now=_now)
    wire = Wire()
    report = _submitter(store, sandbox, wire).drain()
    assert sorted(report.accepted) == sorted(ids)
    assert not report.rejected
    assert wire.firewall_pages >= 5  # 4 invoice UPOs and the session UPO met the firewall
    conn = store.db.connection()
    theirs = {e["invoiceHash"]: e["ksefNumber"] for e in _sandbox_accepted(sandbox)}
    for invoice_id in ids:
        stored = get_invoice(conn, invoice_id, profile_id=PID)
        assert stored.state is InvoiceState.ACCEPTED
        assert stored.ksef_number == theirs[stored.sha256_b64 or ""]
        assert (
            len(upos(conn, invoice_id=invoice_id, profile_id=PID)) == 1
        )  # fetched through the API
    assert all(upos(conn, session_ref=ref, profile_id=PID) for ref in report.sessions)
    _all_real_upos(store)
    assert store.archive.verify(conn).ok


def test_with_no_upo_to_be_had_invoices_are_accepted_and_their_upos_fetched_later(
    sandbox: Sandbox, store: Store
) -> None:
    """The firewall page on every link, and KSeF down (503) right after the verdicts:
    no UPO at all. The invoices are accepted, nothing is archived, the session browser
    says "UPO not received yet"; once the fault is gone a drain fetches them."""
    _control(sandbox, "faults", {"firewallPage": 1.0})
    ids = issue_many(store, 3, now=_now)
    wire = Wire(after=[("/invoices", lambda: _control(sandbox, "maintenance"))])
    sender = _submitter(store, sandbox, wire)
    report = sender.drain()
    assert sorted(report.accepted) == sorted(ids)
    assert not report.rejected
    conn = store.db.connection()
    assert all(get_invoice(conn, i, profile_id=PID).state is InvoiceState.ACCEPTED for i in ids)
    assert _archived_upos(store) == []  # neither the HTML pages nor anything else
    assert wire.firewall_pages >= 4

    _control(sandbox, "maintenance/end")
    _control(sandbox, "faults/reset")
    (session,) = report.sessions
    with _client(sandbox) as client:
        detail = session_detail(client, store, session, profile_id=PID)
    assert {line.local_id for line in detail.lines if line.upo_pending} == set(ids)

    later = sender.drain()  # nothing to send: only the missing UPOs
    assert later.accepted == later.rejected == []
    for invoice_id in ids:
        assert len(upos(conn, invoice_id=invoice_id, profile_id=PID)) == 1
    assert upos(conn, session_ref=session, profile_id=PID)
    _all_real_upos(store)
    with _client(sandbox) as client:
        detail = session_detail(client, store, session, profile_id=PID)
    assert not any(line.upo_pending for line in detail.lines)
    calls = wire.upo_api_calls
    sender.drain()  # nothing is missing any more: KSeF is not asked again
    assert wire.upo_api_calls == calls


def test_firewall_on_a_batch_session(sandbox: Sandbox) -> None:
    _control(sandbox, "faults", {"firewallPage": 1.0})
    batch = invoices(4, tag="FWB")
    with ksef_client(sandbox.base_url, sandbox.tokens[NIP]) as (client, rec):
        report = client.send_report(batch, mode="batch")
    assert all(r.accepted for r in report.results)
    for result in report.results:
        assert result.upo is not None
        assert parse_untrusted(result.upo.content).tag == UPO_ROOT
        assert result.upo_problem is None
    (session,) = report.sessions
    assert session.upo_pages
    assert session.upo_pages_missing == []
    assert all(parse_untrusted(p.content).tag == UPO_ROOT for p in session.upo_pages)
    assert any("/upo" in p for p in rec.paths("GET"))  # the authenticated endpoints


def test_a_firewall_page_is_refused_by_the_client_itself(sandbox: Sandbox) -> None:
    (one,) = invoices(1, tag="FWR")
    with ksef_client(sandbox.base_url, sandbox.tokens[NIP]) as (client, _rec):
        (result,) = client.send([one], fetch_upo=False)
        entries = list(client.session_invoices(result.session_reference or ""))
        _control(sandbox, "faults", {"firewallPage": 1.0})
        url = entries[0].upo_download_url
        assert url
        from ksef_desktop.ksef.errors import UpoNotReceived

        with pytest.raises(UpoNotReceived) as info:
            api_status.download_presigned(client.transport, "x", url)
    assert info.value.reason == "no-hash"
    i18n.set_language("en")
    assert "UPO not received yet" in info.value.message()


# --- 400/21184: session temporarily unavailable -----------------------------------------------


def test_session_unavailable_three_times_every_invoice_is_accepted(
    sandbox: Sandbox, store: Store
) -> None:
    _control(sandbox, "faults", {"sessionUnavailable": 3})
    ids = issue_many(store, 5, now=_now)
    report = _submitter(store, sandbox, Wire()).drain()
    assert sorted(report.accepted) == sorted(ids)
    assert report.rejected == []
    assert len(report.sessions) == 1  # three sessions got 21184 and nothing went in
    conn = store.db.connection()
    assert all(get_invoice(conn, i, profile_id=PID).state is InvoiceState.ACCEPTED for i in ids)
    accepted = _sandbox_accepted(sandbox)
    assert len(accepted) == 5
    assert len({e["ksefNumber"] for e in accepted}) == 5
    assert not sandbox.accepted_state()["nips"][SELLER].get("rejected")


def test_session_unavailable_longer_than_a_send_leaves_them_queued_with_the_reason(
    sandbox: Sandbox, store: Store
) -> None:
    from ksef_desktop.ksef.online import MAX_SESSIONS

    _control(sandbox, "faults", {"sessionUnavailable": MAX_SESSIONS + 1})
    ids = issue_many(store, 2, now=_now)
    sender = _submitter(store, sandbox, Wire())
    first = sender.drain()
    assert first.accepted == first.rejected == []
    assert sorted(first.deferred) == sorted(ids)
    conn = store.db.connection()
    i18n.set_language("pl")
    waiting = {
        item.invoice_id: item
        for item in Outbox(store.db, store.archive, _now, profile_id=PID).pending()
    }
    for invoice_id in ids:
        assert get_invoice(conn, invoice_id, profile_id=PID).state is InvoiceState.QUEUED
        assert waiting[invoice_id].last_error == i18n._(MESSAGES[("exception", 21184)])
        assert "chwilowo niedostępna" in (waiting[invoice_id].last_error or "")
        assert not any(
            e.to_state is InvoiceState.REJECTED for e in events_of(conn, invoice_id, profile_id=PID)
        )
    drain_until_done(sender)
    assert all(get_invoice(conn, i, profile_id=PID).state is InvoiceState.ACCEPTED for i in ids)
    assert len(_sandbox_accepted(sandbox)) == 2


def test_session_unavailable_mid_session_continues_in_a_new_one(sandbox: Sandbox) -> None:
    """The first invoices went in; 21184 on the third: it and the rest go into a new
    session, and the verdicts of both sessions come back, in order."""
    batch = invoices(5, tag="SU")
    with ksef_client(sandbox.base_url, sandbox.tokens[NIP]) as (client, rec):
        rec.after(
            "POST",
            "/invoices",
            2,
            lambda: _control(sandbox, "faults", {"sessionUnavailable": 1}),
        )
        report = client.send_report(batch, mode="online")
    assert [r.name for r in report.results] == [i.name for i in batch]
    assert all(r.accepted for r in report.results)
    assert len(report.sessions) == 2
    first, second = (s.reference_number for s in report.sessions)
    assert [r.session_reference for r in report.results] == [first] * 2 + [second] * 3
    assert len(sandbox_accepted(sandbox)) == 5


# --- null counts -----------------------------------------------------------------------------


def test_null_counts_in_a_session_status_are_handled(sandbox: Sandbox) -> None:
    _control(sandbox, "faults", {"nullCounts": True})
    batch = invoices(2, tag="NC")
    with ksef_client(sandbox.base_url, sandbox.tokens[NIP]) as (client, _rec):
        results = client.send(batch)
        status = api_status.session_status(client.transport, results[0].session_reference or "")
        listed = list(client.sessions("Online"))
    assert all(r.accepted and r.upo is not None for r in results)
    assert status.invoice_count is None
    assert status.successful_invoice_count is None
    assert all(s.total_invoice_count >= 0 for s in listed)


# --- helpers -----------------------------------------------------------------------------------


def _sandbox_accepted(sb: Sandbox) -> list[dict[str, str]]:
    return list(sb.accepted_state()["nips"].get(SELLER, {}).get("accepted", []))


@contextmanager
def _client(sb: Sandbox) -> Iterator[KsefClient]:
    with httpx.Client(timeout=httpx.Timeout(20.0)) as http:
        yield KsefClient(
            http, sandbox_environment(sb.base_url), SELLER, sb.tokens[SELLER], now=_now
        )
