"""The PDF visualisation of an FA(3) invoice (A4, Polish, English or bilingual).

``render_pdf`` takes the exact XML bytes: KOD I is the hash of those bytes, and any
FA(3) file renders (the totals shown are the ones the file declares, ``declared``).
For an offline invoice, pass ``offline`` (certificate, key, context) and the current
time: the certificate is checked before anything is drawn, and KOD II is added.
Output is deterministic for the same input (reportlab's ``invariant`` mode).
"""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate

from ksef_desktop import __version__
from ksef_desktop.fa3.parse import parse
from ksef_desktop.visual.certificates import OfflineSigning, check_offline_certificate
from ksef_desktop.visual.codes import invoice_codes
from ksef_desktop.visual.pdf_extras import read_extras
from ksef_desktop.visual.pdf_labels import Labels
from ksef_desktop.visual.pdf_layout import Styles, numbered_canvas, register_fonts
from ksef_desktop.visual.pdf_sections import Context, story

MARGIN = 15 * mm


def render_pdf(
    xml: bytes,
    *,
    lang: str = "pl",
    qr_base: str,
    ksef_number: str | None = None,
    offline: OfflineSigning | None = None,
    now: datetime | None = None,
    total_failure: bool = False,
    logo: bytes | None = None,
    online_pending: bool = False,
) -> bytes:
    """The invoice as PDF bytes.

    ``logo``: the seller's logo (PNG or JPEG) printed above the header (Settings).
    ``online_pending``: issued online and not accepted by KSeF yet; KOD I is labelled
    "KSeF number pending" (never ``OFFLINE``: it is not an offline invoice).

    ``total_failure``: issued outside KSeF during an announced total failure ("awaria
    całkowita"), which carries no QR codes (KSEF-PROTOCOL.md §6); it says so instead.

    Raises ``Fa3ParseError`` (a ValueError) for bytes that are not an FA(3) invoice,
    ``CertificateError`` for an offline certificate that must not be used at ``now``,
    and ValueError for an unknown ``lang`` or an offline invoice without ``now``.
    """
    labels = Labels(lang)
    invoice = parse(xml)
    if total_failure and (offline is not None or ksef_number):
        raise ValueError("an invoice of a total failure has neither KOD II nor a KSeF number")
    if offline is not None:
        if now is None:
            raise ValueError("an offline invoice needs the current time to check its certificate")
        check_offline_certificate(offline.certificate, offline.private_key, now=now)
    codes = (
        None
        if total_failure
        else invoice_codes(
            xml,
            invoice,
            qr_base=qr_base,
            ksef_number=ksef_number,
            offline=offline,
            pending_label=labels("ksef_pending") if online_pending else None,
        )
    )
    register_fonts()
    context = Context(
        invoice=invoice,
        extras=read_extras(xml),
        labels=labels,
        styles=Styles(),
        lang=lang,
        codes=codes,
        ksef_number=ksef_number,
        logo=logo,
        online_pending=online_pending and not ksef_number,
    )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=18 * mm,
        title=f"{labels.kind(invoice.kind)} {invoice.number}",
        author=invoice.seller.name,
        subject=codes.kod1.url if codes is not None else labels("total_failure_note"),
        creator=f"KSeF Desktop {__version__}",
        invariant=1,
    )
    canvas = numbered_canvas(
        f"{invoice.number} · {labels('generated')} KSeF Desktop {__version__}", labels.page_of
    )
    doc.build(story(context), canvasmaker=canvas)
    return buf.getvalue()
