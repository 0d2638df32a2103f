"""Numbering series: ``FV/{yyyy}/{mm}/{n}``, ``{n}/{mm}/{yyyy}``, ``R{n:4}/{yy}``…

Tokens: ``{yyyy}`` year, ``{yy}`` two-digit year, ``{mm}`` month, ``{n}`` the running
number (``{n:4}`` zero-padded to 4 digits). The counter restarts per period: per month
when the pattern has ``{mm}``, per year when it has only a year, never otherwise.

The counter is advanced only by ``next_number``, which must run inside the issuing
transaction: an issue that rolls back gives its number back, so numbers within a
series and period have no gaps (the write lock of ``BEGIN IMMEDIATE`` serialises
concurrent issuers).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from ksef_desktop.i18n import _
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.timefmt import to_db

_TOKEN = re.compile(r"\{([^{}]*)\}")
_N = re.compile(r"n(?::([1-9]))?")


class BadPattern(StoreError, ValueError):
    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"numbering pattern {pattern!r}: {reason}")
        self.pattern = pattern
        self.reason = reason

    def message(self) -> str:
        return _(
            "The numbering pattern “{pattern}” is not valid. Use {{n}} once for the number, "
            "and optionally {{yyyy}}, {{yy}} and {{mm}}, e.g. FV/{{yyyy}}/{{mm}}/{{n}}."
        ).format(pattern=self.pattern)


class UnknownSeries(StoreError):
    def __init__(self, series_id: int) -> None:
        super().__init__(f"no numbering series with id {series_id}")
        self.series_id = series_id


@dataclass(frozen=True)
class Series:
    id: int
    name: str
    pattern: str


def check_pattern(pattern: str) -> None:
    """Raise ``BadPattern`` unless ``pattern`` has exactly one ``{n}`` and known tokens."""
    if not pattern.strip():
        raise BadPattern(pattern, "empty")
    counters = 0
    for token in _TOKEN.findall(pattern):
        if _N.fullmatch(token):
            counters += 1
        elif token not in ("yyyy", "yy", "mm"):
            raise BadPattern(pattern, f"unknown token {{{token}}}")
    if counters != 1:
        raise BadPattern(pattern, "needs exactly one {n}")
    if "{" in _TOKEN.sub("", pattern) or "}" in _TOKEN.sub("", pattern):
        raise BadPattern(pattern, "unbalanced braces")


def period_of(pattern: str, day: date) -> str:
    """The counter's period for ``day``: ``2026-03``, ``2026`` or ``""``."""
    tokens = set(_TOKEN.findall(pattern))
    if "mm" in tokens:
        return f"{day.year:04d}-{day.month:02d}"
    if tokens & {"yyyy", "yy"}:
        return f"{day.year:04d}"
    return ""


def format_number(pattern: str, day: date, n: int) -> str:
    def repl(match: re.Match[str]) -> str:
        part = match.group(1)
        if part == "yyyy":
            return f"{day.year:04d}"
        if part == "yy":
            return f"{day.year % 100:02d}"
        if part == "mm":
            return f"{day.month:02d}"
        width = _N.fullmatch(part)
        assert width is not None
        return str(n).zfill(int(width.group(1) or 0))

    return _TOKEN.sub(repl, pattern)


def create_series(
    conn: sqlite3.Connection, name: str, pattern: str, *, profile_id: int, now: datetime
) -> int:
    """A numbering series of profile ``profile_id`` (each profile numbers on its own)."""
    check_pattern(pattern)
    cur = conn.execute(
        "INSERT INTO series (profile_id, name, pattern, created_at) VALUES (?, ?, ?, ?)",
        (profile_id, name, pattern, to_db(now)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def get_series(conn: sqlite3.Connection, series_id: int, *, profile_id: int) -> Series:
    row = conn.execute(
        "SELECT id, name, pattern FROM series WHERE id = ? AND profile_id = ?",
        (series_id, profile_id),
    ).fetchone()
    if row is None:
        raise UnknownSeries(series_id)
    return Series(*row)


def list_series(conn: sqlite3.Connection, *, profile_id: int) -> list[Series]:
    rows = conn.execute(
        "SELECT id, name, pattern FROM series WHERE profile_id = ? ORDER BY name", (profile_id,)
    )
    return [Series(*r) for r in rows]


def peek_number(conn: sqlite3.Connection, series_id: int, day: date, *, profile_id: int) -> str:
    """The number the next invoice of ``day`` would get (for the editor; reserves nothing)."""
    series = get_series(conn, series_id, profile_id=profile_id)
    period = period_of(series.pattern, day)
    row = conn.execute(
        "SELECT c.last FROM series_counters c JOIN series s ON s.id = c.series_id "
        "WHERE c.series_id = ? AND c.period = ? AND s.profile_id = ?",
        (series_id, period, profile_id),
    ).fetchone()
    return format_number(series.pattern, day, (row[0] if row else 0) + 1)


@dataclass(frozen=True)
class Assigned:
    series_id: int
    period: str
    seq: int
    number: str


def next_number(
    conn: sqlite3.Connection, series_id: int, day: date, *, profile_id: int
) -> Assigned:
    """Advance the counter of ``series_id`` for ``day``'s period (inside a transaction).

    The series must be profile ``profile_id``'s: no invoice takes another profile's number.
    """
    if not conn.in_transaction:
        raise StoreError("a number may only be taken inside the issuing transaction")
    series = get_series(conn, series_id, profile_id=profile_id)
    period = period_of(series.pattern, day)
    row = conn.execute(
        "INSERT INTO series_counters (series_id, period, last) VALUES (?, ?, 1) "
        "ON CONFLICT (series_id, period) DO UPDATE SET last = last + 1 RETURNING last",
        (series_id, period),
    ).fetchone()
    seq = int(row[0])
    return Assigned(series_id, period, seq, format_number(series.pattern, day, seq))
