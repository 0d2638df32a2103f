"""Bearer tokens: issuing authentication, access and refresh tokens, and checking the one
a request carries (every protected endpoint goes through ``authenticate_access``)."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

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
    method: str = "Token",
) -> tuple[str, IssuedToken]:
    now = core.now()
    jti = secrets.token_hex(16)
    record = IssuedToken(jti, kind, nip, auth_reference, now + lifetime, list(permissions), method)
    token_type = {"operation": "OperationToken", "access": "ContextToken"}.get(kind, "RefreshToken")
    claims = {
        "token-type": token_type,
        "context-identifier-type": "Nip",
        "context-identifier-value": nip,
        "authentication-method": method,
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


CHALLENGE_LIFETIME = timedelta(minutes=10)


OPERATION_TOKEN_LIFETIME = timedelta(minutes=45)


ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)


REFRESH_TOKEN_LIFETIME = timedelta(days=7)


STATUS_RETENTION = timedelta(days=7)


CHALLENGE_PATTERN = re.compile(r"\d{8}-CR-[A-F0-9]{10}-[A-F0-9]{10}-[A-F0-9]{2}")


NIP_PATTERN = re.compile(r"[1-9]((\d[1-9])|([1-9]\d))\d{7}")


def forget_old(core: SandboxCore) -> None:
    """Drop challenges and tokens nobody can use any more (the state lock is held)."""
    horizon = core.now() - timedelta(days=1)
    state = core.state
    for value in [v for v, c in state.challenges.items() if c.timestamp < horizon]:
        del state.challenges[value]
    for jti in [j for j, t in state.issued.items() if t.expires < horizon]:
        del state.issued[jti]


# AuthenticationMethod -> (AuthenticationMethodInfo category, code, display name).
METHODS: dict[str, tuple[str, str, str]] = {
    "Token": ("Token", "token", "Token KSeF"),
    "QualifiedSeal": ("XadesSignature", "xades.qualified-seal", "Pieczęć kwalifikowana"),
    "QualifiedSignature": ("XadesSignature", "xades.qualified-signature", "Podpis kwalifikowany"),
    "InternalCertificate": ("XadesSignature", "xades.ksef-certificate", "Certyfikat KSeF"),
}


def method_info(method: str) -> dict[str, Any]:
    category, code, name = METHODS.get(method, METHODS["Token"])
    return {"category": category, "code": code, "displayName": name}


def category_of(method: str) -> str:
    return METHODS.get(method, METHODS["Token"])[0]


BLOCKED = (
    480,
    "Uwierzytelnienie zablokowane",
    [
        "Podejrzenie incydentu bezpieczeństwa. Skontaktuj się z Ministerstwem Finansów przez "
        "formularz zgłoszeniowy."
    ],
)


def blocked(core: SandboxCore, kind: str, value: str) -> bool:
    """Authentication in this context was blocked by /testdata/context/block."""
    return f"{kind}:{value}" in core.state.testdata.get("blocked", [])
