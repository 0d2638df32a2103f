"""Latarnia (availability announcements): GET {latarnia}/status and /messages.

Shape from the official clients (KSEF-PROTOCOL.md §7): status is AVAILABLE,
MAINTENANCE, FAILURE or TOTAL_FAILURE; messages carry id, eventId, category, type
(FAILURE_START, FAILURE_END, MAINTENANCE_ANNOUNCEMENT), title, text, start, end,
version, published.
"""

from __future__ import annotations

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.faults import FAILURE, MAINTENANCE, TOTAL_FAILURE
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.util import Request, Response, json_response


def current_status(core: SandboxCore) -> str:
    active = core.faults.active_categories()
    for category in (TOTAL_FAILURE, FAILURE, MAINTENANCE):
        if category in active:
            return category
    return "AVAILABLE"


def status(core: SandboxCore, req: Request) -> Response:
    now = core.now()
    live = {e.event_id for e in core.faults.events() if e.end is None or e.end > now}
    with core.state.lock:
        messages = [m for m in core.state.latarnia_messages if m["eventId"] in live]
    return json_response(200, {"status": current_status(core), "messages": messages})


def messages(core: SandboxCore, req: Request) -> Response:
    with core.state.lock:
        return json_response(200, list(core.state.latarnia_messages))


ROUTES = [
    Route("GET", "/latarnia/status", status, auth=AUTH_NONE),
    Route("GET", "/latarnia/messages", messages, auth=AUTH_NONE),
]
