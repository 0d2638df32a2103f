"""Key rotation (/_sandbox/rotate-keys) and authentication sessions (/auth/sessions)."""

from __future__ import annotations

import httpx

from ksef_desktop.sandbox import Sandbox
from tests.contract.rawksef import (
    authenticate,
    b64,
    bearer,
    mf_keys,
    open_online,
    rsa_encrypt,
    wait_auth,
)
from tests.integration.conftest import SELLER


def _code(response: httpx.Response) -> int:
    return int(response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"])


def test_withdrawn_keys_are_21470_and_new_ones_work(sandbox: Sandbox, api: httpx.Client) -> None:
    old = mf_keys(api)
    rotated = httpx.post(f"{sandbox.server_url}/_sandbox/rotate-keys", json={})
    assert rotated.status_code == 200
    new = mf_keys(api)
    assert {k.public_key_id for k in new.values()}.isdisjoint(k.public_key_id for k in old.values())
    challenge = api.post("/auth/challenge").json()
    stale = api.post(
        "/auth/ksef-token",
        json={
            "challenge": challenge["challenge"],
            "contextIdentifier": {"type": "Nip", "value": SELLER},
            "encryptedToken": b64(
                rsa_encrypt(
                    old["KsefTokenEncryption"].public_key,
                    f"{sandbox.tokens[SELLER]}|{challenge['timestampMs']}".encode(),
                )
            ),
            "publicKeyId": old["KsefTokenEncryption"].public_key_id,
        },
    )
    assert _code(stale) == 21470
    # A client that re-fetches the certificates (as the protocol says) goes on.
    access = authenticate(api, SELLER, sandbox.tokens[SELLER])["accessToken"]["token"]
    response, session = open_online(api, access)
    assert response.status_code == 201
    assert session is not None


def test_transition_period_publishes_both(sandbox: Sandbox, api: httpx.Client) -> None:
    old = mf_keys(api)["KsefTokenEncryption"]
    httpx.post(
        f"{sandbox.server_url}/_sandbox/rotate-keys",
        json={"usages": ["KsefTokenEncryption"], "keepOld": True},
    )
    entries = api.get("/security/public-key-certificates").json()
    assert sum("KsefTokenEncryption" in e["usage"] for e in entries) == 2
    assert sum("SymmetricKeyEncryption" in e["usage"] for e in entries) == 1
    challenge = api.post("/auth/challenge").json()
    plain = f"{sandbox.tokens[SELLER]}|{challenge['timestampMs']}".encode()
    response = api.post(
        "/auth/ksef-token",
        json={
            "challenge": challenge["challenge"],
            "contextIdentifier": {"type": "Nip", "value": SELLER},
            "encryptedToken": b64(rsa_encrypt(old.public_key, plain)),
            "publicKeyId": old.public_key_id,
        },
    )
    assert response.status_code == 202
    body = response.json()
    status = wait_auth(api, body["referenceNumber"], body["authenticationToken"]["token"])
    assert status["status"]["code"] == 200


def test_bad_rotation_request(sandbox: Sandbox) -> None:
    response = httpx.post(f"{sandbox.server_url}/_sandbox/rotate-keys", json={"usages": ["X"]})
    assert response.status_code == 400


def test_auth_sessions_list_and_revoke(sandbox: Sandbox, api: httpx.Client) -> None:
    first = authenticate(api, SELLER, sandbox.tokens[SELLER])
    second = authenticate(api, SELLER, sandbox.tokens[SELLER])
    listed = api.get("/auth/sessions", headers=bearer(first["accessToken"]["token"])).json()
    assert len(listed["items"]) == 2
    current = [i for i in listed["items"] if i["isCurrent"]]
    assert len(current) == 1
    other_ref = next(i["referenceNumber"] for i in listed["items"] if not i["isCurrent"])
    # Log out the first session with its refresh token.
    out = api.delete("/auth/sessions/current", headers=bearer(first["refreshToken"]["token"]))
    assert out.status_code == 204
    refresh = api.post("/auth/token/refresh", headers=bearer(first["refreshToken"]["token"]))
    assert _code(refresh) == 21301
    assert "425" in refresh.text
    # Its access token still works until it expires, as on the real API.
    still = api.get("/auth/sessions", headers=bearer(first["accessToken"]["token"])).json()
    assert [i["referenceNumber"] for i in still["items"]] == [other_ref]
    gone = api.delete(f"/auth/sessions/{other_ref}", headers=bearer(first["accessToken"]["token"]))
    assert gone.status_code == 204
    again = api.post("/auth/token/refresh", headers=bearer(second["refreshToken"]["token"]))
    assert _code(again) == 21301
