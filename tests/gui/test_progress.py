"""Long work shows a progress bar with Cancel in the status bar; Cancel stops it."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt

from ksef_desktop.ui.status_bar import KsefStatusBar
from ksef_desktop.worker import Failure, JobContext
from ksef_desktop.worker.runner import Runner


def test_the_progress_bar_appears_and_cancel_stops_the_job(qtbot, runner: Runner) -> None:
    bar = KsefStatusBar(runner)
    qtbot.addWidget(bar)
    bar.show()
    started = threading.Event()
    failures: list[Failure] = []

    def long_job(ctx: JobContext) -> None:
        started.set()
        for i in range(1000):
            ctx.check()
            ctx.progress(i, 1000, "Długa praca")
            time.sleep(0.01)

    runner.submit(long_job, on_error=failures.append)
    qtbot.waitUntil(lambda: bar.progress.isVisible(), timeout=5_000)
    assert bar.progress.text.text() == "Długa praca"
    assert bar.progress.bar.maximum() == 1000
    assert bar.progress.cancel.text() == "&Anuluj"
    qtbot.mouseClick(bar.progress.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(failures), timeout=5_000)
    assert failures[0].cancelled
    assert not bar.progress.isVisible()


def test_notifications_can_be_switched_off(qtbot, make_shell) -> None:
    shell = make_shell()
    window = shell.window
    assert window is not None
    window._alert("Faktura FV/1 po terminie", "tekst")
    assert window.notifier.shown == [("Faktura FV/1 po terminie", "tekst")]
    shell.ctx.settings["notifications"] = False
    window._alert("Faktura FV/2 po terminie", "tekst")
    assert len(window.notifier.shown) == 1
    assert window.status.currentMessage() == "Faktura FV/2 po terminie"
