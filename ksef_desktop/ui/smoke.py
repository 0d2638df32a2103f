"""``ksef-desktop --smoke-test``: the whole program once, offscreen, then exit.

It opens the main window on a fresh data directory with the built-in Sandbox (the demo
setup the first-run wizard offers), waits until the worker is idle and KSeF's state is
known, paints the window, and exits 0. Any Qt warning, any program error in the worker,
or a time-out makes it exit 1. This is also how a frozen executable is checked.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QtMsgType, qInstallMessageHandler

#: Qt messages that are about the machine, not about us.
IGNORED = (
    "QStandardPaths: XDG_RUNTIME_DIR not set",
    "This plugin does not support propagateSizeHints",
)
TIMEOUT_S = 60.0


class _BugCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run_smoke(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    problems: list[str] = []

    def on_message(kind: QtMsgType, _context: object, text: str) -> None:
        if kind == QtMsgType.QtDebugMsg or kind == QtMsgType.QtInfoMsg:
            return
        if not text.startswith(IGNORED):
            problems.append(f"Qt: {text}")

    previous = qInstallMessageHandler(on_message)
    catcher = _BugCatcher()
    logging.getLogger("ksef_desktop").addHandler(catcher)
    temp = None
    if args.data_dir is None:
        temp = tempfile.TemporaryDirectory(prefix="ksef-smoke-")
        data_dir = Path(temp.name)
    else:
        data_dir = args.data_dir
    try:
        from ksef_desktop.ui.app import Shell

        shell = Shell(data_dir, lang=args.lang)
        shell.apply_setup(shell.demo_setup())
        window = shell.open_main()
        controller = shell.controller
        assert controller is not None
        deadline = time.monotonic() + TIMEOUT_S
        while not (controller.state.checked and shell.runner.is_idle()):
            if time.monotonic() > deadline:
                problems.append("time-out: the worker did not become idle")
                break
            shell.app.processEvents()
            time.sleep(0.01)
        for i in range(window.tabs.count()):
            window.tabs.setCurrentIndex(i)
            window.grab()
        shell.app.processEvents()
        state = controller.state
        print(
            f"smoke: environment={shell.ctx.env_name} ksef={state.summary()} "
            f"mode={controller.decision.label} qt-catalog={shell.qt_catalog_loaded}"
        )
        problems.extend(f.message for f in shell.errors if f.bug)
        shell.close()
    finally:
        logging.getLogger("ksef_desktop").removeHandler(catcher)
        qInstallMessageHandler(previous)
        if temp is not None:
            temp.cleanup()
    problems.extend(f"error: {r.getMessage()}" for r in catcher.records)
    for p in problems:
        print(f"smoke: {p}", file=sys.stderr)
    return 1 if problems else 0
