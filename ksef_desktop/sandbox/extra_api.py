"""Small read-only endpoints: GET /rate-limits and GET /limits/context."""

from __future__ import annotations

from ksef_desktop.sandbox.core import DEFAULT_CONTEXT_LIMITS, SandboxCore
from ksef_desktop.sandbox.routing import Route
from ksef_desktop.sandbox.util import Request, Response, json_response


def rate_limits(core: SandboxCore, req: Request) -> Response:
    return json_response(200, core.limiter.effective())


def context_limits(core: SandboxCore, req: Request) -> Response:
    nip = req.context_nip or ""
    return json_response(
        200,
        {
            group: {name: core.context_limit(nip, group, name) for name in names}
            for group, names in DEFAULT_CONTEXT_LIMITS.items()
        },
    )


ROUTES = [
    Route("GET", "/rate-limits", rate_limits, "other"),
    Route("GET", "/limits/context", context_limits, "other"),
]
