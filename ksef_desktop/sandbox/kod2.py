"""What KSeF checks when a KOD II link is opened (KSEF-PROTOCOL.md §6), on the
certificates the sandbox's CA issued:

- the link: context type Nip / InternalId / NipVatUe / PeppolId, a 10-digit seller NIP, a
  16-hex-digit certificate serial, a SHA-256 invoice hash and a signature in Base64URL;
- the certificate: in the register, of type Offline, not revoked or blocked, valid now;
- the signature over the link without ``https://`` and without ``/{signature}``, UTF-8:
  RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) or ECDSA P-256 with SHA-256 (IEEE P1363
  R||S or DER);
- the certificate's subject has InvoiceWrite in the context, and the context may issue
  invoices for the seller (its own NIP, its subunit or VAT-UE context, or an authorization
  the seller granted: self-invoicing, tax representative, RR, PEF).

Only ``cryptography``; nothing from the client (ksef/, visual/).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.identity import granted, ident, permissions_in, same
from ksef_desktop.sandbox.state import CertificateRecord
from ksef_desktop.sandbox.util import b64

CONTEXT_TYPES = ("Nip", "InternalId", "NipVatUe", "PeppolId")
# Authorizations that let another entity issue invoices in the seller's name.
ISSUING_AUTHORIZATIONS = ("SelfInvoicing", "TaxRepresentative", "RRInvoicing", "PefInvoicing")
WRITE = ("InvoiceWrite", "PefInvoiceWrite")
_SERIAL = re.compile(r"[0-9A-F]{16}")
_NIP = re.compile(r"\d{10}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
PSS_SALT = 32


@dataclass(frozen=True)
class Link:
    context_type: str
    context_value: str
    seller_nip: str
    serial: str
    invoice_hash: str  # standard Base64, as the sandbox keeps invoice hashes
    signature: bytes


def _b64url(text: str) -> bytes | None:
    if not _B64URL.fullmatch(text):
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        return None


def parse_link(params: dict[str, str]) -> Link | None:
    """The link's parts, or None when it is malformed."""
    digest = _b64url(params["hash"])
    signature = _b64url(params["signature"])
    if (
        params["contextType"] not in CONTEXT_TYPES
        or not params["contextValue"].strip()
        or not _NIP.fullmatch(params["sellerNip"])
        or not _SERIAL.fullmatch(params["serial"])
        or digest is None
        or len(digest) != 32
        or len(params["hash"]) != 43
        or not signature
    ):
        return None
    return Link(
        params["contextType"],
        params["contextValue"],
        params["sellerNip"],
        params["serial"],
        b64(digest),
        signature,
    )


def signature_valid(public_key: object, text: str, signature: bytes) -> bool:
    """The KOD II signature of ``text`` (KSEF-PROTOCOL.md §6) made by ``public_key``."""
    data = text.encode("utf-8")
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(
                signature,
                data,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT),
                hashes.SHA256(),
            )
            return True
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            if not isinstance(public_key.curve, ec.SECP256R1):
                return False
            if len(signature) == 64:  # IEEE P1363: R || S
                r, s = int.from_bytes(signature[:32]), int.from_bytes(signature[32:])
                signature = encode_dss_signature(r, s)
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


def _may_issue_for_seller(core: SandboxCore, link: Link) -> bool:
    value = link.context_value
    if link.context_type == "Nip" and value == link.seller_nip:
        return True
    if link.context_type in ("InternalId", "NipVatUe") and value.startswith(link.seller_nip + "-"):
        return True
    return any(
        grant.active
        and grant.kind == "authorization"
        and grant.scope in ISSUING_AUTHORIZATIONS
        and same(grant.context, ident("Nip", link.seller_nip))
        and same(grant.subject, ident(link.context_type, value))
        for grant in core.state.grants.values()
    )


def _may_write(core: SandboxCore, link: Link, record: CertificateRecord) -> bool:
    if link.context_type == "Nip":
        found = permissions_in(core, link.context_value, record.subject)
    else:
        found = granted(core, ident(link.context_type, link.context_value), record.subject)
    return any(scope in WRITE for scope in found)


def problems(
    core: SandboxCore, link: Link, record: CertificateRecord, signed_text: str
) -> list[str]:
    """Why the issuer is not confirmed (empty: confirmed). The state lock is held."""
    out: list[str] = []
    now = core.now()
    if record.kind != "Offline":
        out.append("Certyfikat nie jest certyfikatem typu Offline.")
    if record.status == "Revoked":
        out.append("Certyfikat odwołany.")
    elif record.status == "Blocked":
        out.append("Certyfikat zablokowany.")
    if now >= record.valid_to:
        out.append("Certyfikat wygasł.")
    elif now < record.valid_from:
        out.append("Certyfikat nie jest jeszcze ważny.")
    public_key = x509.load_der_x509_certificate(record.der).public_key()
    if not signature_valid(public_key, signed_text, link.signature):
        out.append("Podpis linku jest nieprawidłowy.")
    if not _may_write(core, link, record):
        out.append("Właściciel certyfikatu nie ma uprawnienia do wystawiania faktur w kontekście.")
    if not _may_issue_for_seller(core, link):
        out.append("Kontekst nie może wystawiać faktur w imieniu sprzedawcy.")
    return out
