"""Login by signature (KSEF-PROTOCOL.md §2.3): the ``AuthTokenRequest`` document, signed
XAdES-BES enveloped with signxml (over lxml and cryptography: no canonicalisation or
digest of our own), and what a document someone else signed says.

- ``auth_token_request(challenge, context)``: the unsigned request (schema auth 2.0),
  UTF-8 with a declaration, as the Ministry's examples are written. It is what
  ``ksef-desktop auth-request`` saves for external signing (podpis zaufany or any
  signing program).
- ``sign_request(unsigned, signer)``: enveloped XAdES-BES over the whole document with
  the signer's certificate (and chain) in KeyInfo; RSA PKCS#1 v1.5 or ECDSA (R||S),
  SHA-256.
- ``inspect_request(document)``: the challenge, context and whether a signature is there,
  read from untrusted bytes (no DTD, no entities), so that a file signed elsewhere is
  checked against the profile before it is sent.
- ``self_signed(nip, ...)``: a certificate carrying the NIP (serialNumber ``TINPL-NIP``)
  as the Ministry's Test environment accepts; never for Demo or Production.

Nothing here keeps a key: the caller holds the ``Signer`` in memory for as long as it
needs it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from ksef_desktop.fa3.xmlsafe import UnsafeXmlError, parse_untrusted

AUTH_NS = "http://ksef.mf.gov.pl/auth/token/2.0"
AUTH_NAMESPACES = (AUTH_NS, "http://ksef.mf.gov.pl/auth/token/2.1")
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
CONTEXT_TYPES = ("Nip", "InternalId", "NipVatUe", "PeppolId")
CERTIFICATE_SUBJECT = "certificateSubject"
CERTIFICATE_FINGERPRINT = "certificateFingerprint"
CHALLENGE = re.compile(r"\d{8}-CR-[A-F0-9]{10}-[A-F0-9]{10}-[A-F0-9]{2}")
#: The smallest keys KSeF accepts in a signing certificate (podpis-xades.md).
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class RequestError(ValueError):
    """A document that is not an ``AuthTokenRequest`` this program can send; ``reason``
    is one of ``not-xml``, ``not-request``, ``no-context``, ``weak-key``, ``key-type``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Context:
    """Who the login acts for (``ContextIdentifier``): a NIP for a sole trader."""

    type: str
    value: str


@dataclass(frozen=True)
class Signer:
    """A private key and its certificate (DER), with the chain above it, in memory."""

    key: PrivateKey = field(repr=False)
    certificate: bytes = field(repr=False)
    chain: tuple[bytes, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        check_key(self.key)

    @property
    def x509(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.certificate)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate (DER), 64 uppercase hex digits (KSeF's form)."""
        return hashlib.sha256(self.certificate).hexdigest().upper()

    def __repr__(self) -> str:  # never show key material
        return f"Signer(fingerprint={self.fingerprint[:16]}…)"


def check_key(key: object) -> None:
    """Refuse keys KSeF does not accept (``RequestError`` weak-key / key-type)."""
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise RequestError("weak-key", f"RSA {key.key_size}")
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.key_size < MIN_EC_BITS:
            raise RequestError("weak-key", f"EC {key.curve.name}")
    else:
        raise RequestError("key-type", type(key).__name__)


def auth_token_request(
    challenge: str, context: Context, subject_type: str = CERTIFICATE_SUBJECT
) -> bytes:
    """The unsigned ``AuthTokenRequest`` (namespace 2.0) for ``challenge`` and ``context``."""
    if not CHALLENGE.fullmatch(challenge):
        raise RequestError("not-request", "challenge")
    if context.type not in CONTEXT_TYPES:
        raise RequestError("no-context", context.type)
    root = etree.Element(f"{{{AUTH_NS}}}AuthTokenRequest", nsmap={None: AUTH_NS})
    etree.SubElement(root, f"{{{AUTH_NS}}}Challenge").text = challenge
    ctx = etree.SubElement(root, f"{{{AUTH_NS}}}ContextIdentifier")
    etree.SubElement(ctx, f"{{{AUTH_NS}}}{context.type}").text = context.value
    etree.SubElement(root, f"{{{AUTH_NS}}}SubjectIdentifierType").text = subject_type
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def sign_request(unsigned: bytes, signer: Signer) -> bytes:
    """XAdES-BES, enveloped, over the whole request (SHA-256)."""
    from signxml import methods
    from signxml.xades.xades import XAdESSigner

    root = _parse(unsigned)
    for old in root.findall(f".//{{{DS_NS}}}Signature"):
        parent = old.getparent()
        if parent is not None:
            parent.remove(old)
    algorithm = (
        "ecdsa-sha256" if isinstance(signer.key, ec.EllipticCurvePrivateKey) else ("rsa-sha256")
    )
    xades = XAdESSigner(
        method=methods.enveloped, signature_algorithm=algorithm, digest_algorithm="sha256"
    )
    certificates = [signer.x509, *(x509.load_der_x509_certificate(c) for c in signer.chain)]
    signed = xades.sign(root, key=signer.key, cert=certificates)
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="utf-8"))


@dataclass(frozen=True)
class RequestFacts:
    """What an ``AuthTokenRequest`` says (read, not verified: KSeF verifies)."""

    challenge: str
    context: Context
    subject_type: str
    signatures: int


def _parse(document: bytes) -> etree._Element:
    try:
        return parse_untrusted(document)
    except (etree.XMLSyntaxError, UnsafeXmlError, ValueError) as exc:
        raise RequestError("not-xml", str(exc)) from None


def inspect_request(document: bytes) -> RequestFacts:
    """The facts of a (signed or unsigned) request, or ``RequestError``."""
    root = _parse(document)
    namespace = etree.QName(root).namespace or ""
    if namespace not in AUTH_NAMESPACES or etree.QName(root).localname != "AuthTokenRequest":
        raise RequestError("not-request", etree.QName(root).localname)
    challenge = root.findtext(f"{{{namespace}}}Challenge") or ""
    subject_type = (root.findtext(f"{{{namespace}}}SubjectIdentifierType") or "").strip()
    context_node = root.find(f"{{{namespace}}}ContextIdentifier")
    children = (
        [c for c in context_node if isinstance(c.tag, str)] if context_node is not None else []
    )
    if len(children) != 1 or etree.QName(children[0]).localname not in CONTEXT_TYPES:
        raise RequestError("no-context")
    context = Context(etree.QName(children[0]).localname, (children[0].text or "").strip())
    signatures = len(list(root.iter(f"{{{DS_NS}}}Signature")))
    return RequestFacts(challenge.strip(), context, subject_type, signatures)


def self_signed(
    nip: str,
    *,
    now: datetime,
    common_name: str = "",
    days: int = 365,
    key: PrivateKey | None = None,
) -> Signer:
    """A self-signed certificate naming the NIP (serialNumber ``TINPL-{nip}``), as the
    Ministry's Test environment (and the Sandbox) accept for a login; EC P-256 unless a
    key is given. Not for Demo or Production: they require a trusted certificate."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    check_key(key)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name or f"NIP {nip}"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINPL-{nip}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        ]
    )
    start = now - timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
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
        .sign(key, hashes.SHA256())
    )
    return Signer(key, cert.public_bytes(serialization.Encoding.DER))
