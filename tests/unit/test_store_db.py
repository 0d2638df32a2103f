"""The database file: migrations with a backup first, WAL, private files, one connection
per thread."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
import threading
from pathlib import Path

import pytest

from ksef_desktop.paths import data_dir
from ksef_desktop.store.db import (
    Database,
    DatabaseTooNew,
    MigrationError,
    backup_path,
    split_sql,
    user_version,
)
from ksef_desktop.store.schema import MIGRATIONS, SCHEMA_VERSION

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_fresh_database_gets_current_version(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")
    conn = db.connection()
    assert user_version(conn) == SCHEMA_VERSION == len(MIGRATIONS)
    assert db.migrated_from == 0
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    # a fresh database is not "migrated": no backup copy of nothing
    assert not list(tmp_path.glob("*.bak-v*"))
    db.close_all()


def _v1(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE t (x INTEGER)")


def _v2(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE t ADD COLUMN y TEXT")
    conn.execute("UPDATE t SET y = 'migrated'")


def _v3_broken(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE u (z INTEGER)")
    conn.execute("INSERT INTO t (x) VALUES (99)")
    conn.execute("THIS IS NOT SQL")


def test_old_database_is_backed_up_then_migrated(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    old = Database(path, [_v1])
    old.connection().execute("INSERT INTO t (x) VALUES (1), (2)")
    old.close_all()

    new = Database(path, [_v1, _v2])
    assert new.migrated_from == 1
    rows = new.connection().execute("SELECT x, y FROM t ORDER BY x").fetchall()
    assert rows == [(1, "migrated"), (2, "migrated")]
    assert user_version(new.connection()) == 2
    new.close_all()

    bak = backup_path(path, 1)
    assert bak.name == "a.sqlite3.bak-v1"
    if os.name == "posix":
        assert _mode(bak) == 0o600
    copy = sqlite3.connect(bak)
    assert user_version(copy) == 1
    assert copy.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
    assert [r[1] for r in copy.execute("PRAGMA table_info(t)")] == ["x"]
    copy.close()


def test_failed_migration_leaves_the_original_intact(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    old = Database(path, [_v1, _v2])
    old.connection().execute("INSERT INTO t (x, y) VALUES (1, 'kept')")
    old.close_all()

    with pytest.raises(MigrationError) as info:
        Database(path, [_v1, _v2, _v3_broken])
    assert info.value.from_version == 2
    assert info.value.to_version == 3

    conn = sqlite3.connect(path)
    assert user_version(conn) == 2
    assert conn.execute("SELECT x, y FROM t").fetchall() == [(1, "kept")]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "u" not in tables
    conn.close()
    assert backup_path(path, 2).exists()
    # The program still opens it with the steps it knows.
    again = Database(path, [_v1, _v2])
    assert again.connection().execute("SELECT count(*) FROM t").fetchone()[0] == 1
    again.close_all()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    Database(path, [_v1, _v2]).close_all()
    with pytest.raises(DatabaseTooNew):
        Database(path, [_v1])


@posix_only
def test_files_are_private(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        folder = data_dir(tmp_path / "new" / "data")
        db = Database(folder / "db.sqlite3")
        db.connection().execute("CREATE TABLE IF NOT EXISTS probe (x)")
        db.connection().execute("INSERT INTO probe VALUES (1)")
    finally:
        os.umask(old_umask)
    assert _mode(folder) == 0o700
    assert _mode(tmp_path / "new") == 0o700
    for name in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"):
        assert (folder / name).exists(), name
        assert _mode(folder / name) == 0o600, name
    db.backup(folder / "copy.sqlite3")
    assert _mode(folder / "copy.sqlite3") == 0o600
    db.close_all()


def test_each_thread_gets_its_own_connection(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")
    main = db.connection()
    assert db.connection() is main
    seen: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: seen.append(db.connection()))
    thread.start()
    thread.join()
    assert seen
    assert seen[0] is not main
    db.close_all()


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")

    def failing() -> None:
        with db.transaction() as conn:
            conn.execute(
                "INSERT INTO profiles (environment, nip, created_at) "
                "VALUES ('sandbox', '5265877635', 'x')"
            )
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing()
    assert db.connection().execute("SELECT count(*) FROM profiles").fetchone()[0] == 0
    db.close_all()


def test_split_sql_keeps_triggers_whole() -> None:
    script = (
        "CREATE TABLE a (x);\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n"
        " SELECT 1;\n SELECT 2;\nEND;\n"
    )
    parts = split_sql(script)
    assert len(parts) == 2
    assert parts[1].startswith("CREATE TRIGGER")
    assert parts[1].endswith("END;")
    with pytest.raises(ValueError, match="incomplete"):
        split_sql("CREATE TABLE b (x")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG layout is Linux's")
def test_default_data_dir_follows_the_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    folder = data_dir()
    assert folder == tmp_path / "xdg" / "ksef-desktop"
    assert folder.is_dir()
    assert _mode(folder) == 0o700
    # A folder the user names that already exists keeps its own permissions.
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o755)
    os.chmod(mine, 0o755)
    assert data_dir(mine) == mine
    assert _mode(mine) == 0o755
