"""Collective identifiers kept in the local database (schema step 2)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.store.collective import collectives_of_invoice, get_collective, save_collective
from ksef_desktop.store.db import Database, user_version
from ksef_desktop.store.schema import MIGRATIONS
from tests.unit.test_store_support import PID

OFFICIAL = "1111111111-IZ202607-65ED02180000-E7"


def _second() -> str:
    from ksef_desktop.domain.collective import make_collective_identifier

    return make_collective_identifier("1111111111", date(2026, 7, 2), "000000000001")


def _db(path: Path) -> Database:
    """A new database with profile ``PID`` (the Sandbox, NIP 1111111111)."""
    from ksef_desktop.store.profiles import ensure_profile

    db = Database(path)
    with db.transaction() as conn:
        assert ensure_profile(conn, "sandbox", "1111111111", now=datetime.now(UTC)).id == PID
    return db


def _numbers(n: int) -> list[str]:
    return [make_ksef_number("1111111111", date(2026, 7, 1), f"{i:012X}") for i in range(n)]


def test_saved_identifiers_come_back_with_their_invoices(tmp_path: Path) -> None:
    db = _db(tmp_path / "a.sqlite3")
    now = datetime(2026, 7, 1, 10, tzinfo=UTC)
    numbers = _numbers(3)
    with db.transaction() as conn:
        save_collective(conn, OFFICIAL, numbers, environment="sandbox", now=now, profile_id=PID)
        save_collective(
            conn,
            _second(),
            numbers[1:],
            environment="sandbox",
            now=now + timedelta(hours=1),
            profile_id=PID,
        )
    stored = get_collective(db.connection(), OFFICIAL, profile_id=PID)
    assert stored is not None
    assert stored.ksef_numbers == tuple(numbers)
    assert stored.seller_nip == "1111111111"
    assert stored.created_at == now
    assert [
        c.number for c in collectives_of_invoice(db.connection(), numbers[1], profile_id=PID)
    ] == [
        _second(),
        OFFICIAL,
    ]
    assert [
        c.number for c in collectives_of_invoice(db.connection(), numbers[0], profile_id=PID)
    ] == [OFFICIAL]
    assert get_collective(db.connection(), _second()[:-1] + "0", profile_id=PID) is None


def test_invalid_or_repeated_identifiers_are_refused(tmp_path: Path) -> None:
    db = _db(tmp_path / "a.sqlite3")
    now = datetime(2026, 7, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="collective"), db.transaction() as conn:
        save_collective(
            conn, OFFICIAL[:-1] + "8", _numbers(1), environment="test", now=now, profile_id=PID
        )
    with db.transaction() as conn:
        save_collective(conn, OFFICIAL, _numbers(1), environment="test", now=now, profile_id=PID)
    with pytest.raises(sqlite3.IntegrityError), db.transaction() as conn:
        save_collective(conn, OFFICIAL, _numbers(1), environment="test", now=now, profile_id=PID)


def test_a_version_1_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    Database(path, MIGRATIONS[:1]).close_all()
    db = _db(path)
    assert db.migrated_from == 1
    assert user_version(db.connection()) == len(MIGRATIONS)
    with db.transaction() as conn:
        save_collective(
            conn, OFFICIAL, _numbers(2), environment="demo", now=datetime.now(UTC), profile_id=PID
        )
