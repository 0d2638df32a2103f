"""Offline modes and the deadline by which an offline invoice must reach KSeF (pure).

The rules (KSEF-PROTOCOL.md §7, DESIGN.md §3; the official guide ``tryby-offline.md``):

- ``offline24`` (the taxpayer's choice, art. 106nda): the end of the next business day
  after the issue date (P_1).
- ``offline`` (KSeF unavailability announced in advance, art. 106nh): the end of the next
  business day after the unavailability ends.
- ``awaria`` (an announced KSeF failure, art. 106nf): the end of the 7th business day after
  the failure ends; a failure announced while that term runs restarts the count.
- ``awaria-calkowita`` (a total failure announced in the mass media): no obligation to
  send the invoice to KSeF at all.
- A failure announced while an ``offline24`` or ``offline`` invoice is pending (it starts no
  later than the invoice's current deadline, and has not ended before the invoice was
  issued) moves the deadline to the 7th business day after that failure ends; a total
  failure announced in the same circumstances removes the obligation.

A deadline is an aware datetime, 23:59:59 Europe/Warsaw of its day. When it depends on an
event that has not ended yet, it is not known: ``Deadline.state`` says so and ``due`` is
``None`` (never a made-up date). "Business day" and the counting rule are in
``domain/calendar.py``. Nothing here reads a clock: moments come in as parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from ksef_desktop.domain.calendar import add_business_days, end_of_day, warsaw_date

#: Business days an invoice issued during a failure has after the failure ends.
FAILURE_BUSINESS_DAYS = 7


class OfflineMode(StrEnum):
    """The offline modes; values are the spellings of the CLI (``--mode``) and the store."""

    OFFLINE24 = "offline24"
    OFFLINE = "offline"
    AWARIA = "awaria"
    AWARIA_CALKOWITA = "awaria-calkowita"


class EventKind(StrEnum):
    """What an announcement is about; values are Latarnia's message ``category``."""

    UNAVAILABILITY = "MAINTENANCE"  # announced unavailability (maintenance) -> ``offline``
    FAILURE = "FAILURE"  # announced failure -> ``awaria``
    TOTAL_FAILURE = "TOTAL_FAILURE"  # total failure -> ``awaria-calkowita``


def _require_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")


def _instant(moment: datetime) -> datetime:
    """``moment`` in UTC. Python compares and subtracts two datetimes that share a tzinfo
    by their wall-clock readings, which is an hour off across a DST change in Warsaw."""
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Announcement:
    """One announced event (Latarnia: the start and end messages of one ``eventId``).

    ``end`` is ``None`` while the event goes on (no end has been announced yet). Pass one
    ``Announcement`` per event: when Latarnia publishes a newer version of an event (say,
    with its end), it replaces the older one. ``kind`` may be given as Latarnia's category
    string (``"FAILURE"``); it is stored as an ``EventKind``.
    """

    kind: EventKind
    start: datetime
    end: datetime | None = None
    event_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EventKind(self.kind))
        _require_aware("start", self.start)
        if self.end is not None:
            _require_aware("end", self.end)
            if _instant(self.end) < _instant(self.start):
                raise ValueError(
                    f"an event cannot end ({self.end}) before it starts ({self.start})"
                )

    @property
    def start_day(self) -> date:
        """The day in Poland the event started."""
        return warsaw_date(self.start)

    @property
    def end_day(self) -> date | None:
        """The day in Poland the event ended, or ``None`` while it goes on."""
        return None if self.end is None else warsaw_date(self.end)

    def covers(self, day: date) -> bool:
        """Whether the event was going on at some time of ``day`` (Warsaw)."""
        end_day = self.end_day
        return self.start_day <= day and (end_day is None or day <= end_day)


class DeadlineState(StrEnum):
    DUE = "due"  # ``due`` is the deadline
    WAITING_FOR_EVENT_END = "waiting-for-event-end"  # it counts from an end not known yet
    NO_OBLIGATION = "no-obligation"  # total failure: the invoice need not go to KSeF
    EVENT_UNKNOWN = "event-unknown"  # no announcement of the mode's kind covers the issue date


@dataclass(frozen=True)
class Deadline:
    """When an invoice must be in KSeF at the latest, or why that is not a moment.

    ``cause`` is the announcement that set the deadline (``None`` for the plain
    ``offline24`` rule and for ``awaria-calkowita`` without an announcement).
    """

    state: DeadlineState
    due: datetime | None = None
    cause: Announcement | None = None

    def __post_init__(self) -> None:
        if (self.state is DeadlineState.DUE) != (self.due is not None):
            raise ValueError(
                f"a {self.state} deadline {'needs' if self.due is None else 'has no'} due"
            )
        if self.due is not None:
            _require_aware("due", self.due)

    @classmethod
    def on(cls, day: date, cause: Announcement | None = None) -> Deadline:
        """Due at the end (23:59:59 Europe/Warsaw) of ``day``."""
        return cls(DeadlineState.DUE, end_of_day(day), cause)

    @property
    def day(self) -> date | None:
        """The deadline's day in Poland, or ``None`` when there is no due moment."""
        return None if self.due is None else warsaw_date(self.due)

    def remaining(self, now: datetime) -> timedelta | None:
        """Time left at ``now`` (negative once overdue), ``None`` when there is no due."""
        _require_aware("now", now)
        return None if self.due is None else _instant(self.due) - _instant(now)


def offline24_deadline(issued: date) -> Deadline:
    """``offline24``: the end of the next business day after the issue date (P_1)."""
    return Deadline.on(add_business_days(issued, 1))


def unavailability_deadline(ended: date, cause: Announcement | None = None) -> Deadline:
    """``offline``: the end of the next business day after the unavailability ended."""
    return Deadline.on(add_business_days(ended, 1), cause)


def failure_deadline(ended: date, cause: Announcement | None = None) -> Deadline:
    """``awaria``: the end of the 7th business day after the failure ended."""
    return Deadline.on(add_business_days(ended, FAILURE_BUSINESS_DAYS), cause)


NO_OBLIGATION = Deadline(DeadlineState.NO_OBLIGATION)


def deadline_for(
    mode: OfflineMode, *, issued: date | None = None, ended: date | None = None
) -> Deadline:
    """The deadline from the one date its mode counts from (the rule of ``deadline`` CLI).

    ``offline24`` needs ``issued``; ``offline`` and ``awaria`` need ``ended`` (``None``
    means the event has not ended: the deadline is not known yet); ``awaria-calkowita``
    takes neither.
    """
    mode = OfflineMode(mode)
    if mode is OfflineMode.AWARIA_CALKOWITA:
        if issued is not None or ended is not None:
            raise ValueError("awaria-calkowita has no deadline, so it takes no date")
        return NO_OBLIGATION
    if mode is OfflineMode.OFFLINE24:
        if issued is None or ended is not None:
            raise ValueError("offline24 counts from the issue date only")
        return offline24_deadline(issued)
    if issued is not None:
        raise ValueError(f"{mode} counts from the end of the event, not from the issue date")
    if ended is None:
        return Deadline(DeadlineState.WAITING_FOR_EVENT_END)
    if mode is OfflineMode.OFFLINE:
        return unavailability_deadline(ended)
    return failure_deadline(ended)


_BASE_KIND = {OfflineMode.OFFLINE: EventKind.UNAVAILABILITY, OfflineMode.AWARIA: EventKind.FAILURE}


def _event_deadline(event: Announcement) -> Deadline:
    end_day = event.end_day
    if end_day is None:
        return Deadline(DeadlineState.WAITING_FOR_EVENT_END, cause=event)
    if event.kind is EventKind.UNAVAILABILITY:
        return unavailability_deadline(end_day, event)
    return failure_deadline(end_day, event)


def _later(current: Deadline, candidate: Deadline) -> Deadline:
    """The later of two deadlines; one still waiting for an event's end is the latest."""
    if current.due is None:
        return current
    if candidate.due is None or _instant(candidate.due) > _instant(current.due):
        return candidate
    return current


def base_event(
    mode: OfflineMode, issued: date, announcements: Iterable[Announcement]
) -> Announcement | None:
    """The announcement an ``offline``/``awaria`` invoice was issued under.

    That is the event of the mode's kind going on on the issue day (the one that started
    last if several did); ``None`` for the other modes or when no such event is known.
    """
    kind = _BASE_KIND.get(OfflineMode(mode))
    candidates = [a for a in announcements if a.kind is kind and a.covers(issued)]
    return max(candidates, key=lambda a: _instant(a.start), default=None)


def invoice_deadline(
    mode: OfflineMode,
    issued: date,
    announcements: Iterable[Announcement],
    *,
    delivered_at: datetime | None = None,
) -> Deadline:
    """The deadline of one invoice issued on ``issued`` in ``mode``, given what was announced.

    ``announcements`` may hold any events in any order (those that cannot touch the
    invoice are ignored). ``delivered_at``, when the invoice already reached KSeF, leaves
    out events that started after it: they could not extend a delivered invoice, so the
    result tells whether the delivery was on time.
    """
    mode = OfflineMode(mode)
    if delivered_at is not None:
        _require_aware("delivered_at", delivered_at)
    events = sorted(
        (
            a
            for a in announcements
            if delivered_at is None or _instant(a.start) <= _instant(delivered_at)
        ),
        key=lambda a: (
            _instant(a.start),
            a.end is None,
            _instant(a.end or a.start),
            a.kind.value,
            a.event_id or "",
        ),
    )
    if mode is OfflineMode.AWARIA_CALKOWITA:
        return NO_OBLIGATION
    base: Announcement | None = None
    if mode is OfflineMode.OFFLINE24:
        current = offline24_deadline(issued)
    else:
        base = base_event(mode, issued, events)
        if base is None:
            return Deadline(DeadlineState.EVENT_UNKNOWN)
        current = _event_deadline(base)
    for event in events:
        if event is base or event.kind is EventKind.UNAVAILABILITY:
            continue
        if event.end_day is not None and event.end_day < issued:
            continue  # over before the invoice existed
        if current.due is not None and _instant(event.start) > _instant(current.due):
            continue  # announced after the term had run out
        if event.kind is EventKind.TOTAL_FAILURE:
            return Deadline(DeadlineState.NO_OBLIGATION, cause=event)
        current = _later(current, _event_deadline(event))
    return current
