"""SQLite storage, the submission outbox and the archive (DESIGN.md §4).

``open_store(data_dir)`` opens (creating and migrating as needed) the database and the
archive of a data folder. The modules:

- ``db``: connections (one per thread), transactions, migrations with a backup first;
- ``schema``: the migration steps; ``serialize``: Invoice ⇄ JSON;
- ``states``: invoice states, legal transitions, the event log;
- ``invoices``: drafts and issued invoices; ``numbering``: series without gaps;
- ``outbox``: what the sender works through; ``archive``: files + hashes, ``verify``;
- ``queries``: the pages and counts the UI shows; ``sessions``, ``contractors``;
- ``profiles``: who the rows belong to; ``lock``: one program per data folder;
- ``backup``: one zip, restored only if every hash holds; ``chain``: the archive's
  append-only hash chain; ``housekeeping``: checks and tidying of the data folder when
  it opens; ``failures``: a database failing under us, said in plain words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ksef_desktop.paths import SETTINGS_FILE, archive_dir, data_dir, database_path
from ksef_desktop.store.archive import Archive
from ksef_desktop.store.db import Database
from ksef_desktop.store.lock import FolderLock


@dataclass
class Store:
    data_dir: Path
    db: Database
    archive: Archive
    #: The data folder's lock, when this store was opened holding it (a command).
    lock: FolderLock | None = None

    def close(self) -> None:
        self.db.close_all()
        if self.lock is not None:
            self.lock.release()
            self.lock = None


#: What a migration may learn from the settings file beside the database: the identity
#: and company data of the profile the user was working in (schema step 3).
_HINT_KEYS = ("environment", "nip", "company_name", "company_address", "offline_certificate")


def migration_hints(root: Path) -> dict[str, str]:
    """The settings file's identity and company data, for a migration of ``root``'s store
    (an unreadable or absent file gives none: the migration then relies on the data)."""
    try:
        data = json.loads((root / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k in _HINT_KEYS if isinstance(v := data.get(k), str) and v}


def open_store(folder: Path | None = None, *, lock: str | None = None, wait: float = 0.0) -> Store:
    """The store of ``folder`` (``--data-dir``) or of the platform's data folder.

    With ``lock`` (the name of the command opening it) the data folder is locked first,
    waiting up to ``wait`` seconds (``FolderBusy`` says who holds it), until ``close``.
    The window holds the lock itself, for as long as it runs (``ui.single_instance``).
    Leftovers of killed writes are removed first; a missing or empty database beside an
    archive that holds files is refused (``housekeeping.ArchiveWithoutDatabase``).
    """
    from ksef_desktop.store.housekeeping import refuse_orphaned_archive, tidy

    root = data_dir(folder)
    held = None
    if lock is not None:
        held = FolderLock(root, lock)
        held.acquire(timeout=wait)
    try:
        # Leftovers of killed writes go first (their writers are dead: the lock is ours
        # or the window's); a missing or empty database beside an archive that holds
        # files is refused (housekeeping.ArchiveWithoutDatabase).
        tidy(root)
        refuse_orphaned_archive(root)
        db = Database(database_path(root), hints=migration_hints(root))
    except BaseException:
        if held is not None:
            held.release()
        raise
    return Store(root, db, Archive(archive_dir(root)), held)
