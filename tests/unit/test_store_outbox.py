"""The outbox: claim by deadline, leases, backoff, verdicts, duplicates, corrections."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ksef_desktop.services.issue import IssueError, issue_invoice, start_technical_correction
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import (
    Backoff,
    DuplicateMismatch,
    KsefNumberConflict,
    NotInOutbox,
    Outbox,
)
from ksef_desktop.store.states import IllegalTransition, InvoiceState, events_of
from tests.unit.test_store_support import PID, Clock, make_store, sample_invoice

KSEF_NUMBER = "5265877635-20260302-0100001AF629-AF"
OTHER_NUMBER = "5265877635-20260302-0100002BF629-1C"
UPO = b"<?xml version='1.0'?><Potwierdzenie>UPO</Potwierdzenie>"


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.store: Store = make_store(tmp_path)
        self.clock = Clock()
        with self.store.db.transaction() as conn:
            self.series = create_series(
                conn, "FV", "FV/{yyyy}/{mm}/{n}", now=self.clock(), profile_id=PID
            )
        self.outbox = Outbox(self.store.db, self.store.archive, self.clock, profile_id=PID)

    def issue(self, deadline: datetime | None = None, *, buyer: str = "Kupiec") -> int:
        with self.store.db.transaction() as conn:
            draft = create_draft(
                conn, sample_invoice(buyer=buyer), now=self.clock(), profile_id=PID
            )
        issue_invoice(
            self.store.db, self.store.archive, draft, now=self.clock, series_id=self.series,
            mode=None if deadline is None else "offline24", deadline=deadline,
         profile_id=PID,)  # fmt: skip
        return draft

    def state(self, invoice_id: int) -> InvoiceState:
        return get_invoice(self.store.db.connection(), invoice_id, profile_id=PID).state

    def count(self, sql: str) -> int:
        return int(self.store.db.connection().execute(sql).fetchone()[0])


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.store.close()


def _at(day: int) -> datetime:
    return datetime(2026, 3, day, 22, 59, 59, tzinfo=UTC)


def test_claim_takes_the_most_urgent_first_under_a_lease(world: World) -> None:
    late = world.issue(_at(9))
    online = world.issue(None)
    soon = world.issue(_at(3))
    items = world.outbox.claim(limit=2)
    assert [i.invoice_id for i in items] == [soon, late]
    assert items[0].xml == get_invoice(world.store.db.connection(), soon, profile_id=PID).xml
    assert items[0].hash_of_corrected is None
    # Leased: not handed out again until the lease runs out.
    assert [i.invoice_id for i in world.outbox.claim(limit=10)] == [online]
    assert world.outbox.claim() == []
    world.clock.advance(timedelta(minutes=6))
    assert [i.invoice_id for i in world.outbox.claim(limit=10)] == [soon, late, online]


def test_failed_attempts_back_off(world: World) -> None:
    invoice = world.issue(_at(3))
    backoff = Backoff()
    for attempt in range(1, 4):
        [item] = world.outbox.claim()
        assert item.attempts == attempt - 1
        due = world.outbox.mark_failed(invoice, f"timeout {attempt}")
        assert due == world.clock() + backoff.delay(attempt)
        assert world.outbox.claim() == []
        world.clock.moment = due
    [item] = world.outbox.claim()
    assert item.attempts == 3
    assert item.last_error == "timeout 3"
    assert backoff.delay(1) == timedelta(seconds=30)
    assert backoff.delay(2) == timedelta(seconds=60)
    assert backoff.delay(30) == backoff.cap
    assert world.state(invoice) is InvoiceState.QUEUED


def test_send_now_skips_the_pause_but_keeps_the_count(world: World) -> None:
    first, second, third = world.issue(_at(3)), world.issue(_at(4)), world.issue(_at(5))
    for item in world.outbox.claim(limit=3):
        world.outbox.mark_failed(item.invoice_id, "no answer")
    assert world.outbox.claim() == []
    assert world.outbox.retry_now([second]) == 1
    [item] = world.outbox.claim()
    assert (item.invoice_id, item.attempts, item.last_error) == (second, 1, "no answer")
    assert world.outbox.retry_now() == 2  # the claimed one is left alone
    assert [i.invoice_id for i in world.outbox.claim(limit=5)] == [first, third]
    assert world.outbox.retry_now() == 0  # nothing waits any more
    assert world.outbox.retry_now([]) == 0
    assert all(world.state(i) is InvoiceState.QUEUED for i in (first, second, third))


def test_sent_then_accepted_with_upo_and_accepting_again_is_a_no_op(world: World) -> None:
    invoice = world.issue(_at(3))
    [item] = world.outbox.claim()
    world.outbox.mark_sent(invoice, session_ref="S-1", invoice_ref="I-1")
    assert world.state(invoice) is InvoiceState.SENT
    assert [i.session_ref for i in world.outbox.awaiting_verdict()] == ["S-1"]
    assert world.outbox.claim() == []
    assert world.outbox.mark_accepted(invoice, KSEF_NUMBER, upo=UPO, session_ref="S-1")
    stored = get_invoice(world.store.db.connection(), invoice, profile_id=PID)
    assert stored.state is InvoiceState.ACCEPTED
    assert stored.ksef_number == KSEF_NUMBER
    assert stored.accepted_at == world.clock()
    events = len(events_of(world.store.db.connection(), invoice, profile_id=PID))
    assert world.count("SELECT count(*) FROM upos") == 1

    assert not world.outbox.mark_accepted(invoice, KSEF_NUMBER, upo=UPO, session_ref="S-1")
    assert not world.outbox.mark_accepted(invoice, KSEF_NUMBER)
    assert len(events_of(world.store.db.connection(), invoice, profile_id=PID)) == events
    assert world.count("SELECT count(*) FROM upos") == 1
    assert world.count("SELECT count(*) FROM outbox WHERE state <> 'done'") == 0
    with pytest.raises(KsefNumberConflict):
        world.outbox.mark_accepted(invoice, OTHER_NUMBER)
    with pytest.raises(IllegalTransition):
        world.outbox.mark_rejected(invoice, 450, "late verdict")
    world.clock.advance(timedelta(days=1))
    assert world.outbox.claim() == []
    assert world.outbox.pending() == []
    upo_path = world.store.db.connection().execute("SELECT relpath FROM upos").fetchone()[0]
    assert world.store.archive.read(world.store.db.connection(), upo_path) == UPO
    steps = [
        (e.from_state, e.to_state)
        for e in events_of(world.store.db.connection(), invoice, profile_id=PID)
    ]
    assert steps[-2:] == [
        (InvoiceState.QUEUED, InvoiceState.SENT),
        (InvoiceState.SENT, InvoiceState.ACCEPTED),
    ]
    assert (
        item.sha256_b64
        == get_invoice(world.store.db.connection(), invoice, profile_id=PID).sha256_b64
    )


def test_lost_session_requeues_the_same_bytes(world: World) -> None:
    invoice = world.issue(_at(3))
    [first] = world.outbox.claim()
    world.outbox.mark_sent(invoice, session_ref="S-1", invoice_ref="I-1")
    world.outbox.requeue(invoice, "session S-1 expired without a verdict")
    [again] = world.outbox.claim()
    assert again.xml == first.xml
    assert again.attempts == 1


def test_duplicate_is_adopted_when_the_hash_matches(world: World) -> None:
    invoice = world.issue(_at(3))
    [item] = world.outbox.claim()
    with pytest.raises(DuplicateMismatch) as info:
        world.outbox.adopt_duplicate(invoice, KSEF_NUMBER, original_hash_b64="A" * 43 + "=")
    assert "KSeF" in info.value.message()
    assert world.state(invoice) is InvoiceState.QUEUED
    assert world.outbox.adopt_duplicate(
        invoice, KSEF_NUMBER, original_hash_b64=item.sha256_b64, original_session_ref="S-0"
    )
    stored = get_invoice(world.store.db.connection(), invoice, profile_id=PID)
    assert stored.state is InvoiceState.ACCEPTED
    assert stored.ksef_number == KSEF_NUMBER
    assert "duplicate" in events_of(world.store.db.connection(), invoice, profile_id=PID)[-1].detail
    assert not world.outbox.adopt_duplicate(invoice, KSEF_NUMBER)


def test_rejection_and_technical_correction(world: World) -> None:
    original = world.issue(_at(3))
    world.outbox.claim()
    world.outbox.mark_sent(original, session_ref="S-1", invoice_ref="I-1")
    world.outbox.mark_rejected(original, 450, "Błąd weryfikacji semantyki dokumentu faktury")
    rejected = get_invoice(world.store.db.connection(), original, profile_id=PID)
    assert rejected.state is InvoiceState.REJECTED
    assert rejected.rejection_code == 450
    assert world.outbox.claim() == []

    correction = start_technical_correction(
        world.store.db, original, now=world.clock, profile_id=PID
    )
    with pytest.raises(IssueError):
        start_technical_correction(world.store.db, original, now=world.clock, profile_id=PID)
    issued = issue_invoice(
        world.store.db, world.store.archive, correction, now=world.clock, series_id=None,
        mode="offline24", deadline=_at(4),
     profile_id=PID,)  # fmt: skip
    assert issued.number == rejected.number
    assert issued.corrects_id == original
    [item] = world.outbox.claim()
    assert item.invoice_id == correction
    assert item.hash_of_corrected == rejected.sha256_b64
    # The series did not move: the next ordinary invoice gets number 2.
    assert (
        get_invoice(world.store.db.connection(), world.issue(), profile_id=PID).number
        == "FV/2026/03/2"
    )


def test_only_a_rejected_invoice_gets_a_technical_correction(world: World) -> None:
    invoice = world.issue(_at(3))
    with pytest.raises(IssueError) as info:
        start_technical_correction(world.store.db, invoice, now=world.clock, profile_id=PID)
    number = get_invoice(world.store.db.connection(), invoice, profile_id=PID).number
    assert f"{number} ma status „oczekuje na wysyłkę”" in info.value.message()  # not its id


def test_outbox_calls_on_invoices_not_in_it(world: World) -> None:
    with world.store.db.transaction() as conn:
        draft = create_draft(conn, sample_invoice(), now=world.clock(), profile_id=PID)
    with pytest.raises(NotInOutbox):
        world.outbox.mark_sent(draft, session_ref="S", invoice_ref="I")
    with pytest.raises(NotInOutbox):
        world.outbox.mark_failed(draft, "x")
    assert world.state(draft) is InvoiceState.DRAFT
