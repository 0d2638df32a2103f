"""How long the GUI thread stalls while the worker is busy (goal: never more than 50 ms).

    .venv/bin/python benchmarks/gui_latency.py [--invoices 1000] [--tick-ms 5]

The GUI thread runs a ``QTimer`` every ``--tick-ms``; each tick records how late it came
(the stall). Phase "idle": the same timer with an idle worker (the baseline). Phase
"issue": the worker runs ``--invoices`` operations, each issuing one invoice into a fresh
store (FA(3) build, SHA-256, one SQLite transaction, the XML archived: CPU + disk), with
progress reported to the GUI thread after each. Phase "send": the worker sends all of
them to the built-in Sandbox (in-process, 127.0.0.1, limits off) through the real KSeF
client and ``services/submit.py``'s ``Submitter``, 100 per operation (the client picks
online or batch; encryption, HTTP, polling, UPO download, outbox updates).
Every result is delivered to the GUI thread by the worker's queued signals, as in the
app. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from benchmarks.gui_common import SELLER, demo_invoice, issue_one, new_series
from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.ksef import environments
from ksef_desktop.ksef.workflows import KsefClient
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services.submit import DrainReport, Submitter
from ksef_desktop.worker import JobContext
from ksef_desktop.worker.runner import Runner
from tests.unit.test_store_support import open_profiled, sample_profile


class Probe:
    """A repeating timer on the GUI thread that records how late each tick fires."""

    def __init__(self, tick_ms: int) -> None:
        self.tick = tick_ms / 1000
        self.stalls: list[float] = []
        self._last = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        self.stalls.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return list(self.stalls)

    def _on_tick(self) -> None:
        now = time.perf_counter()
        self.stalls.append(max(0.0, now - self._last - self.tick))
        self._last = now


def run_until(app: QApplication, done: Callable[[], bool], timeout: float = 1800) -> None:
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the worker did not finish")
        app.processEvents()
        time.sleep(0.0005)


def row(name: str, ops: int, seconds: float, stalls: list[float]) -> str:
    ms = sorted(s * 1000 for s in stalls)
    p99 = ms[int(len(ms) * 0.99) - 1] if ms else 0.0
    over = sum(1 for s in ms if s > 50)
    return (
        f"| {name} | {ops} | {seconds:.1f} s | {len(ms)} | {statistics.median(ms):.2f} ms | "
        f"{p99:.2f} ms | {max(ms):.2f} ms | {over} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--tick-ms", type=int, default=5)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    probe = Probe(args.tick_ms)
    runner = Runner()
    rows = []
    with tempfile.TemporaryDirectory(prefix="gui-latency-") as tmp:
        store = open_profiled(Path(tmp) / "data")
        sandbox = Sandbox(SandboxConfig(nips=(SELLER,), rate_limit_scale=None)).start()
        http = httpx.Client(timeout=60)
        try:
            # Baseline: the same timer, the worker idle.
            probe.start()
            t0 = time.perf_counter()
            run_until(app, lambda: time.perf_counter() - t0 > 3)
            rows.append(row("idle (baseline)", 0, 3.0, probe.stop()))

            # 1 000 operations of CPU + disk: issue one invoice each.
            now = datetime.now(UTC)
            today = warsaw_date(now)
            series = new_series(store, now)
            done: list[int] = []
            progress: list[int] = []

            def issue(i: int) -> Callable[[JobContext], int]:
                def op(ctx: JobContext) -> int:
                    ctx.check()
                    invoice = demo_invoice(today, f"{100 + i}.{i % 100:02d}")
                    draft = issue_one(store, series, invoice, lambda: datetime.now(UTC))
                    ctx.progress(i + 1, args.invoices)
                    return draft

                return op

            probe.start()
            t0 = time.perf_counter()
            for i in range(args.invoices):
                runner.submit(issue(i), done.append, on_progress=lambda p: progress.append(p.done))
            run_until(app, runner.is_idle)
            seconds = time.perf_counter() - t0
            rows.append(row("issue 1 invoice (CPU + disk)", args.invoices, seconds, probe.stop()))
            assert len(done) == args.invoices, "not every operation reported back"

            # Send them all to the Sandbox, 100 per operation.
            env = environments.sandbox(sandbox.base_url)
            client = KsefClient(
                http, env, SELLER, sandbox.tokens[SELLER], now=lambda: datetime.now(UTC)
            )
            submitter = Submitter(
                store.db,
                store.archive,
                lambda: nullcontext(client),
                profile=sample_profile(store),
                now=lambda: datetime.now(UTC),
                step=100,
            )
            reports: list[DrainReport] = []

            probe.start()
            t0 = time.perf_counter()
            for _ in range((args.invoices + 99) // 100):
                runner.submit(lambda ctx: submitter.drain(max_steps=1), reports.append)
            run_until(app, runner.is_idle)
            seconds = time.perf_counter() - t0
            sends = len(reports)
            rows.append(row("send 100 invoices to the Sandbox", sends, seconds, probe.stop()))
            accepted = sum(r.delivered for r in reports)
        finally:
            runner.stop()
            http.close()
            sandbox.stop()
            store.close()
    print(
        f"Python {platform.python_version()}, PySide6 {pyside_version}, "
        f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
        f"tick {args.tick_ms} ms; {accepted} of {args.invoices} accepted by the Sandbox"
    )
    print()
    print(
        "| phase | operations | wall time | ticks | median stall | p99 stall | worst stall"
        " | stalls > 50 ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
