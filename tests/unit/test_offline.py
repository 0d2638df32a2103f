"""Offline-mode deadlines: the plain rules, announcements that extend or remove them."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.domain.calendar import is_business_day
from ksef_desktop.domain.offline import (
    FAILURE_BUSINESS_DAYS,
    Announcement,
    Deadline,
    DeadlineState,
    EventKind,
    OfflineMode,
    base_event,
    deadline_for,
    failure_deadline,
    invoice_deadline,
    offline24_deadline,
    unavailability_deadline,
)

PL = ZoneInfo("Europe/Warsaw")
FAILURE, TOTAL, UNAVAILABLE = EventKind.FAILURE, EventKind.TOTAL_FAILURE, EventKind.UNAVAILABILITY


def at(day: str, clock: str = "12:00") -> datetime:
    """A moment in Warsaw, written as in an announcement."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=PL)


def due(day: str) -> datetime:
    return at(day, "23:59:59")


def event(kind: EventKind, start: str, end: str | None) -> Announcement:
    return Announcement(kind, at(start), None if end is None else at(end))


# -- the CLI spellings ----------------------------------------------------------------


def test_mode_values_are_the_cli_spellings() -> None:
    assert [m.value for m in OfflineMode] == ["offline24", "offline", "awaria", "awaria-calkowita"]
    assert OfflineMode("awaria-calkowita") is OfflineMode.AWARIA_CALKOWITA


def test_event_kinds_parse_latarnia_categories() -> None:
    assert EventKind("MAINTENANCE") is EventKind.UNAVAILABILITY
    assert EventKind("FAILURE") is EventKind.FAILURE
    assert EventKind("TOTAL_FAILURE") is EventKind.TOTAL_FAILURE


# -- the plain rules --------------------------------------------------------------------


def test_the_official_example_offline24_part() -> None:
    # tryby-offline.md: invoice of 2025-07-08 in offline24 is due 2025-07-09.
    assert offline24_deadline(date(2025, 7, 8)).due == due("2025-07-09")


@pytest.mark.parametrize(
    ("issued", "expected"),
    [
        ("2025-07-11", "2025-07-14"),  # Friday -> Monday
        ("2025-07-12", "2025-07-14"),  # issued on a Saturday
        ("2025-04-18", "2025-04-22"),  # Good Friday, over Easter Monday
        ("2025-04-30", "2025-05-02"),  # over 1 May
        ("2024-05-02", "2024-05-06"),  # 3 May on a Friday
        ("2025-08-14", "2025-08-18"),  # 15 August on a Friday
        ("2024-10-31", "2024-11-04"),  # 1 November on a Friday
        ("2025-11-10", "2025-11-12"),  # 11 November
        ("2024-12-23", "2024-12-24"),  # Wigilia 2024 was still a business day
        ("2025-12-23", "2025-12-29"),  # Wigilia 2025, Christmas, weekend
        ("2025-12-31", "2026-01-02"),  # 1 January
        ("2026-01-05", "2026-01-07"),  # 6 January
    ],
)
def test_offline24_is_the_end_of_the_next_business_day(issued: str, expected: str) -> None:
    deadline = offline24_deadline(date.fromisoformat(issued))
    assert deadline.state is DeadlineState.DUE
    assert deadline.due == due(expected)
    assert deadline.day == date.fromisoformat(expected)


def test_offline_counts_one_business_day_from_the_end_of_unavailability() -> None:
    assert unavailability_deadline(date(2025, 8, 14)).due == due("2025-08-18")


@pytest.mark.parametrize(
    ("ended", "expected"),
    [
        ("2025-07-12", "2025-07-22"),  # ended on a Saturday: Monday 14 is the 1st
        ("2025-07-13", "2025-07-22"),  # ended on a Sunday
        ("2025-07-14", "2025-07-23"),  # ended on a Monday: it is not counted
        ("2025-12-23", "2026-01-08"),  # 24-26 Dec, 1 and 6 Jan skipped
        ("2025-04-17", "2025-04-29"),  # Easter Monday skipped
        ("2025-04-27", "2025-05-07"),  # 1 May skipped (3 May is a Saturday)
    ],
)
def test_awaria_is_the_seventh_business_day_after_the_failure(ended: str, expected: str) -> None:
    assert failure_deadline(date.fromisoformat(ended)).due == due(expected)


def test_deadline_for_follows_the_cli_rules() -> None:
    assert deadline_for(OfflineMode.OFFLINE24, issued=date(2025, 7, 8)).day == date(2025, 7, 9)
    assert deadline_for(OfflineMode.OFFLINE, ended=date(2025, 7, 12)).day == date(2025, 7, 14)
    assert deadline_for(OfflineMode.AWARIA, ended=date(2025, 7, 12)).day == date(2025, 7, 22)
    total = deadline_for(OfflineMode.AWARIA_CALKOWITA)
    assert (total.state, total.due, total.day) == (DeadlineState.NO_OBLIGATION, None, None)
    waiting = deadline_for(OfflineMode.AWARIA)
    assert (waiting.state, waiting.due) == (DeadlineState.WAITING_FOR_EVENT_END, None)


@pytest.mark.parametrize(
    ("mode", "kwargs"),
    [
        (OfflineMode.OFFLINE24, {}),
        (OfflineMode.OFFLINE24, {"ended": date(2025, 7, 8)}),
        (OfflineMode.OFFLINE, {"issued": date(2025, 7, 8)}),
        (OfflineMode.AWARIA, {"issued": date(2025, 7, 8), "ended": date(2025, 7, 9)}),
        (OfflineMode.AWARIA_CALKOWITA, {"ended": date(2025, 7, 8)}),
    ],
)
def test_deadline_for_refuses_the_wrong_date(mode: OfflineMode, kwargs: dict[str, date]) -> None:
    with pytest.raises(ValueError, match=r"offline24|counts|no date"):
        deadline_for(mode, **kwargs)


# -- announcements ------------------------------------------------------------------------


# An ``offline`` invoice issued on Tuesday 2025-07-08 at noon during an unavailability that
# ends that evening is due Wednesday 07-09 (art. 106nh ust. 2).
ISSUED_0708 = at("2025-07-08", "12:00")
UNAVAILABLE_0708 = Announcement(UNAVAILABLE, at("2025-07-08", "08:00"), at("2025-07-08", "20:00"))


def pending(events: list[Announcement], **kw: datetime) -> Deadline:
    """The deadline of that ``offline`` invoice given ``events`` besides its unavailability."""
    return invoice_deadline(
        OfflineMode.OFFLINE,
        date(2025, 7, 8),
        [UNAVAILABLE_0708, *events],
        issued_at=ISSUED_0708,
        **kw,
    )


def test_the_official_example_failure_extends_a_pending_offline_invoice() -> None:
    # The guide's example, with an ``offline`` invoice (art. 106nh ust. 3 pkt 1): due 07-09;
    # a failure announced on 07-09 ends on Saturday 07-12: the invoice may be sent until
    # Tuesday 07-22, the 7th business day counting from Monday 07-14.
    failure = event(FAILURE, "2025-07-09", "2025-07-12")
    assert pending([failure]) == Deadline(DeadlineState.DUE, due("2025-07-22"), failure)
    assert pending([]).due == due("2025-07-09")


def test_the_official_example_does_not_extend_an_offline24_invoice_under_the_statute() -> None:
    # The guide extends an offline24 invoice of 07-08 to 07-22 here; art. 106nda has no
    # provision for a failure announced after the invoice was issued, so it stays due
    # Wednesday 07-09, the next business day after its issue date (art. 106nda ust. 2).
    failure = event(FAILURE, "2025-07-09", "2025-07-12")
    issued_at = at("2025-07-08", "12:00")
    deadline = invoice_deadline(
        OfflineMode.OFFLINE24, date(2025, 7, 8), [failure], issued_at=issued_at
    )
    assert deadline == Deadline(DeadlineState.DUE, due("2025-07-09"))


def test_a_failure_starting_at_the_last_second_still_extends_and_one_later_does_not() -> None:
    last_second = Announcement(FAILURE, due("2025-07-09"), at("2025-07-12"))
    too_late = Announcement(FAILURE, at("2025-07-10", "00:00"), at("2025-07-12"))
    assert pending([last_second]).due == due("2025-07-22")
    assert pending([too_late]).due == due("2025-07-09")


def test_a_failure_over_before_the_invoice_was_issued_changes_nothing() -> None:
    earlier = event(FAILURE, "2025-07-01", "2025-07-07")
    assert invoice_deadline(OfflineMode.OFFLINE24, date(2025, 7, 8), [earlier]).due == due(
        "2025-07-09"
    )


def test_a_failure_going_on_when_an_offline24_invoice_was_issued_extends_it() -> None:
    ongoing = event(FAILURE, "2025-07-07", "2025-07-08")
    deadline = invoice_deadline(OfflineMode.OFFLINE24, date(2025, 7, 8), [ongoing])
    assert deadline.due == due("2025-07-17")  # 7th business day after Tuesday 07-08


def test_a_failure_not_yet_ended_makes_a_pending_deadline_unknown() -> None:
    ongoing = event(FAILURE, "2025-07-09", None)
    deadline = pending([ongoing])
    assert deadline == Deadline(DeadlineState.WAITING_FOR_EVENT_END, None, ongoing)
    assert deadline.remaining(at("2025-07-10")) is None


def test_an_unavailability_does_not_extend_an_offline24_invoice() -> None:
    maintenance = event(UNAVAILABLE, "2025-07-09", "2025-07-12")
    assert invoice_deadline(OfflineMode.OFFLINE24, date(2025, 7, 8), [maintenance]).due == due(
        "2025-07-09"
    )


def test_offline_invoice_counts_from_the_unavailability_it_was_issued_in() -> None:
    maintenance = Announcement(UNAVAILABLE, at("2025-08-14", "18:00"), at("2025-08-14", "22:00"))
    deadline = invoice_deadline(OfflineMode.OFFLINE, date(2025, 8, 14), [maintenance])
    assert deadline == Deadline(DeadlineState.DUE, due("2025-08-18"), maintenance)


def test_offline_invoice_waits_while_the_unavailability_goes_on() -> None:
    maintenance = event(UNAVAILABLE, "2025-08-14", None)
    deadline = invoice_deadline(OfflineMode.OFFLINE, date(2025, 8, 14), [maintenance])
    assert deadline.state is DeadlineState.WAITING_FOR_EVENT_END
    assert deadline.cause == maintenance


def test_a_failure_extends_a_pending_offline_invoice() -> None:
    maintenance = event(UNAVAILABLE, "2025-08-13", "2025-08-14")  # due Monday 08-18
    failure = event(FAILURE, "2025-08-18", "2025-08-19")
    deadline = invoice_deadline(OfflineMode.OFFLINE, date(2025, 8, 13), [maintenance, failure])
    assert deadline.due == due("2025-08-28")
    assert deadline.cause == failure


def test_offline_or_awaria_without_their_announcement_is_not_a_known_deadline() -> None:
    unrelated = event(FAILURE, "2025-08-01", "2025-08-02")
    for mode, events in [
        (OfflineMode.OFFLINE, []),
        (OfflineMode.OFFLINE, [unrelated]),  # a failure is not an unavailability
        (OfflineMode.AWARIA, [event(UNAVAILABLE, "2025-08-14", "2025-08-14")]),
        (OfflineMode.AWARIA, [unrelated]),  # over before the issue date
    ]:
        result = invoice_deadline(mode, date(2025, 8, 14), events)
        assert result == Deadline(DeadlineState.EVENT_UNKNOWN), (mode, events)


def test_awaria_counts_seven_business_days_from_the_end_of_its_failure() -> None:
    failure = event(FAILURE, "2025-07-09", "2025-07-12")
    assert invoice_deadline(OfflineMode.AWARIA, date(2025, 7, 10), [failure]).due == due(
        "2025-07-22"
    )


def test_a_second_failure_restarts_the_count() -> None:
    first = event(FAILURE, "2025-07-09", "2025-07-12")  # due 07-22
    second = event(FAILURE, "2025-07-21", "2025-07-23")  # 7 business days from Wed 07-23
    deadline = invoice_deadline(OfflineMode.AWARIA, date(2025, 7, 10), [first, second])
    assert deadline == Deadline(DeadlineState.DUE, due("2025-08-01"), second)


def test_a_failure_after_the_term_ran_out_restarts_nothing() -> None:
    first = event(FAILURE, "2025-07-09", "2025-07-12")  # due 07-22
    later = Announcement(FAILURE, at("2025-07-23", "00:00"), at("2025-07-24"))
    deadline = invoice_deadline(OfflineMode.AWARIA, date(2025, 7, 10), [first, later])
    assert deadline.due == due("2025-07-22")


def test_chained_failures_each_within_the_extended_term_in_any_order() -> None:
    chain = [
        event(FAILURE, "2025-07-30", "2025-07-30"),  # only in reach after the second
        event(FAILURE, "2025-07-09", "2025-07-12"),  # 07-08 offline -> 07-22
        event(FAILURE, "2025-07-21", "2025-07-23"),  # -> 08-01
    ]
    expected = Deadline(DeadlineState.DUE, due("2025-08-08"), chain[0])
    for seed in range(5):
        shuffled = chain[:]
        random.Random(seed).shuffle(shuffled)
        assert pending(shuffled) == expected


def test_a_failure_ending_on_a_weekend_counts_from_monday() -> None:
    failure = Announcement(FAILURE, at("2025-07-09"), datetime(2025, 7, 12, 22, 30, tzinfo=UTC))
    # 22:30 UTC on Saturday is already Sunday 00:30 in Warsaw: the count still starts Monday.
    assert failure.end_day == date(2025, 7, 13)
    assert invoice_deadline(OfflineMode.AWARIA, date(2025, 7, 9), [failure]).due == due(
        "2025-07-22"
    )


def test_total_failure_mode_has_no_obligation() -> None:
    result = invoice_deadline(OfflineMode.AWARIA_CALKOWITA, date(2025, 7, 8), [])
    assert result.state is DeadlineState.NO_OBLIGATION
    assert result.due is None


@pytest.mark.parametrize("mode", [OfflineMode.OFFLINE24, OfflineMode.AWARIA])
def test_a_total_failure_removes_the_obligation_of_pending_invoices(mode: OfflineMode) -> None:
    failure = event(FAILURE, "2025-07-08", "2025-07-12")
    total = event(TOTAL, "2025-07-15", None)
    result = invoice_deadline(mode, date(2025, 7, 8), [failure, total])
    assert result == Deadline(DeadlineState.NO_OBLIGATION, None, total)


def test_a_total_failure_removes_the_obligation_even_while_waiting() -> None:
    ongoing = event(FAILURE, "2025-07-08", None)
    total = event(TOTAL, "2025-07-20", "2025-07-21")
    result = invoice_deadline(OfflineMode.AWARIA, date(2025, 7, 8), [ongoing, total])
    assert result.state is DeadlineState.NO_OBLIGATION


def test_a_total_failure_after_the_deadline_removes_nothing() -> None:
    total = event(TOTAL, "2025-07-10", "2025-07-11")
    result = invoice_deadline(OfflineMode.OFFLINE24, date(2025, 7, 8), [total])
    assert result.due == due("2025-07-09")


def test_events_after_delivery_do_not_extend_a_delivered_invoice() -> None:
    failure = event(FAILURE, "2025-07-09", "2025-07-12")
    issued = date(2025, 7, 8)
    before = at("2025-07-09", "08:00")
    after = at("2025-07-09", "18:00")
    assert pending([failure], delivered_at=before).due == due("2025-07-09")
    assert pending([failure], delivered_at=after).due == due("2025-07-22")
    with pytest.raises(ValueError, match="aware"):
        invoice_deadline(
            OfflineMode.OFFLINE24, issued, [failure], delivered_at=datetime(2025, 7, 9)
        )


def test_base_event_is_the_latest_of_the_mode_kind_going_on_that_day() -> None:
    older = event(FAILURE, "2025-07-01", None)
    newer = event(FAILURE, "2025-07-08", "2025-07-09")
    other_kind = event(UNAVAILABLE, "2025-07-08", "2025-07-08")
    events = [newer, other_kind, older]
    assert base_event(OfflineMode.AWARIA, date(2025, 7, 8), events) is newer
    assert base_event(OfflineMode.OFFLINE, date(2025, 7, 8), events) is other_kind
    assert base_event(OfflineMode.OFFLINE24, date(2025, 7, 8), events) is None


# -- validation ---------------------------------------------------------------------------


def test_announcement_kind_may_be_latarnia_category_text() -> None:
    parsed = Announcement("FAILURE", at("2025-07-09"), at("2025-07-12"), event_id="42")  # type: ignore[arg-type]
    assert parsed.kind is EventKind.FAILURE
    assert invoice_deadline(OfflineMode.AWARIA, date(2025, 7, 9), [parsed]).due == due("2025-07-22")
    with pytest.raises(ValueError, match="CRASH"):
        Announcement("CRASH", at("2025-07-09"))  # type: ignore[arg-type]


def test_announcements_need_aware_times_and_an_end_after_the_start() -> None:
    with pytest.raises(ValueError, match="aware"):
        Announcement(FAILURE, datetime(2025, 7, 9, 10, 0))
    with pytest.raises(ValueError, match="aware"):
        Announcement(FAILURE, at("2025-07-09"), datetime(2025, 7, 10, 10, 0))
    with pytest.raises(ValueError, match="before it starts"):
        Announcement(FAILURE, at("2025-07-09"), at("2025-07-08"))


def test_a_deadline_is_due_exactly_when_it_has_a_due_moment() -> None:
    with pytest.raises(ValueError, match="needs"):
        Deadline(DeadlineState.DUE)
    with pytest.raises(ValueError, match="has no"):
        Deadline(DeadlineState.NO_OBLIGATION, due("2025-07-09"))
    with pytest.raises(ValueError, match="aware"):
        Deadline(DeadlineState.DUE, datetime(2025, 7, 9, 23, 59, 59))


def test_remaining_counts_real_time_across_the_dst_change() -> None:
    # The night of 25/26 October 2025 is one hour longer in Warsaw.
    deadline = Deadline.on(date(2025, 10, 27))
    now = at("2025-10-25", "23:59:59")
    assert deadline.remaining(now) == timedelta(hours=49)
    assert deadline.remaining(due("2025-10-28")) == -timedelta(hours=24)
    with pytest.raises(ValueError, match="aware"):
        deadline.remaining(datetime(2025, 10, 25, 12, 0))


# -- properties ---------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))


def _is_end_of_warsaw_day(moment: datetime) -> bool:
    return (
        moment.tzinfo == PL
        and moment.timetz().replace(tzinfo=None) == time(23, 59, 59)
        and moment.astimezone(UTC).astimezone(PL).replace(tzinfo=None)
        == moment.replace(tzinfo=None)
    )


@given(DAYS)
def test_offline24_deadline_properties(issued: date) -> None:
    deadline = offline24_deadline(issued)
    assert deadline.due is not None
    assert deadline.day is not None
    assert is_business_day(deadline.day)
    assert deadline.day > issued
    assert _is_end_of_warsaw_day(deadline.due)
    assert deadline.day - issued <= timedelta(
        days=6
    )  # at most 5 days in a row are not business days


@given(DAYS, DAYS)
def test_offline24_deadline_is_monotonic_in_the_issue_date(a: date, b: date) -> None:
    first, second = sorted((a, b))
    first_due, second_due = offline24_deadline(first).due, offline24_deadline(second).due
    assert first_due is not None
    assert second_due is not None
    assert first_due <= second_due


@given(DAYS, st.sampled_from([OfflineMode.OFFLINE, OfflineMode.AWARIA]))
def test_event_deadline_properties(ended: date, mode: OfflineMode) -> None:
    deadline = deadline_for(mode, ended=ended)
    assert deadline.day is not None
    assert deadline.due is not None
    assert is_business_day(deadline.day)
    assert deadline.day > ended
    assert _is_end_of_warsaw_day(deadline.due)
    later = deadline_for(mode, ended=ended + timedelta(days=1)).due
    assert later is not None
    assert later >= deadline.due
    if mode is OfflineMode.AWARIA:
        workdays = sum(
            is_business_day(ended + timedelta(days=i))
            for i in range(1, (deadline.day - ended).days + 1)
        )
        assert workdays == FAILURE_BUSINESS_DAYS


_MOMENTS = st.builds(
    lambda d, minutes: datetime.combine(d, time(0), tzinfo=PL) + timedelta(minutes=minutes),
    st.dates(min_value=date(2025, 6, 20), max_value=date(2025, 8, 20)),
    st.integers(min_value=0, max_value=24 * 60 - 1),
)


@st.composite
def _announcements(draw: st.DrawFn) -> Announcement:
    kind = draw(st.sampled_from([FAILURE, FAILURE, UNAVAILABLE, TOTAL]))
    start = draw(_MOMENTS)
    length = draw(st.none() | st.integers(min_value=0, max_value=10 * 24 * 60))
    end = None if length is None else start + timedelta(minutes=length)
    return Announcement(kind, start, end)


@given(
    st.sampled_from(list(OfflineMode)),
    st.dates(min_value=date(2025, 7, 1), max_value=date(2025, 7, 31)),
    st.lists(_announcements(), max_size=6),
    st.randoms(use_true_random=False),
)
def test_invoice_deadline_properties(
    mode: OfflineMode, issued: date, events: list[Announcement], rnd: random.Random
) -> None:
    result = invoice_deadline(mode, issued, events)
    shuffled = events[:]
    rnd.shuffle(shuffled)
    assert invoice_deadline(mode, issued, shuffled) == result  # order does not matter
    assert (result.state is DeadlineState.DUE) == (result.due is not None)
    if result.due is not None and result.day is not None:
        assert is_business_day(result.day)
        assert result.day > issued
        assert _is_end_of_warsaw_day(result.due)
    if mode is OfflineMode.OFFLINE24 and result.due is not None:
        plain = offline24_deadline(issued).due
        assert plain is not None
        assert result.due >= plain  # announcements never shorten it
    if mode is OfflineMode.AWARIA_CALKOWITA:
        assert result.state is DeadlineState.NO_OBLIGATION
    if not any(e.kind is TOTAL for e in events):
        assert (
            result.state is not DeadlineState.NO_OBLIGATION or mode is OfflineMode.AWARIA_CALKOWITA
        )
