"""Make the PNG renderings of offline invoices in docs/ (Polish, English, bilingual).

    .venv/bin/python -m benchmarks.pdf_renderings

Each is a real run of ``render_pdf`` with KOD I and KOD II (signed with a throwaway
self-signed EC P-256 "Offline" certificate made in memory; nothing secret is written),
rasterised with poppler's ``pdftoppm``. Rerun after any change to the layout.
"""

from __future__ import annotations

import subprocess
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from ksef_desktop.domain.invoice import (
    Address,
    EuVatNumber,
    Invoice,
    InvoiceKind,
    Line,
    Party,
    Payment,
    PaymentMethod,
    PolishNip,
    VatRate,
)
from ksef_desktop.fa3.build import build
from ksef_desktop.visual.certificates import OfflineSigning, read_certificate
from ksef_desktop.visual.pdf import render_pdf
from ksef_desktop.visual.qr import QR_BASES

ROOT = Path(__file__).resolve().parents[1]
CREATED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

SELLER = Party(
    PolishNip("5265877635"),
    "Anna Wiśniewska Usługi Programistyczne",
    Address("PL", "ul. Źródlana 7 lok. 12", "90-001 Łódź"),
    email="anna@wisniewska.pl",
    phone="+48 600 100 200",
)


def demo_invoice(foreign: bool) -> Invoice:
    if foreign:
        buyer = Party(
            EuVatNumber("DE", "811907980"),
            "Müller & Söhne GmbH",
            Address("DE", "Königstraße 15", "70173 Stuttgart"),
        )
        lines: tuple[Line, ...] = (
            Line(
                "Software development (February 2026)",
                VatRate.NP_II,
                Decimal(120),
                Decimal("55.00"),
                "h",
            ),
            Line("Code review and consulting", VatRate.NP_II, Decimal(16), Decimal("60.00"), "h"),
        )
        return Invoice(
            kind=InvoiceKind.VAT,
            number="FV/2026/03/002",
            issue_date=date(2026, 3, 2),
            seller=SELLER,
            buyer=buyer,
            lines=lines,
            created_at=CREATED,
            issue_place="Łódź",
            sale_date=date(2026, 2, 28),
            currency="EUR",
            payment=Payment(
                method=PaymentMethod.TRANSFER,
                due_date=date(2026, 3, 16),
                bank_account="PL61109010140000071219812874",
            ),
            notes=(("Reverse charge", "Art. 196 Council Directive 2006/112/EC"),),
        )
    buyer = Party(
        PolishNip("1111111111"),
        "Pracownia Żółtej Łodzi sp. z o.o.",
        Address("PL", "ul. Piękna 3", "00-001 Warszawa"),
    )
    lines = (
        Line("Wdrożenie systemu rezerwacji", VatRate.R23, Decimal(1), Decimal("8500.00"), "usł."),
        Line("Godziny wsparcia technicznego", VatRate.R23, Decimal(12), Decimal("180.00"), "godz."),
        Line(
            "Licencja roczna – moduł raportów", VatRate.R23, Decimal(1), Decimal("1200.00"), "szt."
        ),
        Line("Szkolenie e-learning", VatRate.R8, Decimal(3), Decimal("250.00"), "szt."),
    )
    return Invoice(
        kind=InvoiceKind.VAT,
        number="FV/2026/03/001",
        issue_date=date(2026, 3, 2),
        seller=SELLER,
        buyer=buyer,
        lines=lines,
        created_at=CREATED,
        issue_place="Łódź",
        sale_date=date(2026, 2, 27),
        payment=Payment(
            method=PaymentMethod.TRANSFER,
            due_date=date(2026, 3, 16),
            bank_account="61109010140000071219812874",
            bank_name="Bank Przykładowy S.A.",
        ),
        split_payment=False,
    )


def offline_signing() -> OfflineSigning:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SELLER.name)])
    usage = x509.KeyUsage(False, True, False, False, False, False, False, False, False)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x0123456789ABCDEF)
        .not_valid_before(CREATED - timedelta(days=30))
        .not_valid_after(CREATED + timedelta(days=700))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return OfflineSigning(read_certificate(cert.public_bytes(Encoding.DER)), key)


def main() -> None:
    signing = offline_signing()
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for lang, foreign in (("pl", False), ("en", True), ("pl+en", True)):
            xml = build(demo_invoice(foreign))
            pdf = render_pdf(xml, lang=lang, qr_base=QR_BASES["test"], offline=signing, now=CREATED)
            stem = f"invoice-{lang.replace('+', '-')}"
            pdf_path = Path(tmp) / f"{stem}.pdf"
            pdf_path.write_bytes(pdf)
            target = docs / stem
            subprocess.run(
                ["pdftoppm", "-r", "90", "-png", "-singlefile", str(pdf_path), str(target)],
                check=True,
            )
            print(f"{target}.png")


if __name__ == "__main__":
    main()
