"""Bearer tokens: issuing authentication, access and refresh tokens, and checking the one
a request carries (every protected endpoint goes through ``authenticate_access``)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import unauthorized
from ksef_desktop.sandbox.state import IssuedToken
from ksef_desktop.sandbox.util import Request


def issue_token(
    core: SandboxCore,
    kind: str,
    nip: str,
    auth_reference: str,
    lifetime: timedelta,
    permissions: list[str],
) -> tuple[str, IssuedToken]:
    now = core.now()
    jti = secrets.token_hex(16)
    record = IssuedToken(jti, kind, nip, auth_reference, now + lifetime, list(permissions))
    token_type = {"operation": "OperationToken", "access": "ContextToken"}.get(kind, "RefreshToken")
    claims = {
        "token-type": token_type,
        "context-identifier-type": "Nip",
        "context-identifier-value": nip,
        "authentication-method": "Token",
        "operation-reference-number": auth_reference,
        "jti": jti,
        "iat": int(now.timestamp()),
        "exp": int(record.expires.timestamp()),
        "iss": "ksef-sandbox",
        "aud": "ksef-sandbox",
    }
    with core.state.lock:
        core.state.issued[jti] = record
        core.state.touch()
    return core.jwt.make(claims), record


def check_bearer(core: SandboxCore, req: Request, kind: str) -> IssuedToken:
    token = req.bearer()
    if token is None:
        raise unauthorized("Brak tokenu w nagłówku Authorization.")
    claims = core.jwt.verify(token)
    jti = claims.get("jti") if claims else None
    with core.state.lock:
        record = core.state.issued.get(jti) if isinstance(jti, str) else None
    if record is None or record.kind != kind:
        raise unauthorized("Nieprawidłowy token.")
    if core.now() >= record.expires:
        raise unauthorized("Token wygasł.")
    return record


def authenticate_access(core: SandboxCore, req: Request) -> IssuedToken:
    record = check_bearer(core, req, "access")
    req.context_nip = record.nip
    req.principal = record
    return record
