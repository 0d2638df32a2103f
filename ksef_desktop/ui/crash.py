"""An exception nobody caught: logged with its traceback, and shown in a dialog.

``CrashHandler.install()`` (the window program does it, ui/app.py) sets
``sys.excepthook`` (the main thread; PySide6 hands an exception raised in a slot or a Qt
virtual method to it) and ``threading.excepthook`` (any other thread). Either one logs
the traceback (ksef_desktop/logs.py: the file, secrets redacted) and shows
``CrashDialog`` in the GUI thread: what happened, where the log is, and "Copy details",
which puts the traceback and the version information on the clipboard for a bug report.
The program goes on running: the user decides whether to close it.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop import __version__
from ksef_desktop.i18n import _
from ksef_desktop.logs import redact

log = logging.getLogger("ksef_desktop.crash")


def version_info(log_path: Path) -> str:
    """What a bug report needs besides the traceback."""
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    return (
        f"KSeF Desktop {__version__}\n"
        f"Python {sys.version.split()[0]} ({platform.python_implementation()})\n"
        f"PySide6 {pyside_version}, Qt {qVersion()}\n"
        f"{platform.platform()}\n"
        f"Log: {log_path}"
    )


class CrashDialog(QDialog):
    """What went wrong, where the log is, and the details to copy."""

    def __init__(self, log_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("KSeF Desktop: program error"))
        self.log_path = log_path
        self.details = ""
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMinimumSize(560, 220)
        self.copy_button = QPushButton(_("&Copy details"))
        self.copy_button.clicked.connect(self.copy_details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    def add(self, summary: str, details: str) -> None:
        """Show one more error (the latest is named; every traceback is kept)."""
        self.summary.setText(
            _(
                "KSeF Desktop met an error it did not expect: {summary}\n\n"
                "What you were doing may not have finished; what was already saved is "
                "safe. The details are in the log: {path}"
            ).format(summary=summary, path=self.log_path)
        )
        self.details = f"{self.details}\n\n{details}" if self.details else details
        self.text.setPlainText(self.details)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)


class _Relay(QObject):
    """Carries an error to the GUI thread (it lives there; a signal from another thread
    is queued, one from the GUI thread is delivered at once)."""

    crashed = Signal(str, str)


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


class CrashHandler:
    """The two hooks and the one dialog they share."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.dialog: CrashDialog | None = None
        self.relay = _Relay()
        self.relay.crashed.connect(self._show)
        self._previous: tuple[ExceptHook, Callable[[threading.ExceptHookArgs], Any]] | None = None

    def install(self) -> CrashHandler:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self._report(exc_type, exc, tb, threading.current_thread().name)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        value = args.exc_value if args.exc_value is not None else args.exc_type()
        thread = args.thread.name if args.thread is not None else "?"
        self._report(args.exc_type, value, args.exc_traceback, thread)

    def _report(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        thread: str,
    ) -> None:
        log.critical("unhandled exception in thread %s", thread, exc_info=(exc_type, exc, tb))
        trace = "".join(traceback.format_exception(exc_type, exc, tb))
        details = redact(f"{version_info(self.log_path)}\nThread: {thread}\n\n{trace}")
        self.relay.crashed.emit(redact(f"{exc_type.__name__}: {exc}"), details)

    def _show(self, summary: str, details: str) -> None:
        if self.dialog is None:
            self.dialog = CrashDialog(self.log_path)
            self.dialog.finished.connect(self._closed)
        self.dialog.add(summary, details)
        self.dialog.show()

    def _closed(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
