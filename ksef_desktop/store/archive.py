"""The archive: every issued/sent invoice XML and every UPO as a file under the data
folder, with its SHA-256 in ``archive_files``; ``verify`` re-hashes all of it.

Files are named by their hash (``invoices/2026/03/<sha256 hex>.xml``), written atomically
with mode 0600 before the transaction that records them commits: a crash in between
leaves at most an unrecorded file with correct content, never a record without a file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ksef_desktop.i18n import _
from ksef_desktop.paths import ensure_private_dir, write_private_file
from ksef_desktop.store import chain
from ksef_desktop.store.chain import ChainHead
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
    #: files in the archive folder that neither the database nor the chain knows (an
    #: interrupted write leaves one; reported, not a failure)
    unexpected: list[str] = field(default_factory=list)
    #: issued invoices whose stored XML no longer matches their stored hash
    changed_in_db: list[int] = field(default_factory=list)
    #: issued invoices with no archived file
    unarchived: list[int] = field(default_factory=list)
    #: recorded paths that would lead outside the archive (a forged database)
    unsafe: list[str] = field(default_factory=list)
    #: sequence numbers of chain entries whose hash or link does not hold
    chain_broken: list[int] = field(default_factory=list)
    #: files in the chain whose record in the database is gone
    unrecorded: list[str] = field(default_factory=list)
    #: files recorded in the database with another hash than the chain's, or not in it
    chain_mismatch: list[str] = field(default_factory=list)
    #: archived UPOs no UPO record refers to, archived invoices of no invoice
    orphaned: list[str] = field(default_factory=list)
    #: the chain's head when every entry holds (None: it does not)
    head: ChainHead | None = None
    #: a head kept from before (a backup, a printed line) the chain no longer begins with
    diverged_from: ChainHead | None = None

    @property
    def ok(self) -> bool:
        return not (
            self.changed
            or self.missing
            or self.changed_in_db
            or self.unarchived
            or self.unsafe
            or self.chain_broken
            or self.unrecorded
            or self.chain_mismatch
            or self.orphaned
            or self.diverged_from
        )

    def lines(self) -> list[str]:
        """What is wrong, one sentence per problem, in the user's language."""
        out = [_("Changed file: {path}").format(path=p) for p in self.changed]
        out += [_("Missing file: {path}").format(path=p) for p in self.missing]
        out += [
            _("Invoice {id}: stored XML does not match its hash").format(id=i)
            for i in self.changed_in_db
        ]
        out += [_("Invoice {id}: XML is not in the archive").format(id=i) for i in self.unarchived]
        out += [
            _("Unsafe path recorded in the database (outside the archive): {path}").format(
                path=p[:200]
            )
            for p in self.unsafe
        ]
        out += [
            _("The archive chain is broken at entry {seq}: its record was rewritten").format(seq=n)
            for n in self.chain_broken[:20]
        ]
        out += [
            _("Archived file whose record was deleted from the database: {path}").format(path=p)
            for p in self.unrecorded
        ]
        out += [
            _("Recorded hash differs from the archive chain: {path}").format(path=p)
            for p in self.chain_mismatch
        ]
        out += [
            _("Archived file that no invoice or UPO record refers to: {path}").format(path=p)
            for p in self.orphaned
        ]
        if self.diverged_from is not None:
            out.append(
                _(
                    "The archive no longer holds what the chain head {head} recorded: "
                    "archived files or their records were rewritten or removed since."
                ).format(head=self.diverged_from.text())
            )
        return out

    def notes(self) -> list[str]:
        """What is worth knowing but not a failure, in the user's language."""
        return [
            _("File in the archive folder not recorded in the database: {path}").format(path=p)
            for p in self.unexpected
        ]


def _as_int(value: object) -> int:
    """An integer column as recorded; -1 for anything else (a forged database)."""
    return value if isinstance(value, int) else -1


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
            created = to_db(now)
            conn.execute(
                "INSERT INTO archive_files (relpath, kind, sha256_hex, size, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (relpath, kind.value, hexd, len(data), created),
            )
            chain.append(conn, kind.value, relpath, hexd, len(data), created)
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
        """Re-hash every archived file and every stored XML, check the chain and who
        refers to each file; report what differs. Never raises on a hostile database."""
        changed: list[str] = []
        missing: list[str] = []
        unsafe: list[str] = []
        recorded: dict[str, tuple[str, str, int]] = {}
        for relpath, kind, expected, size in conn.execute(
            "SELECT relpath, kind, sha256_hex, size FROM archive_files ORDER BY relpath"
        ):
            recorded[str(relpath)] = (str(kind), str(expected), _as_int(size))
            try:
                path = self.path_of(str(relpath))
            except ValueError:
                unsafe.append(str(relpath))
                continue
            if not path.is_file():
                missing.append(relpath)
            elif hash_file(path) != expected:
                changed.append(relpath)
        has_chain = chain.exists(conn)  # not in a database from before it (an old backup)
        entries = chain.entries(conn) if has_chain else []
        broken = chain.broken_links(entries)
        in_chain = {e.relpath: e for e in entries}
        unrecorded = [e.relpath for e in entries if e.relpath not in recorded]
        mismatch = [
            relpath
            for relpath, (kind, hexd, size) in recorded.items()
            if has_chain
            and (
                (e := in_chain.get(relpath)) is None
                or (e.kind, e.sha256_hex, e.size) != (kind, hexd, size)
            )
        ]
        unexpected = [p for p in self._files_on_disk() if p not in recorded]
        changed_in_db, unarchived, invoice_files = self._check_invoices(conn, recorded)
        upo_files = {str(r[0]) for r in conn.execute("SELECT relpath FROM upos")}
        orphaned = [
            relpath
            for relpath, (kind, _hexd, _size) in sorted(recorded.items())
            if relpath not in (upo_files if kind == FileKind.UPO else invoice_files)
        ]
        return VerifyReport(
            checked=len(recorded),
            changed=changed,
            missing=missing,
            unexpected=[p for p in unexpected if p not in in_chain],
            changed_in_db=changed_in_db,
            unarchived=unarchived,
            unsafe=unsafe,
            chain_broken=broken,
            unrecorded=unrecorded,
            chain_mismatch=mismatch,
            orphaned=orphaned,
            head=chain.head(conn) if has_chain and not broken else None,
        )

    def compare(
        self, conn: sqlite3.Connection, report: VerifyReport, kept: ChainHead
    ) -> VerifyReport:
        """``report`` with ``diverged_from`` set when the chain does not begin with the
        ``kept.entries`` entries whose last hash was ``kept.head``."""
        entries = chain.entries(conn) if chain.exists(conn) else []
        intact = all(seq > kept.entries for seq in report.chain_broken)
        if intact and chain.head_at(entries, kept.entries) == kept.head:
            return report
        return replace(report, diverged_from=kept)

    def _files_on_disk(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return [
            path.relative_to(self.root).as_posix()
            for path in sorted(self.root.rglob("*"))
            if path.is_file() and not path.name.startswith(".")
        ]

    def _check_invoices(
        self, conn: sqlite3.Connection, recorded: dict[str, tuple[str, str, int]]
    ) -> tuple[list[int], list[int], set[str]]:
        """(invoices whose stored XML changed, invoices without an archived file, the
        archive paths of every issued invoice)."""
        changed_in_db: list[int] = []
        unarchived: list[int] = []
        paths: set[str] = set()
        for invoice_id, issue_date, xml, hexd in conn.execute(
            "SELECT i.id, i.issue_date, d.xml, i.sha256_hex FROM invoices i "
            "JOIN invoice_documents d ON d.invoice_id = i.id "
            "WHERE i.sha256_hex IS NOT NULL ORDER BY i.id"
        ):
            data = xml if isinstance(xml, bytes) else str(xml or "").encode("utf-8")
            if _sha256(data).hexdigest() != hexd:
                changed_in_db.append(int(invoice_id))
            try:
                relpath = self.invoice_relpath(date.fromisoformat(issue_date), hexd)
            except (TypeError, ValueError):
                unarchived.append(int(invoice_id))
                continue
            paths.add(relpath)
            if relpath not in recorded:
                unarchived.append(int(invoice_id))
        return changed_in_db, unarchived, paths
