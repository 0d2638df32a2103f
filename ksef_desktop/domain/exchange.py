"""Which day's exchange rate a foreign-currency invoice uses.

Art. 31a ust. 1 ustawy o VAT: amounts in a foreign currency are converted at the average
rate the NBP published for the last business day before the day the tax obligation
arises (the tax point). The NBP publishes on Polish business days only, so that day is
never a weekend or a public holiday (``domain.calendar``). The tax point is taken as the
date of sale, the end of the sale period, or else the issue date (art. 19a ust. 1: the
obligation arises with the supply; the user may change the day the editor proposes).
"""

from __future__ import annotations

from datetime import date

from ksef_desktop.domain.calendar import previous_business_day


def tax_point(issue_date: date, sale_date: date | None, period: tuple[date, date] | None) -> date:
    """The day the tax obligation is taken to arise (see the module's note)."""
    if sale_date is not None:
        return sale_date
    if period is not None:
        return period[1]
    return issue_date


def rate_day(point: date) -> date:
    """The day whose NBP average rate converts the invoice: the last business day
    strictly before the tax point."""
    return previous_business_day(point)
