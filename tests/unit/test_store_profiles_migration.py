"""Schema step 3 (profiles) on a data folder written by release 0.1.0 (issue 14).

``tests/data/stores/release-0.1.0`` was made by that release's own code (its
``make_release_store.py`` says how): invoices sent in a Sandbox session and in a Test
session, one rejected, two never sent, a draft, a collective identifier, a contractor,
and settings.json that points at Test — the user switched there after practising.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ksef_desktop.services.archive_verify import verify_archive
from ksef_desktop.store import open_store
from ksef_desktop.store.db import backup_path
from ksef_desktop.store.numbering import next_number, peek_number
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.profiles import Environment, find_profile, list_profiles
from ksef_desktop.store.schema import SCHEMA_VERSION
from ksef_desktop.store.states import events_of

RELEASE = Path(__file__).resolve().parents[1] / "data" / "stores" / "release-0.1.0"
NIP = "5265877635"
DB = "ksef-desktop.sqlite3"


def _copy(tmp_path: Path, settings: bool = True) -> Path:
    target = tmp_path / "data"
    shutil.copytree(RELEASE, target)
    if not settings:
        (target / "settings.json").unlink()
    return target


def _xml_hashes(path: Path) -> dict[int, str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT invoice_id, xml FROM invoice_documents WHERE xml IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    return {int(i): hashlib.sha256(x).hexdigest() for i, x in rows}


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [conn.execute("PRAGMA user_version").fetchone()[0], *conn.iterdump()]
    finally:
        conn.close()


def test_the_release_store_is_at_version_2() -> None:
    conn = sqlite3.connect(RELEASE / DB)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    finally:
        conn.close()


def test_rows_go_to_the_profile_they_were_made_in(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    original = _dump(data / DB)
    frozen = _xml_hashes(data / DB)
    store = open_store(data)
    try:
        conn = store.db.connection()
        assert store.db.migrated_from == 2
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert _dump(backup_path(data / DB, 2)) == original  # the copy made before migrating
        profiles = {(p.environment, p.nip): p for p in list_profiles(conn)}
        assert set(profiles) == {(Environment.SANDBOX, NIP), (Environment.TEST, NIP)}
        sandbox, test = profiles[(Environment.SANDBOX, NIP)], profiles[(Environment.TEST, NIP)]
        for profile in (sandbox, test):  # the settings' company data, for the whole company
            assert profile.company_name == "Jan Kowalski Usługi"
            assert profile.company_address == "ul. Prosta 1, 00-001 Warszawa"
        owner = dict(
            conn.execute("SELECT number, profile_id FROM invoices WHERE number IS NOT NULL")
        )
        # FV/2026/03/3 went out in the Test session; everything else was practice (or never
        # left, so its environment is unknown: the Sandbox, never Production or Test).
        assert owner == {
            "FV/2026/03/1": sandbox.id,
            "FV/2026/03/2": sandbox.id,
            "FV/2026/03/3": test.id,
            "FV/2026/03/4": sandbox.id,
            "FV/2026/03/5": sandbox.id,
            "FV/2026/03/6": sandbox.id,
        }
        assert conn.execute("SELECT profile_id FROM invoices WHERE state = 'draft'").fetchall() == [
            (sandbox.id,)
        ]
        # The bug that started it: settings point at Test, yet Test has nothing to send.
        assert (
            Outbox(store.db, store.archive, lambda: datetime.now(UTC), profile_id=test.id).pending()
            == []
        )
        waiting = Outbox(store.db, store.archive, lambda: datetime.now(UTC), profile_id=sandbox.id)
        assert sorted(i.number for i in waiting.pending()) == ["FV/2026/03/5", "FV/2026/03/6"]
        # and the user can see why those two are where they are
        never_sent = conn.execute(
            "SELECT id FROM invoices WHERE number = 'FV/2026/03/5'"
        ).fetchone()[0]
        assert (
            "environment unknown" in events_of(conn, never_sent, profile_id=sandbox.id)[-1].detail
        )
        sessions = dict(conn.execute("SELECT environment, profile_id FROM sessions"))
        assert sessions == {"sandbox": sandbox.id, "test": test.id}
        upos = conn.execute(
            "SELECT u.profile_id, i.profile_id FROM upos u JOIN invoices i ON i.id = u.invoice_id"
        ).fetchall()
        assert upos
        assert all(a == b for a, b in upos)
        assert conn.execute("SELECT profile_id FROM collective_identifiers").fetchall() == [
            (sandbox.id,)
        ]
        assert conn.execute("SELECT company_nip FROM contractors").fetchall() == [(NIP,)]
        # Each profile numbers on: never a number twice within one profile.
        day = date(2026, 3, 20)
        series = dict(conn.execute("SELECT profile_id, id FROM series WHERE name = 'FV'"))
        assert peek_number(conn, series[sandbox.id], day, profile_id=sandbox.id) == "FV/2026/03/7"
        assert peek_number(conn, series[test.id], day, profile_id=test.id) == "FV/2026/03/4"
        with store.db.transaction() as tx:
            assert (
                next_number(tx, series[test.id], day, profile_id=test.id).number == "FV/2026/03/4"
            )
        # Nothing frozen moved: the same bytes, the archive as it was.
        assert _xml_hashes(data / DB) == frozen
        assert verify_archive(store).ok
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        store.close()


def test_without_settings_the_data_alone_decides(tmp_path: Path) -> None:
    store = open_store(_copy(tmp_path, settings=False))
    try:
        conn = store.db.connection()
        sandbox = find_profile(conn, "sandbox", NIP)
        assert sandbox is not None
        assert sandbox.company_name == ""  # nothing to take it from
        assert conn.execute(
            "SELECT count(*) FROM invoices WHERE profile_id IS NULL"
        ).fetchone() == (0,)
    finally:
        store.close()


def test_rows_without_a_profile_are_refused_after_migrating(tmp_path: Path) -> None:
    store = open_store(_copy(tmp_path))
    try:
        conn = store.db.connection()
        with pytest.raises(sqlite3.IntegrityError, match="needs its profile"):
            conn.execute(
                "INSERT INTO sessions (reference, environment, kind, opened_at, updated_at) "
                "VALUES ('x', 'prod', 'online', 'x', 'x')"
            )
        with pytest.raises(sqlite3.IntegrityError, match="never changes its profile"):
            conn.execute("UPDATE invoices SET profile_id = profile_id + 1")
    finally:
        store.close()


def _schema(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    return set(
        conn.execute(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchall()
    )


def test_a_migrated_store_has_the_schema_of_a_new_one(tmp_path: Path) -> None:
    migrated = open_store(_copy(tmp_path))
    fresh = open_store(tmp_path / "fresh")
    try:
        assert _schema(migrated.db.connection()) == _schema(fresh.db.connection())
    finally:
        migrated.close()
        fresh.close()
