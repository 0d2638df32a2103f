"""An exception nobody caught (issue 15, item 10): logged, shown, copyable.

pytest-qt normally catches exceptions raised in slots itself (and fails the test); these
tests turn that off (``qt_no_exception_capture``) so the exception reaches the program's
own ``sys.excepthook``, as it does for a user.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from ksef_desktop import __version__, logs
from ksef_desktop.ui.crash import CrashHandler
from tests.gui.helpers import wait_ready

CANARY = "eyJhbGciOiJub25lIn0.eyJjYW5hcnkiOiJjcmFzaCJ9.Q2FuYXJ5Q3Jhc2hTaWc"


class _Button(QObject):
    clicked = Signal()


@pytest.fixture
def crashes(qapp: QApplication, tmp_path: Path) -> Iterator[CrashHandler]:
    path = logs.setup(tmp_path)
    handler = CrashHandler(path).install()
    try:
        yield handler
    finally:
        handler.uninstall()
        if handler.dialog is not None:
            handler.dialog.close()
        logs.reset()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_and_shown_with_copy_details(
    qtbot, crashes: CrashHandler
) -> None:
    assert sys.excepthook == crashes.excepthook

    def slot() -> None:
        raise RuntimeError(f"the slot broke with Bearer {CANARY}")

    button = _Button()
    button.clicked.connect(slot)
    QTimer.singleShot(0, button.clicked.emit)  # from the event loop, as a click would
    qtbot.waitUntil(lambda: crashes.dialog is not None and crashes.dialog.isVisible())
    dialog = crashes.dialog
    assert dialog is not None
    assert "RuntimeError" in dialog.summary.text()
    assert str(crashes.log_path) in dialog.summary.text()

    QApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().text()
    assert "Traceback (most recent call last)" in copied
    assert "in slot" in copied
    assert "RuntimeError: the slot broke with Bearer [REDACTED]" in copied
    assert f"KSeF Desktop {__version__}" in copied
    assert "PySide6 " in copied
    assert CANARY not in copied

    text = crashes.log_path.read_text(encoding="utf-8")
    assert "CRITICAL ksef_desktop.crash [MainThread] unhandled exception" in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: the slot broke with Bearer [REDACTED]" in text
    assert CANARY not in text


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_another_thread_reaches_the_same_dialog(
    qtbot, crashes: CrashHandler
) -> None:
    def work() -> None:
        raise ValueError(f"the thread broke: password={CANARY}")

    thread = threading.Thread(target=work, name="canary-thread")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: crashes.dialog is not None and crashes.dialog.isVisible())
    assert crashes.dialog is not None
    assert "ValueError" in crashes.dialog.details
    assert "Thread: canary-thread" in crashes.dialog.details
    text = crashes.log_path.read_text(encoding="utf-8")
    assert "[canary-thread] unhandled exception in thread canary-thread" in text
    assert "ValueError: the thread broke: password=[JWT]" in text
    assert CANARY not in text + crashes.dialog.details


def test_about_names_the_log_file(qtbot, make_shell, tmp_path: Path) -> None:
    path = logs.setup(tmp_path / "logged")
    try:
        shell = make_shell()
        wait_ready(qtbot, shell)
        assert shell.window is not None
        assert f"Dziennik programu: {path}" in shell.window.about_text()
        # The version of ksef_desktop/__init__.py, the one every package is stamped with.
        assert shell.window.about_text().startswith(f"KSeF Desktop {__version__}: ")
    finally:
        logs.reset()
