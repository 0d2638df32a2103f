"""Authentication with a KSeF token, end to end over HTTP, with independent crypto."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ksef_desktop.sandbox import Sandbox
from tests.contract.rawksef import authenticate, bearer, start_token_auth, wait_auth
from tests.integration.conftest import OTHER_NIP, SELLER, ManualClock, api_for

CHALLENGE = re.compile(r"\d{8}-CR-[A-F0-9]{10}-[A-F0-9]{10}-[A-F0-9]{2}")


def _legacy_code(response: httpx.Response) -> int:
    return int(response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"])


def test_certificates_are_ministry_certificates_with_official_ids(api: httpx.Client) -> None:
    entries = api.get("/security/public-key-certificates").json()
    assert sorted(u for e in entries for u in e["usage"]) == [
        "KsefTokenEncryption",
        "SymmetricKeyEncryption",
    ]
    for entry in entries:
        der = base64.b64decode(entry["certificate"])
        cert = x509.load_der_x509_certificate(der)
        assert "Ministerstwo Finansów" in cert.subject.rfc4514_string()
        assert cert.public_key().key_size == 2048  # type: ignore[union-attr]
        spki = cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert entry["certificateId"] == base64.b64encode(hashlib.sha256(der).digest()).decode()
        assert entry["publicKeyId"] == base64.b64encode(hashlib.sha256(spki).digest()).decode()


def test_challenge_has_the_official_shape(api: httpx.Client) -> None:
    body = api.post("/auth/challenge").json()
    assert CHALLENGE.fullmatch(body["challenge"])
    assert body["clientIp"] == "127.0.0.1"
    assert abs(body["timestampMs"] / 1000 - _ts(body["timestamp"])) < 0.002


def _ts(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def test_full_token_flow_and_one_shot_redeem(sandbox: Sandbox, api: httpx.Client) -> None:
    init = start_token_auth(api, SELLER, sandbox.tokens[SELLER])
    assert init.status_code == 202
    auth_token = init.json()["authenticationToken"]["token"]
    ref = init.json()["referenceNumber"]
    status = wait_auth(api, ref, auth_token)
    assert status["status"] == {"code": 200, "description": "Uwierzytelnianie zakończone sukcesem"}
    assert status["isTokenRedeemed"] is False
    first = api.post("/auth/token/redeem", headers=bearer(auth_token))
    assert first.status_code == 200
    second = api.post("/auth/token/redeem", headers=bearer(auth_token))
    assert second.status_code == 400
    assert _legacy_code(second) == 21301
    assert "zostały już pobrane" in second.text
    assert api.get(f"/auth/{ref}", headers=bearer(auth_token)).json()["isTokenRedeemed"] is True
    refreshed = api.post(
        "/auth/token/refresh", headers=bearer(first.json()["refreshToken"]["token"])
    )
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"accessToken"}
    access = refreshed.json()["accessToken"]["token"]
    assert api.get("/rate-limits", headers=bearer(access)).status_code == 200


def test_status_goes_from_100_to_200(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(processing_delay=1.0)
    with api_for(sb) as client:
        init = start_token_auth(client, SELLER, sb.tokens[SELLER]).json()
        headers = bearer(init["authenticationToken"]["token"])
        early = client.get(f"/auth/{init['referenceNumber']}", headers=headers).json()
        assert early["status"]["code"] == 100
        early_redeem = client.post("/auth/token/redeem", headers=headers)
        assert _legacy_code(early_redeem) == 21301
        final = wait_auth(client, init["referenceNumber"], init["authenticationToken"]["token"])
        assert final["status"]["code"] == 200


@pytest.mark.parametrize("scheme", ["pkcs1v15", "oaep-sha1"])
def test_wrong_rsa_padding_is_refused(sandbox: Sandbox, api: httpx.Client, scheme: str) -> None:
    init = start_token_auth(api, SELLER, sandbox.tokens[SELLER], scheme=scheme).json()
    status = wait_auth(api, init["referenceNumber"], init["authenticationToken"]["token"])
    assert status["status"]["code"] == 450
    assert status["status"]["details"] == ["Nieprawidłowe szyfrowanie tokena"]
    redeem = api.post("/auth/token/redeem", headers=bearer(init["authenticationToken"]["token"]))
    assert _legacy_code(redeem) == 21301


def _fails_with(api: httpx.Client, init: httpx.Response, detail: str) -> None:
    assert init.status_code == 202, init.text
    body = init.json()
    status = wait_auth(api, body["referenceNumber"], body["authenticationToken"]["token"])
    assert status["status"]["code"] == 450
    assert status["status"]["details"] == [detail]


def test_wrong_timestamp_is_refused(sandbox: Sandbox, api: httpx.Client) -> None:
    init = start_token_auth(api, SELLER, sandbox.tokens[SELLER], timestamp_shift=1)
    _fails_with(api, init, "Nieprawidłowy czas tokena")


def test_unknown_token_is_refused(sandbox: Sandbox, api: httpx.Client) -> None:
    token = sandbox.tokens[SELLER]
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    _fails_with(api, start_token_auth(api, SELLER, forged), "Nieprawidłowy token")


def test_token_of_another_context_is_refused(sandbox: Sandbox, api: httpx.Client) -> None:
    init = start_token_auth(api, OTHER_NIP, sandbox.tokens[SELLER])
    _fails_with(api, init, f"Token nie może być użyty w kontekście Nip:{OTHER_NIP}")


def _token_ref(sandbox: Sandbox) -> str:
    return sandbox.tokens[SELLER].split("|")[0]


@pytest.mark.parametrize(
    ("status", "detail"), [("Revoked", "Token unieważniony"), ("Pending", "Token nieaktywny")]
)
def test_revoked_or_inactive_token_is_refused(
    sandbox: Sandbox, api: httpx.Client, status: str, detail: str
) -> None:
    token = sandbox.tokens[SELLER]
    control = httpx.post(
        f"{sandbox.server_url}/_sandbox/tokens/{_token_ref(sandbox)}/status",
        json={"status": status},
    )
    assert control.status_code == 200
    _fails_with(api, start_token_auth(api, SELLER, token), detail)


def test_reused_challenge_is_refused(sandbox: Sandbox, api: httpx.Client) -> None:
    challenge = api.post("/auth/challenge").json()
    token = sandbox.tokens[SELLER]
    assert start_token_auth(api, SELLER, token, challenge=challenge).status_code == 202
    again = start_token_auth(api, SELLER, token, challenge=challenge)
    _fails_with(api, again, "Nieprawidłowe wyzwanie autoryzacyjne")


def test_challenge_older_than_ten_minutes_is_refused(
    sandbox_factory: Callable[..., Sandbox], clock: ManualClock
) -> None:
    sb = sandbox_factory(clock=clock)
    with api_for(sb) as client:
        challenge = client.post("/auth/challenge").json()
        clock.advance(minutes=10, seconds=1)
        init = start_token_auth(client, SELLER, sb.tokens[SELLER], challenge=challenge)
        _fails_with(client, init, "Nieprawidłowe wyzwanie autoryzacyjne")


def test_unknown_challenge_is_21111(sandbox: Sandbox, api: httpx.Client) -> None:
    fake = {"challenge": "20250514-CR-226FB7B000-3ACF9BE4C0-10", "timestampMs": 1752236636015}
    response = start_token_auth(api, SELLER, sandbox.tokens[SELLER], challenge=fake)
    assert response.status_code == 400
    assert _legacy_code(response) == 21111


def test_unknown_public_key_id_is_21470(sandbox: Sandbox, api: httpx.Client) -> None:
    challenge = api.post("/auth/challenge").json()
    response = api.post(
        "/auth/ksef-token",
        json={
            "challenge": challenge["challenge"],
            "contextIdentifier": {"type": "Nip", "value": SELLER},
            "encryptedToken": base64.b64encode(b"x" * 256).decode(),
            "publicKeyId": "QIoAK/Yc3s27Z4t3SZY4Mhp8JNLH7Vl4N3lNlJAEig8=",
        },
        headers={"X-Error-Format": "problem-details"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["code"] == 21470


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}],
    ids=["missing", "forged", "wrong-scheme"],
)
def test_missing_or_bad_bearer_is_401(api: httpx.Client, headers: dict[str, str]) -> None:
    response = api.get("/sessions", params={"sessionType": "Online"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401


def _access(sb: Sandbox, client: httpx.Client) -> dict[str, Any]:
    return authenticate(client, SELLER, sb.tokens[SELLER])


def test_access_token_expires_after_15_minutes(
    sandbox_factory: Callable[..., Sandbox], clock: ManualClock
) -> None:
    sb = sandbox_factory(clock=clock)
    with api_for(sb) as client:
        tokens = _access(sb, client)
        headers = bearer(tokens["accessToken"]["token"])
        assert client.get("/rate-limits", headers=headers).status_code == 200
        clock.advance(minutes=15)
        assert client.get("/rate-limits", headers=headers).status_code == 401
        refreshed = client.post(
            "/auth/token/refresh", headers=bearer(tokens["refreshToken"]["token"])
        )
        assert refreshed.status_code == 200
        clock.advance(days=7)
        late = client.post("/auth/token/refresh", headers=bearer(tokens["refreshToken"]["token"]))
        assert late.status_code == 401


def test_control_endpoint_expires_every_access_token(sandbox: Sandbox, api: httpx.Client) -> None:
    headers = bearer(_access(sandbox, api)["accessToken"]["token"])
    assert api.get("/rate-limits", headers=headers).status_code == 200
    expired = httpx.post(f"{sandbox.server_url}/_sandbox/expire-access-tokens").json()
    assert expired["expired"] >= 1
    assert api.get("/rate-limits", headers=headers).status_code == 401


def test_refresh_after_the_ksef_token_was_revoked_is_21301(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    tokens = _access(sandbox, api)
    revoke = api.delete(
        f"/tokens/{_token_ref(sandbox)}", headers=bearer(tokens["accessToken"]["token"])
    )
    assert revoke.status_code == 204
    refreshed = api.post("/auth/token/refresh", headers=bearer(tokens["refreshToken"]["token"]))
    assert refreshed.status_code == 400
    assert _legacy_code(refreshed) == 21301


def test_status_of_unknown_or_old_operation(
    sandbox_factory: Callable[..., Sandbox], clock: ManualClock
) -> None:
    sb = sandbox_factory(clock=clock)
    with api_for(sb) as client:
        init = start_token_auth(client, SELLER, sb.tokens[SELLER]).json()
        headers = bearer(init["authenticationToken"]["token"])
        other = client.get("/auth/20250514-AU-2DFC46C000-3AC6D5877F-D4", headers=headers)
        assert other.status_code == 400
        assert _legacy_code(other) == 21304
        # The operation token lives 45 minutes; after that its status is unreachable (401),
        # and after 7 days the status itself is gone (410) for any valid operation token.
        clock.advance(days=7, seconds=1)
        assert client.get(f"/auth/{init['referenceNumber']}", headers=headers).status_code == 401


def test_old_challenges_and_tokens_are_forgotten(
    sandbox_factory: Callable[..., Sandbox], clock: ManualClock
) -> None:
    sb = sandbox_factory(clock=clock)
    with api_for(sb) as client:
        _access(sb, client)
        assert sb.core.state.challenges
        assert sb.core.state.issued
        clock.advance(days=8, seconds=1)
        client.post("/auth/challenge")
        assert len(sb.core.state.challenges) == 1
        assert not sb.core.state.issued


def test_only_loopback(sandbox_factory: Callable[..., Sandbox]) -> None:
    with pytest.raises(ValueError, match="loopback"):
        sandbox_factory(host="0.0.0.0")
