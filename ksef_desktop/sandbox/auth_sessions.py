"""Authentication sessions: GET /auth/sessions, DELETE /auth/sessions/current and
/auth/sessions/{ref}. Revoking a session stops its refresh token (21301 on refresh);
access tokens already issued stay valid until they expire, as on the real API.
"""

from __future__ import annotations

from typing import Any

from ksef_desktop.sandbox.access import check_bearer
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import ApiError, ProblemError
from ksef_desktop.sandbox.helpers import continuation_offset, next_token, page_size
from ksef_desktop.sandbox.routing import AUTH_CUSTOM, Route
from ksef_desktop.sandbox.state import AuthOperation, IssuedToken
from ksef_desktop.sandbox.util import Request, Response, iso, json_response

REVOKED = (425, "Uwierzytelnienie unieważnione")
REVOKED_DETAIL = (
    "Uwierzytelnienie i powiązane refresh tokeny zostały unieważnione przez użytkownika"
)


def _caller(core: SandboxCore, req: Request) -> IssuedToken:
    """An access token, or a refresh token where the API allows it."""
    try:
        return check_bearer(core, req, "access")
    except ProblemError:
        return check_bearer(core, req, "refresh")


def revoke(core: SandboxCore, op: AuthOperation) -> None:
    with core.state.lock:
        op.status_code, op.status_description = REVOKED
        op.status_details = [REVOKED_DETAIL]
        core.state.touch()


def _item(op: AuthOperation, current: str) -> dict[str, Any]:
    return {
        "referenceNumber": op.reference_number,
        "isCurrent": op.reference_number == current,
        "startDate": iso(op.start),
        "authenticationMethod": "Token",
        "authenticationMethodInfo": {
            "category": "Token",
            "code": "token",
            "displayName": "Token KSeF",
        },
        "status": {"code": op.status_code, "description": op.status_description},
        "isTokenRedeemed": op.redeemed,
        "lastTokenRefreshDate": iso(op.last_refresh) if op.last_refresh else None,
        "refreshTokenValidUntil": iso(op.refresh_valid_until) if op.refresh_valid_until else None,
    }


def list_sessions(core: SandboxCore, req: Request) -> Response:
    caller = _caller(core, req)
    size = page_size(req, high=100)
    offset = continuation_offset(req)
    now = core.now()
    with core.state.lock:
        active = [
            op
            for op in core.state.auth_operations.values()
            if op.nip == caller.nip
            and op.redeemed
            and op.status_code == 200
            and op.refresh_valid_until is not None
            and op.refresh_valid_until > now
        ]
        active.sort(key=lambda op: op.start, reverse=True)
        items = [_item(op, caller.auth_reference) for op in active[offset : offset + size]]
    return json_response(
        200, {"continuationToken": next_token(offset, size, len(active)), "items": items}
    )


def revoke_current(core: SandboxCore, req: Request) -> Response:
    caller = _caller(core, req)
    with core.state.lock:
        op = core.state.auth_operations[caller.auth_reference]
    revoke(core, op)
    return Response(204)


def revoke_one(core: SandboxCore, req: Request) -> Response:
    caller = _caller(core, req)
    ref = req.params["referenceNumber"]
    with core.state.lock:
        op = core.state.auth_operations.get(ref)
    if op is None or op.nip != caller.nip:
        raise ApiError(21405, f"Sesja uwierzytelnienia {ref} nie została odnaleziona.")
    revoke(core, op)
    return Response(204)


ROUTES = [
    Route("GET", "/auth/sessions", list_sessions, "other", AUTH_CUSTOM),
    Route("DELETE", "/auth/sessions/current", revoke_current, "other", AUTH_CUSTOM),
    Route("DELETE", "/auth/sessions/{referenceNumber}", revoke_one, "other", AUTH_CUSTOM),
]
