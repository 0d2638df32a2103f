"""The smoke tests' shared fixture: the one-folder bundle, built once per test run.

(A session fixture imported into two test modules is two fixtures, and the bundle was
built twice: it lives here, where every smoke test module sees the same one.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    env = {**os.environ, "PYTHON": sys.executable, "WORKPATH": str(out / "work")}
    subprocess.run(
        [str(ROOT / "packaging" / "build.sh"), str(out / "dist")],
        env=env,
        check=True,
        timeout=1200,
        capture_output=True,
    )
    exe = out / "dist" / "ksef-desktop" / "ksef-desktop"
    assert exe.is_file()
    return exe
