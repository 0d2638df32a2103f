"""Reading a backup zip that may be hostile: the manifest, the names, the sizes.

Nothing in the zip is trusted before it is checked, and every check happens before a
byte is extracted: the manifest is bounded and parsed without recursion errors escaping,
its fields are typed; member names are one of the known kinds and stay inside the data
folder; encrypted members and members named twice are refused; each declared size must
agree with the zip's own, stay under a cap for its kind and compress no better than real
data does (a zip bomb does, by orders of magnitude); and the whole must fit on the disk
with room to spare. While extracting, the real size is compared with the declared one
(``backup.restore_backup``).
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ksef_desktop.i18n import _
from ksef_desktop.paths import ARCHIVE_NAME, DATABASE_NAME
from ksef_desktop.store.archive import safe_relpath
from ksef_desktop.store.chain import ChainHead
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.housekeeping import CERTIFICATE_PATTERN, PDF_DIR, SETTINGS_FILE
from ksef_desktop.store.schema import SCHEMA_VERSION

FORMAT = "ksef-desktop-backup"
FORMAT_VERSION = 2  # 2: settings, PDFs, certificates and the archive chain's head
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"

MIB = 1024 * 1024
MAX_MANIFEST = 64 * MIB
#: Largest member of each kind (the database has none: the ratio and free space bound it).
MAX_SIZE = {"archive": 64 * MIB, "pdf": 64 * MIB, "settings": 1 * MIB, "certificate": 1 * MIB}
#: Real data (SQLite pages, XML, PDF) deflates 2-20 times; a zip bomb a thousand times.
#: Members above RATIO_FROM bytes must not compress better than MAX_RATIO, nor the whole.
MAX_RATIO = 200
RATIO_FROM = 1 * MIB
#: Room left on the disk after the restore, besides the restored files.
SPARE_SPACE = 64 * MIB

#: What zipfile and zlib raise on a damaged or unsupported member.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,  # an encrypted member
    NotImplementedError,  # an unknown compression method
    ValueError,
)
_HEX64 = re.compile(r"[0-9a-f]{64}")


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
class Member:
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    version: int
    schema_version: int
    created_at: str
    files: dict[str, Member]
    chain: ChainHead | None


def _count(value: object) -> int | None:
    """``value`` when it is a whole number >= 0 (not a bool), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def open_zip(backup: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(backup)
    except (*ZIP_ERRORS, KeyError):
        raise BackupRejected([_("the file is not a zip archive")]) from None


def _bad_manifest() -> BackupRejected:
    return BackupRejected([_("the file is not a KSeF Desktop backup (bad manifest)")])


def _member(meta: object) -> Member:
    if not isinstance(meta, dict):
        raise ValueError("entry")
    sha, size = meta.get("sha256"), _count(meta.get("size"))
    if not (isinstance(sha, str) and _HEX64.fullmatch(sha)) or size is None:
        raise ValueError("entry")
    return Member(sha, size)


def _chain(value: object) -> ChainHead | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("chain")
    entries, head = _count(value.get("entries")), value.get("head")
    if entries is None or not (isinstance(head, str) and _HEX64.fullmatch(head)):
        raise ValueError("chain")
    return ChainHead(entries, head)


def read_manifest(zf: zipfile.ZipFile) -> Manifest:
    """The checked manifest of ``zf``; ``BackupRejected`` for anything else."""
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise BackupRejected([_("the file is not a KSeF Desktop backup (no manifest)")]) from None
    if info.flag_bits & 0x1:
        raise BackupRejected([_("the backup is encrypted; KSeF Desktop backups never are")])
    if info.file_size > MAX_MANIFEST:
        raise BackupRejected([_("the manifest is implausibly large")])
    try:
        raw = zf.read(MANIFEST)
    except ZIP_ERRORS:
        damaged = _("the backup file is damaged: {name}").format(name=MANIFEST)
        raise BackupRejected([damaged]) from None
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError):
        raise _bad_manifest() from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _bad_manifest()
    version, schema = _count(data.get("version")), _count(data.get("schema_version", 1))
    if version not in READABLE_VERSIONS or version is None:
        raise BackupRejected([_("unknown backup format version")])
    if schema is None or schema < 1:
        raise _bad_manifest()
    if schema > SCHEMA_VERSION:
        raise BackupRejected([_("the backup comes from a newer version of the program")])
    files = data.get("files")
    if not isinstance(files, dict):
        raise _bad_manifest()
    try:
        members = {str(name): _member(meta) for name, meta in files.items()}
        chain = _chain(data.get("chain"))
    except ValueError:
        raise _bad_manifest() from None
    created = data.get("created_at")
    return Manifest(version, schema, created if isinstance(created, str) else "", members, chain)


def member_kind(name: str) -> str | None:
    """database, archive, settings, pdf or certificate; None for any other name."""
    if name == DATABASE_NAME:
        return "database"
    if name == SETTINGS_FILE:
        return "settings"
    if CERTIFICATE_PATTERN.fullmatch(name):
        return "certificate"
    head, _sep, rest = name.partition("/")
    try:
        if head == ARCHIVE_NAME:
            safe_relpath(rest)
            return "archive"
        if head == PDF_DIR:
            part = safe_relpath(rest)
            if len(part.parts) == 1 and rest.lower().endswith(".pdf") and rest[0] != ".":
                return "pdf"
    except ValueError:
        return None
    return None


def member_target(staging: Path, name: str) -> Path:
    """Where member ``name`` is unpacked under ``staging`` (ValueError: not a member)."""
    if member_kind(name) is None:
        raise ValueError(name)
    return staging.joinpath(*PurePosixPath(name).parts)


def plan(zf: zipfile.ZipFile, manifest: Manifest, backup: Path, room: Path) -> list[str]:
    """Every problem found before extraction (names, sizes, ratios, free space)."""
    problems: list[str] = []
    infos = [i for i in zf.infolist() if not i.is_dir()]
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.filename in by_name:
            problems.append(_("the backup holds a file twice: {name}").format(name=info.filename))
        by_name[info.filename] = info
        if info.flag_bits & 0x1:
            problems.append(_("the backup is encrypted; KSeF Desktop backups never are"))
            return problems
    for extra in sorted(set(by_name) - set(manifest.files) - {MANIFEST}):
        problems.append(_("unexpected file in the backup: {name}").format(name=extra[:200]))
    if DATABASE_NAME not in manifest.files:
        problems.append(_("the backup holds no database"))
    total = 0
    for name, member in sorted(manifest.files.items()):
        kind = member_kind(name)
        found = by_name.get(name)
        if kind is None:
            problems.append(
                _("unsafe or malformed entry in the backup: {name}").format(name=name[:200])
            )
        elif found is None:
            problems.append(_("missing from the backup: {name}").format(name=name))
        elif found.file_size != member.size or member.size > MAX_SIZE.get(kind, member.size):
            problems.append(_("implausible size in the backup: {name}").format(name=name))
        elif member.size > RATIO_FROM and member.size > MAX_RATIO * max(1, found.compress_size):
            problems.append(
                _("compressed implausibly well (a zip bomb?): {name}").format(name=name)
            )
        total += member.size
    if problems:
        return problems
    if total > max(64 * MIB, MAX_RATIO * backup.stat().st_size):
        return [_("the backup unpacks to implausibly much data (a zip bomb?)")]
    free = shutil.disk_usage(room).free
    if total + SPARE_SPACE > free:
        return [
            _("not enough free disk space: the backup needs {need} MB, {free} MB are free").format(
                need=(total + SPARE_SPACE) // MIB, free=free // MIB
            )
        ]
    return problems
