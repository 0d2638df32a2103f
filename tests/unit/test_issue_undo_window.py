"""An invoice issued in the editor is queued at once, with its undo window as a "not before"
moment (issue 22, item 1): a crash in the window never leaves it unsent, an undo takes it
out of the queue, and every start queues what is issued but not queued."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ksef_desktop.services.issue import (
    issue_invoice,
    requeue_stranded,
    send_when_due,
    withdraw_from_queue,
)
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox, TooLateToUndo
from ksef_desktop.store.states import InvoiceState, events_of
from tests.unit.test_store_support import PID, Clock, add_profile, make_store, sample_invoice

UNDO = timedelta(seconds=5)


def _issued(tmp_path: Path, profile_id: int = PID):
    store = make_store(tmp_path)
    clock = Clock()
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{n}", profile_id=profile_id, now=clock())
        draft = create_draft(conn, sample_invoice(), profile_id=profile_id, now=clock())
    issued = issue_invoice(
        store.db, store.archive, draft, profile_id=profile_id, now=clock, series_id=series,
        mode=None, deadline=None, not_before=clock() + UNDO,
    )  # fmt: skip
    return store, clock, issued


def test_queued_at_issue_but_handed_out_only_after_the_undo_window(tmp_path: Path) -> None:
    store, clock, issued = _issued(tmp_path)
    assert issued.state is InvoiceState.QUEUED
    outbox = Outbox(store.db, store.archive, clock, profile_id=PID)
    assert outbox.claim() == []  # still in the undo window
    clock.advance(UNDO - timedelta(milliseconds=1))
    assert outbox.claim() == []
    clock.advance(timedelta(milliseconds=1))
    # The program may have died meanwhile: the next one finds it due, all the same.
    again = Outbox(store.db, store.archive, clock, profile_id=PID)
    assert [i.invoice_id for i in again.claim()] == [issued.id]


def test_send_now_skips_the_rest_of_the_window(tmp_path: Path) -> None:
    store, clock, issued = _issued(tmp_path)
    send_when_due(store.db, store.archive, issued.id, profile_id=PID, now=clock)
    outbox = Outbox(store.db, store.archive, clock, profile_id=PID)
    assert [i.invoice_id for i in outbox.claim()] == [issued.id]


def test_undo_takes_it_out_of_the_queue_until_the_next_start(tmp_path: Path) -> None:
    store, clock, issued = _issued(tmp_path)
    withdraw_from_queue(store.db, store.archive, issued.id, profile_id=PID, now=clock)
    conn = store.db.connection()
    assert get_invoice(conn, issued.id, profile_id=PID).state is InvoiceState.ISSUED
    outbox = Outbox(store.db, store.archive, clock, profile_id=PID)
    assert outbox.pending() == []
    assert events_of(conn, issued.id, profile_id=PID)[-1].detail == "sending undone"
    # an issued invoice must reach KSeF: the next start queues it again, due at once
    assert requeue_stranded(store.db, store.archive, now=clock) == 1
    assert [i.invoice_id for i in outbox.claim()] == [issued.id]
    assert requeue_stranded(store.db, store.archive, now=clock) == 0


def test_too_late_to_undo_once_a_sender_holds_it(tmp_path: Path) -> None:
    store, clock, issued = _issued(tmp_path)
    clock.advance(UNDO)
    outbox = Outbox(store.db, store.archive, clock, profile_id=PID)
    assert [i.invoice_id for i in outbox.claim()] == [issued.id]
    with pytest.raises(TooLateToUndo) as info:
        withdraw_from_queue(store.db, store.archive, issued.id, profile_id=PID, now=clock)
    assert "Za późno" in info.value.message()
    assert get_invoice(store.db.connection(), issued.id, profile_id=PID).state is (
        InvoiceState.QUEUED
    )


def test_another_profile_cannot_undo_or_send_it(tmp_path: Path) -> None:
    store, clock, issued = _issued(tmp_path)
    other = add_profile(store, "test")
    from ksef_desktop.store.states import UnknownInvoice

    with pytest.raises(UnknownInvoice):
        withdraw_from_queue(store.db, store.archive, issued.id, profile_id=other.id, now=clock)
    send_when_due(store.db, store.archive, issued.id, profile_id=other.id, now=clock)
    assert Outbox(store.db, store.archive, clock, profile_id=PID).claim() == []  # untouched


def test_the_start_queues_stranded_invoices_of_every_profile(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    clock = Clock()
    ids = {}
    for env in ("sandbox", "test"):
        profile = add_profile(store, env)
        with store.db.transaction() as conn:
            series = create_series(conn, "FV", "FV/{n}", profile_id=profile.id, now=clock())
            draft = create_draft(conn, sample_invoice(), profile_id=profile.id, now=clock())
        ids[profile.id] = issue_invoice(
            store.db, store.archive, draft, profile_id=profile.id, now=clock,
            series_id=series, mode=None, deadline=None, send=False,
        ).id  # fmt: skip
    assert requeue_stranded(store.db, store.archive, now=clock) == 2
    for profile_id, invoice_id in ids.items():
        outbox = Outbox(store.db, store.archive, clock, profile_id=profile_id)
        assert [i.invoice_id for i in outbox.claim()] == [invoice_id]
