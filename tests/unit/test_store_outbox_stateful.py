"""Random sequences of outbox operations never break the invariants (hypothesis stateful).

Any operation either succeeds or raises one of the store's typed errors having changed
nothing; after every step each invoice's state agrees with its outbox row and its last
event, accepted invoices keep their KSeF number, and numbers stay 1..N.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ksef_desktop.services.issue import issue_invoice, start_technical_correction
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox
from tests.unit.test_store_support import PID, Clock, open_profiled, sample_invoice

OUTBOX_OF: dict[str, set[str | None]] = {
    "issued": {None},
    "queued": {"pending", "claimed"},
    "sent": {"sent"},
    "accepted": {"done"},
    "rejected": {"done"},
    "draft": {None},
}


def _snapshot(conn: sqlite3.Connection) -> tuple[object, ...]:
    return (
        conn.execute("SELECT * FROM invoices ORDER BY id").fetchall(),
        conn.execute("SELECT * FROM outbox ORDER BY invoice_id").fetchall(),
        conn.execute("SELECT count(*) FROM events").fetchone(),
    )


class OutboxMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="ksef-outbox-sm-"))
        self.store = open_profiled(self.folder)
        self.clock = Clock()
        with self.store.db.transaction() as conn:
            self.series = create_series(
                conn, "FV", "FV/{yyyy}/{mm}/{n}", now=self.clock(), profile_id=PID
            )
        self.outbox = Outbox(self.store.db, self.store.archive, self.clock, profile_id=PID)
        self.ids: list[int] = []
        self.accepted: dict[int, str] = {}

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store.db.connection()

    def _attempt(self, action: Callable[[], object]) -> None:
        before = _snapshot(self.conn)
        try:
            action()
        except StoreError:
            assert _snapshot(self.conn) == before, "a refused operation changed something"

    def _pick(self, index: int) -> int:
        return self.ids[index % len(self.ids)]

    @rule(hours=st.integers(min_value=1, max_value=72), send=st.sampled_from([True, True, False]))
    def issue(self, hours: int, send: bool) -> None:
        with self.store.db.transaction() as conn:
            draft = create_draft(conn, sample_invoice(), now=self.clock(), profile_id=PID)
        issue_invoice(
            self.store.db, self.store.archive, draft, now=self.clock, series_id=self.series,
            mode="offline24", deadline=self.clock() + timedelta(hours=hours), send=send,
         profile_id=PID,)  # fmt: skip
        self.ids.append(draft)

    @rule(limit=st.integers(min_value=1, max_value=3))
    def claim(self, limit: int) -> None:
        for item in self.outbox.claim(limit=limit):
            assert item.invoice_id not in self.accepted

    @precondition(lambda self: bool(self.ids))
    @rule(i=st.integers(0, 50))
    def send(self, i: int) -> None:
        self._attempt(
            lambda: self.outbox.mark_sent(self._pick(i), session_ref="S", invoice_ref="I")
        )

    @precondition(lambda self: bool(self.ids))
    @rule(i=st.integers(0, 50))
    def fail(self, i: int) -> None:
        self._attempt(lambda: self.outbox.mark_failed(self._pick(i), "timeout"))

    @precondition(lambda self: bool(self.ids))
    @rule(i=st.integers(0, 50))
    def requeue(self, i: int) -> None:
        self._attempt(lambda: self.outbox.requeue(self._pick(i), "session lost"))

    @precondition(lambda self: bool(self.ids))
    @rule(i=st.integers(0, 50), same=st.booleans())
    def accept(self, i: int, same: bool) -> None:
        invoice = self._pick(i)
        number = self.accepted.get(invoice) if same else None
        number = number or f"5265877635-20260302-{invoice:012X}-00"

        def run() -> None:
            if self.outbox.mark_accepted(invoice, number, upo=b"<UPO/>"):
                self.accepted[invoice] = number

        self._attempt(run)

    @precondition(lambda self: bool(self.ids))
    @rule(i=st.integers(0, 50))
    def reject(self, i: int) -> None:
        self._attempt(lambda: self.outbox.mark_rejected(self._pick(i), 450, "semantyka"))

    @precondition(lambda self: bool(self.ids))
    @rule(i=st.integers(0, 50))
    def duplicate(self, i: int) -> None:
        invoice = self._pick(i)
        number = f"5265877635-20260302-{invoice:012X}-00"

        def run() -> None:
            if self.outbox.adopt_duplicate(invoice, number):
                self.accepted[invoice] = number

        self._attempt(run)

    @precondition(lambda self: bool(self.ids))
    @rule(i=st.integers(0, 50))
    def correct(self, i: int) -> None:
        def run() -> None:
            draft = start_technical_correction(
                self.store.db, self._pick(i), now=self.clock, profile_id=PID
            )
            issue_invoice(
                self.store.db, self.store.archive, draft, now=self.clock, series_id=None,
                mode="offline24", deadline=self.clock() + timedelta(hours=5),
             profile_id=PID,)  # fmt: skip
            self.ids.append(draft)

        self._attempt(run)

    @rule(minutes=st.integers(min_value=1, max_value=120))
    def wait(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    @invariant()
    def states_agree(self) -> None:
        rows = self.conn.execute(
            "SELECT i.id, i.state, i.ksef_number, o.state, "
            "(SELECT to_state FROM events e WHERE e.invoice_id = i.id ORDER BY e.id DESC LIMIT 1) "
            "FROM invoices i LEFT JOIN outbox o ON o.invoice_id = i.id"
        ).fetchall()
        for invoice, state, ksef, ostate, last in rows:
            assert ostate in OUTBOX_OF[state], (invoice, state, ostate)
            assert last == state, (invoice, state, last)
            if invoice in self.accepted:
                assert state == "accepted"
                assert ksef == self.accepted[invoice]
        seqs = [r[0] for r in self.conn.execute("SELECT seq FROM invoices WHERE seq IS NOT NULL")]
        assert sorted(seqs) == list(range(1, len(seqs) + 1))


OutboxMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestOutboxMachine = OutboxMachine.TestCase
