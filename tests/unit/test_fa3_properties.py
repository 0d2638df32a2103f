"""Property tests over the whole model: build → XSD-valid → parse → equal; totals add up."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from lxml import etree

from ksef_desktop.domain.invoice import TAXED_GROUPS, Invoice, InvoiceKind
from ksef_desktop.domain.money import ZERO, round_money
from ksef_desktop.domain.totals import compute_totals
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.parse import parse
from ksef_desktop.fa3.schema import fa3_schema
from tests.strategies import invoices

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(invoices())
def test_build_is_valid_and_parses_back_equal(invoice: Invoice) -> None:
    data = build(invoice)
    schema = fa3_schema()
    assert schema.validate(etree.fromstring(data)), schema.error_log
    assert parse(data) == invoice
    assert build(invoice) == data


@SETTINGS
@given(invoices())
def test_totals_add_up(invoice: Invoice) -> None:
    totals = compute_totals(invoice)
    assert totals.gross == totals.net + totals.vat
    for group, total in totals.groups.items():
        assert total.net == round_money(total.net)
        assert (total.vat is not None) == (group in TAXED_GROUPS)
        assert (total.vat_pln is not None) == (
            group in TAXED_GROUPS and invoice.is_foreign_currency
        )
    if invoice.kind is InvoiceKind.ZAL:
        assert totals.gross == invoice.advance_received
        return
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in invoice.lines:
        assert line.rate is not None
        sums[line.rate.group] += -line.amount if line.before_correction else line.amount
    for group, amount in sums.items():
        total = totals.groups[group]
        if invoice.prices_gross:
            assert total.net + (total.vat or ZERO) == amount
        else:
            assert total.net == amount


@SETTINGS
@given(invoices())
def test_declared_totals_after_parsing_are_the_computed_ones(invoice: Invoice) -> None:
    parsed = parse(build(invoice))
    assert parsed.declared == compute_totals(invoice)
