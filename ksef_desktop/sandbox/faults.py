"""Faults: planned unavailability, announced (total) failures, 5xx rate, latency and
dropped responses. Switched by CLI flags (FaultConfig) and by /_sandbox/ endpoints.

Announcements live as Latarnia messages in the state (so they persist): every event has
an ``eventId``; its latest message gives its start and end. While an event is active
(start <= now < end, or no end) every /v2 path answers 503.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ksef_desktop.sandbox.util import iso, parse_iso

if TYPE_CHECKING:
    from ksef_desktop.sandbox.core import SandboxCore

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
    def __init__(self, core: SandboxCore) -> None:
        self.core = core
        cfg = core.config.faults
        self._lock = threading.Lock()
        self.error_rate = cfg.error_rate
        self.latency_ms = cfg.latency_ms
        self.drop_count = cfg.drop_responses
        self.drop_method: str | None = None
        self.drop_path_contains: str | None = None
        self._random = random.Random()  # noqa: S311 - fault injection, not cryptography

    def apply_start_flags(self) -> None:
        cfg = self.core.config.faults
        if cfg.unavailable:
            self.announce(MAINTENANCE, self.core.now(), None)
        if cfg.failure:
            self.announce(FAILURE, self.core.now(), None)
        if cfg.total_failure:
            self.announce(TOTAL_FAILURE, self.core.now(), None)

    # --- announcements (Latarnia) ----------------------------------------------------

    def events(self) -> list[Event]:
        latest: dict[int, dict[str, Any]] = {}
        with self.core.state.lock:
            for message in self.core.state.latarnia_messages:
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
        state = self.core.state
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
                "published": iso(self.core.now()),
            }
            state.latarnia_messages.append(message)
            state.touch()
        return message

    def announce(self, category: str, start: datetime, end: datetime | None) -> dict[str, Any]:
        with self.core.state.lock:
            event_id = 1 + max((e.event_id for e in self.events()), default=0)
            kind = "MAINTENANCE_ANNOUNCEMENT" if category == MAINTENANCE else "FAILURE_START"
            return self._publish(Event(event_id, category, start, end), kind)

    def end_events(self, categories: tuple[str, ...]) -> list[dict[str, Any]]:
        """End now every active (or upcoming) event of these categories."""
        now = self.core.now()
        ended = []
        with self.core.state.lock:
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
        now = self.core.now()
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
        with self._lock:
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
        self.end_events((MAINTENANCE, FAILURE, TOTAL_FAILURE))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "errorRate": self.error_rate,
                "latencyMs": self.latency_ms,
                "dropResponses": self.drop_count,
                "dropMethod": self.drop_method,
                "dropPathContains": self.drop_path_contains,
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
