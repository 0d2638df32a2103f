"""Our encryption checked by decrypting with ``cryptography`` directly, and the reverse."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.ksef.crypto import (
    KSEF_TOKEN_ENCRYPTION,
    SYMMETRIC_KEY_ENCRYPTION,
    SessionKey,
    encrypt_ksef_token,
    select_certificate,
    sha256_b64,
)
from ksef_desktop.ksef.errors import ProtocolError
from ksef_desktop.ksef.models import PublicKeyCertificate

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _cert() -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ministerstwo Finansów")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.DER)


KEY, CERT = _cert()
OAEP_SHA256 = OAEP(mgf=MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def test_ksef_token_is_rsa_oaep_sha256_of_token_pipe_timestamp() -> None:
    encrypted = encrypt_ksef_token(
        CERT, "20251010-EC-1DCE3E3000-12ECB5B36E-45|nip-5265877635|ab", 1752236636015
    )
    plain = KEY.decrypt(base64.b64decode(encrypted), OAEP_SHA256)
    assert plain == b"20251010-EC-1DCE3E3000-12ECB5B36E-45|nip-5265877635|ab|1752236636015"


def test_oaep_with_sha1_would_not_decrypt_it() -> None:
    encrypted = base64.b64decode(encrypt_ksef_token(CERT, "t", 1))
    sha1 = OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    with pytest.raises(ValueError, match="Decryption failed"):
        KEY.decrypt(encrypted, sha1)


def test_session_key_is_encrypted_for_the_ministry() -> None:
    key = SessionKey.generate()
    assert KEY.decrypt(base64.b64decode(key.encrypted_key(CERT)), OAEP_SHA256) == key.key
    assert base64.b64decode(key.iv_b64) == key.iv
    assert "key" not in repr(key).lower().replace("sessionkey", "")


def test_fresh_key_and_iv_every_time() -> None:
    keys = {SessionKey.generate() for _ in range(20)}
    assert len({k.key for k in keys}) == 20
    assert len({k.iv for k in keys}) == 20


@given(st.binary(max_size=5000))
def test_aes_cbc_pkcs7_matches_cryptography_both_ways(data: bytes) -> None:
    key = SessionKey(bytes(range(32)), bytes(range(16)))
    ours = key.encrypt(data)
    decryptor = Cipher(algorithms.AES(key.key), modes.CBC(key.iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    assert (
        unpadder.update(decryptor.update(ours) + decryptor.finalize()) + unpadder.finalize() == data
    )
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key.key), modes.CBC(key.iv)).encryptor()
    theirs = encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()
    assert theirs == ours
    assert key.decrypt(theirs) == data


def test_sizes_grow_as_in_the_official_example() -> None:
    # OAS example: invoiceSize 6480 -> encryptedInvoiceSize 6496; zip 16037 -> part 16048.
    key = SessionKey.generate()
    assert len(key.encrypt(b"x" * 6480)) == 6496
    assert len(key.encrypt(b"x" * 16037)) == 16048


def test_sha256_b64() -> None:
    data = b"<Faktura/>"
    assert sha256_b64(data) == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert len(sha256_b64(data)) == 44


def test_bad_key_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="32-byte"):
        SessionKey(b"short", bytes(16))


def _pk(
    valid_from: datetime, valid_to: datetime, usage: tuple[str, ...], pkid: str
) -> PublicKeyCertificate:
    return PublicKeyCertificate(CERT, pkid, pkid, valid_from, valid_to, usage)


def test_certificate_selection_rule() -> None:
    day = timedelta(days=1)
    certs = [
        _pk(NOW - 10 * day, NOW + 10 * day, (KSEF_TOKEN_ENCRYPTION,), "old"),
        _pk(NOW - day, NOW + 10 * day, (KSEF_TOKEN_ENCRYPTION,), "new"),
        _pk(NOW + day, NOW + 10 * day, (KSEF_TOKEN_ENCRYPTION,), "future"),
        _pk(NOW - 10 * day, NOW - day, (KSEF_TOKEN_ENCRYPTION,), "expired"),
        _pk(NOW - day, NOW + day, (SYMMETRIC_KEY_ENCRYPTION,), "sym"),
    ]
    assert select_certificate(certs, KSEF_TOKEN_ENCRYPTION, NOW).public_key_id == "new"
    assert select_certificate(certs, SYMMETRIC_KEY_ENCRYPTION, NOW).public_key_id == "sym"
    with pytest.raises(ProtocolError):
        select_certificate(certs, SYMMETRIC_KEY_ENCRYPTION, NOW + 2 * day)


def test_a_non_certificate_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        encrypt_ksef_token(b"not a certificate", "t", 1)
