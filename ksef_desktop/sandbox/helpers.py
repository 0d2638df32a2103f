"""Request helpers shared by the endpoint modules: the JSON body and its fields, paging
and continuation tokens, the form code and encryption of a session, finding a session of
the context, who may see an invoice, and the answers of the pre-signed storage URLs.

Endpoint modules import this module (and the core), never each other.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import timedelta
from typing import Any

from ksef_desktop.fa3.schema import FA3_FORM_VALUE, FA3_SCHEMA_VERSION, FA3_SYSTEM_CODE
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.crypto import SYMMETRIC_KEY_ENCRYPTION, DecryptionError, decrypt_with_any
from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.processing import expire_sessions
from ksef_desktop.sandbox.state import InvoiceRecord, SessionRecord
from ksef_desktop.sandbox.util import Request, Response, b64decode_strict

SESSION_LIFETIME = timedelta(hours=12)  # online and batch sessions alike


def parse_json_object(req: Request) -> dict[str, Any]:
    try:
        body = json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(21405, f"Nieprawidłowy JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ApiError(21405, "Treść żądania musi być obiektem JSON.")
    return body


def require_str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ApiError(21405, f"Pole '{name}' jest wymagane.")
    return value


def page_size(req: Request, default: int = 10, low: int = 10, high: int = 1000) -> int:
    raw = req.query_one("pageSize")
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(21405, f"Parametr 'pageSize' musi być liczbą od {low} do {high}.")
    return int(raw)


def continuation_offset(req: Request) -> int:
    token = req.header("x-continuation-token")
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise ApiError(21418) from exc
    prefix, _, number = text.partition(":")
    if prefix != "offset" or not number.isdigit():
        raise ApiError(21418)
    return int(number)


def next_token(offset: int, size: int, total: int) -> str | None:
    if offset + size >= total:
        return None
    return base64.urlsafe_b64encode(f"offset:{offset + size}".encode()).decode("ascii")


ACCEPTED_FORMS = (
    {"systemCode": FA3_SYSTEM_CODE, "schemaVersion": FA3_SCHEMA_VERSION, "value": FA3_FORM_VALUE},
    # Accepted at session opening as on TEST; its invoices are refused (no FA(2) schema).
    {"systemCode": "FA (2)", "schemaVersion": "1-0E", "value": "FA"},
)


def form_code(body: dict[str, Any]) -> dict[str, str]:
    code = body.get("formCode")
    if not isinstance(code, dict):
        raise ApiError(21405, "Pole 'formCode' jest wymagane.")
    for wanted in ACCEPTED_FORMS:
        if {k: code.get(k) for k in wanted} == wanted:
            return dict(wanted)
    raise ApiError(21405, "Nieobsługiwany kod formularza; Sandbox przyjmuje FA (3) w wersji 1-0E.")


def session_key(core: SandboxCore, body: dict[str, Any]) -> tuple[bytes | None, bytes]:
    """(AES key or None when it cannot be decrypted, IV) from an EncryptionInfo."""
    enc = body.get("encryption")
    if not isinstance(enc, dict):
        raise ApiError(21405, "Pole 'encryption' jest wymagane.")
    encrypted_key = require_str(enc, "encryptedSymmetricKey")
    iv_text = require_str(enc, "initializationVector")
    key_id = enc.get("publicKeyId")
    keys = core.keys_for(SYMMETRIC_KEY_ENCRYPTION, key_id if isinstance(key_id, str) else None)
    try:
        iv = b64decode_strict(iv_text)
        wrapped = b64decode_strict(encrypted_key)
    except ValueError as exc:
        raise ApiError(21405, "Pola klucza i wektora muszą być w Base64.") from exc
    if len(iv) != 16:
        raise ApiError(21405, "Wektor inicjalizujący musi mieć 16 bajtów.")
    try:
        key: bytes | None = decrypt_with_any(keys, wrapped)
    except DecryptionError:
        key = None
    if key is not None and len(key) != 32:
        key = None
    return key, iv


def find_session(core: SandboxCore, req: Request, kind: str | None = None) -> SessionRecord:
    ref = req.params["referenceNumber"]
    expire_sessions(core)
    with core.state.lock:
        session = core.state.sessions.get(ref)
    if session is None or session.nip != req.context_nip or (kind and session.kind != kind):
        raise ApiError(21173, f"Sesja o numerze referencyjnym {ref} nie została odnaleziona.")
    return session


def visible_to(invoice: InvoiceRecord, nip: str | None, subject: str) -> bool:
    if subject == "Subject1":
        return invoice.nip == nip
    if subject == "Subject2":
        ident = invoice.meta.get("buyer", {}).get("identifier", {})
        return bool(ident.get("type") == "Nip" and ident.get("value") == nip)
    if subject == "Subject3":
        return any(
            p.get("identifier", {}).get("value") == nip
            for p in invoice.meta.get("thirdSubjects", [])
        )
    return False


def storage_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()
    return Response(status, body, "application/xml; charset=utf-8")


def signed(core: SandboxCore, req: Request) -> bool:
    return core.check_presigned(req.path, req.query_one("se"), req.query_one("sig"))


def denied() -> Response:
    return storage_error(403, "AuthenticationFailed", "Signature invalid or expired.")


def party_of(invoice: InvoiceRecord, nip: str | None) -> bool:
    return any(visible_to(invoice, nip, s) for s in ("Subject1", "Subject2", "Subject3"))


def int_param(req: Request, name: str, default: int, low: int, high: int) -> int:
    raw = req.query_one(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(21405, f"Parametr '{name}' musi być liczbą od {low} do {high}.")
    return int(raw)
