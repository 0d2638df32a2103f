"""Offline modes and the deadline by which an offline invoice must reach KSeF (pure).

The rules are those of the VAT act (ustawa z dnia 11 marca 2004 r. o podatku od towarów
i usług, as amended by Dz.U. 2023 poz. 1598, 2024 poz. 852 and 1721, 2025 poz. 1203; in
force from 1 February 2026), read against the official guide ``tryby-offline.md``
(KSEF-PROTOCOL.md §7):

- ``offline24`` (the taxpayer's choice, art. 106nda ust. 1-2): "niezwłocznie, nie później
  niż w następnym dniu roboczym po dniu jej wystawienia"; the issue date is the date P_1
  (art. 106nda ust. 10).
- ``offline`` (an unavailability of KSeF announced in advance, art. 106ne ust. 4 and
  art. 106nh): the invoices issued while it goes on (art. 106nh ust. 1) are due the next
  business day after the day the unavailability ends (ust. 2). A failure announced within
  that term moves it as art. 106nf ust. 4-5 do (ust. 3 pkt 1); a total failure announced
  within it removes the obligation (ust. 3 pkt 2).
- ``awaria`` (a failure announced in BIP and in the interface software, art. 106ne ust. 1
  and art. 106nf): the invoices issued while it goes on (art. 106nf ust. 1) are due within
  7 business days from the day the failure ends as its end announcement says (ust. 4); a
  further failure announced within that term restarts the count from its own end
  (ust. 5); a total failure announced during the failure or within the term removes the
  obligation (ust. 7).
- ``awaria-calkowita`` (a total failure announced in the mass media, art. 106ne ust. 3):
  invoices issued while it goes on may be on paper or electronic (art. 106ng) and no
  provision makes them go to KSeF: no obligation.

Which rule an invoice falls under is decided by what was going on at the *moment* it was
issued (``issued_at``; the store keeps it as ``invoices.issued_at``), not by its day: an
event that ended a minute before that moment changes nothing, one still going on a minute
after it governs the invoice ("w okresie trwania awarii ... podatnik wystawia faktury").
An event touches an invoice only when it was going on at that moment or was announced
(``Announcement.start``) after it and no later than the invoice's deadline at the time
("w terminie, o którym mowa w ust. 2/4"). The P_1 date still sets the ``offline24`` base.

Where the statute and the guide differ: the guide says a failure announced while an
``offline24`` invoice waits moves its deadline and a total failure removes it, like for
``offline``. Art. 106nda has no such provision (unlike art. 106nh ust. 3 and art. 106nf
ust. 5 and 7), so an ``offline24`` invoice keeps its statutory deadline whatever is
announced after it was issued. An ``offline24`` invoice issued while a failure, an
unavailability or a total failure was going on is one of art. 106nf ust. 1, art. 106nh
ust. 1 or art. 106ng (the statute speaks of every invoice issued in that period), and is
counted as such. ``STATUTE_OFFLINE24`` below is where that choice is made.

A deadline is an aware datetime, 23:59:59 Europe/Warsaw of its day. When it depends on an
event that has not ended yet, it is not known: ``Deadline.state`` says so and ``due`` is
``None`` (never a made-up date). "Business day" and the counting rule are in
``domain/calendar.py``. Nothing here reads a clock: moments come in as parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from ksef_desktop.domain.calendar import WARSAW, add_business_days, end_of_day, warsaw_date

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


#: ``True`` follows the statute for ``offline24``: art. 106nda ust. 2 has no counterpart of
#: art. 106nh ust. 3 or art. 106nf ust. 5 and 7, so what is announced after such an invoice
#: was issued neither moves nor removes its deadline. ``False`` would follow the official
#: guide (``tryby-offline.md``: "W trybach offline24 i offline, jeśli w oczekiwanym okresie
#: dosyłania faktury zostanie ogłoszona awaria KSeF ... termin przesłania przesuwa się";
#: "Ogłoszenie awarii całkowitej ... powoduje zniesienie obowiązku") instead.
STATUTE_OFFLINE24 = True

_BASE_KIND = {OfflineMode.OFFLINE: EventKind.UNAVAILABILITY, OfflineMode.AWARIA: EventKind.FAILURE}

_ONE_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class _Issue:
    """When an invoice was issued, in UTC: one moment, or its whole day in Warsaw when only
    the day is known (then an event at any time of that day counts as going on at issue)."""

    first: datetime
    last: datetime

    @classmethod
    def of(cls, issued: date, issued_at: datetime | None) -> _Issue:
        if issued_at is not None:
            _require_aware("issued_at", issued_at)
            moment = _instant(issued_at)
            return cls(moment, moment)
        start = datetime.combine(issued, time(0), tzinfo=WARSAW)
        return cls(_instant(start), _instant(start + timedelta(days=1)) - _ONE_TICK)

    def over_before(self, event: Announcement) -> bool:
        """The event had ended before the invoice was issued: it cannot touch it."""
        return event.end is not None and _instant(event.end) < self.first

    def during(self, event: Announcement) -> bool:
        """The event was going on when the invoice was issued (both ends included)."""
        return _instant(event.start) <= self.last and not self.over_before(event)


def _event_key(a: Announcement) -> tuple[datetime, bool, datetime, str, str]:
    return (
        _instant(a.start),
        a.end is None,
        _instant(a.end or a.start),
        a.kind.value,
        a.event_id or "",
    )


def _latest(events: Iterable[Announcement], kind: EventKind) -> Announcement | None:
    """The event of ``kind`` that started last (``events`` sorted by ``_event_key``)."""
    found = None
    for event in events:
        if event.kind is kind:
            found = event
    return found


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
    mode: OfflineMode,
    issued: date,
    announcements: Iterable[Announcement],
    *,
    issued_at: datetime | None = None,
) -> Announcement | None:
    """The announcement an ``offline``/``awaria`` invoice was issued under.

    That is the event of the mode's kind going on at ``issued_at`` (the one that started
    last if several were); without ``issued_at``, at any time of the day ``issued``.
    ``None`` for the other modes or when no such event is known.
    """
    kind = _BASE_KIND.get(OfflineMode(mode))
    if kind is None:
        return None
    issue = _Issue.of(issued, issued_at)
    return _latest(sorted((a for a in announcements if issue.during(a)), key=_event_key), kind)


def invoice_deadline(
    mode: OfflineMode,
    issued: date,
    announcements: Iterable[Announcement],
    *,
    issued_at: datetime | None = None,
    delivered_at: datetime | None = None,
) -> Deadline:
    """The deadline of one invoice issued in ``mode`` with date ``issued`` (P_1) at the
    moment ``issued_at``, given what was announced (the rules: this module's docstring).

    ``issued_at`` is the moment the invoice was issued (``invoices.issued_at``). Every
    caller that knows it must pass it: without it only the day is known, and an event at
    any time of that day counts as going on at issue (which may give a later deadline than
    the truth). ``announcements`` may hold any events in any order (those that cannot
    touch the invoice are ignored). ``delivered_at``, when the invoice already reached
    KSeF, leaves out events that started after it: they could not extend a delivered
    invoice, so the result tells whether the delivery was on time.
    """
    mode = OfflineMode(mode)
    issue = _Issue.of(issued, issued_at)
    if delivered_at is not None:
        _require_aware("delivered_at", delivered_at)
    events = sorted(
        (
            a
            for a in announcements
            if (delivered_at is None or _instant(a.start) <= _instant(delivered_at))
            and not issue.over_before(a)
        ),
        key=_event_key,
    )
    if mode is OfflineMode.AWARIA_CALKOWITA:
        return NO_OBLIGATION  # art. 106ng: nothing obliges these invoices to go to KSeF
    during = [a for a in events if issue.during(a)]
    total = _latest(during, EventKind.TOTAL_FAILURE)
    if total is not None:
        # Issued while a total failure was going on: an invoice of art. 106ng, whatever
        # mode was declared; no provision makes it go to KSeF.
        return Deadline(DeadlineState.NO_OBLIGATION, cause=total)
    base: Announcement | None
    if mode is OfflineMode.OFFLINE24:
        # Issued while a failure (or an unavailability) was going on, it is an invoice of
        # art. 106nf ust. 1 (art. 106nh ust. 1) and counts from that event's end.
        base = _latest(during, EventKind.FAILURE) or _latest(during, EventKind.UNAVAILABILITY)
        if base is None:
            current = offline24_deadline(issued)  # art. 106nda ust. 2 and 10
            if STATUTE_OFFLINE24:
                return current
    else:
        base = _latest(during, _BASE_KIND[mode])
        if base is None:
            return Deadline(DeadlineState.EVENT_UNKNOWN)
    if base is not None:
        current = _event_deadline(base)  # art. 106nf ust. 4; art. 106nh ust. 2
    for event in events:
        if event is base or event.kind is EventKind.UNAVAILABILITY:
            continue  # only failures move a term (art. 106nh ust. 3, art. 106nf ust. 5)
        if current.due is not None and _instant(event.start) > _instant(current.due):
            continue  # announced after the term had run out
        if event.kind is EventKind.TOTAL_FAILURE:
            # art. 106nf ust. 7; art. 106nh ust. 3 pkt 2
            return Deadline(DeadlineState.NO_OBLIGATION, cause=event)
        # art. 106nf ust. 5; art. 106nh ust. 3 pkt 1
        current = _later(current, _event_deadline(event))
    return current
