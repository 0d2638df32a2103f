"""The smoke tests' shared fixture: the one-folder bundle, built once per test run.

(A session fixture imported into two test modules is two fixtures, and the bundle was
built twice: it lives here, where every smoke test module sees the same one; the test
workers of pytest-xdist share one build through a lock.)
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The console launcher of the bundle. KSEF_BUNDLE names one built already (the release
    workflow builds it with the platform's script, so the smoke tests check the program
    inside the installer); otherwise it is built here with packaging/build.sh."""
    given = os.environ.get("KSEF_BUNDLE")
    if given:
        exe = Path(given).resolve()
        assert exe.is_file(), f"KSEF_BUNDLE={given}: no such file"
        return exe
    # Under pytest-xdist every worker has its own session: the first to get here builds
    # the bundle in the run's shared temporary folder, the others wait for it and use it.
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = shared / "bundle"
    exe = out / "dist" / "ksef-desktop" / "ksef-desktop"
    with _locked(shared / "bundle.lock"):
        if not (out / "built").is_file():
            env = {**os.environ, "PYTHON": sys.executable, "WORKPATH": str(out / "work")}
            subprocess.run(
                [str(ROOT / "packaging" / "build.sh"), str(out / "dist")],
                env=env,
                check=True,
                timeout=1200,
                capture_output=True,
            )
            (out / "built").write_text("")
    assert exe.is_file()
    return exe


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` held by this process (one worker builds at a time)."""
    import fcntl

    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
