"""``ksef-desktop backup create|restore`` through a real process."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from ksef_desktop.store.invoices import create_draft
from tests.unit.test_store_support import PID, open_profiled, sample_invoice


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", *args], capture_output=True, text=True, check=False
    )


def test_backup_then_restore_round_trip(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = open_profiled(data)
    with store.db.transaction() as conn:
        create_draft(conn, sample_invoice(), now=datetime.now(UTC), profile_id=PID)
    store.close()
    target = tmp_path / "kopia.zip"
    made = _run("--data-dir", str(data), "backup", "create", str(target))
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Kopię zapasową zapisano" in made.stdout
    assert target.is_file()
    again = _run("--data-dir", str(data), "backup", "create", str(target))
    assert again.returncode == 1
    assert "już istnieje" in again.stdout
    restored = _run("--lang", "en", "--data-dir", str(data), "backup", "restore", str(target))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert restored.stdout.startswith("Restored 1 invoices")


def test_a_tampered_backup_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    open_profiled(data).close()
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip: no manifest
    out = _run("--lang", "en", "--data-dir", str(data), "backup", "restore", str(bogus))
    assert out.returncode == 1
    assert "nothing was changed" in out.stdout
    assert "Traceback" not in out.stderr


def test_no_database_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    out = _run("--data-dir", str(tmp_path / "none"), "backup", "create", str(tmp_path / "x.zip"))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
