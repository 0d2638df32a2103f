"""The frozen bundle opens the window: ``--smoke-test`` from the PyInstaller build.

Uses the session-scoped ``bundle`` fixture of tests/smoke/conftest.py (built once per run).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_the_bundle_passes_the_gui_smoke_test(bundle: Path, tmp_path: Path) -> None:
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


def test_the_bundle_starts_a_returning_user_and_quits_when_idle(
    bundle: Path,
    tmp_path: Path,
) -> None:
    """The start benchmarks/bundle_startup.py times, from the frozen program: the modules
    imported lazily (KSeF client, Sandbox, keyring backend) must all be in the bundle."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    data = str(tmp_path / "data")
    first = subprocess.run(
        [str(bundle), "--smoke-test", "--data-dir", data],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )
    assert first.returncode == 0, first.stdout + first.stderr
    again = subprocess.run(
        [str(bundle), "--data-dir", data, "--exit-when-idle"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout == "idle: main-window\n"
    assert "Traceback" not in again.stderr


def test_the_bundle_carries_its_catalogs_compiled(bundle: Path) -> None:
    """The bundle carries the .mo compiled from the catalog of this checkout."""
    from tools import translations

    found = next(bundle.parent.rglob("ksef_desktop/resources/locale/pl/LC_MESSAGES/*.mo"))
    assert found.read_bytes() == translations.compile_mo("pl")
