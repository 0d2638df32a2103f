"""``ksef-desktop --smoke-test`` as a user (or a release check) runs it: a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _smoke(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--smoke-test", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
        check=False,
    )


def test_the_smoke_test_passes_on_a_fresh_data_directory(tmp_path: Path) -> None:
    result = _smoke(tmp_path / "fresh")
    assert result.returncode == 0, result.stderr
    assert "environment=sandbox" in result.stdout
    assert "ksef=dostępny" in result.stdout
    assert (tmp_path / "fresh" / "settings.json").exists()


def test_an_unexpected_qt_warning_fails_the_smoke_test(tmp_path: Path) -> None:
    result = _smoke(tmp_path / "warned", QT_SCALE_FACTOR_ROUNDING_POLICY="bogus")
    assert result.returncode == 1
    assert "Unknown scale factor rounding policy" in result.stderr


def _start(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--data-dir", str(data_dir), "--exit-when-idle"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )


def test_exit_when_idle_opens_a_returning_users_main_window_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    """What benchmarks/bundle_startup.py times: the usual start, quit at the first idle
    moment; the Sandbox's start and the KSeF check already handed to the worker are
    stopped by Shell.close, with nothing on stderr but Qt's note about the platform."""
    data = tmp_path / "returning"
    assert _smoke(data).returncode == 0  # first run done, Sandbox, its token in the keyring
    for _ in range(3):  # the worker may be anywhere in the Sandbox's start when it quits
        result = _start(data)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "idle: main-window\n"
        noise = "This plugin does not support propagateSizeHints()"
        assert [line for line in result.stderr.splitlines() if line != noise] == []


def test_exit_when_idle_on_a_fresh_data_directory_reaches_the_wizard(tmp_path: Path) -> None:
    result = _start(tmp_path / "fresh")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "idle: first-run-wizard\n"


def test_exit_when_idle_is_not_in_the_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--help"], capture_output=True, text=True, check=True
    )
    assert "--smoke-test" in out.stdout
    assert "exit-when-idle" not in out.stdout
