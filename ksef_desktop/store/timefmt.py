"""Moments as database text: ISO 8601 in UTC with microseconds, so text order = time order."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a stored moment must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str) -> datetime:
    return datetime.fromisoformat(text)


def opt_to_db(moment: datetime | None) -> str | None:
    return None if moment is None else to_db(moment)


def opt_from_db(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)
