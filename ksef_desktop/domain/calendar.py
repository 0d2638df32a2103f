"""Polish business days and the Europe/Warsaw end of a day (pure; no I/O, no clock).

A business day ("dzień roboczy") is Monday to Friday except the public holidays of the
act on days free from work (ustawa z dnia 18 stycznia 1951 r. o dniach wolnych od pracy,
art. 1). The holiday set of each year comes from the ``holidays`` package and is computed
once per year (``functools.lru_cache``).

Counting follows the civil-code rule for terms in days (art. 111 § 2 k.c.): the day of
the event that starts a term is not counted, so "the 7th business day after D" is found
by stepping forward from the day after D.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")

# 24 December (Wigilia Bożego Narodzenia) is a day free from work from 2025 on: art. 1
# pkt 1 lit. ka of the act on days free from work, added by the act of 6 December 2024
# amending the act on days free from work and certain other acts (Dz.U. 2024 poz. 1965).
# The installed ``holidays`` (0.109) knows it; it is added here as well so that an older
# ``holidays`` in some installation can never make 24 December a business day.
CHRISTMAS_EVE_FREE_SINCE = 2025

_DAY_END = time(23, 59, 59)


def _plain_date(d: date) -> date:
    """``d`` itself; refuses a ``datetime``, whose date in Warsaw may differ from ``.date()``."""
    if isinstance(d, datetime):
        raise TypeError("expected a date, got a datetime: convert it with warsaw_date() first")
    return d


@lru_cache(maxsize=64)
def polish_public_holidays(year: int) -> frozenset[date]:
    """Every Polish public holiday of ``year`` (some fall on weekends).

    Outside the years the ``holidays`` package covers it would silently answer "no
    holidays"; a wrong business day is worse than an error, so those years are refused.
    (FA(3) dates end in 2050, far inside the range.)
    """
    import holidays  # imported on first need: it costs ~25 ms, and a window start needs none

    data = holidays.country_holidays("PL")
    if not data.start_year <= year <= data.end_year:
        raise ValueError(f"no Polish holiday data for {year}")
    days = set(holidays.country_holidays("PL", years=year).keys())
    if year >= CHRISTMAS_EVE_FREE_SINCE:
        days.add(date(year, 12, 24))
    return frozenset(days)


def is_public_holiday(d: date) -> bool:
    d = _plain_date(d)
    return d in polish_public_holidays(d.year)


def is_business_day(d: date) -> bool:
    """Monday to Friday and not a Polish public holiday."""
    d = _plain_date(d)
    return d.weekday() < 5 and d not in polish_public_holidays(d.year)


def add_business_days(d: date, n: int) -> date:
    """The ``n``-th business day after ``d`` (``d`` itself is never counted).

    ``n == 0`` returns ``d`` unchanged; a negative ``n`` counts backwards (the
    ``-n``-th business day before ``d``).
    """
    d = _plain_date(d)
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        d += step
        if is_business_day(d):
            remaining -= 1
    return d


def next_business_day(d: date) -> date:
    """The first business day strictly after ``d``."""
    return add_business_days(d, 1)


def previous_business_day(d: date) -> date:
    """The last business day strictly before ``d``."""
    return add_business_days(d, -1)


def end_of_day(d: date) -> datetime:
    """23:59:59 Europe/Warsaw on ``d``: when a deadline falling on ``d`` runs out."""
    return datetime.combine(_plain_date(d), _DAY_END, tzinfo=WARSAW)


def warsaw_date(moment: datetime) -> date:
    """The calendar day in Poland at ``moment`` (which must be timezone-aware)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime has no day in Warsaw: give it a time zone")
    return moment.astimezone(WARSAW).date()
