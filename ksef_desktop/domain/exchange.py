"""The exchange rate of a foreign-currency invoice (art. 31a of the VAT act).

Art. 31a ust. 1 ustawy z dnia 11 marca 2004 r. o podatku od towarów i usług: amounts in a
foreign currency are converted into złoty at the average rate of that currency announced
by the National Bank of Poland (NBP, table A) **on the last business day preceding the
day the tax obligation arises** ("na ostatni dzień roboczy poprzedzający dzień powstania
obowiązku podatkowego"); art. 106e ust. 11 applies it to the tax amount on the invoice.

The tax point ("obowiązek podatkowy", art. 19a) is in general the day of the supply of
goods or services (ust. 1): the invoice's date of sale (P_6), or the end of its period for
services settled in periods (ust. 3); an advance payment creates it when received
(ust. 8); without a date of sale it is the issue date (the date of sale equals it, art.
106e ust. 1 pkt 6). The user may always know better (art. 19a ust. 5 lists exceptions);
the editor lets them change the rate.

Pure: the calendar is ``domain.calendar`` (Polish public holidays), no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ksef_desktop.domain.calendar import is_business_day, previous_business_day
from ksef_desktop.domain.invoice import Invoice, InvoiceKind
from ksef_desktop.errors import UserError

#: How far back the rate's day may be looked for before giving up (NBP does not skip
#: business days; a longer gap means the service or the request is wrong).
MAX_BUSINESS_DAYS_BACK = 5
#: The oldest table (in calendar days before the rate's day) ``check_rate`` accepts.
MAX_DAYS_BACK = 14


@dataclass(frozen=True)
class ExchangeRate:
    """An NBP table A average rate: ``mid`` złoty for one unit of ``currency``."""

    currency: str
    mid: Decimal
    table: str  # "235/A/NBP/2026"
    effective_date: date


class RateRefused(UserError, ValueError):
    """A rate that art. 31a does not allow for the tax point (wrong day, not positive)."""


def tax_point(invoice: Invoice) -> date:
    """The day the tax obligation arises for ``invoice``, as far as the invoice tells."""
    if invoice.kind is InvoiceKind.ZAL and invoice.payment and invoice.payment.paid_date:
        return invoice.payment.paid_date  # art. 19a ust. 8: when the advance was received
    return tax_point_of(invoice.issue_date, invoice.sale_date, invoice.sale_period)


def tax_point_of(
    issue_date: date, sale_date: date | None, period: tuple[date, date] | None
) -> date:
    """The tax point of a sale from the dates an editor shows (FA(3) has either a date of
    sale, P_6, or a period, P_6_Od/P_6_Do, never both)."""
    if period is not None:
        return period[1]  # art. 19a ust. 3: the end of the settlement period
    if sale_date is not None:
        return sale_date  # art. 19a ust. 1: the supply
    return issue_date


def rate_day(point: date) -> date:
    """The last business day before the tax point: the day whose NBP table applies."""
    return previous_business_day(point)


def check_rate(rate: ExchangeRate, point: date) -> None:
    """Refuse a rate art. 31a does not allow for ``point`` (``RateRefused`` says why)."""
    if rate.mid <= 0:
        raise RateRefused(f"the rate {rate.mid} is not positive")
    if not is_business_day(rate.effective_date):
        raise RateRefused(f"{rate.effective_date} is not a business day")
    last = rate_day(point)
    if rate.effective_date > last:
        raise RateRefused(f"the table of {rate.effective_date} is not before {point}")
    # An earlier table only where NBP published none on the business days in between.
    if (last - rate.effective_date).days > MAX_DAYS_BACK:
        raise RateRefused(f"the table of {rate.effective_date} is too old for {point}")
