"""The cache of public answers: ``cache.sqlite3`` in the data folder, apart from the store.

Why not the store: these are public data, not the user's documents. Kept apart they stay
out of backups and of the store's schema migrations, can be deleted at any time without
losing anything, and commands that need no profile (``contractor``, ``rate``) use them
without opening the user's database. Each thread opens its own connection (WAL).

Tables: ``answers`` — the JSON of an answer per (service, key, day) with when it was
fetched; ``usage`` — questions asked per (service, Warsaw day), for the daily limits.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ksef_desktop.paths import create_private_file, ensure_private_dir

CACHE_NAME = "cache.sqlite3"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS answers (service TEXT NOT NULL, key TEXT NOT NULL, "
    "day TEXT NOT NULL, fetched_at TEXT NOT NULL, body TEXT NOT NULL, "
    "PRIMARY KEY (service, key, day)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS usage (service TEXT NOT NULL, day TEXT NOT NULL, "
    "count INTEGER NOT NULL, PRIMARY KEY (service, day)) WITHOUT ROWID",
)


@dataclass(frozen=True)
class Cached:
    body: str
    day: date
    fetched_at: datetime


class PublicCache:
    """Answers of public services by (service, key, day), and the daily question counts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    @classmethod
    def in_folder(cls, folder: Path) -> PublicCache:
        return cls(folder / CACHE_NAME)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            ensure_private_dir(self.path.parent)
            create_private_file(self.path)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode = WAL")
            for statement in _SCHEMA:
                conn.execute(statement)
            self._local.conn = conn
        return conn

    def get(self, service: str, key: str, day: date) -> Cached | None:
        row = (
            self._conn()
            .execute(
                "SELECT body, day, fetched_at FROM answers "
                "WHERE service = ? AND key = ? AND day = ?",
                (service, key, day.isoformat()),
            )
            .fetchone()
        )
        return None if row is None else _cached(row)

    def latest(self, service: str, key: str, *, not_after: date | None = None) -> Cached | None:
        """The answer for ``key`` of the latest day (not after ``not_after``)."""
        limit = (not_after or date.max).isoformat()
        row = (
            self._conn()
            .execute(
                "SELECT body, day, fetched_at FROM answers WHERE service = ? AND key = ? "
                "AND day <= ? ORDER BY day DESC LIMIT 1",
                (service, key, limit),
            )
            .fetchone()
        )
        return None if row is None else _cached(row)

    def put(self, service: str, key: str, day: date, body: str, fetched_at: datetime) -> None:
        self._conn().execute(
            "INSERT INTO answers (service, key, day, fetched_at, body) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (service, key, day) DO UPDATE SET fetched_at = excluded.fetched_at, "
            "body = excluded.body",
            (service, key, day.isoformat(), fetched_at.isoformat(), body),
        )

    def take(self, service: str, day: date, limit: int) -> bool:
        """Count one question to ``service`` on ``day``; False (not counted) when the
        day's ``limit`` is used up."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT count FROM usage WHERE service = ? AND day = ?",
                (service, day.isoformat()),
            ).fetchone()
            used = 0 if row is None else int(row[0])
            if used >= limit:
                conn.execute("ROLLBACK")
                return False
            conn.execute(
                "INSERT INTO usage (service, day, count) VALUES (?, ?, 1) "
                "ON CONFLICT (service, day) DO UPDATE SET count = count + 1",
                (service, day.isoformat()),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return True

    def used(self, service: str, day: date) -> int:
        row = (
            self._conn()
            .execute(
                "SELECT count FROM usage WHERE service = ? AND day = ?", (service, day.isoformat())
            )
            .fetchone()
        )
        return 0 if row is None else int(row[0])

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _cached(row: tuple[str, str, str]) -> Cached:
    return Cached(str(row[0]), date.fromisoformat(row[1]), datetime.fromisoformat(row[2]))
