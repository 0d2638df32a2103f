"""Transport semantics against a real HTTP server on 127.0.0.1 answering from a script.

The clock is fake: ``sleep`` advances it and records the wait, and the server stamps each
request with the fake time, so "waited at least Retry-After and sent nothing meanwhile"
is checked on the server's side of the wire.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from ksef_desktop.ksef.environments import sandbox
from ksef_desktop.ksef.errors import (
    AuthExpired,
    Forbidden,
    KsefUnavailable,
    NetworkError,
    ProtocolError,
    RateLimited,
    RequestRejected,
)
from ksef_desktop.ksef.ratelimit import Limit, RateGate, margin
from ksef_desktop.ksef.transport import RetryPolicy, Transport, parse_retry_after


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        with self._lock:
            self.sleeps.append(seconds)
            self.t += seconds


@dataclass
class Reply:
    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # real seconds before answering (for timeouts)
    drop: bool = False  # close the connection without an answer


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class ScriptedServer:
    """Answers requests with the next ``Reply`` of the script (then 200 ``{}``)."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.script: list[Reply] = []
        self.seen: list[Seen] = []
        self.clock = clock
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else 40 ms delayed-ACK stalls per answer

            def log_message(self, format: str, *args: object) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.seen.append(
                    Seen(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        outer.clock.monotonic() if outer.clock else time.monotonic(),
                    )
                )
                reply = outer.script.pop(0) if outer.script else Reply(200, {})
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if reply.delay:
                    time.sleep(reply.delay)
                if isinstance(reply.body, bytes):
                    payload, ctype = reply.body, "application/xml"
                elif reply.body is None:
                    payload, ctype = b"", "application/json"
                else:
                    payload, ctype = json.dumps(reply.body).encode(), "application/json"
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(payload)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Tokens:
    def __init__(self) -> None:
        self.current = "access-1"
        self.renewals = 0

    def access_token(self) -> str:
        return self.current

    def renew_after_401(self, rejected: str) -> None:
        self.renewals += 1
        self.current = f"access-{self.renewals + 1}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[ScriptedServer]:
    with ScriptedServer(clock) as s:
        yield s


@pytest.fixture
def transport(server: ScriptedServer, clock: FakeClock) -> Iterator[Transport]:
    with httpx.Client(timeout=httpx.Timeout(0.5)) as http:
        yield Transport(
            http,
            sandbox(server.url + "/v2"),
            sleep=clock.sleep,
            monotonic=clock.monotonic,
            rng=random.Random(7),
            policy=RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0),
            gate=RateGate(clock.sleep, clock.monotonic, {}),
        )


def test_429_waits_retry_after_and_sends_nothing_in_between(
    server: ScriptedServer, transport: Transport, clock: FakeClock
) -> None:
    server.script = [
        Reply(429, {"status": {"code": 429}}, {"Retry-After": "7"}),
        Reply(429, {"status": {"code": 429}}, {"Retry-After": "3"}),
        Reply(200, {"ok": True}),
    ]
    assert transport.json("GET", "/sessions") == {"ok": True}
    times = [s.at for s in server.seen]
    assert len(times) == 3
    assert times[1] - times[0] >= 7
    assert times[2] - times[1] >= 3
    assert sum(clock.sleeps) >= 10


def test_retry_after_blocks_other_threads_of_the_same_transport(
    server: ScriptedServer, transport: Transport, clock: FakeClock
) -> None:
    server.script = [Reply(429, None, {"Retry-After": "30"}), Reply(200, {})]
    transport.json("GET", "/a")
    first_sent_after = server.seen[0].at + 30
    transport.json("GET", "/b")
    assert server.seen[-1].at >= first_sent_after


def test_429_without_header_still_waits(
    server: ScriptedServer, transport: Transport, clock: FakeClock
) -> None:
    server.script = [Reply(429), Reply(200, {})]
    transport.json("GET", "/x")
    assert server.seen[1].at - server.seen[0].at >= 1.0


def test_a_wait_longer_than_agreed_raises_rate_limited(
    server: ScriptedServer, clock: FakeClock
) -> None:
    with httpx.Client() as http:
        t = Transport(
            http,
            sandbox(server.url + "/v2"),
            sleep=clock.sleep,
            monotonic=clock.monotonic,
            policy=RetryPolicy(max_rate_limit_wait=60),
        )
        server.script = [Reply(429, None, {"Retry-After": "3600"})]
        with pytest.raises(RateLimited) as info:
            t.json("GET", "/x")
    assert info.value.retry_after == 3600
    assert len(server.seen) == 1


def test_503_is_ksef_unavailable_at_once(server: ScriptedServer, transport: Transport) -> None:
    server.script = [
        Reply(503, {"title": "Service Unavailable", "detail": "prace"}, {"Retry-After": "120"})
    ]
    with pytest.raises(KsefUnavailable) as info:
        transport.json("GET", "/x")
    assert info.value.status == 503
    assert info.value.retry_after == 120
    assert len(server.seen) == 1


def test_5xx_backs_off_exponentially_with_jitter_then_succeeds(
    server: ScriptedServer, transport: Transport, clock: FakeClock
) -> None:
    server.script = [Reply(500), Reply(502), Reply(504), Reply(200, {"x": 1})]
    assert transport.json("GET", "/x") == {"x": 1}
    assert len(clock.sleeps) == 3
    caps = [0.5, 1.0, 2.0]
    for slept, cap in zip(clock.sleeps, caps, strict=True):
        assert cap / 2 <= slept <= cap


def test_5xx_that_persists_becomes_unavailable_and_backoff_is_capped(
    server: ScriptedServer, clock: FakeClock
) -> None:
    with httpx.Client() as http:
        t = Transport(
            http,
            sandbox(server.url + "/v2"),
            sleep=clock.sleep,
            monotonic=clock.monotonic,
            policy=RetryPolicy(max_attempts=8, base_delay=1.0, max_delay=3.0),
        )
        server.script = [Reply(500)] * 8
        with pytest.raises(KsefUnavailable) as info:
            t.json("GET", "/x")
    assert info.value.status == 500
    assert len(server.seen) == 8
    assert max(clock.sleeps) <= 3.0


def test_timeout_is_retried(server: ScriptedServer, transport: Transport, clock: FakeClock) -> None:
    server.script = [Reply(200, {"late": True}, delay=1.5), Reply(200, {"ok": 1})]
    assert transport.json("POST", "/x", json={"a": 1}) == {"ok": 1}
    assert len(server.seen) == 2
    assert server.seen[0].body == server.seen[1].body
    assert len(clock.sleeps) == 1


def test_dropped_connection_is_retried_then_network_error(
    server: ScriptedServer, transport: Transport
) -> None:
    server.script = [Reply(drop=True), Reply(200, {"ok": 1})]
    assert transport.json("GET", "/x") == {"ok": 1}
    server.script = [Reply(drop=True)] * 4
    with pytest.raises(NetworkError):
        transport.json("GET", "/x")


def test_legacy_400_body_becomes_request_rejected_with_all_codes(
    server: ScriptedServer, transport: Transport
) -> None:
    body = {
        "exception": {
            "exceptionDetailList": [
                {
                    "exceptionCode": 21405,
                    "exceptionDescription": "Błąd walidacji danych wejściowych.",
                    "details": ["a"],
                },
                {"exceptionCode": 21470, "exceptionDescription": "klucz", "details": None},
            ],
            "referenceNumber": "a1b2",
        }
    }
    server.script = [Reply(400, body)]
    with pytest.raises(RequestRejected) as info:
        transport.json("POST", "/x")
    assert info.value.code == 21405
    assert info.value.codes == (21405, 21470)
    assert info.value.details == ("a",)


def test_problem_details_400(server: ScriptedServer, transport: Transport) -> None:
    body = {
        "title": "Bad Request",
        "status": 400,
        "errors": [{"code": 21418, "description": "x", "details": []}],
    }
    server.script = [Reply(400, body)]
    with pytest.raises(RequestRejected) as info:
        transport.json("GET", "/x")
    assert info.value.codes == (21418,)


def test_403_reason_code(server: ScriptedServer, transport: Transport) -> None:
    server.script = [
        Reply(403, {"title": "Forbidden", "reasonCode": "ip-not-allowed", "detail": "d"})
    ]
    with pytest.raises(Forbidden) as info:
        transport.json("GET", "/x")
    assert info.value.reason == "ip-not-allowed"
    assert "adresu tego komputera" in info.value.message()


def test_401_renews_the_access_token_once(server: ScriptedServer, transport: Transport) -> None:
    tokens = Tokens()
    transport.tokens = tokens
    server.script = [Reply(401, {"title": "Unauthorized"}), Reply(200, {"ok": 1})]
    assert transport.json("GET", "/sessions", access=True) == {"ok": 1}
    assert tokens.renewals == 1
    assert server.seen[0].headers["authorization"] == "Bearer access-1"
    assert server.seen[1].headers["authorization"] == "Bearer access-2"
    server.script = [Reply(401), Reply(401)]
    with pytest.raises(AuthExpired):
        transport.json("GET", "/sessions", access=True)


def test_presigned_urls_never_get_a_token(server: ScriptedServer, transport: Transport) -> None:
    transport.tokens = Tokens()
    server.script = [Reply(201)]
    transport.request(
        "PUT", server.url + "/storage/part?sig=s3cr3t", content=b"x", absolute=True, expect=(201,)
    )
    assert "authorization" not in server.seen[0].headers


def test_unexpected_status_is_our_bug(server: ScriptedServer, transport: Transport) -> None:
    server.script = [Reply(404)]
    with pytest.raises(ProtocolError):
        transport.json("GET", "/nowhere")


def test_log_has_path_status_and_reference_never_token_or_query(
    server: ScriptedServer, transport: Transport, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = Tokens()
    tokens.current = "CANARY-TOKEN-xyz"
    transport.tokens = tokens
    server.script = [
        Reply(201, {"referenceNumber": "20250625-SO-2C3E6C8000-B675CF5D68-07"}),
        Reply(201),
    ]
    with caplog.at_level(logging.INFO, logger="ksef_desktop.ksef"):
        transport.json(
            "POST", "/sessions/online", json={"secret": "CANARY-BODY"}, access=True, expect=(201,)
        )
        transport.request(
            "PUT", server.url + "/up?sig=CANARY-SIG", content=b"x", absolute=True, expect=(201,)
        )
    text = caplog.text
    assert "20250625-SO-2C3E6C8000-B675CF5D68-07" in text
    assert "/v2/sessions/online -> 201" in text
    for canary in ("CANARY-TOKEN", "CANARY-BODY", "CANARY-SIG"):
        assert canary not in text


def test_rate_gate_paces_to_the_limits(clock: FakeClock) -> None:
    gate = RateGate(clock.sleep, clock.monotonic, {"invoiceSend": Limit(2, 3, 100)})
    stamps = []
    for _ in range(4):
        gate.acquire("invoiceSend")
        stamps.append(clock.monotonic())
    # 2 per second and 3 per minute: the 3rd waits ~1 s, the 4th waits until a minute passed.
    assert stamps[2] - stamps[0] >= 1.0 + margin(1.0)
    assert stamps[3] - stamps[0] >= 60.0 + margin(60.0)
    assert stamps[1] - stamps[0] < 0.01  # within the limits nothing waits
    gate.acquire(None)
    gate.acquire("unknown-group")


def test_parse_retry_after() -> None:
    assert parse_retry_after("5") == 5
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30
