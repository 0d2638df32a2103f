"""Typed data of KSeF's credential and access endpoints (tokens, KSeF certificates,
permissions, authentication sessions), named after the open-api.json 2.9.0 schemas.

Responses parse with ``from_json`` (unknown fields ignored, a missing required field is a
``ProtocolError``); requests serialise with ``to_json`` exactly as the document names
the fields. The helpers are those of ``models``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ksef_desktop.ksef.errors import ProtocolError
from ksef_desktop.ksef.models import (
    JSON,
    StatusInfo,
    _opt_datetime,
    _opt_str,
    _req,
    _str,
    parse_datetime,
    parser,
)

# --- shared -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Identifier:
    """``{"type": ..., "value": ...}`` (value absent for e.g. ``AllPartners``)."""

    type: str
    value: str = ""

    @classmethod
    @parser
    def from_json(cls, data: Any) -> Identifier:
        return cls(_str(data, "type"), _opt_str(data, "value") or "")

    def to_json(self) -> JSON:
        return {"type": self.type, "value": self.value} if self.value else {"type": self.type}


def _opt_identifier(data: Any, key: str) -> Identifier | None:
    value = data.get(key) if isinstance(data, dict) else None
    return None if value is None else Identifier.from_json(value)


def _bool(data: Any, key: str, default: bool = False) -> bool:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, bool) else default


def _strings(data: Any, key: str) -> tuple[str, ...]:
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProtocolError(f"field {key!r} should be a list of strings")
    return tuple(value)


def _list(data: Any, key: str) -> list[Any]:
    value = _req(data, key)
    if not isinstance(value, list):
        raise ProtocolError(f"field {key!r} should be a list")
    return value


# --- authentication sessions -------------------------------------------------------------


@dataclass(frozen=True)
class AuthenticationMethodInfo:
    category: str  # XadesSignature | NationalNode | Token | Other
    code: str
    display_name: str

    @classmethod
    @parser
    def from_json(cls, data: Any) -> AuthenticationMethodInfo:
        return cls(_str(data, "category"), _str(data, "code"), _str(data, "displayName"))


@dataclass(frozen=True)
class AuthenticationListItem:
    reference_number: str
    start_date: datetime
    authentication_method: str
    method_info: AuthenticationMethodInfo
    status: StatusInfo
    is_current: bool
    is_token_redeemed: bool | None
    last_token_refresh_date: datetime | None
    refresh_token_valid_until: datetime | None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> AuthenticationListItem:
        redeemed = data.get("isTokenRedeemed")
        return cls(
            _str(data, "referenceNumber"),
            parse_datetime(_req(data, "startDate")),
            str(data.get("authenticationMethod") or ""),
            AuthenticationMethodInfo.from_json(_req(data, "authenticationMethodInfo")),
            StatusInfo.from_json(_req(data, "status")),
            _bool(data, "isCurrent"),
            redeemed if isinstance(redeemed, bool) else None,
            _opt_datetime(data.get("lastTokenRefreshDate")),
            _opt_datetime(data.get("refreshTokenValidUntil")),
        )


@dataclass(frozen=True)
class AuthenticationListResponse:
    continuation_token: str | None
    items: tuple[AuthenticationListItem, ...]

    @classmethod
    @parser
    def from_json(cls, data: Any) -> AuthenticationListResponse:
        return cls(
            _opt_str(data, "continuationToken") or None,
            tuple(AuthenticationListItem.from_json(i) for i in _list(data, "items")),
        )


# --- KSeF tokens ------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateTokenRequest:
    permissions: tuple[str, ...]
    description: str

    def to_json(self) -> JSON:
        return {"permissions": list(self.permissions), "description": self.description}


@dataclass(frozen=True)
class GenerateTokenResponse:
    reference_number: str
    token: str = field(repr=False)

    @classmethod
    @parser
    def from_json(cls, data: Any) -> GenerateTokenResponse:
        return cls(_str(data, "referenceNumber"), _str(data, "token"))


@dataclass(frozen=True)
class QueryTokensResponseItem:
    reference_number: str
    author_identifier: Identifier
    context_identifier: Identifier
    description: str
    requested_permissions: tuple[str, ...]
    date_created: datetime
    last_use_date: datetime | None
    status: str  # Pending | Active | Revoking | Revoked | Failed
    status_details: tuple[str, ...]

    @classmethod
    @parser
    def from_json(cls, data: Any) -> QueryTokensResponseItem:
        return cls(
            _str(data, "referenceNumber"),
            Identifier.from_json(_req(data, "authorIdentifier")),
            Identifier.from_json(_req(data, "contextIdentifier")),
            _str(data, "description"),
            _strings(data, "requestedPermissions"),
            parse_datetime(_req(data, "dateCreated")),
            _opt_datetime(data.get("lastUseDate")),
            _str(data, "status"),
            _strings(data, "statusDetails"),
        )


@dataclass(frozen=True)
class QueryTokensResponse:
    continuation_token: str | None
    tokens: tuple[QueryTokensResponseItem, ...]

    @classmethod
    @parser
    def from_json(cls, data: Any) -> QueryTokensResponse:
        return cls(
            _opt_str(data, "continuationToken") or None,
            tuple(QueryTokensResponseItem.from_json(t) for t in _list(data, "tokens")),
        )


# --- KSeF certificates ----------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateLimit:
    remaining: int
    limit: int

    @classmethod
    @parser
    def from_json(cls, data: Any) -> CertificateLimit:
        return cls(int(_req(data, "remaining")), int(_req(data, "limit")))


@dataclass(frozen=True)
class CertificateLimitsResponse:
    can_request: bool
    enrollment: CertificateLimit
    certificate: CertificateLimit

    @classmethod
    @parser
    def from_json(cls, data: Any) -> CertificateLimitsResponse:
        return cls(
            bool(_req(data, "canRequest")),
            CertificateLimit.from_json(_req(data, "enrollment")),
            CertificateLimit.from_json(_req(data, "certificate")),
        )


#: CertificateEnrollmentDataResponse's fields, in open-api.json's order.
ENROLLMENT_FIELDS = (
    "commonName",
    "countryName",
    "givenName",
    "surname",
    "serialNumber",
    "uniqueIdentifier",
    "organizationName",
    "organizationIdentifier",
)


@dataclass(frozen=True)
class CertificateEnrollmentDataResponse:
    """The subject attributes a CSR must carry, verbatim (absent ones are not in it)."""

    attributes: tuple[tuple[str, str], ...]

    @classmethod
    @parser
    def from_json(cls, data: Any) -> CertificateEnrollmentDataResponse:
        _str(data, "commonName")
        _str(data, "countryName")
        found = []
        for name in ENROLLMENT_FIELDS:
            value = data.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ProtocolError(f"field {name!r} should be a string")
            found.append((name, value))
        return cls(tuple(found))

    def get(self, name: str) -> str | None:
        return dict(self.attributes).get(name)


@dataclass(frozen=True)
class EnrollCertificateRequest:
    certificate_name: str
    certificate_type: str  # Authentication | Offline
    csr: bytes = field(repr=False)  # PKCS#10, DER
    valid_from: datetime | None = None

    def to_json(self) -> JSON:
        body: JSON = {
            "certificateName": self.certificate_name,
            "certificateType": self.certificate_type,
            "csr": base64.b64encode(self.csr).decode("ascii"),
        }
        if self.valid_from is not None:
            body["validFrom"] = self.valid_from.isoformat()
        return body


@dataclass(frozen=True)
class EnrollCertificateResponse:
    reference_number: str
    timestamp: datetime

    @classmethod
    @parser
    def from_json(cls, data: Any) -> EnrollCertificateResponse:
        return cls(_str(data, "referenceNumber"), parse_datetime(_req(data, "timestamp")))


@dataclass(frozen=True)
class CertificateEnrollmentStatusResponse:
    request_date: datetime
    status: StatusInfo
    certificate_serial_number: str | None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> CertificateEnrollmentStatusResponse:
        return cls(
            parse_datetime(_req(data, "requestDate")),
            StatusInfo.from_json(_req(data, "status")),
            _opt_str(data, "certificateSerialNumber"),
        )


@dataclass(frozen=True)
class RetrieveCertificatesListItem:
    certificate: bytes = field(repr=False)  # DER
    certificate_name: str = ""
    certificate_serial_number: str = ""
    certificate_type: str = ""

    @classmethod
    @parser
    def from_json(cls, data: Any) -> RetrieveCertificatesListItem:
        try:
            der = base64.b64decode(_str(data, "certificate"), validate=True)
        except binascii.Error:
            raise ProtocolError("the certificate is not Base64") from None
        return cls(
            der,
            _str(data, "certificateName"),
            _str(data, "certificateSerialNumber"),
            _str(data, "certificateType"),
        )


@dataclass(frozen=True)
class CertificateListItem:
    certificate_serial_number: str
    name: str
    type: str
    common_name: str
    status: str  # Active | Blocked | Revoked | Expired
    subject_identifier: Identifier
    valid_from: datetime
    valid_to: datetime
    last_use_date: datetime | None
    request_date: datetime

    @classmethod
    @parser
    def from_json(cls, data: Any) -> CertificateListItem:
        return cls(
            _str(data, "certificateSerialNumber"),
            _str(data, "name"),
            _str(data, "type"),
            _str(data, "commonName"),
            _str(data, "status"),
            Identifier.from_json(_req(data, "subjectIdentifier")),
            parse_datetime(_req(data, "validFrom")),
            parse_datetime(_req(data, "validTo")),
            _opt_datetime(data.get("lastUseDate")),
            parse_datetime(_req(data, "requestDate")),
        )


@dataclass(frozen=True)
class QueryCertificatesResponse:
    certificates: tuple[CertificateListItem, ...]
    has_more: bool

    @classmethod
    @parser
    def from_json(cls, data: Any) -> QueryCertificatesResponse:
        return cls(
            tuple(CertificateListItem.from_json(c) for c in _list(data, "certificates")),
            bool(_req(data, "hasMore")),
        )


# --- permissions --------------------------------------------------------------------------


@dataclass(frozen=True)
class PermissionsOperationResponse:
    reference_number: str

    @classmethod
    @parser
    def from_json(cls, data: Any) -> PermissionsOperationResponse:
        return cls(_str(data, "referenceNumber"))


@dataclass(frozen=True)
class PermissionsOperationStatusResponse:
    status: StatusInfo

    @classmethod
    @parser
    def from_json(cls, data: Any) -> PermissionsOperationStatusResponse:
        return cls(StatusInfo.from_json(_req(data, "status")))


@dataclass(frozen=True)
class PersonPermission:
    """One permission in a context (persons query): of a person, or of an entity."""

    id: str
    authorized_identifier: Identifier
    context_identifier: Identifier | None
    author_identifier: Identifier | None
    permission_scope: str
    description: str
    permission_state: str
    start_date: datetime
    can_delegate: bool
    name: str  # the person's first and last name, or the entity's full name ("" unknown)
    is_entity: bool  # the holder is an entity (subjectEntityDetails), not a person

    @classmethod
    @parser
    def from_json(cls, data: Any) -> PersonPermission:
        person = data.get("subjectPersonDetails")
        entity = data.get("subjectEntityDetails")
        name = ""
        if isinstance(person, dict):
            name = " ".join(
                str(person.get(k) or "") for k in ("firstName", "lastName") if person.get(k)
            )
        elif isinstance(entity, dict):
            name = str(entity.get("fullName") or "")
        return cls(
            _str(data, "id"),
            Identifier.from_json(_req(data, "authorizedIdentifier")),
            _opt_identifier(data, "contextIdentifier"),
            _opt_identifier(data, "authorIdentifier"),
            _str(data, "permissionScope"),
            _str(data, "description"),
            str(data.get("permissionState") or "Active"),
            parse_datetime(_req(data, "startDate")),
            _bool(data, "canDelegate"),
            name,
            isinstance(entity, dict),
        )


@dataclass(frozen=True)
class QueryPersonPermissionsResponse:
    permissions: tuple[PersonPermission, ...]
    has_more: bool

    @classmethod
    @parser
    def from_json(cls, data: Any) -> QueryPersonPermissionsResponse:
        return cls(
            tuple(PersonPermission.from_json(p) for p in _list(data, "permissions")),
            bool(_req(data, "hasMore")),
        )


@dataclass(frozen=True)
class EntityAuthorizationGrant:
    id: str
    authorized_entity_identifier: Identifier
    authorizing_entity_identifier: Identifier
    author_identifier: Identifier | None
    authorization_scope: str
    description: str
    start_date: datetime
    name: str

    @classmethod
    @parser
    def from_json(cls, data: Any) -> EntityAuthorizationGrant:
        details = data.get("subjectEntityDetails")
        return cls(
            _str(data, "id"),
            Identifier.from_json(_req(data, "authorizedEntityIdentifier")),
            Identifier.from_json(_req(data, "authorizingEntityIdentifier")),
            _opt_identifier(data, "authorIdentifier"),
            _str(data, "authorizationScope"),
            _str(data, "description"),
            parse_datetime(_req(data, "startDate")),
            str(details.get("fullName") or "") if isinstance(details, dict) else "",
        )


@dataclass(frozen=True)
class QueryEntityAuthorizationPermissionsResponse:
    authorization_grants: tuple[EntityAuthorizationGrant, ...]
    has_more: bool

    @classmethod
    @parser
    def from_json(cls, data: Any) -> QueryEntityAuthorizationPermissionsResponse:
        return cls(
            tuple(
                EntityAuthorizationGrant.from_json(g) for g in _list(data, "authorizationGrants")
            ),
            bool(_req(data, "hasMore")),
        )
