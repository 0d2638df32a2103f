"""KSeF availability ("Latarnia", KSEF-PROTOCOL.md §7): status and announcements.

GET {latarnia}/status → ``{"status": AVAILABLE|MAINTENANCE|FAILURE|TOTAL_FAILURE,
"messages": [...]}``; GET {latarnia}/messages → ``[...]``. A message belongs to an event
(``eventId``) that has a start and, once over, an end; those bound the offline modes'
deadlines. No authentication.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ksef_desktop.i18n import N_, _
from ksef_desktop.ksef.errors import ProtocolError
from ksef_desktop.ksef.models import parse_datetime, parser
from ksef_desktop.ksef.transport import Transport, decode_json

AVAILABLE = "AVAILABLE"
MAINTENANCE = "MAINTENANCE"
FAILURE = "FAILURE"
TOTAL_FAILURE = "TOTAL_FAILURE"
STATUSES = (AVAILABLE, MAINTENANCE, FAILURE, TOTAL_FAILURE)

STATUS_MESSAGES = {
    AVAILABLE: N_("KSeF is available."),
    MAINTENANCE: N_("KSeF is unavailable for planned maintenance (offline mode)."),
    FAILURE: N_("KSeF failure announced (emergency mode)."),
    TOTAL_FAILURE: N_("KSeF total failure announced: invoices need not be sent to KSeF."),
}


@dataclass(frozen=True)
class LatarniaMessage:
    id: str
    event_id: int
    category: str
    type: str
    title: str
    text: str
    start: datetime | None
    end: datetime | None
    version: int
    published: datetime | None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> LatarniaMessage:
        if not isinstance(data, dict):
            raise ProtocolError("a Latarnia message is not an object")
        try:
            event_id = int(data["eventId"])
        except (KeyError, TypeError, ValueError):
            raise ProtocolError("a Latarnia message lacks its eventId") from None
        return cls(
            str(data.get("id", "")),
            event_id,
            str(data.get("category", "")),
            str(data.get("type", "")),
            str(data.get("title", "")),
            str(data.get("text", "")),
            _maybe_time(data.get("start")),
            _maybe_time(data.get("end")),
            int(data.get("version") or 0),
            _maybe_time(data.get("published")),
        )


def _maybe_time(value: Any) -> datetime | None:
    return None if value in (None, "") else parse_datetime(value)


@dataclass(frozen=True)
class Availability:
    """The status with the start and end (None while ongoing) of the current event."""

    status: str
    messages: tuple[LatarniaMessage, ...]
    event_start: datetime | None = None
    event_end: datetime | None = None
    event_id: int | None = None

    def describe(self) -> str:
        return _(STATUS_MESSAGES[self.status])


def parse_status(data: Any) -> Availability:
    """The body of GET /status as an ``Availability``."""
    return _parse_status(None, data)


@parser
def _parse_status(_cls: Any, data: Any) -> Availability:
    if not isinstance(data, dict):
        raise ProtocolError("the Latarnia status is not a JSON object")
    status = str(data.get("status", "")).upper()
    if status not in STATUSES:
        raise ProtocolError(f"unknown Latarnia status {status!r}")
    messages = tuple(LatarniaMessage.from_json(m) for m in data.get("messages") or ())
    start, end, event = event_bounds(messages, status)
    return Availability(status, messages, start, end, event)


def event_bounds(
    messages: tuple[LatarniaMessage, ...] | list[LatarniaMessage], status: str
) -> tuple[datetime | None, datetime | None, int | None]:
    """Start and end of the latest event of the status's category (newest version wins)."""
    if status == AVAILABLE:
        relevant = list(messages)
    else:
        relevant = [m for m in messages if m.category == status]
    if not relevant:
        return None, None, None
    earliest = datetime.min.replace(tzinfo=UTC)
    latest_event = max(relevant, key=lambda m: (m.start or earliest, m.event_id)).event_id
    of_event = sorted((m for m in relevant if m.event_id == latest_event), key=lambda m: m.version)
    start = next((m.start for m in of_event if m.start is not None), None)
    end = None
    for m in of_event:
        if m.end is not None:
            end = m.end
        if m.type == "FAILURE_END" and m.end is None:
            end = m.start
    return start, end, latest_event


def fetch_status(t: Transport, latarnia_base: str) -> Availability:
    """GET {latarnia}/status (no token, pre-built absolute URL)."""
    response = t.request("GET", latarnia_base.rstrip("/") + "/status", absolute=True)
    return parse_status(decode_json(response.content))


def fetch_messages(t: Transport, latarnia_base: str) -> list[LatarniaMessage]:
    """GET {latarnia}/messages."""
    response = t.request("GET", latarnia_base.rstrip("/") + "/messages", absolute=True)
    data = decode_json(response.content)
    if not isinstance(data, list):
        raise ProtocolError("the Latarnia messages are not a JSON array")
    return [LatarniaMessage.from_json(m) for m in data]
