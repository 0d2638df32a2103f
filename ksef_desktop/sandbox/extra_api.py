"""Small read-only endpoints: GET /rate-limits and GET /limits/context."""

from __future__ import annotations

from ksef_desktop.sandbox.core import DEFAULT_CONTEXT_LIMITS, SandboxCore
from ksef_desktop.sandbox.helpers import int_param
from ksef_desktop.sandbox.identity import subject_limits
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.util import Request, Response, json_response


def rate_limits(core: SandboxCore, req: Request) -> Response:
    return json_response(200, core.limiter.effective(req.context_nip or ""))


def limits_of_subject(core: SandboxCore, req: Request) -> Response:
    """GET /limits/subject: the certificate limits of the subject who logged in."""
    with core.state.lock:
        op = core.state.auth_operations.get(req.principal.auth_reference)
    subject = op.subject if op is not None and op.subject else {"type": "Nip"}
    enrollments, certificates = subject_limits(core, subject)
    return json_response(
        200,
        {
            "enrollment": {"maxEnrollments": enrollments},
            "certificate": {"maxCertificates": certificates},
        },
    )


def peppol_providers(core: SandboxCore, req: Request) -> Response:
    """GET /peppol/query: the Peppol service providers registered (the sandbox has none
    unless configured: an empty, well-formed page)."""
    int_param(req, "pageSize", 10, 10, 100)
    int_param(req, "pageOffset", 0, 0, 1_000_000)
    return json_response(200, {"peppolProviders": [], "hasMore": False})


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
    Route("GET", "/limits/subject", limits_of_subject, "other"),
    Route("GET", "/peppol/query", peppol_providers, "anonymous", AUTH_NONE),
]
