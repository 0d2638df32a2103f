"""Benchmark: 1 000 offline invoices delivered to a sandbox enforcing production limits.

    .venv/bin/python -m benchmarks.client_offline_backlog [--count 1000] [--write]

Starts a sandbox on a free port with ``rate_limit_scale=1.0`` (the published production
limits), makes ``count`` distinct FA(3) invoices from an official sample, and lets the
client deliver them (``mode=auto``: a backlog above the online per-minute limit goes by
batch session), including every invoice UPO and the session UPO, all hash-checked.
Reports wall time against the goal (< 60 s) and against the lower bound of sending the
same backlog online under the same limits (invoiceSend 30/min). ``--write`` replaces the
``## Client`` section of docs/BENCHMARKS.md and leaves every other section as it is.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ksef_desktop.ksef.batch import build_archive, split
from ksef_desktop.ksef.crypto import SessionKey, sha256_b64
from ksef_desktop.ksef.environments import sandbox
from ksef_desktop.ksef.ratelimit import PRODUCTION_LIMITS
from ksef_desktop.ksef.workflows import KsefClient
from tests.integration.client_support import NIP, invoices

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "BENCHMARKS.md"
GOAL_SECONDS = 60.0


def run(count: int) -> dict[str, Any]:
    module: Any = importlib.import_module("ksef_desktop.sandbox")
    backlog = invoices(count, tag="BENCH", offline=True)
    requests: list[str] = []
    statuses: list[int] = []

    def on_response(response: httpx.Response) -> None:
        requests.append(f"{response.request.method} {response.request.url.path}")
        statuses.append(response.status_code)

    config = module.SandboxConfig(nips=(NIP,), port=0, rate_limit_scale=1.0)
    with (
        module.Sandbox(config) as sb,
        httpx.Client(timeout=30, event_hooks={"response": [on_response]}) as http,
    ):
        client = KsefClient(
            http, sandbox(sb.base_url), NIP, sb.tokens[NIP], now=lambda: datetime.now(UTC)
        )
        started = time.perf_counter()
        report = client.send_report(backlog)
        wall = time.perf_counter() - started
    accepted = sum(1 for r in report.results if r.accepted)
    # Baseline in the same run: the client's local work alone (ZIP, AES, SHA-256).
    local_started = time.perf_counter()
    archive = build_archive(backlog)
    key = SessionKey.generate()
    for part in split(archive):
        sha256_b64(key.encrypt(part))
    sha256_b64(archive)
    local = time.perf_counter() - local_started
    per_minute = PRODUCTION_LIMITS["invoiceSend"].per_minute
    online_bound = (count - 1) / per_minute * 60.0 if count > 1 else 0.0
    return {
        "count": count,
        "accepted": accepted,
        "wall": wall,
        "local": local,
        "online_bound": online_bound,
        "requests": len(requests),
        "api_requests": sum(1 for r in requests if " /v2/" in r),
        "rate_limited": sum(1 for s in statuses if s == 429),
        "sessions": [s.kind for s in report.sessions],
        "upo_pages": sum(len(s.upo_pages) for s in report.sessions),
    }


def section(result: dict[str, Any], command: str) -> str:
    ratio = result["online_bound"] / result["wall"] if result["wall"] else float("inf")
    verdict = (
        "met"
        if result["wall"] < GOAL_SECONDS and result["accepted"] == result["count"]
        else "NOT met"
    )
    return (
        "## Client\n\n"
        f"`{command}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}.\n\n"
        f"{result['count']} offline invoices delivered to a local sandbox enforcing the production "
        "rate limits (`rate_limit_scale=1.0`), each invoice UPO and the session UPO downloaded "
        "and hash-checked.\n\n"
        "| measure | value |\n|---|---|\n"
        f"| wall time | {result['wall']:.1f} s (goal < {GOAL_SECONDS:.0f} s: {verdict}) |\n"
        f"| accepted | {result['accepted']} / {result['count']} |\n"
        f"| sessions | {', '.join(result['sessions'])} |\n"
        f"| HTTP requests (API / all) | {result['api_requests']} / {result['requests']} |\n"
        f"| 429 answers | {result['rate_limited']} |\n"
        f"| baseline: local packaging only (ZIP + AES + SHA-256), same run | "
        f"{result['local'] * 1000:.0f} ms (wall time = {result['wall'] / result['local']:.0f}x) |\n"
        f"| lower bound online at 30 invoices/min | {result['online_bound']:.0f} s "
        f"({ratio:.0f}x the batch wall time) |\n"
    )


def write(text: str) -> None:
    current = REPORT.read_text(encoding="utf-8") if REPORT.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Client\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _m: text + "\n", current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    REPORT.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    result = run(args.count)
    command = ".venv/bin/python -m benchmarks.client_offline_backlog" + (
        f" --count {args.count}" if args.count != 1000 else ""
    )
    text = section(result, command)
    print(text)
    if args.write:
        write(text)


if __name__ == "__main__":
    main()
