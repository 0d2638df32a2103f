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
