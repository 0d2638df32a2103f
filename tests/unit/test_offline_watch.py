"""Mode suggestion from Latarnia and reachability; deadline urgency on a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop import i18n
from ksef_desktop.domain.offline import Deadline, DeadlineState, OfflineMode
from ksef_desktop.domain.offline_watch import (
    Availability,
    Urgency,
    classify,
    describe_remaining,
    mode_label,
    next_change,
    suggest_mode,
    urgency_label,
)

PL = ZoneInfo("Europe/Warsaw")
DUE = Deadline.on(date(2025, 7, 22))  # 2025-07-22 23:59:59 Europe/Warsaw
assert DUE.due is not None
DUE_AT: datetime = DUE.due


def test_availability_parses_latarnia_status() -> None:
    for status in ("AVAILABLE", "MAINTENANCE", "FAILURE", "TOTAL_FAILURE"):
        assert Availability(status).value == status


@pytest.mark.parametrize(
    ("availability", "reachable", "expected"),
    [
        (Availability.AVAILABLE, True, None),
        (Availability.AVAILABLE, False, OfflineMode.OFFLINE24),
        (None, True, None),  # Latarnia could not be asked, KSeF answers: online
        (None, False, OfflineMode.OFFLINE24),
        (Availability.MAINTENANCE, True, OfflineMode.OFFLINE),
        (Availability.MAINTENANCE, False, OfflineMode.OFFLINE),
        (Availability.FAILURE, True, OfflineMode.AWARIA),
        (Availability.FAILURE, False, OfflineMode.AWARIA),
        (Availability.TOTAL_FAILURE, True, OfflineMode.AWARIA_CALKOWITA),
        (Availability.TOTAL_FAILURE, False, OfflineMode.AWARIA_CALKOWITA),
    ],
)
def test_suggest_mode(
    availability: Availability | None, reachable: bool, expected: OfflineMode | None
) -> None:
    assert suggest_mode(availability, reachable=reachable) is expected


@pytest.mark.parametrize(
    ("before_due", "expected"),
    [
        (timedelta(days=3), Urgency.MORE_THAN_24H),
        (timedelta(hours=24), Urgency.MORE_THAN_24H),  # exactly 24 h is not "less than"
        (timedelta(hours=24) - timedelta(seconds=1), Urgency.LESS_THAN_24H),
        (timedelta(minutes=5), Urgency.LESS_THAN_24H),
        (timedelta(0), Urgency.LESS_THAN_24H),  # 23:59:59 itself is still in time
        (-timedelta(seconds=1), Urgency.OVERDUE),
        (-timedelta(days=30), Urgency.OVERDUE),
    ],
)
def test_classify_a_due_deadline(before_due: timedelta, expected: Urgency) -> None:
    now = DUE_AT - before_due
    assert classify(DUE, now) is expected
    assert DUE.remaining(now) == before_due


def test_classify_when_there_is_no_due_moment() -> None:
    now = datetime(2025, 7, 10, 9, 0, tzinfo=PL)
    assert classify(Deadline(DeadlineState.NO_OBLIGATION), now) is Urgency.NO_OBLIGATION
    assert classify(Deadline(DeadlineState.WAITING_FOR_EVENT_END), now) is Urgency.UNKNOWN
    assert classify(Deadline(DeadlineState.EVENT_UNKNOWN), now) is Urgency.UNKNOWN


def test_classify_uses_real_time_whatever_the_zone_of_now() -> None:
    # 23 hours before the deadline, written in UTC.
    now = datetime(2025, 7, 21, 22, 59, 59, tzinfo=UTC)
    assert DUE.remaining(now) == timedelta(hours=23)
    assert classify(DUE, now) is Urgency.LESS_THAN_24H


def test_classify_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        classify(DUE, datetime(2025, 7, 21, 12, 0))


@given(st.integers(min_value=-10 * 86400, max_value=10 * 86400))
def test_classify_agrees_with_remaining(seconds_left: int) -> None:
    now = DUE_AT - timedelta(seconds=seconds_left)
    urgency = classify(DUE, now)
    if seconds_left < 0:
        assert urgency is Urgency.OVERDUE
    elif seconds_left < 86400:
        assert urgency is Urgency.LESS_THAN_24H
    else:
        assert urgency is Urgency.MORE_THAN_24H


@pytest.mark.parametrize(
    ("remaining", "polish", "english"),
    [
        (timedelta(days=1, hours=1), "pozostało: 1 dzień 1 godzina", "1 day 1 hour left"),
        (timedelta(days=2, hours=3), "pozostało: 2 dni 3 godziny", "2 days 3 hours left"),
        (timedelta(days=5, hours=22), "pozostało: 5 dni 22 godziny", "5 days 22 hours left"),
        (timedelta(hours=5, minutes=12), "pozostało: 5 godzin 12 minut", "5 hours 12 minutes left"),
        (timedelta(minutes=1, seconds=59), "pozostało: 0 godzin 1 minuta", "0 hours 1 minute left"),
        (
            timedelta(hours=2, minutes=24),
            "pozostało: 2 godziny 24 minuty",
            "2 hours 24 minutes left",
        ),
        (
            -timedelta(hours=3, minutes=2),
            "po terminie: 3 godziny 2 minuty",
            "overdue by 3 hours 2 minutes",
        ),
        (
            -timedelta(days=12, hours=15),
            "po terminie: 12 dni 15 godzin",
            "overdue by 12 days 15 hours",
        ),
    ],
)
def test_describe_remaining_in_both_languages(
    remaining: timedelta, polish: str, english: str
) -> None:
    assert describe_remaining(remaining) == polish
    i18n.set_language("en")
    assert describe_remaining(remaining) == english


def test_labels_are_translated() -> None:
    assert mode_label(OfflineMode.AWARIA_CALKOWITA) == "awaria całkowita (bez obowiązku przesłania)"
    assert mode_label(None) == "online"
    assert urgency_label(Urgency.OVERDUE) == "po terminie"
    polish = {urgency_label(u) for u in Urgency} | {mode_label(m) for m in OfflineMode}
    i18n.set_language("en")
    assert mode_label(OfflineMode.OFFLINE) == "offline (announced KSeF unavailability)"
    assert urgency_label(Urgency.UNKNOWN) == "deadline not known yet"
    english = {urgency_label(u) for u in Urgency} | {mode_label(m) for m in OfflineMode}
    assert len(polish) == len(english) == len(Urgency) + len(OfflineMode)
    assert polish.isdisjoint(english)


@given(st.integers(min_value=-3 * 86400, max_value=5 * 86400))
def test_next_change_is_where_the_class_changes(seconds_left: int) -> None:
    now = DUE_AT - timedelta(seconds=seconds_left)
    change = next_change(DUE, now)
    if change is None:
        assert classify(DUE, now) is Urgency.OVERDUE
        return
    assert change > now
    before = change - timedelta(microseconds=1)
    assert classify(DUE, before) is classify(DUE, now)
    assert classify(DUE, change) is not classify(DUE, now)


def test_next_change_of_deadlines_without_a_due_moment_is_none() -> None:
    now = datetime(2025, 7, 10, 9, 0, tzinfo=PL)
    assert next_change(Deadline(DeadlineState.WAITING_FOR_EVENT_END), now) is None
    assert next_change(Deadline(DeadlineState.NO_OBLIGATION), now) is None
    tick = timedelta(microseconds=1)
    assert next_change(DUE, DUE_AT - timedelta(days=2)) == DUE_AT - timedelta(days=1) + tick


def test_next_change_counts_real_hours_across_dst() -> None:
    # The clocks go back at 03:00 on Sunday 2025-10-26: 24 real hours before 23:59:59 that
    # day is 00:59:59, not 23:59:59 the evening before.
    autumn = Deadline.on(date(2025, 10, 26))
    change = next_change(autumn, datetime(2025, 10, 24, 12, 0, tzinfo=PL))
    assert change == datetime(2025, 10, 26, 0, 59, 59, 1, tzinfo=PL)
    assert autumn.remaining(change) == timedelta(hours=24) - timedelta(microseconds=1)
    # They go forward at 02:00 on Sunday 2025-03-30: 24 real hours before is 22:59:59.
    spring = Deadline.on(date(2025, 3, 30))
    change = next_change(spring, datetime(2025, 3, 28, 12, 0, tzinfo=PL))
    assert change == datetime(2025, 3, 29, 22, 59, 59, 1, tzinfo=PL)
