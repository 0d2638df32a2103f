"""Small helpers shared by the GUI tests."""

from __future__ import annotations

from ksef_desktop.ui.app import Shell


def wait_ready(qtbot, shell: Shell, timeout: int = 30_000) -> None:
    """Until KSeF's state is known and the worker has nothing left to do."""
    controller = shell.controller
    assert controller is not None
    qtbot.waitUntil(lambda: controller.state.checked and shell.runner.is_idle(), timeout=timeout)
