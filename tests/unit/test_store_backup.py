"""Backup → restore round trip; a tampered backup is refused before anything is replaced."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from ksef_desktop.paths import database_path
from ksef_desktop.services.archive_verify import verify_archive
from ksef_desktop.store.backup import (
    MANIFEST,
    BackupError,
    BackupRejected,
    create_backup,
    restore_backup,
)
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.outbox import Outbox
from tests.unit.test_store_outbox import KSEF_NUMBER, UPO, World
from tests.unit.test_store_support import PID, open_profiled


def _fill(world: World) -> list[int]:
    first = world.issue(buyer="Pierwszy")
    second = world.issue(buyer="Drugi")
    outbox = Outbox(world.store.db, world.store.archive, world.clock, profile_id=PID)
    outbox.claim()
    outbox.mark_sent(first, session_ref="S", invoice_ref="I")
    outbox.mark_accepted(first, KSEF_NUMBER, upo=UPO)
    return [first, second]


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with its hash, except the program's
    log (``logs/``), which rightly records what a command did or refused."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] != "logs"
    }


def _rewrite(src: Path, dst: Path, change: dict[str, bytes | None]) -> None:
    """Copy zip ``src`` to ``dst`` replacing (bytes) or dropping (None) members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename in change:
                data = change[info.filename]
                if data is not None:
                    zout.writestr(info.filename, data)
            else:
                zout.writestr(info.filename, zin.read(info.filename))
        for name, data in change.items():
            if name not in zin.namelist() and data is not None:
                zout.writestr(name, data)


def test_backup_restore_round_trip(tmp_path: Path) -> None:
    world = World(tmp_path)
    ids = _fill(world)
    target = tmp_path / "backups" / "kopia.zip"
    create_backup(world.store, target, now=world.clock())
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read(MANIFEST))
    assert "ksef-desktop.sqlite3" in names
    assert sum(n.startswith("archive/") for n in names) == 3  # 2 invoices + 1 UPO
    assert set(manifest["files"]) == names - {MANIFEST}

    # Life goes on after the backup: another invoice, and an archive file lost.
    world.issue(buyer="Po kopii")
    lost = world.store.db.connection().execute("SELECT relpath FROM upos").fetchone()[0]
    world.store.archive.path_of(lost).unlink()
    folder = world.store.data_dir
    world.store.close()

    report = restore_backup(target, folder, now=world.clock())
    assert report.invoices == 2
    assert report.files == 3
    assert (report.previous / "ksef-desktop.sqlite3").exists()

    store = open_profiled(folder)
    conn = store.db.connection()
    assert [r[0] for r in conn.execute("SELECT id FROM invoices ORDER BY id")] == ids
    assert get_invoice(conn, ids[0], profile_id=PID).ksef_number == KSEF_NUMBER
    assert verify_archive(store).ok
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


@pytest.mark.parametrize("tamper", ["archive-file", "archive-file-and-manifest", "database",
                                    "missing-member", "extra-member", "not-a-zip",
                                    "no-manifest", "unsafe-in-manifest"])  # fmt: skip
def test_tampered_backup_is_refused_before_anything_is_replaced(
    tmp_path: Path, tamper: str
) -> None:
    world = World(tmp_path)
    _fill(world)
    good = tmp_path / "good.zip"
    create_backup(world.store, good, now=world.clock())
    world.issue(buyer="Po kopii")
    folder = world.store.data_dir
    world.store.close()
    before = _snapshot(folder)

    with zipfile.ZipFile(good) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        xml_name = next(n for n in zf.namelist() if n.startswith("archive/invoices/"))
        xml = zf.read(xml_name)
    bad = tmp_path / "bad.zip"
    forged = xml.replace(b"Pierwszy", b"Pierwszx").replace(b"Drugi", b"Drugx")
    if tamper == "archive-file":
        _rewrite(good, bad, {xml_name: forged})
    elif tamper == "archive-file-and-manifest":
        # The forger fixes the manifest too; the hashes in the database still catch it.
        manifest["files"][xml_name]["sha256"] = hashlib.sha256(forged).hexdigest()
        _rewrite(good, bad, {xml_name: forged, MANIFEST: json.dumps(manifest).encode()})
    elif tamper == "database":
        _rewrite(good, bad, {"ksef-desktop.sqlite3": b"SQLite format 3\x00" + b"\x00" * 100})
    elif tamper == "missing-member":
        _rewrite(good, bad, {xml_name: None})
    elif tamper == "extra-member":
        _rewrite(good, bad, {"archive/../../evil.txt": b"x"})
    elif tamper == "unsafe-in-manifest":
        evil = "archive/../../evil.txt"
        manifest["files"][evil] = {"sha256": hashlib.sha256(b"x").hexdigest(), "size": 1}
        _rewrite(good, bad, {evil: b"x", MANIFEST: json.dumps(manifest).encode()})
    elif tamper == "not-a-zip":
        bad.write_bytes(b"PK but not really")
    else:
        _rewrite(good, bad, {MANIFEST: None})

    with pytest.raises(BackupRejected) as info:
        restore_backup(bad, folder, now=world.clock())
    assert info.value.problems
    assert "nic nie zmieniono" in info.value.message()
    assert _snapshot(folder) == before
    assert not (tmp_path / "evil.txt").exists()


def test_no_backup_of_an_archive_that_does_not_verify(tmp_path: Path) -> None:
    world = World(tmp_path)
    _fill(world)
    relpath = world.store.db.connection().execute("SELECT relpath FROM upos").fetchone()[0]
    world.store.archive.path_of(relpath).write_bytes(b"changed")
    with pytest.raises(BackupError) as info:
        create_backup(world.store, tmp_path / "x.zip", now=world.clock())
    assert relpath in info.value.message()
    assert not (tmp_path / "x.zip").exists()
    world.store.close()


def test_database_path_is_the_one_restored(tmp_path: Path) -> None:
    world = World(tmp_path)
    _fill(world)
    target = tmp_path / "k.zip"
    create_backup(world.store, target, now=world.clock())
    folder = world.store.data_dir
    world.store.close()
    database_path(folder).unlink()
    for extra in ("-wal", "-shm"):
        database_path(folder).with_name(database_path(folder).name + extra).unlink(missing_ok=True)
    restore_backup(target, folder, now=world.clock())
    assert database_path(folder).exists()


def test_two_restores_in_the_same_second_keep_both_previous_states(tmp_path: Path) -> None:
    world = World(tmp_path)
    _fill(world)
    target = tmp_path / "k.zip"
    create_backup(world.store, target, now=world.clock())
    folder = world.store.data_dir
    world.store.close()
    first = restore_backup(target, folder, now=world.clock())
    second = restore_backup(target, folder, now=world.clock())
    assert first.previous != second.previous
    assert (first.previous / "ksef-desktop.sqlite3").exists()
    assert (second.previous / "ksef-desktop.sqlite3").exists()
