"""Faults: planned unavailability, announced (total) failures, 5xx rate, latency,
dropped responses, and what the real servers do that the documents do not say
(KSEF-PROTOCOL.md §13a): the web firewall's HTML page on pre-signed downloads, 400/21184
"session temporarily unavailable" on sending, ``null`` counts in a session status.
Switched by CLI flags (FaultConfig) and by /_sandbox/ endpoints.

Announcements live as Latarnia messages in the state (so they persist): every event has
an ``eventId``; its latest message gives its start and end. While an event is active
(start <= now < end, or no end) every /v2 path answers 503.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ksef_desktop.sandbox.config import FaultConfig
from ksef_desktop.sandbox.state import State
from ksef_desktop.sandbox.util import Response, iso, parse_iso

MAINTENANCE = "MAINTENANCE"
FAILURE = "FAILURE"
TOTAL_FAILURE = "TOTAL_FAILURE"

_TITLES = {
    MAINTENANCE: ("Planowana niedostępność KSeF", "Planowane prace serwisowe (Sandbox)."),
    FAILURE: ("Awaria KSeF", "Ogłoszono awarię KSeF (Sandbox)."),
    TOTAL_FAILURE: ("Awaria całkowita KSeF", "Ogłoszono awarię całkowitą KSeF (Sandbox)."),
}


@dataclass
class Event:
    event_id: int
    category: str
    start: datetime
    end: datetime | None

    def active(self, now: datetime) -> bool:
        return self.start <= now and (self.end is None or now < self.end)


class Faults:
    def __init__(self, cfg: FaultConfig, state: State, now: Callable[[], datetime]) -> None:
        self.start_flags = cfg
        self.state = state
        self.now = now
        self._lock = threading.Lock()
        self.error_rate = cfg.error_rate
        self.latency_ms = cfg.latency_ms
        self.drop_count = cfg.drop_responses
        self.drop_method: str | None = None
        self.drop_path_contains: str | None = None
        self.firewall_rate = cfg.firewall_page
        self.session_unavailable = cfg.session_unavailable
        self.null_counts = cfg.null_counts
        self._random = random.Random()  # noqa: S311 - fault injection, not cryptography

    def apply_start_flags(self) -> None:
        cfg = self.start_flags
        if cfg.unavailable:
            self.announce(MAINTENANCE, self.now(), None)
        if cfg.failure:
            self.announce(FAILURE, self.now(), None)
        if cfg.total_failure:
            self.announce(TOTAL_FAILURE, self.now(), None)

    # --- announcements (Latarnia) ----------------------------------------------------

    def events(self) -> list[Event]:
        latest: dict[int, dict[str, Any]] = {}
        with self.state.lock:
            for message in self.state.latarnia_messages:
                latest[message["eventId"]] = message
        return [
            Event(
                m["eventId"],
                m["category"],
                parse_iso(m["start"]),
                parse_iso(m["end"]) if m.get("end") else None,
            )
            for m in latest.values()
        ]

    def _publish(self, event: Event, kind: str) -> dict[str, Any]:
        title, text = _TITLES[event.category]
        state = self.state
        with state.lock:
            version = 1 + sum(1 for m in state.latarnia_messages if m["eventId"] == event.event_id)
            message = {
                "id": f"{event.event_id}-{version}",
                "eventId": event.event_id,
                "category": event.category,
                "type": kind,
                "title": title,
                "text": text,
                "start": iso(event.start),
                "end": iso(event.end) if event.end else None,
                "version": version,
                "published": iso(self.now()),
            }
            state.latarnia_messages.append(message)
            state.touch()
        return message

    def announce(self, category: str, start: datetime, end: datetime | None) -> dict[str, Any]:
        with self.state.lock:
            event_id = 1 + max((e.event_id for e in self.events()), default=0)
            kind = "MAINTENANCE_ANNOUNCEMENT" if category == MAINTENANCE else "FAILURE_START"
            return self._publish(Event(event_id, category, start, end), kind)

    def end_events(self, categories: tuple[str, ...]) -> list[dict[str, Any]]:
        """End now every active (or upcoming) event of these categories."""
        now = self.now()
        ended = []
        with self.state.lock:
            for event in self.events():
                if event.category not in categories:
                    continue
                if event.end is not None and event.end <= now:
                    continue
                event.end = max(now, event.start)
                kind = (
                    "MAINTENANCE_ANNOUNCEMENT" if event.category == MAINTENANCE else "FAILURE_END"
                )
                ended.append(self._publish(event, kind))
        return ended

    def active_categories(self) -> set[str]:
        now = self.now()
        return {e.category for e in self.events() if e.active(now)}

    def blocking_reason(self) -> str | None:
        """Why the API answers 503 right now, or None."""
        active = self.active_categories()
        if TOTAL_FAILURE in active:
            return "Awaria całkowita KSeF."
        if FAILURE in active:
            return "Awaria KSeF."
        if MAINTENANCE in active:
            return "Planowana niedostępność KSeF."
        return None

    # --- random faults ----------------------------------------------------------------

    def configure(self, body: dict[str, Any]) -> None:
        """Apply the settings of ``body``; TypeError/ValueError for a bad value (nothing
        is changed then)."""
        changes: dict[str, Any] = {}
        if "firewallPage" in body:
            changes["firewall_rate"] = _share(body["firewallPage"], "firewallPage")
        if "sessionUnavailable" in body:
            changes["session_unavailable"] = _count(
                body["sessionUnavailable"], "sessionUnavailable"
            )
        if "nullCounts" in body:
            if not isinstance(body["nullCounts"], bool):
                raise TypeError("'nullCounts' must be true or false")
            changes["null_counts"] = body["nullCounts"]
        with self._lock:
            for name, value in changes.items():
                setattr(self, name, value)
            if "errorRate" in body:
                self.error_rate = float(body["errorRate"])
            if "latencyMs" in body:
                self.latency_ms = int(body["latencyMs"])
            if "dropResponses" in body:
                self.drop_count = int(body["dropResponses"])
                self.drop_method = body.get("dropMethod")
                self.drop_path_contains = body.get("dropPathContains")

    def reset(self) -> None:
        with self._lock:
            self.error_rate = 0.0
            self.latency_ms = 0
            self.drop_count = 0
            self.drop_method = None
            self.drop_path_contains = None
            self.firewall_rate = 0.0
            self.session_unavailable = 0
            self.null_counts = False
        self.end_events((MAINTENANCE, FAILURE, TOTAL_FAILURE))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "errorRate": self.error_rate,
                "latencyMs": self.latency_ms,
                "dropResponses": self.drop_count,
                "dropMethod": self.drop_method,
                "dropPathContains": self.drop_path_contains,
                "firewallPage": self.firewall_rate,
                "sessionUnavailable": self.session_unavailable,
                "nullCounts": self.null_counts,
                "blockedBecause": self.blocking_reason(),
            }

    def roll_error(self) -> bool:
        with self._lock:
            return self.error_rate > 0 and self._random.random() < self.error_rate

    def take_drop(self, method: str, path: str) -> bool:
        """True (and count it) when this answer must be dropped."""
        with self._lock:
            if self.drop_count <= 0:
                return False
            if self.drop_method and self.drop_method.upper() != method:
                return False
            if self.drop_path_contains and self.drop_path_contains not in path:
                return False
            self.drop_count -= 1
            return True

    def roll_firewall(self) -> bool:
        """True when this pre-signed download meets the web firewall instead."""
        with self._lock:
            return self.firewall_rate > 0 and self._random.random() < self.firewall_rate

    def take_session_unavailable(self) -> bool:
        """True (and count it) when this invoice send must be answered with 21184."""
        with self._lock:
            if self.session_unavailable <= 0:
                return False
            self.session_unavailable -= 1
            return True


def _share(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"'{name}' must be a number from 0 to 1")
    return float(value)


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"'{name}' must be a whole number, 0 or more")
    return value


# What the Ministry's web firewall (Imperva Incapsula) answers instead of a file: HTTP 200
# and a page like this one, reported by integrators for pre-signed UPO links (§13a).
FIREWALL_PAGE = (
    '<html style="height:100%"><head><META NAME="ROBOTS" CONTENT="NOINDEX, NOFOLLOW">'
    '<meta name="format-detection" content="telephone=no">'
    '<meta name="viewport" content="initial-scale=1.0">'
    '<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1"></head>'
    '<body style="margin:0px;height:100%"><iframe id="main-iframe" '
    'src="/_Incapsula_Resource?CWUDNSAI=27&xinfo=4-{incident}-0%200NNN%20RT&incident_id='
    '{incident}&edet=12&cinfo=04000000&rpinfo=0&mth=GET" frameborder=0 width="100%" '
    'height="100%" marginheight="0px" marginwidth="0px">Request unsuccessful. Incapsula '
    "incident ID: {incident}</iframe></body></html>"
)


def firewall_response() -> Response:
    """The web firewall's page: HTTP 200, text/html, no x-ms-meta-hash."""
    incident = f"{secrets.randbelow(10**6)}-{secrets.randbelow(10**17)}"
    body = FIREWALL_PAGE.format(incident=incident).encode("utf-8")
    return Response(200, body, "text/html", {"X-Iinfo": f"4-{incident}-0 0NNN RT"})
