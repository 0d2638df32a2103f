"""KSeF's session facts, said once: the kinds of session and what their status codes mean
(KSEF-PROTOCOL.md §3.2, §3.4; open-api.json 2.9.0, GET /sessions and /sessions/{ref}).

The client, the services and the window use these; the Sandbox keeps its own copy of the
protocol on purpose (it shares no protocol code with the client)."""

from __future__ import annotations

from enum import StrEnum


class SessionKind(StrEnum):
    """Online or batch. The value is how the program records and words it; ``api`` is how
    KSeF spells it in GET /sessions (``sessionType``)."""

    ONLINE = "online"
    BATCH = "batch"

    @property
    def api(self) -> str:
        return self.value.capitalize()

    @classmethod
    def from_api(cls, text: str) -> SessionKind:
        return cls(text.lower())


#: Session status codes while KSeF still works on a session, by kind.
IN_PROGRESS: dict[SessionKind, frozenset[int]] = {
    SessionKind.ONLINE: frozenset({100, 170}),
    SessionKind.BATCH: frozenset({100, 150}),
}
#: Final session statuses after which per-invoice results exist.
PROCESSED = frozenset({200, 445})
#: Session status codes after which nothing changes any more.
FINAL_CODES = frozenset({200, 405, 415, 420, 430, 435, 440, 445, 500})
#: The status filter values of GET /sessions.
STATUS_FILTERS = ("InProgress", "Succeeded", "Failed", "Cancelled")
#: An invoice's status code when KSeF already has the same invoice (a duplicate).
DUPLICATE = 440
