"""One program per data folder (issue 22, item 3).

Two windows on one folder once sent every invoice twice (KSeF's duplicate check saved
them): each took over the other's live claims. The folder is now locked by whoever works
in it — the window for as long as it runs, a command that opens the store while it runs —
with an operating-system lock (``filelock``: ``flock`` on POSIX, ``msvcrt`` on Windows),
which the system drops when the process dies, so a crash never leaves the folder locked.

Beside the lock, ``ksef-desktop.lock.json`` says who holds it (the window or which
command, its process id, since when), for the message the second comer gets.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from ksef_desktop.i18n import _
from ksef_desktop.paths import ensure_private_dir, write_private_file
from ksef_desktop.store.db import StoreError

LOCK_NAME = "ksef-desktop.lock"
OWNER_NAME = "ksef-desktop.lock.json"


def process_owner() -> str:
    """This process, as claims and the lock name it: ``host/pid``."""
    return f"{socket.gethostname()}/{os.getpid()}"


def owner_alive(owner: str) -> bool:
    """Whether the process ``owner`` (``host/pid``) still runs; another host's is assumed
    to (it cannot be asked)."""
    host, _sep, pid_text = owner.rpartition("/")
    if host != socket.gethostname():
        return True
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Holder:
    """Who holds a data folder."""

    kind: str  # "window" or the name of a command
    pid: int
    since: datetime | None

    def describe(self) -> str:
        since = self.since.astimezone().strftime("%H:%M") if self.since else "?"
        if self.kind == "window":
            return _("the KSeF Desktop window (process {pid}, since {since})").format(
                pid=self.pid, since=since
            )
        return _("the command “{command}” (process {pid}, since {since})").format(
            command=self.kind, pid=self.pid, since=since
        )


class FolderBusy(StoreError):
    """Another program works in the data folder."""

    def __init__(self, folder: Path, holder: Holder | None) -> None:
        super().__init__(f"data folder {folder} is in use")
        self.folder = folder
        self.holder = holder

    def message(self) -> str:
        who = self.holder.describe() if self.holder else _("another KSeF Desktop program")
        return _(
            "The data folder {folder} is in use by {who}. One program works in a data folder "
            "at a time; close it (or wait for it to finish) and try again."
        ).format(folder=self.folder, who=who)


def read_holder(folder: Path) -> Holder | None:
    try:
        data = json.loads((folder / OWNER_NAME).read_text(encoding="utf-8"))
        since = data.get("since")
        return Holder(
            kind=str(data["kind"]),
            pid=int(data["pid"]),
            since=datetime.fromisoformat(since) if isinstance(since, str) else None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


class FolderLock:
    """The lock of a data folder; ``acquire`` or use as a context manager."""

    def __init__(self, folder: Path, kind: str) -> None:
        from filelock import FileLock  # on first use: the window's start does not need it

        ensure_private_dir(folder)
        self.folder = folder
        self.kind = kind
        self._lock = FileLock(str(folder / LOCK_NAME), mode=0o600)

    @property
    def held(self) -> bool:
        return bool(self._lock.is_locked)

    def acquire(self, timeout: float = 0.0) -> None:
        """Take the folder (waiting up to ``timeout`` seconds), or ``FolderBusy``."""
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=timeout)
        except Timeout:
            raise FolderBusy(self.folder, read_holder(self.folder)) from None
        record = {"kind": self.kind, "pid": os.getpid(), "since": datetime.now(UTC).isoformat()}
        write_private_file(self.folder / OWNER_NAME, json.dumps(record).encode("utf-8"))

    def release(self) -> None:
        if self.held:
            (self.folder / OWNER_NAME).unlink(missing_ok=True)
            self._lock.release(force=True)

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
