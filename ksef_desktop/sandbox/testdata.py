"""The Test environment's /testdata/* operations (the sandbox imitates Test): test
subjects and persons, permissions given directly, the attachment consent, blocking a
context's logins, and a context's session, certificate and rate limits.

What they set up lives in ``State.testdata`` (persisted) and is read by identity.py,
auth_xades.py, permissions.py, certificates.py and the limits; 30001 when a subject,
person or permission exists already.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from ksef_desktop.sandbox.access import NIP_PATTERN
from ksef_desktop.sandbox.core import DEFAULT_CONTEXT_LIMITS, SandboxCore
from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.helpers import parse_json_object, require_str
from ksef_desktop.sandbox.identity import GRANTABLE, ident, same
from ksef_desktop.sandbox.ratelimit import PRODUCTION
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.state import GrantRecord
from ksef_desktop.sandbox.util import Request, Response, iso, parse_iso

PESEL = re.compile(
    r"\d{2}(?:0[1-9]|1[0-2]|2[1-9]|3[0-2]|4[1-9]|5[0-2]|6[1-9]|7[0-2]|8[1-9]|9[0-2])\d{7}"
)
SUBJECT_TYPES = ("EnforcementAuthority", "VatGroup", "JST")


def _nip(body: dict[str, Any], name: str) -> str:
    value = require_str(body, name)
    if not NIP_PATTERN.fullmatch(value):
        raise ApiError(21405, f"Pole '{name}' musi być numerem NIP.")
    return value


def _description(body: dict[str, Any], name: str = "description") -> str:
    text = require_str(body, name)
    if not 5 <= len(text) <= 256:
        raise ApiError(21405, f"Pole '{name}' ma od 5 do 256 znaków.")
    return text


def _created(core: SandboxCore, body: dict[str, Any]) -> str:
    raw = body.get("createdDate")
    try:
        return iso(parse_iso(raw)) if isinstance(raw, str) else iso(core.now())
    except ValueError as exc:
        raise ApiError(21405, "Pole 'createdDate' musi być datą ISO-8601.") from exc


def _area(core: SandboxCore, name: str) -> dict[str, Any]:
    area: dict[str, Any] = core.state.testdata.setdefault(name, {})
    return area


def add_subject(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    nip = _nip(body, "subjectNip")
    kind = body.get("subjectType")
    if kind not in SUBJECT_TYPES:
        raise ApiError(21405, f"Pole 'subjectType': {', '.join(SUBJECT_TYPES)}.")
    units = []
    for unit in body.get("subunits") or []:
        if not isinstance(unit, dict):
            raise ApiError(21405, "Każda jednostka podrzędna to obiekt.")
        units.append({"subjectNip": _nip(unit, "subjectNip"), "description": _description(unit)})
    record = {
        "subjectType": kind,
        "description": _description(body),
        "subunits": units,
        "createdDate": _created(core, body),
    }
    with core.state.lock:
        subjects = _area(core, "subjects")
        if nip in subjects:
            raise ApiError(30001, f"Podmiot {nip} już istnieje.")
        subjects[nip] = record
        core.state.touch()
    return Response(200)


def remove_subject(core: SandboxCore, req: Request) -> Response:
    nip = _nip(parse_json_object(req), "subjectNip")
    with core.state.lock:
        _area(core, "subjects").pop(nip, None)
        core.state.touch()
    return Response(200)


def add_person(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    nip = _nip(body, "nip")
    pesel = require_str(body, "pesel")
    if not PESEL.fullmatch(pesel):
        raise ApiError(21405, "Pole 'pesel' musi być numerem PESEL.")
    if not isinstance(body.get("isBailiff"), bool):
        raise ApiError(21405, "Pole 'isBailiff' jest wymagane.")
    record = {
        "nip": nip,
        "pesel": pesel,
        "isBailiff": body["isBailiff"],
        "isDeceased": bool(body.get("isDeceased")),
        "description": _description(body),
        "createdDate": _created(core, body),
    }
    with core.state.lock:
        persons = _area(core, "persons")
        if nip in persons:
            raise ApiError(30001, f"Osoba o numerze NIP {nip} już istnieje.")
        persons[nip] = record
        core.state.touch()
    return Response(200)


def remove_person(core: SandboxCore, req: Request) -> Response:
    nip = _nip(parse_json_object(req), "nip")
    with core.state.lock:
        person = _area(core, "persons").pop(nip, None)
        if person is not None:  # "System automatycznie odbierze jej wszystkie uprawnienia."
            for grant in core.state.grants.values():
                if same(grant.subject, ident("Pesel", person["pesel"])):
                    grant.active = False
        core.state.touch()
    return Response(200)


def _context_and_subject(body: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    context, subject = body.get("contextIdentifier"), body.get("authorizedIdentifier")
    if not isinstance(context, dict) or context.get("type") != "Nip":
        raise ApiError(21405, "Pole 'contextIdentifier' (Nip) jest wymagane.")
    if not isinstance(subject, dict) or subject.get("type") not in ("Nip", "Pesel", "Fingerprint"):
        raise ApiError(21405, "Pole 'authorizedIdentifier' jest wymagane.")
    return ident("Nip", str(context.get("value"))), ident(
        str(subject["type"]), str(subject.get("value", "")).upper()
    )


def add_permissions(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    context, subject = _context_and_subject(body)
    items = body.get("permissions")
    if not isinstance(items, list) or not items:
        raise ApiError(21405, "Pole 'permissions' jest wymagane.")
    with core.state.lock:
        for item in items:
            scope = item.get("permissionType") if isinstance(item, dict) else None
            if scope not in GRANTABLE:
                raise ApiError(21405, f"Nieznany rodzaj uprawnienia {scope}.")
            record = GrantRecord(
                str(uuid.uuid4()),
                "person",
                context,
                subject,
                str(scope),
                _description(item),
                {"type": "System"},
                core.now(),
            )
            core.state.grants[record.permission_id] = record
        core.state.touch()
    return Response(200)


def revoke_permissions(core: SandboxCore, req: Request) -> Response:
    context, subject = _context_and_subject(parse_json_object(req))
    with core.state.lock:
        for grant in core.state.grants.values():
            if same(grant.context, context) and same(grant.subject, subject):
                grant.active = False
        core.state.touch()
    return Response(200)


def allow_attachments(core: SandboxCore, req: Request) -> Response:
    nip = _nip(parse_json_object(req), "nip")
    with core.state.lock:
        _area(core, "attachments")[nip] = {"allowed": True, "revokedDate": None}
        core.state.touch()
    return Response(200)


def revoke_attachments(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    nip = _nip(body, "nip")
    with core.state.lock:
        _area(core, "attachments")[nip] = {"allowed": False, "revokedDate": core.now()}
        core.state.touch()
    return Response(200)


def _context_key(req: Request) -> str:
    context = parse_json_object(req).get("contextIdentifier") if req.body.strip() else None
    if not isinstance(context, dict) or not isinstance(context.get("value"), str):
        raise ApiError(21405, "Pole 'contextIdentifier' jest wymagane.")
    return f"{context.get('type')}:{context['value']}"


def block(core: SandboxCore, req: Request) -> Response:
    key = _context_key(req)
    with core.state.lock:
        blocked: list[str] = core.state.testdata.setdefault("blocked", [])
        if key not in blocked:
            blocked.append(key)
        core.state.touch()
    return Response(200)


def unblock(core: SandboxCore, req: Request) -> Response:
    key = _context_key(req)
    with core.state.lock:
        blocked: list[str] = core.state.testdata.setdefault("blocked", [])
        if key in blocked:
            blocked.remove(key)
        core.state.touch()
    return Response(200)


_BOUNDS = {"maxInvoiceSizeInMB": 5, "maxInvoiceWithAttachmentSizeInMB": 10, "maxInvoices": 100_000}


def set_session_limits(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    limits: dict[str, dict[str, int]] = {}
    for group, names in DEFAULT_CONTEXT_LIMITS.items():
        values = body.get(group)
        if not isinstance(values, dict):
            raise ApiError(21405, f"Pole '{group}' jest wymagane.")
        limits[group] = {}
        for name in names:
            value = values.get(name)
            low, high = (2, 5000) if group == "collectiveIdentifier" else (0, _BOUNDS[name])
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ApiError(21405, f"Pole '{group}.{name}' musi być liczbą od {low} do {high}.")
            limits[group][name] = value
    with core.state.lock:
        core.context_limits[req.context_nip or ""] = limits
        core.state.touch()
    return Response(200)


def reset_session_limits(core: SandboxCore, req: Request) -> Response:
    with core.state.lock:
        core.context_limits.pop(req.context_nip or "", None)
    return Response(200)


def set_subject_limits(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    kind = body.get("subjectIdentifierType")
    if kind not in ("Nip", "Pesel", "Fingerprint"):
        raise ApiError(21405, "Pole 'subjectIdentifierType': Nip, Pesel, Fingerprint.")
    override: dict[str, int] = {}
    for group, name in (("enrollment", "maxEnrollments"), ("certificate", "maxCertificates")):
        value = (body.get(group) or {}).get(name)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ApiError(21405, f"Pole '{group}.{name}' musi być liczbą nieujemną.")
            override[name] = value
    with core.state.lock:
        _area(core, "subjectLimits")[str(kind)] = override
        core.state.touch()
    return Response(200)


def reset_subject_limits(core: SandboxCore, req: Request) -> Response:
    with core.state.lock:
        _area(core, "subjectLimits").clear()
        core.state.touch()
    return Response(200)


def set_rate_limits(core: SandboxCore, req: Request) -> Response:
    limits = parse_json_object(req).get("rateLimits")
    if not isinstance(limits, dict):
        raise ApiError(21405, "Pole 'rateLimits' jest wymagane.")
    override: dict[str, tuple[int, int, int]] = {}
    for group, values in limits.items():
        if group not in PRODUCTION or not isinstance(values, dict):
            raise ApiError(21405, f"Nieznana grupa limitów {group}.")
        numbers = [values.get(k) for k in ("perSecond", "perMinute", "perHour")]
        if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in numbers):
            raise ApiError(21405, f"Limity grupy {group} to dodatnie liczby całkowite.")
        override[group] = (int(numbers[0] or 0), int(numbers[1] or 0), int(numbers[2] or 0))
    core.limiter.override(req.context_nip or "", override)
    return Response(200)


def production_rate_limits(core: SandboxCore, req: Request) -> Response:
    production = {g: v for g, v in PRODUCTION.items() if g not in ("anonymous", "global")}
    core.limiter.override(req.context_nip or "", {g: v for g, v in production.items()})
    return Response(200)


def reset_rate_limits(core: SandboxCore, req: Request) -> Response:
    core.limiter.override(req.context_nip or "", None)
    return Response(200)


T = "/testdata"
ANON = "anonymous"
ROUTES = [
    Route("POST", f"{T}/subject", add_subject, ANON, AUTH_NONE),
    Route("POST", f"{T}/subject/remove", remove_subject, ANON, AUTH_NONE),
    Route("POST", f"{T}/person", add_person, ANON, AUTH_NONE),
    Route("POST", f"{T}/person/remove", remove_person, ANON, AUTH_NONE),
    Route("POST", f"{T}/permissions", add_permissions, ANON, AUTH_NONE),
    Route("POST", f"{T}/permissions/revoke", revoke_permissions, ANON, AUTH_NONE),
    Route("POST", f"{T}/attachment", allow_attachments, ANON, AUTH_NONE),
    Route("POST", f"{T}/attachment/revoke", revoke_attachments, ANON, AUTH_NONE),
    Route("POST", f"{T}/context/block", block, "other", AUTH_NONE),
    Route("POST", f"{T}/context/unblock", unblock, "other", AUTH_NONE),
    Route("POST", f"{T}/limits/context/session", set_session_limits, "other"),
    Route("DELETE", f"{T}/limits/context/session", reset_session_limits, "other"),
    Route("POST", f"{T}/limits/subject/certificate", set_subject_limits, "other"),
    Route("DELETE", f"{T}/limits/subject/certificate", reset_subject_limits, "other"),
    Route("POST", f"{T}/rate-limits", set_rate_limits, "other"),
    Route("DELETE", f"{T}/rate-limits", reset_rate_limits, "other"),
    Route("POST", f"{T}/rate-limits/production", production_rate_limits, "other"),
]
