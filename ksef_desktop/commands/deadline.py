"""``ksef-desktop deadline``: the day an offline invoice must reach KSeF (DESIGN.md §9).

    ksef-desktop deadline --mode MODE --issued YYYY-MM-DD[THH:MM[:SS]±HH:MM]
                          [--event KIND:START[/END]]...
    ksef-desktop deadline --mode offline --ended DATE
    ksef-desktop deadline --mode awaria --ended DATE
    ksef-desktop deadline --mode awaria-calkowita

The first form (any MODE but ``awaria-calkowita``, which takes no date) is the whole
rule (``domain.offline.invoice_deadline``): the invoice was issued in MODE with the date
and at the moment ``--issued`` gives (its date in Poland is the issue date P_1), and
each ``--event`` is one announced event: KIND is ``unavailability``, ``failure`` or
``total-failure``; START and END are ISO-8601 moments with their offset
(``2026-12-04T08:00+01:00``, ``...Z``); END left out means the event is still going
on. Without the time, only the issue day is known: when the answer would depend on the
hour (an event starts or ends that day), the command says so and asks for it. The other
forms count from one date, as before.

It prints ``YYYY-MM-DD`` (the deadline's day; it runs out at 23:59:59 Europe/Warsaw),
``none`` (no obligation to send) or ``waiting`` (the deadline counts from the end of an
event that has not been announced yet). DATE is ``YYYY-MM-DD`` or ``DD.MM.YYYY``;
``--ended`` also takes a date-time (``YYYY-MM-DDTHH:MM[:SS][±HH:MM|Z]`` or
``DD.MM.YYYY HH:MM[:SS]``, Warsaw time when no offset is given), and the deadline counts
from the day in Poland it ended. Bad input: a message on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING

from ksef_desktop.i18n import _

if TYPE_CHECKING:
    from ksef_desktop.domain.offline import Announcement, Deadline, OfflineMode

EXIT_OK = 0
EXIT_USAGE = 2

# Deadlines are counted from dates a living taxpayer can have; this keeps the holiday
# tables and date arithmetic far from the limits of ``datetime``.
# The calendar's holiday data ends in 2100 (domain/calendar.py); a deadline needs a
# following business day, so the last accepted year is the one before.
MIN_YEAR, MAX_YEAR = 2000, 2099

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PL_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_PL_DATETIME = re.compile(r"(\d{1,2}\.\d{1,2}\.\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")

_MODES = "offline24, offline, awaria, awaria-calkowita"
_KINDS = "unavailability, failure, total-failure"
_EXAMPLE_EVENT = "failure:2026-12-04T08:00+01:00/2026-12-04T09:30+01:00"


class UsageError(Exception):
    """Bad input to the command: its message is already translated."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "deadline",
        help="the day an offline invoice must reach KSeF",
        usage=(
            "ksef-desktop deadline --mode MODE --issued YYYY-MM-DD[THH:MM[:SS]±HH:MM]\n"
            "                             [--event KIND:START[/END]]...\n"
            "       ksef-desktop deadline --mode offline|awaria --ended DATE\n"
            "       ksef-desktop deadline --mode awaria-calkowita"
        ),
        description=(
            "Print the day (YYYY-MM-DD) by whose end, 23:59:59 Europe/Warsaw, an invoice "
            "issued in an offline mode must reach KSeF, 'none' when there is no such "
            "obligation, or 'waiting' when it counts from the end of an event not announced "
            "yet."
        ),
    )
    # Modes and dates are checked in the handler, not by argparse, so that every
    # mistake gets our own translated message.
    parser.add_argument(
        "--mode",
        metavar="{" + _MODES.replace(", ", ",") + "}",
        help="the offline mode the invoice was issued in",
    )
    parser.add_argument(
        "--issued",
        metavar="DATE[THH:MM±HH:MM]",
        help=(
            "the issue date (P_1), with the moment the invoice was issued when events are "
            "given: YYYY-MM-DD, DD.MM.YYYY or YYYY-MM-DDTHH:MM[:SS]±HH:MM"
        ),
    )
    parser.add_argument(
        "--event",
        metavar="KIND:START[/END]",
        action="append",
        default=[],
        help=(
            "an announced event, repeatable: KIND is unavailability, failure or "
            "total-failure; START and END are ISO-8601 moments with their offset; "
            "without END the event is still going on"
        ),
    )
    parser.add_argument(
        "--ended",
        metavar="DATE",
        help="when the unavailability (offline) or failure (awaria) ended: a date or date-time",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        answer = _answer(args.mode, args.issued, args.ended, list(args.event or []))
    except UsageError as exc:
        print(f"ksef-desktop deadline: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(answer)
    return EXIT_OK


def _answer(
    mode_text: str | None, issued_text: str | None, ended_text: str | None, events: list[str]
) -> str:
    from ksef_desktop.domain.offline import OfflineMode, deadline_for

    if mode_text is None:
        raise UsageError(_("--mode is missing; choose one of: {modes}.").format(modes=_MODES))
    try:
        mode = OfflineMode(mode_text.strip().lower())
    except ValueError:
        raise UsageError(
            _("Unknown mode {mode!r}; choose one of: {modes}.").format(mode=mode_text, modes=_MODES)
        ) from None
    if mode is OfflineMode.AWARIA_CALKOWITA:
        if issued_text is not None or ended_text is not None or events:
            raise UsageError(
                _("--mode awaria-calkowita takes no date: a total failure has no deadline.")
            )
        return _shown(deadline_for(mode))
    if ended_text is not None:
        if mode is OfflineMode.OFFLINE24:
            raise UsageError(
                _("--mode offline24 counts from the issue date: use --issued, not --ended.")
            )
        if issued_text is not None or events:
            raise UsageError(
                _(
                    "--ended goes alone: with --issued, give the event with its end as "
                    "--event KIND:START/END."
                )
            )
        return _shown(deadline_for(mode, ended=_parse_ended(ended_text)))
    if issued_text is None:
        if events:
            raise UsageError(_("--event needs --issued (when the invoice was issued)."))
        if mode is OfflineMode.OFFLINE24:
            raise UsageError(_("--mode offline24 needs --issued DATE (the invoice's issue date)."))
        raise UsageError(
            _("--mode {mode} needs --ended DATE (when the event ended).").format(mode=mode.value)
        )
    day, moment = _parse_issued(issued_text)
    announcements = [_parse_event(text) for text in events]
    deadline = _deadline(mode, day, moment, announcements)
    from ksef_desktop.domain.offline import DeadlineState

    if deadline.state is DeadlineState.EVENT_UNKNOWN:
        kind = "unavailability" if mode is OfflineMode.OFFLINE else "failure"
        raise UsageError(
            _(
                "--mode {mode} counts from the end of the event it was issued in: give "
                "--event {kind}:START[/END] going on at the moment of --issued, or use "
                "--ended DATE."
            ).format(mode=mode.value, kind=kind)
        )
    return _shown(deadline)


def _shown(deadline: Deadline) -> str:
    from ksef_desktop.domain.offline import DeadlineState

    if deadline.state is DeadlineState.NO_OBLIGATION:
        return "none"
    if deadline.day is None:
        return "waiting"
    return deadline.day.isoformat()


def _deadline(
    mode: OfflineMode, day: date, moment: datetime | None, events: Sequence[Announcement]
) -> Deadline:
    """The deadline; with only the issue day known, the same at every moment of that day
    (else the hour matters, and the user is asked for it)."""
    from ksef_desktop.domain.calendar import WARSAW
    from ksef_desktop.domain.offline import invoice_deadline

    if moment is not None:
        return invoice_deadline(mode, day, events, issued_at=moment)
    first = datetime.combine(day, time(0), tzinfo=WARSAW).astimezone(UTC)
    last = datetime.combine(day + timedelta(days=1), time(0), tzinfo=WARSAW).astimezone(UTC)
    last -= timedelta(microseconds=1)
    tick = timedelta(microseconds=1)
    candidates = {first, last}
    for event in events:
        for edge in (event.start, event.end):
            if edge is not None and first <= edge.astimezone(UTC) <= last:
                edge = edge.astimezone(UTC)
                candidates.update(m for m in (edge - tick, edge, edge + tick) if first <= m <= last)
    answers = {
        _shown(invoice_deadline(mode, day, events, issued_at=m)): m for m in sorted(candidates)
    }
    if len(answers) > 1:
        raise UsageError(
            _(
                "--issued: the answer depends on the time the invoice was issued on {day}; "
                "give it as {day}THH:MM±HH:MM."
            ).format(day=day.isoformat())
        )
    return invoice_deadline(mode, day, events, issued_at=first)


def _bad_date(option: str, text: str) -> UsageError:
    return UsageError(
        _("{option}: {value!r} is not a date; write YYYY-MM-DD or DD.MM.YYYY.").format(
            option=option, value=text
        )
    )


def _checked(option: str, text: str, year: int, month: int, day: int) -> date:
    try:
        value = date(year, month, day)
    except ValueError:
        raise UsageError(
            _("{option}: {value!r} is not a day of the calendar.").format(option=option, value=text)
        ) from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise UsageError(
            _("{option}: the year must be between {low} and {high}.").format(
                option=option, low=MIN_YEAR, high=MAX_YEAR
            )
        )
    return value


def _parse_date(option: str, text: str) -> date:
    value = text.strip()
    if match := _ISO_DATE.fullmatch(value):
        y, m, d = (int(g) for g in match.groups())
        return _checked(option, text, y, m, d)
    if match := _PL_DATE.fullmatch(value):
        d, m, y = (int(g) for g in match.groups())
        return _checked(option, text, y, m, d)
    raise _bad_date(option, text)


def _moment(
    option: str, text: str, day_text: str, hh: str, mm: str, ss: str | None, zone: tzinfo
) -> datetime:
    day = _parse_date(option, day_text)
    try:
        return datetime(day.year, day.month, day.day, int(hh), int(mm), int(ss or 0), tzinfo=zone)
    except ValueError:
        raise UsageError(
            _("{option}: {value!r} is not a valid time of day.").format(option=option, value=text)
        ) from None


def _zone(option: str, text: str, offset: str) -> timezone:
    try:
        return _fixed_offset(offset)
    except ValueError:
        raise UsageError(
            _("{option}: {value!r} has an impossible time zone offset.").format(
                option=option, value=text
            )
        ) from None


def _parse_exact(option: str, text: str) -> datetime:
    """An ISO-8601 moment with its offset (``YYYY-MM-DDTHH:MM[:SS]±HH:MM`` or ``...Z``)."""
    match = _ISO_DATETIME.fullmatch(text.strip())
    if match is None or match.group(5) is None:
        raise UsageError(
            _(
                "{option}: {value!r} is not a moment; write YYYY-MM-DDTHH:MM±HH:MM "
                "(e.g. 2026-12-04T10:00+01:00)."
            ).format(option=option, value=text)
        )
    day_text, hh, mm, ss, offset = match.groups()
    return _moment(option, text, day_text, hh, mm, ss, _zone(option, text, offset))


def _parse_issued(text: str) -> tuple[date, datetime | None]:
    """The issue date (P_1: the day in Poland) and the moment, when a time is given."""
    from ksef_desktop.domain.calendar import warsaw_date

    if ":" not in text:  # no time of day: a date (or not even that)
        return _parse_date("--issued", text), None
    moment = _parse_exact("--issued", text)
    day = warsaw_date(moment)
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise UsageError(
            _("{option}: the year must be between {low} and {high}.").format(
                option="--issued", low=MIN_YEAR, high=MAX_YEAR
            )
        )
    return day, moment


_EVENT_KINDS = {
    "unavailability": "MAINTENANCE",
    "failure": "FAILURE",
    "total-failure": "TOTAL_FAILURE",
}


def _parse_event(text: str) -> Announcement:
    """``KIND:START[/END]`` as an announcement."""
    from ksef_desktop.domain.offline import Announcement, EventKind

    kind_text, sep, span = text.strip().partition(":")
    category = _EVENT_KINDS.get(kind_text.strip().lower())
    if not sep or category is None:
        raise UsageError(
            _(
                "--event: {value!r} is not KIND:START[/END]; KIND is one of: {kinds} "
                "(e.g. {example})."
            ).format(value=text, kinds=_KINDS, example=_EXAMPLE_EVENT)
        )
    start_text, slash, end_text = span.partition("/")
    start = _parse_exact("--event", start_text)
    end = _parse_exact("--event", end_text) if slash else None
    if end is not None and end < start:
        raise UsageError(_("--event: {value!r} ends before it starts.").format(value=text))
    return Announcement(EventKind(category), start, end)


def _parse_ended(text: str) -> date:
    """The day in Poland an event ended, from a date or a date-time."""
    from ksef_desktop.domain.calendar import WARSAW, warsaw_date

    value = text.strip()
    if match := _ISO_DATETIME.fullmatch(value):
        day_text, hh, mm, ss, offset = match.groups()
    elif match := _PL_DATETIME.fullmatch(value):
        day_text, hh, mm, ss = match.groups()
        offset = None
    else:
        return _parse_date("--ended", text)
    zone: tzinfo = WARSAW if offset is None else _zone("--ended", text, offset)
    return warsaw_date(_moment("--ended", text, day_text, hh, mm, ss, zone))


def _fixed_offset(offset: str) -> timezone:
    """``Z``, ``+HH:MM`` or ``+HHMM`` as a time zone; ValueError when out of range."""
    if offset.upper() == "Z":
        return UTC
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if minutes >= 60:
        raise ValueError(offset)
    span = timedelta(hours=hours, minutes=minutes)
    return timezone(-span if offset[0] == "-" else span)  # ValueError from 24 hours on
