"""The request examples of open-api.json are accepted (with real crypto substituted where
the example carries the Ministry's ciphertext), and the checker itself bites."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import httpx
import pytest

from ksef_desktop.sandbox import Sandbox
from tests.contract.openapi import ContractViolation, contract, request_examples
from tests.contract.rawksef import (
    OnlineSession,
    authenticate,
    b64,
    bearer,
    mf_keys,
    rsa_encrypt,
    wait_auth,
)
from tests.contract.xadessign import taxpayer, xades_login
from tests.integration.conftest import OTHER_NIP, sample


def _example(template: str, method: str = "post") -> dict[str, Any]:
    """The example, deep-copied (its placeholders like "..." are replaced by callers)."""
    (example,) = request_examples(template, method)
    return dict(json.loads(json.dumps(example)))


def _checked(method: str, template: str, body: dict[str, Any]) -> dict[str, Any]:
    contract().validate_request(method, template, body)
    return body


def _access(sandbox: Sandbox, api: httpx.Client) -> str:
    return str(authenticate(api, OTHER_NIP, sandbox.tokens[OTHER_NIP])["accessToken"]["token"])


def test_ksef_token_example(sandbox: Sandbox, api: httpx.Client) -> None:
    example = _example("/auth/ksef-token")
    assert example["contextIdentifier"]["value"] == OTHER_NIP
    challenge = api.post("/auth/challenge").json()
    key = mf_keys(api)["KsefTokenEncryption"]
    plain = f"{sandbox.tokens[OTHER_NIP]}|{challenge['timestampMs']}".encode()
    example.update(
        challenge=challenge["challenge"],
        encryptedToken=b64(rsa_encrypt(key.public_key, plain)),
        publicKeyId=key.public_key_id,
    )
    response = api.post("/auth/ksef-token", json=_checked("post", "/auth/ksef-token", example))
    assert response.status_code == 202
    body = response.json()
    status = wait_auth(api, body["referenceNumber"], body["authenticationToken"]["token"])
    assert status["status"]["code"] == 200


def _open_from_example(api: httpx.Client, access: str) -> OnlineSession:
    example = _example("/sessions/online")
    key = os.urandom(32)
    mf = mf_keys(api)["SymmetricKeyEncryption"]
    example["encryption"].update(
        encryptedSymmetricKey=b64(rsa_encrypt(mf.public_key, key)), publicKeyId=mf.public_key_id
    )
    response = api.post(
        "/sessions/online",
        json=_checked("post", "/sessions/online", example),
        headers=bearer(access),
    )
    assert response.status_code == 201
    iv = base64.b64decode(example["encryption"]["initializationVector"])
    return OnlineSession(api, access, response.json()["referenceNumber"], key, iv)


def test_online_session_and_send_examples(sandbox: Sandbox, api: httpx.Client) -> None:
    session = _open_from_example(api, _access(sandbox, api))
    assert session.session_status()["status"]["code"] == 100
    example = _example("/sessions/online/{referenceNumber}/invoices")
    real = session.invoice_body(sample(1))
    example.update({k: real[k] for k in real if k in example})
    response = session.send_body(
        _checked("post", "/sessions/online/{referenceNumber}/invoices", example)
    )
    assert response.status_code == 202
    assert session.wait(response.json()["referenceNumber"])["status"]["code"] == 410  # 9999999999


def test_token_example(sandbox: Sandbox, api: httpx.Client) -> None:
    access = xades_login(api, OTHER_NIP, taxpayer(OTHER_NIP))["accessToken"]["token"]
    response = api.post(
        "/tokens", json=_checked("post", "/tokens", _example("/tokens")), headers=bearer(access)
    )
    assert response.status_code == 202
    assert response.json()["token"].startswith(response.json()["referenceNumber"])


def test_the_checker_rejects_a_wrong_body() -> None:
    with pytest.raises(ContractViolation, match="required"):
        contract().validate_body(
            "GET", "/sessions", 200, "application/json", b'{"sessions":[{"referenceNumber":1}]}'
        )
    with pytest.raises(ContractViolation, match="not documented"):
        contract().validate_body("GET", "/sessions", 418, "application/json", b"{}")
    with pytest.raises(ContractViolation, match="no such operation"):
        contract().validate_body("GET", "/no/such/path", 200, "application/json", b"{}")
