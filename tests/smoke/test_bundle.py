"""Build the one-folder bundle with PyInstaller and run the program from it.

This is the frozen-executable smoke test (DESIGN.md §11, qutebrowser): resources,
translations, schemas, keyring backends and holidays must all be inside the bundle.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from ksef_desktop import __version__
from ksef_desktop.domain.identifiers import ksef_number_is_valid
from tests.conftest import DATA, OFFICIAL_SAMPLES

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def run(exe: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result: subprocess.CompletedProcess[str] = subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=120, check=False
    )
    return result


def test_version(bundle: Path) -> None:
    out = run(bundle, "--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"ksef-desktop {__version__}"


def test_both_launchers_are_there(bundle: Path) -> None:
    assert (bundle.parent / f"ksef-desktop-gui{bundle.suffix}").is_file()  # .exe on Windows


def test_validate_uses_the_bundled_schema_and_polish_catalog(bundle: Path) -> None:
    good = run(bundle, "validate", *map(str, OFFICIAL_SAMPLES))
    assert good.returncode == 0, good.stdout + good.stderr
    bad = run(bundle, "validate", str(DATA / "preflight" / "bom.xml"))
    assert bad.returncode == 1
    assert "BOM" in bad.stdout
    assert "Plik" in bad.stdout or "plik" in bad.stdout  # Polish, from the bundled catalog
    # python-stdnum's IBAN registry (a data file) is in the bundle: the NRB is judged.
    account = run(bundle, "validate", str(DATA / "semantic" / "bank-account.xml"))
    assert account.returncode == 0, account.stderr
    assert "ostrzeżenie" in account.stdout
    assert "(NRB)" in account.stdout


def test_deadline_uses_the_bundled_holidays(bundle: Path) -> None:
    # 24 December 2025 is a public holiday: the next business day after 23 Dec is 29 Dec.
    out = run(bundle, "deadline", "--mode", "offline24", "--issued", "2025-12-23")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2025-12-29"


def test_pdf_from_the_bundle_embeds_the_bundled_fonts(bundle: Path, tmp_path: Path) -> None:
    """The PDFs need only the DejaVu fonts of resources/ (reportlab's own
    fonts/ folder is left out of the bundle: lintian rejects some of its Type 1 files)."""
    pdf = tmp_path / "invoice.pdf"
    out = run(bundle, "pdf", str(OFFICIAL_SAMPLES[0]), "-o", str(pdf), "--offline")
    assert out.returncode == 0, out.stdout + out.stderr
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF-")
    assert b"DejaVuSans" in content


def test_sandbox_starts_and_prints_its_addresses(bundle: Path) -> None:
    with subprocess.Popen(
        [str(bundle), "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            first = json.loads(proc.stdout.readline())
            assert first["base_url"].startswith("http://127.0.0.1:")
            assert first["tokens"]
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_send_from_the_bundle_to_the_bundled_sandbox(bundle: Path) -> None:
    sample = OFFICIAL_SAMPLES[0]  # FA_3_Przykład_1.xml, seller 9999999999
    with subprocess.Popen(
        [str(bundle), "sandbox", "--port", "0", "--nip", "9999999999"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as server:
        try:
            assert server.stdout is not None
            info = json.loads(server.stdout.readline())
            env = {**os.environ, "KSEF_TOKEN": info["tokens"]["9999999999"]}
            out = subprocess.run(
                [
                    str(bundle),
                    "send",
                    str(sample),
                    "--base-url",
                    info["base_url"],
                    "--nip",
                    "9999999999",
                ],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                env=env,
            )
            assert out.returncode == 0, out.stdout + out.stderr
            name, number = out.stdout.split()
            assert name == str(sample)
            assert ksef_number_is_valid(number)
        finally:
            server.terminate()
            server.wait(timeout=30)
