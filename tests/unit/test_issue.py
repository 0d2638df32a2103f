"""Issuing: one transaction from draft to queued; frozen bytes; events; immutability."""

from __future__ import annotations

import atexit
import hashlib
import shutil
import sqlite3
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings

from ksef_desktop.domain.invoice import Invoice, PolishNip
from ksef_desktop.fa3.parse import parse
from ksef_desktop.services.issue import (
    IssueError,
    issue_invoice,
    queue_for_sending,
)
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import (
    NotADraft,
    create_draft,
    delete_draft,
    get_invoice,
    update_draft,
)
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.serialize import invoice_from_json
from ksef_desktop.store.states import IllegalTransition, InvoiceState, events_of, transition
from tests.strategies import invoices
from tests.unit.test_store_support import (
    PID,
    SELLER_NIP,
    Clock,
    make_store,
    open_profiled,
    sample_invoice,
)

WARSAW = ZoneInfo("Europe/Warsaw")


def _setup(tmp_path: Path) -> tuple[Store, Clock, int]:
    store = make_store(tmp_path)
    clock = Clock()
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=clock(), profile_id=PID)
    return store, clock, series


def test_issue_freezes_bytes_hash_mode_deadline_and_queues(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    clock = Clock()
    deadline = datetime(2026, 3, 3, 23, 59, 59, tzinfo=WARSAW)
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=clock(), profile_id=PID)
        draft = create_draft(conn, sample_invoice(), now=clock(), profile_id=PID)
    clock.advance(timedelta(minutes=5))
    issued = issue_invoice(
        store.db, store.archive, draft, now=clock, series_id=series, mode="offline24",
        deadline=deadline,
     profile_id=PID,)  # fmt: skip
    assert issued.state is InvoiceState.QUEUED
    assert issued.number == "FV/2026/03/1"
    assert issued.xml is not None
    digest = hashlib.sha256(issued.xml).digest()
    assert issued.sha256_hex == digest.hex()
    assert issued.sha256_b64 is not None
    assert len(issued.sha256_b64) == 44
    assert issued.mode == "offline24"
    assert issued.deadline == deadline
    assert issued.issued_at == clock()
    parsed = parse(issued.xml)
    assert parsed.number == "FV/2026/03/1"
    assert parsed.created_at == clock()
    assert issued.invoice == parsed
    archived = store.archive.path_of(store.archive.invoice_relpath(parsed.issue_date, digest.hex()))
    assert archived.read_bytes() == issued.xml
    conn = store.db.connection()
    outbox = conn.execute("SELECT state, attempts FROM outbox WHERE invoice_id = ?", (draft,))
    assert outbox.fetchone() == ("pending", 0)
    steps = [(e.from_state, e.to_state) for e in events_of(conn, draft, profile_id=PID)]
    assert steps == [
        (None, InvoiceState.DRAFT),
        (InvoiceState.DRAFT, InvoiceState.ISSUED),
        (InvoiceState.ISSUED, InvoiceState.QUEUED),
    ]
    store.close()


def test_issued_invoice_is_immutable(tmp_path: Path) -> None:
    store, clock, series = _setup(tmp_path)
    with store.db.transaction() as conn:
        draft = create_draft(conn, sample_invoice(), now=clock(), profile_id=PID)
    issue_invoice(
        store.db,
        store.archive,
        draft,
        now=clock,
        series_id=series,
        mode=None,
        deadline=None,
        profile_id=PID,
    )
    conn = store.db.connection()
    for sql, args in [
        ("UPDATE invoice_documents SET xml = ? WHERE invoice_id = ?", (b"<other/>", draft)),
        ("UPDATE invoices SET sha256_b64 = 'x' WHERE id = ?", (draft,)),
        ("UPDATE invoices SET number = 'FV/9' WHERE id = ?", (draft,)),
        ("UPDATE invoice_documents SET data_json = '{}' WHERE invoice_id = ?", (draft,)),
        ("DELETE FROM invoices WHERE id = ?", (draft,)),
        ("DELETE FROM invoice_documents WHERE invoice_id = ?", (draft,)),
    ]:
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute(sql, args)
    with store.db.transaction() as conn2, pytest.raises(NotADraft):
        update_draft(conn2, draft, sample_invoice(buyer="Inny"), now=clock(), profile_id=PID)
    with store.db.transaction() as conn2, pytest.raises(NotADraft):
        delete_draft(conn2, draft, profile_id=PID)
    # Columns that are not frozen still change (the state machine needs them).
    conn.execute("UPDATE invoices SET updated_at = 'x' WHERE id = ?", (draft,))
    assert get_invoice(conn, draft, profile_id=PID).number == "FV/2026/03/1"
    store.close()


def test_illegal_transitions_raise_and_change_nothing(tmp_path: Path) -> None:
    store, clock, series = _setup(tmp_path)
    with store.db.transaction() as conn:
        draft = create_draft(conn, sample_invoice(), now=clock(), profile_id=PID)
    for target in (InvoiceState.QUEUED, InvoiceState.SENT, InvoiceState.ACCEPTED):
        with store.db.transaction() as conn, pytest.raises(IllegalTransition) as info:
            transition(conn, draft, target, at=clock(), profile_id=PID)
        assert info.value.current is InvoiceState.DRAFT
        assert "szkic" in info.value.message()
    issue_invoice(
        store.db,
        store.archive,
        draft,
        now=clock,
        series_id=series,
        mode=None,
        deadline=None,
        profile_id=PID,
    )
    with pytest.raises(NotADraft):
        issue_invoice(
            store.db,
            store.archive,
            draft,
            now=clock,
            series_id=series,
            mode=None,
            deadline=None,
            profile_id=PID,
        )
    with pytest.raises(IllegalTransition):
        queue_for_sending(store.db, draft, now=clock, profile_id=PID)
    conn = store.db.connection()
    assert len(events_of(conn, draft, profile_id=PID)) == 3
    store.close()


def test_issue_without_sending_then_queue(tmp_path: Path) -> None:
    store, clock, series = _setup(tmp_path)
    with store.db.transaction() as conn:
        draft = create_draft(conn, sample_invoice(), now=clock(), profile_id=PID)
    issued = issue_invoice(
        store.db, store.archive, draft, now=clock, series_id=series,
        mode="awaria-calkowita", deadline=None, send=False,
     profile_id=PID,)  # fmt: skip
    assert issued.state is InvoiceState.ISSUED
    conn = store.db.connection()
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    queue_for_sending(store.db, draft, now=clock, profile_id=PID)
    assert get_invoice(conn, draft, profile_id=PID).state is InvoiceState.QUEUED
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1
    store.close()


@pytest.mark.parametrize(
    ("mode", "deadline", "series"),
    [
        ("offline48", None, True),
        ("offline24", datetime(2026, 3, 3, 23, 59), True),
        (None, datetime(2026, 3, 3, 23, 59, tzinfo=UTC), True),
        ("offline24", None, False),
        ("awaria-calkowita", datetime(2026, 3, 3, 23, 59, tzinfo=UTC), True),
    ],
)
def test_bad_issue_requests_are_refused(
    tmp_path: Path, mode: str | None, deadline: datetime | None, series: bool
) -> None:
    store, clock, series_id = _setup(tmp_path)
    with store.db.transaction() as conn:
        draft = create_draft(conn, sample_invoice(), now=clock(), profile_id=PID)
    with pytest.raises(IssueError) as info:
        issue_invoice(
            store.db, store.archive, draft, now=clock,
            series_id=series_id if series else None, mode=mode, deadline=deadline,
         profile_id=PID,)  # fmt: skip
    assert info.value.message()
    assert get_invoice(store.db.connection(), draft, profile_id=PID).state is InvoiceState.DRAFT
    store.close()


_shared: dict[str, Store] = {}
_series: list[int] = []


def _shared_store() -> tuple[Store, int]:
    """One store for all examples (hypothesis reruns the test body, not the fixtures)."""
    if "store" not in _shared:
        folder = tempfile.mkdtemp(prefix="ksef-issue-prop-")
        store = open_profiled(Path(folder))
        atexit.register(shutil.rmtree, folder, True)
        atexit.register(store.close)
        with store.db.transaction() as conn:
            _series.append(
                create_series(conn, "P", "P/{yyyy}/{mm}/{n}", now=Clock()(), profile_id=PID)
            )
        _shared["store"] = store
    return _shared["store"], _series[0]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(invoices())
def test_issued_xml_parses_back_to_the_draft(invoice: Invoice) -> None:
    store, series = _shared_store()
    # the profile's own seller (a profile issues for its NIP only)
    invoice = replace(invoice, seller=replace(invoice.seller, tax_id=PolishNip(SELLER_NIP)))
    clock = Clock(datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC))
    with store.db.transaction() as conn:
        draft = create_draft(conn, invoice, now=clock(), profile_id=PID)
        stored_draft = get_invoice(conn, draft, profile_id=PID)
    assert stored_draft.invoice == invoice
    issued = issue_invoice(
        store.db,
        store.archive,
        draft,
        now=clock,
        series_id=series,
        mode=None,
        deadline=None,
        profile_id=PID,
    )
    assert issued.xml is not None
    assert issued.number is not None
    expected = replace(invoice, number=issued.number, created_at=clock())
    assert parse(issued.xml) == expected
    row = (
        store.db.connection()
        .execute("SELECT data_json FROM invoice_documents WHERE invoice_id = ?", (draft,))
        .fetchone()
    )
    assert invoice_from_json(row[0]) == expected


def test_deadline_from_the_domain_rules_and_moved_by_an_announcement(tmp_path: Path) -> None:
    from ksef_desktop.domain.offline import OfflineMode, failure_deadline, offline24_deadline
    from ksef_desktop.services.issue import update_deadline
    from ksef_desktop.store.invoices import InvoiceClosed

    store, clock, series = _setup(tmp_path)
    invoice = sample_invoice()
    with store.db.transaction() as conn:
        draft = create_draft(conn, invoice, now=clock(), profile_id=PID)
        other = create_draft(conn, invoice, now=clock(), profile_id=PID)
    due = offline24_deadline(invoice.issue_date).due
    assert due is not None
    issued = issue_invoice(
        store.db, store.archive, draft, now=clock, series_id=series,
        mode=OfflineMode.OFFLINE24, deadline=due,
     profile_id=PID,)  # fmt: skip
    assert issued.mode == "offline24"
    assert issued.deadline == due
    # A failure announced while it is pending moves the deadline (DESIGN.md §3).
    later = failure_deadline(invoice.issue_date).due
    assert later is not None
    update_deadline(store.db, draft, later, reason="awaria ogłoszona", now=clock, profile_id=PID)
    stored = get_invoice(store.db.connection(), draft, profile_id=PID)
    assert stored.deadline == later
    assert stored.state is InvoiceState.QUEUED
    last = events_of(store.db.connection(), draft, profile_id=PID)[-1]
    assert (last.from_state, last.to_state) == (InvoiceState.QUEUED, InvoiceState.QUEUED)
    assert "awaria" in last.detail
    with pytest.raises(InvoiceClosed):
        update_deadline(store.db, other, later, reason="x", now=clock, profile_id=PID)
    store.close()


def test_fa3_validation_as_the_pre_flight_check(tmp_path: Path) -> None:
    from ksef_desktop.services.issue import fa3_check

    store, clock, series = _setup(tmp_path)
    invoice = sample_invoice()
    with store.db.transaction() as conn:
        draft = create_draft(conn, invoice, now=clock(), profile_id=PID)
    # Issued "today" is fine; the same invoice checked as of the day before is refused
    # (P_1 may not be later than the day KSeF receives it).
    day_before = invoice.issue_date - timedelta(days=1)
    with pytest.raises(IssueError) as info:
        issue_invoice(
            store.db, store.archive, draft, now=clock, series_id=series, mode=None,
            deadline=None, check=fa3_check(day_before),
         profile_id=PID,)  # fmt: skip
    assert info.value.defects
    assert get_invoice(store.db.connection(), draft, profile_id=PID).state is InvoiceState.DRAFT
    issued = issue_invoice(
        store.db, store.archive, draft, now=clock, series_id=series, mode=None,
        deadline=None, check=fa3_check(invoice.issue_date),
     profile_id=PID,)  # fmt: skip
    assert issued.number == "FV/2026/03/1"
    store.close()


def test_a_draft_that_cannot_be_built_is_refused_cleanly(tmp_path: Path) -> None:
    from ksef_desktop.domain.invoice import EuVatNumber

    store, clock, series = _setup(tmp_path)
    invoice = sample_invoice()
    foreign_seller = replace(invoice, seller=replace(invoice.seller, tax_id=EuVatNumber("DE", "1")))
    with store.db.transaction() as conn:
        draft = create_draft(conn, foreign_seller, now=clock(), profile_id=PID)
    with pytest.raises(IssueError) as info:
        issue_invoice(
            store.db,
            store.archive,
            draft,
            now=clock,
            series_id=series,
            mode=None,
            deadline=None,
            profile_id=PID,
        )
    assert info.value.message().startswith("Nie można wystawić faktury")
    assert get_invoice(store.db.connection(), draft, profile_id=PID).state is InvoiceState.DRAFT
    counters = store.db.connection().execute("SELECT count(*) FROM series_counters")
    assert counters.fetchone()[0] == 0
    store.close()
