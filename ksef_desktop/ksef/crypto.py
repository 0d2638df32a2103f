"""Cryptography of KSeF API 2.0 (KSEF-PROTOCOL.md §2.4, §2.5, §3.1).

- the KSeF token and the session key: RSA-OAEP with SHA-256 and MGF1-SHA-256 under the
  Ministry's certificate for that usage;
- invoices and batch parts: AES-256-CBC with PKCS#7 padding, a fresh key and IV per
  session, the IV sent separately (not prefixed to the ciphertext);
- hashes: SHA-256 of the exact bytes, standard Base64.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ksef_desktop.ksef.errors import ProtocolError
from ksef_desktop.ksef.models import PublicKeyCertificate

KSEF_TOKEN_ENCRYPTION = "KsefTokenEncryption"  # noqa: S105 - a usage name, not a secret
SYMMETRIC_KEY_ENCRYPTION = "SymmetricKeyEncryption"


def sha256_b64(data: bytes) -> str:
    """SHA-256 of ``data`` as standard Base64 (44 characters)."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _oaep() -> OAEP:
    return OAEP(mgf=MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def rsa_oaep_encrypt(certificate_der: bytes, plaintext: bytes) -> bytes:
    """Encrypt ``plaintext`` with the RSA public key of a DER certificate (OAEP/SHA-256)."""
    try:
        cert = x509.load_der_x509_certificate(certificate_der)
    except ValueError as exc:
        raise ProtocolError(f"the Ministry's certificate cannot be read: {exc}") from exc
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ProtocolError(f"the Ministry's key is {type(key).__name__}, not RSA")
    return key.encrypt(plaintext, _oaep())


def encrypt_ksef_token(certificate_der: bytes, token: str, timestamp_ms: int) -> str:
    """Base64 of RSA-OAEP(``token|timestampMs``) as POST /auth/ksef-token expects."""
    plaintext = f"{token}|{timestamp_ms}".encode()
    return base64.b64encode(rsa_oaep_encrypt(certificate_der, plaintext)).decode("ascii")


@dataclass(frozen=True)
class SessionKey:
    """A fresh AES-256 key and IV for one session. Never logged or stored."""

    key: bytes
    iv: bytes

    @classmethod
    def generate(cls) -> SessionKey:
        return cls(os.urandom(32), os.urandom(16))

    def __post_init__(self) -> None:
        if len(self.key) != 32 or len(self.iv) != 16:
            raise ValueError("AES-256-CBC needs a 32-byte key and a 16-byte IV")

    def __repr__(self) -> str:  # the key must never reach a log through repr()
        return "SessionKey(<hidden>)"

    def encrypt(self, data: bytes) -> bytes:
        padder = padding.PKCS7(128).padder()
        padded = padder.update(data) + padder.finalize()
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.iv)).encryptor()
        return encryptor.update(padded) + encryptor.finalize()

    def decrypt(self, data: bytes) -> bytes:
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.iv)).decryptor()
        padded = decryptor.update(data) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()

    def encrypted_key(self, certificate_der: bytes) -> str:
        """Base64 of the AES key under the SymmetricKeyEncryption certificate."""
        return base64.b64encode(rsa_oaep_encrypt(certificate_der, self.key)).decode("ascii")

    @property
    def iv_b64(self) -> str:
        return base64.b64encode(self.iv).decode("ascii")


def select_certificate(
    certificates: list[PublicKeyCertificate], usage: str, now: datetime
) -> PublicKeyCertificate:
    """The certificate for ``usage`` valid at ``now``; the latest ``validFrom`` wins."""
    valid = [c for c in certificates if usage in c.usage and c.valid_from <= now < c.valid_to]
    if not valid:
        raise ProtocolError(f"KSeF publishes no certificate for {usage} valid at {now.isoformat()}")
    return max(valid, key=lambda c: c.valid_from)
