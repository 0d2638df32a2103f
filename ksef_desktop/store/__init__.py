"""SQLite storage, the submission outbox and the archive (DESIGN.md §4).

``open_store(data_dir)`` opens (creating and migrating as needed) the database and the
archive of a data folder. The modules:

- ``db``: connections (one per thread), transactions, migrations with a backup first;
- ``schema``: the migration steps; ``serialize``: Invoice ⇄ JSON;
- ``states``: invoice states, legal transitions, the event log;
- ``invoices``: drafts and issued invoices; ``numbering``: series without gaps;
- ``outbox``: what the sender works through; ``archive``: files + hashes, ``verify``;
- ``queries``: the pages and counts the UI shows; ``sessions``, ``contractors``,
  ``settings``: the small tables; ``backup``: one zip, restored only if every hash holds;
  ``chain``: the archive's append-only hash chain; ``housekeeping``: checks and tidying
  of the data folder when it opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ksef_desktop.paths import archive_dir, data_dir, database_path
from ksef_desktop.store.archive import Archive
from ksef_desktop.store.db import Database


@dataclass
class Store:
    data_dir: Path
    db: Database
    archive: Archive

    def close(self) -> None:
        self.db.close_all()


def open_store(folder: Path | None = None) -> Store:
    """The store of ``folder`` (``--data-dir``) or of the platform's data folder.

    Leftovers of killed writes are removed first; a missing or empty database beside an
    archive that holds files is refused (``housekeeping.ArchiveWithoutDatabase``).
    """
    from ksef_desktop.store.housekeeping import refuse_orphaned_archive, tidy

    root = data_dir(folder)
    tidy(root)
    refuse_orphaned_archive(root)
    return Store(root, Database(database_path(root)), Archive(archive_dir(root)))
