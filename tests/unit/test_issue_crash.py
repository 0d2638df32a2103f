"""A SIGKILL at any moment leaves every invoice whole and resumable, numbers without gaps.

A child process issues invoices in a loop (and moves some through the outbox); the test
kills it with SIGKILL, sometimes at a random moment, sometimes while it is inside the
issuing transaction (number taken, XML built), and then checks the database: every
issued invoice has its XML, hash, number, events, outbox row and archived file; the
numbers of each series and period run 1..N; states and outbox rows agree. The next child
resumes: it issues the drafts the previous one left behind.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from ksef_desktop.paths import archive_dir, database_path
from ksef_desktop.store.archive import Archive
from ksef_desktop.store.numbering import format_number

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX"),
]

CHILD = r"""
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox
from tests.unit.test_store_support import PID, open_profiled, sample_invoice

store = open_profiled(Path(sys.argv[1]))
now = lambda: datetime.now(UTC)
conn = store.db.connection()
row = conn.execute("SELECT id FROM series WHERE name = 'FV'").fetchone()
if row is None:
    with store.db.transaction() as c:
        series = create_series(c, "FV", "FV/{yyyy}/{mm}/{n}", profile_id=PID, now=now())
else:
    series = row[0]
outbox = Outbox(store.db, store.archive, now, profile_id=PID)

def inside(xml):
    print("inside", flush=True)
    time.sleep(0.05)
    return []

def leftover():
    r = conn.execute("SELECT id FROM invoices WHERE state = 'draft' ORDER BY id").fetchone()
    return None if r is None else r[0]

print("ready", flush=True)
n = 0
while True:
    n += 1
    draft = leftover()
    if draft is None:
        with store.db.transaction() as c:
            draft = create_draft(c, sample_invoice(buyer=f"Kupiec {n}"), profile_id=PID, now=now())
    issue_invoice(store.db, store.archive, draft, profile_id=PID, now=now, series_id=series,
                  mode="offline24", deadline=now(), check=inside if n % 2 else None)
    print("issued", draft, flush=True)
    if n % 3 == 0:
        for item in outbox.claim(limit=2):
            outbox.mark_sent(item.invoice_id, session_ref=f"S-{n}", invoice_ref=f"I-{n}")
            if item.invoice_id % 2:
                number = f"5265877635-20260302-{item.invoice_id:012X}-00"
                outbox.mark_accepted(item.invoice_id, number,
                                     upo=b"<UPO>%d</UPO>" % item.invoice_id)
"""


def _check_integrity(folder: Path) -> tuple[int, int]:
    """Assert every invariant; return (issued count, draft count)."""
    conn = sqlite3.connect(database_path(folder))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        archive = Archive(archive_dir(folder))
        issued = conn.execute(
            "SELECT i.id, i.state, i.number, d.xml, i.sha256_hex, i.series_id, i.period, i.seq, "
            "i.issue_date, o.state FROM invoices i LEFT JOIN outbox o ON o.invoice_id = i.id "
            "JOIN invoice_documents d ON d.invoice_id = i.id "
            "WHERE i.state <> 'draft' ORDER BY i.id"
        ).fetchall()
        expected_outbox = {
            "queued": {"pending", "claimed"},
            "sent": {"sent"},
            "accepted": {"done"},
            "rejected": {"done"},
        }
        for inv, state, number, xml, hexd, series, period, seq, day, ostate in issued:
            assert xml is not None, inv
            assert hashlib.sha256(xml).hexdigest() == hexd, inv
            assert number == format_number("FV/{yyyy}/{mm}/{n}", _date(day), seq), inv
            assert series is not None
            assert period is not None
            assert ostate in expected_outbox[state], (inv, state, ostate)
            steps = conn.execute(
                "SELECT from_state, to_state FROM events WHERE invoice_id = ? ORDER BY id", (inv,)
            ).fetchall()
            assert steps[:3] == [(None, "draft"), ("draft", "issued"), ("issued", "queued")], inv
            assert steps[-1][1] == state, inv
            relpath = archive.invoice_relpath(_date(day), hexd)
            assert archive.path_of(relpath).read_bytes() == xml, inv
            if state == "accepted":
                ksef, upos = conn.execute(
                    "SELECT ksef_number, (SELECT count(*) FROM upos WHERE invoice_id = ?) "
                    "FROM invoices WHERE id = ?",
                    (inv, inv),
                ).fetchone()
                assert ksef is not None
                assert upos == 1
        by_period: dict[tuple[int, str], list[int]] = {}
        for _inv, _s, _n, _x, _h, series, period, seq, _d, _o in issued:
            by_period.setdefault((series, period), []).append(seq)
        for seqs in by_period.values():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), "a gap in the numbers"
        counters = dict(
            ((s, p), last)
            for s, p, last in conn.execute("SELECT series_id, period, last FROM series_counters")
        )
        assert counters == {key: len(seqs) for key, seqs in by_period.items()}
        drafts = conn.execute("SELECT count(*) FROM invoices WHERE state = 'draft'").fetchone()[0]
        return len(issued), int(drafts)
    finally:
        conn.close()


def _date(text: str) -> date:
    return date.fromisoformat(text)


def _run_and_kill(folder: Path, rng: random.Random, at_inside: bool) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.stdout is not None
    try:
        issued_here = 0
        wanted = rng.randint(2, 6)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            assert line, "the child died on its own"
            if line.startswith("issued"):
                issued_here += 1
            if issued_here >= wanted:
                if at_inside and line.startswith("inside"):
                    break  # kill while the issuing transaction is open
                if not at_inside:
                    time.sleep(rng.uniform(0, 0.03))
                    break
        else:
            raise AssertionError("the child made no progress")
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL


def test_sigkill_never_leaves_half_an_invoice(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    rng = random.Random(20260302)
    total = 0
    for round_ in range(8):
        at_inside = round_ % 2 == 0
        _run_and_kill(folder, rng, at_inside=at_inside)
        issued, drafts = _check_integrity(folder)
        assert issued > total, "every round issues at least one more invoice"
        assert drafts <= 1, "at most the draft being issued is left over"
        if at_inside:
            # Killed with the number taken and the XML built: all of it rolled back, the
            # draft is still a draft (the next child issues it) and the counter is intact.
            assert drafts == 1
        total = issued
    # Resuming after the last kill: a fresh child picks the leftover draft up first.
    conn = sqlite3.connect(database_path(folder))
    states = dict(conn.execute("SELECT state, count(*) FROM invoices GROUP BY state").fetchall())
    conn.close()
    assert states.get("accepted", 0) > 0
    assert states.get("queued", 0) + states.get("sent", 0) > 0
