"""``verify`` catches the three tamperings of the audit (issue 22, item 8).

1. an empty database beside a full archive is refused, and nothing is written into it;
2. a deleted UPO record is reported;
3. a file edited together with its recorded hash is reported by the archive chain, and
   even a rewrite of the chain itself (its triggers dropped) by ``verify --against`` a
   backup or ``--head`` the line ``backup create`` printed.
Plus: the chain is append-only, and the migration lists the files archived before it.
"""

from __future__ import annotations

import hashlib
import io
import re
import sqlite3
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from ksef_desktop import cli
from ksef_desktop.paths import database_path
from ksef_desktop.services.archive_verify import verify_archive
from ksef_desktop.store import chain, open_store
from ksef_desktop.store.chain import ChainHead
from ksef_desktop.store.db import migrate
from ksef_desktop.store.housekeeping import ArchiveWithoutDatabase
from ksef_desktop.store.outbox import add_upo
from ksef_desktop.store.schema import MIGRATIONS, _v7
from tests.unit.test_store_backup import _fill
from tests.unit.test_store_outbox import World
from tests.unit.test_store_support import PID, Clock


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        code = cli.main(["--lang", "en", *argv])
    return code, out.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A data folder with two issued invoices, one accepted with its UPO."""
    world = World(tmp_path)
    _fill(world)
    world.store.close()
    return world.store.data_dir


def _verify(folder: Path, *extra: str) -> tuple[int, str]:
    return _cli("--data-dir", str(folder), "verify", *extra)


def _db(folder: Path) -> sqlite3.Connection:
    """The database as someone going around the program opens it."""
    return sqlite3.connect(database_path(folder), isolation_level=None)


def test_a_clean_archive_shows_its_chain_head(folder: Path) -> None:
    code, said = _verify(folder)
    assert code == 0, said
    lines = said.splitlines()
    assert lines[0] == "Archive OK: 3 files checked."
    assert re.fullmatch(r"Archive chain head: 3:[0-9a-f]{64}", lines[1])


# --- 1. an empty database beside a full archive ---------------------------------------------


@pytest.mark.parametrize("how", ["emptied", "deleted"])
def test_an_empty_or_missing_database_beside_an_archive_is_refused(folder: Path, how: str) -> None:
    path = database_path(folder)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    if how == "emptied":
        path.write_bytes(b"")
        code, said = _verify(folder)
        assert code == 1
        assert "missing or empty" in said
        assert "Archive OK" not in said
        assert path.read_bytes() == b""  # no fresh schema written into it
    else:
        path.unlink()
    with pytest.raises(ArchiveWithoutDatabase) as caught:
        open_store(folder)
    message = caught.value.message().lower()
    assert "restore" in message or "przywróć" in message
    assert not path.exists() or path.read_bytes() == b""


def test_an_empty_folder_still_opens(tmp_path: Path) -> None:
    store = open_store(tmp_path / "first-run")
    store.close()


# --- 2. a deleted UPO record ------------------------------------------------------------------


def test_a_deleted_upo_record_is_reported(folder: Path) -> None:
    conn = _db(folder)
    relpath = conn.execute("SELECT relpath FROM upos").fetchone()[0]
    conn.execute("DELETE FROM upos")
    conn.close()
    code, said = _verify(folder)
    assert code == 1
    assert f"Archived file that no invoice or UPO record refers to: {relpath}" in said


def test_a_deleted_upo_and_its_archive_record_are_reported(folder: Path) -> None:
    conn = _db(folder)
    relpath = conn.execute("SELECT relpath FROM upos").fetchone()[0]
    conn.execute("DROP TRIGGER archive_files_no_delete")
    conn.execute("DELETE FROM upos")
    conn.execute("DELETE FROM archive_files WHERE relpath = ?", (relpath,))
    conn.close()
    code, said = _verify(folder)
    assert code == 1
    assert f"Archived file whose record was deleted from the database: {relpath}" in said


def test_a_file_nobody_recorded_is_mentioned_but_not_a_failure(folder: Path) -> None:
    stray = folder / "archive" / "upo" / "2026" / "03" / ("f" * 64 + ".xml")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"<UPO/>")  # what a write killed before its commit leaves
    code, said = _verify(folder)
    assert code == 0
    assert "not recorded in the database: upo/2026/03/" + "f" * 64 + ".xml" in said


# --- 3. a file edited with its recorded hash ------------------------------------------------


def _edit_invoice(folder: Path, rewrite_chain: bool) -> str:
    """Change an archived invoice and its recorded hash; with ``rewrite_chain``, also
    rebuild the whole chain so that it holds link by link (its triggers dropped)."""
    conn = _db(folder)
    relpath = conn.execute(
        "SELECT relpath FROM archive_files WHERE kind = 'invoice' ORDER BY relpath"
    ).fetchone()[0]
    path = folder / "archive" / relpath
    forged = path.read_bytes().replace(b"Pierwszy", b"Pierwszx").replace(b"Drugi", b"Drugx")
    path.write_bytes(forged)
    digest = hashlib.sha256(forged).hexdigest()
    conn.execute("DROP TRIGGER archive_files_frozen")
    conn.execute("UPDATE archive_files SET sha256_hex = ? WHERE relpath = ?", (digest, relpath))
    if rewrite_chain:
        rows = conn.execute(
            "SELECT relpath, kind, sha256_hex, size, created_at FROM archive_files "
            "ORDER BY created_at, relpath"
        ).fetchall()
        for trigger in ("archive_chain_no_delete", "archive_chain_no_update"):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DELETE FROM archive_chain")
        for row in rows:
            chain.append(conn, row[1], row[0], row[2], row[3], row[4])
    conn.close()
    return str(relpath)


def test_a_file_edited_with_its_recorded_hash_is_reported(folder: Path) -> None:
    relpath = _edit_invoice(folder, rewrite_chain=False)
    code, said = _verify(folder)
    assert code == 1
    assert f"Recorded hash differs from the archive chain: {relpath}" in said


def test_a_rewritten_chain_is_found_against_a_backup_or_a_kept_head(
    folder: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "kopia.zip"
    code, said = _cli("--data-dir", str(folder), "backup", "create", str(backup))
    assert code == 0, said
    kept = re.search(r"head ([0-9]+:[0-9a-f]{64})", said)
    assert kept is not None, said
    assert _verify(folder, "--against", str(backup))[0] == 0
    assert _verify(folder, "--head", kept.group(1))[0] == 0

    _edit_invoice(folder, rewrite_chain=True)
    code, said = _verify(folder)
    assert code == 0, said  # the database alone is consistent again: only history tells
    for extra in (("--against", str(backup)), ("--head", kept.group(1))):
        code, said = _verify(folder, *extra)
        assert code == 1, extra
        assert "no longer holds what the chain head" in said


def test_a_later_file_does_not_break_an_older_head(folder: Path) -> None:
    store = open_store(folder)
    head = chain.head(store.db.connection())
    with store.db.transaction() as conn:
        add_upo(
            conn, store.archive, b"<UPO>later</UPO>", at=Clock()(), session_ref="S2", profile_id=PID
        )
    assert verify_archive(store, head).ok
    assert not verify_archive(store, ChainHead(head.entries, "0" * 64)).ok
    assert not verify_archive(store, ChainHead(head.entries + 5, head.head)).ok
    store.close()


def test_verify_refuses_a_head_that_is_not_one(folder: Path) -> None:
    assert _verify(folder, "--head", "3:xyz")[0] == 2


# --- the chain itself -------------------------------------------------------------------------


def test_the_chain_is_append_only(folder: Path) -> None:
    conn = _db(folder)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE archive_chain SET sha256_hex = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM archive_chain")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("INSERT INTO archive_chain VALUES (99, 'x', 'upo', 'h', 1, 't', 'p', 'e')")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        conn.execute("UPDATE archive_files SET sha256_hex = 'x'")
    conn.close()


def test_the_migration_lists_the_files_archived_before_it(folder: Path) -> None:
    conn = _db(folder)
    files = conn.execute("SELECT count(*) FROM archive_files").fetchone()[0]
    # Back to the schema before the chain, as an older version left it.
    for trigger in ("archive_files_frozen", "archive_files_no_delete"):
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("DROP TABLE archive_chain")
    before = MIGRATIONS.index(_v7)
    conn.execute(f"PRAGMA user_version = {before}")
    # The chain's step runs again through the migration runner; the steps after it
    # (statements, _v8, ...) are not undone here, so they are not run again either.
    migrate(conn, database_path(folder), MIGRATIONS[: before + 1])
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
    conn.close()

    store = open_store(folder)
    conn = store.db.connection()
    head = chain.head(conn)
    assert head.entries == files == 3
    assert chain.broken_links(chain.entries(conn)) == []
    assert verify_archive(store).ok
    store.close()


def test_a_relative_data_folder_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    open_store(Path("data")).close()
    open_store(Path("data")).close()  # the database exists now: probed read-only first
    assert _verify(Path("data"))[0] == 0
