"""Backup: one zip file with the database and the archive; restore only if every hash holds.

DESIGN.md §4. The zip holds ``manifest.json`` (format, time, schema version, and the
SHA-256 and size of every other member), ``ksef-desktop.sqlite3`` (a consistent copy
made with SQLite's backup API while the program may keep writing) and
``archive/<path>`` for every archived file the database records.

Restoring first unpacks everything into a staging folder inside the data folder and
checks it all: member names, sizes and hashes against the manifest, the database's
integrity and schema version, and every archived file and stored XML against the hashes
in the restored database. Only then are the current database and archive moved aside
(into ``.before-restore-<time>``, kept) and the restored ones moved in. A tampered or
incomplete backup is refused with nothing replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ksef_desktop.i18n import _
from ksef_desktop.paths import (
    ARCHIVE_NAME,
    DATABASE_NAME,
    PRIVATE_FILE_MODE,
    archive_dir,
    create_private_file,
    database_path,
    ensure_private_dir,
    is_posix,
)
from ksef_desktop.store import Store
from ksef_desktop.store.archive import Archive, safe_relpath
from ksef_desktop.store.db import StoreError, backup_to
from ksef_desktop.store.schema import SCHEMA_VERSION

FORMAT = "ksef-desktop-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1 << 20
_MAX_MANIFEST = 64 << 20


class BackupError(StoreError):
    """The backup could not be made (e.g. the archive itself does not verify)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    def message(self) -> str:
        return _("The backup was not made: {problems}").format(problems="; ".join(self.problems))


class BackupRejected(StoreError):
    """The backup file fails a check; nothing was replaced."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:10]))
        self.problems = problems

    def message(self) -> str:
        return _("The backup was refused and nothing was changed: {problems}").format(
            problems="; ".join(self.problems[:10])
        )


@dataclass(frozen=True)
class RestoreReport:
    invoices: int
    files: int
    #: where the database and archive in place before the restore were moved
    previous: Path


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def create_backup(store: Store, target: Path, *, now: datetime) -> Path:
    """Write the backup zip of ``store`` to ``target`` (mode 0600); return ``target``."""
    conn = store.db.connection()
    report = store.archive.verify(conn)
    if not report.ok:
        raise BackupError(report.lines())
    ensure_private_dir(target.parent)
    staging = target.with_name(f".{target.name}.db-{os.getpid()}")
    partial = target.with_name(f".{target.name}.part-{os.getpid()}")
    try:
        backup_to(conn, staging)
        copy = sqlite3.connect(staging)
        try:
            # A self-contained file: no -wal beside it inside the zip.
            copy.execute("PRAGMA journal_mode = DELETE")
            relpaths = [r[0] for r in copy.execute("SELECT relpath FROM archive_files")]
        finally:
            copy.close()
        files: dict[str, dict[str, Any]] = {
            DATABASE_NAME: {"sha256": _sha256_file(staging), "size": staging.stat().st_size}
        }
        partial.unlink(missing_ok=True)
        create_private_file(partial)
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(staging, DATABASE_NAME)
            for relpath in sorted(relpaths):
                path = store.archive.path_of(relpath)
                name = f"{ARCHIVE_NAME}/{relpath}"
                data = path.read_bytes()
                files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                zf.writestr(name, data)
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": now.astimezone(UTC).isoformat(),
                "schema_version": SCHEMA_VERSION,
                "files": files,
            }
            zf.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
        if is_posix():
            partial.chmod(PRIVATE_FILE_MODE)
        os.replace(partial, target)
    finally:
        staging.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return target


def _read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise BackupRejected([_("the file is not a KSeF Desktop backup (no manifest)")]) from None
    if info.file_size > _MAX_MANIFEST:
        raise BackupRejected([_("the manifest is implausibly large")])
    try:
        manifest = json.loads(zf.read(MANIFEST))
        if manifest["format"] != FORMAT or not isinstance(manifest["files"], dict):
            raise ValueError("not our format")
    except (ValueError, KeyError, TypeError):
        raise BackupRejected([_("the file is not a KSeF Desktop backup (bad manifest)")]) from None
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupRejected([_("unknown backup format version")])
    if int(manifest.get("schema_version", 0)) > SCHEMA_VERSION:
        raise BackupRejected([_("the backup comes from a newer version of the program")])
    return dict(manifest)


def _member_target(staging: Path, name: str) -> Path:
    if name == DATABASE_NAME:
        return staging / DATABASE_NAME
    prefix = f"{ARCHIVE_NAME}/"
    if not name.startswith(prefix):
        raise ValueError(name)
    return staging.joinpath(ARCHIVE_NAME, *safe_relpath(name[len(prefix) :]).parts)


def _unpack(zf: zipfile.ZipFile, manifest: dict[str, Any], staging: Path) -> list[str]:
    """Extract every member into ``staging``, hashing as it goes; return the problems."""
    problems: list[str] = []
    files: dict[str, Any] = manifest["files"]
    names = {i.filename for i in zf.infolist() if not i.is_dir()} - {MANIFEST}
    for extra in sorted(names - set(files)):
        problems.append(_("unexpected file in the backup: {name}").format(name=extra))
    if DATABASE_NAME not in files:
        problems.append(_("the backup holds no database"))
    for name, meta in sorted(files.items()):
        if name not in names:
            problems.append(_("missing from the backup: {name}").format(name=name))
            continue
        try:
            target = _member_target(staging, name)
            expected_size = int(meta["size"])
            expected_hash = str(meta["sha256"])
        except (ValueError, KeyError, TypeError):
            problems.append(_("unsafe or malformed entry in the backup: {name}").format(name=name))
            continue
        ensure_private_dir(target.parent)
        digest = hashlib.sha256()
        size = 0
        create_private_file(target)
        with zf.open(name) as src, target.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                size += len(chunk)
                if size > expected_size:
                    break
                digest.update(chunk)
                dst.write(chunk)
        if size != expected_size or digest.hexdigest() != expected_hash:
            problems.append(_("changed since the backup was made: {name}").format(name=name))
    return problems


def _check_database(staging: Path) -> tuple[list[str], int, int]:
    problems: list[str] = []
    conn = sqlite3.connect(staging / DATABASE_NAME)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            return [_("the database in the backup is damaged")], 0, 0
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION or version < 1:
            return [_("the database in the backup has an unknown schema version")], 0, 0
        report = Archive(staging / ARCHIVE_NAME).verify(conn)
        problems.extend(report.lines())
        invoices = int(conn.execute("SELECT count(*) FROM invoices").fetchone()[0])
        files = int(conn.execute("SELECT count(*) FROM archive_files").fetchone()[0])
    except sqlite3.DatabaseError:
        return [_("the database in the backup is damaged")], 0, 0
    finally:
        conn.close()
    return problems, invoices, files


def restore_backup(backup: Path, data_dir: Path, *, now: datetime) -> RestoreReport:
    """Replace the database and archive of ``data_dir`` with those in ``backup``.

    Close every connection to the store first. Raises ``BackupRejected`` (and changes
    nothing) unless every check passes.
    """
    ensure_private_dir(data_dir)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    staging = data_dir / f".restore-{stamp}-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    ensure_private_dir(staging)
    try:
        try:
            zf = zipfile.ZipFile(backup)
        except (zipfile.BadZipFile, OSError):
            raise BackupRejected([_("the file is not a zip archive")]) from None
        with zf:
            manifest = _read_manifest(zf)
            problems = _unpack(zf, manifest, staging)
        if problems:
            raise BackupRejected(problems)
        problems, invoices, files = _check_database(staging)
        if problems:
            raise BackupRejected(problems)
        previous = data_dir / f".before-restore-{stamp}"
        serial = 1
        while previous.exists():  # never overwrite what an earlier restore kept
            serial += 1
            previous = data_dir / f".before-restore-{stamp}-{serial}"
        ensure_private_dir(previous)
        db_path = database_path(data_dir)
        for suffix in ("", "-wal", "-shm"):
            current = db_path.with_name(db_path.name + suffix)
            if current.exists():
                os.replace(current, previous / current.name)
        if archive_dir(data_dir).exists():
            os.replace(archive_dir(data_dir), previous / ARCHIVE_NAME)
        os.replace(staging / DATABASE_NAME, db_path)
        if (staging / ARCHIVE_NAME).exists():
            os.replace(staging / ARCHIVE_NAME, archive_dir(data_dir))
        return RestoreReport(invoices=invoices, files=files, previous=previous)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
