"""The Sandbox's own certification authority: it issues real X.509 KSeF certificates
(types Authentication and Offline) from a PKCS#10 request, with 16-hex-digit serials, and
checks requests the way KSEF-PROTOCOL.md §8 and open-api.json describe them.

Only ``cryptography``; the CA key is the sandbox's own test key (persisted with the other
keys when there is a state file).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

from ksef_desktop.sandbox.util import b64, b64decode_strict, iso, parse_iso

CERTIFICATE_LIFETIME = timedelta(days=730)
# The name attributes the enrolment data may carry, by their open-api.json field names.
NAME_FIELDS: dict[str, x509.ObjectIdentifier] = {
    "commonName": NameOID.COMMON_NAME,
    "countryName": NameOID.COUNTRY_NAME,
    "givenName": NameOID.GIVEN_NAME,
    "surname": NameOID.SURNAME,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "uniqueIdentifier": NameOID.X500_UNIQUE_IDENTIFIER,
    "organizationName": NameOID.ORGANIZATION_NAME,
    "organizationIdentifier": NameOID.ORGANIZATION_IDENTIFIER,
}
_SIGNATURES = {
    SignatureAlgorithmOID.RSA_WITH_SHA1,
    SignatureAlgorithmOID.RSA_WITH_SHA256,
    SignatureAlgorithmOID.RSA_WITH_SHA384,
    SignatureAlgorithmOID.RSA_WITH_SHA512,
    SignatureAlgorithmOID.RSASSA_PSS,
    SignatureAlgorithmOID.ECDSA_WITH_SHA1,
    SignatureAlgorithmOID.ECDSA_WITH_SHA256,
    SignatureAlgorithmOID.ECDSA_WITH_SHA384,
    SignatureAlgorithmOID.ECDSA_WITH_SHA512,
}


class CsrRefused(ValueError):
    """A certificate request KSeF refuses; ``code`` is the official exception code."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def name_fields(name: x509.Name) -> dict[str, str]:
    """The attributes of a distinguished name by their open-api.json field names."""
    out: dict[str, str] = {}
    for field_name, oid in NAME_FIELDS.items():
        values = name.get_attributes_for_oid(oid)
        if values:
            value = values[0].value
            out[field_name] = value if isinstance(value, str) else value.hex()
    return out


def check_csr(der: bytes, expected: dict[str, str]) -> x509.CertificateSigningRequest:
    """A parsed, well-signed request whose key and subject KSeF accepts (CsrRefused)."""
    try:
        csr = x509.load_der_x509_csr(der)
    except ValueError as exc:
        raise CsrRefused(25004, "Niepoprawny format CSR.") from exc
    try:
        valid = csr.is_signature_valid
    except (ValueError, InvalidSignature, x509.UnsupportedGeneralNameType):
        valid = False
    if not valid:
        raise CsrRefused(25004, "Niepoprawny podpis CSR.")
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size != 2048:
            raise CsrRefused(25010, "Klucz RSA musi mieć długość 2048 bitów.")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise CsrRefused(25010, "Klucz EC musi leżeć na krzywej NIST P-256.")
    else:
        raise CsrRefused(25010, "Dozwolone są klucze RSA 2048 i EC P-256.")
    if csr.signature_algorithm_oid not in _SIGNATURES:
        raise CsrRefused(25011, "Dozwolone podpisy CSR: RSA PKCS#1 v1.5, RSA-PSS, ECDSA.")
    found = name_fields(csr.subject)
    if found != expected or len(csr.subject) != len(expected):
        raise CsrRefused(
            25003, "Dane w CSR nie zgadzają się z danymi w użytym wektorze uwierzytelniającym."
        )
    return csr


def public_key_der(csr: x509.CertificateSigningRequest) -> bytes:
    return csr.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def new_serial(taken: set[str]) -> str:
    """16 uppercase hex digits, not zero, not taken."""
    while True:
        serial = secrets.token_hex(8).upper()
        if serial not in taken and int(serial, 16) > 0:
            return serial


@dataclass
class SandboxCA:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @classmethod
    def generate(cls, now: datetime) -> SandboxCA:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ministerstwo Finansów"),
                x509.NameAttribute(NameOID.COMMON_NAME, "KSeF Sandbox CA"),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before((now - timedelta(days=1)).replace(microsecond=0))
            .not_valid_after((now + timedelta(days=3650)).replace(microsecond=0))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def issue(
        self,
        csr: x509.CertificateSigningRequest,
        serial: str,
        kind: str,
        valid_from: datetime,
        valid_to: datetime,
    ) -> x509.Certificate:
        """An Authentication certificate signs (digitalSignature); an Offline one only
        proves the issuer of an offline invoice (nonRepudiation), KSEF-PROTOCOL §6."""
        offline = kind == "Offline"
        public = csr.public_key()
        if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise CsrRefused(25010, "Dozwolone są klucze RSA 2048 i EC P-256.")
        return (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self.certificate.subject)
            .public_key(public)
            .serial_number(int(serial, 16))
            .not_valid_before(valid_from.replace(microsecond=0))
            .not_valid_after(valid_to.replace(microsecond=0))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=not offline,
                    content_commitment=offline,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )

    def issued(self, cert: x509.Certificate) -> bool:
        """The certificate carries this CA's valid signature."""
        try:
            cert.verify_directly_issued_by(self.certificate)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return {"privateKeyPem": pem.decode("ascii"), "certificate": b64(der)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SandboxCA:
        key = serialization.load_pem_private_key(data["privateKeyPem"].encode("ascii"), None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the sandbox CA key is an RSA key")
        cert = x509.load_der_x509_certificate(b64decode_strict(data["certificate"]))
        return cls(key, cert)


def validity(now: datetime, valid_from: str | None) -> tuple[datetime, datetime]:
    start = parse_iso(valid_from) if valid_from else now
    return start, start + CERTIFICATE_LIFETIME


__all__ = ["CsrRefused", "SandboxCA", "check_csr", "iso", "name_fields", "new_serial"]
