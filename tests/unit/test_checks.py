"""Nothing invalid can be issued: each rule refuses with a message at its field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from ksef_desktop.domain.checks import check_invoice
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
    NoTaxId,
    Party,
    Payment,
    PolishNip,
    VatRate,
)
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.schema import fa3_schema
from tests.strategies import invoices

TODAY = date(2026, 11, 24)

SELLER = Party(
    PolishNip("5265877635"), "Jan Kowalski Usługi", Address("PL", "ul. Polna 1", "00-001 Warszawa")
)
BUYER = Party(PolishNip("1111111111"), "F.H.U. Nabywca", Address("PL", "ul. Leśna 2"))


def base(**changes: object) -> Invoice:
    invoice = Invoice(
        kind=InvoiceKind.VAT,
        number="FV/2026/11/1",
        issue_date=TODAY,
        seller=SELLER,
        buyer=BUYER,
        lines=(
            Line("Usługa programistyczna", VatRate.R23, Decimal(10), Decimal("150.00"), "godz."),
        ),
        created_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    )
    return replace(invoice, **changes)  # type: ignore[arg-type]


def fields(invoice: Invoice) -> set[str]:
    return {p.field for p in check_invoice(invoice, today=TODAY)}


def test_a_plain_invoice_passes() -> None:
    assert check_invoice(base(), today=TODAY) == []


CASES = [
    ("number", base(number="")),
    ("issue_date", base(issue_date=date(2026, 11, 25))),
    ("created_at", base(created_at=datetime(2025, 8, 31, tzinfo=UTC))),
    ("seller.tax_id", base(seller=replace(SELLER, tax_id=PolishNip("5265877636")))),
    ("seller.tax_id", base(seller=replace(SELLER, tax_id=NoTaxId()))),
    ("seller.address", base(seller=replace(SELLER, address=None))),
    ("buyer.tax_id", base(buyer=replace(BUYER, tax_id=PolishNip("1234567890")))),
    ("buyer.tax_id", base(buyer=replace(BUYER, tax_id=EuVatNumber("DE", "12345")))),
    ("buyer.tax_id", base(buyer=replace(BUYER, tax_id=EuVatNumber("PL", "5265877635")))),
    ("buyer.name", base(buyer=replace(BUYER, name=" "))),
    ("buyer.name", base(buyer=replace(BUYER, name="x" * 513))),
    ("buyer.name", base(buyer=replace(BUYER, name="zły\x07znak"))),
    ("buyer.address.country", base(buyer=replace(BUYER, address=Address("pl", "ul. Leśna 2")))),
    ("buyer.email", base(buyer=replace(BUYER, email="nie-mail"))),
    ("lines", base(lines=())),
    ("lines[0].quantity", base(lines=(Line("a", VatRate.R23, Decimal(0), Decimal(1)),))),
    ("lines[0].quantity", base(lines=(Line("a", VatRate.R23, Decimal("0.0000001"), Decimal(1)),))),
    ("lines[0].unit_price", base(lines=(Line("a", VatRate.R23, Decimal(1), Decimal(-1)),))),
    ("lines[0].rate", base(lines=(Line("a", None, Decimal(1), Decimal(1)),))),
    ("lines[0].rate", base(lines=(Line("a", VatRate.R22, Decimal(1), Decimal(1)),))),
    (
        "lines[0].discount",
        base(lines=(Line("a", VatRate.R23, Decimal(1), Decimal(1), discount=Decimal(2)),)),
    ),
    ("lines[0].rate", base(lines=(Line("a", VatRate.R0_WDT, Decimal(1), Decimal(1)),))),
    (
        "lines[0].rate",
        base(
            buyer=replace(BUYER, tax_id=EuVatNumber("DE", "123456789")),
            lines=(Line("a", VatRate.OO, Decimal(1), Decimal(1)),),
        ),
    ),
    (
        "lines[0]",
        base(lines=(Line("a", VatRate.R23, Decimal(1), Decimal(1), before_correction=True),)),
    ),
    ("exemption", base(lines=(Line("a", VatRate.ZW, Decimal(1), Decimal(1)),))),
    ("exemption", base(exemption=Exemption(ExemptionBasis.ACT, "art. 43 ust. 1 pkt 2"))),
    ("exchange_rate", base(currency="EUR")),
    ("exchange_rate", base(exchange_rate=Decimal("4.3"))),
    (
        "exchange_rate_date",
        base(currency="EUR", exchange_rate=Decimal("4.3"), exchange_rate_date=date(2026, 12, 1)),
    ),
    ("currency", base(currency="eur", exchange_rate=Decimal("4.3"))),
    ("payment.due_date", base(payment=Payment(due_date=date(2026, 11, 1)))),
    ("payment.paid_date", base(payment=Payment(paid=True))),
    ("payment.bank_account", base(payment=Payment(bank_account="PL61109010140000071219812875"))),
    (
        "payment.bank_account",
        base(payment=Payment(bank_account="PL61 1090 1014 0000 0712 1981 2874")),
    ),
    ("payment.bank_name", base(payment=Payment(bank_name="mBank"))),
    ("payment.ipksef", base(payment=Payment(ipksef="12AB"))),
    ("payment.payment_link", base(payment=Payment(payment_link="https://pay.example/?x=1"))),
    ("correction", base(kind=InvoiceKind.KOR)),
    ("correction", base(correction=Correction((CorrectedInvoice(TODAY, "FV/1", None),)))),
    (
        "correction.corrected[0].ksef_number",
        base(
            kind=InvoiceKind.KOR,
            correction=Correction(
                (CorrectedInvoice(TODAY, "FV/1", "5265877635-20250826-0100001AF629-AF0"),)
            ),
        ),
    ),
    (
        "correction.corrected[0].issue_date",
        base(
            kind=InvoiceKind.KOR,
            correction=Correction((CorrectedInvoice(date(2026, 12, 1), "FV/1", None),)),
        ),
    ),
    ("advance_received", base(kind=InvoiceKind.ZAL)),
    ("advance_received", base(kind=InvoiceKind.ZAL, advance_received=Decimal("999999"))),
    ("advance_received", base(advance_received=Decimal(10))),
    ("prices_gross", base(kind=InvoiceKind.ZAL, advance_received=Decimal(10), prices_gross=True)),
    ("kind", base(kind=InvoiceKind.ROZ)),
]


@pytest.mark.parametrize(
    ("field", "invoice"), CASES, ids=[f"{i}-{c[0]}" for i, c in enumerate(CASES)]
)
def test_each_rule_refuses_at_its_field(field: str, invoice: Invoice) -> None:
    problems = check_invoice(invoice, today=TODAY)
    assert field in {p.field for p in problems}, [(p.field, p.text("en")) for p in problems]
    for problem in problems:
        english, polish = problem.text("en"), problem.text("pl")
        assert english
        assert polish
        assert english != polish


def test_messages_are_polish_by_default() -> None:
    (problem,) = check_invoice(base(number=""), today=TODAY)
    assert str(problem) == "To pole jest wymagane."


def test_nrb_and_iban_are_both_accepted() -> None:
    for account in ("PL61109010140000071219812874", "61109010140000071219812874"):
        assert fields(base(payment=Payment(bank_account=account))) == set()


def test_correction_with_invoice_issued_outside_ksef_passes() -> None:
    invoice = base(
        kind=InvoiceKind.KOR,
        correction=Correction(
            (CorrectedInvoice(date(2026, 11, 2), "FV/2026/11/1", None),), reason="rabat"
        ),
        lines=(
            Line("a", VatRate.R23, Decimal(1), Decimal(100), before_correction=True),
            Line("a", VatRate.R23, Decimal(1), Decimal(90)),
        ),
    )
    assert check_invoice(invoice, today=TODAY) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_generated_invoices_pass_and_build_valid(invoice: Invoice) -> None:
    assert check_invoice(invoice, today=date(2031, 1, 1)) == []
    assert fa3_schema().validate(etree.fromstring(build(invoice)))


_odd_decimals = st.decimals(allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(
    quantity=_odd_decimals,
    price=_odd_decimals,
    discount=_odd_decimals,
    text=st.text(max_size=600),
    rate=st.sampled_from(list(VatRate)) | st.none(),
)
def test_checks_never_raise_on_hostile_values(
    quantity: Decimal, price: Decimal, discount: Decimal, text: str, rate: VatRate | None
) -> None:
    invoice = base(
        number=text,
        buyer=replace(BUYER, name=text, tax_id=EuVatNumber(text[:2], text)),
        lines=(Line(text, rate, quantity, price, text, discount),),
        payment=Payment(bank_account=text, ipksef=text, payment_link=text),
    )
    problems = check_invoice(invoice, today=TODAY)
    for problem in problems:
        assert problem.text("pl")
        assert problem.text("en")
