"""Everything the sandbox remembers, as plain records plus lookup indexes.

One ``State`` per sandbox, guarded by ``State.lock`` (an RLock): handlers and the
verification worker take it for every read-modify-write. ``to_json``/``from_json`` give a
JSON document for persistence (see persist.py).
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ksef_desktop.sandbox.util import b64, b64decode_strict, iso, parse_iso


@dataclass
class KsefTokenRecord:
    reference_number: str
    token: str
    nip: str
    description: str
    permissions: list[str]
    status: str  # Pending | Active | Revoking | Revoked | Failed
    date_created: datetime
    last_use_date: datetime | None = None
    author: dict[str, str] | None = None  # who generated it ({"type", "value"}); None: nip


@dataclass
class ChallengeRecord:
    challenge: str
    timestamp: datetime
    timestamp_ms: int
    client_ip: str
    used: bool = False


@dataclass
class AuthOperation:
    reference_number: str
    nip: str
    start: datetime
    ready_at: datetime
    status_code: int
    status_description: str
    status_details: list[str]
    token_reference: str | None
    redeemed: bool = False
    last_refresh: datetime | None = None
    refresh_valid_until: datetime | None = None
    # Who logged in and how (KSeF token or an XAdES signature); the permissions it has.
    method: str = "Token"  # AuthenticationMethod of open-api.json
    subject: dict[str, str] | None = None  # {"type": Nip|Pesel|Fingerprint, "value"}
    permissions: list[str] | None = None  # None: the KSeF token's
    certificate: dict[str, Any] | None = None  # the signing certificate's facts (XAdES)


@dataclass
class IssuedToken:
    """An authentication, access or refresh token the sandbox handed out."""

    jti: str
    kind: str  # operation | access | refresh
    nip: str
    auth_reference: str
    expires: datetime
    permissions: list[str]
    method: str = "Token"  # the AuthenticationMethod of the login it comes from


@dataclass
class SessionRecord:
    reference_number: str
    kind: str  # Online | Batch
    nip: str
    auth_reference: str
    token_reference: str | None
    form_code: dict[str, str]
    key: bytes | None
    iv: bytes | None
    created: datetime
    updated: datetime
    valid_until: datetime
    status_code: int
    status_description: str
    status_details: list[str] = field(default_factory=list)
    closed: datetime | None = None
    invoice_refs: list[str] = field(default_factory=list)
    offline_mode: bool = False
    upo_pages: list[str] = field(default_factory=list)
    batch: dict[str, Any] | None = None  # declared file, parts and upload deadline


@dataclass
class InvoiceRecord:
    reference_number: str
    session_reference: str
    ordinal: int
    nip: str
    invoice_hash: str
    invoice_size: int
    content: bytes
    offline_mode: bool
    invoicing_date: datetime
    status_code: int
    status_description: str
    status_details: list[str] = field(default_factory=list)
    extensions: dict[str, str] | None = None
    hash_of_corrected: str | None = None
    file_name: str | None = None
    ksef_number: str | None = None
    acquisition_date: datetime | None = None
    permanent_storage_date: datetime | None = None
    invoice_number: str | None = None
    issue_date: str | None = None  # P_1, YYYY-MM-DD
    invoicing_mode: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class CollectiveRecord:
    """A collective identifier (sandbox/collective.py): who made it, for which invoices."""

    number: str
    context_nip: str  # the context it was generated in
    seller_nip: str
    created: datetime
    invoices: list[dict[str, Any]]  # {"ksefNumber", "payment"?: {...}, "description"?}


@dataclass
class CertificateRecord:
    """A KSeF certificate the sandbox's CA issued (certificates.py)."""

    serial: str  # 16 uppercase hex digits
    name: str
    kind: str  # Authentication | Offline
    subject: dict[str, str]  # who asked for it: {"type": Nip|Pesel|Fingerprint, "value"}
    context_nip: str  # the context of the login that enrolled it
    common_name: str
    der: bytes
    valid_from: datetime
    valid_to: datetime
    request_date: datetime
    status: str = "Active"  # Active | Blocked | Revoked (Expired is computed)
    revocation_reason: str | None = None
    last_use_date: datetime | None = None


@dataclass
class EnrollmentRecord:
    reference_number: str
    subject: dict[str, str]
    context_nip: str
    request_date: datetime
    ready_at: datetime
    name: str
    kind: str
    csr: bytes
    valid_from: datetime | None
    status_code: int = 100
    status_details: list[str] = field(default_factory=list)
    serial: str | None = None


@dataclass
class GrantRecord:
    """One permission granted in a context (each scope is its own grant, with its id)."""

    permission_id: str  # a UUID (36 characters)
    kind: str  # person | entity | authorization | indirect | subunit | euAdmin | euEntity
    context: dict[str, str]  # where it applies: {"type": Nip|InternalId|NipVatUe, "value"}
    subject: dict[str, str]  # who gets it
    scope: str  # InvoiceWrite, SelfInvoicing, CredentialsManage, ...
    description: str
    author: dict[str, str]  # who granted it
    start: datetime
    can_delegate: bool = False
    target: dict[str, str] | None = None  # indirect grants: the client (or AllPartners)
    details: dict[str, Any] = field(default_factory=dict)  # subject/entity details as sent
    active: bool = True


@dataclass
class PermissionOperation:
    reference_number: str
    nip: str
    created: datetime
    ready_at: datetime
    status_code: int
    status_details: list[str] = field(default_factory=list)


RECORDS: dict[str, type[Any]] = {
    "tokens": KsefTokenRecord,
    "challenges": ChallengeRecord,
    "auth_operations": AuthOperation,
    "issued": IssuedToken,
    "sessions": SessionRecord,
    "invoices": InvoiceRecord,
    "collective": CollectiveRecord,
    "certificates": CertificateRecord,
    "enrollments": EnrollmentRecord,
    "grants": GrantRecord,
    "permission_operations": PermissionOperation,
}
_KEY_FIELD = {
    "tokens": "reference_number",
    "challenges": "challenge",
    "auth_operations": "reference_number",
    "issued": "jti",
    "sessions": "reference_number",
    "invoices": "reference_number",
    "collective": "number",
    "certificates": "serial",
    "enrollments": "reference_number",
    "grants": "permission_id",
    "permission_operations": "reference_number",
}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": iso(value)}
    if isinstance(value, bytes):
        return {"$b64": b64(value)}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$dt"}:
            return parse_iso(value["$dt"])
        if set(value) == {"$b64"}:
            return b64decode_strict(value["$b64"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def duplicate_key(nip: str, kind: str, number: str) -> str:
    """Podmiot1 NIP + RodzajFaktury + P_2 (KSEF-PROTOCOL §3.2)."""
    return f"{nip}|{kind}|{number}"


class State:
    """All records and the indexes built over them."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tokens: dict[str, KsefTokenRecord] = {}
        self.challenges: dict[str, ChallengeRecord] = {}
        self.auth_operations: dict[str, AuthOperation] = {}
        self.issued: dict[str, IssuedToken] = {}
        self.sessions: dict[str, SessionRecord] = {}
        self.invoices: dict[str, InvoiceRecord] = {}
        self.collective: dict[str, CollectiveRecord] = {}
        self.certificates: dict[str, CertificateRecord] = {}
        self.enrollments: dict[str, EnrollmentRecord] = {}
        self.grants: dict[str, GrantRecord] = {}
        self.permission_operations: dict[str, PermissionOperation] = {}
        self.latarnia_messages: list[dict[str, Any]] = []
        # What the Test environment's /testdata/* operations set up (testdata.py): plain
        # JSON, persisted as it is. persons {nip: {...}}, subjects {nip: {...}},
        # attachments {nip: {...}}, blocked [context keys], limits {...}.
        self.testdata: dict[str, Any] = {}
        # Indexes (rebuilt on load).
        self.by_ksef_number: dict[str, str] = {}
        self.accepted_keys: dict[str, str] = {}
        self.corrections: dict[str, str] = {}
        self.upo_pages: dict[str, tuple[str, int]] = {}
        self.version = 0  # bumped on every change; persistence watches it

    def touch(self) -> None:
        self.version += 1

    def add_accepted(self, invoice: InvoiceRecord, key: str | None) -> None:
        assert invoice.ksef_number is not None
        self.by_ksef_number[invoice.ksef_number] = invoice.reference_number
        if key is not None:
            self.accepted_keys[key] = invoice.reference_number
        if invoice.hash_of_corrected:
            self.corrections[invoice.hash_of_corrected] = invoice.reference_number

    def rebuild_indexes(self) -> None:
        self.by_ksef_number.clear()
        self.accepted_keys.clear()
        self.corrections.clear()
        self.upo_pages.clear()
        for invoice in self.invoices.values():
            if invoice.status_code == 200 and invoice.ksef_number:
                key = invoice.meta.get("duplicateKey")
                self.add_accepted(invoice, key if isinstance(key, str) else None)
        for session in self.sessions.values():
            for index, page in enumerate(session.upo_pages):
                self.upo_pages[page] = (session.reference_number, index)

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            messages = [dict(m) for m in self.latarnia_messages]
            out: dict[str, Any] = {"version": 1, "latarniaMessages": messages}
            out["testdata"] = _encode(self.testdata)
            for name in RECORDS:
                records = getattr(self, name)
                out[name] = [_encode(dataclasses.asdict(r)) for r in records.values()]
            return out

    def load_json(self, data: dict[str, Any]) -> None:
        with self.lock:
            for name, cls in RECORDS.items():
                target = getattr(self, name)
                target.clear()
                for raw in data.get(name, []):
                    record = cls(**_decode(raw))
                    target[getattr(record, _KEY_FIELD[name])] = record
            self.latarnia_messages = list(data.get("latarniaMessages", []))
            self.testdata = _decode(data.get("testdata", {}))
            self.rebuild_indexes()
