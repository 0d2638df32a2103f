"""Every official sample renders in pl, en and pl+en; the text and the QR codes read back.

Each (sample, language) is rendered once; the PDF's text comes from ``pdftotext`` and
its QR symbols from ``pdftoppm -r 150`` + zxing-cpp, the way a reader's phone sees them.
pl: an invoice with a KSeF number; en: offline without a certificate; pl+en: offline
with KOD II signed by an RSA or EC test certificate (alternating).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.domain.invoice import EuVatNumber, Invoice, NoTaxId, OtherTaxId, PolishNip
from ksef_desktop.domain.money import format_amount
from ksef_desktop.fa3.parse import parse
from ksef_desktop.visual import qr
from ksef_desktop.visual.certificates import OfflineSigning, read_certificate
from ksef_desktop.visual.pdf import render_pdf
from tests.conftest import OFFICIAL_SAMPLES
from tests.unit.test_certificates import NOW, cached_key, make_certificate

QR_BASE = qr.QR_BASES["test"]


@dataclass(frozen=True)
class Rendered:
    pages: list[str]  # pdftotext output per page
    codes: list[str]  # every QR symbol decoded from every page
    upright: bool  # every symbol printed the right way up (finder patterns TL, TR, BL)

    @property
    def text(self) -> str:
        return " ".join(" ".join(page.split()) for page in self.pages)


def read_back(pdf: bytes, folder: Path) -> Rendered:
    path = folder / "invoice.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(folder / "page")], check=True)
    codes: list[str] = []
    upright = True
    for png in sorted(folder.glob("page*.png")):
        with Image.open(png) as image:
            for found in zxingcpp.read_barcodes(
                image.convert("L"), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
            ):
                codes.append(found.text)
                upright = upright and found.orientation == 0
    return Rendered(pages, codes, upright)


def signing(kind: str) -> OfflineSigning:
    key = cached_key(kind)
    from cryptography.hazmat.primitives.serialization import Encoding

    cert = read_certificate(make_certificate(key).public_bytes(Encoding.DER))
    return OfflineSigning(certificate=cert, private_key=key)


def identifiers(invoice: Invoice) -> list[str]:
    found = [invoice.seller_nip]
    ident = invoice.buyer.tax_id
    if isinstance(ident, PolishNip):
        found.append(ident.nip)
    elif isinstance(ident, EuVatNumber):
        found.append(f"{ident.country}{ident.number}")
    elif isinstance(ident, OtherTaxId):
        found.append(ident.number)
    else:
        assert isinstance(ident, NoTaxId)
    return found


CASES = [
    pytest.param(sample, lang, id=f"{sample.stem.split('_')[-1]}-{lang}")
    for sample in OFFICIAL_SAMPLES
    for lang in ("pl", "en", "pl+en")
]


def test_there_are_26_official_samples() -> None:
    assert len(OFFICIAL_SAMPLES) == 26


@pytest.mark.parametrize(("sample", "lang"), CASES)
def test_official_sample_renders_and_reads_back(sample: Path, lang: str, tmp_path: Path) -> None:
    xml = sample.read_bytes()
    invoice = parse(xml)
    assert invoice.declared is not None
    ksef_number = None
    offline = None
    if lang == "pl":
        ksef_number = make_ksef_number(invoice.seller_nip, invoice.issue_date, "0100001AF629")
    elif lang == "pl+en":
        offline = signing("rsa" if OFFICIAL_SAMPLES.index(sample) % 2 else "ec")
    pdf = render_pdf(
        xml, lang=lang, qr_base=QR_BASE, ksef_number=ksef_number, offline=offline, now=NOW
    )
    assert pdf.startswith(b"%PDF-")
    out = read_back(pdf, tmp_path)
    text = out.text

    assert invoice.number in text
    for ident in identifiers(invoice):
        assert ident in text
    assert format_amount(invoice.declared.gross) in text  # "1 234,56"; NBSP reads back as " "
    assert invoice.currency in text
    kod1 = qr.kod1_url(QR_BASE, invoice.seller_nip, invoice.issue_date, qr.invoice_hash(xml))
    assert kod1 in out.codes
    assert out.upright
    if ksef_number is not None:
        assert ksef_number in text
        assert "OFFLINE" not in text
    else:
        assert "OFFLINE" in text
    if lang == "pl":
        assert "Sprzedawca" in text
        assert "Seller" not in text
        assert "Sprawdź, czy Twoja faktura znajduje się w KSeF!" in text
    elif lang == "en":
        assert "Seller" in text
        assert "Sprzedawca" not in text
        assert "Check that your invoice is in KSeF!" in text
    else:
        assert "Sprzedawca / Seller" in text
    if offline is None:
        assert len(out.codes) == 1
        assert "CERTYFIKAT" not in text
    else:
        assert len(out.codes) == 2
        assert "CERTYFIKAT" in text
        assert "Zweryfikuj dostawcę faktury" in text
        (kod2,) = [code for code in out.codes if code != kod1]
        signed, signature = qr.split_kod2_url(kod2)
        assert signed.startswith(
            f"qr-test.ksef.mf.gov.pl/certificate/Nip/{invoice.seller_nip}/{invoice.seller_nip}/"
            f"{offline.certificate.serial}/{qr.invoice_hash(xml)}"
        )
        assert qr.verify_kod2_signature(offline.certificate.public_key, signed, signature)
    if b"<Zalacznik>" in xml:
        assert re.search(r"(załącznik|attachment)", text, re.IGNORECASE)
    if invoice.correction is not None:
        for corrected in invoice.correction.corrected:
            assert corrected.number in text
            if corrected.ksef_number:
                assert corrected.ksef_number in text
        assert re.search(r"(Dane faktury korygowanej|Corrected invoice)", text)
    if invoice.lines and any(line.before_correction for line in invoice.lines):
        assert re.search(r"(przed korektą|before correction)", text)
    rates = {invoice.exchange_rate, *(line.exchange_rate for line in invoice.lines)} - {None}
    if invoice.is_foreign_currency and rates:
        assert re.search(r"(Kurs waluty|Exchange rate)", text)


@pytest.mark.parametrize("lang", ["pl", "en", "pl+en"])
@pytest.mark.parametrize("sample", OFFICIAL_SAMPLES[:3], ids=lambda p: p.stem.split("_")[-1])
def test_an_invoice_of_a_total_failure_has_no_qr_codes_and_says_why(
    sample: Path, lang: str, tmp_path: Path
) -> None:
    xml = sample.read_bytes()
    invoice = parse(xml)
    out = read_back(render_pdf(xml, lang=lang, qr_base=QR_BASE, total_failure=True), tmp_path)
    assert out.codes == []
    assert invoice.number in out.text
    assert "OFFLINE" not in out.text
    assert "CERTYFIKAT" not in out.text
    if lang != "en":
        assert "Wystawiona w czasie awarii całkowitej KSeF" in out.text
        assert "nie zawiera kodów QR" in out.text
    if lang != "pl":
        assert "Issued during a total failure of KSeF" in out.text


def test_a_total_failure_refuses_kod2_and_a_ksef_number() -> None:
    xml = OFFICIAL_SAMPLES[0].read_bytes()
    invoice = parse(xml)
    number = make_ksef_number(invoice.seller_nip, invoice.issue_date, "0100001AF629")
    with pytest.raises(ValueError, match="total failure"):
        render_pdf(xml, qr_base=QR_BASE, total_failure=True, ksef_number=number)
    with pytest.raises(ValueError, match="total failure"):
        render_pdf(xml, qr_base=QR_BASE, total_failure=True, offline=signing("ec"), now=NOW)
