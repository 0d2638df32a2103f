"""Totals per VAT rate as FA(3) declares them (P_13_x, P_14_x, P_14_xW, P_15).

Rounding follows what Polish invoicing programs do under art. 106e ust. 10-11 of the
VAT act: each line's value is rounded to grosze, the values are summed per rate, and
the tax is computed once per rate from that sum (net method: sum × rate; gross
method: sum × rate / (100 + rate), the net being the difference). In a foreign
currency the tax in PLN (P_14_xW) is the unrounded tax of each line times that line's
exchange rate, summed and rounded once.

A correction (KOR) declares differences: "before" lines (StanPrzed) count negative.
An advance invoice (ZAL) declares the advance received, split over the rates in
proportion to the gross value of the order, to the grosz by the largest remainders (so
the shares add up to the advance and none turns negative).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal

from ksef_desktop.domain.invoice import (
    TAXED_GROUPS,
    Invoice,
    InvoiceKind,
    Line,
    RateTotal,
    Totals,
    VatRate,
)
from ksef_desktop.domain.money import GROSZ, ZERO, round_money

HUNDRED = Decimal(100)


def _signed(line: Line) -> Decimal:
    return -line.amount if line.before_correction else line.amount


def _tax_of(amount: Decimal, percent: Decimal, gross: bool) -> Decimal:
    """The (unrounded) tax contained in or added to ``amount``."""
    return amount * percent / (HUNDRED + percent) if gross else amount * percent / HUNDRED


def line_vat(line: Line, *, prices_gross: bool) -> Decimal:
    """A line's own tax, rounded (shown per line; totals use per-rate sums)."""
    percent = line.rate.percent if line.rate else None
    if not percent:
        return ZERO
    return round_money(_tax_of(_signed(line), percent, prices_gross))


def line_gross(line: Line, *, prices_gross: bool) -> Decimal:
    if prices_gross:
        return _signed(line)
    return _signed(line) + line_vat(line, prices_gross=False)


def compute_totals(invoice: Invoice) -> Totals:
    if invoice.kind is InvoiceKind.ZAL and invoice.advance_received is not None:
        return _advance_totals(invoice)
    by_rate: dict[VatRate, Decimal] = defaultdict(lambda: ZERO)
    pln_tax: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in invoice.lines:
        if line.rate is None:
            continue
        amount = _signed(line)
        by_rate[line.rate] += amount
        percent = line.rate.percent
        if invoice.is_foreign_currency and line.rate.group in TAXED_GROUPS and percent:
            rate = line.exchange_rate or invoice.exchange_rate
            if rate is not None:
                pln_tax[line.rate.group] += _tax_of(amount, percent, invoice.prices_gross) * rate
    return _assemble(invoice, by_rate, pln_tax)


def _assemble(
    invoice: Invoice, by_rate: dict[VatRate, Decimal], pln_tax: dict[str, Decimal]
) -> Totals:
    nets: dict[str, Decimal] = defaultdict(lambda: ZERO)
    taxes: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for rate, amount in by_rate.items():
        group = rate.group
        percent = rate.percent
        if group in TAXED_GROUPS and percent is not None:
            tax = round_money(_tax_of(amount, percent, invoice.prices_gross))
            taxes[group] += tax
            nets[group] += amount - tax if invoice.prices_gross else amount
        else:
            nets[group] += amount
    groups: dict[str, RateTotal] = {}
    for group in sorted(nets, key=_group_order):
        if group in TAXED_GROUPS:
            vat_pln = round_money(pln_tax[group]) if group in pln_tax else None
            groups[group] = RateTotal(net=nets[group], vat=taxes[group], vat_pln=vat_pln)
        else:
            groups[group] = RateTotal(net=nets[group])
    gross = sum((g.net + (g.vat or ZERO) for g in groups.values()), ZERO)
    return Totals(groups=groups, gross=gross)


def order_gross_by_rate(invoice: Invoice) -> dict[VatRate, Decimal]:
    """Gross value of the ordered goods per rate (advance invoices are net-priced)."""
    result: dict[VatRate, Decimal] = defaultdict(lambda: ZERO)
    for line in invoice.lines:
        if line.rate is not None:
            result[line.rate] += line_gross(line, prices_gross=False)
    return dict(result)


def order_value(invoice: Invoice) -> Decimal:
    """WartoscZamowienia: the gross value of the whole order."""
    return sum(order_gross_by_rate(invoice).values(), ZERO)


def _advance_totals(invoice: Invoice) -> Totals:
    received = invoice.advance_received or ZERO
    per_rate = order_gross_by_rate(invoice)
    total = sum(per_rate.values(), ZERO)
    shares: dict[VatRate, Decimal] = {}
    rates = sorted(per_rate, key=lambda r: (_group_order(r.group), r.value))
    if rates and not total:
        # An order of zero value gives no proportions: the advance goes to its first rate.
        shares[rates[0]] = received
    elif rates:
        # Largest remainders: the last rate taking the rest of rounded shares could end
        # at -0.01 (fa3/semantic found it: a negative P_13_x on an advance invoice).
        exact = {rate: received * per_rate[rate] / total for rate in rates}
        for rate, value in exact.items():
            shares[rate] = value.quantize(GROSZ, rounding=ROUND_FLOOR)
        left = int((received - sum(shares.values(), ZERO)) / GROSZ)
        by_remainder = sorted(rates, key=lambda r: exact[r] - shares[r], reverse=True)
        for rate in by_remainder[:left]:
            shares[rate] += GROSZ
    pln_tax: dict[str, Decimal] = defaultdict(lambda: ZERO)
    if invoice.is_foreign_currency and invoice.exchange_rate is not None:
        for rate, share in shares.items():
            if rate.group in TAXED_GROUPS and rate.percent:
                pln_tax[rate.group] += _tax_of(share, rate.percent, True) * invoice.exchange_rate
    # Advance shares are gross amounts, whatever the order's price entry.
    gross_view = replace(invoice, prices_gross=True)
    return _assemble(gross_view, shares, pln_tax)


_GROUP_ORDER = ("1", "2", "3", "4", "5", "6_1", "6_2", "6_3", "7", "8", "9", "10", "11")


def _group_order(group: str) -> int:
    return _GROUP_ORDER.index(group)
