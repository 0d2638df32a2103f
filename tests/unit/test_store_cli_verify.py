"""``ksef-desktop verify``: exit 0 on a clean archive, 1 with a line per problem."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ksef_desktop import i18n
from ksef_desktop.cli import main
from ksef_desktop.paths import database_path
from tests.unit.test_store_outbox import World


def test_clean_then_changed_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world = World(tmp_path)
    world.issue()
    world.issue(buyer="Drugi")
    folder = world.store.data_dir
    world.store.close()

    assert main(["--data-dir", str(folder), "verify"]) == 0
    ok, head = capsys.readouterr().out.strip().splitlines()
    assert ok == "Archiwum w porządku: sprawdzono 2 pliki."
    assert re.fullmatch(r"Stan łańcucha archiwum: 2:[0-9a-f]{64}", head)

    victim = next((folder / "archive").rglob("*.xml"))
    victim.write_bytes(victim.read_bytes() + b" ")
    assert main(["--data-dir", str(folder), "--lang", "en", "verify"]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    i18n.set_language(i18n.DEFAULT_LANGUAGE)
    assert len(out) == 1
    assert out[0].startswith("Changed file: invoices/")
    assert out[0].endswith(victim.name)


def test_no_database_is_reported_and_nothing_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    assert main(["--data-dir", str(empty), "verify"]) == 1
    assert "nie ma bazy danych" in capsys.readouterr().out
    assert not database_path(empty).exists()


def test_verify_from_the_installed_entry_point(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.issue()
    folder = world.store.data_dir
    world.store.close()
    done = subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--data-dir", str(folder), "verify"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "1 plik" in done.stdout
