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
