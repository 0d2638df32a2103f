"""Polish business days: weekends, public holidays (24 December from 2025), counting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.domain.calendar import (
    WARSAW,
    add_business_days,
    end_of_day,
    is_business_day,
    is_public_holiday,
    next_business_day,
    polish_public_holidays,
    previous_business_day,
    warsaw_date,
)

# 6 January became a public holiday again in 2011; the oracle below starts there.
YEARS = st.integers(min_value=2011, max_value=2100)
# Up to two months before the end of the holiday data, so that +30 business days stay in it.
DAYS = st.dates(min_value=date(2011, 1, 1), max_value=date(2100, 10, 31))


def easter(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous "Meeus/Jones/Butcher" algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 19 * l) // 433
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def statutory_holidays(year: int) -> set[date]:
    """Art. 1 pkt 1 of the act on days free from work, written out independently."""
    sunday = easter(year)
    days = {
        date(year, 1, 1),  # Nowy Rok
        date(year, 1, 6),  # Święto Trzech Króli
        sunday,  # pierwszy dzień Wielkiej Nocy
        sunday + timedelta(days=1),  # drugi dzień Wielkiej Nocy
        date(year, 5, 1),  # Święto Państwowe
        date(year, 5, 3),  # Święto Narodowe Trzeciego Maja
        sunday + timedelta(days=49),  # Zielone Świątki
        sunday + timedelta(days=60),  # Boże Ciało
        date(year, 8, 15),  # Wniebowzięcie NMP
        date(year, 11, 1),  # Wszystkich Świętych
        date(year, 11, 11),  # Narodowe Święto Niepodległości
        date(year, 12, 25),
        date(year, 12, 26),
    }
    if year >= 2025:
        days.add(date(year, 12, 24))  # Wigilia, lit. ka added by the act of 6 XII 2024
    if year == 2018:
        # One-off: the act of 7 November 2018 made 12 November 2018 (the centenary of
        # independence) a day free from work.
        days.add(date(2018, 11, 12))
    return days


WEEKDAY_HOLIDAYS_2025_2026 = [
    date(2025, 1, 1),  # Wednesday
    date(2025, 1, 6),  # Monday
    date(2025, 4, 21),  # Easter Monday
    date(2025, 5, 1),  # Thursday
    date(2025, 6, 19),  # Corpus Christi
    date(2025, 8, 15),  # Friday
    date(2025, 11, 11),  # Tuesday
    date(2025, 12, 24),  # Wednesday: the first statutory Wigilia
    date(2025, 12, 25),
    date(2025, 12, 26),
    date(2026, 1, 1),
    date(2026, 1, 6),  # Tuesday
    date(2026, 4, 6),  # Easter Monday
    date(2026, 5, 1),  # Friday
    date(2026, 6, 4),  # Corpus Christi
    date(2026, 11, 11),  # Wednesday
    date(2026, 12, 24),  # Thursday
    date(2026, 12, 25),  # Friday
    date(2024, 5, 3),  # Friday (3 May 2025 is a Saturday)
    date(2024, 11, 1),  # Friday (1 November 2025 is a Saturday)
]


@pytest.mark.parametrize("day", WEEKDAY_HOLIDAYS_2025_2026, ids=str)
def test_public_holidays_on_weekdays_are_not_business_days(day: date) -> None:
    assert day.weekday() < 5, "the table must list weekdays only"
    assert is_public_holiday(day)
    assert not is_business_day(day)


def test_christmas_eve_is_a_business_day_before_2025_and_a_holiday_from_2025() -> None:
    assert date(2024, 12, 24).weekday() == 1
    assert is_business_day(date(2024, 12, 24))
    assert not is_public_holiday(date(2024, 12, 24))
    for year in range(2025, 2040):
        assert date(year, 12, 24) in polish_public_holidays(year)
        assert not is_business_day(date(year, 12, 24))


def test_weekends_are_not_business_days_and_plain_weekdays_are() -> None:
    assert not is_business_day(date(2025, 7, 12))  # Saturday
    assert not is_business_day(date(2025, 7, 13))  # Sunday
    for day in range(14, 19):  # Monday 14 to Friday 18 July 2025, no holiday
        assert is_business_day(date(2025, 7, day))


def test_good_friday_and_31_december_are_business_days() -> None:
    assert is_business_day(date(2025, 4, 18))  # Good Friday is not a Polish holiday
    assert is_business_day(date(2025, 12, 31))


@given(DAYS)
def test_business_day_matches_the_statute(day: date) -> None:
    expected = day.weekday() < 5 and day not in statutory_holidays(day.year)
    assert is_business_day(day) is expected


@given(YEARS)
def test_holiday_set_is_exactly_the_statutory_list(year: int) -> None:
    assert polish_public_holidays(year) == statutory_holidays(year)


def test_holiday_sets_are_cached_per_year() -> None:
    assert polish_public_holidays(2025) is polish_public_holidays(2025)
    assert polish_public_holidays(2025) is not polish_public_holidays(2026)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 7, 11), date(2025, 7, 14)),  # Friday -> Monday
        (date(2025, 7, 12), date(2025, 7, 14)),  # Saturday -> Monday
        (date(2025, 4, 18), date(2025, 4, 22)),  # Good Friday -> past Easter Monday
        (date(2025, 4, 30), date(2025, 5, 2)),  # over 1 May
        (date(2026, 4, 30), date(2026, 5, 4)),  # 1 May on a Friday
        (date(2025, 8, 14), date(2025, 8, 18)),  # 15 August on a Friday
        (date(2025, 10, 31), date(2025, 11, 3)),  # 1 November on a Saturday
        (date(2025, 11, 10), date(2025, 11, 12)),  # over 11 November
        (date(2024, 12, 23), date(2024, 12, 24)),  # 2024: Wigilia still a business day
        (date(2025, 12, 23), date(2025, 12, 29)),  # 24-26 December and a weekend
        (date(2025, 12, 31), date(2026, 1, 2)),  # New Year
        (date(2026, 1, 5), date(2026, 1, 7)),  # Epiphany
    ],
    ids=str,
)
def test_next_business_day(day: date, expected: date) -> None:
    assert next_business_day(day) == expected
    assert previous_business_day(expected) <= day


def test_seventh_business_day_over_christmas_and_new_year() -> None:
    # 29, 30, 31 Dec, 2 Jan, 5 Jan, 7 Jan (6th is Epiphany), 8 Jan.
    assert add_business_days(date(2025, 12, 23), 7) == date(2026, 1, 8)


def test_zero_business_days_is_the_day_itself_even_on_a_weekend() -> None:
    assert add_business_days(date(2025, 7, 12), 0) == date(2025, 7, 12)


def test_negative_counts_go_backwards() -> None:
    assert add_business_days(date(2025, 7, 14), -1) == date(2025, 7, 11)
    assert add_business_days(date(2026, 1, 8), -7) == date(2025, 12, 23)


def _business_days_between(start: date, end: date) -> int:
    """Business days in (start, end], counted with the independent statutory oracle."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in statutory_holidays(day.year):
            count += 1
    return count


@given(DAYS, st.integers(min_value=1, max_value=30))
def test_adding_n_business_days_lands_on_the_nth(day: date, n: int) -> None:
    result = add_business_days(day, n)
    assert result > day
    assert is_business_day(result)
    assert _business_days_between(day, result) == n
    assert add_business_days(result, -n) <= day


@given(DAYS, st.integers(min_value=0, max_value=15), st.integers(min_value=0, max_value=15))
def test_adding_business_days_composes(day: date, a: int, b: int) -> None:
    assert add_business_days(add_business_days(day, a), b) == add_business_days(day, a + b)


@given(DAYS, DAYS)
def test_next_business_day_is_monotonic(a: date, b: date) -> None:
    if a <= b:
        assert next_business_day(a) <= next_business_day(b)


def test_a_datetime_is_refused_where_a_date_is_expected() -> None:
    moment = datetime(2025, 7, 12, 23, 30, tzinfo=UTC)
    with pytest.raises(TypeError, match="warsaw_date"):
        is_business_day(moment)
    with pytest.raises(TypeError):
        add_business_days(moment, 1)
    with pytest.raises(TypeError):
        end_of_day(moment)


def test_end_of_day_is_23_59_59_warsaw_in_summer_and_in_winter() -> None:
    summer, winter = end_of_day(date(2025, 7, 22)), end_of_day(date(2025, 12, 29))
    for moment, offset in ((summer, 2), (winter, 1)):
        assert moment.tzinfo == ZoneInfo("Europe/Warsaw")
        assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (23, 59, 59, 0)
        assert moment.utcoffset() == timedelta(hours=offset)
    assert summer.astimezone(UTC) == datetime(2025, 7, 22, 21, 59, 59, tzinfo=UTC)


def test_warsaw_date_is_the_polish_calendar_day() -> None:
    late_utc = datetime(2025, 7, 12, 23, 30, tzinfo=UTC)
    assert late_utc.date() == date(2025, 7, 12)
    assert warsaw_date(late_utc) == date(2025, 7, 13)
    assert warsaw_date(datetime(2025, 7, 13, 0, 30, tzinfo=WARSAW)) == date(2025, 7, 13)
    with pytest.raises(ValueError, match="naive"):
        warsaw_date(datetime(2025, 7, 12, 12, 0))


def test_years_without_holiday_data_are_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="no Polish holiday data"):
        polish_public_holidays(2101)
    with pytest.raises(ValueError, match="no Polish holiday data"):
        is_business_day(date(2101, 1, 6))  # a Thursday: Epiphany, if the data went that far
