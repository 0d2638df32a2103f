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

Any answer at all is survived (issue 22, item 4): a body is read as a stream and
abandoned at the cap of its kind (``AnswerKind``: JSON, UPO, invoice, export package
part) with ``AnswerTooLarge``; each exchange has an overall deadline (``deadline.py``)
and ends with ``DeadlineExceeded`` when it runs past it, however slowly bytes trickle
in; JSON that cannot be decoded, or nests deeper than any KSeF answer, is a
``ProtocolError`` (never a ``RecursionError``); ``Retry-After`` values of 0, negative,
NaN, infinite, in the past or absurdly far are clamped, and repeated 429s back off.

Every call is logged with method, path, status and reference number; never a header,
a token, a query string of a pre-signed URL or a body.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from ksef_desktop.ksef.deadline import exchange_deadline
from ksef_desktop.ksef.environments import Environment
from ksef_desktop.ksef.errors import (
    AnswerTooLarge,
    AuthExpired,
    DeadlineExceeded,
    Forbidden,
    KsefUnavailable,
    KsefVerdict,
    NetworkError,
    ProtocolError,
    RateLimited,
    RequestRejected,
)
from ksef_desktop.ksef.ratelimit import ANONYMOUS, RateGate

log = logging.getLogger("ksef_desktop.ksef")

RETRIED_STATUSES = frozenset({500, 502, 504})


class Gone(KsefVerdict):
    """HTTP 410: KSeF no longer keeps what was asked for (old operation status)."""

    kind = "http"


class AccessTokenProvider(Protocol):
    """Gives the current access token and renews it after a 401."""

    def access_token(self) -> str: ...

    def renew_after_401(self, rejected: str) -> None: ...


MIB = 1024 * 1024


@dataclass(frozen=True)
class AnswerKind:
    """How large one kind of answer may be and how long its whole exchange may take."""

    name: str
    max_bytes: int
    deadline: float  # seconds for connecting, sending and reading the whole answer


# KSeF's largest JSON answers (1000 session invoices, 250 metadata records) are a few MB.
JSON_ANSWER = AnswerKind("JSON", 16 * MIB, 90.0)
# A session UPO page lists up to 10 000 documents (about 6 MB).
UPO_ANSWER = AnswerKind("UPO", 32 * MIB, 120.0)
# An invoice is at most 1 MB, 3 MB with attachments.
INVOICE_ANSWER = AnswerKind("invoice", 8 * MIB, 120.0)
# An export package part is at most 50 MiB before encryption (+ padding).
EXPORT_PART_ANSWER = AnswerKind("export package part", 64 * MIB, 900.0)
#: An upload gets this much more time per byte it sends (at least 64 KiB/s).
UPLOAD_MIN_RATE = 64 * 1024
#: The deepest JSON nesting accepted (KSeF's answers nest about six levels).
MAX_JSON_DEPTH = 64


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    default_retry_after: float = 1.0
    max_rate_limit_wait: float = 900.0
    max_rate_limit_retries: int = 50
    #: The shortest wait after a 429 or 503, whatever Retry-After says (no busy loop).
    min_retry_after: float = 1.0
    #: The longest Retry-After believed (a day); anything beyond is reported as this.
    max_retry_after: float = 86_400.0
    #: Caps every kind's deadline (None: each kind's own).
    exchange_deadline: float | None = None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), as sent:
    possibly 0, negative, NaN or infinite (see ``clamp_retry_after``); None when absent
    or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    base = now or datetime.now(UTC)
    return (when - base).total_seconds()


def clamp_retry_after(seconds: float | None, policy: RetryPolicy) -> float:
    """A sane wait from what the server said: the default when it said nothing usable
    (absent, unreadable, NaN), never below ``min_retry_after`` (0, negative, a past date),
    never above ``max_retry_after`` (huge, infinite)."""
    if seconds is None or math.isnan(seconds):
        seconds = policy.default_retry_after
    return min(max(seconds, policy.min_retry_after), policy.max_retry_after)


def _depth(data: Any) -> int:
    """Nesting depth of decoded JSON, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in node)
    return deepest


def decode_json(content: bytes, *, parse_float: Callable[[str], Any] | None = None) -> Any:
    """KSeF's JSON answer, or ``ProtocolError`` for anything that is not sane JSON:
    bytes that do not decode, invalid JSON, absurd numbers, nesting deeper than
    ``MAX_JSON_DEPTH`` (which would otherwise end in a ``RecursionError``)."""
    try:
        data = jsonlib.loads(content, parse_float=parse_float)
    except RecursionError:
        raise ProtocolError("the answer is JSON nested too deeply") from None
    except (ValueError, TypeError, ArithmeticError):  # UnicodeDecodeError is a ValueError
        raise ProtocolError("the answer is not valid JSON") from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise ProtocolError("the answer is JSON nested too deeply")
    return data


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return decode_json(response.content)
    except ProtocolError:
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

    def pause(self, attempt: int) -> None:
        """Sleep the backoff of the ``attempt``-th retry (for callers' own retries)."""
        self.sleep(self._backoff(attempt))

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
        answer: AnswerKind = JSON_ANSWER,
    ) -> httpx.Response:
        """One logical call; retried as the module docstring says. Returns the response
        with its body read (at most ``answer.max_bytes``).

        ``bearer`` sends that token; ``access`` sends the provider's access token.
        ``absolute`` treats ``path`` as a full (pre-signed) URL: no token is ever sent.
        ``group`` is the rate-limit group; calls without one count as ``anonymous``.
        """
        url = path if absolute else self.environment.url(path)
        shown = urlsplit(url).path
        failures = 0
        rate_limited = 0
        renewed = False
        while True:
            self._hold_back()
            if not absolute and self.gate is not None:
                self.gate.acquire(group or ANONYMOUS)
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
                response = self._exchange(
                    method,
                    url,
                    shown,
                    answer,
                    json=json,
                    content=content,
                    params=params,
                    headers=send_headers,
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
                said = parse_retry_after(response.headers.get("Retry-After"))
                wait = clamp_retry_after(said, self.policy)
                if wait > self.policy.max_rate_limit_wait or (
                    rate_limited > self.policy.max_rate_limit_retries
                ):
                    raise RateLimited(wait, _problem(body), group)
                # A server that keeps saying "now" still gets a growing pause.
                self._block_for(max(wait, self._backoff(rate_limited)))
                continue
            if status == 503:
                said = parse_retry_after(response.headers.get("Retry-After"))
                raise KsefUnavailable(
                    503,
                    None if said is None else clamp_retry_after(said, self.policy),
                    _problem(body),
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

    def _budget(self, answer: AnswerKind, content: bytes | None) -> float:
        seconds = answer.deadline + len(content or b"") / UPLOAD_MIN_RATE
        if self.policy.exchange_deadline is not None:
            seconds = min(seconds, self.policy.exchange_deadline)
        return seconds

    def _exchange(
        self,
        method: str,
        url: str,
        shown: str,
        answer: AnswerKind,
        *,
        json: Any,
        content: bytes | None,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str],
    ) -> httpx.Response:
        """Send one request and read its answer by the deadline and within the cap."""
        budget = self._budget(answer, content)
        deadline = time.monotonic() + budget
        with exchange_deadline(deadline):
            try:
                request = self.client.build_request(
                    method, url, json=json, content=content, params=params, headers=headers
                )
                response = self.client.send(request, stream=True)
                try:
                    data = _read_capped(response, answer, deadline)
                finally:
                    response.close()
            except httpx.TransportError:
                if time.monotonic() >= deadline:
                    raise DeadlineExceeded(shown, budget) from None
                raise
        log.debug("KSeF %s %s: %d bytes", method, shown, len(data))
        return _buffered(response, data)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """``request`` returning the decoded JSON body (ProtocolError if it is not JSON)."""
        response = self.request(method, path, **kwargs)
        try:
            return decode_json(response.content)
        except ProtocolError as exc:
            raise ProtocolError(f"{method} {urlsplit(path).path}: {exc}") from None


def _read_capped(response: httpx.Response, answer: AnswerKind, deadline: float) -> bytes:
    """The (decompressed) body, refused beyond ``answer.max_bytes`` or past ``deadline``."""
    declared = response.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > answer.max_bytes:
        raise AnswerTooLarge(answer.name, answer.max_bytes)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > answer.max_bytes:
            raise AnswerTooLarge(answer.name, answer.max_bytes)
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the exchange ran past its deadline")
    return b"".join(chunks)


_HOP_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _buffered(response: httpx.Response, data: bytes) -> httpx.Response:
    """A closed streamed response as an ordinary one holding ``data`` (already decoded)."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _HOP_HEADERS]
    return httpx.Response(
        response.status_code, headers=headers, content=data, request=response.request
    )


def _problem(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("detail", "title"):
            if isinstance(body.get(key), str):
                return str(body[key])
        status = body.get("status")
        if isinstance(status, dict) and isinstance(status.get("details"), list):
            return "; ".join(str(d) for d in status["details"])
    return ""
