"""PDF layout rules: long tables continue over pages, output is deterministic, bad input
is refused before anything is drawn, and generated invoices of every shape render."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import HealthCheck, given, settings

from ksef_desktop.domain.invoice import (
    Address,
    Invoice,
    InvoiceKind,
    Line,
    Party,
    Payment,
    PaymentMethod,
    PolishNip,
    VatRate,
)
from ksef_desktop.domain.money import format_amount
from ksef_desktop.domain.totals import compute_totals
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.parse import Fa3ParseError, parse
from ksef_desktop.visual import qr
from ksef_desktop.visual.certificates import CertificateError, OfflineSigning, read_certificate
from ksef_desktop.visual.pdf import render_pdf
from tests.conftest import OFFICIAL_SAMPLES
from tests.strategies import invoices
from tests.unit.test_certificates import NOW, cached_key, make_certificate
from tests.unit.test_pdf import read_back

QR_BASE = qr.QR_BASES["test"]


def long_invoice(count: int = 40) -> Invoice:
    lines = tuple(
        Line(
            name=f"Usługa serwisowa nr {i} – przegląd, wymiana części, zażółć gęślą jaźń",
            rate=VatRate.R23 if i % 3 else VatRate.R8,
            quantity=Decimal(i),
            unit_price=Decimal("123.45") + i,
            unit="szt.",
        )
        for i in range(1, count + 1)
    )
    return Invoice(
        kind=InvoiceKind.VAT,
        number="FV/2026/03/0040",
        issue_date=date(2026, 3, 2),
        seller=Party(
            PolishNip("5265877635"), "Jan Kowalski Usługi", Address("PL", "ul. Długa 1", "Łódź")
        ),
        buyer=Party(PolishNip("1111111111"), "Żabka sp. z o.o.", Address("PL", "ul. Krótka 2")),
        lines=lines,
        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        sale_date=date(2026, 3, 1),
        payment=Payment(
            method=PaymentMethod.TRANSFER,
            due_date=date(2026, 3, 16),
            bank_account="61109010140000071219812874",
        ),
    )


def test_forty_lines_continue_over_pages_with_the_header_repeated(tmp_path: Path) -> None:
    invoice = long_invoice(40)
    xml = build(invoice)
    pdf = render_pdf(xml, lang="pl", qr_base=QR_BASE)
    out = read_back(pdf, tmp_path)
    assert len(out.pages) >= 2
    first_line_page: dict[int, int] = {}
    for number, page in enumerate(out.pages):
        for i in range(1, 41):
            if f"Usługa serwisowa nr {i} " in " ".join(page.split()):
                first_line_page.setdefault(i, number)
    assert sorted(first_line_page) == list(range(1, 41)), "every line is printed"
    pages_with_lines = sorted(set(first_line_page.values()))
    assert len(pages_with_lines) >= 2, "the table itself continues on a second page"
    for number in pages_with_lines:
        assert "Nazwa towaru lub usługi" in out.pages[number], f"header missing on page {number}"
    total = format_amount(compute_totals(invoice).gross)
    last = " ".join(out.pages[-1].split())
    assert f"Kwota należności ogółem: {total} PLN" in last
    for page in out.pages[:-1]:
        assert "Kwota należności ogółem" not in page
    assert f"Strona {len(out.pages)} z {len(out.pages)}" in last
    kod1 = qr.kod1_url(QR_BASE, "5265877635", date(2026, 3, 2), qr.invoice_hash(xml))
    assert out.codes == [kod1]


def test_output_is_deterministic() -> None:
    xml = OFFICIAL_SAMPLES[0].read_bytes()
    first = render_pdf(xml, lang="pl+en", qr_base=QR_BASE)
    assert render_pdf(xml, lang="pl+en", qr_base=QR_BASE) == first
    assert render_pdf(xml, lang="pl", qr_base=QR_BASE) != first


def _signing(**options: object) -> OfflineSigning:
    key = cached_key("ec")
    cert = make_certificate(key, **options)  # type: ignore[arg-type]
    return OfflineSigning(read_certificate(cert.public_bytes(Encoding.DER)), key)


def test_expired_certificate_stops_the_offline_pdf() -> None:
    xml = OFFICIAL_SAMPLES[0].read_bytes()
    expired = _signing(not_after=NOW - timedelta(days=1))
    with pytest.raises(CertificateError, match="wygasł"):
        render_pdf(xml, qr_base=QR_BASE, offline=expired, now=NOW)
    authentication = _signing(offline=False)
    with pytest.raises(CertificateError, match="Offline"):
        render_pdf(xml, qr_base=QR_BASE, offline=authentication, now=NOW)
    with pytest.raises(ValueError, match="current time"):
        render_pdf(xml, qr_base=QR_BASE, offline=_signing())


def test_bad_language_and_bad_xml_are_refused() -> None:
    xml = OFFICIAL_SAMPLES[0].read_bytes()
    with pytest.raises(ValueError, match="language"):
        render_pdf(xml, lang="de", qr_base=QR_BASE)
    with pytest.raises(Fa3ParseError):
        render_pdf(b"<Faktura/>", qr_base=QR_BASE)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_generated_invoices_render(invoice: Invoice) -> None:
    xml = build(invoice)
    pdf = render_pdf(xml, lang="pl+en", qr_base=QR_BASE, ksef_number=None)
    assert pdf.startswith(b"%PDF-")
    assert parse(xml).number == invoice.number


def test_an_invoice_with_a_correction_and_hostile_text_renders() -> None:
    invoice = replace(
        long_invoice(2),
        notes=(("<b>uwaga</b> & 'cudzysłów'", "</para><font size=99>"),),
        footer="Zażółć <gęślą> jaźń & co.",
    )
    pdf = render_pdf(build(invoice), lang="pl", qr_base=QR_BASE)
    assert pdf.startswith(b"%PDF-")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", *args], capture_output=True, text=True, check=False
    )


def test_pdf_command_writes_an_offline_pdf_with_both_codes(tmp_path: Path) -> None:
    from tests.unit.test_certificates import make_credentials

    today = datetime.now(UTC)  # the command checks against the real clock
    cert_path, key_path, key = make_credentials(
        tmp_path, "rsa", not_before=today - timedelta(days=1), not_after=today + timedelta(days=1)
    )
    target = tmp_path / "out.pdf"
    sample = OFFICIAL_SAMPLES[0]
    result = _cli(
        "pdf",
        str(sample),
        "-o",
        str(target),
        "--lang",
        "en",
        "--offline",
        "--env",
        "test",
        "--cert",
        str(cert_path),
        "--key",
        str(key_path),
    )
    assert result.returncode == 0, result.stderr
    out = read_back(target.read_bytes(), tmp_path)
    assert len(out.codes) == 2
    assert "CERTYFIKAT" in out.text
    assert key.key_size == 2048


def test_pdf_command_online_and_errors(tmp_path: Path) -> None:
    sample = OFFICIAL_SAMPLES[0]
    target = tmp_path / "out.pdf"
    number = "9999999999-20260215-0100001AF629-00"
    from ksef_desktop.domain.identifiers import ksef_number_checksum

    number = number[:-2] + ksef_number_checksum(number[:32])
    result = _cli("pdf", str(sample), "-o", str(target), "--ksef-number", number)
    assert result.returncode == 0, result.stderr
    assert number in read_back(target.read_bytes(), tmp_path).text
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"\x00\x01 not xml")
    result = _cli("pdf", str(bad), "-o", str(target))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{bad}: ")  # validate's sentence (issue 22)
    assert "Traceback" not in result.stderr
    result = _cli("pdf", str(sample), "-o", str(target), "--ksef-number", number, "--offline")
    assert result.returncode == 2
    result = _cli("pdf", str(tmp_path / "missing.xml"), "-o", str(target))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_pdf_command_for_a_total_failure_prints_no_codes(tmp_path: Path) -> None:
    target = tmp_path / "out.pdf"
    result = _cli("pdf", str(OFFICIAL_SAMPLES[0]), "-o", str(target), "--total-failure")
    assert result.returncode == 0, result.stderr
    out = read_back(target.read_bytes(), tmp_path)
    assert out.codes == []
    assert "awarii całkowitej" in out.text
    refused = _cli("pdf", str(OFFICIAL_SAMPLES[0]), "-o", str(target), "--total-failure",
                   "--cert", str(tmp_path / "x.crt"), "--key", str(tmp_path / "x.key"))  # fmt: skip
    assert refused.returncode == 2
    assert "--total-failure" in refused.stderr
    assert "Traceback" not in refused.stderr
