"""KSeF certificates (KSEF-PROTOCOL.md §8): limits, enrolment data, enrolment with a real
PKCS#10 check, its status, retrieval, revocation, query; issued by the sandbox's own CA
(ca.py) as real X.509 certificates with 16-hex-digit serials. Only after a login by
signature (a KSeF token login: 25001/25002, or 403 auth-method-not-allowed).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from ksef_desktop.sandbox.access import category_of
from ksef_desktop.sandbox.ca import (
    CsrRefused,
    check_csr,
    name_fields,
    new_serial,
    public_key_der,
    validity,
)
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import ApiError, gone, method_not_allowed
from ksef_desktop.sandbox.helpers import int_param, parse_json_object, require_str
from ksef_desktop.sandbox.identity import subject_limits
from ksef_desktop.sandbox.routing import Route
from ksef_desktop.sandbox.state import AuthOperation, CertificateRecord, EnrollmentRecord
from ksef_desktop.sandbox.util import (
    Request,
    Response,
    b64,
    b64decode_strict,
    iso,
    json_response,
    parse_iso,
    reference_number,
)

TYPES = ("Authentication", "Offline")
REASONS = ("Unspecified", "Superseded", "KeyCompromise")
STATUS_RETENTION = timedelta(days=30)
ENROLMENT_STATUS = {
    100: "Wniosek przyjęty do realizacji",
    200: "Wniosek obsłużony (certyfikat wygenerowany)",
    400: "Wniosek odrzucony",
}


def _login(core: SandboxCore, req: Request, code: int | None) -> AuthOperation:
    """The signature login behind the request (token logins: ``code`` or 403)."""
    category = category_of(req.principal.method)
    with core.state.lock:
        op = core.state.auth_operations.get(req.principal.auth_reference)
    if op is None or category != "XadesSignature" or op.subject is None:
        if code is not None:
            raise ApiError(code)
        raise method_not_allowed(category)
    return op


def enrolment_data(op: AuthOperation) -> dict[str, str]:
    """The subject attributes a CSR must carry: the login certificate's, and a unique
    identifier of the subject."""
    facts = dict((op.certificate or {}).get("subject", {}))
    facts.pop("uniqueIdentifier", None)
    subject = op.subject or {}
    facts["uniqueIdentifier"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ksef:{subject}"))
    facts.setdefault("commonName", subject.get("value", ""))
    facts.setdefault("countryName", "PL")
    return facts


def _counts(core: SandboxCore, subject: dict[str, str]) -> tuple[int, int]:
    now = core.now()
    enrolled = sum(1 for e in core.state.enrollments.values() if e.subject == subject)
    active = sum(
        1
        for c in core.state.certificates.values()
        if c.subject == subject and c.status == "Active" and c.valid_to > now
    )
    return enrolled, active


def limits(core: SandboxCore, req: Request) -> Response:
    op = _login(core, req, None)
    assert op.subject is not None
    with core.state.lock:
        enrolled, active = _counts(core, op.subject)
    max_enrol, max_certs = subject_limits(core, op.subject)
    left_enrol, left_certs = max(0, max_enrol - enrolled), max(0, max_certs - active)
    return json_response(
        200,
        {
            "canRequest": left_enrol > 0 and left_certs > 0,
            "enrollment": {"remaining": left_enrol, "limit": max_enrol},
            "certificate": {"remaining": left_certs, "limit": max_certs},
        },
    )


def data(core: SandboxCore, req: Request) -> Response:
    return json_response(200, enrolment_data(_login(core, req, 25001)))


def enrol(core: SandboxCore, req: Request) -> Response:
    op = _login(core, req, 25002)
    assert op.subject is not None
    body = parse_json_object(req)
    name = require_str(body, "certificateName")
    kind = body.get("certificateType")
    if not 5 <= len(name) <= 100 or kind not in TYPES:
        raise ApiError(21405, "certificateName (5-100 znaków) i certificateType są wymagane.")
    try:
        csr_der = b64decode_strict(require_str(body, "csr"))
        start = parse_iso(body["validFrom"]) if body.get("validFrom") else None
    except ValueError as exc:
        raise ApiError(21405, "Pola csr (Base64) albo validFrom (data) są błędne.") from exc
    try:
        check_csr(csr_der, enrolment_data(op))
    except CsrRefused as exc:
        raise ApiError(exc.code, exc.detail) from exc
    now = core.now()
    with core.state.lock:
        enrolled, active = _counts(core, op.subject)
        max_enrol, max_certs = subject_limits(core, op.subject)
        if enrolled >= max_enrol:
            raise ApiError(25006)
        if active >= max_certs:
            raise ApiError(25007)
        ref = reference_number("CE", now)
        ready = now + timedelta(seconds=core.config.processing_delay)
        record = EnrollmentRecord(
            ref, dict(op.subject), op.nip, now, ready, name, kind, csr_der, start
        )
        core.state.enrollments[ref] = record
        _issue(core, record)
        core.state.touch()
    return json_response(202, {"referenceNumber": ref, "timestamp": iso(now)})


def _issue(core: SandboxCore, record: EnrollmentRecord) -> None:
    """Decide the request: a certificate, or 400 when another subject has its key."""
    csr = check_csr(record.csr, _expected(record))
    key = public_key_der(csr)
    for other in core.state.certificates.values():
        if other.subject != record.subject and _key_of(other) == key:
            record.status_code = 400
            record.status_details = ["Klucz publiczny został już certyfikowany przez inny podmiot."]
            return
    serial = new_serial(set(core.state.certificates))
    start, end = validity(
        record.request_date, iso(record.valid_from) if record.valid_from else None
    )
    cert = core.ensure_ca().issue(csr, serial, record.kind, start, end)
    common = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    core.state.certificates[serial] = CertificateRecord(
        serial=serial,
        name=record.name,
        kind=record.kind,
        subject=dict(record.subject),
        context_nip=record.context_nip,
        common_name=str(common[0].value) if common else "",
        der=cert.public_bytes(serialization.Encoding.DER),
        valid_from=start,
        valid_to=end,
        request_date=record.request_date,
    )
    record.status_code = 200
    record.serial = serial


def _expected(record: EnrollmentRecord) -> dict[str, str]:
    return name_fields(x509.load_der_x509_csr(record.csr).subject)


def _key_of(record: CertificateRecord) -> bytes:
    return (
        x509.load_der_x509_certificate(record.der)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def enrolment_status(core: SandboxCore, req: Request) -> Response:
    op = _login(core, req, None)
    ref = req.params["referenceNumber"]
    with core.state.lock:
        record = core.state.enrollments.get(ref)
        if record is None or record.subject != op.subject:
            raise ApiError(25005)
        if core.now() - record.request_date > STATUS_RETENTION:
            raise gone()
        code = record.status_code if core.now() >= record.ready_at else 100
        status: dict[str, Any] = {"code": code, "description": ENROLMENT_STATUS[code]}
        if code == 400:
            status["details"] = record.status_details
        out: dict[str, Any] = {"requestDate": iso(record.request_date), "status": status}
        if code == 200:
            out["certificateSerialNumber"] = record.serial
    return json_response(200, out)


def _status(core: SandboxCore, record: CertificateRecord) -> str:
    if record.status == "Active" and record.valid_to <= core.now():
        return "Expired"
    return record.status


def _owned(core: SandboxCore, op: AuthOperation, serial: str) -> CertificateRecord:
    record = core.state.certificates.get(serial)
    if record is None or record.subject != op.subject:
        raise ApiError(25008)
    return record


def retrieve(core: SandboxCore, req: Request) -> Response:
    op = _login(core, req, None)
    serials = parse_json_object(req).get("certificateSerialNumbers")
    if not isinstance(serials, list) or not 1 <= len(serials) <= 10:
        raise ApiError(21405, "Pole 'certificateSerialNumbers' to od 1 do 10 numerów.")
    with core.state.lock:
        found = [core.state.certificates.get(str(s)) for s in serials]
        items = [
            {
                "certificate": b64(r.der),
                "certificateName": r.name,
                "certificateSerialNumber": r.serial,
                "certificateType": r.kind,
            }
            for r in found
            if r is not None and r.subject == op.subject
        ]
    return json_response(200, {"certificates": items})


def revoke(core: SandboxCore, req: Request) -> Response:
    op = _login(core, req, None)
    body = parse_json_object(req) if req.body.strip() else {}
    reason = body.get("revocationReason") or "Unspecified"
    if reason not in REASONS:
        raise ApiError(21405, f"revocationReason: {', '.join(REASONS)}.")
    with core.state.lock:
        record = _owned(core, op, req.params["certificateSerialNumber"])
        if _status(core, record) != "Active":
            raise ApiError(25009)
        record.status = "Revoked"
        record.revocation_reason = reason
        core.state.touch()
    return Response(204)


def query(core: SandboxCore, req: Request) -> Response:
    op = _login(core, req, None)
    size = int_param(req, "pageSize", 10, 10, 50)
    page = int_param(req, "pageOffset", 0, 0, 1_000_000)
    body = parse_json_object(req) if req.body.strip() else {}
    wanted = {k: body.get(k) for k in ("certificateSerialNumber", "name", "type", "status")}
    after = parse_iso(body["expiresAfter"]) if body.get("expiresAfter") else None
    with core.state.lock:
        found = [
            r
            for r in core.state.certificates.values()
            if r.subject == op.subject
            and wanted["certificateSerialNumber"] in (None, r.serial)
            and (wanted["name"] is None or str(wanted["name"]).lower() in r.name.lower())
            and wanted["type"] in (None, r.kind)
            and wanted["status"] in (None, _status(core, r))
            and (after is None or r.valid_to > after)
        ]
        found.sort(key=lambda r: r.request_date, reverse=True)
        items = [_item(core, r) for r in found[page * size : (page + 1) * size]]
    return json_response(200, {"certificates": items, "hasMore": (page + 1) * size < len(found)})


def _item(core: SandboxCore, r: CertificateRecord) -> dict[str, Any]:
    return {
        "certificateSerialNumber": r.serial,
        "name": r.name,
        "type": r.kind,
        "commonName": r.common_name,
        "status": _status(core, r),
        "subjectIdentifier": dict(r.subject),
        "validFrom": iso(r.valid_from),
        "validTo": iso(r.valid_to),
        "lastUseDate": iso(r.last_use_date) if r.last_use_date else None,
        "requestDate": iso(r.request_date),
    }


def update_testdata(core: SandboxCore, req: Request) -> Response:
    """PUT /testdata/certificates/{serialNumber}: a new validTo (Test environment only)."""
    op = _login(core, req, None)
    try:
        valid_to = parse_iso(require_str(parse_json_object(req), "validTo"))
    except ValueError as exc:
        raise ApiError(21405, "Pole 'validTo' musi być datą ISO-8601.") from exc
    with core.state.lock:
        record = _owned(core, op, req.params["serialNumber"])
        record.valid_to = valid_to
        core.state.touch()
    return Response(200)


GROUP = "other"
ROUTES = [
    Route("GET", "/certificates/limits", limits, GROUP),
    Route("GET", "/certificates/enrollments/data", data, GROUP),
    Route("POST", "/certificates/enrollments", enrol, GROUP),
    Route("GET", "/certificates/enrollments/{referenceNumber}", enrolment_status, GROUP),
    Route("POST", "/certificates/retrieve", retrieve, GROUP),
    Route("POST", "/certificates/{certificateSerialNumber}/revoke", revoke, GROUP),
    Route("POST", "/certificates/query", query, GROUP),
    Route("PUT", "/testdata/certificates/{serialNumber}", update_testdata, GROUP),
]
