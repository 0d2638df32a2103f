"""Authentication endpoints (KSEF-PROTOCOL.md §2): one function per endpoint."""

from __future__ import annotations

from ksef_desktop.ksef.errors import ProtocolError
from ksef_desktop.ksef.models import (
    AuthenticationChallengeResponse,
    AuthenticationInitResponse,
    AuthenticationOperationStatusResponse,
    AuthenticationTokenRefreshResponse,
    AuthenticationTokensResponse,
    InitTokenAuthenticationRequest,
    PublicKeyCertificate,
)
from ksef_desktop.ksef.models_access import AuthenticationListResponse
from ksef_desktop.ksef.transport import Transport


def security_public_key_certificates(t: Transport) -> list[PublicKeyCertificate]:
    """GET /security/public-key-certificates: the Ministry's encryption certificates."""
    data = t.json("GET", "/security/public-key-certificates")
    if not isinstance(data, list):
        raise ProtocolError("the certificate list is not a JSON array")
    return [PublicKeyCertificate.from_json(item) for item in data]


def auth_challenge(t: Transport) -> AuthenticationChallengeResponse:
    """POST /auth/challenge."""
    return AuthenticationChallengeResponse.from_json(t.json("POST", "/auth/challenge"))


def auth_ksef_token(
    t: Transport, request: InitTokenAuthenticationRequest
) -> AuthenticationInitResponse:
    """POST /auth/ksef-token (202)."""
    data = t.json("POST", "/auth/ksef-token", json=request.to_json(), expect=(202,))
    return AuthenticationInitResponse.from_json(data)


def auth_status(
    t: Transport, reference_number: str, authentication_token: str
) -> AuthenticationOperationStatusResponse:
    """GET /auth/{referenceNumber} with the authentication (operation) token."""
    data = t.json("GET", f"/auth/{reference_number}", bearer=authentication_token)
    return AuthenticationOperationStatusResponse.from_json(data)


def auth_token_redeem(t: Transport, authentication_token: str) -> AuthenticationTokensResponse:
    """POST /auth/token/redeem: access + refresh token, once per authentication."""
    data = t.json("POST", "/auth/token/redeem", bearer=authentication_token)
    return AuthenticationTokensResponse.from_json(data)


def auth_token_refresh(t: Transport, refresh_token: str) -> AuthenticationTokenRefreshResponse:
    """POST /auth/token/refresh: a new access token."""
    data = t.json("POST", "/auth/token/refresh", bearer=refresh_token)
    return AuthenticationTokenRefreshResponse.from_json(data)


def auth_xades_signature(
    t: Transport, signed: bytes, *, verify_certificate_chain: bool | None = None
) -> AuthenticationInitResponse:
    """POST /auth/xades-signature (202): a signed ``AuthTokenRequest``."""
    params = (
        None
        if verify_certificate_chain is None
        else {"verifyCertificateChain": "true" if verify_certificate_chain else "false"}
    )
    data = t.json(
        "POST",
        "/auth/xades-signature",
        content=signed,
        params=params,
        headers={"Content-Type": "application/xml"},
        expect=(202,),
    )
    return AuthenticationInitResponse.from_json(data)


def auth_sessions(
    t: Transport, *, page_size: int = 100, continuation_token: str | None = None
) -> AuthenticationListResponse:
    """GET /auth/sessions: the context's active authentications, one page."""
    headers = {"x-continuation-token": continuation_token} if continuation_token else None
    data = t.json(
        "GET",
        "/auth/sessions",
        params={"pageSize": page_size},
        headers=headers,
        access=True,
        group="other",
    )
    return AuthenticationListResponse.from_json(data)


def auth_sessions_revoke_current(t: Transport) -> None:
    """DELETE /auth/sessions/current (204): this login's refresh token stops working."""
    t.request("DELETE", "/auth/sessions/current", access=True, expect=(204,), group="other")


def auth_sessions_revoke(t: Transport, reference_number: str) -> None:
    """DELETE /auth/sessions/{referenceNumber} (204)."""
    t.request(
        "DELETE", f"/auth/sessions/{reference_number}", access=True, expect=(204,), group="other"
    )
