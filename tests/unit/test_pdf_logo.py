"""The seller's logo from the settings on the PDF (issue 20)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from ksef_desktop.store.company import set_logo
from ksef_desktop.store.profiles import ProfileError
from ksef_desktop.visual.pdf import render_pdf

SAMPLE = next(
    p
    for p in (Path(__file__).resolve().parents[1] / "data" / "fa3-official").glob("*.xml")
    if p.stem.lower() == "fa_3_przykład_1"
)


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (200, 80), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def test_the_logo_is_printed() -> None:
    plain = render_pdf(SAMPLE.read_bytes(), qr_base="https://qr-test.ksef.mf.gov.pl")
    with_logo = render_pdf(
        SAMPLE.read_bytes(), qr_base="https://qr-test.ksef.mf.gov.pl", logo=_png()
    )
    # KOD I is one image; the logo is one more.
    assert with_logo.count(b"/Subtype /Image") == plain.count(b"/Subtype /Image") + 1


def test_only_a_picture_is_kept_as_the_logo(tmp_path: Path) -> None:
    from tests.unit.test_store_support import PID, make_store

    store = make_store(tmp_path)
    try:
        with store.db.transaction() as conn:
            with pytest.raises(ProfileError):
                set_logo(conn, PID, b"GIF89a not a png")
            set_logo(conn, PID, _png())
    finally:
        store.close()
