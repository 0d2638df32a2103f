"""The session history service (services/sessions_sync.py) against a real sandbox.

Paging through several continuation-token pages, reconciling a session's invoices with
the local store both ways, and the session UPO refused while open, archived once closed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ksef_desktop.ksef import api_sessions
from ksef_desktop.ksef.crypto import SessionKey
from ksef_desktop.ksef.models import FA3
from ksef_desktop.ksef.online import open_online, send_request
from ksef_desktop.ksef.sending import ONLINE as ONLINE_SENDING
from ksef_desktop.ksef.sending import InvoiceToSend, wait_until_processed
from ksef_desktop.sandbox import Sandbox
from ksef_desktop.services.sessions_sync import (
    ONLINE,
    SessionFilter,
    SessionNotClosed,
    fetch_session_upo,
    session_detail,
    sessions_page,
)
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.sessions import get_session, upos
from ksef_desktop.store.states import InvoiceState
from tests.integration.client_support import invoices, ksef_client
from tests.integration.submit_support import (
    SELLER,
    client_factory,
    issue_many,
    submitter,
)
from tests.unit.test_store_support import PID, open_profiled, sample_profile

SMALLEST_PAGE = 10  # the smallest pageSize GET /sessions allows


def _now() -> datetime:
    return datetime.now(UTC)


def test_history_pages_through_every_session_once_newest_first(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    store = open_profiled(tmp_path / "data")
    sender = submitter(store, sandbox.base_url, sandbox.tokens[SELLER], _now)
    sent: set[str] = set()
    for round_ in range(12):
        issue_many(store, 1, now=_now, prefix=f"R{round_}")
        report = sender.drain()
        assert len(report.accepted) == 1
        assert not sender.outbox.pending()
        sent.update(report.sessions)
    assert len(sent) == 12  # one online session per drain

    pages = []
    token: str | None = None
    with client_factory(sandbox.base_url, sandbox.tokens[SELLER])() as client:
        while True:
            page = sessions_page(
                client,
                store,
                SessionFilter(kind=ONLINE),
                token,
                profile=sample_profile(store),
                page_size=SMALLEST_PAGE,
            )
            pages.append(page)
            assert len(page.rows) <= SMALLEST_PAGE
            token = page.token
            if token is None:
                break
            assert len(pages) < 10, "the continuation tokens never end"
    assert len(pages) >= 2
    rows = [r for p in pages for r in p.rows]
    references = [r.reference for r in rows]
    assert len(references) == len(set(references)), "a session appeared on two pages"
    assert set(references) == sent
    opened = [r.opened_at for r in rows]
    assert opened == sorted(opened, reverse=True), "not newest first"
    conn = store.db.connection()
    for row in rows:
        assert row.kind == ONLINE
        assert row.total == 1
        assert row.succeeded == 1
        assert row.closed
        assert row.has_upo
        recorded = get_session(conn, row.reference, profile_id=PID)
        assert recorded is not None
        assert recorded.environment == "sandbox"
        assert recorded.kind == "online"
        assert recorded.status_code == row.status_code
        assert recorded.invoice_count == 1
        assert recorded.closed_at is not None


def test_reconciliation_and_session_upo_of_an_open_then_closed_session(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    store = open_profiled(tmp_path / "data")
    ours, lost = issue_many(store, 2, now=_now)
    conn = store.db.connection()
    our_xml = get_invoice(conn, ours, profile_id=PID).xml
    assert our_xml is not None
    (foreign,) = invoices(1, SELLER, tag="FOREIGN")
    with ksef_client(sandbox.base_url, sandbox.tokens[SELLER], SELLER) as (client, _):
        # A session KSeF knows and the store never recorded: one of our invoices and one
        # sent from elsewhere (another program, another computer).
        key = SessionKey.generate()
        reference = open_online(client.transport, client.certificates, key, FA3)
        for item in (InvoiceToSend("ours.xml", our_xml), foreign):
            api_sessions.sessions_online_send_invoice(
                client.transport, reference, send_request(key, item)
            )
        # Our records say ``lost`` went into this session too, but KSeF never got it
        # (the request was lost after we marked it sent).
        Outbox(store.db, store.archive, _now, profile_id=PID).mark_sent(
            lost, session_ref=reference, invoice_ref="never-arrived"
        )

        with pytest.raises(SessionNotClosed) as refused:
            fetch_session_upo(client, store, reference, _now, profile_id=PID)
        assert refused.value.reference == reference
        assert refused.value.message()
        assert not upos(conn, session_ref=reference, profile_id=PID)

        api_sessions.sessions_online_close(client.transport, reference)
        wait_until_processed(client.transport, reference, ONLINE_SENDING, client.poll)

        detail = session_detail(client, store, reference, profile_id=PID)
        assert detail.reference == reference
        assert not detail.session_upo_stored
        assert len(detail.lines) == 3
        by_local = {line.local_id: line for line in detail.lines}
        matched = by_local[ours]
        assert not matched.missing_locally
        assert not matched.missing_in_ksef
        assert matched.status_code == 200
        assert matched.ksef_number
        assert matched.local_state == InvoiceState.QUEUED.value
        missing_locally = by_local[None]
        assert missing_locally.missing_locally
        assert not missing_locally.missing_in_ksef
        assert missing_locally.ksef_number
        assert missing_locally.ksef_number != matched.ksef_number
        assert missing_locally.invoice_number.startswith("FOREIGN/")
        missing_in_ksef = by_local[lost]
        assert missing_in_ksef.missing_in_ksef
        assert not missing_in_ksef.missing_locally
        assert missing_in_ksef.status_code is None
        assert missing_in_ksef.ksef_number is None
        assert missing_in_ksef.invoice_number == get_invoice(conn, lost, profile_id=PID).number

        upo = fetch_session_upo(client, store, reference, _now, profile_id=PID)
        assert reference.encode() in upo
        assert matched.ksef_number.encode() in upo
        stored = upos(conn, session_ref=reference, profile_id=PID)
        assert stored
        assert all(store.archive.read(conn, u.relpath) in upo for u in stored)
        # Fetched again: the archive keeps one copy of each page.
        fetch_session_upo(client, store, reference, _now, profile_id=PID)
        assert len(upos(conn, session_ref=reference, profile_id=PID)) == len(stored)
        assert session_detail(client, store, reference, profile_id=PID).session_upo_stored
