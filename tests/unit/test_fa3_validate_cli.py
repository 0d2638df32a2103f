"""`ksef-desktop validate FILE...` through a real process (DESIGN.md §9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import DATA, OFFICIAL_SAMPLES

PREFLIGHT = DATA / "preflight"
ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KSEF_DESKTOP_LANG"}
    env["PYTHONUTF8"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def _defects(stdout: str) -> list[str]:
    """The defect lines: the semantic warnings that follow them are left out (sample 1,
    and so the pre-flight fixtures made from it, has a P_15 one grosz off)."""
    return [
        line
        for line in stdout.splitlines()
        if ": warning: " not in line and ": ostrzeżenie: " not in line
    ]


def test_all_official_samples_pass() -> None:
    # No defect; the samples that are wrong in their arithmetic, dates or KSeF numbers
    # (tests/unit/test_semantic_samples.py) print warnings, which do not fail.
    result = _run("validate", *OFFICIAL_SAMPLES)
    assert (result.returncode, result.stderr) == (0, "")
    assert all(": ostrzeżenie: " in line for line in result.stdout.splitlines())


def test_defects_are_file_colon_message_lines_in_polish_by_default() -> None:
    nip = PREFLIGHT / "nip-checksum.xml"
    bom = PREFLIGHT / "bom.xml"
    result = _run("validate", OFFICIAL_SAMPLES[0], nip, bom)
    assert result.returncode == 1
    assert _defects(result.stdout) == [
        f"{nip}: linia 12: NIP sprzedawcy 9999999990 (Podmiot1) ma błędną cyfrę kontrolną.",
        f"{bom}: Plik zaczyna się od znacznika kolejności bajtów (BOM); KSeF przyjmuje UTF-8 "
        "bez BOM.",
    ]


def test_english_with_lang_en() -> None:
    nip = PREFLIGHT / "nip-checksum.xml"
    result = _run("--lang", "en", "validate", nip)
    assert result.returncode == 1
    assert _defects(result.stdout) == [
        f"{nip}: line 12: The seller's NIP 9999999990 (Podmiot1) has a wrong check digit."
    ]


def test_every_fixture_fails_with_one_line_naming_it() -> None:
    fixtures = sorted(PREFLIGHT.glob("*.xml"))
    result = _run("--lang", "en", "validate", *fixtures)
    assert result.returncode == 1
    lines = _defects(result.stdout)
    assert [line.split(": ", 1)[0] for line in lines] == [str(f) for f in fixtures]


def test_the_future_issue_date_is_judged_against_today() -> None:
    future = PREFLIGHT / "issue-date-future.xml"
    result = _run("--lang", "en", "validate", future)
    assert result.returncode == 1
    assert "The issue date P_1 (2049-12-31) is later than today (" in result.stdout


def test_unreadable_files_are_a_message_too(tmp_path: Path) -> None:
    missing = tmp_path / "brak.xml"
    result = _run("validate", missing, tmp_path, OFFICIAL_SAMPLES[0])
    assert result.returncode == 1
    assert _defects(result.stdout) == [
        f"{missing}: Nie można odczytać pliku: plik nie istnieje.",
        f"{tmp_path}: Nie można odczytać pliku: to jest folder, a nie plik.",
    ]
    assert "Traceback" not in result.stderr


def test_a_file_name_is_required() -> None:
    result = _run("validate")
    assert result.returncode == 2
    assert "FILE" in result.stderr
