"""PKCS#12 files whose certificate python-cryptography refuses (KSeF's test CA writes an
explicit NULL parameter after ecdsa-with-SHA512): made with the openssl command line as a
user makes them, opened by visual/pkcs12.py through ``load_credentials``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from hypothesis import given, settings
from hypothesis import strategies as st

from ksef_desktop.visual.certificates import (
    CertificateError,
    PasswordNeeded,
    load_credentials,
    read_pkcs12,
)
from ksef_desktop.visual.pkcs12 import Pkcs12Error, pkcs12_kdf
from ksef_desktop.visual.pkcs12 import read_pkcs12 as read_raw
from tests.unit.test_certificates import cached_key, make_certificate

PASSWORD = "Zażółć-gęślą-jaźń 1"
SERIAL = "01F20A5D352AE590"


# --- RFC 7292 Appendix B key derivation -----------------------------------------------------


def _bmp(text: str) -> bytes:
    return text.encode("utf-16-be") + b"\x00\x00"


@pytest.mark.parametrize(
    ("digest", "password", "salt", "purpose", "rounds", "expected"),
    [
        # Dr Stephen Henson's PKCS#12 test vectors (also in BouncyCastle's PKCS12Test).
        ("sha1", "smeg", "0A58CF64530D823F", 1, 1,
         "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"),
        ("sha1", "smeg", "0A58CF64530D823F", 2, 1, "79993DFE048D3B76"),
        ("sha1", "queeg", "05DEC959ACFF72F7", 1, 1000,
         "ED2034E36328830FF09DF1E1A07DD357185DAC0D4F9EB3D4"),
        # OpenSSL's PKCS12_key_gen with SHA-256 (Crypt::OpenSSL::PKCS::Func's test).
        ("sha256", "123456", "e241f01650dbeae4", 3, 2048,
         "721259F14AAD70B58839F71566B433DA1B8AD08F650F4D02FAAA0B9B095BB51D"),
    ],
)  # fmt: skip
def test_key_derivation_vectors(
    digest: str, password: str, salt: str, purpose: int, rounds: int, expected: str
) -> None:
    derived = pkcs12_kdf(
        digest, _bmp(password), bytes.fromhex(salt), purpose, rounds, len(expected) // 2
    )
    assert derived.hex().upper() == expected


# --- a certificate as KSeF's test CA writes it ------------------------------------------------


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = (n.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + n.to_bytes(size, "big") + content


def _split(der: bytes) -> list[bytes]:
    """The encoded children of a DER SEQUENCE."""
    from ksef_desktop.visual.der import children, header_start, read_tlv

    top = read_tlv(der, 0)
    return [der[header_start(der, c) : c.end] for c in children(der, top)]


#: ecdsa-with-SHA512 (1.2.840.10045.4.3.4) with an explicit NULL, as KSeF's test CA signs.
KSEF_CA_ALGORITHM = _tlv(0x30, bytes.fromhex("06082A8648CE3D040304") + b"\x05\x00")


def with_null_parameters(cert_der: bytes) -> bytes:
    """The certificate as if KSeF's test CA had signed it: ecdsa-with-SHA512 with a NULL
    parameter, in the tbsCertificate and outside it (the signature bytes no longer match;
    nobody here checks them, KSeF does when KOD II is opened)."""
    tbs, algorithm, signature = _split(cert_der)
    tbs_fields = [KSEF_CA_ALGORITHM if f == algorithm else f for f in _split(tbs)]
    assert KSEF_CA_ALGORITHM in tbs_fields
    return _tlv(0x30, _tlv(0x30, b"".join(tbs_fields)) + KSEF_CA_ALGORITHM + signature)


def _openssl_p12(tmp_path: Path, kind: str, *options: str, password: str = PASSWORD) -> Path:
    key = cached_key(kind)
    cert = with_null_parameters(make_certificate(key).public_bytes(serialization.Encoding.DER))
    cert_path = tmp_path / f"{kind}.crt"
    cert_path.write_bytes(
        b"-----BEGIN CERTIFICATE-----\n" + _b64(cert) + b"-----END CERTIFICATE-----\n"
    )
    key_path = tmp_path / f"{kind}.key"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    out = tmp_path / f"{kind}{'-'.join(('', *options)).replace(' ', '')}.p12"
    subprocess.run(
        ["openssl", "pkcs12", "-export", "-in", str(cert_path), "-inkey", str(key_path),
         "-out", str(out), "-passout", "env:P12_PASSWORD", *options],
        check=True, capture_output=True, env={"P12_PASSWORD": password, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    return out


def _b64(data: bytes) -> bytes:
    import base64

    text = base64.b64encode(data)
    return b"".join(text[i : i + 64] + b"\n" for i in range(0, len(text), 64))


def test_cryptography_itself_refuses_such_a_file(tmp_path: Path) -> None:
    """What this module is for: without it, such a file cannot be opened at all."""
    path = _openssl_p12(tmp_path, "ec")
    with pytest.raises(ValueError, match=r"(?i)certificate|signature|parse|asn|der"):
        pkcs12.load_key_and_certificates(path.read_bytes(), PASSWORD.encode())
    cert_der = read_raw(path.read_bytes(), PASSWORD).certificates[0]
    with pytest.raises(ValueError, match="signature_alg"):
        x509.load_der_x509_certificate(cert_der)


@pytest.mark.parametrize("kind", ["ec", "rsa"])
@pytest.mark.parametrize(
    "options",
    [
        (),  # OpenSSL 3's default: PBES2 (PBKDF2-SHA256, AES-256-CBC), MAC SHA-256
        ("-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1"),  # Windows
        ("-certpbe", "AES-128-CBC", "-keypbe", "AES-128-CBC", "-macalg", "sha512"),
        ("-certpbe", "NONE"),  # certificate in the clear, key encrypted
    ],
    ids=["default", "3des", "aes128", "clear-certificate"],
)
def test_files_made_with_openssl_open(tmp_path: Path, kind: str, options: tuple[str, ...]) -> None:
    path = _openssl_p12(tmp_path, kind, *options)
    cert, key = load_credentials(path, password=PASSWORD)
    assert cert.serial == SERIAL
    assert cert.key_usage is not None
    assert "content_commitment" in cert.key_usage
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert key.public_key().public_bytes(*spki) == cached_key(kind).public_key().public_bytes(*spki)
    assert cert.public_key.public_bytes(*spki) == key.public_key().public_bytes(*spki)


@pytest.mark.parametrize("options", [(), ("-nomac",)], ids=["with-mac", "without-mac"])
def test_a_wrong_or_missing_password_asks_for_the_right_one(
    tmp_path: Path, options: tuple[str, ...]
) -> None:
    data = _openssl_p12(tmp_path, "ec", *options).read_bytes()
    for wrong in ("wrong", None, PASSWORD.upper()):
        with pytest.raises(PasswordNeeded):
            read_pkcs12(data, wrong)


def test_rc2_encryption_is_refused_as_unsupported(tmp_path: Path) -> None:
    try:
        path = _openssl_p12(tmp_path, "ec", "-legacy")
    except subprocess.CalledProcessError as exc:  # no legacy provider: nothing to test
        pytest.fail(f"openssl cannot write a legacy file here: {exc.stderr!r}")
    with pytest.raises(CertificateError, match="RC2") as refused:
        read_pkcs12(path.read_bytes(), PASSWORD)
    assert not isinstance(refused.value, PasswordNeeded)


_SAMPLE: dict[str, bytes] = {}


def _sample() -> bytes:
    if "p12" not in _SAMPLE:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            _SAMPLE["p12"] = _openssl_p12(Path(folder), "ec").read_bytes()
    return _SAMPLE["p12"]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_damaged_files_are_refused_or_read(data: st.DataObject) -> None:
    """One changed byte: a clean refusal (the MAC catches nearly all) or a good read."""
    original = _sample()
    position = data.draw(st.integers(0, len(original) - 1))
    value = data.draw(st.integers(0, 255))
    damaged = bytearray(original)
    damaged[position] = value
    try:
        contents = read_raw(bytes(damaged), PASSWORD)
    except Pkcs12Error as exc:
        reason = exc.reason
    else:
        reason = "read"
        assert contents.certificates
        assert contents.keys
    assert reason in ("read", "password", "damaged", "unsupported")


@given(st.binary(max_size=400), st.one_of(st.none(), st.text(max_size=8)))
def test_random_bytes_are_refused_with_a_reason(blob: bytes, password: str | None) -> None:
    with pytest.raises(Pkcs12Error):
        read_raw(blob, password)
