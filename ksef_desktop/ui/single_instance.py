"""One window per data folder (issue 22, item 3).

The first window holds the folder's lock (``store.lock``) for as long as it runs. A
second start on the same folder cannot take it; it leaves a request file in the folder
and ends, and the first window — which looks for that file once a second (one ``stat``:
no file watcher, whose inotify instances are few per user, and no network module) —
comes to the front and removes it. The second start knows it was heard when the file is
gone.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from ksef_desktop.store.lock import FolderBusy, FolderLock

REQUEST = "ksef-desktop.raise"
#: How long a second start waits for the first window to answer.
ANSWER_S = 3.0
#: How often the first window looks for a request.
LOOK_MS = 1000


class SingleInstance(QObject):
    """The window's hold on its data folder; ``raise_requested`` when another start came."""

    raise_requested = Signal()

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.request = folder / REQUEST
        self.lock = FolderLock(folder, "window")
        self.timer = QTimer(self)
        self.timer.setInterval(LOOK_MS)
        self.timer.timeout.connect(self._look)

    def claim(self) -> None:
        """Take the folder (``FolderBusy`` when another program has it) and listen."""
        self.lock.acquire(timeout=0)
        self.request.unlink(missing_ok=True)  # a request nobody answered before
        self.timer.start()

    def _look(self) -> None:
        if self.request.exists():
            self.request.unlink(missing_ok=True)
            self.raise_requested.emit()

    def release(self) -> None:
        self.timer.stop()
        self.lock.release()


def post_raise_request(folder: Path) -> Path | None:
    """Leave the request for the window holding ``folder``; its path (None: not writable)."""
    request = folder / REQUEST
    try:
        fd = os.open(request, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
    except OSError:
        return None
    return request


def ask_first_to_raise(folder: Path, wait: float = ANSWER_S) -> bool:
    """Ask the window that holds ``folder`` to come to the front; True when it answered
    (it removed the request) within ``wait`` seconds."""
    request = post_raise_request(folder)
    if request is None:
        return False
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not request.exists():
            return True
        time.sleep(0.05)
    request.unlink(missing_ok=True)
    return False


__all__ = ["FolderBusy", "SingleInstance", "ask_first_to_raise", "post_raise_request"]
