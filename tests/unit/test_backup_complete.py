"""A backup carries everything the user would miss; a killed write leaves nothing behind.

Issue 22, item 7: besides the database and the archive, ``settings.json``, the PDFs
(``pdf/``) and the public offline certificates (``offline-certificate-*.der``) go into
the backup and come back on restore, into another folder too; the temporary files of a
write that was killed (``*.tmp-*``, the settings' ``.settings-*.tmp``, a restore's
staging folder) are removed when the store opens next.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from ksef_desktop.store import Store, open_store
from ksef_desktop.store.backup import MANIFEST, create_backup, restore_backup
from ksef_desktop.store.housekeeping import STALE_AFTER
from ksef_desktop.store.profiles import get_profile, set_offline_certificate
from ksef_desktop.ui.settings import Settings
from tests.unit.test_store_backup import _fill
from tests.unit.test_store_outbox import World
from tests.unit.test_store_support import PID

CERT = Path(__file__).parents[1] / "data" / "vectors" / "kod2-example-cert-01F20A5D352AE590.der"


def _user_files(store: Store) -> dict[str, bytes]:
    """The settings, two PDFs and the certificate kept for the profile (which names
    it)."""
    folder = store.data_dir
    cert = folder / "offline-certificate-01F20A5D352AE590.der"
    cert.write_bytes(CERT.read_bytes())
    settings = Settings(folder)
    settings["nip"] = "5265877635"
    settings.save()
    with store.db.transaction() as conn:
        set_offline_certificate(conn, PID, str(cert))
    (folder / "pdf").mkdir()
    (folder / "pdf" / "FV_2026_03_1.pdf").write_bytes(b"%PDF-1.4 first")
    (folder / "pdf" / "FV_2026_03_2.pdf").write_bytes(b"%PDF-1.4 second")
    return {
        "settings.json": (folder / "settings.json").read_bytes(),
        "pdf/FV_2026_03_1.pdf": b"%PDF-1.4 first",
        "pdf/FV_2026_03_2.pdf": b"%PDF-1.4 second",
        cert.name: cert.read_bytes(),
    }


def test_settings_pdfs_and_certificates_go_into_the_backup(tmp_path: Path) -> None:
    world = World(tmp_path)
    _fill(world)
    expected = _user_files(world.store)
    target = tmp_path / "kopia.zip"
    create_backup(world.store, target, now=world.clock())
    world.store.close()
    with zipfile.ZipFile(target) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        for name, data in expected.items():
            assert zf.read(name) == data, name
    assert set(expected) <= set(manifest["files"])
    assert manifest["version"] == 2


def test_they_come_back_on_restore_into_another_folder(tmp_path: Path) -> None:
    world = World(tmp_path)
    _fill(world)
    expected = _user_files(world.store)
    target = tmp_path / "kopia.zip"
    create_backup(world.store, target, now=world.clock())
    world.store.close()

    elsewhere = tmp_path / "new-computer"
    report = restore_backup(target, elsewhere, now=world.clock())
    assert report.invoices == 2
    for name, data in expected.items():
        if name != "settings.json":
            assert (elsewhere / name).read_bytes() == data, name
    settings = Settings(elsewhere)
    assert settings["nip"] == "5265877635"
    # The certificate the profile names is the restored one, in the new folder.
    store = open_store(elsewhere)
    profile = get_profile(store.db.connection(), PID)
    store.close()
    assert profile.offline_certificate == str(
        elsewhere / "offline-certificate-01F20A5D352AE590.der"
    )


def test_a_restore_keeps_the_users_files_it_replaces(tmp_path: Path) -> None:
    world = World(tmp_path)
    _fill(world)
    folder = world.store.data_dir
    _user_files(world.store)
    target = tmp_path / "kopia.zip"
    create_backup(world.store, target, now=world.clock())
    world.store.close()
    (folder / "pdf" / "FV_2026_03_3.pdf").write_bytes(b"%PDF-1.4 made after the backup")
    report = restore_backup(target, folder, now=world.clock())
    assert not (folder / "pdf" / "FV_2026_03_3.pdf").exists()
    assert (report.previous / "pdf" / "FV_2026_03_3.pdf").read_bytes().endswith(b"backup")
    assert (report.previous / "settings.json").is_file()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_killed_writes_are_removed_when_the_store_opens(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.issue()
    folder = world.store.data_dir
    relpath = world.store.db.connection().execute("SELECT relpath FROM archive_files").fetchone()
    month = world.store.archive.path_of(relpath[0]).parent
    world.store.close()
    dead = _dead_pid()
    old = time.time() - STALE_AFTER - 60
    leftovers = [
        month / f".{'a' * 64}.xml.tmp-{dead}-140000",  # paths.write_private_file, killed
        folder / f".settings.json.tmp-{dead}-1",
        folder / ".settings-k2j3h4.tmp",  # ui/settings.py (mkstemp), old
    ]
    for path in leftovers:
        path.write_bytes(b"half written")
    os.utime(leftovers[2], (old, old))
    staging = folder / f".restore-20260301T120000-{dead}"
    (staging / "archive").mkdir(parents=True)
    (staging / "ksef-desktop.sqlite3").write_bytes(b"half")
    # Still being written by a live process (this one), and recent: kept.
    live = month / f".{'b' * 64}.xml.tmp-{os.getpid()}-1"
    live.write_bytes(b"being written")
    fresh = folder / ".settings-fresh.tmp"
    fresh.write_bytes(b"being written")

    store = open_store(folder)
    store.close()
    for path in leftovers:
        assert not path.exists(), path
    assert not staging.exists()
    assert live.exists()
    assert fresh.exists()
