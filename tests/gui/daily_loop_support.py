"""Helpers of the daily-loop tests (issue 15)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def pdf_text(path: Path) -> str:
    """The text of a PDF, as poppler's pdftotext reads it."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True)
    out.check_returncode()
    return out.stdout.decode("utf-8")
