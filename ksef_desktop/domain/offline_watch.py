"""Which offline mode to suggest, and how urgent a deadline is (pure; ``now`` is a parameter).

``Availability`` mirrors the ``status`` Latarnia reports (KSEF-PROTOCOL.md §7); the KSeF
client maps its response onto it, so this module never touches the network.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from ksef_desktop.domain.offline import Deadline, DeadlineState, OfflineMode
from ksef_desktop.i18n import N_, _, ngettext

#: Below this much time left a deadline is shown as urgent.
URGENT_WITHIN = timedelta(hours=24)


class Availability(StrEnum):
    """KSeF's state as Latarnia (``GET /status``) reports it; values are its spellings."""

    AVAILABLE = "AVAILABLE"
    MAINTENANCE = "MAINTENANCE"
    FAILURE = "FAILURE"
    TOTAL_FAILURE = "TOTAL_FAILURE"


def suggest_mode(availability: Availability | None, *, reachable: bool) -> OfflineMode | None:
    """The offline mode to issue in now, or ``None`` for online.

    What KSeF announces comes first (total failure, failure, maintenance/unavailability);
    otherwise, when KSeF cannot be reached from here (our network, our side), ``offline24``.
    ``availability`` is ``None`` when Latarnia itself could not be asked.
    """
    if availability is Availability.TOTAL_FAILURE:
        return OfflineMode.AWARIA_CALKOWITA
    if availability is Availability.FAILURE:
        return OfflineMode.AWARIA
    if availability is Availability.MAINTENANCE:
        return OfflineMode.OFFLINE
    return None if reachable else OfflineMode.OFFLINE24


class Urgency(StrEnum):
    """How a deadline looks at a given moment, for the countdown panels."""

    MORE_THAN_24H = "more-than-24h"  # 24 hours or more left
    LESS_THAN_24H = "less-than-24h"  # less than 24 hours left, not yet overdue
    OVERDUE = "overdue"  # the due moment has passed
    NO_OBLIGATION = "no-obligation"  # the invoice need not go to KSeF
    UNKNOWN = "unknown"  # the deadline is not known yet


def classify(deadline: Deadline, now: datetime) -> Urgency:
    """The urgency of ``deadline`` at ``now`` (an aware datetime)."""
    remaining = deadline.remaining(now)
    if remaining is None:
        if deadline.state is DeadlineState.NO_OBLIGATION:
            return Urgency.NO_OBLIGATION
        return Urgency.UNKNOWN
    if remaining < timedelta(0):
        return Urgency.OVERDUE
    if remaining < URGENT_WITHIN:
        return Urgency.LESS_THAN_24H
    return Urgency.MORE_THAN_24H


def next_change(deadline: Deadline, now: datetime) -> datetime | None:
    """The next moment after ``now`` at which ``classify`` gives another answer.

    That is just past 24 hours before the due moment, then just past the due moment;
    ``None`` once overdue or when there is no due moment (only new announcements change
    those). A countdown panel can arm its timer for this instead of polling. The result is
    in the due moment's time zone, computed in real (UTC) time across DST changes.
    """
    remaining = deadline.remaining(now)
    if remaining is None or deadline.due is None or remaining < timedelta(0):
        return None
    tick = timedelta(microseconds=1)
    due = deadline.due.astimezone(UTC)
    change = due - URGENT_WITHIN + tick if remaining >= URGENT_WITHIN else due + tick
    return change.astimezone(deadline.due.tzinfo)


_MODE_LABELS = {
    OfflineMode.OFFLINE24: N_("offline24 (issued offline on my side)"),
    OfflineMode.OFFLINE: N_("offline (announced KSeF unavailability)"),
    OfflineMode.AWARIA: N_("failure (announced KSeF failure)"),
    OfflineMode.AWARIA_CALKOWITA: N_("total failure (no obligation to send)"),
}

_URGENCY_LABELS = {
    Urgency.MORE_THAN_24H: N_("on time"),
    Urgency.LESS_THAN_24H: N_("less than 24 hours left"),
    Urgency.OVERDUE: N_("overdue"),
    Urgency.NO_OBLIGATION: N_("no obligation to send"),
    Urgency.UNKNOWN: N_("deadline not known yet"),
}


#: Short names, for tables (the long ones are their tooltips and the banners' words).
_SHORT_MODE_LABELS = {
    OfflineMode.OFFLINE24: N_("offline24"),
    OfflineMode.OFFLINE: N_("offline"),
    OfflineMode.AWARIA: N_("failure"),
    OfflineMode.AWARIA_CALKOWITA: N_("total failure"),
}


def mode_label(mode: OfflineMode | str | None, *, short: bool = False) -> str:
    """A translated name of ``mode`` (``None`` is online; a stored spelling is read as
    its mode); ``short`` for a table's cell. The one place the modes are named."""
    if mode is None:
        return _("online")
    labels = _SHORT_MODE_LABELS if short else _MODE_LABELS
    return _(labels[OfflineMode(mode)])


def urgency_label(urgency: Urgency) -> str:
    return _(_URGENCY_LABELS[Urgency(urgency)])


def describe_remaining(remaining: timedelta) -> str:
    """A short translated phrase for time left (or, when negative, time overdue).

    Days and hours above a day, hours and minutes below; seconds are dropped.
    """
    overdue = remaining < timedelta(0)
    minutes = int(abs(remaining).total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        parts = [
            ngettext("{n} day", "{n} days", days).format(n=days),
            ngettext("{n} hour", "{n} hours", hours).format(n=hours),
        ]
    else:
        parts = [
            ngettext("{n} hour", "{n} hours", hours).format(n=hours),
            ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes),
        ]
    span = " ".join(parts)
    if overdue:
        return _("overdue by {span}").format(span=span)
    return _("{span} left").format(span=span)
