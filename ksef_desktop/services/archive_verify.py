"""Check the archive: every sent XML and UPO re-hashed against the database, the archive
chain link by link, and optionally against a head kept from before (DESIGN.md §3)."""

from __future__ import annotations

from ksef_desktop.store import Store
from ksef_desktop.store.archive import VerifyReport
from ksef_desktop.store.chain import ChainHead


def verify_archive(store: Store, kept: ChainHead | None = None) -> VerifyReport:
    """Re-hash every archived file and every stored invoice XML; report what differs.

    With ``kept`` (from a backup's manifest or a line the user kept), also report when
    the archive chain no longer begins with what that head recorded. Read-only: nothing
    is repaired, so that the report shows what really happened.
    """
    conn = store.db.connection()
    report = store.archive.verify(conn)
    return report if kept is None else store.archive.compare(conn, report, kept)
