"""The crash campaign (issue 22, item 2): many SIGKILLs that land mid-work, then a check of
every invoice against the Sandbox's own records.

    .venv/bin/python -m benchmarks.crash_campaign [--kills 200] [--seed 1] [--write]

Runs ``tests/integration/crash_support.campaign`` — the window's own path (issue with an
undo window, queue in the same transaction, drain) in child processes killed after a
step chosen at random, against a Sandbox with production rate limits, online and in batch
sessions — and reports the kills that landed, where they landed, the invoices, and how
many were lost or accepted twice. ``--write`` replaces the ``## Crash campaign`` section
of docs/RELIABILITY.md (command, machine, date) and leaves the rest of the file as it is.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.integration.crash_support import Campaign, campaign
from tests.unit.test_store_support import SELLER_NIP

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "RELIABILITY.md"
HEADING = "## Crash campaign"


def run(kills: int, seed: int) -> tuple[Campaign, float]:
    with tempfile.TemporaryDirectory(prefix="ksef-crash-") as tmp:
        config = SandboxConfig(nips=(SELLER_NIP,), port=0, rate_limit_scale=1.0)
        with Sandbox(config) as sb:
            started = time.perf_counter()
            result = campaign(Path(tmp) / "data", sb, kills=kills, seed=seed,
                              max_runs=kills * 2)  # fmt: skip
            return result, time.perf_counter() - started


def section(result: Campaign, seconds: float, kills: int, seed: int) -> str:
    cpu = platform.processor() or platform.machine()
    where = sorted(result.stages.items(), key=lambda kv: (-kv[1], kv[0]))
    lines = [
        HEADING,
        "",
        f"`python -m benchmarks.crash_campaign --kills {kills} --seed {seed}` — "
        f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f} at the end.",
        "",
        "| what | figure |",
        "|---|---|",
        f"| child runs | {result.runs} |",
        f"| kills that landed mid-work (counted by the last step the child reported) "
        f"| {result.landed} |",
        f"| runs that finished before their kill | {result.finished_early} |",
        f"| invoices issued | {result.issued} |",
        f"| accepted exactly once, with the frozen bytes, KSeF number and UPO | "
        f"{result.accepted_once} |",
        f"| **lost** (never accepted) | **{result.lost}** |",
        f"| **accepted twice** | **{result.accepted_twice}** |",
        f"| answers 429 (production rate limits) met by the children | {result.refused} |",
        f"| other problems found by the check | {len(result.problems)} |",
        f"| wall time | {seconds:.0f} s |",
        "",
        "Where the landed kills fell (the last step reported before SIGKILL):",
        "",
        "| step | kills |",
        "|---|---|",
        *(f"| `{stage}` | {count} |" for stage, count in where),
        "",
    ]
    if result.problems:
        lines += ["Problems:", "", *(f"- {p}" for p in result.problems), ""]
    return "\n".join(lines)


def write(text: str) -> None:
    old = REPORT.read_text(encoding="utf-8") if REPORT.exists() else "# Reliability\n\n"
    pattern = re.compile(rf"{re.escape(HEADING)}\n.*?(?=\n## |\Z)", re.S)
    new = (
        pattern.sub(text.rstrip("\n"), old) if pattern.search(old) else old.rstrip() + "\n\n" + text
    )
    REPORT.write_text(new.rstrip() + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    result, seconds = run(args.kills, args.seed)
    text = section(result, seconds, args.kills, args.seed)
    print(text)
    if args.write:
        write(text)


if __name__ == "__main__":
    main()
