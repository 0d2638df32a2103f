"""When the database itself fails: a full disk, a damaged file, a lock held elsewhere
(issue 22, item 6).

SQLite says these in English with its own codes (``SQLITE_FULL``, ``SQLITE_CORRUPT``,
``SQLITE_NOTADB``, ``SQLITE_BUSY``, ``SQLITE_IOERR``…); ``translate`` turns them into the
store's typed errors, whose ``message()`` says what happened and what the user can do —
for a damaged database, restore the last backup. Errors that mean our bug (a constraint,
a missing table) are left as they are.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ksef_desktop.i18n import _
from ksef_desktop.store.db import StoreError

#: SQLite's primary result codes (the low byte of ``sqlite_errorcode``).
_FULL = 13
_CORRUPT = 11
_NOTADB = 26
_BUSY = 5
_LOCKED = 6
_IOERR = 10
_CANTOPEN = 14
_READONLY = 8


class DatabaseFailure(StoreError):
    """The database file could not be used; nothing was half-written (SQLite rolls back)."""

    def __init__(self, path: Path | None, cause: sqlite3.Error) -> None:
        super().__init__(f"{path}: {cause}")
        self.path = path
        self.cause = cause


class DiskFull(DatabaseFailure):
    def message(self) -> str:
        return _(
            "The disk holding the data folder is full: nothing was saved, and nothing was "
            "half-saved. Free some space on the disk of {path} and try again."
        ).format(path=self.path or "?")


class DatabaseCorrupt(DatabaseFailure):
    def message(self) -> str:
        return _(
            "The database {path} is damaged and cannot be read. Restore the last backup "
            "(in the window: the offer that follows; on the command line: ksef-desktop "
            "backup restore FILE.zip). The archive of sent invoices and UPOs is kept apart "
            "and checked against the backup first."
        ).format(path=self.path or "?")


class DatabaseLocked(DatabaseFailure):
    def message(self) -> str:
        return _(
            "The database {path} is locked by another program (a copy or a backup tool may "
            "be reading it). Close it and try again; nothing was changed."
        ).format(path=self.path or "?")


class DiskError(DatabaseFailure):
    def message(self) -> str:
        return _(
            "The disk could not read or write the database {path} ({detail}). Check the "
            "disk (or the network folder) and try again; nothing was half-saved."
        ).format(path=self.path or "?", detail=self.cause)


class DatabaseUnwritable(DatabaseFailure):
    def message(self) -> str:
        return _(
            "The database {path} cannot be opened for writing (permissions, or a read-only "
            "disk). Check the data folder and try again."
        ).format(path=self.path or "?")


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def translate(exc: sqlite3.Error, path: Path | None = None) -> StoreError | None:
    """The store's error for a failure of the database itself; None for anything else
    (an integrity error, a syntax error: our bug, kept as it is)."""
    if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
        return None
    code = _code(exc)
    text = str(exc).lower()
    if code == _FULL or "database or disk is full" in text:
        return DiskFull(path, exc)
    if code in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
        return DatabaseCorrupt(path, exc)
    if code in (_BUSY, _LOCKED) or "database is locked" in text:
        return DatabaseLocked(path, exc)
    if code == _IOERR or "disk i/o error" in text:
        return DiskError(path, exc)
    if code in (_CANTOPEN, _READONLY) or "readonly database" in text:
        return DatabaseUnwritable(path, exc)
    return None
