"""The archive's hash chain: every archived file, in order, in an append-only list.

``archive_files`` says which hash each archived file had when it was written; someone
who edits a file and its recorded hash together goes unnoticed there. So each file is
also appended to ``archive_chain`` in the same transaction, and each entry's hash covers
the entry before it (``entry_hash = SHA-256(prev_hash, seq, kind, relpath, sha256, size,
created_at)``). Triggers forbid changing or deleting an entry and appending out of
order; going around them (dropping the triggers) and rewriting the chain changes its
*head* — the last entry's hash — and every later one. The head is written into each
backup's manifest and shown to the user (``backup create``, ``verify``): ``verify
--against BACKUP.zip`` or ``--head N:HEX`` then finds any rewrite of the first N entries.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

GENESIS = "0" * 64  # the "previous hash" of the first entry (hex(zeroblob(32)) in SQL)
_HEAD_TEXT = re.compile(r"(?P<entries>[0-9]{1,12}):(?P<head>[0-9a-f]{64})")

#: Schema of the chain (store/schema.py applies it in a migration).
SCHEMA = """
CREATE TABLE archive_chain (
    seq         INTEGER PRIMARY KEY CHECK (seq >= 1),
    relpath     TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    sha256_hex  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    entry_hash  TEXT NOT NULL
);

CREATE TRIGGER archive_chain_no_update BEFORE UPDATE ON archive_chain
BEGIN
    SELECT RAISE(ABORT, 'the archive chain is append-only');
END;

CREATE TRIGGER archive_chain_no_delete BEFORE DELETE ON archive_chain
BEGIN
    SELECT RAISE(ABORT, 'the archive chain is append-only');
END;

CREATE TRIGGER archive_chain_in_order BEFORE INSERT ON archive_chain
WHEN NEW.seq IS NOT (SELECT IFNULL(MAX(seq), 0) + 1 FROM archive_chain)
  OR NEW.prev_hash IS NOT IFNULL(
         (SELECT entry_hash FROM archive_chain ORDER BY seq DESC LIMIT 1),
         hex(zeroblob(32)))
BEGIN
    SELECT RAISE(ABORT, 'the archive chain is append-only');
END;

-- What was archived stays as recorded.
CREATE TRIGGER archive_files_frozen BEFORE UPDATE ON archive_files
BEGIN
    SELECT RAISE(ABORT, 'archived files are immutable');
END;

CREATE TRIGGER archive_files_no_delete BEFORE DELETE ON archive_files
BEGIN
    SELECT RAISE(ABORT, 'archived files are immutable');
END;
"""


@dataclass(frozen=True)
class ChainHead:
    """How many entries the chain has and the hash of the last one."""

    entries: int
    head: str

    def text(self) -> str:
        """``N:HEX``, as shown to the user and accepted by ``verify --head``."""
        return f"{self.entries}:{self.head}"

    @classmethod
    def parse(cls, text: str) -> ChainHead:
        match = _HEAD_TEXT.fullmatch(text.strip().lower())
        if match is None:
            raise ValueError(f"not a chain head (N:64 hex digits): {text[:80]!r}")
        return cls(int(match.group("entries")), match.group("head"))


@dataclass(frozen=True)
class Entry:
    seq: int
    relpath: str
    kind: str
    sha256_hex: str
    size: int
    created_at: str
    prev_hash: str
    entry_hash: str


def entry_hash(
    prev_hash: str, seq: int, kind: str, relpath: str, sha256_hex: str, size: int, created_at: str
) -> str:
    import hashlib  # on first use: OpenSSL's loading is not needed for the window's start

    fields = (prev_hash, str(seq), kind, relpath, sha256_hex, str(size), created_at)
    return hashlib.sha256("\n".join(fields).encode("utf-8")).hexdigest()


def exists(conn: sqlite3.Connection) -> bool:
    """False for a database from before the chain (an old backup being checked)."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'archive_chain'"
    ).fetchone()
    return row is not None


def head(conn: sqlite3.Connection) -> ChainHead:
    row = conn.execute(
        "SELECT seq, entry_hash FROM archive_chain ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    return ChainHead(0, GENESIS) if row is None else ChainHead(_int(row[0]), str(row[1]))


def append(
    conn: sqlite3.Connection, kind: str, relpath: str, sha256_hex: str, size: int, created_at: str
) -> ChainHead:
    """Add a file to the chain (on ``conn``'s transaction); return the new head."""
    last = head(conn)
    seq = last.entries + 1
    digest = entry_hash(last.head, seq, kind, relpath, sha256_hex, size, created_at)
    conn.execute(
        "INSERT INTO archive_chain (seq, relpath, kind, sha256_hex, size, created_at, "
        "prev_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, relpath, kind, sha256_hex, size, created_at, last.head, digest),
    )
    return ChainHead(seq, digest)


def entries(conn: sqlite3.Connection) -> list[Entry]:
    rows = conn.execute(
        "SELECT seq, relpath, kind, sha256_hex, size, created_at, prev_hash, entry_hash "
        "FROM archive_chain ORDER BY seq"
    )
    return [
        Entry(_int(r[0]), str(r[1]), str(r[2]), str(r[3]), _int(r[4]), *map(str, r[5:8]))
        for r in rows
    ]


def _int(value: object) -> int:
    """An integer column as recorded; -1 for anything else (a forged database)."""
    return value if isinstance(value, int) else -1


def broken_links(chain: list[Entry]) -> list[int]:
    """The sequence numbers of entries whose hash or link does not hold."""
    broken: list[int] = []
    prev = GENESIS
    for expected_seq, e in enumerate(chain, start=1):
        digest = entry_hash(prev, e.seq, e.kind, e.relpath, e.sha256_hex, e.size, e.created_at)
        if e.seq != expected_seq or e.prev_hash != prev or e.entry_hash != digest:
            broken.append(e.seq)
        prev = e.entry_hash
    return broken


def head_at(chain: list[Entry], count: int) -> str | None:
    """The hash of entry ``count`` (the head the chain had then); None if it is shorter."""
    if count == 0:
        return GENESIS
    if count > len(chain):
        return None
    return chain[count - 1].entry_hash


def migrate(conn: sqlite3.Connection) -> None:
    """Create the chain and list every file archived so far, oldest first."""
    from ksef_desktop.store.db import run_script

    run_script(conn, SCHEMA)
    rows = conn.execute(
        "SELECT relpath, kind, sha256_hex, size, created_at FROM archive_files "
        "ORDER BY created_at, relpath"
    ).fetchall()
    for relpath, kind, sha256_hex, size, created_at in rows:
        append(conn, str(kind), str(relpath), str(sha256_hex), int(size), str(created_at))
