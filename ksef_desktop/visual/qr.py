"""KSeF verification codes: KOD I (the invoice) and KOD II (the offline issuer).

KSEF-PROTOCOL.md §6. KOD I links to the invoice in KSeF by the seller's NIP, the issue
date (P_1) and the SHA-256 of the exact invoice bytes; KOD II, for invoices issued
offline, adds the context, the serial number of the issuer's KSeF Offline certificate
and a signature made with that certificate's key over the link itself.

QR symbols are made with the ``qrcode`` package (ISO/IEC 18004). The error-correction
level is **M** (about 15 % of the symbol recoverable): KSeF prescribes none; L would
make a symbol that a crease or a toner streak on a printed invoice can break, while Q
or H would push the long KOD II link (about 470 characters with an RSA signature)
to version 19-22, i.e. modules too small to scan from a printout of a few centimetres.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

if TYPE_CHECKING:
    from PIL.Image import Image

#: QR verification hosts per environment (DESIGN.md §6); the sandbox brings its own.
QR_BASES: dict[str, str] = {
    "test": "https://qr-test.ksef.mf.gov.pl",
    "demo": "https://qr-demo.ksef.mf.gov.pl",
    "prod": "https://qr.ksef.mf.gov.pl",
}

#: The label under KOD I while the invoice has no KSeF number yet.
OFFLINE_LABEL = "OFFLINE"
#: The label under KOD II.
CERTIFICATE_LABEL = "CERTYFIKAT"

CONTEXT_TYPES = ("Nip", "InternalId", "NipVatUe", "PeppolId")

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

_PSS_SALT = 32
_P256_COORDINATE = 32


def b64url(data: bytes) -> str:
    """Base64URL without padding, as every KSeF link segment is written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def invoice_hash(xml: bytes) -> str:
    """SHA-256 of the exact invoice bytes, Base64URL without padding."""
    return b64url(hashlib.sha256(xml).digest())


def normalize_base(qr_base: str) -> str:
    base = qr_base.strip().rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise ValueError(f"a QR base is an http(s) URL, not {qr_base!r}")
    return base


def kod1_url(qr_base: str, seller_nip: str, issue_date: date, hash_b64url: str) -> str:
    """``{base}/invoice/{NIP}/{DD-MM-YYYY}/{hash}``."""
    day = issue_date.strftime("%d-%m-%Y")
    return f"{normalize_base(qr_base)}/invoice/{seller_nip}/{day}/{hash_b64url}"


@dataclass(frozen=True)
class ContextIdentifier:
    """Who issues (the authentication context): type ``Nip``, ``InternalId``, ..."""

    type: str
    value: str

    def __post_init__(self) -> None:
        if self.type not in CONTEXT_TYPES:
            raise ValueError(f"context type must be one of {CONTEXT_TYPES}, not {self.type!r}")
        if not self.value or "/" in self.value:
            raise ValueError(f"not a context identifier value: {self.value!r}")


def kod2_signed_text(
    qr_base: str,
    context: ContextIdentifier,
    seller_nip: str,
    certificate_serial: str,
    hash_b64url: str,
) -> str:
    """The text KOD II signs: the link without its scheme, up to and including the hash."""
    if len(certificate_serial) != 16 or certificate_serial.upper() != certificate_serial:
        raise ValueError("a KSeF certificate serial number is 16 uppercase hex digits")
    int(certificate_serial, 16)
    base = normalize_base(qr_base).split("://", 1)[1]
    return (
        f"{base}/certificate/{context.type}/{context.value}/{seller_nip}/"
        f"{certificate_serial}/{hash_b64url}"
    )


def _scheme(qr_base: str) -> str:
    return normalize_base(qr_base).split("://", 1)[0]


def sign_kod2(private_key: PrivateKey, text: str) -> bytes:
    """RSA-PSS (SHA-256, MGF1-SHA-256, salt 32) or ECDSA P-256 as IEEE P1363 r||s."""
    data = text.encode("utf-8")
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(
            data,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=_PSS_SALT),
            hashes.SHA256(),
        )
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise ValueError("KOD II needs an EC key on the P-256 curve")
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(_P256_COORDINATE, "big") + s.to_bytes(_P256_COORDINATE, "big")
    raise TypeError("KOD II is signed with an RSA or an EC P-256 key")


def verify_kod2_signature(public_key: PublicKey, text: str, signature: bytes) -> bool:
    """Check a KOD II signature (P1363 or DER for EC) the way KSeF does."""
    data = text.encode("utf-8")
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(
                signature,
                data,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=_PSS_SALT),
                hashes.SHA256(),
            )
            return True
        der = signature
        if len(signature) == 2 * _P256_COORDINATE:
            der = encode_dss_signature(
                int.from_bytes(signature[:_P256_COORDINATE], "big"),
                int.from_bytes(signature[_P256_COORDINATE:], "big"),
            )
        public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError):
        return False


def kod2_url(
    qr_base: str,
    context: ContextIdentifier,
    seller_nip: str,
    certificate_serial: str,
    hash_b64url: str,
    private_key: PrivateKey,
) -> str:
    """The full KOD II link: the signed text, signed, with the scheme put back."""
    text = kod2_signed_text(qr_base, context, seller_nip, certificate_serial, hash_b64url)
    signature = b64url(sign_kod2(private_key, text))
    return f"{_scheme(qr_base)}://{text}/{signature}"


def split_kod2_url(url: str) -> tuple[str, bytes]:
    """(signed text, signature bytes) of a KOD II link, for verification."""
    scheme, _, rest = url.partition("://")
    if scheme not in ("https", "http") or rest.count("/") < 7:
        raise ValueError("not a KOD II link")
    text, _, signature = rest.rpartition("/")
    return text, b64url_decode(signature)


# --- QR symbols ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The symbol's modules (True = dark), without the quiet zone (error correction M)."""
    from ksef_desktop.visual.qr_symbol import make_matrix

    return tuple(tuple(row) for row in make_matrix(data.encode("utf-8")))


QUIET_ZONE = 4  # modules, as ISO/IEC 18004 requires around a symbol


def qr_image(data: str, *, module_px: int = 8) -> Image:
    """A black-on-white PIL image with the standard 4-module quiet zone."""
    from PIL import Image as PilImage
    from PIL import ImageDraw

    matrix = qr_matrix(data)
    size = (len(matrix) + 2 * QUIET_ZONE) * module_px
    image = PilImage.new("1", (size, size), 1)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                left = (x + QUIET_ZONE) * module_px
                top = (y + QUIET_ZONE) * module_px
                draw.rectangle((left, top, left + module_px - 1, top + module_px - 1), fill=0)
    return image


def qr_png(data: str, *, module_px: int = 8) -> bytes:
    buf = io.BytesIO()
    qr_image(data, module_px=module_px).save(buf, format="PNG")
    return buf.getvalue()


def dark_runs(data: str) -> list[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules.

    Drawing runs instead of single modules keeps a vector QR in a PDF small and fast.
    """
    runs: list[tuple[int, int, int]] = []
    for y, row in enumerate(qr_matrix(data)):
        x = 0
        width = len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return runs
