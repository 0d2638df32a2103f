"""The client survives any answer (issue 22, item 4), against a real hostile HTTP server
on 127.0.0.1: JSON nested past any recursion limit, a body or headers that drip a byte
at a time, floods past each kind's cap (and a gzip bomb), absurd ``Retry-After`` values.

Every failure must be one of the client's typed errors (``ProtocolError``,
``DeadlineExceeded``, ``RateLimited``), never a ``RecursionError``, a hang or a
``MemoryError``; the server's side of the wire shows that the client hung up early.
"""

from __future__ import annotations

import gzip
import itertools
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from ksef_desktop.ksef import api_status
from ksef_desktop.ksef.deadline import DeadlineTransport, new_http_client
from ksef_desktop.ksef.environments import sandbox
from ksef_desktop.ksef.errors import (
    AnswerTooLarge,
    DeadlineExceeded,
    KsefError,
    ProtocolError,
    RateLimited,
    RequestRejected,
)
from ksef_desktop.ksef.ratelimit import RateGate
from ksef_desktop.ksef.transport import (
    EXPORT_PART_ANSWER,
    INVOICE_ANSWER,
    JSON_ANSWER,
    MAX_JSON_DEPTH,
    UPO_ANSWER,
    AnswerKind,
    RetryPolicy,
    Transport,
    clamp_retry_after,
    decode_json,
    parse_retry_after,
)
from tests.unit.test_ksef_transport import FakeClock

DRIP_EVERY = 0.2  # seconds between two bytes: far below any per-read timeout used here
DEADLINE = 1.0  # the exchange deadline of these tests (RetryPolicy.exchange_deadline)


@dataclass
class Served:
    """What the hostile server managed to do for one request."""

    path: str
    sent: int = 0  # bytes of the body (or headers) written before the client hung up
    hung_up: bool = False
    done: threading.Event = field(default_factory=threading.Event)


Behaviour = Callable[[BaseHTTPRequestHandler, Served], None]


class HostileServer:
    """Answers each path with its behaviour; records what it could write."""

    def __init__(self) -> None:
        self.behaviours: dict[str, Behaviour] = {}
        self.served: list[Served] = []
        self.connections = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                served = Served(self.path.split("?")[0])
                outer.served.append(served)
                behaviour = outer.behaviours.get(served.path, _json_reply(200, b"{}"))
                try:
                    behaviour(self, served)
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                    served.hung_up = True
                    self.close_connection = True
                finally:
                    served.done.set()

            do_GET = do_POST = do_PUT = _handle

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self) -> tuple[socket.socket, Any]:
                outer.connections += 1
                return super().get_request()

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def last(self) -> Served:
        served = self.served[-1]
        assert served.done.wait(10), "the server is still writing: the client never hung up"
        return served


def _json_reply(status: int, body: bytes, headers: dict[str, str] | None = None) -> Behaviour:
    def reply(h: BaseHTTPRequestHandler, served: Served) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
        served.sent = len(body)

    return reply


def _drip_body(total: int) -> Behaviour:
    def reply(h: BaseHTTPRequestHandler, served: Served) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(total))
        h.end_headers()
        h.wfile.flush()
        for _ in range(total):
            h.wfile.write(b" ")
            h.wfile.flush()
            served.sent += 1
            time.sleep(DRIP_EVERY)

    return reply


def _drip_headers(count: int) -> Behaviour:
    def reply(h: BaseHTTPRequestHandler, served: Served) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(count):
            h.wfile.write(b"X")
            h.wfile.flush()
            served.sent += 1
            time.sleep(DRIP_EVERY)
        h.wfile.write(b": y\r\nContent-Length: 2\r\n\r\n{}")

    return reply


def _flood(total: int, declared: bool, chunk: bytes = b" " * 65536) -> Behaviour:
    def reply(h: BaseHTTPRequestHandler, served: Served) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        if declared:
            h.send_header("Content-Length", str(total))
        else:
            h.send_header("Connection", "close")  # the body ends when the connection does
            h.close_connection = True
        h.end_headers()
        while served.sent < total:
            h.wfile.write(chunk)
            served.sent += len(chunk)

    return reply


def _gzip_bomb(expanded: int) -> Behaviour:
    packed = gzip.compress(b"\0" * expanded, compresslevel=9)

    def reply(h: BaseHTTPRequestHandler, served: Served) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Encoding", "gzip")
        h.send_header("Content-Length", str(len(packed)))
        h.end_headers()
        h.wfile.write(packed)
        served.sent = len(packed)

    return reply


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as s:
        yield s


def _transport(
    server: HostileServer, http: httpx.Client, clock: FakeClock | None = None, **policy: Any
) -> Transport:
    clock = clock or FakeClock()
    policy.setdefault("exchange_deadline", DEADLINE)
    policy.setdefault("max_attempts", 3)
    return Transport(
        http,
        sandbox(server.url + "/v2"),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        rng=random.Random(3),
        policy=RetryPolicy(**policy),
        gate=RateGate(clock.sleep, clock.monotonic, {}),
    )


@pytest.fixture
def hardened(server: HostileServer) -> Iterator[Transport]:
    """The HTTP client the program uses (deadline-aware sockets), with a read timeout
    far longer than the drip interval: per-read timeouts alone would never fire."""
    with new_http_client(httpx.Timeout(5.0)) as http:
        yield _transport(server, http)


# --- JSON that nests, or is not JSON ----------------------------------------------------


def test_json_nested_past_the_recursion_limit_is_a_protocol_error(
    server: HostileServer, hardened: Transport
) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    server.behaviours["/v2/sessions/REF"] = _json_reply(200, deep)
    with pytest.raises(ProtocolError):
        hardened.json("GET", "/sessions/REF")
    with pytest.raises(ProtocolError):
        api_status.session_status(hardened, "REF")  # through the model, too


def test_json_deeper_than_any_answer_is_refused_before_parsing_it(
    server: HostileServer, hardened: Transport
) -> None:
    nested = b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1)
    server.behaviours["/v2/x"] = _json_reply(200, nested)
    with pytest.raises(ProtocolError, match="nested too deeply"):
        hardened.json("GET", "/x")
    fine = b'{"a":' * (MAX_JSON_DEPTH - 1) + b"1" + b"}" * (MAX_JSON_DEPTH - 1)
    assert decode_json(fine)["a"]["a"]


def test_a_nested_error_body_still_becomes_a_typed_rejection(
    server: HostileServer, hardened: Transport
) -> None:
    server.behaviours["/v2/x"] = _json_reply(400, b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(RequestRejected) as info:
        hardened.json("GET", "/x")
    assert info.value.code == 400


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\x00garbage", b'{"a": 1e999999999}', b'{"n": ' + b"9" * 5000 + b"}", b"nan", b""],
)
def test_undecodable_bodies_are_protocol_errors(
    server: HostileServer, hardened: Transport, body: bytes
) -> None:
    server.behaviours["/v2/x"] = _json_reply(200, body)
    try:
        data = hardened.json("GET", "/x")
    except ProtocolError:
        return
    assert isinstance(data, dict)  # 1e999999999 is a (float) infinity: decodable


# --- an overall deadline per exchange -----------------------------------------------------


def test_a_body_that_drips_ends_at_the_deadline(server: HostileServer, hardened: Transport) -> None:
    server.behaviours["/v2/slow"] = _drip_body(100)  # 20 s if nobody hangs up
    with pytest.raises(DeadlineExceeded) as info:
        hardened.json("GET", "/slow")
    assert info.value.seconds == DEADLINE
    served = server.last()
    assert served.sent < 100
    assert len(server.served) == 1  # a deadline is not retried at once


def test_headers_that_drip_end_at_the_deadline(server: HostileServer, hardened: Transport) -> None:
    server.behaviours["/v2/slow"] = _drip_headers(100)
    with pytest.raises(DeadlineExceeded):
        hardened.json("GET", "/slow")
    assert server.last().sent < 100


def test_the_deadline_holds_even_with_a_plain_httpx_client(server: HostileServer) -> None:
    """Without the deadline-aware sockets the transport still checks between chunks."""
    server.behaviours["/v2/slow"] = _drip_body(100)
    with httpx.Client(timeout=httpx.Timeout(5.0)) as http:
        t = _transport(server, http)
        with pytest.raises(DeadlineExceeded):
            t.json("GET", "/slow")
    assert server.last().sent < 100


def test_the_program_s_http_client_is_the_deadline_aware_one() -> None:
    from ksef_desktop.commands._ksef import http_client

    with http_client() as http:
        transport = http._transport_for_url(httpx.URL("https://api.ksef.mf.gov.pl/v2"))
        assert isinstance(transport, DeadlineTransport)
        assert http.follow_redirects is False


def test_an_answer_in_time_is_not_cut(server: HostileServer, hardened: Transport) -> None:
    server.behaviours["/v2/slow"] = _drip_body(3)  # 0.6 s, inside the deadline
    assert hardened.request("GET", "/slow").content == b"   "


# --- caps on size, per kind of answer -----------------------------------------------------

KINDS = [JSON_ANSWER, UPO_ANSWER, INVOICE_ANSWER, EXPORT_PART_ANSWER]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_flood_stops_at_the_cap_of_its_kind(
    server: HostileServer, kind: AnswerKind, hardened: Transport
) -> None:
    server.behaviours["/v2/flood"] = _flood(kind.max_bytes * 4, declared=False)
    hardened.policy = RetryPolicy(exchange_deadline=60.0)
    with pytest.raises(AnswerTooLarge) as info:
        hardened.request("GET", "/flood", answer=kind)
    assert info.value.max_bytes == kind.max_bytes
    served = server.last()
    assert served.hung_up
    assert served.sent < kind.max_bytes * 4


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_declared_oversize_body_is_not_read_at_all(
    server: HostileServer, kind: AnswerKind, hardened: Transport
) -> None:
    server.behaviours["/v2/big"] = _flood(400 * 1024 * 1024, declared=True)
    with pytest.raises(AnswerTooLarge):
        hardened.request("GET", "/big", answer=kind)
    served = server.last()
    assert served.hung_up
    assert served.sent < 50 * 1024 * 1024  # what the socket buffers took, not 400 MB


def test_a_gzip_bomb_is_measured_unpacked(server: HostileServer, hardened: Transport) -> None:
    server.behaviours["/v2/bomb"] = _gzip_bomb(64 * 1024 * 1024)
    with pytest.raises(AnswerTooLarge):
        hardened.json("GET", "/bomb")


def test_each_kind_of_answer_goes_through_its_cap_in_the_api(
    server: HostileServer, hardened: Transport
) -> None:
    hardened.tokens = type(
        "P", (), {"access_token": lambda self: "a", "renew_after_401": lambda self, r: None}
    )()
    server.behaviours["/v2/sessions/S/upo/U"] = _flood(UPO_ANSWER.max_bytes + 1, declared=True)
    with pytest.raises(AnswerTooLarge) as info:
        api_status.session_upo(hardened, "S", "U")
    assert info.value.answer_kind == "UPO"


# --- Retry-After: clamped, never a busy loop --------------------------------------------


@pytest.mark.parametrize("said", ["0", "-5", "nan", "NaN", "garbage", "", "0.0001"])
def test_tiny_or_senseless_retry_after_never_busy_loops(server: HostileServer, said: str) -> None:
    clock = FakeClock()
    stamps: list[float] = []

    def storm(h: BaseHTTPRequestHandler, served: Served) -> None:
        stamps.append(clock.monotonic())
        _json_reply(429, b"{}", {"Retry-After": said})(h, served)

    server.behaviours["/v2/x"] = storm
    with httpx.Client(timeout=5) as http:
        t = _transport(server, http, clock, max_rate_limit_retries=8)
        with pytest.raises(RateLimited):
            t.json("GET", "/x")
    assert len(stamps) == 9
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= 1.0  # the audit saw 51 requests in 2.5 s
    assert gaps[-1] > gaps[0]  # and the pause grows while the storm lasts


@pytest.mark.parametrize(
    "said", ["1e12", "inf", "Infinity", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"]
)
def test_absurdly_long_retry_after_is_reported_clamped(server: HostileServer, said: str) -> None:
    server.behaviours["/v2/x"] = _json_reply(429, b"{}", {"Retry-After": said})
    with httpx.Client(timeout=5) as http:
        t = _transport(server, http)
        with pytest.raises(RateLimited) as info:
            t.json("GET", "/x")
    assert info.value.retry_after == RetryPolicy().max_retry_after
    assert len(server.served) == 1


def test_retry_after_as_an_http_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    policy = RetryPolicy()
    ahead = parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now)
    assert clamp_retry_after(ahead, policy) == 30
    past = parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now)
    assert clamp_retry_after(past, policy) == policy.min_retry_after
    assert parse_retry_after("Thu, 99 Foo 2026 25:61:61 GMT", now) is None
    assert clamp_retry_after(None, policy) == policy.default_retry_after


def test_every_failure_above_is_a_client_error_with_a_sentence() -> None:
    for exc in (
        DeadlineExceeded("/x", 1.0),
        AnswerTooLarge("JSON", 16 * 1024 * 1024),
        ProtocolError("nested"),
        RateLimited(86400),
    ):
        assert isinstance(exc, KsefError)
        assert exc.message()
