"""Store failures speak (issue 22, item 6): a full disk, a damaged or truncated database
and a lock held by another program each give a clear sentence — in the worker, on the
command line — never a raw ``sqlite3`` traceback, and never half an invoice."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from ksef_desktop.errors import UserError, os_error_message
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store import open_store
from ksef_desktop.store.failures import (
    DatabaseCorrupt,
    DatabaseLocked,
    DiskFull,
    translate,
)
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.worker.errors import describe
from tests.unit.test_store_support import PID, Clock, make_store, sample_invoice

DB = "ksef-desktop.sqlite3"


def _filled(tmp_path: Path) -> Path:
    """A data folder with one issued invoice, closed (the WAL checkpointed into the file)."""
    store = make_store(tmp_path)
    clock = Clock()
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{n}", profile_id=PID, now=clock())
        draft = create_draft(conn, sample_invoice(), profile_id=PID, now=clock())
    issue_invoice(store.db, store.archive, draft, profile_id=PID, now=clock,
                  series_id=series, mode=None, deadline=None)  # fmt: skip
    folder = store.data_dir
    store.close()
    return folder


def test_a_full_disk_stops_an_issue_whole_and_says_so(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    clock = Clock()
    base = sample_invoice()
    # 150 lines: the frozen XML needs pages the file does not have yet
    big = replace(base, lines=tuple(replace(base.lines[0], name=f"Usługa {i}") for i in range(150)))
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{n}", profile_id=PID, now=clock())
        draft = create_draft(conn, big, profile_id=PID, now=clock())
    conn = store.db.connection()
    conn.execute("VACUUM")  # no free pages left inside the file
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    # SQLite's own limit on the file's size: the next pages it needs are refused, as by
    # a disk with no room left (SQLITE_FULL).
    conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(DiskFull) as full:
        issue_invoice(store.db, store.archive, draft, profile_id=PID, now=clock,
                      series_id=series, mode=None, deadline=None)  # fmt: skip
    assert "Dysk" in full.value.message()
    assert "nic nie zostało zapisane" in full.value.message()
    failure = describe(full.value)
    assert failure.message == full.value.message()
    assert not failure.bug
    conn.execute("PRAGMA max_page_count = 1073741823")
    stored = get_invoice(conn, draft, profile_id=PID)
    assert stored.state is InvoiceState.DRAFT  # nothing half-issued
    assert stored.number is None
    assert conn.execute("SELECT count(*) FROM series_counters").fetchone()[0] == 0
    store.close()


def test_a_damaged_database_is_named_with_the_way_out(tmp_path: Path) -> None:
    folder = _filled(tmp_path)
    (folder / DB).write_bytes(b"not a database at all " * 200)
    with pytest.raises(DatabaseCorrupt) as damaged:
        open_store(folder)
    text = damaged.value.message()
    assert "uszkodzona" in text
    assert "backup restore" in text
    assert isinstance(damaged.value, UserError)


def test_a_truncated_database_is_damaged_too(tmp_path: Path) -> None:
    folder = _filled(tmp_path)
    data = (folder / DB).read_bytes()
    (folder / DB).write_bytes(data[: len(data) // 2])
    with pytest.raises(DatabaseCorrupt):
        _read_everything(folder)


def _read_everything(folder: Path) -> None:
    store = open_store(folder)
    try:  # the header may survive: the damage shows when the pages are read
        store.db.connection().execute("SELECT count(*) FROM invoice_documents").fetchall()
        store.db.connection().execute("PRAGMA integrity_check").fetchall()
    finally:
        store.close()


def test_a_lock_held_elsewhere_is_named_not_waited_for_ever(tmp_path: Path) -> None:
    folder = _filled(tmp_path)
    other = sqlite3.connect(folder / DB, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        store = open_store(folder)
        conn = store.db.connection()
        conn.execute("PRAGMA busy_timeout = 100")  # this test need not wait 10 s
        with pytest.raises(DatabaseLocked) as locked, store.db.transaction() as tx:
            tx.execute("UPDATE profiles SET company_name = 'x'")
        assert "zablokowana" in locked.value.message()
        store.close()
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_our_own_bugs_are_not_dressed_as_failures() -> None:
    assert translate(sqlite3.IntegrityError("UNIQUE constraint failed")) is None
    assert translate(sqlite3.OperationalError("no such table: nothing")) is None


def test_a_full_disk_under_a_file_says_so_too() -> None:
    text = os_error_message(OSError(errno.ENOSPC, "No space left on device", "/data/archive/x"))
    assert "Dysk jest pełny" in text
    assert "/data/archive/x" in text


def test_the_command_line_says_it_in_one_sentence(tmp_path: Path) -> None:
    folder = _filled(tmp_path)
    (folder / DB).write_bytes(b"\x00" * 4096)
    for command in (["invoices", "--env", "test", "--nip", "5265877635"], ["verify"]):
        result = subprocess.run(
            [sys.executable, "-m", "ksef_desktop", "--data-dir", str(folder), *command],
            capture_output=True, text=True, timeout=120, env=dict(os.environ),
        )  # fmt: skip
        assert result.returncode in (1, 2), (command, result.stderr)
        out = result.stdout + result.stderr
        assert "uszkodzona" in out, (command, out)
        assert "Traceback" not in out
        assert "DatabaseError" not in out
