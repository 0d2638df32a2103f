"""Quitting right after the window opened (what ``--exit-when-idle`` does, and a user
closing at once): what the worker was given stops cleanly, the Sandbox included."""

from __future__ import annotations

import threading

import pytest

from ksef_desktop.ui.context import AppContext
from ksef_desktop.ui.settings import DEMO_NIP
from ksef_desktop.worker.jobs import Cancelled


def _sandbox_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("sandbox")]


def test_a_cancelled_start_does_not_start_the_sandbox(tmp_path) -> None:
    ctx = AppContext.open(tmp_path)
    ctx.settings["nip"] = DEMO_NIP

    def closing() -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        ctx.ensure_sandbox_token(closing)
    assert ctx.sandbox is None
    assert not (tmp_path / "sandbox-state.json").exists()
    ctx.close()


def test_closing_at_the_first_idle_moment_stops_the_worker_and_the_sandbox(
    qtbot, make_shell, tmp_path
) -> None:
    data = tmp_path / "returning"
    first = make_shell(data_dir=data)  # first run: demo setup, Sandbox, token stored
    qtbot.waitUntil(
        lambda: first.controller.state.checked and first.runner.is_idle(), timeout=30_000
    )
    first.close()
    assert _sandbox_threads() == []
    for _ in range(3):  # the worker may be anywhere in the Sandbox's start
        shell = make_shell(data_dir=data, setup=False)
        shell.start()
        assert shell.window is not None
        assert not shell.runner.is_idle()  # the Sandbox's start was handed to the worker
        shell.app.processEvents()  # the first idle moment
        shell.close()
        assert not shell.runner.running
        assert shell.ctx.sandbox is None
        assert _sandbox_threads() == []
        assert [f.message for f in shell.errors if f.bug] == []
