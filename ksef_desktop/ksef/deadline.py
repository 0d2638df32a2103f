"""An overall deadline for one HTTP exchange, down to every socket operation.

httpx's timeouts are per operation: a read times out only when no byte arrives for the
whole read timeout, so a server that drips a byte every few seconds keeps one request
alive forever. ``Transport`` sets a deadline for each exchange (``exchange_deadline``);
the HTTP client made by :func:`new_http_client` connects, writes and reads through
``DeadlineBackend``, which shortens every socket timeout to the time left and fails
the operation (``httpcore.ReadTimeout`` and friends, seen as ``httpx.TimeoutException``)
once the deadline has passed. Headers that trickle in, a body that trickles out, a TLS
handshake that stalls: all end at the deadline.

With any other ``httpx.Client`` the transport still checks the deadline between the
chunks of a body it reads; a stalled read then ends after at most the client's own
read timeout past it.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

_state = threading.local()

#: The shortest socket timeout handed down (a timeout of 0 would mean non-blocking).
_FLOOR = 0.001


def remaining(clock: Any = time.monotonic) -> float | None:
    """Seconds left of this thread's current exchange (None: no deadline is set)."""
    at: float | None = getattr(_state, "deadline", None)
    return None if at is None else at - clock()


@contextmanager
def exchange_deadline(at: float) -> Iterator[None]:
    """Every socket operation of this thread ends by ``at`` (``time.monotonic`` seconds)."""
    previous = getattr(_state, "deadline", None)
    _state.deadline = at if previous is None else min(previous, at)
    try:
        yield
    finally:
        _state.deadline = previous


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise error("the exchange ran past its deadline")
    left = max(left, _FLOOR)
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        # httpcore writes a body in chunks of 64 KiB: each chunk gets what is left.
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own socket backend with every timeout cut to the exchange's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host,
            port,
            _bounded(timeout, httpcore.ConnectTimeout),
            local_address,
            socket_options,
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, _bounded(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` (TLS always verified, HTTP/1.1) over ``DeadlineBackend``."""

    def __init__(self) -> None:
        super().__init__(verify=True)
        limits = httpx.Limits()
        # httpx builds its connection pool without a way to pass a network backend;
        # this one is the same pool with ours (tests/unit/test_ksef_hostile.py fails
        # if a future httpx stops using it).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=True),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=DeadlineBackend(),
        )


def new_http_client(timeout: httpx.Timeout) -> httpx.Client:
    """The HTTP client for KSeF: per-operation ``timeout``, no redirects, TLS certificates
    always verified, and every exchange bounded by the deadline ``Transport`` sets."""
    return httpx.Client(timeout=timeout, follow_redirects=False, transport=DeadlineTransport())
