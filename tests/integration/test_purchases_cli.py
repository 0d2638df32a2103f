"""``purchases sync`` and ``purchases`` as real processes (issue 18): a sync killed half-way
loses nothing and stores nothing twice; the next one finishes; one more finds nothing."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.integration.client_support import SEEN_SECRETS
from tests.integration.purchases_support import (
    BUYER,
    NIPS,
    SUPPLIER_A,
    SUPPLIER_B,
    supplier_invoices,
)

LINE = re.compile(
    r"(?P<ksef>\d{10}-\d{8}-[0-9A-F]{12}-[0-9A-F]{2}) (?P<nip>\d{10}) (?P<number>\S+) "
    r"(?P<gross>-?\d+\.\d{2}) (?P<currency>[A-Z]{3}) (?P<due>\d{4}-\d{2}-\d{2}|-) "
    r"(?P<paid>yes|no|partly|-) (?P<category>fixed-assets|other) (?P<share>\d+(?:\.\d+)?%) "
    r"(?P<month>\d{4}-\d{2})"
)


@pytest.fixture(scope="module")
def sb() -> Iterator[tuple[Sandbox, list[str]]]:
    with Sandbox(SandboxConfig(nips=NIPS, port=0, rate_limit_scale=None)) as sandbox:
        SEEN_SECRETS.update(sandbox.tokens.values())
        sent = supplier_invoices(sandbox, SUPPLIER_A, [f"KA/{i}" for i in range(12)])
        sent += supplier_invoices(sandbox, SUPPLIER_B, [f"KB/{i}" for i in range(8)])
        yield sandbox, sent


def _argv(data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "ksef_desktop", "--lang", "en", "--data-dir", str(data), *args]


def _env(sandbox: Sandbox) -> dict[str, str]:
    return {**os.environ, "KSEF_TOKEN": sandbox.tokens[BUYER]}


def _count(data: Path) -> int:
    db = next(data.glob("*.sqlite3"), None)
    if db is None:
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return int(conn.execute("SELECT count(*) FROM purchases").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not migrated yet
    finally:
        conn.close()


def test_a_killed_sync_loses_nothing_and_duplicates_nothing(
    sb: tuple[Sandbox, list[str]], tmp_path: Path
) -> None:
    sandbox, sent = sb
    data = tmp_path / "data"
    target = ["--base-url", sandbox.base_url, "--nip", BUYER]
    sandbox.core.faults.latency_ms = 150  # each download takes a while: time to kill
    try:
        proc = subprocess.Popen(
            _argv(data, "purchases", "sync", *target, "--via", "query"),
            env=_env(sandbox),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while _count(data) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the sync ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        halfway = _count(data)
        assert 3 <= halfway < len(sent)
    finally:
        sandbox.core.faults.latency_ms = 0
    rest = subprocess.run(
        _argv(data, "purchases", "sync", *target),
        env=_env(sandbox), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert rest.returncode == 0, rest.stderr
    assert int(rest.stdout.splitlines()[0]) == len(sent) - halfway
    again = subprocess.run(
        _argv(data, "purchases", "sync", *target),
        env=_env(sandbox), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == "0"
    assert "0 new purchase invoices" in again.stderr

    listed = subprocess.run(
        _argv(data, "purchases", *target), capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == len(sent)
    matches = [LINE.fullmatch(line) for line in lines]
    assert all(matches), lines
    assert sorted(m["ksef"] for m in matches if m) == sorted(sent)
    assert {m["nip"] for m in matches if m} == {SUPPLIER_A, SUPPLIER_B}
    assert {m["paid"] for m in matches if m} == {"no"}
    assert {m["gross"] for m in matches if m} == {"2051.00"}  # sample 1's P_15
    # The VAT deduction: the defaults (other purchases, the whole tax, the month of receipt).
    assert {(m["category"], m["share"]) for m in matches if m} == {("other", "100%")}
    assert all(m["month"] == m["ksef"][11:15] + "-" + m["ksef"][15:17] for m in matches if m)


def test_sync_without_a_token_says_so(sb: tuple[Sandbox, list[str]], tmp_path: Path) -> None:
    sandbox, _sent = sb
    env = {k: v for k, v in os.environ.items() if k != "KSEF_TOKEN"}
    done = subprocess.run(
        _argv(tmp_path, "purchases", "sync", "--base-url", sandbox.base_url, "--nip", "1234563218"),
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip()
