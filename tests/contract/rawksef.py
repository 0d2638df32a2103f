"""A deliberately small KSeF client for tests, written from KSEF-PROTOCOL.md §2.4/§3.1
with ``cryptography`` directly; it shares no code with ksef_desktop.ksef or the sandbox.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

FA3_FORM = {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def sha256_b64(data: bytes) -> str:
    return b64(hashlib.sha256(data).digest())


def oaep_sha256() -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def rsa_encrypt(key: rsa.RSAPublicKey, data: bytes, scheme: str = "oaep-sha256") -> bytes:
    """The official scheme, or a wrong one for negative tests."""
    if scheme == "oaep-sha256":
        return key.encrypt(data, oaep_sha256())
    if scheme == "oaep-sha1":
        return key.encrypt(
            data, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
        )
    if scheme == "pkcs1v15":
        return key.encrypt(data, padding.PKCS1v15())
    raise ValueError(scheme)


def aes_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    padder = sym_padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


@dataclass
class MfKey:
    public_key: rsa.RSAPublicKey
    public_key_id: str
    entry: dict[str, Any]


def mf_keys(client: httpx.Client) -> dict[str, MfKey]:
    response = client.get("/security/public-key-certificates")
    response.raise_for_status()
    keys = {}
    for entry in response.json():
        cert = x509.load_der_x509_certificate(base64.b64decode(entry["certificate"]))
        public = cert.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        for usage in entry["usage"]:
            keys[usage] = MfKey(public, entry["publicKeyId"], entry)
    return keys


def start_token_auth(
    client: httpx.Client,
    nip: str,
    token: str,
    *,
    scheme: str = "oaep-sha256",
    timestamp_shift: int = 0,
    challenge: dict[str, Any] | None = None,
) -> httpx.Response:
    keys = mf_keys(client)
    ch = challenge or client.post("/auth/challenge").json()
    plain = f"{token}|{ch['timestampMs'] + timestamp_shift}".encode()
    key = keys["KsefTokenEncryption"]
    return client.post(
        "/auth/ksef-token",
        json={
            "challenge": ch["challenge"],
            "contextIdentifier": {"type": "Nip", "value": nip},
            "encryptedToken": b64(rsa_encrypt(key.public_key, plain, scheme)),
            "publicKeyId": key.public_key_id,
        },
    )


def wait_auth(client: httpx.Client, reference: str, auth_token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {auth_token}"}
    for _ in range(200):
        status = client.get(f"/auth/{reference}", headers=headers).json()
        if status["status"]["code"] != 100:
            return dict(status)
        time.sleep(0.02)
    raise AssertionError("authentication stayed in status 100")


def authenticate(client: httpx.Client, nip: str, token: str) -> dict[str, Any]:
    """Full token flow; returns the redeem body (accessToken, refreshToken)."""
    init = start_token_auth(client, nip, token)
    assert init.status_code == 202, init.text
    body = init.json()
    status = wait_auth(client, body["referenceNumber"], body["authenticationToken"]["token"])
    assert status["status"]["code"] == 200, status
    redeem = client.post(
        "/auth/token/redeem",
        headers={"Authorization": f"Bearer {body['authenticationToken']['token']}"},
    )
    assert redeem.status_code == 200, redeem.text
    return dict(redeem.json())


def bearer(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


@dataclass
class OnlineSession:
    client: httpx.Client
    access: str
    reference: str
    key: bytes
    iv: bytes

    def invoice_body(
        self, data: bytes, *, offline: bool = False, corrected: str | None = None
    ) -> dict[str, Any]:
        encrypted = aes_encrypt(self.key, self.iv, data)
        body: dict[str, Any] = {
            "invoiceHash": sha256_b64(data),
            "invoiceSize": len(data),
            "encryptedInvoiceHash": sha256_b64(encrypted),
            "encryptedInvoiceSize": len(encrypted),
            "encryptedInvoiceContent": b64(encrypted),
            "offlineMode": offline,
        }
        if corrected is not None:
            body["hashOfCorrectedInvoice"] = corrected
        return body

    def send_body(self, body: dict[str, Any]) -> httpx.Response:
        return self.client.post(
            f"/sessions/online/{self.reference}/invoices", json=body, headers=bearer(self.access)
        )

    def send(self, data: bytes, **kwargs: Any) -> str:
        response = self.send_body(self.invoice_body(data, **kwargs))
        assert response.status_code == 202, response.text
        return str(response.json()["referenceNumber"])

    def _get(self, path: str) -> httpx.Response:
        """GET that honours 429 + Retry-After, as every client must."""
        for _ in range(5):
            response = self.client.get(path, headers=bearer(self.access))
            if response.status_code != 429:
                return response
            time.sleep(int(response.headers["Retry-After"]))
        return response

    def status(self, invoice_ref: str) -> dict[str, Any]:
        response = self._get(f"/sessions/{self.reference}/invoices/{invoice_ref}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait(self, invoice_ref: str) -> dict[str, Any]:
        for _ in range(500):
            status = self.status(invoice_ref)
            if status["status"]["code"] not in (100, 150):
                return status
            time.sleep(0.04)
        raise AssertionError("the invoice stayed in processing")

    def close(self) -> httpx.Response:
        return self.client.post(
            f"/sessions/online/{self.reference}/close", headers=bearer(self.access)
        )

    def session_status(self) -> dict[str, Any]:
        response = self._get(f"/sessions/{self.reference}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_session(self) -> dict[str, Any]:
        for _ in range(500):
            status = self.session_status()
            if status["status"]["code"] not in (100, 150, 170):
                return status
            time.sleep(0.04)
        raise AssertionError("the session stayed open")


def open_online(
    client: httpx.Client,
    access: str,
    *,
    scheme: str = "oaep-sha256",
    key: bytes | None = None,
    iv: bytes | None = None,
) -> tuple[httpx.Response, OnlineSession | None]:
    mf = mf_keys(client)["SymmetricKeyEncryption"]
    key = key if key is not None else os.urandom(32)
    iv = iv if iv is not None else os.urandom(16)
    response = client.post(
        "/sessions/online",
        headers=bearer(access),
        json={
            "formCode": FA3_FORM,
            "encryption": {
                "encryptedSymmetricKey": b64(rsa_encrypt(mf.public_key, key, scheme)),
                "initializationVector": b64(iv),
                "publicKeyId": mf.public_key_id,
            },
        },
    )
    if response.status_code != 201:
        return response, None
    return response, OnlineSession(client, access, response.json()["referenceNumber"], key, iv)


def make_zip(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@dataclass
class BatchUpload:
    """A batch session opened with declared parts; ``parts`` are the encrypted parts."""

    client: httpx.Client
    access: str
    reference: str
    parts: list[bytes]
    uploads: list[dict[str, Any]]

    def put(self, index: int, *, data: bytes | None = None, headers: Any = None) -> httpx.Response:
        request = self.uploads[index]
        body = self.parts[index] if data is None else data
        use = request["headers"] if headers is None else headers
        # Plain httpx call: no bearer token, exactly what the server said.
        return httpx.request(request["method"], request["url"], content=body, headers=use)

    def put_all(self) -> None:
        for index in range(len(self.parts)):
            response = self.put(index)
            assert response.status_code == 201, response.text

    def close(self) -> httpx.Response:
        return self.client.post(
            f"/sessions/batch/{self.reference}/close", headers=bearer(self.access)
        )


def open_batch(
    client: httpx.Client,
    access: str,
    archive: bytes,
    *,
    parts: int = 1,
    compression: str = "Zip",
    offline: bool = False,
    scheme: str = "oaep-sha256",
    declare: Any = None,
    part_key: bytes | None = None,
) -> tuple[httpx.Response, BatchUpload | None]:
    """Split ``archive`` binarily into ``parts``, encrypt each, open the session."""
    mf = mf_keys(client)["SymmetricKeyEncryption"]
    key, iv = os.urandom(32), os.urandom(16)
    step = -(-len(archive) // parts)
    plain_parts = [archive[i : i + step] for i in range(0, len(archive), step)]
    encrypted = [aes_encrypt(part_key or key, iv, p) for p in plain_parts]
    body: dict[str, Any] = {
        "formCode": FA3_FORM,
        "batchFile": {
            "fileSize": len(archive),
            "fileHash": sha256_b64(archive),
            "compressionType": compression,
            "fileParts": [
                {"ordinalNumber": n, "fileSize": len(p), "fileHash": sha256_b64(p)}
                for n, p in enumerate(encrypted, start=1)
            ],
        },
        "encryption": {
            "encryptedSymmetricKey": b64(rsa_encrypt(mf.public_key, key, scheme)),
            "initializationVector": b64(iv),
            "publicKeyId": mf.public_key_id,
        },
        "offlineMode": offline,
    }
    if declare is not None:
        declare(body)
    response = client.post("/sessions/batch", json=body, headers=bearer(access))
    if response.status_code != 201:
        return response, None
    payload = response.json()
    return response, BatchUpload(
        client, access, payload["referenceNumber"], encrypted, payload["partUploadRequests"]
    )


def sample_body_keys() -> set[str]:
    """The fields of SendInvoiceRequest this client fills."""
    return {
        "invoiceHash",
        "invoiceSize",
        "encryptedInvoiceHash",
        "encryptedInvoiceSize",
        "encryptedInvoiceContent",
        "offlineMode",
    }
