"""Hostile backup zips never crash ``backup restore`` and never fill the disk (issue 22, 7).

Each case is a crafted zip, built from a real backup of a real store: a deep manifest,
a non-numeric schema version, a bad CRC, a broken deflate stream, the encrypted flag, a
forged database whose archive path leads out with ``../``, a member named twice, sizes
that lie, zip bombs, a full disk. Every one is refused with a sentence, through the
command line (exit 1, no traceback) and the store API alike, and nothing in the data
folder changes.
"""

from __future__ import annotations

import hashlib
import io
import json
import signal
import sqlite3
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from ksef_desktop import cli
from ksef_desktop.store.backup import MANIFEST, BackupRejected, create_backup, restore_backup
from tests.unit.test_store_backup import _fill, _snapshot
from tests.unit.test_store_outbox import World

DB = "ksef-desktop.sqlite3"


class Good(NamedTuple):
    folder: Path
    backup: Path
    world: World


@pytest.fixture
def good(tmp_path: Path) -> Good:
    world = World(tmp_path)
    _fill(world)
    backup = tmp_path / "good.zip"
    create_backup(world.store, backup, now=world.clock())
    world.issue(buyer="Po kopii")  # the folder differs from the backup
    world.store.close()
    return Good(world.store.data_dir, backup, world)


def _members(backup: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(backup) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _manifest_for(members: dict[str, bytes], base: dict[str, Any]) -> bytes:
    files = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in members.items()
        if name != MANIFEST
    }
    return json.dumps({**base, "files": files}).encode()


def _write(
    path: Path,
    members: dict[str, bytes],
    *,
    manifest: bytes | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A zip of ``members`` with a manifest that matches them (unless one is given)."""
    base = json.loads(members[MANIFEST])
    body = {k: v for k, v in members.items() if k != MANIFEST}
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in body.items():
            zf.writestr(name, data)
        zf.writestr(MANIFEST, manifest if manifest is not None else _manifest_for(body, base))
    return path


def _restore_cli(folder: Path, backup: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(
            ["--lang", "en", "--data-dir", str(folder), "backup", "restore", str(backup)]
        )
    return code, out.getvalue() + err.getvalue()


def _refused(good: Good, bad: Path, *words: str) -> None:
    """``bad`` is refused by the command (exit 1, a sentence) and by the API, and the
    data folder is exactly as it was."""
    before = _snapshot(good.folder)
    code, said = _restore_cli(good.folder, bad)
    assert code == 1, said
    assert said.startswith("The backup was refused and nothing was changed: "), said
    for word in words:
        assert word in said
    with pytest.raises(BackupRejected):
        restore_backup(bad, good.folder, now=good.world.clock())
    assert _snapshot(good.folder) == before
    assert not [p for p in good.folder.iterdir() if p.name.startswith(".restore-")]


def _patch_flags(raw: bytes, name: str, flag: int) -> bytes:
    """``raw`` (a zip) with general-purpose ``flag`` set on member ``name`` in both its
    local header and its central directory entry."""
    data = bytearray(raw)
    encoded = name.encode()
    headers = ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46))
    for signature, flag_at, length_at, name_at in headers:
        at = 0
        while (at := data.find(signature, at)) >= 0:
            (length,) = struct.unpack_from("<H", data, at + length_at)
            if length == len(encoded) and data[at + name_at : at + name_at + length] == encoded:
                (flags,) = struct.unpack_from("<H", data, at + flag_at)
                struct.pack_into("<H", data, at + flag_at, flags | flag)
            at += 4
    return bytes(data)


def _damage_data(raw: bytes, name: str, how: Callable[[bytes], bytes]) -> bytes:
    """``raw`` with the stored bytes of member ``name`` replaced by ``how(bytes)`` (same
    length: the zip's offsets and sizes stay as they were)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        info = zf.getinfo(name)
    # The local header's extra field may differ from the central one: read its length.
    name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    end = start + info.compress_size
    changed = how(raw[start:end])
    assert len(changed) == end - start
    return raw[:start] + changed + raw[end:]


# --- the six crashes of the audit -----------------------------------------------------------


def test_a_deep_manifest(good: Good, tmp_path: Path) -> None:
    members = _members(good.backup)
    deep = b"[" * 200_000 + b"]" * 200_000
    bad = _write(tmp_path / "deep.zip", members, manifest=deep)
    _refused(good, bad, "bad manifest")


@pytest.mark.parametrize("value", ["abc", "2.5", None, True, [2], {"v": 2}, -1])
def test_a_schema_version_that_is_no_number(good: Good, tmp_path: Path, value: object) -> None:
    members = _members(good.backup)
    manifest = json.loads(members[MANIFEST])
    manifest["schema_version"] = value
    bad = _write(tmp_path / "schema.zip", members, manifest=json.dumps(manifest).encode())
    _refused(good, bad, "bad manifest")


def test_a_bad_crc(good: Good, tmp_path: Path) -> None:
    members = _members(good.backup)
    name = next(n for n in members if n.startswith("archive/invoices/"))
    stored = _write(tmp_path / "stored.zip", members, compression=zipfile.ZIP_STORED)
    raw = _damage_data(stored.read_bytes(), name, lambda b: b[:10] + bytes([b[10] ^ 1]) + b[11:])
    bad = tmp_path / "crc.zip"
    bad.write_bytes(raw)
    with zipfile.ZipFile(bad) as zf, pytest.raises(zipfile.BadZipFile, match="CRC"):
        zf.read(name)  # the damage is what the test says it is
    _refused(good, bad, "damaged", name)


def test_a_broken_deflate_stream(good: Good, tmp_path: Path) -> None:
    members = _members(good.backup)
    raw = _write(tmp_path / "ok.zip", members).read_bytes()
    raw = _damage_data(raw, DB, lambda b: b[:2] + b"\xff" * 64 + b[66:])
    bad = tmp_path / "deflate.zip"
    bad.write_bytes(raw)
    with zipfile.ZipFile(bad) as zf, pytest.raises((zlib.error, zipfile.BadZipFile)):
        zf.read(DB)
    _refused(good, bad, "damaged")


@pytest.mark.parametrize("member", [DB, MANIFEST])
def test_the_encrypted_flag(good: Good, tmp_path: Path, member: str) -> None:
    raw = _patch_flags(good.backup.read_bytes(), member, 0x1)
    bad = tmp_path / "encrypted.zip"
    bad.write_bytes(raw)
    with zipfile.ZipFile(bad) as zf:
        assert zf.getinfo(member).flag_bits & 0x1
    _refused(good, bad, "encrypted")


def test_a_forged_database_with_a_path_out_of_the_archive(good: Good, tmp_path: Path) -> None:
    members = _members(good.backup)
    forged_db = tmp_path / "forged.sqlite3"
    forged_db.write_bytes(members[DB])
    conn = sqlite3.connect(forged_db)
    for trigger in ("archive_files_frozen", "archive_chain_no_update"):
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("PRAGMA foreign_keys = OFF")
    relpath = conn.execute("SELECT relpath FROM upos").fetchone()[0]
    for table in ("archive_files", "archive_chain", "upos"):
        sql = f"UPDATE {table} SET relpath = '../../evil.xml' WHERE relpath = ?"
        conn.execute(sql, (relpath,))
    conn.commit()
    conn.close()
    members[DB] = forged_db.read_bytes()
    members["archive/../../evil.xml"] = members.pop(f"archive/{relpath}")
    bad = _write(tmp_path / "forged.zip", members)
    _refused(good, bad)
    assert not (tmp_path / "evil.xml").exists()
    assert not (good.folder.parent / "evil.xml").exists()
    # Even when only the database is forged (the member keeps its safe name):
    members = _members(good.backup)
    members[DB] = forged_db.read_bytes()
    bad = _write(tmp_path / "forged-db-only.zip", members)
    _refused(good, bad, "Unsafe path")


# --- names and sizes --------------------------------------------------------------------------


def test_a_member_named_twice(good: Good, tmp_path: Path) -> None:
    members = _members(good.backup)
    name = next(n for n in members if n.startswith("archive/"))
    bad = _write(tmp_path / "twice.zip", members)
    with zipfile.ZipFile(bad, "a") as zf, pytest.warns(UserWarning, match="Duplicate"):
        zf.writestr(name, b"other")
    _refused(good, bad, "twice")


def test_a_size_in_the_manifest_that_differs_from_the_zip(good: Good, tmp_path: Path) -> None:
    members = _members(good.backup)
    manifest = json.loads(members[MANIFEST])
    manifest["files"][DB]["size"] = 10
    bad = _write(tmp_path / "size.zip", members, manifest=json.dumps(manifest).encode())
    _refused(good, bad, "implausible size")


def _bomb(good: Good, tmp_path: Path, size: int, name: str) -> Path:
    """The backup with member ``name`` (added or replaced) made of ``size`` zero bytes,
    declared truthfully in the manifest (size and hash are right)."""
    members = _members(good.backup)
    chunk = bytes(1 << 20)
    digest = hashlib.sha256()
    for _ in range(size >> 20):
        digest.update(chunk)
    manifest = json.loads(members[MANIFEST])
    manifest["files"][name] = {"sha256": digest.hexdigest(), "size": size}
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, data in members.items():
            if key not in (MANIFEST, name):
                zf.writestr(key, data)
        with zf.open(name, "w", force_zip64=True) as out:
            for _ in range(size >> 20):
                out.write(chunk)
        zf.writestr(MANIFEST, json.dumps(manifest))
    return path


@pytest.mark.parametrize(
    ("megabytes", "name"),
    [(20, "archive/upo/2026/03/" + "0" * 64 + ".xml"), (256, DB)],
    ids=["archive-20MB", "database-256MB"],
)
def test_a_zip_bomb_is_refused_before_anything_is_unpacked(
    good: Good, tmp_path: Path, megabytes: int, name: str
) -> None:
    bomb = _bomb(good, tmp_path, megabytes << 20, name)
    assert bomb.stat().st_size < 4 << 20  # a few MB that would unpack to GB
    _refused(good, bomb, "zip bomb")


def test_no_restore_without_room_on_the_disk(good: Good, monkeypatch: pytest.MonkeyPatch) -> None:
    class Usage(NamedTuple):
        total: int
        used: int
        free: int

    # A nearly full disk (1 MB free): shutil's answer is the one thing made up here.
    monkeypatch.setattr("shutil.disk_usage", lambda _path: Usage(1 << 30, 0, 1 << 20))
    _refused(good, good.backup, "not enough free disk space")


_FULL_DISK = """
import resource, signal, sys
from datetime import UTC, datetime
from pathlib import Path
from ksef_desktop.store.backup import BackupRejected, restore_backup
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
resource.setrlimit(resource.RLIMIT_FSIZE, (32 * 1024, 32 * 1024))
try:
    restore_backup(Path(sys.argv[1]), Path(sys.argv[2]), now=datetime.now(UTC))
except BackupRejected as exc:
    print(exc.message())
    sys.exit(3)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="POSIX file-size limits")
def test_a_disk_that_fills_up_while_unpacking(good: Good) -> None:
    """No file may grow past 32 kB in the restoring process: as if the disk filled up."""
    before = _snapshot(good.folder)
    done = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(good.backup), str(good.folder)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "zabrakło miejsca na dysku, by rozpakować ksef-desktop.sqlite3" in done.stdout
    assert "Traceback" not in done.stderr
    assert _snapshot(good.folder) == before
