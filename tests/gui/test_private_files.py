"""Files readable by the user only (issue 22, item 9): the PDFs and the window settings.

An invoice names a buyer, amounts and accounts: the PDF the program writes into the data
folder is 0600 in a 0700 folder, and the window settings are 0600, also when an older
version left them 0644/0755 (POSIX; elsewhere the user's profile folder protects them).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ksef_desktop.services.invoice_actions import PDF_FOLDER
from ksef_desktop.store import open_store
from ksef_desktop.store.numbering import create_series
from ksef_desktop.ui.editor import issue_draft
from tests.unit.test_store_support import Clock, open_profiled, sample_invoice, sample_profile

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_issued_invoice_pdf_is_private(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask: files 0644, folders 0755 by default
    try:
        store = open_profiled(tmp_path / "data")
        profile = sample_profile(store)
        clock = Clock()
        with store.db.transaction() as conn:
            series = create_series(
                conn, "FV", "FV/{yyyy}/{mm}/{n}", now=clock(), profile_id=profile.id
            )
        issued = issue_draft(
            store,
            profile,
            None,
            sample_invoice(),
            series_id=series,
            terms=(None, None),
            now=clock,
            qr_base="https://qr-test.ksef.mf.gov.pl",
            lang="pl",
        )
        store.close()
    finally:
        os.umask(old_umask)
    assert issued.pdf is not None
    assert issued.pdf.read_bytes().startswith(b"%PDF")
    assert _mode(issued.pdf) == 0o600
    assert _mode(issued.pdf.parent) == 0o700
    assert issued.pdf.parent == store.data_dir / PDF_FOLDER


def test_pdfs_an_older_version_left_readable_are_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    pdfs = folder / "pdf"
    pdfs.mkdir(parents=True)
    pdfs.chmod(0o755)
    old = pdfs / "FV_2026_03_1.pdf"
    old.write_bytes(b"%PDF-1.4")
    old.chmod(0o644)
    window = folder / "window.ini"
    window.write_text("[main]\n", encoding="utf-8")
    window.chmod(0o644)
    open_store(folder).close()
    assert _mode(pdfs) == 0o700
    assert _mode(old) == 0o600
    assert _mode(window) == 0o600


def test_the_window_settings_are_private(qtbot, make_shell, tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        shell = make_shell(data_dir=tmp_path / "geo")
        shell.window.resize(700, 455)
        shell.window.close()  # saves the geometry
    finally:
        os.umask(old_umask)
    window = tmp_path / "geo" / "window.ini"
    assert window.read_bytes()  # it holds the geometry
    assert _mode(window) == 0o600


def test_window_settings_an_older_version_left_readable_are_made_private(
    qtbot, make_shell, tmp_path: Path
) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    window = folder / "window.ini"
    window.write_text("[main]\n", encoding="utf-8")
    window.chmod(0o644)
    shell = make_shell(data_dir=folder)
    shell.window.close()
    assert _mode(window) == 0o600
