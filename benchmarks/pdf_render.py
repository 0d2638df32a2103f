"""How long does one invoice PDF with its QR codes take in a warm process?

    .venv/bin/python -m benchmarks.pdf_render

Median of many renders of a one-page invoice (the Polish demo invoice of
``benchmarks.pdf_renderings``): online (KOD I) and offline (KOD I + KOD II, signed with
RSA-2048 and with EC P-256). Baseline, measured in the same run: reportlab building a
one-page document with one paragraph in the same embedded font, i.e. the fixed cost
of any PDF made this way. The goal is at most 50 ms per invoice.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from importlib import metadata
from io import BytesIO

import qrcode
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.platypus import Paragraph, SimpleDocTemplate

from benchmarks.pdf_renderings import CREATED, demo_invoice
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.parse import parse
from ksef_desktop.visual.certificates import OfflineSigning, read_certificate
from ksef_desktop.visual.codes import invoice_codes
from ksef_desktop.visual.pdf import render_pdf
from ksef_desktop.visual.pdf_layout import Styles, register_fonts
from ksef_desktop.visual.qr import QR_BASES, qr_matrix
from ksef_desktop.visual.qr_symbol import make_matrix

QR_BASE = QR_BASES["test"]


def _median_ms(fn: Callable[[], object], runs: int = 60, warmup: int = 5) -> float:
    """Median wall time; the QR cache is emptied first, as each real invoice has its own
    hash (KOD I) and signature (KOD II)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        qr_matrix.cache_clear()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _signing(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> OfflineSigning:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "benchmark")])
    usage = x509.KeyUsage(False, True, False, False, False, False, False, False, False)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x0123456789ABCDEF)
        .not_valid_before(CREATED - timedelta(days=1))
        .not_valid_after(CREATED + timedelta(days=1))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return OfflineSigning(read_certificate(cert.public_bytes(Encoding.DER)), key)


def _baseline() -> bytes:
    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, invariant=1)
    doc.build([Paragraph("Faktura FV/2026/03/001 – zażółć gęślą jaźń", Styles().body)])
    return buf.getvalue()


def main() -> None:
    register_fonts()
    xml = build(demo_invoice(foreign=False))
    rsa_signing = _signing(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    ec_signing = _signing(ec.generate_private_key(ec.SECP256R1()))
    cases: list[tuple[str, Callable[[], object]]] = [
        ("online, KOD I", lambda: render_pdf(xml, lang="pl", qr_base=QR_BASE)),
        (
            "offline, KOD I + KOD II (RSA-2048)",
            lambda: render_pdf(xml, lang="pl", qr_base=QR_BASE, offline=rsa_signing, now=CREATED),
        ),
        (
            "offline, KOD I + KOD II (EC P-256)",
            lambda: render_pdf(xml, lang="pl", qr_base=QR_BASE, offline=ec_signing, now=CREATED),
        ),
        (
            "bilingual pl+en, offline (EC P-256)",
            lambda: render_pdf(xml, lang="pl+en", qr_base=QR_BASE, offline=ec_signing, now=CREATED),
        ),
    ]
    baseline = _median_ms(_baseline)
    print(
        f"Python {platform.python_version()}, reportlab {metadata.version('reportlab')}, "
        f"qrcode {metadata.version('qrcode')}, cryptography {metadata.version('cryptography')}"
    )
    print(f"baseline (one-paragraph page, same font): {baseline:.1f} ms")
    print("| invoice (one page, Polish demo invoice) | median ms | ratio to baseline |")
    print("|---|---|---|")
    for name, fn in cases:
        ms = _median_ms(fn)
        print(f"| {name} | {ms:.1f} | {ms / baseline:.1f} |")
    _symbols(ec_signing, xml)


def _symbols(signing: OfflineSigning, xml: bytes) -> None:
    """The QR symbol alone: qrcode's own make() against our mask choice (same symbol)."""
    invoice = parse(xml)
    link = invoice_codes(xml, invoice, qr_base=QR_BASE, offline=signing).kod2
    assert link is not None
    for name, url in (
        ("KOD I", invoice_codes(xml, invoice, qr_base=QR_BASE).kod1.url),
        ("KOD II", link.url),
    ):
        data = url.encode()

        def reference(data: bytes = data) -> object:
            code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
            code.add_data(data)
            code.make(fit=True)
            return code.get_matrix()

        ours = _median_ms(lambda data=data: make_matrix(data))  # type: ignore[misc]
        theirs = _median_ms(reference)
        print(
            f"| {name} symbol ({len(url)} chars) | qrcode make(): {theirs:.1f} ms | "
            f"make_matrix(): {ours:.1f} ms | {theirs / ours:.1f}x |"
        )


if __name__ == "__main__":
    main()
