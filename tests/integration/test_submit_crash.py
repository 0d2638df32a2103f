"""Crash test: a child process sends invoices and is killed with SIGKILL at random moments.

Before each of 20 runs 200 more invoices are issued, so every kill lands while a backlog
is being sent (authenticating, in a session, waiting for verdicts, writing them); every
third run the sandbox also drops some answers after processing the request. Each child
picks up where the dead one left off. At the end every invoice is accepted exactly once:
the sandbox's own records prove there is no duplicate acceptance and nothing is lost,
and the store's KSeF numbers are the sandbox's.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ksef_desktop.sandbox import Sandbox
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.states import InvoiceState
from tests.integration.submit_support import SELLER, issue_many
from tests.unit.test_store_support import PID, open_profiled

ROOT = Path(__file__).resolve().parents[2]
PER_RUN = 200
RUNS = 20
pytestmark = pytest.mark.slow


def _start(data_dir: Path, sb: Sandbox) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KSEF_TOKEN": sb.tokens[SELLER], "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.submit_support", str(data_dir), sb.base_url],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _drop_next_responses(sb: Sandbox, count: int) -> None:
    root = sb.base_url.removesuffix("/v2")
    httpx.post(
        f"{root}/_sandbox/faults",
        json={"dropResponses": count, "dropMethod": "POST", "dropPathContains": "/invoices"},
        timeout=30,
    ).raise_for_status()


def test_sigkill_at_random_moments_loses_nothing_and_duplicates_nothing(
    sandbox_factory: object, tmp_path: Path
) -> None:
    sb: Sandbox = sandbox_factory(rate_limit_scale=None)  # type: ignore[operator]
    data_dir = tmp_path / "data"
    rng = random.Random(20261124)
    ids: list[int] = []
    kills = 0
    for run in range(RUNS):
        store = open_profiled(data_dir)
        ids += issue_many(store, PER_RUN, now=lambda: datetime.now(UTC), prefix=f"R{run}")
        store.db.close_all()
        if run % 3 == 1:
            _drop_next_responses(sb, rng.randint(1, 3))
        child = _start(data_dir, sb)
        time.sleep(rng.uniform(0.3, 2.0))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            kills += 1
            child.wait(timeout=30)
        else:
            # It finished its backlog before the kill: that is only fine if it succeeded.
            assert child.wait(timeout=30) == 0, f"run {run}: the child failed on its own"
    # On a busy machine a child sometimes finishes first; most runs must still be killed.
    assert kills >= RUNS // 2, f"only {kills} of {RUNS} children were killed mid-way"
    final = _start(data_dir, sb)
    assert final.wait(timeout=300) == 0

    store = open_profiled(data_dir)
    conn = store.db.connection()
    ours = {}
    for invoice_id in ids:
        stored = get_invoice(conn, invoice_id, profile_id=PID)
        assert stored.state is InvoiceState.ACCEPTED, (invoice_id, stored.state)
        assert stored.sha256_b64 is not None
        ours[stored.sha256_b64] = stored.ksef_number
    assert len(ours) == len(ids) == PER_RUN * RUNS
    assert len(set(ours.values())) == len(ids)
    accepted = sb.accepted_state()["nips"][SELLER]["accepted"]
    hashes = [entry["invoiceHash"] for entry in accepted]
    assert sorted(hashes) == sorted(ours), "each invoice accepted by KSeF exactly once"
    assert {e["invoiceHash"]: e["ksefNumber"] for e in accepted} == ours
