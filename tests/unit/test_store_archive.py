"""The archive: files with hashes, verify catches changed and missing files."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ksef_desktop.services.archive_verify import verify_archive
from ksef_desktop.store import Store
from ksef_desktop.store.archive import ArchiveConflict, FileKind, safe_relpath
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.outbox import Outbox
from tests.unit.test_store_outbox import KSEF_NUMBER, UPO, World
from tests.unit.test_store_support import PID


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.store.close()


def _archived(store: Store) -> list[str]:
    rows = store.db.connection().execute("SELECT relpath FROM archive_files ORDER BY relpath")
    return [r[0] for r in rows]


def _accept_one(world: World) -> int:
    invoice = world.issue()
    outbox = Outbox(world.store.db, world.store.archive, world.clock, profile_id=PID)
    outbox.claim()
    outbox.mark_sent(invoice, session_ref="S", invoice_ref="I")
    outbox.mark_accepted(invoice, KSEF_NUMBER, upo=UPO)
    return invoice


def test_clean_archive_verifies(world: World) -> None:
    _accept_one(world)
    world.issue(buyer="Drugi")
    report = verify_archive(world.store)
    assert report.ok
    assert report.checked == 3  # two invoices and one UPO
    assert report.lines() == []
    if os.name == "posix":
        for relpath in _archived(world.store):
            path = world.store.archive.path_of(relpath)
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            for folder in path.relative_to(world.store.archive.root).parents:
                mode = (world.store.archive.root / folder).stat().st_mode
                assert stat.S_IMODE(mode) == 0o700, folder


def test_verify_reports_a_modified_and_a_missing_file(world: World) -> None:
    invoice = _accept_one(world)
    world.issue(buyer="Drugi")
    paths = _archived(world.store)
    upo = next(p for p in paths if p.startswith("upo/"))
    stored = get_invoice(world.store.db.connection(), invoice, profile_id=PID)
    assert stored.sha256_hex is not None
    xml = next(p for p in paths if stored.sha256_hex in p)
    changed = world.store.archive.path_of(xml)
    changed.write_bytes(changed.read_bytes().replace(b"Kupiec", b"Kupiex"))
    world.store.archive.path_of(upo).unlink()
    (world.store.archive.root / "stray.txt").write_text("?")

    report = verify_archive(world.store)
    assert not report.ok
    assert report.changed == [xml]
    assert report.missing == [upo]
    assert report.unexpected == ["stray.txt"]
    assert any(xml in line for line in report.lines())
    assert any("Brakujący" in line for line in report.lines())


def test_verify_reports_xml_changed_inside_the_database(world: World) -> None:
    invoice = world.issue()
    conn = world.store.db.connection()
    # Only someone going around the program can do this: drop the guard first.
    conn.execute("DROP TRIGGER documents_frozen")
    conn.execute(
        "UPDATE invoice_documents SET xml = CAST(xml || x'20' AS BLOB) WHERE invoice_id = ?",
        (invoice,),
    )
    conn.execute("DROP TRIGGER archive_files_no_delete")
    conn.execute("DELETE FROM archive_files")
    report = verify_archive(world.store)
    assert report.changed_in_db == [invoice]
    assert report.unarchived == [invoice]
    assert not report.ok


def test_the_archive_never_overwrites_with_other_content(world: World) -> None:
    with world.store.db.transaction() as conn:
        world.store.archive.put(conn, FileKind.UPO, "upo/x.xml", b"one", now=world.clock())
    with world.store.db.transaction() as conn, pytest.raises(ArchiveConflict):
        world.store.archive.put(conn, FileKind.UPO, "upo/x.xml", b"two", now=world.clock())
    assert world.store.archive.path_of("upo/x.xml").read_bytes() == b"one"


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/../../b", "", "a\\b", "C:x"])
def test_archive_paths_stay_inside(bad: str) -> None:
    with pytest.raises(ValueError, match="unsafe"):
        safe_relpath(bad)
