"""Crash test (issue 22, item 2): at least 50 SIGKILLs that land mid-work, through the
window's own path — issue with an undo window, queue in the same transaction, drain —
against a Sandbox with production rate limits, online and in batch sessions.

The kills are counted by what the child reported before it died, not by time. At the end
every invoice is accepted exactly once by the Sandbox's own records, with the bytes frozen
at issue, its KSeF number and a UPO naming it, and the numbering has no gap
(tests/integration/crash_support.py). The full campaign, with more kills, is
``python -m benchmarks.crash_campaign`` (figures in docs/RELIABILITY.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.integration.crash_support import BATCH_EVERY, campaign
from tests.unit.test_store_support import SELLER_NIP

KILLS = 50
pytestmark = pytest.mark.slow


def test_sigkill_mid_work_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    config = SandboxConfig(nips=(SELLER_NIP,), port=0, rate_limit_scale=1.0)
    with Sandbox(config) as sb:
        result = campaign(tmp_path / "data", sb, kills=KILLS, seed=20261206, max_runs=90)
    assert result.landed >= KILLS, (result.landed, result.runs, result.problems)
    assert result.problems == []
    assert result.lost == 0
    assert result.accepted_twice == 0
    assert result.accepted_once == result.issued
    # The kills fell everywhere: while issuing, in the undo window, on the way to KSeF and
    # between KSeF's answer and its record (batch runs among them).
    stages = set(result.stages)
    assert "issued" in stages
    assert any(s.startswith("> POST") for s in stages)
    assert any(s.startswith("< ") for s in stages)
    assert result.runs // BATCH_EVERY >= 1
