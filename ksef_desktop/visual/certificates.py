"""KSeF Offline certificates: import, health check, and the private key in the keyring.

A certificate comes as .crt/.pem/.der with its private key in .key/.pem (optionally
encrypted), or as one .p12/.pfx with a password. The private key is stored only in the
OS keyring (``SecretStore``, entry ``offline_key_entry(env, nip, serial)``, PEM text);
this module never writes a file. The certificate itself is public: ``der`` is handed
back for the caller to keep.

Before an offline invoice is printed, ``check_offline_certificate`` refuses a
certificate that is expired or not yet valid (the clock is a parameter), that is not of
the KSeF *Offline* type (keyUsage must include Non-Repudiation, i.e.
``content_commitment``; an Authentication certificate has only digitalSignature), whose
key does not match, or whose key is RSA below 2048 bits or EC other than P-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _
from ksef_desktop.secrets import SecretStore, offline_key_entry
from ksef_desktop.visual.der import DerError, read_tbs
from ksef_desktop.visual.qr import ContextIdentifier, PrivateKey, PublicKey

MIN_RSA_BITS = 2048
PKCS12_SUFFIXES = (".p12", ".pfx")


class CertificateError(UserError, ValueError):
    """A certificate or key is refused; ``str(exc)`` is a translated explanation."""


class PasswordNeeded(CertificateError):
    """The key (or PKCS#12 file) is encrypted and no password, or a wrong one, was given."""


@dataclass(frozen=True)
class OfflineCertificate:
    der: bytes
    serial: str  # 16 uppercase hex digits, as in KOD II
    not_before: datetime
    not_after: datetime
    key_usage: frozenset[str] | None  # None: no keyUsage extension
    public_key: PublicKey


@dataclass(frozen=True)
class OfflineSigning:
    """What KOD II needs: the certificate, its private key and the issuing context.

    ``context`` None means the seller's own NIP (``Nip`` context), the usual case for a
    sole trader.
    """

    certificate: OfflineCertificate
    private_key: PrivateKey
    context: ContextIdentifier | None = None

    def __repr__(self) -> str:  # never show key material
        return f"OfflineSigning(serial={self.certificate.serial!r}, context={self.context!r})"


def _serial_text(serial: int) -> str:
    if serial < 0 or serial >= 1 << 64:
        raise CertificateError(
            _(
                "The certificate's serial number is not 16 hexadecimal digits, as the serial "
                "number of a KSeF certificate is."
            )
        )
    return f"{serial:016X}"


def _public_key(key: object) -> PublicKey:
    if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return key
    raise CertificateError(_("Unsupported key type: KOD II needs an RSA or an EC P-256 key."))


def read_certificate(data: bytes) -> OfflineCertificate:
    """A PEM or DER certificate, also one whose CA signature ``cryptography`` refuses."""
    der = data
    if b"-----BEGIN" in data:
        try:
            der = x509.load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER)
        except ValueError:
            der = _pem_body(data)
    try:
        cert = x509.load_der_x509_certificate(der)
        try:
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
            names = frozenset(
                name
                for name in (
                    "digital_signature",
                    "content_commitment",
                    "key_encipherment",
                    "data_encipherment",
                    "key_agreement",
                    "key_cert_sign",
                    "crl_sign",
                )
                if getattr(usage, name)
            )
            key_usage: frozenset[str] | None = names
        except x509.ExtensionNotFound:
            key_usage = None
        return OfflineCertificate(
            der=der,
            serial=_serial_text(cert.serial_number),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            key_usage=key_usage,
            public_key=_public_key(cert.public_key()),
        )
    except (ValueError, UnsupportedAlgorithm) as exc:
        if isinstance(exc, CertificateError):
            raise
        # cryptography refuses some KSeF test CA certificates (see der.py): read what
        # KOD II needs with the minimal DER walk instead.
        try:
            tbs = read_tbs(der)
            public_key = serialization.load_der_public_key(tbs.spki_der)
        except (DerError, ValueError, IndexError, UnicodeDecodeError, UnsupportedAlgorithm):
            raise CertificateError(_("This is not an X.509 certificate (PEM or DER).")) from None
        return OfflineCertificate(
            der=der,
            serial=_serial_text(tbs.serial),
            not_before=tbs.not_before,
            not_after=tbs.not_after,
            key_usage=tbs.key_usage,
            public_key=_public_key(public_key),
        )


def _pem_body(data: bytes) -> bytes:
    import base64

    text = data.decode("ascii", errors="replace")
    start = text.find("-----BEGIN CERTIFICATE-----")
    end = text.find("-----END CERTIFICATE-----")
    if start < 0 or end < 0:
        raise CertificateError(_("This is not an X.509 certificate (PEM or DER)."))
    body = text[start + len("-----BEGIN CERTIFICATE-----") : end]
    try:
        return base64.b64decode("".join(body.split()), validate=True)
    except ValueError:
        raise CertificateError(_("This is not an X.509 certificate (PEM or DER).")) from None


def _private_key(key: object) -> PrivateKey:
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return key
    raise CertificateError(_("Unsupported key type: KOD II needs an RSA or an EC P-256 key."))


def read_private_key(data: bytes, password: str | None = None) -> PrivateKey:
    """A PEM or DER private key (PKCS#8, PKCS#1 or SEC1), encrypted or not."""
    loader = (
        serialization.load_pem_private_key
        if b"-----BEGIN" in data
        else serialization.load_der_private_key
    )
    secret = password.encode("utf-8") if password else None
    try:
        try:
            key = loader(data, password=secret)
        except TypeError:
            # Encrypted without a password, or a password given for an unencrypted key.
            if secret is None:
                raise PasswordNeeded(
                    _("The private key is encrypted: give its password.")
                ) from None
            key = loader(data, password=None)
    except UnsupportedAlgorithm:
        raise CertificateError(
            _("Unsupported key type: KOD II needs an RSA or an EC P-256 key.")
        ) from None
    except (ValueError, TypeError) as exc:
        if isinstance(exc, CertificateError):
            raise
        raise CertificateError(
            _("Cannot read the private key: wrong password or not a PEM/DER key.")
        ) from None
    return _private_key(key)


def read_pkcs12(data: bytes, password: str | None) -> tuple[OfflineCertificate, PrivateKey]:
    secret = password.encode("utf-8") if password else None
    try:
        key, cert, _extra = pkcs12.load_key_and_certificates(data, secret)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # cryptography refuses a whole file over one certificate it will not parse (KSeF's
        # test CA, see der.py): our own reader opens such files.
        return _read_pkcs12_leniently(data, password)
    if key is None or cert is None:
        raise CertificateError(
            _("The PKCS#12 file must hold both the certificate and its private key.")
        )
    return read_certificate(cert.public_bytes(serialization.Encoding.DER)), _private_key(key)


def _read_pkcs12_leniently(
    data: bytes, password: str | None
) -> tuple[OfflineCertificate, PrivateKey]:
    from ksef_desktop.visual.pkcs12 import Pkcs12Error
    from ksef_desktop.visual.pkcs12 import read_pkcs12 as read_raw

    try:
        contents = read_raw(data, password)
    except Pkcs12Error as exc:
        if exc.reason == "unsupported":
            raise CertificateError(
                _(
                    "This PKCS#12 file is encrypted in a way this program cannot open (e.g. "
                    "RC2). Export it again with AES, or give the certificate and key files."
                )
            ) from None
        raise PasswordNeeded(
            _("Cannot open the PKCS#12 file: wrong password or a damaged file.")
        ) from None
    if len(contents.keys) != 1 or not contents.certificates:
        raise CertificateError(
            _("The PKCS#12 file must hold both the certificate and its private key.")
        )
    try:
        key = _private_key(serialization.load_der_private_key(contents.keys[0], None))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise CertificateError(_("The private key in the PKCS#12 file cannot be read.")) from None
    certificates = [read_certificate(der) for der in contents.certificates]
    for cert in certificates:
        if _same_key(cert.public_key, key):
            return cert, key
    raise CertificateError(_("No certificate in the PKCS#12 file belongs to its private key."))


def _read_file(path: Path) -> bytes:
    from ksef_desktop.userfiles import MAX_CREDENTIAL_FILE, UnreadableFile, read_user_file

    try:
        return read_user_file(path, MAX_CREDENTIAL_FILE)
    except UnreadableFile as exc:
        raise CertificateError(
            _("Cannot read {path}: {reason}").format(path=path, reason=exc.reason)
        ) from None


def load_credentials(
    cert_path: Path, key_path: Path | None = None, password: str | None = None
) -> tuple[OfflineCertificate, PrivateKey]:
    """Read a certificate and its key from files (.crt/.pem/.der + .key/.pem, or .p12/.pfx)."""
    data = _read_file(cert_path)
    if cert_path.suffix.lower() in PKCS12_SUFFIXES:
        return read_pkcs12(data, password)
    if key_path is None:
        raise CertificateError(
            _("Give the private key file (.key or .pem) with the certificate, or use a .p12/.pfx.")
        )
    return read_certificate(data), read_private_key(_read_file(key_path), password)


def _same_key(public: PublicKey, private: PrivateKey) -> bool:
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return public.public_bytes(*spki) == private.public_key().public_bytes(*spki)


def check_offline_certificate(cert: OfflineCertificate, key: PrivateKey, *, now: datetime) -> None:
    """Refuse (``CertificateError``) anything that cannot sign a valid KOD II at ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if now < cert.not_before:
        raise CertificateError(
            _("The certificate is not valid yet: it is valid from {date}.").format(
                date=f"{cert.not_before:%d.%m.%Y %H:%M} UTC"
            )
        )
    if now > cert.not_after:
        raise CertificateError(
            _(
                "The certificate expired on {date}. An offline invoice needs a valid "
                "KSeF Offline certificate."
            ).format(date=f"{cert.not_after:%d.%m.%Y %H:%M} UTC")
        )
    if cert.key_usage is None or "content_commitment" not in cert.key_usage:
        raise CertificateError(
            _(
                "This is not a KSeF Offline certificate: its key usage lacks Non-Repudiation. "
                "An Authentication certificate cannot sign KOD II; request an Offline "
                "certificate in KSeF."
            )
        )
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < MIN_RSA_BITS:
        raise CertificateError(
            _("The RSA key has {bits} bits; KOD II needs at least 2048.").format(bits=key.key_size)
        )
    if isinstance(key, ec.EllipticCurvePrivateKey) and not isinstance(key.curve, ec.SECP256R1):
        raise CertificateError(
            _("The EC key is on the {curve} curve; KOD II needs P-256.").format(
                curve=key.curve.name
            )
        )
    if not _same_key(cert.public_key, key):
        raise CertificateError(_("The private key does not belong to this certificate."))


def key_to_pem(key: PrivateKey) -> str:
    """PKCS#8 PEM text, unencrypted: only ever handed to the keyring."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def import_offline_certificate(
    store: SecretStore,
    *,
    environment: str,
    nip: str,
    cert_path: Path,
    key_path: Path | None,
    password: str | None,
    now: datetime,
) -> OfflineCertificate:
    """Read, check and keep: the key goes into the keyring; the certificate is returned."""
    cert, key = load_credentials(cert_path, key_path, password)
    check_offline_certificate(cert, key, now=now)
    store.set(offline_key_entry(environment, nip, cert.serial), key_to_pem(key))
    return cert


def forget_offline_key(store: SecretStore, *, environment: str, nip: str, serial: str) -> bool:
    """Remove an imported certificate's private key from the keyring (False: none there)."""
    return store.delete(offline_key_entry(environment, nip, serial))


def load_offline_key(store: SecretStore, *, environment: str, nip: str, serial: str) -> PrivateKey:
    """The private key of an imported certificate, from the keyring."""
    pem = store.get(offline_key_entry(environment, nip, serial))
    if pem is None:
        raise CertificateError(
            _(
                "The private key of certificate {serial} is not in the system keyring; "
                "import the certificate again."
            ).format(serial=serial)
        )
    return read_private_key(pem.encode("ascii"))


def offline_signing(
    store: SecretStore,
    *,
    environment: str,
    nip: str,
    cert_der: bytes,
    now: datetime,
    context: ContextIdentifier | None = None,
) -> OfflineSigning:
    """Everything KOD II needs, checked, from a stored certificate and the keyring."""
    cert = read_certificate(cert_der)
    key = load_offline_key(store, environment=environment, nip=nip, serial=cert.serial)
    check_offline_certificate(cert, key, now=now)
    return OfflineSigning(certificate=cert, private_key=key, context=context)
