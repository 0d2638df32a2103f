"""Small shared helpers of the sandbox: time formats, Base64, reference numbers, HTTP types."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ksef_desktop.domain.identifiers import crc8

WARSAW = ZoneInfo("Europe/Warsaw")


def iso(moment: datetime) -> str:
    """ISO-8601 with milliseconds and an offset, the way KSeF writes timestamps."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def iso_warsaw(moment: datetime) -> str:
    """The same moment in Europe/Warsaw time (UPO documents use local time)."""
    return moment.astimezone(WARSAW).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> datetime:
    """Parse an ISO-8601 date-time; one without an offset is Europe/Warsaw local time."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=WARSAW)
    return value


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode_strict(text: str) -> bytes:
    """Standard Base64 with padding; raises ValueError for anything else."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not Base64") from exc


def sha256_b64(data: bytes) -> str:
    return b64(hashlib.sha256(data).digest())


def sha256_b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode("ascii").rstrip("=")


def reference_number(kind: str, moment: datetime) -> str:
    """``YYYYMMDD-TT-XXXXXXXXXX-XXXXXXXXXX-CC``: 36 characters, CRC-8 over the first 33."""
    body = f"{moment.astimezone(WARSAW):%Y%m%d}-{kind}-{secrets.token_hex(5).upper()}-"
    body += secrets.token_hex(5).upper()
    return f"{body}-{crc8(body.encode('ascii')):02X}"


def new_trace_id() -> str:
    return secrets.token_hex(16)


@dataclass
class Response:
    """What a handler answers; the server writes it (or drops it on purpose)."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, *, problem: bool = False) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    ctype = "application/problem+json" if problem else "application/json"
    return Response(status, body, f"{ctype}; charset=utf-8")


@dataclass
class Request:
    """One parsed HTTP request as the route handlers see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    client_ip: str
    params: dict[str, str] = field(default_factory=dict)
    # Filled in by the dispatcher once the bearer token was checked.
    context_nip: str | None = None
    principal: Any = None

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value if value is None else str(value)

    @property
    def wants_problem(self) -> bool:
        return (self.header("X-Error-Format") or "").strip().lower() == "problem-details"

    def bearer(self) -> str | None:
        value = self.header("Authorization") or ""
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()

    def query_one(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None
