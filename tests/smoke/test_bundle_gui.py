"""The frozen bundle opens the window: ``--smoke-test`` from the PyInstaller build.

Reuses the session-scoped ``bundle`` fixture of test_bundle.py (built once per run).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.smoke.test_bundle import bundle  # noqa: F401 - the fixture, shared

pytestmark = pytest.mark.slow


def test_the_bundle_passes_the_gui_smoke_test(bundle: Path, tmp_path: Path) -> None:  # noqa: F811
    result = subprocess.run(
        [str(bundle), "--smoke-test", "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ksef=dostępny" in result.stdout
    assert "qt-catalog=True" in result.stdout  # qtbase_pl.qm made it into the bundle
