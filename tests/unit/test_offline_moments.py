"""Offline deadlines decided by moments (issue 15, item 1), each date worked out by hand.

What was going on at the moment an invoice was issued decides its rule; an event over a
minute before that moment changes nothing. The rules are cited in domain/offline.py
(art. 106nda, 106ne, 106nf, 106ng, 106nh of the VAT act). Business days: Monday to Friday
except Polish public holidays (domain/calendar.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.domain.calendar import WARSAW, warsaw_date
from ksef_desktop.domain.offline import (
    Announcement,
    Deadline,
    DeadlineState,
    EventKind,
    OfflineMode,
    invoice_deadline,
    offline24_deadline,
)
from ksef_desktop.services.ledger import OfflineRow, refine_deadline

FAILURE, TOTAL, UNAVAILABLE = EventKind.FAILURE, EventKind.TOTAL_FAILURE, EventKind.UNAVAILABILITY
OFFLINE24, OFFLINE, AWARIA = OfflineMode.OFFLINE24, OfflineMode.OFFLINE, OfflineMode.AWARIA
MINUTE = timedelta(minutes=1)


def moment(text: str) -> datetime:
    """An ISO-8601 moment with its offset, as Latarnia and the store write them."""
    value = datetime.fromisoformat(text)
    assert value.utcoffset() is not None
    return value


def due(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.max.time(), tzinfo=WARSAW).replace(
        microsecond=0
    )


def deadline_of(
    mode: OfflineMode, issued_at: datetime, events: list[Announcement], issued: date | None = None
) -> Deadline:
    return invoice_deadline(mode, issued or warsaw_date(issued_at), events, issued_at=issued_at)


# Friday 4 December 2026, the invoice issued at 10:00 (CET, +01:00).
FRIDAY_10 = moment("2026-12-04T10:00+01:00")


# -- the bugs of issue 15 item 1 (each failed on the day-based code) -------------------------


def test_a_failure_over_before_an_offline24_invoice_was_issued_does_not_extend_it() -> None:
    # The failure ran 08:00-09:00 on Friday 04.12.2026; the invoice came at 10:00. It is a
    # plain offline24 invoice: due the next business day after Friday, Monday 07.12.2026.
    # (The day-based code gave the 7th business day after Friday: Tuesday 15.12.2026.)
    failure = Announcement(FAILURE, moment("2026-12-04T08:00+01:00"), FRIDAY_10 - 60 * MINUTE)
    assert deadline_of(OFFLINE24, FRIDAY_10, [failure]) == Deadline(
        DeadlineState.DUE, due("2026-12-07")
    )


def test_a_total_failure_over_before_an_offline24_invoice_was_issued_keeps_its_obligation() -> None:
    # The same with a total failure over at 09:00: the invoice of 10:00 is still due
    # Monday 07.12.2026. (The day-based code said "no obligation".)
    total = Announcement(TOTAL, moment("2026-12-04T08:00+01:00"), FRIDAY_10 - 60 * MINUTE)
    assert deadline_of(OFFLINE24, FRIDAY_10, [total]) == Deadline(
        DeadlineState.DUE, due("2026-12-07")
    )


def test_refining_a_stored_row_uses_the_moment_it_was_issued() -> None:
    # The offline panel recomputes stored deadlines from the announcements: an event over
    # before the row's issue moment must not move Monday 07.12.2026 to Tuesday 15.12.2026.
    failure = Announcement(FAILURE, moment("2026-12-04T08:00+01:00"), FRIDAY_10 - MINUTE)
    row = OfflineRow(
        invoice_id=1,
        number="FV/1/12/2026",
        buyer="Kontrahent",
        gross=Decimal("100.00"),
        currency="PLN",
        issued=date(2026, 12, 4),
        mode=OFFLINE24,
        deadline=offline24_deadline(date(2026, 12, 4)),
        state="czeka",
        issued_at=FRIDAY_10,
    )
    assert refine_deadline(row, [failure]).deadline == Deadline(
        DeadlineState.DUE, due("2026-12-07")
    )


# -- one minute before and one minute after the issue moment --------------------------------


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        # Over at 09:59: the invoice is a plain offline24 one, due Monday 07.12.2026.
        (FRIDAY_10 - MINUTE, "2026-12-07"),
        # Ended exactly at 10:00: still going on at the issue (both ends count): art.
        # 106nf ust. 1 and 4, the 7th business day after Friday 04.12: Mon 7, Tue 8, Wed 9,
        # Thu 10, Fri 11, Mon 14, Tue 15 -> 15.12.2026.
        (FRIDAY_10, "2026-12-15"),
        # Over at 10:01: going on at the issue, the same 15.12.2026.
        (FRIDAY_10 + MINUTE, "2026-12-15"),
    ],
)
def test_a_failure_ending_around_the_issue_moment_on_a_friday(end: datetime, expected: str) -> None:
    failure = Announcement(FAILURE, moment("2026-12-04T08:00+01:00"), end)
    assert deadline_of(OFFLINE24, FRIDAY_10, [failure]).due == due(expected)


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        # An awaria invoice issued at 10:00 whose failure was over at 09:59 was not issued
        # in a failure: its deadline is not known from the announcements.
        (FRIDAY_10 - MINUTE, None),
        # Over at 10:01: 7 business days after Friday 04.12 -> Tuesday 15.12.2026.
        (FRIDAY_10 + MINUTE, "2026-12-15"),
    ],
)
def test_an_awaria_invoice_counts_only_from_a_failure_going_on_at_its_issue(
    end: datetime, expected: str | None
) -> None:
    failure = Announcement(FAILURE, moment("2026-12-04T08:00+01:00"), end)
    result = deadline_of(AWARIA, FRIDAY_10, [failure])
    if expected is None:
        assert result == Deadline(DeadlineState.EVENT_UNKNOWN)
    else:
        assert result == Deadline(DeadlineState.DUE, due(expected), failure)


def test_a_failure_starting_one_minute_after_the_issue_of_an_offline_invoice_extends_it() -> None:
    # An offline invoice issued at 10:00 during an unavailability (08:00-12:00, Friday
    # 04.12.2026) is due the next business day, Monday 07.12 (art. 106nh ust. 2). A failure
    # announced at 10:01 that ends at 11:00 falls within that term: 7 business days after
    # Friday 04.12 -> 15.12.2026 (art. 106nh ust. 3 pkt 1 with art. 106nf ust. 4).
    unavailable = Announcement(
        UNAVAILABLE, moment("2026-12-04T08:00+01:00"), moment("2026-12-04T12:00+01:00")
    )
    later = Announcement(FAILURE, FRIDAY_10 + MINUTE, moment("2026-12-04T11:00+01:00"))
    assert deadline_of(OFFLINE, FRIDAY_10, [unavailable]).due == due("2026-12-07")
    assert deadline_of(OFFLINE, FRIDAY_10, [unavailable, later]).due == due("2026-12-15")


def test_a_failure_after_the_issue_of_an_offline24_invoice_changes_nothing_by_statute() -> None:
    # Art. 106nda has no rule for a failure announced while an offline24 invoice waits
    # (unlike art. 106nh ust. 3 and art. 106nf ust. 5): due Monday 07.12.2026 all the same.
    # (The official guide would move it to 7 business days after the failure ends.)
    later = Announcement(FAILURE, FRIDAY_10 + MINUTE, moment("2026-12-05T11:00+01:00"))
    assert deadline_of(OFFLINE24, FRIDAY_10, [later]) == Deadline(
        DeadlineState.DUE, due("2026-12-07")
    )


# -- before a holiday ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        # Tuesday 10.11.2026, the eve of Independence Day (Wednesday 11.11). Issued at 11:00
        # after the failure was over at 10:59: offline24, the next business day is
        # Thursday 12.11.2026.
        ("2026-11-10T10:59+01:00", "2026-11-12"),
        # The failure over at 11:01: 7 business days after Tuesday 10.11, skipping 11.11:
        # Thu 12, Fri 13, Mon 16, Tue 17, Wed 18, Thu 19, Fri 20 -> 20.11.2026.
        ("2026-11-10T11:01+01:00", "2026-11-20"),
    ],
)
def test_before_a_holiday(end: str, expected: str) -> None:
    failure = Announcement(FAILURE, moment("2026-11-10T09:00+01:00"), moment(end))
    issued_at = moment("2026-11-10T11:00+01:00")
    assert deadline_of(OFFLINE24, issued_at, [failure]).due == due(expected)


def test_before_christmas() -> None:
    # Wednesday 23.12.2026 at 15:00, an unavailability from 14:00 to 18:00: 24.12 (free
    # from 2025 on), 25.12, 26-27.12 (weekend) are not business days -> Monday 28.12.2026.
    unavailable = Announcement(
        UNAVAILABLE, moment("2026-12-23T14:00+01:00"), moment("2026-12-23T18:00+01:00")
    )
    issued_at = moment("2026-12-23T15:00+01:00")
    assert deadline_of(OFFLINE, issued_at, [unavailable]).due == due("2026-12-28")


# -- over the DST changes in Warsaw ------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        # Sunday 29.03.2026: at 02:00 CET the clocks jump to 03:00 CEST. The invoice is
        # issued at 03:00+02:00 = 01:00 UTC. A failure over at 01:59+01:00 = 00:59 UTC was
        # over one minute before (not an hour): offline24, the next business day after
        # Sunday 29.03 is Monday 30.03.2026.
        ("2026-03-29T01:59+01:00", "2026-03-30"),
        # Over at 03:01+02:00 = 01:01 UTC, one minute after: 7 business days after Sunday
        # 29.03, skipping Easter Monday 06.04.2026: Mon 30, Tue 31, Wed 1, Thu 2, Fri 3,
        # Tue 7, Wed 8 -> 08.04.2026.
        ("2026-03-29T03:01+02:00", "2026-04-08"),
    ],
)
def test_over_the_spring_dst_change(end: str, expected: str) -> None:
    failure = Announcement(FAILURE, moment("2026-03-28T20:00+01:00"), moment(end))
    issued_at = moment("2026-03-29T03:00+02:00")
    assert deadline_of(OFFLINE24, issued_at, [failure]).due == due(expected)


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        # Sunday 25.10.2026: at 03:00 CEST the clocks go back to 02:00 CET, so 02:00-02:59
        # happens twice. The invoice is issued at 02:00+01:00 = 01:00 UTC (the second
        # 02:00). A failure over at 02:59+02:00 = 00:59 UTC (the first 02:59) was over one
        # minute before, though the wall clock reads later: offline24, Monday 26.10.2026.
        ("2026-10-25T02:59+02:00", "2026-10-26"),
        # Over at 02:01+01:00 = 01:01 UTC: going on at the issue; 7 business days after
        # Sunday 25.10: Mon 26, Tue 27, Wed 28, Thu 29, Fri 30, Mon 2.11 (1.11 is a Sunday),
        # Tue 3.11 -> 03.11.2026.
        ("2026-10-25T02:01+01:00", "2026-11-03"),
    ],
)
def test_over_the_autumn_dst_change(end: str, expected: str) -> None:
    failure = Announcement(FAILURE, moment("2026-10-24T22:00+02:00"), moment(end))
    issued_at = moment("2026-10-25T02:00+01:00")
    assert deadline_of(OFFLINE24, issued_at, [failure]).due == due(expected)


# -- a total failure before, during and after an invoice's term --------------------------------

# An offline invoice issued at 10:00 on Friday 04.12.2026 during an unavailability that
# ends at 12:00 is due Monday 07.12.2026 at 23:59:59 (art. 106nh ust. 2). An awaria invoice
# issued during a failure with the same times is due Tuesday 15.12.2026 (art. 106nf ust. 4).
UNAVAILABLE_FRIDAY = Announcement(
    UNAVAILABLE, moment("2026-12-04T08:00+01:00"), moment("2026-12-04T12:00+01:00")
)
FAILURE_FRIDAY = Announcement(
    FAILURE, moment("2026-12-04T08:00+01:00"), moment("2026-12-04T12:00+01:00")
)


def _total(start: str, end: str | None) -> Announcement:
    return Announcement(TOTAL, moment(start), None if end is None else moment(end))


@pytest.mark.parametrize(
    ("mode", "base", "total", "expected"),
    [
        # Before: over at 09:59, before the invoice of 10:00 existed -> the term stands.
        (
            OFFLINE,
            UNAVAILABLE_FRIDAY,
            _total("2026-12-04T07:00+01:00", "2026-12-04T09:59+01:00"),
            "2026-12-07",
        ),
        (
            AWARIA,
            FAILURE_FRIDAY,
            _total("2026-12-04T07:00+01:00", "2026-12-04T09:59+01:00"),
            "2026-12-15",
        ),
        # Going on at the issue: an invoice of art. 106ng -> no obligation.
        (OFFLINE, UNAVAILABLE_FRIDAY, _total("2026-12-04T09:00+01:00", None), None),
        (AWARIA, FAILURE_FRIDAY, _total("2026-12-04T09:00+01:00", "2026-12-04T10:00+01:00"), None),
        # Announced within the term -> no obligation (art. 106nh ust. 3 pkt 2; art. 106nf
        # ust. 7), even in its last second.
        (
            OFFLINE,
            UNAVAILABLE_FRIDAY,
            _total("2026-12-05T09:00+01:00", "2026-12-05T10:00+01:00"),
            None,
        ),
        (OFFLINE, UNAVAILABLE_FRIDAY, _total("2026-12-07T23:59:59+01:00", None), None),
        (AWARIA, FAILURE_FRIDAY, _total("2026-12-15T23:59:59+01:00", None), None),
        # After the term ran out -> the term stands (and the invoice is overdue).
        (OFFLINE, UNAVAILABLE_FRIDAY, _total("2026-12-08T00:00+01:00", None), "2026-12-07"),
        (AWARIA, FAILURE_FRIDAY, _total("2026-12-16T00:00+01:00", None), "2026-12-15"),
    ],
)
def test_a_total_failure_before_during_and_after_the_term(
    mode: OfflineMode, base: Announcement, total: Announcement, expected: str | None
) -> None:
    result = deadline_of(mode, FRIDAY_10, [base, total])
    if expected is None:
        assert result == Deadline(DeadlineState.NO_OBLIGATION, None, total)
    else:
        assert result == Deadline(DeadlineState.DUE, due(expected), base)


def test_a_total_failure_during_an_offline24_term_keeps_the_obligation_under_the_statute() -> None:
    # Announced Saturday 05.12, within the term of an offline24 invoice of Friday 10:00:
    # art. 106nda has no provision removing the obligation (the guide says it does), so
    # the invoice stays due Monday 07.12.2026. Going on at the issue, it does remove it
    # (the invoice is one of art. 106ng).
    during_term = _total("2026-12-05T09:00+01:00", None)
    at_issue = _total("2026-12-04T09:00+01:00", "2026-12-04T11:00+01:00")
    assert deadline_of(OFFLINE24, FRIDAY_10, [during_term]).due == due("2026-12-07")
    assert deadline_of(OFFLINE24, FRIDAY_10, [at_issue]).state is DeadlineState.NO_OBLIGATION


# -- properties ------------------------------------------------------------------------------

_MOMENTS = st.datetimes(
    min_value=datetime(2026, 3, 1), max_value=datetime(2026, 11, 30), timezones=st.just(WARSAW)
)


@st.composite
def _events(draw: st.DrawFn) -> Announcement:
    kind = draw(st.sampled_from([FAILURE, FAILURE, UNAVAILABLE, TOTAL]))
    start = draw(_MOMENTS)
    length = draw(st.none() | st.integers(min_value=0, max_value=10 * 24 * 60))
    return Announcement(kind, start, None if length is None else start + timedelta(minutes=length))


@given(st.sampled_from(list(OfflineMode)), _MOMENTS, st.lists(_events(), max_size=6))
def test_events_over_before_the_issue_moment_never_matter(
    mode: OfflineMode, issued_at: datetime, events: list[Announcement]
) -> None:
    issued = warsaw_date(issued_at)
    kept = [e for e in events if e.end is None or e.end >= issued_at]
    assert invoice_deadline(mode, issued, events, issued_at=issued_at) == invoice_deadline(
        mode, issued, kept, issued_at=issued_at
    )


@given(_MOMENTS, st.lists(_events(), max_size=6))
def test_an_offline24_deadline_is_never_earlier_than_the_statute_and_only_events_at_issue_move_it(
    issued_at: datetime, events: list[Announcement]
) -> None:
    issued = warsaw_date(issued_at)
    result = invoice_deadline(OFFLINE24, issued, events, issued_at=issued_at)
    plain = offline24_deadline(issued)
    at_issue = [e for e in events if e.start <= issued_at and (e.end is None or e.end >= issued_at)]
    if not at_issue:
        assert result == plain
    elif result.due is not None:
        assert plain.due is not None
        assert result.due >= plain.due


def test_the_offline_panel_rows_carry_the_moment_each_invoice_was_issued(tmp_path) -> None:
    from ksef_desktop.services.issue import issue_invoice
    from ksef_desktop.services.ledger_store import StoreLedger
    from ksef_desktop.store.invoices import create_draft
    from ksef_desktop.store.numbering import create_series
    from tests.unit.test_store_support import PID, open_profiled, sample_invoice, sample_profile

    store = open_profiled(tmp_path)
    try:
        with store.db.transaction() as conn:
            series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", profile_id=PID, now=FRIDAY_10)
            draft = create_draft(
                conn, sample_invoice(day=date(2026, 12, 4)), profile_id=PID, now=FRIDAY_10
            )
        deadline = offline24_deadline(date(2026, 12, 4)).due
        issue_invoice(
            store.db,
            store.archive,
            draft,
            profile_id=PID,
            now=lambda: FRIDAY_10,
            series_id=series,
            mode=OFFLINE24,
            deadline=deadline,
        )
        profile = sample_profile(store)
        ledger = StoreLedger(
            lambda: store,
            lambda: profile,
            lambda: FRIDAY_10,
            lambda *a: None,  # type: ignore[arg-type]
        )
        [row] = ledger.offline_rows()
    finally:
        store.close()
    assert row.issued_at == FRIDAY_10
    # So the panel's refinement sees that a failure over at 09:59 came before it.
    failure = Announcement(FAILURE, moment("2026-12-04T08:00+01:00"), FRIDAY_10 - MINUTE)
    assert refine_deadline(row, [failure]).deadline == Deadline(
        DeadlineState.DUE, due("2026-12-07")
    )
