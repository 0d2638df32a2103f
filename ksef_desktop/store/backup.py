"""Backup: one zip file with everything of the data folder; restore only if every hash holds.

DESIGN.md §4. The zip holds ``manifest.json`` (format, time, schema version, the head
of the archive chain, and the SHA-256 and size of every other member),
``ksef-desktop.sqlite3`` (a consistent, vacuumed copy made with SQLite's backup API
while the program may keep writing), ``archive/<path>`` for every archived file the
database records, and what else the user would miss: ``settings.json``, the PDFs
(``pdf/``) and the public offline certificates (``offline-certificate-*.der``).

Restoring reads the zip as hostile (backup_check): the manifest and every name and
size are checked before anything is extracted; then everything is unpacked into a
staging folder inside the data folder and checked: the real sizes and hashes against
the manifest, the database's integrity and schema version, every archived file and
stored XML against the hashes in the restored database, its archive chain against the
head in the manifest. Only then are the current files moved aside (into
``.before-restore-<time>``, kept) and the restored ones moved in. A tampered,
damaged or incomplete backup is refused with nothing replaced.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
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
    write_private_file,
)
from ksef_desktop.store import Store, chain
from ksef_desktop.store.archive import Archive
from ksef_desktop.store.backup_check import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    ZIP_ERRORS,
    BackupRejected,
    Manifest,
    member_kind,
    member_target,
    open_zip,
    plan,
    read_manifest,
)
from ksef_desktop.store.chain import ChainHead
from ksef_desktop.store.db import StoreError, backup_to
from ksef_desktop.store.housekeeping import CERTIFICATE_PATTERN, PDF_DIR, SETTINGS_FILE
from ksef_desktop.store.schema import SCHEMA_VERSION

__all__ = [
    "MANIFEST",
    "BackupError",
    "BackupRejected",
    "RestoreReport",
    "backup_head",
    "create_backup",
    "restore_backup",
]

_CHUNK = 1 << 20
#: No room to write: the disk is full, the quota used up, or a file-size limit reached.
_DISK_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_PARTIAL = re.compile(r"\.(?P<name>.+)\.(?:db|part)-(?P<pid>[0-9]+)")


class BackupError(StoreError):
    """The backup could not be made (e.g. the archive itself does not verify)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    def message(self) -> str:
        return _("The backup was not made: {problems}").format(problems="; ".join(self.problems))


@dataclass(frozen=True)
class RestoreReport:
    invoices: int
    files: int
    #: where the data in place before the restore was moved
    previous: Path
    #: the archive chain's head of the restored database (None: a backup without one)
    head: ChainHead | None = None


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _extras(folder: Path) -> list[tuple[str, Path]]:
    """(member name, file) of the settings, the PDFs and the offline certificates."""
    found: list[tuple[str, Path]] = []
    if (folder / SETTINGS_FILE).is_file():
        found.append((SETTINGS_FILE, folder / SETTINGS_FILE))
    for path in sorted(folder.glob("offline-certificate-*.der")):
        if path.is_file() and CERTIFICATE_PATTERN.fullmatch(path.name):
            found.append((path.name, path))
    pdfs = folder / PDF_DIR
    if pdfs.is_dir():
        for path in sorted(pdfs.iterdir()):
            name = f"{PDF_DIR}/{path.name}"
            if path.is_file() and member_kind(name) == "pdf":
                found.append((name, path))
    return found


def _remove_stale_partials(target: Path) -> None:
    """Temporary files of an earlier ``create_backup`` of ``target`` that was killed."""
    from ksef_desktop.store.housekeeping import _alive

    for path in target.parent.glob(f".{target.name}.*-*"):
        match = _PARTIAL.fullmatch(path.name)
        if match and match.group("name") == target.name and not _alive(int(match["pid"])):
            path.unlink(missing_ok=True)


def create_backup(store: Store, target: Path, *, now: datetime) -> Path:
    """Write the backup zip of ``store`` to ``target`` (mode 0600); return ``target``."""
    conn = store.db.connection()
    report = store.archive.verify(conn)
    if not report.ok:
        raise BackupError(report.lines())
    ensure_private_dir(target.parent)
    _remove_stale_partials(target)
    staging = target.with_name(f".{target.name}.db-{os.getpid()}")
    partial = target.with_name(f".{target.name}.part-{os.getpid()}")
    try:
        backup_to(conn, staging)
        copy = sqlite3.connect(staging)
        try:
            # A self-contained, compact file: no -wal beside it inside the zip, and no
            # free pages (zeros compress like a zip bomb; the restore refuses those).
            copy.execute("PRAGMA journal_mode = DELETE")
            copy.execute("VACUUM")
            relpaths = [r[0] for r in copy.execute("SELECT relpath FROM archive_files")]
            head = chain.head(copy)
        finally:
            copy.close()
        files: dict[str, dict[str, Any]] = {
            DATABASE_NAME: {"sha256": _sha256_file(staging), "size": staging.stat().st_size}
        }
        partial.unlink(missing_ok=True)
        create_private_file(partial)
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(staging, DATABASE_NAME)
            members = [(f"{ARCHIVE_NAME}/{r}", store.archive.path_of(r)) for r in sorted(relpaths)]
            for name, path in members + _extras(store.data_dir):
                data = path.read_bytes()
                files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                zf.writestr(name, data)
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": now.astimezone(UTC).isoformat(),
                "schema_version": SCHEMA_VERSION,
                "chain": {"entries": head.entries, "head": head.head},
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


def backup_head(backup: Path) -> ChainHead | None:
    """The archive chain's head recorded in ``backup`` (None: a backup made before the
    chain existed). Raises ``BackupRejected`` for a file that is no readable backup."""
    with open_zip(backup) as zf:
        return read_manifest(zf).chain


def _unpack(zf: zipfile.ZipFile, manifest: Manifest, staging: Path) -> list[str]:
    """Extract every member into ``staging``, counting and hashing as it goes."""
    problems: list[str] = []
    for name, member in sorted(manifest.files.items()):
        target = member_target(staging, name)
        ensure_private_dir(target.parent)
        digest = hashlib.sha256()
        size = 0
        create_private_file(target)
        try:
            with zf.open(name) as src, target.open("wb") as dst:
                while chunk := src.read(_CHUNK):
                    size += len(chunk)
                    if size > member.size:
                        break  # more than declared: stop writing at once
                    digest.update(chunk)
                    dst.write(chunk)
        except OSError as exc:
            if exc.errno in _DISK_FULL:
                problems.append(_("no room left on the disk to unpack {name}").format(name=name))
                break
            problems.append(_("the backup file is damaged: {name}").format(name=name))
            continue
        except ZIP_ERRORS:
            problems.append(_("the backup file is damaged: {name}").format(name=name))
            continue
        if size != member.size or digest.hexdigest() != member.sha256:
            problems.append(_("changed since the backup was made: {name}").format(name=name))
    return problems


def _check_database(
    staging: Path, manifest: Manifest
) -> tuple[list[str], int, int, ChainHead | None]:
    damaged = [_("the database in the backup is damaged")]
    conn = sqlite3.connect(staging / DATABASE_NAME)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            return damaged, 0, 0, None
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
            return [_("the database in the backup has an unknown schema version")], 0, 0, None
        report = Archive(staging / ARCHIVE_NAME).verify(conn)
        problems = report.lines()
        head = chain.head(conn) if chain.exists(conn) else None
        if manifest.chain is not None and head != manifest.chain:
            problems.append(
                _("the database does not match the archive chain head recorded in the backup")
            )
        invoices = int(conn.execute("SELECT count(*) FROM invoices").fetchone()[0])
        files = int(conn.execute("SELECT count(*) FROM archive_files").fetchone()[0])
    except (sqlite3.DatabaseError, StoreError, ValueError, TypeError):
        return damaged, 0, 0, None
    finally:
        conn.close()
    return problems, invoices, files, head


def _check_settings(staging: Path, data_dir: Path) -> list[str]:
    """The restored settings must be a JSON object; a kept certificate's path is made
    to point into ``data_dir`` (the backup may come from another folder or computer)."""
    path = staging / SETTINGS_FILE
    if not path.exists():
        return []
    try:
        values: Any = json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        values = None
    if not isinstance(values, dict):
        return [_("the settings in the backup cannot be read: {name}").format(name=SETTINGS_FILE)]
    kept = values.get("offline_certificate")
    if isinstance(kept, str) and kept:
        name = Path(kept.replace("\\", "/")).name
        if CERTIFICATE_PATTERN.fullmatch(name) and (staging / name).is_file():
            values["offline_certificate"] = str(data_dir / name)
            text = json.dumps(values, ensure_ascii=False, indent=1, sort_keys=True)
            write_private_file(path, text.encode("utf-8"))
    return []


def _repoint_certificates(staging: Path, data_dir: Path) -> None:
    """Each profile's kept offline certificate, named by its path in the database, is
    the restored copy in ``data_dir`` (the backup may come from another folder or
    computer). A backup made before profiles names it in its settings instead
    (``_check_settings``), and the migration to profiles carries it over."""
    conn = sqlite3.connect(staging / DATABASE_NAME, isolation_level=None)
    try:
        if not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'profiles'"
        ).fetchone():
            return
        rows = conn.execute(
            "SELECT id, offline_certificate FROM profiles WHERE offline_certificate <> ''"
        ).fetchall()
        conn.execute("BEGIN IMMEDIATE")
        for profile_id, kept in rows:
            name = Path(str(kept).replace("\\", "/")).name
            if CERTIFICATE_PATTERN.fullmatch(name) and (staging / name).is_file():
                conn.execute(
                    "UPDATE profiles SET offline_certificate = ? WHERE id = ?",
                    (str(data_dir / name), profile_id),
                )
        conn.execute("COMMIT")
    finally:
        conn.close()


def _current_extras(data_dir: Path) -> list[Path]:
    found = [data_dir / SETTINGS_FILE, data_dir / PDF_DIR]
    found += [p for p in data_dir.glob("offline-certificate-*.der")]
    return [p for p in found if p.exists()]


def _move_in(staging: Path, data_dir: Path, previous: Path, manifest: Manifest) -> None:
    db_path = database_path(data_dir)
    for suffix in ("", "-wal", "-shm"):
        current = db_path.with_name(db_path.name + suffix)
        if current.exists():
            os.replace(current, previous / current.name)
    if archive_dir(data_dir).exists():
        os.replace(archive_dir(data_dir), previous / ARCHIVE_NAME)
    if manifest.version >= 2:  # the backup holds the settings, PDFs and certificates
        for path in _current_extras(data_dir):
            os.replace(path, previous / path.name)
    os.replace(staging / DATABASE_NAME, db_path)
    for name in (ARCHIVE_NAME, PDF_DIR, SETTINGS_FILE):
        if (staging / name).exists():
            os.replace(staging / name, data_dir / name)
    for path in staging.glob("offline-certificate-*.der"):
        os.replace(path, data_dir / path.name)


def restore_backup(backup: Path, data_dir: Path, *, now: datetime) -> RestoreReport:
    """Replace the database, archive, settings, PDFs and certificates of ``data_dir``
    with those in ``backup``.

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
        with open_zip(backup) as zf:
            manifest = read_manifest(zf)
            problems = plan(zf, manifest, backup, data_dir)
            if problems:
                raise BackupRejected(problems)
            problems = _unpack(zf, manifest, staging)
        if problems:
            raise BackupRejected(problems)
        problems, invoices, files, head = _check_database(staging, manifest)
        problems += _check_settings(staging, data_dir)
        if problems:
            raise BackupRejected(problems)
        _repoint_certificates(staging, data_dir)
        previous = data_dir / f".before-restore-{stamp}"
        serial = 1
        while previous.exists():  # never overwrite what an earlier restore kept
            serial += 1
            previous = data_dir / f".before-restore-{stamp}-{serial}"
        ensure_private_dir(previous)
        _move_in(staging, data_dir, previous, manifest)
        return RestoreReport(invoices=invoices, files=files, previous=previous, head=head)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
