"""The command-line contract of DESIGN.md §9 that this package already keeps."""

from __future__ import annotations

import subprocess
import sys

from ksef_desktop import __version__


def test_version_from_a_real_process() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"ksef-desktop {__version__}"


def test_help_lists_options() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--help"], capture_output=True, text=True, check=True
    )
    assert "--data-dir" in out.stdout


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", *args], capture_output=True, text=True, check=False
    )


def test_argparse_refusals_are_polish_by_default() -> None:
    out = _run("--no-such-option")
    assert out.returncode == 2
    assert "błąd: nieznane argumenty: --no-such-option" in out.stderr
    assert "Traceback" not in out.stderr


def test_argparse_refusals_are_english_with_lang_en() -> None:
    out = _run("--lang", "en", "--no-such-option")
    assert out.returncode == 2
    assert "error: unrecognized arguments: --no-such-option" in out.stderr


def test_help_is_polish() -> None:
    out = _run("--help")
    assert "pokaż tę pomoc i zakończ" in out.stdout
