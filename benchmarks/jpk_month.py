"""How long does a month's JPK_V7M(3) take: 10 000 sales and 2 000 purchase invoices?

Three figures, medians of ``--repeat`` runs in one warm process:
- ``build_jpk`` from the documents: the register, the declaration, the XML and its
  validation against the official XSD (which build_jpk always does before returning);
- baseline: the XSD validation alone of the same file (parsing its bytes, then
  ``XMLSchema.validate``), i.e. what any program must spend to know the file is valid;
- making the 12 000 documents from their FA(3) XML (``sales_document`` /
  ``purchase_document``: parsing each invoice), which the store's path will also pay.

The invoices are built with fa3.build from 40 templates (every issuable rate, PLN and
EUR, corrections, advances, several lines), each with its own number and KSeF status.

    .venv/bin/python -m benchmarks.jpk_month [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree

from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.domain.invoice import (
    Address,
    CorrectedInvoice,
    Correction,
    EuVatNumber,
    Exemption,
    ExemptionBasis,
    Invoice,
    InvoiceKind,
    Line,
    Party,
    PolishNip,
    VatRate,
)
from ksef_desktop.fa3.build import build
from ksef_desktop.jpk.build import build_jpk, summarize
from ksef_desktop.jpk.from_fa3 import ReverseCharge, purchase_document, sales_document
from ksef_desktop.jpk.model import (
    DeclarationInputs,
    Marker,
    NaturalPerson,
    Period,
    PurchaseDocument,
    SalesDocument,
    SelfAssessment,
)
from ksef_desktop.jpk.schema import jpk_schema

OWN = "5265877635"
SUPPLIERS = ("1111111111", "9999999999", "2222222222")
TAXPAYER = NaturalPerson(OWN, "Anna", "Wiśniewska", date(1985, 4, 12), "a@example.pl", "1471")
ME = Party(PolishNip(OWN), "Anna Wiśniewska IT", Address("PL", "ul. Leśna 2, Warszawa"))
EU = Party(EuVatNumber("DE", "123456789"), "Kunde GmbH", Address("DE", "Berlin"))
RATES = (
    VatRate.R23,
    VatRate.R8,
    VatRate.R5,
    VatRate.R0_KR,
    VatRate.R0_WDT,
    VatRate.R0_EX,
    VatRate.ZW,
    VatRate.NP_I,
    VatRate.NP_II,
    VatRate.OO,
)
CREATED = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


def _template(n: int, seller: Party, buyer: Party) -> Invoice:
    rate = RATES[n % len(RATES)]
    lines = tuple(
        Line(
            f"pozycja {k}",
            RATES[(n + k) % 3] if k else rate,
            Decimal(k + 1),
            Decimal(f"{(n * 37 + k * 11) % 900 + 10}.{n % 100:02d}"),
            "szt.",
        )
        for k in range(1 + n % 4)
    )
    if rate is VatRate.R0_WDT:
        buyer = EU if buyer.tax_id != ME.tax_id else buyer
    invoice = Invoice(
        kind=InvoiceKind.VAT,
        number="T",
        issue_date=date(2026, 11, 1 + n % 28),
        seller=seller,
        buyer=buyer,
        lines=lines,
        created_at=datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
        exemption=Exemption(ExemptionBasis.ACT, "art. 43 ust. 1")
        if VatRate.ZW in {x.rate for x in lines}
        else None,
    )
    if n % 5 == 1:
        invoice = replace(invoice, currency="EUR", exchange_rate=Decimal("4.2817"))
    if n % 7 == 2:
        before = tuple(replace(x, before_correction=True) for x in lines)
        after = tuple(replace(x, quantity=(x.quantity or Decimal(1)) / 2) for x in lines)
        invoice = replace(
            invoice,
            kind=InvoiceKind.KOR,
            lines=before + after,
            correction=Correction((CorrectedInvoice(date(2026, 10, 3), "FV/10/1", None),)),
        )
    elif n % 11 == 3:
        invoice = replace(
            invoice,
            kind=InvoiceKind.ZAL,
            advance_received=Decimal("1230.00"),
            exemption=None,
            lines=tuple(replace(x, rate=VatRate.R23) for x in lines),
        )
    return invoice


def month_invoices(
    count: int, *, purchases: bool, skip: frozenset[int] = frozenset()
) -> list[Invoice]:
    """``count`` invoices of November 2026 from the 40 templates (less those in ``skip``),
    each numbered FV/2026/11/<i>: ours to three buyers, or three suppliers' to us."""
    usable = [n for n in range(40) if n not in skip]
    result = []
    for i in range(count):
        seller = (
            Party(PolishNip(SUPPLIERS[i % 3]), f"Dostawca {i % 3}", ME.address) if purchases else ME
        )
        buyer = (
            ME if purchases else Party(PolishNip(SUPPLIERS[i % 3]), f"Odbiorca {i % 3}", ME.address)
        )
        template = _template(usable[i % len(usable)], seller, buyer)
        result.append(replace(template, number=f"FV/2026/11/{i + 1}"))
    return result


def ksef_number_of(invoice: Invoice, serial: int) -> str:
    """A KSeF number (with its checksum) assigned on the invoice's issue day to its seller."""
    seller = invoice.seller.tax_id
    nip = seller.nip if isinstance(seller, PolishNip) else OWN
    return make_ksef_number(nip, invoice.issue_date, f"{serial:012X}")


def _fa3_month(count: int, *, purchases: bool) -> list[tuple[bytes, str]]:
    result = []
    for i, invoice in enumerate(month_invoices(count, purchases=purchases)):
        status = ksef_number_of(invoice, i + 1) if i % 10 else str(Marker.OFF)
        result.append((build(invoice), status))
    return result


def _status(text: str) -> str:
    return Marker(text) if text in Marker.__members__ else text


def _documents(
    sales_xml: list[tuple[bytes, str]], purchases_xml: list[tuple[bytes, str]]
) -> tuple[list[SalesDocument], list[PurchaseDocument]]:
    sales = [sales_document(data, _status(s)) for data, s in sales_xml]
    reverse = ReverseCharge(SelfAssessment.BUYER_IS_TAXPAYER, Decimal(23))
    purchases = []
    for data, s in purchases_xml:
        try:
            purchases.append(purchase_document(data, _status(s)))
        except Exception:  # noqa: BLE001 - a reverse-charge purchase needs its rule
            purchases.append(purchase_document(data, _status(s), reverse_charge=reverse))
    return sales, purchases


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for text in fh:
                if text.startswith("model name"):
                    return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sales", type=int, default=10_000)
    parser.add_argument("--purchases", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    jpk_schema()  # loaded once, as the application does
    sales_xml = _fa3_month(args.sales, purchases=False)
    purchases_xml = _fa3_month(args.purchases, purchases=True)
    sales, purchases = _documents(sales_xml, purchases_xml)
    month = Period(2026, 11)
    inputs = DeclarationInputs()

    def make() -> bytes:
        return build_jpk(month, TAXPAYER, sales, purchases, inputs, created_at=CREATED)

    data = make()
    summary = summarize(data)

    def validate_only() -> None:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False))
        assert jpk_schema().validate(root)

    built = median_time(make, args.repeat)
    baseline = median_time(validate_only, args.repeat)
    converted = median_time(lambda: _documents(sales_xml, purchases_xml), max(1, args.repeat // 2))
    libxml2 = ".".join(map(str, etree.LIBXML_VERSION))
    lxml_version = ".".join(map(str, etree.LXML_VERSION[:3]))
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, {platform.system()}")
    print(f"Python {platform.python_version()}, lxml {lxml_version} / libxml2 {libxml2}")
    print(f"date: {date.today().isoformat()}")
    print(
        f"file: {len(data):,} bytes; rows {summary.sales_rows} + {summary.purchase_rows}; "
        f"PodatekNalezny {summary.tax_due}, PodatekNaliczony {summary.tax_deductible}"
    )
    documents = args.sales + args.purchases
    table = [
        ("baseline: XSD validation of the file (parse + validate)", baseline),
        ("build_jpk (register, declaration, XML, XSD validation)", built),
        (f"{documents:,} documents from their FA(3) XML (one parse each)", converted),
    ]
    print("| step | median | ratio to baseline |")
    print("|---|---|---|")
    for label, seconds in table:
        print(f"| {label} | {seconds * 1000:.0f} ms | {seconds / baseline:.2f} |")


if __name__ == "__main__":
    main()
