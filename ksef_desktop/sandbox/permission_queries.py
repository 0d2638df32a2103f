"""Reading permissions: POST /permissions/query/{personal,persons,subunits,entities,
authorizations,eu-entities}/grants, GET /permissions/query/entities/roles, POST
/permissions/query/subordinate-entities/roles. Paged by pageOffset/pageSize (10..100),
sorted startDate desc, id asc; ``ownerPermissions`` (2.9.0) in the personal query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.helpers import int_param, parse_json_object
from ksef_desktop.sandbox.identity import ident, is_owner, owner_permissions, same
from ksef_desktop.sandbox.routing import Route
from ksef_desktop.sandbox.state import GrantRecord
from ksef_desktop.sandbox.util import Request, Response, iso, json_response

READ = ("CredentialsManage", "CredentialsRead")


def _body(req: Request) -> dict[str, Any]:
    return parse_json_object(req) if req.body.strip() else {}


def _page(
    req: Request, grants: list[GrantRecord], view: Callable[[GrantRecord], dict[str, Any]], key: str
) -> dict[str, Any]:
    size = int_param(req, "pageSize", 10, 10, 100)
    page = int_param(req, "pageOffset", 0, 0, 1_000_000)
    grants = sorted(grants, key=lambda g: g.permission_id)
    grants.sort(key=lambda g: g.start, reverse=True)
    items = [view(g) for g in grants[page * size : (page + 1) * size]]
    return {key: items, "hasMore": (page + 1) * size < len(grants)}


def _person_details(grant: GrantRecord) -> dict[str, Any] | None:
    details = grant.details.get("subjectDetails")
    if not isinstance(details, dict):
        return None
    kind = details.get("subjectDetailsType")
    inner = details.get(
        {
            "PersonByIdentifier": "personById",
            "PersonByFingerprintWithIdentifier": "personByFpWithId",
            "PersonByFingerprintWithoutIdentifier": "personByFpNoId",
        }.get(str(kind), "")
    )
    if not isinstance(inner, dict):
        return None
    out = {
        "subjectDetailsType": kind,
        "firstName": inner.get("firstName"),
        "lastName": inner.get("lastName"),
    }
    for name, field in (
        ("identifier", "personIdentifier"),
        ("birthDate", "birthDate"),
        ("idDocument", "idDocument"),
    ):
        if inner.get(name) is not None:
            out[field] = inner[name]
    return out


def _person_view(g: GrantRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": g.permission_id,
        "authorizedIdentifier": g.subject,
        "contextIdentifier": g.context if g.kind != "indirect" else None,
        "targetIdentifier": g.target,
        "authorIdentifier": g.author,
        "permissionScope": g.scope,
        "description": g.description,
        "permissionState": "Active" if g.active else "Inactive",
        "startDate": iso(g.start),
        "canDelegate": g.can_delegate,
    }
    details = _person_details(g)
    if details is not None:
        out["subjectPersonDetails"] = details
    return {k: v for k, v in out.items() if v is not None}


def _state_ok(g: GrantRecord, body: dict[str, Any]) -> bool:
    wanted = body.get("permissionState")
    return wanted is None or (wanted == "Active") == g.active


def personal(core: SandboxCore, req: Request) -> Response:
    body = _body(req)
    op = core.state.auth_operations.get(req.principal.auth_reference)
    subject = op.subject if op is not None and op.subject else ident("Nip", req.context_nip or "")
    types = body.get("permissionTypes")
    with core.state.lock:
        found = [
            g
            for g in core.state.grants.values()
            if g.kind in ("person", "indirect", "entity", "subunit", "euAdmin", "euEntity")
            and same(g.subject, subject)
            and _state_ok(g, body)
            and (not types or g.scope in types)
            and (
                body.get("contextIdentifier") is None or same(g.context, body["contextIdentifier"])
            )
        ]
        owner = is_owner(core, req.context_nip or "", subject)
        payload = _page(req, found, _personal_view, "permissions")
    payload["ownerPermissions"] = owner_permissions(core, req.context_nip or "") if owner else None
    return json_response(200, payload)


def _personal_view(g: GrantRecord) -> dict[str, Any]:
    out = _person_view(g)
    out.pop("authorIdentifier", None)
    return out


def persons(core: SandboxCore, req: Request) -> Response:
    body = _body(req)
    query_type = body.get("queryType")
    if query_type not in ("PermissionsInCurrentContext", "PermissionsGrantedInCurrentContext"):
        raise ApiError(21405, "Pole 'queryType' jest wymagane.")
    nip = req.context_nip or ""
    types = body.get("permissionTypes")
    with core.state.lock:
        found = [
            g
            for g in core.state.grants.values()
            if g.kind in ("person", "indirect", "subunit")
            and (
                same(g.context, ident("Nip", nip))
                if query_type == "PermissionsInCurrentContext"
                else g.context.get("value", "").split("-")[0] == nip
            )
            and _state_ok(g, body)
            and (not types or g.scope in types)
            and (
                body.get("authorizedIdentifier") is None
                or same(g.subject, body["authorizedIdentifier"])
            )
            and (body.get("authorIdentifier") is None or same(g.author, body["authorIdentifier"]))
        ]
        return json_response(200, _page(req, found, _person_view, "permissions"))


def subunits(core: SandboxCore, req: Request) -> Response:
    body = _body(req)
    nip = req.context_nip or ""
    with core.state.lock:
        found = [
            g
            for g in core.state.grants.values()
            if g.kind == "subunit"
            and g.active
            and g.context.get("value", "").split("-")[0] == nip
            and (
                body.get("subunitIdentifier") is None or same(g.context, body["subunitIdentifier"])
            )
        ]

        def view(g: GrantRecord) -> dict[str, Any]:
            out = {
                "id": g.permission_id,
                "authorizedIdentifier": g.subject,
                "subunitIdentifier": g.context,
                "authorIdentifier": g.author,
                "permissionScope": g.scope,
                "description": g.description,
                "subunitName": g.details.get("subunitName"),
                "startDate": iso(g.start),
            }
            details = _person_details(g)
            if details is not None:
                out["subjectPersonDetails"] = details
            return out

        return json_response(200, _page(req, found, view, "permissions"))


def entities(core: SandboxCore, req: Request) -> Response:
    body = _body(req)
    me = ident("Nip", req.context_nip or "")
    with core.state.lock:
        found = [
            g
            for g in core.state.grants.values()
            if g.kind == "entity"
            and g.active
            and same(g.subject, me)
            and (
                body.get("contextIdentifier") is None or same(g.context, body["contextIdentifier"])
            )
        ]

        def view(g: GrantRecord) -> dict[str, Any]:
            return {
                "id": g.permission_id,
                "contextIdentifier": g.context,
                "permissionScope": g.scope,
                "description": g.description,
                "startDate": iso(g.start),
                "canDelegate": g.can_delegate,
            }

        return json_response(200, _page(req, found, view, "permissions"))


def authorizations(core: SandboxCore, req: Request) -> Response:
    body = _body(req)
    query_type = body.get("queryType")
    if query_type not in ("Granted", "Received"):
        raise ApiError(21405, "Pole 'queryType' (Granted albo Received) jest wymagane.")
    me = ident("Nip", req.context_nip or "")
    types = body.get("permissionTypes")
    with core.state.lock:
        found = [
            g
            for g in core.state.grants.values()
            if g.kind == "authorization"
            and g.active
            and (same(g.context, me) if query_type == "Granted" else same(g.subject, me))
            and (not types or g.scope in types)
        ]

        def view(g: GrantRecord) -> dict[str, Any]:
            details = g.details.get("subjectDetails") or {}
            return {
                "id": g.permission_id,
                "authorIdentifier": g.author,
                "authorizedEntityIdentifier": g.subject,
                "authorizingEntityIdentifier": g.context,
                "authorizationScope": g.scope,
                "description": g.description,
                "subjectEntityDetails": {
                    "subjectDetailsType": "EntityByIdentifier",
                    "fullName": str(details.get("fullName", "")),
                },
                "startDate": iso(g.start),
            }

        return json_response(200, _page(req, found, view, "authorizationGrants"))


def eu_entities(core: SandboxCore, req: Request) -> Response:
    body = _body(req)
    nip = req.context_nip or ""
    with core.state.lock:
        found = [
            g
            for g in core.state.grants.values()
            if g.kind in ("euAdmin", "euEntity")
            and g.active
            and g.context.get("value", "").split("-")[0] == nip
            and (not body.get("permissionTypes") or g.scope in body["permissionTypes"])
        ]

        def view(g: GrantRecord) -> dict[str, Any]:
            vat = g.context.get("value", "").partition("-")[2]
            return {
                "id": g.permission_id,
                "authorIdentifier": g.author,
                "vatUeIdentifier": vat,
                "euEntityName": str(g.details.get("euEntityName") or "Podmiot unijny"),
                "authorizedFingerprintIdentifier": g.subject.get("value", ""),
                "permissionScope": g.scope,
                "description": g.description,
                "startDate": iso(g.start),
            }

        return json_response(200, _page(req, found, view, "permissions"))


def roles(core: SandboxCore, req: Request) -> Response:
    nip = req.context_nip or ""
    subjects: dict[str, Any] = core.state.testdata.get("subjects", {})
    found: list[dict[str, Any]] = []
    mine = subjects.get(nip)
    kinds = {
        "EnforcementAuthority": "EnforcementAuthority",
        "VatGroup": "VatGroupUnit",
        "JST": "LocalGovernmentUnit",
    }
    if mine is not None:
        found.append(
            {
                "role": kinds[mine["subjectType"]],
                "description": mine["description"],
                "startDate": mine["createdDate"],
            }
        )
    for parent, record in subjects.items():
        for unit in record.get("subunits") or []:
            if unit["subjectNip"] == nip:
                role = (
                    "VatGroupSubUnit"
                    if record["subjectType"] == "VatGroup"
                    else "LocalGovernmentSubUnit"
                )
                found.append(
                    {
                        "parentEntityIdentifier": ident("Nip", parent),
                        "role": role,
                        "description": unit["description"],
                        "startDate": record["createdDate"],
                    }
                )
    person = core.state.testdata.get("persons", {}).get(nip)
    if person is not None and person.get("isBailiff"):
        found.append(
            {
                "role": "CourtBailiff",
                "description": person["description"],
                "startDate": person["createdDate"],
            }
        )
    return json_response(200, {"roles": found, "hasMore": False})


def subordinate_roles(core: SandboxCore, req: Request) -> Response:
    body = _body(req)
    record = core.state.testdata.get("subjects", {}).get(req.context_nip or "")
    found = []
    if record is not None and record["subjectType"] in ("VatGroup", "JST"):
        role = (
            "VatGroupSubUnit" if record["subjectType"] == "VatGroup" else "LocalGovernmentSubUnit"
        )
        wanted = body.get("subordinateEntityIdentifier")
        for unit in record.get("subunits") or []:
            if wanted is None or wanted.get("value") == unit["subjectNip"]:
                found.append(
                    {
                        "subordinateEntityIdentifier": ident("Nip", unit["subjectNip"]),
                        "role": role,
                        "description": unit["description"],
                        "startDate": record["createdDate"],
                    }
                )
    return json_response(200, {"roles": found, "hasMore": False})


G = "other"
Q = "/permissions/query"
ROUTES = [
    Route("POST", f"{Q}/personal/grants", personal, G),
    Route("POST", f"{Q}/persons/grants", persons, G, permissions=(*READ, "SubunitManage")),
    Route("POST", f"{Q}/subunits/grants", subunits, G, permissions=(*READ, "SubunitManage")),
    Route("POST", f"{Q}/entities/grants", entities, G, permissions=READ),
    Route("GET", f"{Q}/entities/roles", roles, G, permissions=READ),
    Route(
        "POST",
        f"{Q}/subordinate-entities/roles",
        subordinate_roles,
        G,
        permissions=(*READ, "SubunitManage"),
    ),
    Route(
        "POST",
        f"{Q}/authorizations/grants",
        authorizations,
        G,
        permissions=(*READ, "PefInvoiceWrite"),
    ),
    Route("POST", f"{Q}/eu-entities/grants", eu_entities, G, permissions=(*READ, "VatUeManage")),
]
