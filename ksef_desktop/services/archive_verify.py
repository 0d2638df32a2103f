"""Check the archive: every sent XML and UPO re-hashed against the database (DESIGN.md §3)."""

from __future__ import annotations

from ksef_desktop.store import Store
from ksef_desktop.store.archive import VerifyReport


def verify_archive(store: Store) -> VerifyReport:
    """Re-hash every archived file and every stored invoice XML; report what differs.

    Read-only: nothing is repaired, so that the report shows what really happened.
    """
    return store.archive.verify(store.db.connection())
