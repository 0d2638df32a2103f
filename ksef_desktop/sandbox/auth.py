"""Authentication: challenge, /auth/ksef-token, status, redeem, refresh (the XAdES path,
/auth/xades-signature, is auth_xades.py; both end in the same status, redeem, refresh).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ksef_desktop.sandbox.access import (
    ACCESS_TOKEN_LIFETIME,
    BLOCKED,
    CHALLENGE_LIFETIME,
    CHALLENGE_PATTERN,
    NIP_PATTERN,
    OPERATION_TOKEN_LIFETIME,
    REFRESH_TOKEN_LIFETIME,
    STATUS_RETENTION,
    blocked,
    check_bearer,
    forget_old,
    issue_token,
    method_info,
)
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.crypto import (
    KSEF_TOKEN_ENCRYPTION,
    DecryptionError,
    ServerKey,
    decrypt_with_any,
)
from ksef_desktop.sandbox.errors import ApiError, gone, unauthorized
from ksef_desktop.sandbox.helpers import parse_json_object, require_str
from ksef_desktop.sandbox.routing import AUTH_CUSTOM, AUTH_NONE, Route
from ksef_desktop.sandbox.state import AuthOperation, ChallengeRecord
from ksef_desktop.sandbox.util import (
    Request,
    Response,
    b64decode_strict,
    iso,
    json_response,
    reference_number,
)

IN_PROGRESS = (100, "Uwierzytelnianie w toku")
SUCCESS = (200, "Uwierzytelnianie zakończone sukcesem")
BAD_TOKEN = "Uwierzytelnianie zakończone niepowodzeniem z powodu błędnego tokenu"  # noqa: S105
BAD_CHALLENGE_DETAIL = "Nieprawidłowe wyzwanie autoryzacyjne"


# --- endpoints ------------------------------------------------------------------------


def public_key_certificates(core: SandboxCore, req: Request) -> Response:
    return json_response(200, [key.public_entry() for key in core.keys])


def challenge(core: SandboxCore, req: Request) -> Response:
    now = core.now()
    value = reference_number("CR", now)
    record = ChallengeRecord(value, now, int(now.timestamp() * 1000), req.client_ip)
    with core.state.lock:
        forget_old(core)
        core.state.challenges[value] = record
        core.state.touch()
    return json_response(
        200,
        {
            "challenge": value,
            "timestamp": iso(now),
            "timestampMs": record.timestamp_ms,
            "clientIp": req.client_ip,
        },
    )


def _verdict(
    core: SandboxCore, ch: ChallengeRecord, nip: str, encrypted: str, keys: list[ServerKey]
) -> tuple[int, str, list[str], str | None]:
    """(code, description, details, KSeF token reference) of one authentication."""
    now = core.now()
    if ch.used or now - ch.timestamp > CHALLENGE_LIFETIME:
        return 450, BAD_TOKEN, [BAD_CHALLENGE_DETAIL], None
    try:
        ciphertext = b64decode_strict(encrypted)
    except ValueError:
        return 450, BAD_TOKEN, ["Nieprawidłowe kodowanie tokena"], None
    try:
        plain = decrypt_with_any(keys, ciphertext)
    except DecryptionError:
        return 450, BAD_TOKEN, ["Nieprawidłowe szyfrowanie tokena"], None
    try:
        text = plain.decode("utf-8")
    except UnicodeDecodeError:
        return 450, BAD_TOKEN, ["Nieprawidłowe kodowanie tokena"], None
    token, sep, stamp = text.rpartition("|")
    if not sep or not stamp.isdigit():
        return 450, BAD_TOKEN, ["Nieprawidłowe kodowanie tokena"], None
    if int(stamp) != ch.timestamp_ms:
        return 450, BAD_TOKEN, ["Nieprawidłowy czas tokena"], None
    with core.state.lock:
        record = next((t for t in core.state.tokens.values() if t.token == token), None)
        if record is None:
            return 450, BAD_TOKEN, ["Nieprawidłowy token"], None
        if record.status in ("Revoked", "Revoking"):
            return 450, BAD_TOKEN, ["Token unieważniony"], record.reference_number
        if record.status != "Active":
            return 450, BAD_TOKEN, ["Token nieaktywny"], record.reference_number
        if record.nip != nip:
            detail = f"Token nie może być użyty w kontekście Nip:{nip}"
            return 450, BAD_TOKEN, [detail], record.reference_number
        if blocked(core, "Nip", nip):
            return (*BLOCKED, record.reference_number)
        record.last_use_date = now
    return SUCCESS[0], SUCCESS[1], [], record.reference_number


def ksef_token(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    value = require_str(body, "challenge")
    encrypted = require_str(body, "encryptedToken")
    context = body.get("contextIdentifier")
    if not isinstance(context, dict) or context.get("type") != "Nip":
        raise ApiError(21405, "Obsługiwany jest tylko kontekst typu Nip.")
    nip = context.get("value")
    if not isinstance(nip, str) or not NIP_PATTERN.fullmatch(nip):
        raise ApiError(21405, "Nieprawidłowy identyfikator kontekstu.")
    key_id = body.get("publicKeyId")
    keys = core.keys_for(KSEF_TOKEN_ENCRYPTION, key_id if isinstance(key_id, str) else None)
    with core.state.lock:
        ch = core.state.challenges.get(value) if CHALLENGE_PATTERN.fullmatch(value) else None
        if ch is None:
            raise ApiError(21111)
        code, description, details, token_ref = _verdict(core, ch, nip, encrypted, keys)
        ch.used = True
        now = core.now()
        ref = reference_number("AU", now)
        ready = now + timedelta(seconds=core.config.processing_delay)
        op = AuthOperation(ref, nip, now, ready, code, description, details, token_ref)
        token_record = core.state.tokens.get(token_ref or "")
        if token_record is not None:
            op.subject = token_record.author or {"type": "Nip", "value": token_record.nip}
        core.state.auth_operations[ref] = op
        core.state.touch()
    token, record = issue_token(core, "operation", nip, ref, OPERATION_TOKEN_LIFETIME, [])
    return json_response(
        202,
        {
            "referenceNumber": ref,
            "authenticationToken": {"token": token, "validUntil": iso(record.expires)},
        },
    )


def _operation_for(core: SandboxCore, req: Request, bearer_kind: str) -> AuthOperation:
    record = check_bearer(core, req, bearer_kind)
    wanted = req.params.get("referenceNumber", record.auth_reference)
    with core.state.lock:
        op = core.state.auth_operations.get(wanted)
    if op is None:
        raise ApiError(
            21304,
            f"Operacja uwierzytelniania o numerze referencyjnym {wanted} nie została znaleziona.",
        )
    if record.auth_reference != op.reference_number:
        raise unauthorized("Token nie dotyczy tej operacji uwierzytelniania.")
    return op


def _visible_status(core: SandboxCore, op: AuthOperation) -> tuple[int, str, list[str]]:
    if core.now() < op.ready_at:
        return IN_PROGRESS[0], IN_PROGRESS[1], []
    return op.status_code, op.status_description, op.status_details


def auth_status(core: SandboxCore, req: Request) -> Response:
    op = _operation_for(core, req, "operation")
    if core.now() - op.start > STATUS_RETENTION:
        raise gone()
    code, description, details = _visible_status(core, op)
    status: dict[str, Any] = {"code": code, "description": description}
    if details:
        status["details"] = details
    return json_response(
        200,
        {
            "startDate": iso(op.start),
            "authenticationMethod": op.method,
            "authenticationMethodInfo": method_info(op.method),
            "status": status,
            "isTokenRedeemed": op.redeemed,
            "lastTokenRefreshDate": iso(op.last_refresh) if op.last_refresh else None,
            "refreshTokenValidUntil": (
                iso(op.refresh_valid_until) if op.refresh_valid_until else None
            ),
        },
    )


def _token_still_valid(core: SandboxCore, op: AuthOperation) -> bool:
    """A token login stays valid while its KSeF token is active (a signature login has
    no token)."""
    if op.method != "Token":
        return True
    with core.state.lock:
        record = core.state.tokens.get(op.token_reference or "")
        return record is not None and record.status == "Active"


def _permissions(core: SandboxCore, op: AuthOperation) -> list[str]:
    if op.permissions is not None:
        return list(op.permissions)
    return list(core.state.tokens[op.token_reference or ""].permissions)


def redeem(core: SandboxCore, req: Request) -> Response:
    op = _operation_for(core, req, "operation")
    with core.state.lock:
        code, _, _ = _visible_status(core, op)
        if op.redeemed:
            raise ApiError(
                21301,
                f"Tokeny dla operacji uwierzytelniania {op.reference_number} zostały już pobrane.",
            )
        if code != 200:
            raise ApiError(
                21301, f"Status uwierzytelniania ({code}) nie pozwala na pobranie tokenów."
            )
        if not _token_still_valid(core, op):
            raise ApiError(21301, "Token KSeF został unieważniony.")
        op.redeemed = True
        permissions = _permissions(core, op)
    ref = op.reference_number
    access, access_rec = issue_token(
        core, "access", op.nip, ref, ACCESS_TOKEN_LIFETIME, permissions, op.method
    )
    refresh_token, refresh_rec = issue_token(
        core, "refresh", op.nip, ref, REFRESH_TOKEN_LIFETIME, permissions, op.method
    )
    with core.state.lock:
        op.refresh_valid_until = refresh_rec.expires
        core.state.touch()
    return json_response(
        200,
        {
            "accessToken": {"token": access, "validUntil": iso(access_rec.expires)},
            "refreshToken": {"token": refresh_token, "validUntil": iso(refresh_rec.expires)},
        },
    )


def refresh(core: SandboxCore, req: Request) -> Response:
    op = _operation_for(core, req, "refresh")
    if op.status_code != 200:
        raise ApiError(
            21301,
            f"Status uwierzytelniania ({op.status_code}) nie pozwala na odświeżenie "
            "tokenu dostępowego.",
        )
    if not _token_still_valid(core, op):
        raise ApiError(21301, "Token KSeF został unieważniony.")
    record = check_bearer(core, req, "refresh")
    access, access_rec = issue_token(
        core,
        "access",
        op.nip,
        op.reference_number,
        ACCESS_TOKEN_LIFETIME,
        record.permissions,
        op.method,
    )
    with core.state.lock:
        op.last_refresh = core.now()
        core.state.touch()
    return json_response(
        200, {"accessToken": {"token": access, "validUntil": iso(access_rec.expires)}}
    )


ROUTES = [
    Route(
        "GET", "/security/public-key-certificates", public_key_certificates, "anonymous", AUTH_NONE
    ),
    Route("POST", "/auth/challenge", challenge, "anonymous", AUTH_NONE),
    Route("POST", "/auth/ksef-token", ksef_token, "anonymous", AUTH_NONE),
    Route("POST", "/auth/token/redeem", redeem, "anonymous", AUTH_CUSTOM),
    Route("POST", "/auth/token/refresh", refresh, "anonymous", AUTH_CUSTOM),
    Route("GET", "/auth/{referenceNumber}", auth_status, "anonymous", AUTH_CUSTOM),
]
