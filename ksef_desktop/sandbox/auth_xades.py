"""POST /auth/xades-signature: a login with a signed ``AuthTokenRequest``.

The signature is verified at once (xades.py; 400 with the official codes). Like the Test
environment, the sandbox accepts self-signed certificates (unless
``verifyCertificateChain=true``) and the Authentication certificates its own CA issued;
the certificate's NIP or PESEL (or its fingerprint, for ``certificateFingerprint``) is
the subject who logs in. Whether that subject may act in the context is decided like the
other certificate checks, in the operation's status (GET /auth/{ref}): 460 for a
certificate outside its validity, revoked, blocked or untrusted; 470 for a deceased
person; 480 for a blocked context; 415 when the subject has no permission in the context.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cryptography import x509

from ksef_desktop.sandbox.access import (
    BLOCKED,
    CHALLENGE_LIFETIME,
    NIP_PATTERN,
    OPERATION_TOKEN_LIFETIME,
    blocked,
    forget_old,
    issue_token,
)
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import DESCRIPTIONS, ApiError
from ksef_desktop.sandbox.identity import ident, permissions_in
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.state import AuthOperation, CertificateRecord
from ksef_desktop.sandbox.util import Request, Response, iso, json_response, reference_number
from ksef_desktop.sandbox.xades import (
    SignedRequest,
    XadesRefused,
    certificate_identifier,
    parse_signed,
    subject_attributes,
    validity_problem,
)

CERTIFICATE_ERROR = "Uwierzytelnianie zakończone niepowodzeniem z powodu błędu certyfikatu"
FAILED = "Uwierzytelnianie zakończone niepowodzeniem"
SUCCESS = "Uwierzytelnianie zakończone sukcesem"


def _ksef_certificate(core: SandboxCore, cert: x509.Certificate) -> CertificateRecord | None:
    """The sandbox's record of a certificate its CA issued, or None."""
    ca = core.ensure_ca()
    if not ca.issued(cert):
        return None
    return core.state.certificates.get(f"{cert.serial_number:016X}")


def _subject(
    core: SandboxCore, signed: SignedRequest
) -> tuple[dict[str, str], str, CertificateRecord | None]:
    """(who logs in, AuthenticationMethod, the KSeF certificate used) or XadesRefused."""
    record = _ksef_certificate(core, signed.certificate)
    if record is not None and record.kind != "Authentication":
        raise XadesRefused(21406, "Certyfikatem KSeF typu Offline nie można się uwierzytelnić.")
    if signed.subject_type == "certificateFingerprint":
        method = "InternalCertificate" if record is not None else "QualifiedSignature"
        return ident("Fingerprint", signed.fingerprint), method, record
    if record is not None:
        return dict(record.subject), "InternalCertificate", record
    found = certificate_identifier(signed.certificate)
    if found is None:
        raise XadesRefused(
            21406,
            "Certyfikat nie zawiera identyfikatora NIP ani PESEL (serialNumber, "
            "organizationIdentifier); użyj certificateFingerprint.",
        )
    kind, value, method = found
    return ident(kind, value), method, None


def _verdict(
    core: SandboxCore,
    req: Request,
    signed: SignedRequest,
    subject: dict[str, str],
    record: CertificateRecord | None,
) -> tuple[int, str, list[str], list[str]]:
    """(status code, description, details, permissions) of the login (lock held)."""
    now = core.now()
    nip = signed.context_value
    problem = validity_problem(signed.certificate, now)
    if problem is not None:
        return 460, CERTIFICATE_ERROR, [problem], []
    if record is not None and record.status in ("Revoked", "Blocked"):
        detail = "Certyfikat odwołany" if record.status == "Revoked" else "Certyfikat zawieszony"
        return 460, CERTIFICATE_ERROR, [detail], []
    chain = (req.query_one("verifyCertificateChain") or "").lower() == "true"
    if chain and record is None:
        return 460, CERTIFICATE_ERROR, ["Niezaufany łańcuch certyfikatów"], []
    if blocked(core, "Nip", nip):
        return (*BLOCKED, [])
    if subject["type"] == "Pesel":
        persons: dict[str, Any] = core.state.testdata.get("persons", {})
        if any(
            p.get("pesel") == subject["value"] and p.get("isDeceased") for p in persons.values()
        ):
            details = ["Próba wykorzystania metod autoryzacyjnych osoby zmarłej"]
            return 470, FAILED, details, []
    permissions = permissions_in(core, nip, subject)
    if not permissions:
        return 415, FAILED, ["Brak przypisanych uprawnień"], []
    if record is not None:
        record.last_use_date = now
    return 200, SUCCESS, [], permissions


def xades_signature(core: SandboxCore, req: Request) -> Response:
    try:
        signed = _verified(core, req)
        subject, method, record = _subject(core, signed)
    except XadesRefused as exc:
        raise ApiError(exc.code, exc.detail, description=DESCRIPTIONS.get(exc.code)) from exc
    nip = signed.context_value
    now = core.now()
    with core.state.lock:
        forget_old(core)
        challenge = core.state.challenges.get(signed.challenge)
        if challenge is None or challenge.used or now - challenge.timestamp > CHALLENGE_LIFETIME:
            raise ApiError(21111, "Wyzwanie autoryzacyjne jest nieznane, wykorzystane lub wygasło.")
        challenge.used = True
        code, description, details, permissions = _verdict(core, req, signed, subject, record)
        ref = reference_number("AU", now)
        ready = now + timedelta(seconds=core.config.processing_delay)
        op = AuthOperation(ref, nip, now, ready, code, description, details, None)
        op.method = method
        op.subject = subject
        op.permissions = permissions
        op.certificate = {
            "fingerprint": signed.fingerprint,
            "subject": subject_attributes(signed.certificate),
            "ksefSerial": record.serial if record is not None else None,
            "allowedIps": signed.allowed_ips,
        }
        core.state.auth_operations[ref] = op
        core.state.touch()
    token, issued = issue_token(core, "operation", nip, ref, OPERATION_TOKEN_LIFETIME, [], method)
    return json_response(
        202,
        {
            "referenceNumber": ref,
            "authenticationToken": {"token": token, "validUntil": iso(issued.expires)},
        },
    )


def _verified(core: SandboxCore, req: Request) -> SignedRequest:
    signed = parse_signed(req.body)
    if signed.context_type != "Nip":
        raise XadesRefused(
            21117, f"Sandbox obsługuje kontekst Nip; przekazano {signed.context_type}."
        )
    if not NIP_PATTERN.fullmatch(signed.context_value):
        raise XadesRefused(21117, f"{signed.context_value} nie jest numerem NIP.")
    return signed


ROUTES = [Route("POST", "/auth/xades-signature", xades_signature, "anonymous", AUTH_NONE)]
