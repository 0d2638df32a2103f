"""Token authentication against a scripted KSeF on 127.0.0.1: polling, 21470, refresh."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP

from ksef_desktop.ksef.api_status import session_upo
from ksef_desktop.ksef.auth import Certificates, PollPolicy, TokenAuthenticator
from ksef_desktop.ksef.crypto import sha256_b64
from ksef_desktop.ksef.environments import sandbox
from ksef_desktop.ksef.errors import AuthRejected, RequestRejected, UpoHashMismatch
from ksef_desktop.ksef.ratelimit import RateGate
from ksef_desktop.ksef.transport import RetryPolicy, Transport
from tests.unit.test_ksef_crypto import CERT, KEY
from tests.unit.test_ksef_transport import FakeClock, Reply, ScriptedServer

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OAEP_SHA256 = OAEP(mgf=MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def _certs(pkid: str) -> list[dict[str, object]]:
    return [
        {
            "certificate": base64.b64encode(CERT).decode(),
            "certificateId": pkid,
            "publicKeyId": pkid,
            "validFrom": "2026-02-01T00:00:00Z",
            "validTo": "2027-02-01T00:00:00Z",
            "usage": ["KsefTokenEncryption", "SymmetricKeyEncryption"],
        }
    ]


AUTH_REF = "20250514-AU-2DFC46C000-3AC6D5877F-D4"
CHALLENGE = Reply(
    200,
    {
        "challenge": "20250514-CR-226FB7B000-3ACF9BE4C0-10",
        "timestamp": "2026-03-01T12:00:00+00:00",
        "timestampMs": 1772366400000,
        "clientIp": "127.0.0.1",
    },
)
INIT = Reply(
    202,
    {
        "referenceNumber": AUTH_REF,
        "authenticationToken": {"token": "op-token", "validUntil": "2026-03-01T12:45:00Z"},
    },
)


def _status(code: int, details: list[str] | None = None) -> Reply:
    return Reply(
        200,
        {
            "startDate": "2026-03-01T12:00:00Z",
            "authenticationMethod": "Token",
            "authenticationMethodInfo": {
                "category": "Token",
                "code": "token",
                "displayName": "Token",
            },
            "status": {"code": code, "description": "opis", "details": details},
        },
    )


def _tokens(access: str, minutes: int = 15, base: datetime = NOW) -> Reply:
    until = (base + timedelta(minutes=minutes)).isoformat()
    return Reply(
        200,
        {
            "accessToken": {"token": access, "validUntil": until},
            "refreshToken": {
                "token": "refresh-1",
                "validUntil": (NOW + timedelta(days=7)).isoformat(),
            },
        },
    )


class Clock(FakeClock):
    def now(self) -> datetime:
        return NOW + timedelta(seconds=self.monotonic() - 1000.0)


@pytest.fixture
def env() -> Iterator[tuple[ScriptedServer, Transport, Clock]]:
    clock = Clock()
    with ScriptedServer(clock) as server, httpx.Client(timeout=5) as http:
        t = Transport(
            http,
            sandbox(server.url + "/v2"),
            sleep=clock.sleep,
            monotonic=clock.monotonic,
            rng=random.Random(1),
            policy=RetryPolicy(),
            gate=RateGate(clock.sleep, clock.monotonic, {}),
        )
        yield server, t, clock


def _auth(t: Transport, clock: Clock, token: str = "ksef-token-CANARY") -> TokenAuthenticator:
    return TokenAuthenticator(
        t,
        Certificates(t, clock.now),
        "5265877635",
        token,
        clock.now,
        PollPolicy(first=0.5, factor=2, cap=2),
    )


def test_full_flow_with_polling_backoff(env: tuple[ScriptedServer, Transport, Clock]) -> None:
    server, t, clock = env
    server.script = [
        CHALLENGE,
        Reply(200, _certs("A" * 43 + "=")),
        INIT,
        _status(100),
        _status(100),
        _status(100),
        _status(200),
        _tokens("access-1"),
    ]
    auth = _auth(t, clock)
    assert auth.access_token() == "access-1"
    paths = [(s.method, s.path) for s in server.seen]
    assert paths[:3] == [
        ("POST", "/v2/auth/challenge"),
        ("GET", "/v2/security/public-key-certificates"),
        ("POST", "/v2/auth/ksef-token"),
    ]
    assert paths[-1] == ("POST", "/v2/auth/token/redeem")
    body = json.loads(server.seen[2].body)
    plain = KEY.decrypt(base64.b64decode(body["encryptedToken"]), OAEP_SHA256)
    assert plain == b"ksef-token-CANARY|1772366400000"
    assert body["contextIdentifier"] == {"type": "Nip", "value": "5265877635"}
    assert body["publicKeyId"] == "A" * 43 + "="
    assert server.seen[3].headers["authorization"] == "Bearer op-token"
    assert server.seen[-1].headers["authorization"] == "Bearer op-token"
    assert clock.sleeps == [0.5, 1.0, 2.0]  # backoff between polls, capped


def test_unknown_key_21470_refetches_the_certificates_once(
    env: tuple[ScriptedServer, Transport, Clock],
) -> None:
    server, t, clock = env
    rejected = Reply(
        400,
        {
            "exception": {
                "exceptionDetailList": [{"exceptionCode": 21470, "exceptionDescription": "klucz"}]
            }
        },
    )
    server.script = [
        CHALLENGE,
        Reply(200, _certs("B" * 43 + "=")),
        rejected,
        CHALLENGE,
        Reply(200, _certs("C" * 43 + "=")),
        INIT,
        _status(200),
        _tokens("access-2"),
    ]
    assert _auth(t, clock).access_token() == "access-2"
    sent_ids = [
        json.loads(s.body)["publicKeyId"] for s in server.seen if s.path == "/v2/auth/ksef-token"
    ]
    assert sent_ids == ["B" * 43 + "=", "C" * 43 + "="]
    server.script = [
        CHALLENGE,
        Reply(200, _certs("D" * 43 + "=")),
        rejected,
        CHALLENGE,
        Reply(200, _certs("D" * 43 + "=")),
        rejected,
    ]
    with pytest.raises(RequestRejected) as info:
        _auth(t, clock).authenticate()
    assert 21470 in info.value.codes


@pytest.mark.parametrize(
    ("code", "details", "polish"),
    [
        (450, ["Nieprawidłowy token"], "skopiowano go w całości"),
        (415, None, "nie ma przypisanych uprawnień"),
        (480, None, "incydentu bezpieczeństwa"),
        (460, ["Certyfikat odwołany"], "został odwołany"),
    ],
)
def test_failed_statuses_raise_auth_rejected(
    env: tuple[ScriptedServer, Transport, Clock], code: int, details: list[str] | None, polish: str
) -> None:
    server, t, clock = env
    server.script = [CHALLENGE, Reply(200, _certs("A" * 43 + "=")), INIT, _status(code, details)]
    with pytest.raises(AuthRejected) as info:
        _auth(t, clock).authenticate()
    assert info.value.code == code
    assert polish in info.value.message()
    assert "CANARY" not in str(info.value)


def test_refresh_before_expiry_then_full_reauth_when_refresh_is_refused(
    env: tuple[ScriptedServer, Transport, Clock],
) -> None:
    server, t, clock = env
    server.script = [
        CHALLENGE,
        Reply(200, _certs("A" * 43 + "=")),
        INIT,
        _status(200),
        _tokens("access-1"),
    ]
    auth = _auth(t, clock)
    assert auth.access_token() == "access-1"
    clock.sleep(14.5 * 60)  # within the 60 s margin of the 15-minute token
    refreshed = Reply(
        200,
        {
            "accessToken": {
                "token": "access-2",
                "validUntil": (clock.now() + timedelta(minutes=15)).isoformat(),
            }
        },
    )
    server.script = [refreshed]
    assert auth.access_token() == "access-2"
    assert server.seen[-1].path == "/v2/auth/token/refresh"
    assert server.seen[-1].headers["authorization"] == "Bearer refresh-1"
    assert auth.access_token() == "access-2"  # still fresh: no request
    count = len(server.seen)
    assert len(server.seen) == count
    # a 401 on refresh (session revoked) starts over from the challenge
    server.script = [
        Reply(401, {"title": "Unauthorized"}),
        CHALLENGE,
        INIT,
        _status(200),
        _tokens("access-3", base=clock.now()),
    ]
    auth.renew_after_401("access-2")
    assert auth.access_token() == "access-3"
    assert [s.path for s in server.seen[count:]] == [
        "/v2/auth/token/refresh",
        "/v2/auth/challenge",
        "/v2/auth/ksef-token",
        f"/v2/auth/{AUTH_REF}",
        "/v2/auth/token/redeem",
    ]


def test_upo_with_a_wrong_hash_is_refused(env: tuple[ScriptedServer, Transport, Clock]) -> None:
    server, t, _clock = env
    upo = Path(__file__).parents[1] / "data/upo/kontekst-nip/upo-sesja-kontekst-id-nip.xml"
    official = upo.read_bytes()
    server.script = [
        Reply(200, official, {"x-ms-meta-hash": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}),
        Reply(200, official, {"x-ms-meta-hash": sha256_b64(official)}),
    ]
    t.tokens = type(
        "P", (), {"access_token": lambda self: "a", "renew_after_401": lambda self, r: None}
    )()
    with pytest.raises(UpoHashMismatch):
        session_upo(
            t, "20250625-SO-2C3E6C8000-B675CF5D68-07", "20250625-EU-2C3E6C8000-B675CF5D68-07"
        )
    good = session_upo(
        t, "20250625-SO-2C3E6C8000-B675CF5D68-07", "20250625-EU-2C3E6C8000-B675CF5D68-07"
    )
    assert good.sha256 == sha256_b64(official)
