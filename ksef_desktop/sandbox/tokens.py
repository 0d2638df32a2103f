"""KSeF tokens: POST /tokens, GET /tokens (filters, paging), GET and DELETE /tokens/{ref}."""

from __future__ import annotations

from typing import Any

from ksef_desktop.sandbox.access import category_of
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import ApiError, method_not_allowed
from ksef_desktop.sandbox.helpers import (
    continuation_offset,
    next_token,
    page_size,
    parse_json_object,
    require_str,
)
from ksef_desktop.sandbox.routing import Route
from ksef_desktop.sandbox.state import KsefTokenRecord
from ksef_desktop.sandbox.util import Request, Response, iso, json_response

PERMISSIONS = (
    "InvoiceRead",
    "InvoiceWrite",
    "CredentialsRead",
    "CredentialsManage",
    "SubunitManage",
    "EnforcementOperations",
    "Introspection",
    "CollectiveIdentifierManage",
)
STATUSES = ("Pending", "Active", "Revoking", "Revoked", "Failed")
MANAGE = ("CredentialsManage",)
READ = ("CredentialsRead", "CredentialsManage")


def token_json(record: KsefTokenRecord) -> dict[str, Any]:
    return {
        "referenceNumber": record.reference_number,
        "authorIdentifier": record.author or {"type": "Nip", "value": record.nip},
        "contextIdentifier": {"type": "Nip", "value": record.nip},
        "description": record.description,
        "requestedPermissions": record.permissions,
        "dateCreated": iso(record.date_created),
        "lastUseDate": iso(record.last_use_date) if record.last_use_date else None,
        "status": record.status,
        "statusDetails": [],
    }


def create_token(core: SandboxCore, req: Request) -> Response:
    """A new token: only after a login by signature, as on the real KSeF (tokeny-ksef.md)."""
    category = category_of(req.principal.method)
    if category != "XadesSignature":
        raise method_not_allowed(category)
    body = parse_json_object(req)
    description = require_str(body, "description")
    if not 5 <= len(description) <= 256:
        raise ApiError(21405, "Opis tokena musi mieć od 5 do 256 znaków.")
    permissions = body.get("permissions")
    if not isinstance(permissions, list) or not all(p in PERMISSIONS for p in permissions):
        raise ApiError(21405, f"Pole 'permissions' to lista wartości z: {', '.join(PERMISSIONS)}.")
    present = req.principal.permissions
    missing = [p for p in permissions if p not in present]
    if missing:
        raise ApiError(26001, f"Brakujące uprawnienia: {', '.join(missing)}.")
    assert req.context_nip is not None
    record = core.new_ksef_token(req.context_nip, description, list(dict.fromkeys(permissions)))
    with core.state.lock:
        op = core.state.auth_operations.get(req.principal.auth_reference)
        record.author = dict(op.subject) if op is not None and op.subject else None
        core.state.touch()
    return json_response(202, {"referenceNumber": record.reference_number, "token": record.token})


def list_tokens(core: SandboxCore, req: Request) -> Response:
    size = page_size(req, high=100)
    offset = continuation_offset(req)
    statuses = req.query.get("status", [])
    if any(s not in STATUSES for s in statuses):
        raise ApiError(21405, f"Parametr 'status' przyjmuje: {', '.join(STATUSES)}.")
    description = (req.query_one("description") or "").lower()
    author = (req.query_one("authorIdentifier") or "").lower()
    with core.state.lock:
        found = [
            t
            for t in core.state.tokens.values()
            if t.nip == req.context_nip
            and (not statuses or t.status in statuses)
            and description in t.description.lower()
            and author in t.nip.lower()
        ]
        found.sort(key=lambda t: t.date_created, reverse=True)
        return json_response(
            200,
            {
                "continuationToken": next_token(offset, size, len(found)),
                "tokens": [token_json(t) for t in found[offset : offset + size]],
            },
        )


def _find(core: SandboxCore, req: Request) -> KsefTokenRecord:
    ref = req.params["referenceNumber"]
    record = core.state.tokens.get(ref)
    if record is None or record.nip != req.context_nip:
        raise ApiError(21405, f"Token o numerze referencyjnym {ref} nie został odnaleziony.")
    return record


def get_token(core: SandboxCore, req: Request) -> Response:
    with core.state.lock:
        return json_response(200, token_json(_find(core, req)))


def revoke_token(core: SandboxCore, req: Request) -> Response:
    with core.state.lock:
        record = _find(core, req)
        record.status = "Revoked"
        core.state.touch()
    return Response(204)


ROUTES = [
    Route("POST", "/tokens", create_token, "other", permissions=MANAGE),
    Route("GET", "/tokens", list_tokens, "other", permissions=READ),
    Route("GET", "/tokens/{referenceNumber}", get_token, "other", permissions=READ),
    Route("DELETE", "/tokens/{referenceNumber}", revoke_token, "other", permissions=MANAGE),
]
