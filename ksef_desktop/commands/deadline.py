"""``ksef-desktop deadline``: the day an offline invoice must reach KSeF (DESIGN.md §9).

    ksef-desktop deadline --mode offline24 --issued DATE
    ksef-desktop deadline --mode offline --ended DATE
    ksef-desktop deadline --mode awaria --ended DATE
    ksef-desktop deadline --mode awaria-calkowita

prints ``YYYY-MM-DD`` (the deadline's day; it runs out at 23:59:59 Europe/Warsaw) or
``none``. DATE is ``YYYY-MM-DD`` or ``DD.MM.YYYY``; ``--ended`` also takes a date-time
(``YYYY-MM-DDTHH:MM[:SS][±HH:MM|Z]`` or ``DD.MM.YYYY HH:MM[:SS]``, Warsaw time when no
offset is given), and the deadline counts from the day in Poland it ended. Bad input:
a message on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from ksef_desktop.i18n import _

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


class UsageError(Exception):
    """Bad input to the command: its message is already translated."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "deadline",
        help="the day an offline invoice must reach KSeF",
        usage=(
            "ksef-desktop deadline --mode offline24 --issued DATE\n"
            "       ksef-desktop deadline --mode offline|awaria --ended DATE\n"
            "       ksef-desktop deadline --mode awaria-calkowita"
        ),
        description=(
            "Print the day (YYYY-MM-DD) by whose end, 23:59:59 Europe/Warsaw, an invoice "
            "issued in an offline mode must reach KSeF, or 'none' when there is no such "
            "obligation."
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
        "--issued", metavar="DATE", help="issue date (P_1) for offline24: YYYY-MM-DD or DD.MM.YYYY"
    )
    parser.add_argument(
        "--ended",
        metavar="DATE",
        help="when the unavailability (offline) or failure (awaria) ended: a date or date-time",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        day = _deadline_day(args.mode, args.issued, args.ended)
    except UsageError as exc:
        print(f"ksef-desktop deadline: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print("none" if day is None else day.isoformat())
    return EXIT_OK


def _deadline_day(
    mode_text: str | None, issued_text: str | None, ended_text: str | None
) -> date | None:
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
        if issued_text is not None or ended_text is not None:
            raise UsageError(
                _("--mode awaria-calkowita takes no date: a total failure has no deadline.")
            )
        return deadline_for(mode).day
    if mode is OfflineMode.OFFLINE24:
        if ended_text is not None:
            raise UsageError(
                _("--mode offline24 counts from the issue date: use --issued, not --ended.")
            )
        if issued_text is None:
            raise UsageError(_("--mode offline24 needs --issued DATE (the invoice's issue date)."))
        return deadline_for(mode, issued=_parse_date("--issued", issued_text)).day
    if issued_text is not None:
        raise UsageError(
            _("--mode {mode} counts from the end of the event: use --ended, not --issued.").format(
                mode=mode.value
            )
        )
    if ended_text is None:
        raise UsageError(
            _("--mode {mode} needs --ended DATE (when the event ended).").format(mode=mode.value)
        )
    return deadline_for(mode, ended=_parse_ended(ended_text)).day


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
    day = _parse_date("--ended", day_text)
    try:
        zone: tzinfo = WARSAW if offset is None else _fixed_offset(offset)
    except ValueError:
        raise UsageError(
            _("--ended: {value!r} has an impossible time zone offset.").format(value=text)
        ) from None
    try:
        moment = datetime(day.year, day.month, day.day, int(hh), int(mm), int(ss or 0), tzinfo=zone)
    except ValueError:
        raise UsageError(
            _("--ended: {value!r} is not a valid time of day.").format(value=text)
        ) from None
    return warsaw_date(moment)


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
