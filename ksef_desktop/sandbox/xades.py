"""Verification of a signed ``AuthTokenRequest`` (POST /auth/xades-signature), with
signxml over lxml and cryptography: no hand-made canonicalisation or digests.

What is checked synchronously (400 with the official code, open-api.json):
the bytes are UTF-8 (21217) and well-formed XML without a DTD (21001); the document is an
``AuthTokenRequest`` of namespace 2.0 or 2.1 with the schema's elements in order (21401);
exactly one ds:Signature (9102 none, 9103 more); it is enveloped or enveloping over the
whole request, with a valid digest and signature value (9105), XAdES signed properties
and the signing certificate in KeyInfo (9101 otherwise); the certificate can be read and
has a key KSeF accepts (21115); the certificate names the subject the request says it
identifies by (21406).

What is decided afterwards, as the real server does asynchronously (auth status 460 with
the documented details): a certificate outside its validity ("Nieważny certyfikat"), a
KSeF certificate that was revoked or blocked, an untrusted chain when
``verifyCertificateChain=true`` asks for one.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESVerifier

from ksef_desktop.fa3.xmlsafe import UnsafeXmlError, parse_untrusted
from ksef_desktop.sandbox.ca import name_fields

NAMESPACES = ("http://ksef.mf.gov.pl/auth/token/2.0", "http://ksef.mf.gov.pl/auth/token/2.1")
DS = "http://www.w3.org/2000/09/xmldsig#"
CONTEXT_TYPES = ("Nip", "InternalId", "NipVatUe", "PeppolId")
SUBJECT_TYPES = ("certificateSubject", "certificateFingerprint")
CHALLENGE = re.compile(r"\d{8}-CR-[A-F0-9]{10}-[A-F0-9]{10}-[A-F0-9]{2}")
PERSON = re.compile(r"(PNOPL|PESEL).*?(?P<identifier>\d{11})")
TAXPAYER = re.compile(r"(TINPL|NIP).*?(?P<identifier>\d{10})")
SEAL = re.compile(r"(VATPL).*?(?P<identifier>\d{10})")


class _Verifier(XAdESVerifier):
    """signxml's XAdES verifier, leaving the certificate's validity period to the caller:
    KSeF answers an expired certificate with auth status 460, not with a bad signature."""

    def _check_cert_validity(self, cert: Any, cert_source: Any) -> None:
        return None


class XadesRefused(ValueError):
    """A request refused at once: 400 with this official code."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass
class SignedRequest:
    """What a verified signature vouches for."""

    namespace: str
    challenge: str
    context_type: str
    context_value: str
    subject_type: str  # certificateSubject | certificateFingerprint
    certificate: x509.Certificate
    allowed_ips: list[str] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate (DER), 64 uppercase hex digits."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _children(node: etree._Element) -> list[etree._Element]:
    return [c for c in node if isinstance(c.tag, str)]


def _text(node: etree._Element) -> str:
    return (node.text or "").strip()


def _structure(root: etree._Element) -> tuple[str, str, str, str, str, list[str]]:
    """(namespace, challenge, context type, context value, subject type, allowed IPs) of a
    request shaped as the schema says (XadesRefused 21401 otherwise)."""
    namespace = etree.QName(root).namespace or ""
    if namespace not in NAMESPACES or _local(root) != "AuthTokenRequest":
        raise XadesRefused(21401, "Oczekiwano elementu AuthTokenRequest (schemat auth 2.0/2.1).")
    own = [c for c in _children(root) if etree.QName(c).namespace == namespace]
    names = [_local(c) for c in own]
    expected = ["Challenge", "ContextIdentifier", "SubjectIdentifierType"]
    if names[:3] != expected or names[3:] not in ([], ["AuthorizationPolicy"]):
        raise XadesRefused(21401, f"Elementy {', '.join(names)}; oczekiwano {', '.join(expected)}.")
    others = [c for c in _children(root) if etree.QName(c).namespace not in (namespace, DS)]
    if others:
        raise XadesRefused(21401, f"Nieoczekiwany element {_local(others[0])}.")
    challenge = _text(own[0])
    if not CHALLENGE.fullmatch(challenge):
        raise XadesRefused(21401, "Element Challenge ma nieprawidłowy format.")
    context = _children(own[1])
    if len(context) != 1 or _local(context[0]) not in CONTEXT_TYPES:
        raise XadesRefused(21401, "ContextIdentifier ma jeden z: Nip, InternalId, NipVatUe.")
    subject_type = _text(own[2])
    if subject_type not in SUBJECT_TYPES:
        raise XadesRefused(21401, "SubjectIdentifierType: certificateSubject albo Fingerprint.")
    ips = [_text(n) for n in own[3].iter() if isinstance(n.tag, str)][1:] if len(own) > 3 else []
    return namespace, challenge, _local(context[0]), _text(context[0]), subject_type, ips


def _certificate(signature: etree._Element) -> x509.Certificate:
    found = signature.findall(f".//{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if not found:
        raise XadesRefused(9101, "Brak certyfikatu podpisującego w KeyInfo.")
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode("".join(_text(found[0]).split())))
    except ValueError as exc:
        raise XadesRefused(21115, "Certyfikat podpisujący jest nieczytelny.") from exc
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise XadesRefused(21115, "Klucz RSA certyfikatu ma mniej niż 2048 bitów.")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.key_size < 256:
            raise XadesRefused(21115, "Klucz EC certyfikatu ma mniej niż 256 bitów.")
    else:
        raise XadesRefused(21115, "Certyfikat ma klucz innego typu niż RSA i EC.")
    return cert


def parse_signed(body: bytes) -> SignedRequest:
    """Verify the signed request (XadesRefused with the official code otherwise)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise XadesRefused(21217, "Dokument nie jest zapisany w UTF-8.") from exc
    try:
        root = parse_untrusted(body)
    except (etree.XMLSyntaxError, UnsafeXmlError) as exc:
        raise XadesRefused(21001, f"Dokument nie jest poprawnym XML: {exc}") from exc
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if not signatures:
        raise XadesRefused(9102, "Dokument nie zawiera podpisu.")
    if len(signatures) > 1:
        raise XadesRefused(9103, f"Dokument zawiera {len(signatures)} podpisy; dozwolony jest 1.")
    cert = _certificate(signatures[0])
    pem = cert.public_bytes(serialization.Encoding.PEM)
    config = XAdESSignatureConfiguration(require_x509=True, expect_references=3)
    try:
        results = _Verifier().verify(body, x509_cert=pem, expect_config=config)
    except InvalidCertificate as exc:
        raise XadesRefused(21115, f"Nieprawidłowy certyfikat: {exc}") from exc
    except (InvalidDigest, InvalidSignature) as exc:
        raise XadesRefused(9105, f"Podpis jest nieprawidłowy: {exc}") from exc
    except InvalidInput as exc:
        raise XadesRefused(9101, f"Podpis nie jest poprawnym podpisem XAdES: {exc}") from exc
    signed = results[0].signed_xml
    if signed is None or _local(signed) != "AuthTokenRequest":
        raise XadesRefused(9101, "Podpis musi obejmować cały dokument AuthTokenRequest.")
    namespace, challenge, context_type, context_value, subject_type, ips = _structure(signed)
    return SignedRequest(namespace, challenge, context_type, context_value, subject_type, cert, ips)


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else None


def certificate_identifier(cert: x509.Certificate) -> tuple[str, str, str] | None:
    """(identifier type Nip|Pesel, value, AuthenticationMethod) named by the certificate's
    subject (KSEF-PROTOCOL.md §2.3), or None."""
    serial = _attribute(cert.subject, NameOID.SERIAL_NUMBER) or ""
    organization = _attribute(cert.subject, NameOID.ORGANIZATION_IDENTIFIER) or ""
    person_name = _attribute(cert.subject, NameOID.GIVEN_NAME) or _attribute(
        cert.subject, NameOID.SURNAME
    )
    seal = SEAL.search(organization)
    if seal and not person_name:
        return "Nip", seal.group("identifier"), "QualifiedSeal"
    person = PERSON.search(serial)
    if person:
        return "Pesel", person.group("identifier"), "QualifiedSignature"
    taxpayer = TAXPAYER.search(serial)
    if taxpayer:
        return "Nip", taxpayer.group("identifier"), "QualifiedSignature"
    return None


def validity_problem(cert: x509.Certificate, now: datetime) -> str | None:
    """The auth status 460 detail for a certificate outside its validity, or None."""
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        return "Nieważny certyfikat"
    return None


def subject_attributes(cert: x509.Certificate) -> dict[str, Any]:
    """The certificate's subject by open-api.json's enrolment-data field names."""
    return dict(name_fields(cert.subject))
