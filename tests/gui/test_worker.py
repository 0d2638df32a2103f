"""The background worker's plumbing: order, threads, errors, progress, cancellation."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QTimer

from ksef_desktop.ksef.errors import KsefUnavailable
from ksef_desktop.worker import Failure, JobContext, Progress
from ksef_desktop.worker.runner import Runner


def test_operations_run_in_order_off_the_gui_thread(qtbot, runner: Runner) -> None:
    gui = threading.get_ident()
    seen: list[tuple[int, int]] = []
    threads: set[int] = set()

    def op(n: int):
        def run(ctx: JobContext) -> int:
            threads.add(threading.get_ident())
            time.sleep(0.001 * (5 - n % 5))  # later jobs are quicker: order must still hold
            return n * n

        return run

    def record(n: int):
        return lambda r: seen.append((n, r))

    for n in range(20):
        runner.submit(op(n), record(n))
    assert runner.pending == 20
    qtbot.waitUntil(runner.is_idle, timeout=5000)
    assert seen == [(n, n * n) for n in range(20)]
    assert gui not in threads
    assert len(threads) == 1


def test_callbacks_run_on_the_gui_thread(qtbot, runner: Runner) -> None:
    where: list[int] = []
    runner.submit(lambda ctx: 1, lambda r: where.append(threading.get_ident()))
    runner.submit(lambda ctx: 1 / 0, on_error=lambda f: where.append(threading.get_ident()))
    qtbot.waitUntil(lambda: len(where) == 2, timeout=5000)
    assert where == [threading.get_ident()] * 2


def test_errors_become_user_messages(qtbot, runner: Runner) -> None:
    failures: list[Failure] = []

    def unavailable(ctx: JobContext) -> None:
        raise KsefUnavailable(503)

    def bug(ctx: JobContext) -> None:
        raise KeyError("oops")

    def disk(ctx: JobContext) -> None:
        raise FileNotFoundError(2, "No such file or directory", "/nowhere/x.xml")

    for op in (unavailable, bug, disk):
        runner.submit(
            op, on_success=lambda r: pytest.fail("no result expected"), on_error=failures.append
        )
    qtbot.waitUntil(lambda: len(failures) == 3, timeout=5000)
    ksef, ours, io = failures
    assert "KSeF" in ksef.message
    assert not ksef.bug
    assert "niedostępny" in ksef.message
    assert ours.bug
    assert "KeyError" in ours.message
    assert not io.bug
    assert "/nowhere/x.xml" in io.message


def test_progress_reaches_the_gui_and_the_last_report_is_never_dropped(qtbot, runner) -> None:
    reports: list[Progress] = []

    def op(ctx: JobContext) -> str:
        for i in range(1, 1001):
            ctx.progress(i, 1000, "step")
        return "done"

    results: list[str] = []
    runner.submit(op, results.append, on_progress=reports.append)
    qtbot.waitUntil(lambda: results == ["done"], timeout=5000)
    assert reports, "no progress arrived"
    assert reports[-1] == Progress(1000, 1000, "step")
    assert len(reports) < 1000, "progress was not throttled"


def test_a_running_operation_can_be_cancelled(qtbot, runner: Runner) -> None:
    started = threading.Event()
    failures: list[Failure] = []
    steps: list[int] = []

    def slow(ctx: JobContext) -> None:
        started.set()
        for i in range(1000):
            ctx.check()
            steps.append(i)
            time.sleep(0.01)

    job = runner.submit(slow, on_error=failures.append)
    qtbot.waitUntil(started.is_set, timeout=5000)
    job.cancel()
    qtbot.waitUntil(lambda: len(failures) == 1, timeout=5000)
    assert failures[0].cancelled
    assert len(steps) < 1000


def test_a_queued_operation_cancelled_before_it_starts_never_runs(qtbot, runner) -> None:
    gate = threading.Event()
    ran: list[str] = []
    failures: list[Failure] = []
    runner.submit(lambda ctx: gate.wait(5))
    second = runner.submit(lambda ctx: ran.append("second"), on_error=failures.append)
    second.cancel()
    gate.set()
    qtbot.waitUntil(runner.is_idle, timeout=5000)
    assert ran == []
    assert [f.cancelled for f in failures] == [True]


def test_the_gui_thread_keeps_running_while_the_worker_is_busy(qtbot, runner) -> None:
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    done: list[bool] = []
    runner.submit(lambda ctx: time.sleep(0.4), lambda r: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    timer.stop()
    assert len(ticks) >= 10, "the GUI thread was blocked while the worker slept"


def test_stop_ends_the_thread_and_refuses_new_work(qapp) -> None:
    r = Runner()
    assert r.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        r.submit(lambda ctx: None)


def test_results_arriving_after_stop_are_dropped(qtbot, qapp) -> None:
    r = Runner()
    called: list[object] = []
    gate = threading.Event()
    r.submit(lambda ctx: gate.wait(5), called.append, lambda f: called.append(f))
    gate.set()
    assert r.stop()
    qapp.processEvents()
    assert called == []
    assert r.is_idle()
