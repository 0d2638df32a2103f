"""Invoice export: an encrypted package of the invoices and their metadata."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ksef_desktop.sandbox import Sandbox
from tests.contract.openapi import contract, request_examples
from tests.contract.rawksef import (
    authenticate,
    b64,
    bearer,
    mf_keys,
    open_online,
    rsa_encrypt,
    sha256_b64,
)
from tests.integration.conftest import SELLER, ManualClock, api_for, sample, with_number


def _code(response: httpx.Response) -> int:
    return int(response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"])


def _decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()


def _request(client: httpx.Client, key: bytes, iv: bytes, **extra: Any) -> dict[str, Any]:
    mf = mf_keys(client)["SymmetricKeyEncryption"]
    now = datetime.now(UTC)
    return {
        "encryption": {
            "encryptedSymmetricKey": b64(rsa_encrypt(mf.public_key, key)),
            "initializationVector": b64(iv),
            "publicKeyId": mf.public_key_id,
        },
        "filters": {
            "subjectType": "Subject1",
            "dateRange": {
                "dateType": "PermanentStorage",
                "from": (now - timedelta(hours=1)).isoformat(),
                "to": (now + timedelta(hours=1)).isoformat(),
            },
        },
        **extra,
    }


def _send_three(client: httpx.Client, access: str) -> dict[str, bytes]:
    _, session = open_online(client, access)
    assert session is not None
    sent = {}
    for n in range(3):
        data = with_number(sample(1), f"EXP/{n}")
        sent[session.wait(session.send(data))["ksefNumber"]] = data
    return sent


def test_export_package_round_trip(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(rate_limit_scale=0)
    with api_for(sb) as client:
        access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        sent = _send_three(client, access)
        key, iv = os.urandom(32), os.urandom(16)
        started = client.post(
            "/invoices/exports", json=_request(client, key, iv), headers=bearer(access)
        )
        assert started.status_code == 201
        ref = started.json()["referenceNumber"]
        status = client.get(f"/invoices/exports/{ref}", headers=bearer(access)).json()
        assert status["status"]["code"] == 200
        package = status["package"]
        assert (package["invoiceCount"], package["isTruncated"]) == (3, False)
        (part,) = package["parts"]
        download = httpx.get(part["url"])  # pre-signed: no bearer
        encrypted = download.content
        assert (len(encrypted), sha256_b64(encrypted)) == (
            part["encryptedPartSize"],
            part["encryptedPartHash"],
        )
        # Like every pre-signed download: the stored (encrypted) blob's hash.
        assert download.headers["x-ms-meta-hash"] == part["encryptedPartHash"]
        # Links are on the host that was called (a client may know the sandbox by a name).
        named = client.get(
            f"/invoices/exports/{ref}",
            headers={**bearer(access), "Host": "ksef-sandbox.test:8443"},
        )
        assert named.json()["package"]["parts"][0]["url"].startswith(
            "http://ksef-sandbox.test:8443/storage/exports/"
        )
        plain = _decrypt(key, iv, encrypted)
        assert (len(plain), sha256_b64(plain)) == (part["partSize"], part["partHash"])
        with zipfile.ZipFile(io.BytesIO(plain)) as zf:
            names = set(zf.namelist())
            assert names == {f"{n}.xml" for n in sent} | {"_metadata.json"}
            for number, data in sent.items():
                assert zf.read(f"{number}.xml") == data
            meta = json.loads(zf.read("_metadata.json"))
        assert sorted(m["ksefNumber"] for m in meta["invoices"]) == sorted(sent)
        only = client.post(
            "/invoices/exports",
            json=_request(client, key, iv, onlyMetadata=True),
            headers=bearer(access),
        ).json()
        status = client.get(f"/invoices/exports/{only['referenceNumber']}", headers=bearer(access))
        (part,) = status.json()["package"]["parts"]
        with zipfile.ZipFile(io.BytesIO(_decrypt(key, iv, httpx.get(part["url"]).content))) as zf:
            assert zf.namelist() == ["_metadata.json"]


def test_export_example_and_errors(
    sandbox_factory: Callable[..., Sandbox], clock: ManualClock
) -> None:
    sb = sandbox_factory(clock=clock)
    with api_for(sb) as client:
        access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        (example,) = request_examples("/invoices/exports", "post")
        body = json.loads(json.dumps(example))
        key, iv = os.urandom(32), os.urandom(16)
        body["encryption"] = _request(client, key, iv)["encryption"]
        contract().validate_request("post", "/invoices/exports", body)
        started = client.post("/invoices/exports", json=body, headers=bearer(access))
        assert started.status_code == 201
        ref = started.json()["referenceNumber"]
        assert client.get(f"/invoices/exports/{ref}", headers=bearer(access)).status_code == 200
        bad_key = _request(client, key, iv)
        bad_key["encryption"]["encryptedSymmetricKey"] = b64(os.urandom(256))
        refused = client.post("/invoices/exports", json=bad_key, headers=bearer(access)).json()
        status = client.get(
            f"/invoices/exports/{refused['referenceNumber']}", headers=bearer(access)
        ).json()
        assert status["status"]["code"] == 415
        missing = client.get(
            "/invoices/exports/20250925-EH-2D2C11B000-E9C9ED8340-EE", headers=bearer(access)
        )
        assert _code(missing) == 21175
        clock.advance(days=7, seconds=1)
        fresh = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        assert client.get(f"/invoices/exports/{ref}", headers=bearer(fresh)).status_code == 410
