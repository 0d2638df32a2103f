"""The archive: every issued/sent invoice XML and every UPO as a file under the data
folder, with its SHA-256 in ``archive_files``; ``verify`` re-hashes all of it.

Files are named by their hash (``invoices/2026/03/<sha256 hex>.xml``), written atomically
with mode 0600 before the transaction that records them commits: a crash in between
leaves at most an unrecorded file with correct content, never a record without a file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ksef_desktop.i18n import _
from ksef_desktop.paths import ensure_private_dir, write_private_file
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.invoices import sha256_pair
from ksef_desktop.store.timefmt import to_db

if TYPE_CHECKING:
    import hashlib

_CHUNK = 1 << 20


class FileKind(StrEnum):
    INVOICE = "invoice"
    UPO = "upo"


class ArchiveConflict(StoreError):
    """A path already recorded with a different hash: the archive never overwrites."""


def _sha256(data: bytes = b"") -> hashlib._Hash:
    import hashlib  # on first use: OpenSSL's loading is not needed for the window's start

    return hashlib.sha256(data)


def hash_file(path: Path) -> str:
    digest = _sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def safe_relpath(relpath: str) -> PurePosixPath:
    """``relpath`` as a relative path that stays inside the archive, or ValueError."""
    pure = PurePosixPath(relpath)
    if pure.is_absolute() or not pure.parts or any(p in ("", ".", "..") for p in pure.parts):
        raise ValueError(f"unsafe archive path {relpath!r}")
    if "\\" in relpath or ":" in relpath:
        raise ValueError(f"unsafe archive path {relpath!r}")
    return pure


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    #: issued invoices whose stored XML no longer matches their stored hash
    changed_in_db: list[int] = field(default_factory=list)
    #: issued invoices with no archived file
    unarchived: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.changed_in_db or self.unarchived)

    def lines(self) -> list[str]:
        """What is wrong, one sentence per problem, in the user's language."""
        out = [_("Changed file: {path}").format(path=p) for p in self.changed]
        out += [_("Missing file: {path}").format(path=p) for p in self.missing]
        out += [
            _("Invoice {id}: stored XML does not match its hash").format(id=i)
            for i in self.changed_in_db
        ]
        out += [_("Invoice {id}: XML is not in the archive").format(id=i) for i in self.unarchived]
        return out


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def invoice_relpath(issue_date: date, sha256_hex: str) -> str:
        return f"invoices/{issue_date.year:04d}/{issue_date.month:02d}/{sha256_hex}.xml"

    @staticmethod
    def upo_relpath(received: datetime, sha256_hex: str) -> str:
        return f"upo/{received.year:04d}/{received.month:02d}/{sha256_hex}.xml"

    def path_of(self, relpath: str) -> Path:
        return self.root.joinpath(*safe_relpath(relpath).parts)

    def put(
        self, conn: sqlite3.Connection, kind: FileKind, relpath: str, data: bytes, *, now: datetime
    ) -> str:
        """Write ``data`` at ``relpath`` and record its hash (on ``conn``'s transaction)."""
        _b64, hexd = sha256_pair(data)
        row = conn.execute(
            "SELECT sha256_hex FROM archive_files WHERE relpath = ?", (relpath,)
        ).fetchone()
        if row is not None and row[0] != hexd:
            raise ArchiveConflict(f"{relpath} is archived with another hash")
        path = self.path_of(relpath)
        if not (path.is_file() and hash_file(path) == hexd):
            ensure_private_dir(self.root)
            write_private_file(path, data)
        if row is None:
            conn.execute(
                "INSERT INTO archive_files (relpath, kind, sha256_hex, size, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (relpath, kind.value, hexd, len(data), to_db(now)),
            )
        return hexd

    def read(self, conn: sqlite3.Connection, relpath: str) -> bytes:
        """The archived bytes, checked against their recorded hash."""
        row = conn.execute(
            "SELECT sha256_hex FROM archive_files WHERE relpath = ?", (relpath,)
        ).fetchone()
        if row is None:
            raise StoreError(f"{relpath} is not in the archive")
        data = self.path_of(relpath).read_bytes()
        if _sha256(data).hexdigest() != row[0]:
            raise StoreError(f"{relpath} has changed since it was archived")
        return data

    def verify(self, conn: sqlite3.Connection) -> VerifyReport:
        """Re-hash every archived file and every stored XML; report what differs."""
        changed: list[str] = []
        missing: list[str] = []
        known: set[str] = set()
        checked = 0
        for relpath, expected in conn.execute(
            "SELECT relpath, sha256_hex FROM archive_files ORDER BY relpath"
        ):
            known.add(relpath)
            path = self.path_of(relpath)
            checked += 1
            if not path.is_file():
                missing.append(relpath)
            elif hash_file(path) != expected:
                changed.append(relpath)
        unexpected = []
        if self.root.is_dir():
            for path in sorted(self.root.rglob("*")):
                rel = path.relative_to(self.root).as_posix()
                if path.is_file() and rel not in known and not path.name.startswith("."):
                    unexpected.append(rel)
        changed_in_db: list[int] = []
        unarchived: list[int] = []
        for invoice_id, issue_date, xml, hexd in conn.execute(
            "SELECT i.id, i.issue_date, d.xml, i.sha256_hex FROM invoices i "
            "JOIN invoice_documents d ON d.invoice_id = i.id "
            "WHERE i.sha256_hex IS NOT NULL ORDER BY i.id"
        ):
            data = xml if isinstance(xml, bytes) else str(xml or "").encode("utf-8")
            if _sha256(data).hexdigest() != hexd:
                changed_in_db.append(int(invoice_id))
            relpath = self.invoice_relpath(date.fromisoformat(issue_date), hexd)
            if relpath not in known:
                unarchived.append(int(invoice_id))
        return VerifyReport(checked, changed, missing, unexpected, changed_in_db, unarchived)
