"""The SQLite connection: pragmas, one connection per thread, transactions, migrations.

DESIGN.md §4. The schema version lives in ``PRAGMA user_version``; the migration steps
are a list (``schema.MIGRATIONS``), step ``i`` taking the database from version ``i`` to
``i + 1``. Before an existing database is migrated it is copied with SQLite's backup
API to ``<db>.bak-v<old version>``; all pending steps and the new version number are one
transaction, so a failing step leaves the database exactly as it was.

Connections run in autocommit mode (``isolation_level=None``); a write is grouped with
``Database.transaction()``, which takes the write lock at once (``BEGIN IMMEDIATE``) so
two writers queue instead of failing half-way.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _
from ksef_desktop.paths import PRIVATE_FILE_MODE, create_private_file, ensure_private_dir, is_posix

#: One migration step: runs inside the migration transaction on the given connection.
Migration = Callable[[sqlite3.Connection], None]

#: How long a statement waits for a lock another connection holds before it says so
#: (``store.failures.DatabaseLocked``); the window's work runs in the worker, never here.
BUSY_TIMEOUT_MS = 10_000


class StoreError(UserError):
    """Base of the store's typed errors; each says what happened in ``message()``."""

    def message(self) -> str:
        return _("The local database refused the operation: {detail}").format(detail=self)


class MigrationError(StoreError):
    """A migration step failed; the database was left at ``from_version``."""

    def __init__(self, from_version: int, to_version: int, cause: BaseException) -> None:
        super().__init__(
            f"migrating the database from version {from_version} to {to_version} failed: {cause}"
        )
        self.from_version = from_version
        self.to_version = to_version
        self.cause = cause

    def message(self) -> str:
        return _(
            "The database could not be brought up to date (version {old} to {new}); it was "
            "left as it was, and a copy made before is beside it. Detail: {detail}"
        ).format(old=self.from_version, new=self.to_version, detail=self.cause)


class DatabaseTooNew(StoreError):
    """The file was written by a newer program (its user_version is above ours)."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"the database has schema version {found}; this program knows {known}")
        self.found = found
        self.known = known

    def message(self) -> str:
        return _(
            "The database was written by a newer KSeF Desktop (schema {found}; this one "
            "knows {known}). Install the newer version to open it; nothing was changed."
        ).format(found=self.found, known=self.known)


def split_sql(script: str) -> list[str]:
    """Split a script into complete statements (triggers' inner ``;`` included)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement: {buffer.strip()[:80]!r}")
    return statements


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Execute ``script`` statement by statement inside the current transaction.

    (``executescript`` would COMMIT the transaction first.)
    """
    for statement in split_sql(script):
        conn.execute(statement)


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreError(f"the database refused WAL mode (got {mode!r})")
    # In WAL mode NORMAL is durable across application crashes (only a power cut can
    # lose the last transactions, never corrupt the file).
    conn.execute("PRAGMA synchronous = NORMAL")


def failure(exc: sqlite3.Error, path: Path | None) -> BaseException:
    """``exc`` as the store's typed error when the database itself failed (full disk,
    damaged file, lock, I/O), else ``exc`` itself (our bug: a constraint, a missing table)."""
    from ksef_desktop.store.failures import translate  # failures imports this module

    return translate(exc, path) or exc


class StoreConnection(sqlite3.Connection):
    """A connection whose statements report a failing database as the store's typed
    errors (``store.failures``), each with a sentence for the user."""

    path: Path | None = None

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as exc:
            raise failure(exc, self.path) from exc

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as exc:
            raise failure(exc, self.path) from exc


def open_connection(path: Path) -> StoreConnection:
    """A configured connection to ``path``, creating the file 0600 if it is new."""
    ensure_private_dir(path.parent)
    create_private_file(path)
    if is_posix() and (path.stat().st_mode & 0o777) != PRIVATE_FILE_MODE:
        path.chmod(PRIVATE_FILE_MODE)
    # check_same_thread=False only so that close_all() can close every connection at
    # shutdown; each connection is still used by the one thread that opened it.
    try:
        conn = sqlite3.connect(
            path,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
            factory=StoreConnection,
        )
    except sqlite3.Error as exc:
        raise failure(exc, path) from exc
    conn.path = path
    try:
        _configure(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def backup_to(conn: sqlite3.Connection, target: Path) -> None:
    """Copy the database behind ``conn`` to ``target`` (mode 0600) with the backup API."""
    target.unlink(missing_ok=True)
    create_private_file(target)
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()


def backup_path(path: Path, version: int) -> Path:
    return path.with_name(f"{path.name}.bak-v{version}")


def migrate(
    conn: sqlite3.Connection,
    path: Path,
    steps: Sequence[Migration],
    hints: Mapping[str, str] | None = None,
) -> int:
    """Bring the database to ``len(steps)``; return the version it had before.

    ``hints`` are facts from outside the database a step may use (e.g. the NIP the user's
    settings name); a step reads them from the temporary table ``migration_hints``.

    Foreign keys are off while the steps run (SQLite's procedure for changing a table:
    a step may rebuild one), and checked as a whole before the transaction commits.
    """
    target = len(steps)
    current = user_version(conn)
    if current > target:
        raise DatabaseTooNew(current, target)
    if current == target:
        return current
    if current > 0:
        backup_to(conn, backup_path(path, current))
    conn.execute("PRAGMA foreign_keys = OFF")  # no effect inside a transaction: set before
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while we waited for the lock.
        current = user_version(conn)
        conn.execute("CREATE TEMP TABLE migration_hints (key TEXT PRIMARY KEY, value TEXT)")
        conn.executemany(
            "INSERT INTO migration_hints (key, value) VALUES (?, ?)", sorted((hints or {}).items())
        )
        for index in range(current, target):
            steps[index](conn)
        conn.execute("DROP TABLE temp.migration_hints")
        conn.execute(f"PRAGMA user_version = {int(target)}")
        fk_problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk_problems:
            raise StoreError(f"foreign key violations after migration: {fk_problems[:5]}")
    except BaseException as exc:
        conn.execute("ROLLBACK")
        conn.execute("PRAGMA foreign_keys = ON")
        from ksef_desktop.store.failures import DatabaseFailure

        if isinstance(exc, DatabaseFailure):
            raise  # the disk is full, the file damaged: say that, not "migration failed"
        raise MigrationError(current, target, exc) from exc
    conn.execute("COMMIT")
    conn.execute("PRAGMA foreign_keys = ON")
    return current


class Database:
    """The database file; hands each thread its own connection on demand."""

    def __init__(
        self,
        path: Path,
        migrations: Sequence[Migration] | None = None,
        *,
        hints: Mapping[str, str] | None = None,
    ) -> None:
        if migrations is None:
            from ksef_desktop.store.schema import MIGRATIONS

            migrations = MIGRATIONS
        self.path = path
        self._migrations = tuple(migrations)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        conn = self.connection()
        self.migrated_from = migrate(conn, path, self._migrations, hints)

    @property
    def version(self) -> int:
        return len(self._migrations)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_connection(self.path)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any exception)."""
        conn = self.connection()
        if conn.in_transaction:
            raise StoreError("a transaction is already open on this thread's connection")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def backup(self, target: Path) -> None:
        """A consistent copy of the whole database at ``target`` (mode 0600)."""
        backup_to(self.connection(), target)

    def close(self) -> None:
        """Close this thread's connection (another call to ``connection`` reopens)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with self._lock:
                self._all.remove(conn)
            conn.close()

    def close_all(self) -> None:
        """Close every connection; call only when no other thread uses the database."""
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()
