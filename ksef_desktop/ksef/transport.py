"""HTTP transport to KSeF: one injected ``httpx.Client``, retries, typed errors.

- 429: wait ``Retry-After`` (the whole transport holds back until it ends, so no thread
  sends before), never a busy loop; a wait beyond ``max_rate_limit_wait`` raises
  ``RateLimited`` for the caller to schedule later.
- 500/502/504 and timeouts or dropped connections: capped exponential backoff with
  jitter, then ``KsefUnavailable`` / ``NetworkError``.
- 503 (planned unavailability): ``KsefUnavailable`` at once.
- 401 on a call with the access token: one refresh through the token provider, then
  ``AuthExpired``.
- 400/403/410: ``RequestRejected`` / ``Forbidden`` / ``Gone`` with KSeF's codes.

Every call is logged with method, path, status and reference number; never a header,
a token, a query string of a pre-signed URL or a body.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from ksef_desktop.ksef.environments import Environment
from ksef_desktop.ksef.errors import (
    AuthExpired,
    Forbidden,
    KsefUnavailable,
    KsefVerdict,
    NetworkError,
    ProtocolError,
    RateLimited,
    RequestRejected,
)
from ksef_desktop.ksef.ratelimit import RateGate

log = logging.getLogger("ksef_desktop.ksef")

RETRIED_STATUSES = frozenset({500, 502, 504})


class Gone(KsefVerdict):
    """HTTP 410: KSeF no longer keeps what was asked for (old operation status)."""

    kind = "http"


class AccessTokenProvider(Protocol):
    """Gives the current access token and renews it after a 401."""

    def access_token(self) -> str: ...

    def renew_after_401(self, rejected: str) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    default_retry_after: float = 1.0
    max_rate_limit_wait: float = 900.0
    max_rate_limit_retries: int = 50


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    base = now or datetime.now(UTC)
    return max(0.0, (when - base).total_seconds())


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _reference_of(body: Any) -> str | None:
    if isinstance(body, dict):
        ref = body.get("referenceNumber")
        if isinstance(ref, str):
            return ref
    return None


def rejection_from(response: httpx.Response) -> KsefVerdict:
    """The typed verdict of a 400/403/410 response (legacy or Problem Details body)."""
    body = _json_or_none(response)
    status = response.status_code
    if status == 403:
        reason = body.get("reasonCode", "") if isinstance(body, dict) else ""
        detail = body.get("detail", "") if isinstance(body, dict) else ""
        return Forbidden(str(reason or ""), str(detail or ""))
    if status == 410:
        detail = body.get("detail", "") if isinstance(body, dict) else ""
        return Gone(410, str(detail or "Gone"))
    entries: list[dict[str, Any]] = []
    ref = None
    if isinstance(body, dict):
        exc = body.get("exception")
        if isinstance(exc, dict):
            entries = [
                {
                    "code": e.get("exceptionCode"),
                    "description": e.get("exceptionDescription"),
                    "details": e.get("details"),
                }
                for e in exc.get("exceptionDetailList") or []
                if isinstance(e, dict)
            ]
            ref = exc.get("referenceNumber")
        elif isinstance(body.get("errors"), list):
            entries = [e for e in body["errors"] if isinstance(e, dict)]
            ref = body.get("traceId")
    codes = [int(e["code"]) for e in entries if isinstance(e.get("code"), int)]
    if not codes:
        return RequestRejected(status, f"HTTP {status}", (), None, (status,))
    first = entries[0]
    details = [str(d) for e in entries for d in (e.get("details") or [])]
    return RequestRejected(
        codes[0],
        str(first.get("description") or ""),
        details,
        ref if isinstance(ref, str) else None,
        codes,
    )


@dataclass
class Transport:
    """Sends requests to one environment; every dependency is injected."""

    client: httpx.Client
    environment: Environment
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    tokens: AccessTokenProvider | None = None
    gate: RateGate | None = None
    _blocked_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.gate is None:
            self.gate = RateGate(self.sleep, self.monotonic)

    # --- waiting ---------------------------------------------------------------------

    def _hold_back(self) -> None:
        """Sleep until a Retry-After announced to any thread has passed."""
        while True:
            with self._lock:
                remaining = self._blocked_until - self.monotonic()
            if remaining <= 0:
                return
            self.sleep(remaining)

    def _block_for(self, seconds: float) -> None:
        with self._lock:
            self._blocked_until = max(self._blocked_until, self.monotonic() + seconds)

    def _backoff(self, attempt: int) -> float:
        cap = min(self.policy.max_delay, self.policy.base_delay * 2.0 ** (attempt - 1))
        jitter: float = self.rng.random()
        return cap * (0.5 + 0.5 * jitter)

    # --- requests --------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        bearer: str | None = None,
        access: bool = False,
        expect: tuple[int, ...] = (200,),
        group: str | None = None,
        absolute: bool = False,
    ) -> httpx.Response:
        """One logical call; retried as the module docstring says. Returns the response.

        ``bearer`` sends that token; ``access`` sends the provider's access token.
        ``absolute`` treats ``path`` as a full (pre-signed) URL: no token is ever sent.
        """
        url = path if absolute else self.environment.url(path)
        shown = urlsplit(url).path
        failures = 0
        rate_limited = 0
        renewed = False
        while True:
            self._hold_back()
            if not absolute and self.gate is not None:
                self.gate.acquire(group)
            send_headers = dict(headers or {})
            token = None
            if not absolute:
                if access:
                    if self.tokens is None:
                        raise ProtocolError("an access token is needed but no provider is set")
                    token = self.tokens.access_token()
                elif bearer is not None:
                    token = bearer
                if token is not None:
                    send_headers["Authorization"] = f"Bearer {token}"
            started = self.monotonic()
            try:
                response = self.client.request(
                    method, url, json=json, content=content, params=params, headers=send_headers
                )
            except httpx.TransportError as exc:
                failures += 1
                log.warning(
                    "KSeF %s %s: %s (attempt %d)", method, shown, type(exc).__name__, failures
                )
                if failures >= self.policy.max_attempts:
                    raise NetworkError(type(exc).__name__) from None
                self.sleep(self._backoff(failures))
                continue
            status = response.status_code
            body = (
                _json_or_none(response)
                if "json" in response.headers.get("content-type", "")
                else None
            )
            log.info(
                "KSeF %s %s -> %d in %.0f ms ref=%s",
                method,
                shown,
                status,
                (self.monotonic() - started) * 1000,
                _reference_of(body) or "-",
            )
            if status in expect:
                return response
            if status == 429:
                rate_limited += 1
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if wait is None:
                    wait = self.policy.default_retry_after
                if wait > self.policy.max_rate_limit_wait or (
                    rate_limited > self.policy.max_rate_limit_retries
                ):
                    raise RateLimited(wait)
                self._block_for(wait)
                continue
            if status == 503:
                raise KsefUnavailable(
                    503, parse_retry_after(response.headers.get("Retry-After")), _problem(body)
                )
            if status in RETRIED_STATUSES:
                failures += 1
                if failures >= self.policy.max_attempts:
                    raise KsefUnavailable(status, None, _problem(body))
                self.sleep(self._backoff(failures))
                continue
            if status == 401 and access and not renewed and self.tokens is not None and token:
                renewed = True
                self.tokens.renew_after_401(token)
                continue
            if status == 401:
                raise AuthExpired(_problem(body))
            if status in (400, 403, 410):
                raise rejection_from(response)
            raise ProtocolError(f"{method} {shown}: unexpected HTTP {status}")

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """``request`` returning the decoded JSON body (ProtocolError if it is not JSON)."""
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise ProtocolError(f"{method} {path}: the answer is not JSON") from None


def _problem(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("detail", "title"):
            if isinstance(body.get(key), str):
                return str(body[key])
        status = body.get("status")
        if isinstance(status, dict) and isinstance(status.get("details"), list):
            return "; ".join(str(d) for d in status["details"])
    return ""
