"""The small tables: sessions and UPOs, contractors, settings (never secrets)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ksef_desktop.domain.invoice import Address, EuVatNumber, Party, PolishNip
from ksef_desktop.domain.offline import OfflineMode
from ksef_desktop.store.contractors import (
    UnknownContractor,
    delete_contractor,
    get_contractor,
    save_contractor,
    search_contractors,
)
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.sessions import (
    SessionRecord,
    get_session,
    invoices_of_session,
    list_sessions,
    record_session,
    upos,
)
from tests.unit.test_store_outbox import KSEF_NUMBER, UPO, World
from tests.unit.test_store_support import NIP, PID, add_profile


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.store.close()


def test_sessions_are_upserted_and_listed_newest_first(world: World) -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    conn = world.store.db.connection()
    for n in range(5):
        record_session(
            conn,
            SessionRecord(
                reference=f"20260302-SO-{n:010d}-00",
                environment="sandbox" if n % 2 else "test",
                kind="online",
                opened_at=t0 + timedelta(minutes=n),
                updated_at=t0 + timedelta(minutes=n),
                status_code=100,
                status_text="Sesja interaktywna otwarta",
            ),
            profile_id=PID,
        )
    closed = SessionRecord(
        reference="20260302-SO-0000000001-00",
        environment="sandbox",
        kind="online",
        opened_at=t0 + timedelta(minutes=1),
        updated_at=t0 + timedelta(hours=1),
        status_code=200,
        status_text="Sesja interaktywna przetworzona pomyślnie",
        closed_at=t0 + timedelta(minutes=30),
        invoice_count=3,
        success_count=2,
        failed_count=1,
    )
    record_session(conn, closed, profile_id=PID)
    assert get_session(conn, closed.reference, profile_id=PID) == closed
    assert get_session(conn, "nope", profile_id=PID) is None
    everything = list_sessions(conn, profile_id=PID)
    assert [s.reference for s in everything] == [
        f"20260302-SO-{n:010d}-00" for n in (4, 3, 2, 1, 0)
    ]
    assert len(everything) == 5
    other = add_profile(world.store, "test")
    assert list_sessions(conn, profile_id=other.id) == []
    page2 = list_sessions(conn, before=everything[1].opened_at, limit=2, profile_id=PID)
    assert page2 == everything[2:4]


def test_upos_per_invoice_and_per_session(world: World) -> None:
    invoice = world.issue()
    outbox = Outbox(world.store.db, world.store.archive, world.clock, profile_id=PID)
    outbox.claim()
    outbox.mark_sent(invoice, session_ref="S-9", invoice_ref="I-9")
    outbox.mark_accepted(invoice, KSEF_NUMBER, upo=UPO, session_ref="S-9")
    session_upo = b"<UPO>session S-9</UPO>"
    outbox.add_upo(session_upo, session_ref="S-9")
    conn = world.store.db.connection()
    assert invoices_of_session(conn, "S-9", profile_id=PID) == [invoice]
    [mine] = upos(conn, invoice_id=invoice, profile_id=PID)
    assert world.store.archive.read(conn, mine.relpath) == UPO
    by_session = upos(conn, session_ref="S-9", profile_id=PID)
    assert {world.store.archive.read(conn, u.relpath) for u in by_session} == {UPO, session_upo}
    with pytest.raises(ValueError, match="either"):
        upos(conn, profile_id=PID)


def test_contractors(world: World) -> None:
    conn = world.store.db.connection()
    now = world.clock()
    zabka = Party(PolishNip("1111111111"), "Żabka Polska", Address("PL", "ul. Krzywa 2"))
    berlin = Party(EuVatNumber("DE", "123456789"), "Berliner Bäckerei GmbH")
    first = save_contractor(conn, zabka, now=now, company_nip=NIP)
    second = save_contractor(conn, berlin, now=now, company_nip=NIP)
    assert get_contractor(conn, first, company_nip=NIP).party == zabka
    assert [c.id for c in search_contractors(conn, "ŻABKA", company_nip=NIP)] == [first]
    assert [c.id for c in search_contractors(conn, "de1234", company_nip=NIP)] == [second]
    assert [c.id for c in search_contractors(conn, "", company_nip=NIP)] == [second, first]
    renamed = Party(PolishNip("1111111111"), "Żabka Polska S.A.")
    save_contractor(conn, renamed, now=now, contractor_id=first, company_nip=NIP)
    assert get_contractor(conn, first, company_nip=NIP).party == renamed
    delete_contractor(conn, second, company_nip=NIP)
    with pytest.raises(UnknownContractor):
        get_contractor(conn, second, company_nip=NIP)
    with pytest.raises(UnknownContractor):
        save_contractor(conn, berlin, now=now, contractor_id=second, company_nip=NIP)


def test_settings_live_in_one_place_not_in_the_store(world: World) -> None:
    """settings.json holds the settings (ui/settings.py); the store's old, unused settings
    table is gone (schema step 5), so that nothing can be kept in two places."""
    conn = world.store.db.connection()
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "settings" not in tables


def test_schema_modes_are_the_domain_modes(world: World) -> None:
    conn = world.store.db.connection()
    for mode in OfflineMode:
        conn.execute("SAVEPOINT probe")
        conn.execute(
            "INSERT INTO invoices (kind, issue_date, buyer_name, buyer_search, gross_minor, "
            "currency, mode, created_at, updated_at, profile_id) VALUES ('VAT', '2026-01-01', "
            "'x', 'x', 0, 'PLN', ?, 'x', 'x', ?)",
            (mode.value, PID),
        )
        conn.execute("ROLLBACK TO probe")
        conn.execute("RELEASE probe")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO invoices (kind, issue_date, buyer_name, buyer_search, gross_minor, "
            "currency, mode, created_at, updated_at, profile_id) VALUES ('VAT', '2026-01-01', "
            "'x', 'x', 0, 'PLN', 'offline48', 'x', 'x', ?)",
            (PID,),
        )
