"""KSeF tokens and KSeF certificates (KSEF-PROTOCOL.md §8): one function per endpoint.

Generating a token and everything about certificates need a login by signature (KSeF
refuses a token login: 403 ``auth-method-not-allowed``, 25001/25002); listing tokens
needs ``CredentialsRead``, revoking one ``CredentialsManage``. All count in KSeF's
``other`` rate-limit group.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ksef_desktop.ksef.models_access import (
    CertificateEnrollmentDataResponse,
    CertificateEnrollmentStatusResponse,
    CertificateLimitsResponse,
    EnrollCertificateRequest,
    EnrollCertificateResponse,
    GenerateTokenRequest,
    GenerateTokenResponse,
    QueryCertificatesResponse,
    QueryTokensResponse,
    QueryTokensResponseItem,
    RetrieveCertificatesListItem,
)
from ksef_desktop.ksef.transport import Transport

GROUP = "other"

# --- tokens ---------------------------------------------------------------------------------


def tokens_generate(t: Transport, request: GenerateTokenRequest) -> GenerateTokenResponse:
    """POST /tokens (202): a new KSeF token (shown once)."""
    data = t.json(
        "POST", "/tokens", json=request.to_json(), access=True, expect=(202,), group=GROUP
    )
    return GenerateTokenResponse.from_json(data)


def tokens_query(
    t: Transport,
    *,
    statuses: Sequence[str] = (),
    description: str | None = None,
    page_size: int = 100,
    continuation_token: str | None = None,
) -> QueryTokensResponse:
    """GET /tokens: the context's tokens, one page."""
    params: dict[str, Any] = {"pageSize": page_size}
    if statuses:
        params["status"] = list(statuses)
    if description:
        params["description"] = description
    headers = {"x-continuation-token": continuation_token} if continuation_token else None
    data = t.json("GET", "/tokens", params=params, headers=headers, access=True, group=GROUP)
    return QueryTokensResponse.from_json(data)


def token_status(t: Transport, reference_number: str) -> QueryTokensResponseItem:
    """GET /tokens/{referenceNumber}."""
    data = t.json("GET", f"/tokens/{reference_number}", access=True, group=GROUP)
    return QueryTokensResponseItem.from_json(data)


def token_revoke(t: Transport, reference_number: str) -> None:
    """DELETE /tokens/{referenceNumber} (204)."""
    t.request("DELETE", f"/tokens/{reference_number}", access=True, expect=(204,), group=GROUP)


# --- certificates ---------------------------------------------------------------------------


def certificates_limits(t: Transport) -> CertificateLimitsResponse:
    """GET /certificates/limits."""
    data = t.json("GET", "/certificates/limits", access=True, group=GROUP)
    return CertificateLimitsResponse.from_json(data)


def certificates_enrollment_data(t: Transport) -> CertificateEnrollmentDataResponse:
    """GET /certificates/enrollments/data: the subject a CSR must carry."""
    data = t.json("GET", "/certificates/enrollments/data", access=True, group=GROUP)
    return CertificateEnrollmentDataResponse.from_json(data)


def certificates_enroll(
    t: Transport, request: EnrollCertificateRequest
) -> EnrollCertificateResponse:
    """POST /certificates/enrollments (202)."""
    data = t.json(
        "POST",
        "/certificates/enrollments",
        json=request.to_json(),
        access=True,
        expect=(202,),
        group=GROUP,
    )
    return EnrollCertificateResponse.from_json(data)


def certificates_enrollment_status(
    t: Transport, reference_number: str
) -> CertificateEnrollmentStatusResponse:
    """GET /certificates/enrollments/{referenceNumber}."""
    data = t.json("GET", f"/certificates/enrollments/{reference_number}", access=True, group=GROUP)
    return CertificateEnrollmentStatusResponse.from_json(data)


def certificates_retrieve(
    t: Transport, serial_numbers: Sequence[str]
) -> list[RetrieveCertificatesListItem]:
    """POST /certificates/retrieve: the certificates (DER) of up to 10 serial numbers."""
    data = t.json(
        "POST",
        "/certificates/retrieve",
        json={"certificateSerialNumbers": list(serial_numbers)},
        access=True,
        group=GROUP,
    )
    items = data.get("certificates") if isinstance(data, dict) else None
    if not isinstance(items, list):
        from ksef_desktop.ksef.errors import ProtocolError

        raise ProtocolError("the retrieved certificates are not a list")
    return [RetrieveCertificatesListItem.from_json(i) for i in items]


def certificates_query(
    t: Transport,
    *,
    certificate_type: str | None = None,
    status: str | None = None,
    serial_number: str | None = None,
    name: str | None = None,
    expires_after: datetime | None = None,
    page_size: int = 50,
    page_offset: int = 0,
) -> QueryCertificatesResponse:
    """POST /certificates/query: one page of the subject's certificates."""
    body: dict[str, Any] = {}
    for key, value in (
        ("type", certificate_type),
        ("status", status),
        ("certificateSerialNumber", serial_number),
        ("name", name),
        ("expiresAfter", expires_after.isoformat() if expires_after else None),
    ):
        if value is not None:
            body[key] = value
    data = t.json(
        "POST",
        "/certificates/query",
        json=body,
        params={"pageSize": page_size, "pageOffset": page_offset},
        access=True,
        group=GROUP,
    )
    return QueryCertificatesResponse.from_json(data)


def certificate_revoke(t: Transport, serial_number: str, reason: str | None = None) -> None:
    """POST /certificates/{serial}/revoke (204); reason Unspecified|Superseded|KeyCompromise."""
    t.request(
        "POST",
        f"/certificates/{serial_number}/revoke",
        json={"revocationReason": reason} if reason else {},
        access=True,
        expect=(204,),
        group=GROUP,
    )
