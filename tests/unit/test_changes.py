"""Each service operation says what it changed (issue 21): worked through a real store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ksef_desktop.services.changes import EVERYTHING, ISSUED, Changed
from ksef_desktop.services.invoice_actions import mark_paid
from ksef_desktop.services.issue import queue_for_sending, send_when_due, withdraw_from_queue
from ksef_desktop.services.ledger import SendReport
from ksef_desktop.services.mail_outbox import MailReport
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.states import InvoiceState
from tests.integration.submit_support import issue_many
from tests.unit.test_store_support import PID, make_store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


def test_the_outbox_operations_report_what_they_moved(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    try:
        (invoice_id,) = issue_many(store, 1, now=clock)
        conn = store.db.connection()
        assert withdraw_from_queue(
            store.db, store.archive, invoice_id, profile_id=PID, now=clock
        ) == (Changed.INVOICES | Changed.OUTBOX)
        assert get_invoice(conn, invoice_id, profile_id=PID).state is InvoiceState.ISSUED
        # queued again from the list: to be sent at once
        assert queue_for_sending(store.db, invoice_id, profile_id=PID, now=clock) == ISSUED
        assert Changed.QUEUED in ISSUED
        assert get_invoice(conn, invoice_id, profile_id=PID).state is InvoiceState.QUEUED
        assert send_when_due(store.db, store.archive, invoice_id, profile_id=PID, now=clock) == (
            Changed.QUEUED | Changed.OUTBOX
        )
    finally:
        store.close()


def test_mark_paid_reports_a_payment_once(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    try:
        (invoice_id,) = issue_many(store, 1, now=clock)
        first = mark_paid(store, invoice_id, date(2026, 3, 2), profile_id=PID, now=NOW)
        assert first == Changed.PAYMENTS | Changed.INVOICES
        # nothing left to pay: nothing changed, and the view need not reload
        again = mark_paid(store, invoice_id, date(2026, 3, 3), profile_id=PID, now=NOW)
        assert again is Changed.NOTHING
        assert not again
    finally:
        store.close()


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        (SendReport(), Changed.OUTBOX),
        (SendReport(problem="KSeF unavailable"), Changed.OUTBOX),
        (SendReport(failed=2), Changed.OUTBOX | Changed.INVOICES),
        (SendReport(sent=1), Changed.OUTBOX | Changed.INVOICES | Changed.SESSIONS),
        (SendReport(rejected=("FV/1",)), Changed.OUTBOX | Changed.INVOICES | Changed.SESSIONS),
    ],
)
def test_a_send_always_moves_the_outbox(report: SendReport, expected: Changed) -> None:
    assert report.changed == expected
    assert Changed.QUEUED not in report.changed  # a send never asks for another send


def test_mail_reports_change_only_when_a_mail_moved() -> None:
    assert MailReport().changed is Changed.NOTHING
    assert MailReport(waiting=3).changed is Changed.NOTHING
    assert MailReport(sent=1).changed == Changed.MAIL
    assert MailReport(failed=1).changed == Changed.MAIL


def test_everything_is_every_kind() -> None:
    assert all(kind in EVERYTHING for kind in Changed)
