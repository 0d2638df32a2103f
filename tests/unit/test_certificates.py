"""Offline certificates: import from files, health check, private key in the real keyring.

The certificates are generated here with ``cryptography`` (self-signed, RSA and EC, good
and bad variants) into tmp dirs; ``make_credentials`` is reused by the QR and PDF tests.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop import i18n
from ksef_desktop.secrets import SecretStore, offline_key_entry
from ksef_desktop.visual.certificates import (
    CertificateError,
    OfflineCertificate,
    PasswordNeeded,
    check_offline_certificate,
    forget_offline_key,
    import_offline_certificate,
    load_credentials,
    load_offline_key,
    offline_signing,
    read_certificate,
    read_pkcs12,
    read_private_key,
)
from tests.conftest import DATA

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NIP = "9999999999"


def make_key(kind: str = "rsa") -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "rsa1024":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ec384":
        return ec.generate_private_key(ec.SECP384R1())
    raise ValueError(kind)


_KEY_CACHE: dict[str, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey] = {}


def cached_key(kind: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    """RSA generation is slow: one key per kind for the whole run."""
    if kind not in _KEY_CACHE:
        _KEY_CACHE[kind] = make_key(kind)
    return _KEY_CACHE[kind]


def make_certificate(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    *,
    offline: bool = True,
    not_before: datetime = NOW - timedelta(days=30),
    not_after: datetime = NOW + timedelta(days=365),
    serial: int = 0x01F20A5D352AE590,
) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Jan Kowalski {NIP}"),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=not offline,
        content_commitment=offline,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )


def make_credentials(
    folder: Path,
    kind: str = "rsa",
    *,
    password: str | None = None,
    cert_format: str = "pem",
    **cert_options: object,
) -> tuple[Path, Path, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey]:
    """Write cert + key files; returns (cert path, key path, key)."""
    key = cached_key(kind)
    cert = make_certificate(key, **cert_options)  # type: ignore[arg-type]
    encoding = serialization.Encoding.PEM if cert_format == "pem" else serialization.Encoding.DER
    cert_path = (
        folder / f"offline-{uuid.uuid4().hex[:6]}.{'crt' if cert_format == 'pem' else 'der'}"
    )
    cert_path.write_bytes(cert.public_bytes(encoding))
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    key_path = cert_path.with_suffix(".key")
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    return cert_path, key_path, key


@pytest.fixture
def store() -> SecretStore:
    return SecretStore(service=f"ksef-desktop-test-{uuid.uuid4()}")


@pytest.mark.parametrize("kind", ["rsa", "ec"])
@pytest.mark.parametrize("cert_format", ["pem", "der"])
def test_good_certificate_imports_and_key_lives_in_the_keyring(
    tmp_path: Path, store: SecretStore, kind: str, cert_format: str
) -> None:
    cert_path, key_path, key = make_credentials(tmp_path, kind, cert_format=cert_format)
    before = set(tmp_path.iterdir())
    cert = import_offline_certificate(
        store,
        environment="test",
        nip=NIP,
        cert_path=cert_path,
        key_path=key_path,
        password=None,
        now=NOW,
    )
    assert cert.serial == "01F20A5D352AE590"
    assert set(tmp_path.iterdir()) == before, "import must not write files"
    pem = store.get(offline_key_entry("test", NIP, cert.serial))
    assert pem is not None
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    loaded = load_offline_key(store, environment="test", nip=NIP, serial=cert.serial)
    assert loaded.private_numbers() == key.private_numbers()
    signing = offline_signing(store, environment="test", nip=NIP, cert_der=cert.der, now=NOW)
    assert signing.certificate.serial == cert.serial
    assert "PRIVATE" not in repr(signing)
    assert forget_offline_key(store, environment="test", nip=NIP, serial=cert.serial)
    assert store.get(offline_key_entry("test", NIP, cert.serial)) is None
    with pytest.raises(CertificateError, match=cert.serial):
        offline_signing(store, environment="test", nip=NIP, cert_der=cert.der, now=NOW)


def test_encrypted_key_needs_its_password(tmp_path: Path) -> None:
    cert_path, key_path, _key = make_credentials(tmp_path, "ec", password="tajne hasło")
    with pytest.raises(PasswordNeeded):
        load_credentials(cert_path, key_path, None)
    with pytest.raises(CertificateError):
        load_credentials(cert_path, key_path, "złe hasło")
    cert, loaded = load_credentials(cert_path, key_path, "tajne hasło")
    check_offline_certificate(cert, loaded, now=NOW)


@pytest.mark.parametrize("suffix", [".p12", ".pfx"])
def test_pkcs12_with_password(tmp_path: Path, suffix: str) -> None:
    key = cached_key("rsa")
    cert = make_certificate(key)
    blob = pkcs12.serialize_key_and_certificates(
        b"offline",
        key,
        cert,
        None,
        serialization.BestAvailableEncryption(b"pass123"),
    )
    path = tmp_path / f"offline{suffix}"
    path.write_bytes(blob)
    with pytest.raises(PasswordNeeded):
        load_credentials(path, None, "wrong")
    loaded_cert, loaded_key = load_credentials(path, None, "pass123")
    check_offline_certificate(loaded_cert, loaded_key, now=NOW)
    assert loaded_cert.serial == "01F20A5D352AE590"


def _refusal(
    tmp_path: Path, kind: str = "rsa", *, key_kind: str | None = None, **options: object
) -> str:
    cert_path, key_path, _key = make_credentials(tmp_path, kind, **options)  # type: ignore[arg-type]
    cert, key = load_credentials(cert_path, key_path)
    if key_kind is not None:
        key = cached_key(key_kind)
    with pytest.raises(CertificateError) as caught:
        check_offline_certificate(cert, key, now=NOW)
    return str(caught.value)


def test_expired_certificate_is_refused(tmp_path: Path) -> None:
    message = _refusal(tmp_path, not_after=NOW - timedelta(seconds=1))
    assert "wygasł" in message


def test_not_yet_valid_certificate_is_refused(tmp_path: Path) -> None:
    message = _refusal(tmp_path, not_before=NOW + timedelta(hours=1))
    assert "jeszcze ważny" in message


def test_authentication_certificate_is_refused_in_both_languages(tmp_path: Path) -> None:
    assert "Offline" in _refusal(tmp_path, offline=False)
    i18n.set_language("en")
    assert "not a KSeF Offline certificate" in _refusal(tmp_path, "ec", offline=False)


def test_key_of_another_certificate_is_refused(tmp_path: Path) -> None:
    assert "nie należy" in _refusal(tmp_path, "rsa", key_kind="ec")


def test_short_rsa_key_is_refused(tmp_path: Path) -> None:
    assert "2048" in _refusal(tmp_path, "rsa1024")


def test_ec_key_off_p256_is_refused(tmp_path: Path) -> None:
    assert "P-256" in _refusal(tmp_path, "ec384")


def test_serial_longer_than_16_hex_digits_is_refused(tmp_path: Path) -> None:
    cert_path, _key_path, _key = make_credentials(tmp_path, "ec", serial=1 << 70)
    with pytest.raises(CertificateError, match="16"):
        read_certificate(cert_path.read_bytes())


def test_missing_key_in_keyring_is_reported(store: SecretStore) -> None:
    with pytest.raises(CertificateError, match="ABCDEF0123456789"):
        load_offline_key(store, environment="test", nip=NIP, serial="ABCDEF0123456789")


def test_ksef_test_ca_certificate_is_read_despite_its_signature_algorithm() -> None:
    """cryptography refuses this certificate (NULL params on ecdsa-with-SHA512)."""
    data = (DATA / "vectors" / "kod2-example-cert-01F20A5D352AE590.der").read_bytes()
    with pytest.raises(ValueError, match="signature_alg"):
        x509.load_der_x509_certificate(data)
    cert: OfflineCertificate = read_certificate(data)
    assert cert.serial == "01F20A5D352AE590"
    assert isinstance(cert.public_key, rsa.RSAPublicKey)
    assert cert.public_key.key_size == 2048
    assert cert.not_before.year == 2025
    assert cert.not_after.year == 2027
    # It is an Authentication certificate (digitalSignature only): refused for KOD II.
    assert cert.key_usage == frozenset({"digital_signature"})


@pytest.mark.parametrize(
    "garbage", [b"", b"not a certificate", b"\x30\x03\x02\x01", b"-----BEGIN CERTIFICATE-----"]
)
def test_garbage_is_not_a_certificate(garbage: bytes) -> None:
    with pytest.raises(CertificateError):
        read_certificate(garbage)


def test_missing_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(CertificateError, match=r"nope\.crt"):
        load_credentials(tmp_path / "nope.crt", tmp_path / "nope.key")


_VECTOR_CERT = (DATA / "vectors" / "kod2-example-cert-01F20A5D352AE590.der").read_bytes()


@given(st.binary(max_size=600))
def test_random_bytes_are_refused_with_a_message(blob: bytes) -> None:
    with pytest.raises(CertificateError):
        read_certificate(blob)
    with pytest.raises(CertificateError):
        read_private_key(blob)
    with pytest.raises(CertificateError):
        read_pkcs12(blob, "hasło")


@given(st.integers(min_value=0, max_value=len(_VECTOR_CERT) - 1), st.integers(0, 255))
def test_damaged_ksef_certificate_is_refused_or_read(position: int, value: int) -> None:
    """One changed byte: either still readable (e.g. inside a name) or a clean refusal."""
    damaged = bytearray(_VECTOR_CERT)
    damaged[position] = value
    try:
        cert = read_certificate(bytes(damaged))
    except CertificateError:
        return
    assert len(cert.serial) == 16


def test_cli_refuses_a_garbage_certificate(tmp_path: Path) -> None:
    import subprocess
    import sys

    cert_path = tmp_path / "bad.crt"
    cert_path.write_bytes(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    key_path = tmp_path / "bad.key"
    key_path.write_bytes(b"not a key")
    sample = DATA / "fa3-official" / "FA_3_Przykład_1.xml"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "ksef_desktop",
            "qr",
            str(sample),
            "--env",
            "test",
            "--cert",
            str(cert_path),
            "--key",
            str(key_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1
    assert "X.509" in out.stderr
    assert "Traceback" not in out.stderr
