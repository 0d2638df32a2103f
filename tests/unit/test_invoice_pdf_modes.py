"""The PDF of a stored invoice follows the mode it was issued in: KOD I online, KOD I and
KOD II offline, no codes at all during a total failure (KSEF-PROTOCOL.md §6)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ksef_desktop.services.invoice_actions import invoice_pdf
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from ksef_desktop.visual import qr
from tests.unit.test_certificates import NOW
from tests.unit.test_pdf import QR_BASE, read_back, signing
from tests.unit.test_store_support import PID, Clock, make_store, sample_invoice


@pytest.mark.parametrize(
    ("mode", "codes", "words"),
    [
        # online, before KSeF's verdict: no offline invoice, so never "OFFLINE" (issue 15)
        (None, 1, ["Numer KSeF: w trakcie nadawania", "numer KSeF zostanie nadany"]),
        ("offline24", 2, ["OFFLINE", "CERTYFIKAT"]),
        ("awaria", 2, ["OFFLINE", "CERTYFIKAT"]),
        ("awaria-calkowita", 0, ["awarii całkowitej", "nie zawiera kodów QR"]),
    ],
)
def test_codes_follow_the_mode(mode: str | None, codes: int, words: list[str], tmp_path: Path):
    store = make_store(tmp_path)
    clock = Clock(NOW)
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{n}", now=clock(), profile_id=PID)
        draft = create_draft(conn, sample_invoice(), now=clock(), profile_id=PID)
    deadline = clock() + timedelta(days=1) if mode in ("offline24",) else None
    issued = issue_invoice(
        store.db, store.archive, draft, now=clock, series_id=series, mode=mode,
        deadline=deadline, send=False,
     profile_id=PID,)  # fmt: skip
    pdf = invoice_pdf(
        store, issued.id, qr_base=QR_BASE, offline=signing("ec"), now=NOW, profile_id=PID
    )
    out = read_back(pdf, tmp_path)
    assert len(out.codes) == codes
    for word in words:
        assert word in out.text
    assert ("OFFLINE" in out.text) == (mode not in (None, "awaria-calkowita"))
    assert issued.xml is not None
    digest = qr.invoice_hash(issued.xml)
    kod1 = qr.kod1_url(QR_BASE, "5265877635", issued.invoice.issue_date, digest)
    assert (kod1 in out.codes) == bool(codes)
    store.close()
