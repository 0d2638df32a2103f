"""The sandbox's own cryptography: its "Ministerstwo Finansów" keys and certificates,
RSA-OAEP and AES-256-CBC decryption, and JWT-shaped tokens.

Written for the server side only; the app's client (ksef_desktop.ksef) has its own code
on purpose (DESIGN.md §7), so each checks the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID

from ksef_desktop.sandbox.util import b64, b64decode_strict, iso, parse_iso

KSEF_TOKEN_ENCRYPTION = "KsefTokenEncryption"  # noqa: S105 - a key usage name
SYMMETRIC_KEY_ENCRYPTION = "SymmetricKeyEncryption"
USAGES = (KSEF_TOKEN_ENCRYPTION, SYMMETRIC_KEY_ENCRYPTION)


class DecryptionError(ValueError):
    """The ciphertext cannot be decrypted with the expected algorithm and key."""


def decrypt_with_any(keys: list[ServerKey], ciphertext: bytes) -> bytes:
    """RSA-OAEP-SHA-256 with the first of ``keys`` that works."""
    for key in keys:
        try:
            return key.decrypt_oaep_sha256(ciphertext)
        except DecryptionError:
            continue
    raise DecryptionError("no key decrypts this value")


@dataclass
class ServerKey:
    """One RSA key pair of the sandbox behind a self-signed certificate."""

    usage: str
    private_key: rsa.RSAPrivateKey
    certificate_der: bytes
    valid_from: datetime
    valid_to: datetime

    @property
    def certificate_id(self) -> str:
        return b64(hashlib.sha256(self.certificate_der).digest())

    @property
    def public_key_id(self) -> str:
        spki = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return b64(hashlib.sha256(spki).digest())

    def public_entry(self) -> dict[str, Any]:
        """The ``PublicKeyCertificate`` object of open-api.json."""
        return {
            "certificate": b64(self.certificate_der),
            "certificateId": self.certificate_id,
            "publicKeyId": self.public_key_id,
            "validFrom": iso(self.valid_from),
            "validTo": iso(self.valid_to),
            "usage": [self.usage],
        }

    def to_json(self) -> dict[str, str]:
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "usage": self.usage,
            "privateKeyPem": pem.decode("ascii"),
            "certificate": b64(self.certificate_der),
            "validFrom": iso(self.valid_from),
            "validTo": iso(self.valid_to),
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> ServerKey:
        key = serialization.load_pem_private_key(data["privateKeyPem"].encode("ascii"), None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the sandbox keys are RSA keys")
        return cls(
            usage=data["usage"],
            private_key=key,
            certificate_der=b64decode_strict(data["certificate"]),
            valid_from=parse_iso(data["validFrom"]),
            valid_to=parse_iso(data["validTo"]),
        )

    def decrypt_oaep_sha256(self, ciphertext: bytes) -> bytes:
        """RSAES-OAEP with SHA-256 and MGF1-SHA-256, empty label (KSEF-PROTOCOL §2.4, §3.1)."""
        try:
            return self.private_key.decrypt(
                ciphertext,
                OAEP(mgf=MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
            )
        except ValueError as exc:
            raise DecryptionError("RSA-OAEP (SHA-256) decryption failed") from exc


def generate_key(usage: str, now: datetime) -> ServerKey:
    """A fresh RSA 2048 key and a self-signed "Ministerstwo Finansów" certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ministerstwo Finansów"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"KSeF Sandbox {usage}"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Ministerstwo Finansów"),
        ]
    )
    valid_from = (now - timedelta(days=1)).replace(microsecond=0)
    valid_to = (now + timedelta(days=3650)).replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=True,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return ServerKey(
        usage, key, cert.public_bytes(serialization.Encoding.DER), valid_from, valid_to
    )


def aes_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """AES-256-CBC with PKCS#7 padding; the IV is not part of the ciphertext."""
    if len(key) != 32 or len(iv) != 16:
        raise DecryptionError("AES-256 needs a 32-byte key and a 16-byte IV")
    if not ciphertext or len(ciphertext) % 16:
        raise DecryptionError("the ciphertext is not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:
        raise DecryptionError("bad PKCS#7 padding") from exc


def aes_cbc_encrypt(key: bytes, iv: bytes, plain: bytes) -> bytes:
    """AES-256-CBC with PKCS#7 padding (export packages are encrypted for the client)."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class JwtSigner:
    """HS256 JWT-shaped tokens (clients must treat them as opaque, KSEF-PROTOCOL §2.6)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)

    def make(self, claims: dict[str, Any]) -> str:
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode("ascii")
        signature = hmac.new(self.secret, signing_input, hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64url(signature)}"

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this signer made, or None."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
            expected = hmac.new(self.secret, signing_input, hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _b64url_decode(parts[2])):
                return None
            claims = json.loads(_b64url_decode(parts[1]))
        except (ValueError, UnicodeEncodeError):
            return None
        return claims if isinstance(claims, dict) else None

    def sign_url(self, path: str, expires: int) -> str:
        message = f"{path}|{expires}".encode()
        return _b64url(hmac.new(self.secret, message, hashlib.sha256).digest())

    def check_url(self, path: str, expires: int, signature: str) -> bool:
        return hmac.compare_digest(self.sign_url(path, expires), signature)
