"""Typed request/response data of KSeF API 2.0, named after the OpenAPI schemas.

Responses are built with ``from_json`` (unknown fields ignored, as the API changelog
asks; a missing required field is a ``ProtocolError``); requests serialise with
``to_json`` exactly as open-api.json names the fields.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from ksef_desktop.ksef.errors import ProtocolError

JSON = dict[str, Any]
R = TypeVar("R")


def parser(from_json: Callable[[Any, Any], R]) -> Callable[[Any, Any], R]:
    """Make any malformed answer a ``ProtocolError`` (not a TypeError deep in parsing)."""

    @functools.wraps(from_json)
    def parse(cls: Any, data: Any) -> R:
        try:
            return from_json(cls, data)
        except ProtocolError:
            raise
        except (
            TypeError,
            AttributeError,
            ValueError,
            KeyError,
            ArithmeticError,
            RecursionError,
        ) as exc:
            name = getattr(cls, "__name__", "answer")
            raise ProtocolError(f"malformed {name} from KSeF ({type(exc).__name__})") from None

    return parse


def parse_datetime(value: Any) -> datetime:
    """An ISO-8601 timestamp from KSeF as an aware datetime (naive ones are UTC)."""
    if not isinstance(value, str):
        raise ProtocolError(f"expected a timestamp, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ProtocolError(f"not an ISO-8601 timestamp: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _opt_datetime(value: Any) -> datetime | None:
    return None if value is None else parse_datetime(value)


def _req(data: Any, key: str) -> Any:
    if not isinstance(data, dict) or key not in data or data[key] is None:
        raise ProtocolError(f"KSeF's answer lacks the required field {key!r}")
    return data[key]


def _str(data: Any, key: str) -> str:
    value = _req(data, key)
    if not isinstance(value, str):
        raise ProtocolError(f"field {key!r} should be a string")
    return value


def _int(data: Any, key: str) -> int:
    value = _req(data, key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"field {key!r} should be an integer")
    return value


def _opt_int(data: JSON, key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _count(data: Any, key: str) -> int:
    """A count KSeF may send as ``null`` instead of 0 (KSEF-PROTOCOL.md §13a)."""
    if isinstance(data, dict) and data.get(key) is None:
        return 0
    return _int(data, key)


def _opt_str(data: JSON, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


# --- authentication --------------------------------------------------------------------


@dataclass(frozen=True)
class AuthenticationChallengeResponse:
    challenge: str
    timestamp: datetime
    timestamp_ms: int
    client_ip: str

    @classmethod
    @parser
    def from_json(cls, data: Any) -> AuthenticationChallengeResponse:
        return cls(
            _str(data, "challenge"),
            parse_datetime(_req(data, "timestamp")),
            _int(data, "timestampMs"),
            str(data.get("clientIp", "")),
        )


@dataclass(frozen=True)
class TokenInfo:
    token: str = field(repr=False)
    valid_until: datetime

    @classmethod
    @parser
    def from_json(cls, data: Any) -> TokenInfo:
        return cls(_str(data, "token"), parse_datetime(_req(data, "validUntil")))


@dataclass(frozen=True)
class AuthenticationContextIdentifier:
    type: str
    value: str

    def to_json(self) -> JSON:
        return {"type": self.type, "value": self.value}


@dataclass(frozen=True)
class InitTokenAuthenticationRequest:
    challenge: str
    context_identifier: AuthenticationContextIdentifier
    encrypted_token: str = field(repr=False)
    public_key_id: str | None = None

    def to_json(self) -> JSON:
        body: JSON = {
            "challenge": self.challenge,
            "contextIdentifier": self.context_identifier.to_json(),
            "encryptedToken": self.encrypted_token,
        }
        if self.public_key_id:
            body["publicKeyId"] = self.public_key_id
        return body


@dataclass(frozen=True)
class AuthenticationInitResponse:
    reference_number: str
    authentication_token: TokenInfo

    @classmethod
    @parser
    def from_json(cls, data: Any) -> AuthenticationInitResponse:
        return cls(
            _str(data, "referenceNumber"), TokenInfo.from_json(_req(data, "authenticationToken"))
        )


@dataclass(frozen=True)
class StatusInfo:
    code: int
    description: str
    details: tuple[str, ...] = ()
    extensions: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    @parser
    def from_json(cls, data: Any) -> StatusInfo:
        details = data.get("details") if isinstance(data, dict) else None
        extensions = data.get("extensions") if isinstance(data, dict) else None
        return cls(
            _int(data, "code"),
            str(data.get("description") or ""),
            tuple(str(d) for d in details or ()),
            {str(k): (None if v is None else str(v)) for k, v in (extensions or {}).items()},
        )


@dataclass(frozen=True)
class AuthenticationOperationStatusResponse:
    start_date: datetime
    status: StatusInfo
    is_token_redeemed: bool | None
    refresh_token_valid_until: datetime | None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> AuthenticationOperationStatusResponse:
        redeemed = data.get("isTokenRedeemed") if isinstance(data, dict) else None
        return cls(
            parse_datetime(_req(data, "startDate")),
            StatusInfo.from_json(_req(data, "status")),
            redeemed if isinstance(redeemed, bool) else None,
            _opt_datetime(data.get("refreshTokenValidUntil")),
        )


@dataclass(frozen=True)
class AuthenticationTokensResponse:
    access_token: TokenInfo
    refresh_token: TokenInfo

    @classmethod
    @parser
    def from_json(cls, data: Any) -> AuthenticationTokensResponse:
        return cls(
            TokenInfo.from_json(_req(data, "accessToken")),
            TokenInfo.from_json(_req(data, "refreshToken")),
        )


@dataclass(frozen=True)
class AuthenticationTokenRefreshResponse:
    access_token: TokenInfo

    @classmethod
    @parser
    def from_json(cls, data: Any) -> AuthenticationTokenRefreshResponse:
        return cls(TokenInfo.from_json(_req(data, "accessToken")))


@dataclass(frozen=True)
class PublicKeyCertificate:
    """One MF certificate; ``certificate`` is the DER bytes (decoded from Base64)."""

    certificate: bytes = field(repr=False)
    certificate_id: str
    public_key_id: str
    valid_from: datetime
    valid_to: datetime
    usage: tuple[str, ...]

    @classmethod
    @parser
    def from_json(cls, data: Any) -> PublicKeyCertificate:
        import base64
        import binascii

        try:
            der = base64.b64decode(_str(data, "certificate"), validate=True)
        except binascii.Error:
            raise ProtocolError("the certificate is not valid Base64") from None
        return cls(
            der,
            _str(data, "certificateId"),
            _str(data, "publicKeyId"),
            parse_datetime(_req(data, "validFrom")),
            parse_datetime(_req(data, "validTo")),
            tuple(str(u) for u in _req(data, "usage")),
        )


# --- sessions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FormCode:
    system_code: str
    schema_version: str
    value: str

    def to_json(self) -> JSON:
        return {
            "systemCode": self.system_code,
            "schemaVersion": self.schema_version,
            "value": self.value,
        }


FA3 = FormCode("FA (3)", "1-0E", "FA")


@dataclass(frozen=True)
class EncryptionInfo:
    encrypted_symmetric_key: str = field(repr=False)
    initialization_vector: str = field(repr=False)
    public_key_id: str | None = None

    def to_json(self) -> JSON:
        body: JSON = {
            "encryptedSymmetricKey": self.encrypted_symmetric_key,
            "initializationVector": self.initialization_vector,
        }
        if self.public_key_id:
            body["publicKeyId"] = self.public_key_id
        return body


@dataclass(frozen=True)
class OpenOnlineSessionRequest:
    form_code: FormCode
    encryption: EncryptionInfo

    def to_json(self) -> JSON:
        return {"formCode": self.form_code.to_json(), "encryption": self.encryption.to_json()}


@dataclass(frozen=True)
class OpenOnlineSessionResponse:
    reference_number: str
    valid_until: datetime

    @classmethod
    @parser
    def from_json(cls, data: Any) -> OpenOnlineSessionResponse:
        return cls(_str(data, "referenceNumber"), parse_datetime(_req(data, "validUntil")))


@dataclass(frozen=True)
class SendInvoiceRequest:
    invoice_hash: str
    invoice_size: int
    encrypted_invoice_hash: str
    encrypted_invoice_size: int
    encrypted_invoice_content: str = field(repr=False)
    offline_mode: bool = False
    hash_of_corrected_invoice: str | None = None

    def to_json(self) -> JSON:
        body: JSON = {
            "invoiceHash": self.invoice_hash,
            "invoiceSize": self.invoice_size,
            "encryptedInvoiceHash": self.encrypted_invoice_hash,
            "encryptedInvoiceSize": self.encrypted_invoice_size,
            "encryptedInvoiceContent": self.encrypted_invoice_content,
            "offlineMode": self.offline_mode,
        }
        if self.hash_of_corrected_invoice:
            body["hashOfCorrectedInvoice"] = self.hash_of_corrected_invoice
        return body


@dataclass(frozen=True)
class SendInvoiceResponse:
    reference_number: str

    @classmethod
    @parser
    def from_json(cls, data: Any) -> SendInvoiceResponse:
        return cls(_str(data, "referenceNumber"))


@dataclass(frozen=True)
class BatchFilePartInfo:
    ordinal_number: int
    file_size: int
    file_hash: str

    def to_json(self) -> JSON:
        return {
            "ordinalNumber": self.ordinal_number,
            "fileSize": self.file_size,
            "fileHash": self.file_hash,
        }


@dataclass(frozen=True)
class BatchFileInfo:
    file_size: int
    file_hash: str
    file_parts: tuple[BatchFilePartInfo, ...]

    def to_json(self) -> JSON:
        return {
            "fileSize": self.file_size,
            "fileHash": self.file_hash,
            "fileParts": [p.to_json() for p in self.file_parts],
        }


@dataclass(frozen=True)
class OpenBatchSessionRequest:
    form_code: FormCode
    batch_file: BatchFileInfo
    encryption: EncryptionInfo
    offline_mode: bool = False

    def to_json(self) -> JSON:
        return {
            "formCode": self.form_code.to_json(),
            "batchFile": self.batch_file.to_json(),
            "encryption": self.encryption.to_json(),
            "offlineMode": self.offline_mode,
        }


@dataclass(frozen=True)
class PartUploadRequest:
    ordinal_number: int
    method: str
    url: str = field(repr=False)  # pre-signed: a credential of sorts, kept out of logs
    headers: dict[str, str]

    @classmethod
    @parser
    def from_json(cls, data: Any) -> PartUploadRequest:
        headers = data.get("headers") or {}
        return cls(
            _int(data, "ordinalNumber"),
            _str(data, "method"),
            _str(data, "url"),
            {str(k): str(v) for k, v in headers.items() if v is not None},
        )


@dataclass(frozen=True)
class OpenBatchSessionResponse:
    reference_number: str
    part_upload_requests: tuple[PartUploadRequest, ...]

    @classmethod
    @parser
    def from_json(cls, data: Any) -> OpenBatchSessionResponse:
        return cls(
            _str(data, "referenceNumber"),
            tuple(PartUploadRequest.from_json(p) for p in _req(data, "partUploadRequests")),
        )


@dataclass(frozen=True)
class UpoPageResponse:
    reference_number: str
    download_url: str = field(repr=False)
    download_url_expiration_date: datetime | None = None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> UpoPageResponse:
        return cls(
            _str(data, "referenceNumber"),
            _str(data, "downloadUrl"),
            _opt_datetime(data.get("downloadUrlExpirationDate")),
        )


@dataclass(frozen=True)
class SessionStatusResponse:
    status: StatusInfo
    date_created: datetime
    date_updated: datetime
    valid_until: datetime | None
    upo_pages: tuple[UpoPageResponse, ...]
    invoice_count: int | None
    successful_invoice_count: int | None
    failed_invoice_count: int | None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> SessionStatusResponse:
        upo = data.get("upo") if isinstance(data, dict) else None
        pages = upo.get("pages") if isinstance(upo, dict) else None
        return cls(
            StatusInfo.from_json(_req(data, "status")),
            parse_datetime(_req(data, "dateCreated")),
            parse_datetime(_req(data, "dateUpdated")),
            _opt_datetime(data.get("validUntil")),
            tuple(UpoPageResponse.from_json(p) for p in pages or ()),
            _opt_int(data, "invoiceCount"),
            _opt_int(data, "successfulInvoiceCount"),
            _opt_int(data, "failedInvoiceCount"),
        )


@dataclass(frozen=True)
class SessionInvoiceStatusResponse:
    """``invoice_hash`` is required by the schema, yet the official example of a 440
    (duplicate) omits it, so it is optional here and matching falls back to references."""

    ordinal_number: int
    reference_number: str
    invoice_hash: str | None
    status: StatusInfo
    invoicing_date: datetime | None
    invoice_number: str | None = None
    ksef_number: str | None = None
    invoice_file_name: str | None = None
    acquisition_date: datetime | None = None
    upo_download_url: str | None = field(default=None, repr=False)
    invoicing_mode: str | None = None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> SessionInvoiceStatusResponse:
        return cls(
            _int(data, "ordinalNumber"),
            _str(data, "referenceNumber"),
            _opt_str(data, "invoiceHash"),
            StatusInfo.from_json(_req(data, "status")),
            _opt_datetime(data.get("invoicingDate")),
            _opt_str(data, "invoiceNumber"),
            _opt_str(data, "ksefNumber"),
            _opt_str(data, "invoiceFileName"),
            _opt_datetime(data.get("acquisitionDate")),
            _opt_str(data, "upoDownloadUrl"),
            _opt_str(data, "invoicingMode"),
        )


@dataclass(frozen=True)
class SessionInvoicesResponse:
    continuation_token: str | None
    invoices: tuple[SessionInvoiceStatusResponse, ...]

    @classmethod
    @parser
    def from_json(cls, data: Any) -> SessionInvoicesResponse:
        return cls(
            _opt_str(data, "continuationToken") or None,
            tuple(SessionInvoiceStatusResponse.from_json(i) for i in _req(data, "invoices")),
        )


@dataclass(frozen=True)
class SessionsQueryResponseItem:
    reference_number: str
    status: StatusInfo
    date_created: datetime
    date_updated: datetime
    valid_until: datetime | None
    total_invoice_count: int
    successful_invoice_count: int
    failed_invoice_count: int

    @classmethod
    @parser
    def from_json(cls, data: Any) -> SessionsQueryResponseItem:
        return cls(
            _str(data, "referenceNumber"),
            StatusInfo.from_json(_req(data, "status")),
            parse_datetime(_req(data, "dateCreated")),
            parse_datetime(_req(data, "dateUpdated")),
            _opt_datetime(data.get("validUntil")),
            _count(data, "totalInvoiceCount"),
            _count(data, "successfulInvoiceCount"),
            _count(data, "failedInvoiceCount"),
        )


@dataclass(frozen=True)
class SessionsQueryResponse:
    continuation_token: str | None
    sessions: tuple[SessionsQueryResponseItem, ...]

    @classmethod
    @parser
    def from_json(cls, data: Any) -> SessionsQueryResponse:
        return cls(
            _opt_str(data, "continuationToken") or None,
            tuple(SessionsQueryResponseItem.from_json(s) for s in _req(data, "sessions")),
        )
