"""Checks and tidying of the data folder when the store opens (``open_store``).

- ``refuse_orphaned_archive``: a missing or empty database beside an archive that holds
  files is refused, before anything writes a fresh schema into it: the numbering would
  start again and the archive would verify as "0 files checked" (issue 22, item 8).
- ``remove_leftovers``: temporary files of a write that was killed half-way
  (``.NAME.tmp-PID-TID`` of ``paths.write_private_file``, ``.settings-*.tmp`` of the
  settings, ``.restore-*-PID`` staging folders of ``backup restore``) are removed once
  their writer is gone (or after an hour, a write never takes that long).
- ``make_private``: folders the program writes into are 0700 and files 0600 on POSIX,
  also those an older version made 0755/0644 (the PDFs, the window settings).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from ksef_desktop.i18n import _
from ksef_desktop.paths import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    archive_dir,
    database_path,
    is_posix,
)
from ksef_desktop.store.db import StoreError

#: A write that is this old is dead whoever holds its process id now.
STALE_AFTER = 3600.0

PDF_DIR = "pdf"
SETTINGS_FILE = "settings.json"
WINDOW_FILE = "window.ini"
CERTIFICATE_PATTERN = re.compile(r"offline-certificate-[0-9A-Za-z]{1,64}\.der")

_WRITE_TEMP = re.compile(r"\..+\.tmp-(?P<pid>[0-9]+)-[0-9]+")
_SETTINGS_TEMP = re.compile(r"\.settings-.+\.tmp")
_RESTORE_STAGING = re.compile(r"\.restore-[0-9]{8}T[0-9]{6}-(?P<pid>[0-9]+)")
_KEPT = re.compile(r"\.before-restore-.*")


class ArchiveWithoutDatabase(StoreError):
    """The archive holds files but the database beside it is missing or empty."""

    def __init__(self, folder: Path, files: int) -> None:
        super().__init__(f"{folder}: the archive holds files but the database is empty")
        self.folder = folder
        self.files = files

    def message(self) -> str:
        return _(
            "The database in {folder} is missing or empty, but its archive holds sent "
            "invoices and UPOs: the database was replaced or lost. Nothing was changed. "
            "Restore a backup (ksef-desktop backup restore FILE.zip), or put the database "
            "back."
        ).format(folder=self.folder)


def _database_is_new(path: Path) -> bool:
    """True when ``path`` is missing, empty, or a database without a schema yet."""
    try:
        if path.stat().st_size == 0:
            return True
    except FileNotFoundError:
        return True
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False  # not ours to judge here: opening it reports the damage
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return bool(version == 0 and tables == 0)


def _archived_files(folder: Path) -> Iterator[Path]:
    root = archive_dir(folder)
    if not root.is_dir():
        return
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if not name.startswith("."):
                yield Path(dirpath, name)


def refuse_orphaned_archive(folder: Path) -> None:
    """Raise ``ArchiveWithoutDatabase`` when a new database would sit beside an archive."""
    if not _database_is_new(database_path(folder)):
        return
    found = sum(1 for _ in _archived_files(folder))
    if found:
        raise ArchiveWithoutDatabase(folder, found)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if not is_posix():
        return True  # cannot tell cheaply: the age decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # e.g. EPERM: it exists, it is someone else's
    return True


def _stale(path: Path, pid: int | None, now: float) -> bool:
    try:
        age = now - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    return age > STALE_AFTER or (pid is not None and not _alive(pid))


def remove_leftovers(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove the temporary files and folders of killed writes; return what went."""
    moment = time.time() if now is None else now
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for dirpath, dirs, files in os.walk(folder):
        here = Path(dirpath)
        for name in list(dirs):
            staging = _RESTORE_STAGING.fullmatch(name) if here == folder else None
            if staging and _stale(here / name, int(staging.group("pid")), moment):
                shutil.rmtree(here / name, ignore_errors=True)
                removed.append(here / name)
            if staging or _KEPT.fullmatch(name):
                dirs.remove(name)  # a restore's own folders: never walked into
        for name in files:
            write = _WRITE_TEMP.fullmatch(name)
            pid = int(write.group("pid")) if write else None
            if write or _SETTINGS_TEMP.fullmatch(name):
                path = here / name
                if _stale(path, pid, moment):
                    path.unlink(missing_ok=True)
                    removed.append(path)
    return removed


def _chmod(path: Path, mode: int) -> None:
    try:
        info = path.lstat()
        if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) != mode:
            path.chmod(mode)
    except OSError:
        pass  # not ours (another owner) or gone: leave it


def make_private(folder: Path) -> None:
    """0700 for the PDF folder, 0600 for the PDFs, the settings, the window settings and
    the certificates kept in ``folder`` (POSIX; elsewhere the user's profile protects)."""
    if not is_posix() or not folder.is_dir():
        return
    pdfs = folder / PDF_DIR
    if pdfs.is_dir():
        _chmod(pdfs, PRIVATE_DIR_MODE)
        for path in pdfs.iterdir():
            if path.is_file():
                _chmod(path, PRIVATE_FILE_MODE)
    for name in (SETTINGS_FILE, WINDOW_FILE):
        if (folder / name).is_file():
            _chmod(folder / name, PRIVATE_FILE_MODE)
    for path in folder.glob("offline-certificate-*.der"):
        _chmod(path, PRIVATE_FILE_MODE)


def tidy(folder: Path) -> None:
    """Everything above that changes nothing of value, on every start."""
    remove_leftovers(folder)
    make_private(folder)
