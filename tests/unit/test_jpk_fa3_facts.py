"""The register's one-pass FA(3) reader agrees with fa3.parse, and refuses what is not FA(3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from ksef_desktop.domain.invoice import Invoice
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.parse import parse
from ksef_desktop.jpk.fa3_facts import Fa3Facts, Fa3Unreadable, read
from ksef_desktop.jpk.model import Procedure
from tests.conftest import OFFICIAL_SAMPLES
from tests.strategies import invoices


def _same(facts: Fa3Facts, invoice: Invoice) -> None:
    assert facts.kind == invoice.kind.value
    assert facts.number == invoice.number
    assert facts.issue_date == invoice.issue_date
    end = invoice.sale_period[1] if invoice.sale_period else None
    assert facts.sale_date == (invoice.sale_date or end)
    assert facts.currency == invoice.currency
    assert facts.exchange_rate == invoice.exchange_rate
    assert facts.seller == type(invoice.seller)(invoice.seller.tax_id, invoice.seller.name)
    assert facts.buyer == type(invoice.buyer)(invoice.buyer.tax_id, invoice.buyer.name)
    assert facts.totals == invoice.declared
    assert facts.cash_accounting == invoice.cash_accounting
    assert facts.gtu == {line.gtu for line in invoice.lines if line.gtu}
    assert facts.vat_rates == {line.rate for line in invoice.lines if line.rate}


@pytest.mark.parametrize("path", OFFICIAL_SAMPLES, ids=lambda p: p.name)
def test_the_reader_agrees_with_the_parser_on_the_samples(path: Path) -> None:
    data = path.read_bytes()
    _same(read(data), parse(data))


@given(invoices())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_reader_agrees_with_the_parser_on_random_invoices(invoice: Invoice) -> None:
    data = build(invoice)
    _same(read(data), parse(data))


def test_markers_of_the_samples() -> None:
    by_name = {p.name: read(p.read_bytes()) for p in OFFICIAL_SAMPLES}
    assert by_name["FA_3_Przykład_1.xml"].invoice_to_receipt
    assert not by_name["FA_3_Przykład_9.xml"].invoice_to_receipt
    assert by_name["FA_3_Przykład_8.xml"].procedures == {Procedure.MR_UZ}
    assert by_name["Fa_3_Przykład_19.xml"].procedures == {Procedure.MR_T}
    assert by_name["FA_3_Przykład_21.xml"].line_rates_differ
    assert by_name["FA_3_Przykład_21.xml"].exchange_rate is None
    assert by_name["Fa_3_Przykład_20.xml"].exchange_rate is not None


SAMPLE = OFFICIAL_SAMPLES[0].read_bytes()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not xml", "not well-formed"),
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "not well-formed"),
        (b"<Faktura/>", r"not an FA\(3\) Faktura"),
        (SAMPLE.replace(b"<P_15>", b"<P_15x>").replace(b"</P_15>", b"</P_15x>"), "P_15"),
        (SAMPLE.replace(b"<P_2>", b"<P_2x>").replace(b"</P_2>", b"</P_2x>"), "P_2"),
        (SAMPLE.replace(b"<P_13_1>1666.66", b"<P_13_1>1,5"), "P_13_1 is not a number"),
        (SAMPLE.replace(b"<P_1>2026-02-15", b"<P_1>15.02.2026"), "P_1 is not a date"),
        (SAMPLE.replace(b"<P_12>23</P_12>", b"<P_12>99</P_12>", 1), "unknown VAT rate"),
        (
            SAMPLE.replace(b"</P_12>", b"</P_12><Procedura>XYZ</Procedura>", 1),
            "unknown procedure",
        ),
    ],
)
def test_what_is_not_fa3_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(Fa3Unreadable, match=reason):
        read(data)
