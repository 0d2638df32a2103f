"""The shared heart of one sandbox: configuration, clock, keys, state, faults, limits.

The core imports no endpoint module and not the worker (processing.py): they all build on
it. The worker is attached by the Sandbox (app.py) as ``core.worker``; the core knows it
only as something that takes jobs.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

from ksef_desktop.domain.collective import MAX_INVOICES_PER_IDENTIFIER
from ksef_desktop.sandbox.ca import SandboxCA
from ksef_desktop.sandbox.config import SandboxConfig
from ksef_desktop.sandbox.crypto import USAGES, JwtSigner, ServerKey, generate_key
from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.faults import Faults
from ksef_desktop.sandbox.ratelimit import RateLimiter
from ksef_desktop.sandbox.state import KsefTokenRecord, State
from ksef_desktop.sandbox.util import reference_number

READY_TOKEN_DESCRIPTION = "Sandbox: ready token"  # noqa: S105 - a label
DEFAULT_PERMISSIONS = [
    "InvoiceWrite",
    "InvoiceRead",
    "CredentialsManage",
    "CredentialsRead",
    "Introspection",
]
PRESIGNED_LIFETIME = timedelta(hours=1)
# The host a request named (its Host header): URLs the API returns use the host of the
# environment that was called, as on the real KSeF (KSEF-PROTOCOL.md §1). Set by the
# dispatcher (server.py) for the request being answered; empty = the bound address.
REQUEST_ORIGIN: ContextVar[str] = ContextVar("sandbox_request_origin", default="")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::\d{1,5})?")
_SESSION_LIMITS: dict[str, Callable[[SandboxConfig], int]] = {
    "maxInvoiceSizeInMB": lambda c: 1,
    "maxInvoiceWithAttachmentSizeInMB": lambda c: 3,
    "maxInvoices": lambda c: c.max_invoices_per_session,
}
DEFAULT_CONTEXT_LIMITS: dict[str, dict[str, Callable[[SandboxConfig], int]]] = {
    "onlineSession": _SESSION_LIMITS,
    "batchSession": _SESSION_LIMITS,
    "collectiveIdentifier": {"maxInvoices": lambda c: MAX_INVOICES_PER_IDENTIFIER},
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Jobs(Protocol):
    """The verification worker as handlers see it (processing.Worker)."""

    def submit(self, kind: str, reference: str) -> None: ...

    def wait_idle(self, timeout: float = 30.0) -> bool: ...


class SandboxCore:
    """Owns everything a request handler needs; one per running sandbox."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._clock = config.clock or _utc_now
        self.state = State()
        self.keys: list[ServerKey] = []  # oldest first; several per usage while rotating
        self.ca: SandboxCA | None = None  # issues KSeF certificates (ca.py)
        self.jwt = JwtSigner()
        self.faults = Faults(config.faults, self.state, self.now)
        self.limiter = RateLimiter(config.rate_limit_scale)
        self.worker: Jobs  # attached by the Sandbox (app.py): processing.Worker
        self.server_url = ""  # http://127.0.0.1:PORT once bound
        # Batch parts as uploaded (not persisted: an unfinished upload is lost on restart).
        self.batch_parts: dict[str, dict[int, bytes]] = {}
        # Invoice exports with their encrypted parts (in memory only; see exports.py).
        self.exports: dict[str, Any] = {}
        # Limits of a context changed from their defaults: {nip: {group: {name: value}}}.
        self.context_limits: dict[str, dict[str, dict[str, int]]] = {}

    def context_limit(self, nip: str, group: str, name: str) -> int:
        """One limit of a context (GET /limits/context): its override or the default."""
        override = self.context_limits.get(nip, {}).get(group, {}).get(name)
        if override is not None:
            return override
        return DEFAULT_CONTEXT_LIMITS[group][name](self.config)

    def now(self) -> datetime:
        return self._clock()

    # --- keys and ready tokens -------------------------------------------------------

    def ensure_keys(self) -> None:
        now = self.now()
        for usage in USAGES:
            if not any(k.usage == usage for k in self.keys):
                self.keys.append(generate_key(usage, now))

    def ensure_ca(self) -> SandboxCA:
        if self.ca is None:
            self.ca = SandboxCA.generate(self.now())
        return self.ca

    def rotate_keys(self, usages: tuple[str, ...] = USAGES, *, keep_old: bool = False) -> None:
        """New key pairs; without ``keep_old`` the previous ones are withdrawn (21470)."""
        now = self.now()
        fresh = [generate_key(usage, now) for usage in usages]
        with self.state.lock:
            if not keep_old:
                self.keys = [k for k in self.keys if k.usage not in usages]
            self.keys.extend(fresh)
            self.state.touch()

    def keys_for(self, usage: str, key_id: str | None) -> list[ServerKey]:
        """The keys that may have encrypted a value: the one named by ``publicKeyId``
        (ApiError 21470 when unknown or withdrawn), or else every key of the usage,
        newest first."""
        mine = [k for k in reversed(self.keys) if k.usage == usage]
        if key_id is None:
            return mine
        named = [k for k in mine if k.public_key_id == key_id]
        if not named:
            raise ApiError(21470, f"Klucz o identyfikatorze {key_id} nie jest wspierany.")
        return named

    def new_ksef_token(
        self, nip: str, description: str, permissions: list[str], status: str = "Active"
    ) -> KsefTokenRecord:
        now = self.now()
        ref = reference_number("EC", now)
        value = f"{ref}|nip-{nip}|{secrets.token_hex(32)}"
        record = KsefTokenRecord(ref, value, nip, description, list(permissions), status, now)
        with self.state.lock:
            self.state.tokens[ref] = record
            self.state.touch()
        return record

    def ensure_ready_tokens(self) -> None:
        for nip in self.config.nips:
            if self.ready_token(nip) is None:
                self.new_ksef_token(nip, READY_TOKEN_DESCRIPTION, DEFAULT_PERMISSIONS)

    def ready_token(self, nip: str) -> str | None:
        with self.state.lock:
            for record in self.state.tokens.values():
                if (
                    record.nip == nip
                    and record.description == READY_TOKEN_DESCRIPTION
                    and record.status == "Active"
                ):
                    return record.token
        return None

    # --- URLs ------------------------------------------------------------------------

    def origin_for(self, host: str | None) -> str:
        """``http://`` and the host a request named, when it is a plain host[:port]
        (a client may reach the sandbox by another name, e.g. through a proxy); the bound
        address otherwise."""
        if host and _HOST.fullmatch(host):
            return f"http://{host}"
        return self.server_url

    def presign(self, path: str, lifetime: timedelta = PRESIGNED_LIFETIME) -> tuple[str, datetime]:
        """A pre-signed URL on this server (no bearer needed) and its expiry, on the host
        the current request named."""
        expires_at = self.now() + lifetime
        expires = int(expires_at.timestamp())
        query = urlencode({"se": expires, "sig": self.jwt.sign_url(path, expires)})
        return f"{REQUEST_ORIGIN.get() or self.server_url}{path}?{query}", expires_at

    def check_presigned(self, path: str, expires: str | None, signature: str | None) -> bool:
        if not expires or not signature or not expires.isdigit():
            return False
        if int(expires) < self.now().timestamp():
            return False
        return self.jwt.check_url(path, int(expires), signature)
