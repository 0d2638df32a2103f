"""Granting and revoking permissions (KSEF-PROTOCOL.md §8, uprawnienia.md): persons,
entities, entity authorisations, indirect grants, subunit administrators, EU entities;
revocation; the asynchronous operation status; the attachment consent of the context.

Every grant answers 202 with an operation reference; the operation is decided at once
(and shown after ``processing_delay``): 200, or the documented 4xx status when the
grant is not allowed (e.g. EnforcementOperations for a context that is no enforcement
authority: 430). A grant gives one record per scope, each with its own permission id;
grants take effect in the logins that follow (identity.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import ApiError, gone
from ksef_desktop.sandbox.helpers import parse_json_object, require_str
from ksef_desktop.sandbox.identity import ENFORCEMENT, ident, owner_permissions
from ksef_desktop.sandbox.routing import Route
from ksef_desktop.sandbox.state import GrantRecord, PermissionOperation
from ksef_desktop.sandbox.util import Request, Response, iso, json_response, reference_number

OPERATION_STATUS = {
    100: "Operacja przyjęta do realizacji",
    200: "Operacja zakończona sukcesem",
    400: "Operacja zakończona niepowodzeniem",
    410: "Podane identyfikatory są niezgodne lub pozostają w niewłaściwej relacji",
    430: "Kontekst identyfikatora nie odpowiada wymaganej roli lub uprawnieniom",
    450: "Operacja niedozwolona dla wskazanego identyfikatora lub jego typu",
}
RETENTION = timedelta(days=30)
PERSON_SCOPES = (
    "CredentialsManage",
    "CredentialsRead",
    "InvoiceWrite",
    "InvoiceRead",
    "Introspection",
    "SubunitManage",
    "EnforcementOperations",
    "CollectiveIdentifierManage",
)
ENTITY_SCOPES = ("InvoiceWrite", "InvoiceRead", "CollectiveIdentifierManage")
AUTHORIZATIONS = ("SelfInvoicing", "RRInvoicing", "TaxRepresentative", "PefInvoicing")
MANAGE = ("CredentialsManage",)


def _identifier(body: dict[str, Any], name: str, types: tuple[str, ...]) -> dict[str, str]:
    value = body.get(name)
    if (
        not isinstance(value, dict)
        or value.get("type") not in types
        or (value.get("type") != "AllPartners" and not isinstance(value.get("value"), str))
    ):
        raise ApiError(21405, f"Pole '{name}' (type: {', '.join(types)}; value) jest wymagane.")
    out = {"type": str(value["type"])}
    if isinstance(value.get("value"), str):
        out["value"] = (
            str(value["value"]).upper() if out["type"] == "Fingerprint" else value["value"]
        )
    return out


def _description(body: dict[str, Any]) -> str:
    text = require_str(body, "description")
    if not 5 <= len(text) <= 256:
        raise ApiError(21405, "Pole 'description' ma od 5 do 256 znaków.")
    return text


def _scopes(body: dict[str, Any], allowed: tuple[str, ...]) -> list[tuple[str, bool]]:
    raw = body.get("permissions")
    if not isinstance(raw, list) or not raw:
        raise ApiError(21405, "Pole 'permissions' jest wymagane.")
    out: list[tuple[str, bool]] = []
    for item in raw:
        scope, delegate = (
            (item.get("type"), bool(item.get("canDelegate")))
            if isinstance(item, dict)
            else (item, False)
        )
        if scope not in allowed:
            raise ApiError(21405, f"Uprawnienie {scope} jest niedozwolone; dozwolone: {allowed}.")
        out.append((str(scope), delegate))
    return out


def _operation(core: SandboxCore, req: Request, code: int, details: list[str]) -> Response:
    now = core.now()
    ref = reference_number("EG", now)
    ready = now + timedelta(seconds=core.config.processing_delay)
    with core.state.lock:
        core.state.permission_operations[ref] = PermissionOperation(
            ref, req.context_nip or "", now, ready, code, details
        )
        core.state.touch()
    return json_response(202, {"referenceNumber": ref})


def _author(core: SandboxCore, req: Request) -> dict[str, str]:
    op = core.state.auth_operations.get(req.principal.auth_reference)
    if op is not None and op.subject:
        return dict(op.subject)
    return ident("Nip", req.context_nip or "")


def _grant(
    core: SandboxCore,
    req: Request,
    kind: str,
    subject: dict[str, str],
    scopes: list[tuple[str, bool]],
    body: dict[str, Any],
    *,
    context: dict[str, str] | None = None,
    target: dict[str, str] | None = None,
) -> Response:
    description = _description(body)
    details = {k: body[k] for k in body if k.endswith("Details") or k.endswith("Name")}
    with core.state.lock:
        author = _author(core, req)
        for scope, delegate in scopes:
            record = GrantRecord(
                permission_id=str(uuid.uuid4()),
                kind=kind,
                context=context or ident("Nip", req.context_nip or ""),
                subject=subject,
                scope=scope,
                description=description,
                author=author,
                start=core.now(),
                can_delegate=delegate,
                target=target,
                details=details,
            )
            core.state.grants[record.permission_id] = record
        core.state.touch()
    return _operation(core, req, 200, [])


def grant_persons(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    subject = _identifier(body, "subjectIdentifier", ("Nip", "Pesel", "Fingerprint"))
    scopes = _scopes(body, PERSON_SCOPES)
    if not isinstance(body.get("subjectDetails"), dict):
        raise ApiError(21405, "Pole 'subjectDetails' jest wymagane.")
    if any(s == ENFORCEMENT for s, _ in scopes) and ENFORCEMENT not in owner_permissions(
        core, req.context_nip or ""
    ):
        return _operation(core, req, 430, ["Kontekst nie jest organem egzekucyjnym."])
    return _grant(core, req, "person", subject, scopes, body)


def grant_entities(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    subject = _identifier(body, "subjectIdentifier", ("Nip",))
    return _grant(core, req, "entity", subject, _scopes(body, ENTITY_SCOPES), body)


def grant_authorizations(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    subject = _identifier(body, "subjectIdentifier", ("Nip", "PeppolId"))
    scope = body.get("permission")
    if scope not in AUTHORIZATIONS:
        raise ApiError(21405, f"Pole 'permission': {', '.join(AUTHORIZATIONS)}.")
    return _grant(core, req, "authorization", subject, [(str(scope), False)], body)


def grant_indirect(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    subject = _identifier(body, "subjectIdentifier", ("Nip", "Pesel", "Fingerprint"))
    target = (
        _identifier(body, "targetIdentifier", ("Nip", "AllPartners", "InternalId"))
        if body.get("targetIdentifier") is not None
        else {"type": "AllPartners"}
    )
    scopes = _scopes(body, ENTITY_SCOPES)
    if target["type"] == "Nip" and not any(
        g.active
        and g.kind == "entity"
        and g.can_delegate
        and g.context == target
        and g.subject == ident("Nip", req.context_nip or "")
        for g in core.state.grants.values()
    ):
        return _operation(core, req, 410, ["Klient nie nadał uprawnień z prawem przekazania."])
    return _grant(core, req, "indirect", subject, scopes, body, target=target)


def grant_subunits(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    subject = _identifier(body, "subjectIdentifier", ("Nip", "Pesel", "Fingerprint"))
    context = _identifier(body, "contextIdentifier", ("InternalId", "Nip"))
    nip = req.context_nip or ""
    if context["type"] == "InternalId" and not context["value"].startswith(nip + "-"):
        return _operation(core, req, 410, ["Identyfikator wewnętrzny innego podmiotu."])
    scopes = [("CredentialsManage", False)]
    return _grant(core, req, "subunit", subject, scopes, body, context=context)


def grant_eu_admin(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    subject = _identifier(body, "subjectIdentifier", ("Fingerprint",))
    context = _identifier(body, "contextIdentifier", ("NipVatUe",))
    if not context["value"].startswith((req.context_nip or "") + "-"):
        return _operation(core, req, 410, ["Kontekst złożony innego podmiotu."])
    scopes = [(s, False) for s in ("VatUeManage", "InvoiceWrite", "InvoiceRead", "Introspection")]
    return _grant(core, req, "euAdmin", subject, scopes, body, context=context)


def grant_eu(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    subject = _identifier(body, "subjectIdentifier", ("Fingerprint",))
    return _grant(
        core, req, "euEntity", subject, _scopes(body, ("InvoiceWrite", "InvoiceRead")), body
    )


def _revoke(core: SandboxCore, req: Request, kinds: Callable[[str], bool]) -> Response:
    pid = req.params["permissionId"]
    with core.state.lock:
        record = core.state.grants.get(pid)
        nip = req.context_nip or ""
        if (
            record is None
            or not record.active
            or not kinds(record.kind)
            or not (record.context.get("value", "").split("-")[0] == nip)
        ):
            raise ApiError(21405, f"Uprawnienie o identyfikatorze {pid} nie istnieje.")
        record.active = False
        core.state.touch()
    return _operation(core, req, 200, [])


def revoke_common(core: SandboxCore, req: Request) -> Response:
    return _revoke(core, req, lambda kind: kind != "authorization")


def revoke_authorization(core: SandboxCore, req: Request) -> Response:
    return _revoke(core, req, lambda kind: kind == "authorization")


def operation_status(core: SandboxCore, req: Request) -> Response:
    ref = req.params["referenceNumber"]
    with core.state.lock:
        op = core.state.permission_operations.get(ref)
    if op is None or op.nip != req.context_nip:
        raise ApiError(21405, f"Operacja o numerze referencyjnym {ref} nie istnieje.")
    now = core.now()
    if now - op.created > RETENTION:
        raise gone()
    code = op.status_code if now >= op.ready_at else 100
    status: dict[str, Any] = {"code": code, "description": OPERATION_STATUS[code]}
    if code != 100 and op.status_details:
        status["details"] = op.status_details
    return json_response(200, {"status": status})


def attachments_status(core: SandboxCore, req: Request) -> Response:
    consent = core.state.testdata.get("attachments", {}).get(req.context_nip or "", {})
    revoked = consent.get("revokedDate")
    return json_response(
        200,
        {
            "isAttachmentAllowed": bool(consent.get("allowed")),
            "revokedDate": iso(revoked) if revoked is not None else None,
        },
    )


G = "other"
ROUTES = [
    Route("POST", "/permissions/persons/grants", grant_persons, G, permissions=MANAGE),
    Route("POST", "/permissions/entities/grants", grant_entities, G, permissions=MANAGE),
    Route(
        "POST", "/permissions/authorizations/grants", grant_authorizations, G, permissions=MANAGE
    ),
    Route("POST", "/permissions/indirect/grants", grant_indirect, G, permissions=MANAGE),
    Route(
        "POST", "/permissions/subunits/grants", grant_subunits, G, permissions=("SubunitManage",)
    ),
    Route(
        "POST",
        "/permissions/eu-entities/administration/grants",
        grant_eu_admin,
        G,
        permissions=MANAGE,
    ),
    Route("POST", "/permissions/eu-entities/grants", grant_eu, G, permissions=("VatUeManage",)),
    Route(
        "DELETE",
        "/permissions/common/grants/{permissionId}",
        revoke_common,
        G,
        permissions=("CredentialsManage", "VatUeManage", "SubunitManage"),
    ),
    Route(
        "DELETE",
        "/permissions/authorizations/grants/{permissionId}",
        revoke_authorization,
        G,
        permissions=MANAGE,
    ),
    Route("GET", "/permissions/operations/{referenceNumber}", operation_status, G),
    Route(
        "GET",
        "/permissions/attachments/status",
        attachments_status,
        G,
        permissions=("CredentialsManage", "CredentialsRead"),
    ),
]
