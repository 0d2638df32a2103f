"""One program per data folder (issue 22, item 3): a second window on the same folder does
not start — the first comes to the front — and a command that needs the folder while the
window has it waits, then says who has it; claims are never taken over (two windows once
sent every invoice twice)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ksef_desktop.store.lock import FolderBusy
from ksef_desktop.ui.app import Shell
from ksef_desktop.ui.single_instance import REQUEST, ask_first_to_raise, post_raise_request
from tests.gui.helpers import wait_ready


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen has no stacking
def test_a_second_window_on_the_folder_brings_the_first_to_front(qtbot, make_shell) -> None:
    first = make_shell()
    wait_ready(qtbot, first)
    folder = first.ctx.data_dir
    with pytest.raises(FolderBusy) as busy:
        Shell(folder)
    assert busy.value.holder is not None
    assert busy.value.holder.kind == "window"
    raised: list[bool] = []
    first.instance.raise_requested.connect(lambda: raised.append(True))
    # What the second start does (ask_first_to_raise), with this test's event loop as the
    # first window's: leave the request, see it taken.
    request = post_raise_request(folder)
    assert request is not None
    assert request == folder / REQUEST
    qtbot.waitUntil(lambda: bool(raised), timeout=5_000)
    assert not request.exists()  # taken: the second start knows it was heard
    assert not ask_first_to_raise(folder.parent / "nobody", wait=0.2)  # nobody there
    # Another folder is another program's business.
    other = make_shell(data_dir=folder.parent / "elsewhere")
    assert other.instance.lock.held


def test_a_command_says_who_has_the_folder(qtbot, make_shell) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    folder = shell.ctx.data_dir
    result = subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--lang", "en", "--data-dir", str(folder),
         "invoices", "--base-url", shell.ctx.sandbox.base_url, "--nip", shell.ctx.nip],
        capture_output=True, text=True, timeout=60, env=dict(os.environ),
    )  # fmt: skip
    assert result.returncode == 4
    assert "in use by the KSeF Desktop window" in result.stderr
    assert f"process {os.getpid()}" in result.stderr
    assert "Traceback" not in result.stderr
    shell.close()
    again = subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--data-dir", str(folder), "invoices",
         "--env", "test", "--nip", "5265877635"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr


def test_the_window_program_ends_when_its_folder_is_taken(tmp_path: Path) -> None:
    """``ksef-desktop`` itself on a folder a command holds: it says so and ends (exit 4)."""
    from ksef_desktop.store.lock import FolderLock

    folder = tmp_path / "data"
    held = FolderLock(folder, "outbox")
    held.acquire()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ksef_desktop", "--lang", "en", "--data-dir", str(folder),
             "--exit-when-idle"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )  # fmt: skip
    finally:
        held.release()
    assert result.returncode == 4
    assert "the command “outbox”" in result.stderr
