"""One program per data folder (issue 22, item 3): the folder's lock, and claims that
carry their owner so that a live sender's work is never taken over."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.lock import FolderBusy, FolderLock, owner_alive, read_holder
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox
from tests.unit.test_store_support import PID, Clock, make_store, sample_invoice

HOLD = """
import sys, time
from pathlib import Path
from ksef_desktop.store.lock import FolderLock
lock = FolderLock(Path(sys.argv[1]), "import")
lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_a_second_holder_is_told_who_has_the_folder(tmp_path: Path) -> None:
    first = FolderLock(tmp_path, "window")
    first.acquire()
    second = FolderLock(tmp_path, "outbox")
    with pytest.raises(FolderBusy) as busy:
        second.acquire(timeout=0.1)
    assert busy.value.holder is not None
    assert busy.value.holder.kind == "window"
    assert busy.value.holder.pid == os.getpid()
    assert "okno KSeF Desktop" in busy.value.message()
    first.release()
    assert read_holder(tmp_path) is None
    second.acquire()
    assert second.held
    second.release()


def test_the_lock_of_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(FolderBusy) as busy:
            FolderLock(tmp_path, "window").acquire(timeout=0.1)
        assert busy.value.holder is not None
        assert busy.value.holder.kind == "import"
        assert busy.value.holder.pid == child.pid
        assert "„import”" in busy.value.message()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()
    lock = FolderLock(tmp_path, "window")
    lock.acquire(timeout=1)  # the system dropped the dead process's lock
    lock.release()


def test_owner_alive_asks_the_system(tmp_path: Path) -> None:
    host = socket.gethostname()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert owner_alive(f"{host}/{sleeper.pid}")
        assert owner_alive(f"{host}/{os.getpid()}")
        assert owner_alive(f"another-host/{sleeper.pid}")  # cannot be asked: assumed alive
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not owner_alive(f"{host}/{sleeper.pid}")
    assert not owner_alive(f"{host}/not-a-pid")


def test_claims_of_a_live_sender_are_never_taken_over(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    clock = Clock()
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{n}", profile_id=PID, now=clock())
    for _ in range(2):
        with store.db.transaction() as conn:
            draft = create_draft(conn, sample_invoice(), profile_id=PID, now=clock())
        issue_invoice(store.db, store.archive, draft, profile_id=PID, now=clock,
                      series_id=series, mode=None, deadline=None)  # fmt: skip
    host = socket.gethostname()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = Outbox(store.db, store.archive, clock, profile_id=PID, owner=f"{host}/{sleeper.pid}")
        claimed = live.claim(limit=1)
        assert len(claimed) == 1
        me = Outbox(store.db, store.archive, clock, profile_id=PID)
        assert me.release_claims() == 0  # its owner still works on it
        assert [i.invoice_id for i in me.claim()] != [claimed[0].invoice_id]
    finally:
        sleeper.kill()
        sleeper.wait()
    time.sleep(0.05)
    assert me.release_claims() == 1  # the owner is gone: due again
    clock.advance(timedelta(seconds=1))
    assert [i.invoice_id for i in me.claim()] == [claimed[0].invoice_id]
    store.close()
