"""The crash campaign (issue 22, item 2), shared by the test and benchmarks/crash_campaign.py.

Each run starts ``tests.integration.crash_child`` on one data folder against one Sandbox
with production rate limits, and kills it with SIGKILL right after the step the run chose
(a step is a line the child reports: an issued invoice, an HTTP request sent, an answer
received...). A kill *landed* when the child was killed before it reported ``done``;
the campaign counts the landed kills, not the runs. Most runs issue two invoices (sent
online); every ``BATCH_EVERY``-th issues more than KSeF's per-minute limit of online sends,
so the client sends that backlog in a batch session. A last child runs undisturbed.

Then everything is checked against the Sandbox's own records: every invoice issued is
accepted exactly once, with the very bytes frozen at issue; its KSeF number is the
Sandbox's; it has a UPO naming that number; and the numbers of the series have no gap.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ksef_desktop.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SMALL = 2
#: More than the production limit of online sends per minute (30): a batch session.
BACKLOG = 34
BATCH_EVERY = 8
UNDO_MS = 200


@dataclass
class Campaign:
    runs: int = 0
    landed: int = 0
    finished_early: int = 0
    stages: dict[str, int] = field(default_factory=dict)  # where the landed kills fell
    refused: int = 0  # answers 429 (rate limits) the children met
    seconds: list[float] = field(default_factory=list)  # each run's time
    issued: int = 0
    accepted_once: int = 0
    lost: int = 0
    accepted_twice: int = 0
    problems: list[str] = field(default_factory=list)


def _child(data_dir: Path, sb: Sandbox, issue: int) -> subprocess.Popen[str]:
    env = {**os.environ, "KSEF_TOKEN": next(iter(sb.tokens.values())), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.crash_child", str(data_dir), sb.base_url,
         str(issue), str(UNDO_MS)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip


def _stage(line: str) -> str:
    """A step's kind, for the tally: ``issued``, ``> POST /sessions/batch`` …"""
    line = re.sub(r"/[0-9]{8}-[A-Z]{2}-[0-9A-F-]+", "/{ref}", line.strip())
    return re.sub(r"/[0-9]{10}-[0-9]{8}-[0-9A-F-]+", "/{ksef}", line)


def run_once(data_dir: Path, sb: Sandbox, rng: random.Random, campaign: Campaign) -> None:
    """One child, killed after a step chosen at random (unless it finishes first)."""
    batch = campaign.runs % BATCH_EVERY == BATCH_EVERY - 1
    issue = BACKLOG if batch else SMALL
    # The steps an undisturbed run reports (measured: about 38 for two invoices sent
    # online, 165 for a backlog sent in a batch session): the kill falls anywhere in them.
    expected = 160 if batch else 36
    target = rng.randint(1, expected)
    child = _child(data_dir, sb, issue)
    campaign.runs += 1
    assert child.stdout is not None
    last = ""
    done = False
    started = time.monotonic()
    for seen, line in enumerate(child.stdout, start=1):
        last = line.strip()
        if last.startswith("< 429"):
            campaign.refused += 1
        if last == "done":
            done = True
            break
        if seen >= target:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=120)
    child.stdout.close()
    campaign.seconds.append(time.monotonic() - started)
    if done or child.returncode == 0:
        campaign.finished_early += 1
        if child.returncode not in (0, None):
            campaign.problems.append(f"run {campaign.runs}: exit {child.returncode}")
        return
    if child.returncode != -signal.SIGKILL:
        campaign.problems.append(f"run {campaign.runs}: the child ended with {child.returncode}")
        return
    campaign.landed += 1
    stage = _stage(last)
    campaign.stages[stage] = campaign.stages.get(stage, 0) + 1


def finish(data_dir: Path, sb: Sandbox, campaign: Campaign) -> None:
    """A last child, not killed, sends what is left."""
    child = _child(data_dir, sb, 0)
    timer = threading.Timer(600, child.kill)
    timer.start()
    try:
        assert child.stdout is not None
        lines = child.stdout.read().splitlines()
        child.wait()
    finally:
        timer.cancel()
        if child.stdout is not None:
            child.stdout.close()
    if child.returncode != 0 or not lines or lines[-1] != "done":
        campaign.problems.append(f"the last child ended with {child.returncode}: {lines[-3:]}")


def check(data_dir: Path, sb: Sandbox, campaign: Campaign) -> None:
    """Everything the store holds against the Sandbox's own records."""
    from ksef_desktop.store import open_store
    from ksef_desktop.store.profiles import find_profile
    from ksef_desktop.store.sessions import upos

    store = open_store(data_dir)
    try:
        conn = store.db.connection()
        profile = find_profile(conn, "sandbox", next(iter(sb.tokens)))
        assert profile is not None
        rows = conn.execute(
            "SELECT i.id, i.state, i.number, i.seq, i.sha256_b64, i.ksef_number, d.xml "
            "FROM invoices i JOIN invoice_documents d ON d.invoice_id = i.id "
            "WHERE i.profile_id = ? AND i.state <> 'draft' ORDER BY i.seq",
            (profile.id,),
        ).fetchall()
        campaign.issued = len(rows)
        seqs = [r[3] for r in rows]
        if seqs != list(range(1, len(rows) + 1)):
            campaign.problems.append(f"the numbering has gaps or repeats: {seqs[:5]}…{seqs[-5:]}")
        with sb.core.state.lock:
            received: dict[str, list[Any]] = {}
            for record in sb.core.state.invoices.values():
                if record.status_code == 200:
                    received.setdefault(record.invoice_hash, []).append(record)
        for invoice_id, state, number, _seq, digest, ksef, xml in rows:
            records = received.get(digest, [])
            if not records:
                campaign.lost += 1
                campaign.problems.append(f"{number} ({state}) never accepted by the Sandbox")
                continue
            if len(records) > 1:
                campaign.accepted_twice += 1
                campaign.problems.append(f"{number} accepted {len(records)} times")
                continue
            record = records[0]
            campaign.accepted_once += 1
            if state != "accepted" or ksef != record.ksef_number:
                campaign.problems.append(f"{number}: {state} {ksef} ≠ {record.ksef_number}")
            if bytes(xml) != record.content:
                campaign.problems.append(f"{number}: the Sandbox received other bytes")
            kept = upos(conn, profile_id=profile.id, invoice_id=invoice_id)
            if not kept or ksef.encode() not in store.archive.read(conn, kept[-1].relpath):
                campaign.problems.append(f"{number}: no UPO naming {ksef}")
        ours = {r[4] for r in rows}
        strangers = [h for h in received if h not in ours]
        if strangers:
            campaign.problems.append(f"the Sandbox accepted {len(strangers)} invoices we lack")
    finally:
        store.close()


def campaign(data_dir: Path, sb: Sandbox, *, kills: int, seed: int, max_runs: int) -> Campaign:
    """Kill children until ``kills`` kills landed (at most ``max_runs`` runs), finish,
    check."""
    rng = random.Random(seed)
    result = Campaign()
    while result.landed < kills and result.runs < max_runs:
        run_once(data_dir, sb, rng, result)
    finish(data_dir, sb, result)
    check(data_dir, sb, result)
    return result
