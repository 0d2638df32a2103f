"""Small read-only endpoints: GET /rate-limits and GET /limits/context."""

from __future__ import annotations

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.routing import Route
from ksef_desktop.sandbox.util import Request, Response, json_response


def rate_limits(core: SandboxCore, req: Request) -> Response:
    return json_response(200, core.limiter.effective())


def context_limits(core: SandboxCore, req: Request) -> Response:
    limits = {"maxInvoiceSizeInMB": 1, "maxInvoiceWithAttachmentSizeInMB": 3, "maxInvoices": 10000}
    return json_response(200, {"onlineSession": limits, "batchSession": dict(limits)})


ROUTES = [
    Route("GET", "/rate-limits", rate_limits, "other"),
    Route("GET", "/limits/context", context_limits, "other"),
]
