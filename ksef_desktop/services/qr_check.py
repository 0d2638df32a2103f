"""Check the KSeF codes of an invoice received on paper or as a PDF (issue 18).

``codes_in_file`` finds every QR symbol of a PNG/JPEG image or of each page of a PDF
(rendered with PDFium) and decodes it with zxing-cpp. ``check_codes`` then judges each
KSeF link (KSEF-PROTOCOL.md §6) and says in plain words what it means:

- KOD I (``/invoice/{NIP}/{DD-MM-YYYY}/{hash}``): the link goes to KSeF's verification
  service of the expected environment; its hash is compared with the file KSeF gave us
  when we have received that invoice (``Lookup``): equal means the paper shows exactly
  the invoice in KSeF; different from every invoice of that seller and day we hold
  means it does not.
- KOD II (``/certificate/{type}/{id}/{NIP}/{serial}/{hash}/{signature}``): the
  signature is checked with the issuer's KSeF certificate when it is given, the
  certificate against its serial number, its validity on the issue date and, given the
  Ministry's CA certificate, its issuer's signature; both codes must name one file.

What only KSeF knows (whether the certificate is revoked, whether its owner may issue
for the seller) is said to be checked by opening the link.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from ksef_desktop.domain.identifiers import nip_is_valid
from ksef_desktop.i18n import _
from ksef_desktop.visual.certificates import CertificateError, OfflineCertificate, read_certificate
from ksef_desktop.visual.qr import CONTEXT_TYPES, QR_BASES, normalize_base, verify_kod2_signature

PDF_DPI = 200
_HASH = r"[A-Za-z0-9_-]{43}"
_KOD1 = re.compile(
    rf"(?P<base>https?://.+)/invoice/(?P<nip>\d{{10}})/(?P<day>\d{{2}}-\d{{2}}-\d{{4}})/(?P<hash>{_HASH})"
)
_KOD2 = re.compile(
    rf"(?P<base>https?://.+)/certificate/(?P<ctype>[A-Za-z]+)/(?P<cvalue>[^/]+)/(?P<nip>\d{{10}})"
    rf"/(?P<serial>[0-9A-F]{{16}})/(?P<hash>{_HASH})/(?P<sig>[A-Za-z0-9_-]+)"
)


class QrFileError(Exception):
    """The file cannot be read as an image or a PDF; ``message()`` says why."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


class Verdict(StrEnum):
    VALID = "valid"  # every check we can make passed
    REFUSED = "refused"  # something does not hold: do not trust this invoice
    UNVERIFIED = "unverified"  # well-formed, but the decisive check needs KSeF or a file


@dataclass(frozen=True)
class CodeCheck:
    kind: str  # "KOD I", "KOD II" or "" (not a KSeF code)
    text: str
    verdict: Verdict
    reasons: tuple[str, ...] = ()


#: Given (seller NIP, issue date, hash as standard Base64): KSeF numbers of received
#: invoices with that hash, and the number of received invoices of that seller and day.
Lookup = Callable[[str, date, str], tuple[list[str], int]]


def no_lookup(_nip: str, _day: date, _hash: str) -> tuple[list[str], int]:
    return [], 0


# --- finding the codes -------------------------------------------------------------------


def _images_of_pdf(data: bytes) -> list[Any]:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise QrFileError(_("The PDF cannot be read: {reason}").format(reason=exc)) from None
    try:
        images = []
        for index in range(len(pdf)):
            page = pdf[index]
            images.append(page.render(scale=PDF_DPI / 72).to_pil())
            page.close()
        return images
    finally:
        pdf.close()


def codes_in_file(path: Path) -> list[str]:
    """The text of every QR symbol in an image or a PDF, in reading order, once each."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QrFileError(
            _("{file}: cannot read the file: {reason}").format(
                file=path, reason=exc.strerror or exc
            )
        ) from None
    if data.startswith(b"%PDF"):
        images = _images_of_pdf(data)
    else:
        import io

        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except (UnidentifiedImageError, OSError) as exc:
            raise QrFileError(
                _("{file} is neither a PDF nor an image: {reason}").format(file=path, reason=exc)
            ) from None
        images = [image]
    found: list[str] = []
    qr: Any = zxingcpp.BarcodeFormat.QRCode
    for image in images:
        for result in zxingcpp.read_barcodes(image, formats=qr):
            if result.text and result.text not in found:
                found.append(result.text)
    return found


# --- judging them ---------------------------------------------------------------------------


@dataclass
class _Context:
    expected_bases: tuple[str, ...]
    lookup: Lookup
    certificate: OfflineCertificate | None
    certificate_der: bytes | None
    authorities: tuple[x509.Certificate, ...]
    kod1: list[tuple[str, str, str]] = field(default_factory=list)  # (nip, day, hash)


def _b64url_to_std(text: str) -> str | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return base64.b64encode(raw).decode("ascii") if len(raw) == 32 else None


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%d-%m-%Y").replace(tzinfo=UTC).date()
    except ValueError:
        return None


def _base_problem(base: str, ctx: _Context) -> str | None:
    try:
        clean = normalize_base(base)
    except ValueError:
        return _("The link is not a web address.")
    if clean not in ctx.expected_bases:
        return _(
            "The link leads to {host}, which is not KSeF's verification service ({expected}): "
            "do not trust it, it may imitate KSeF."
        ).format(host=clean, expected=", ".join(ctx.expected_bases))
    return None


def _check_kod1(text: str, m: re.Match[str], ctx: _Context) -> CodeCheck:
    refused: list[str] = []
    notes: list[str] = []
    problem = _base_problem(m["base"], ctx)
    if problem:
        refused.append(problem)
    nip, day, digest = m["nip"], _day(m["day"]), _b64url_to_std(m["hash"])
    if not nip_is_valid(nip):
        refused.append(_("The seller's NIP {nip} in the code is not valid.").format(nip=nip))
    if day is None:
        refused.append(_("The issue date {day} in the code is not a date.").format(day=m["day"]))
    if digest is None:
        refused.append(_("The code does not carry a SHA-256 hash."))
    if refused or day is None or digest is None:
        return CodeCheck("KOD I", text, Verdict.REFUSED, tuple(refused))
    ctx.kod1.append((nip, m["day"], m["hash"]))
    numbers, same_day = ctx.lookup(nip, day, digest)
    if numbers:
        return CodeCheck(
            "KOD I",
            text,
            Verdict.VALID,
            (
                _(
                    "The code matches invoice {ksef} exactly as KSeF gave it to us: this "
                    "printout shows the invoice that is in KSeF."
                ).format(ksef=", ".join(numbers)),
            ),
        )
    if same_day:
        return CodeCheck(
            "KOD I",
            text,
            Verdict.REFUSED,
            (
                _(
                    "The hash in the code differs from each of the {n} invoices of seller "
                    "{nip} dated {day} that KSeF gave us: this printout is not the invoice "
                    "in KSeF (it was changed, or it is another document)."
                ).format(n=same_day, nip=nip, day=day.strftime("%d.%m.%Y")),
            ),
        )
    notes.append(
        _(
            "The code is well formed and leads to KSeF's verification service; we have not "
            "received this invoice from KSeF, so only KSeF can confirm it: open the link "
            "(or download the purchase invoices and check again)."
        )
    )
    return CodeCheck("KOD I", text, Verdict.UNVERIFIED, tuple(notes))


def _chain_reason(ctx: _Context) -> tuple[bool, str]:
    """(refused, sentence) about the certificate's issuer."""
    if ctx.certificate_der is None:
        return False, ""
    if not ctx.authorities:
        return False, _(
            "Its issuer (the Ministry's KSeF CA) was not checked: no CA certificate was given."
        )
    try:
        cert = x509.load_der_x509_certificate(ctx.certificate_der)
    except ValueError:
        return False, _("Its issuer cannot be checked: the certificate's encoding is unusual.")
    for authority in ctx.authorities:
        if authority.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(authority)
        except (InvalidSignature, ValueError, TypeError):
            return True, _(
                "The certificate was NOT issued by the given KSeF CA: its issuer's "
                "signature does not verify."
            )
        return False, _("The certificate was issued by the KSeF CA {ca}.").format(
            ca=authority.subject.rfc4514_string()
        )
    return True, _("The certificate was not issued by any of the given KSeF CA certificates.")


def _check_kod2(text: str, m: re.Match[str], ctx: _Context) -> CodeCheck:
    refused: list[str] = []
    facts: list[str] = []
    problem = _base_problem(m["base"], ctx)
    if problem:
        refused.append(problem)
    if m["ctype"] not in CONTEXT_TYPES:
        refused.append(_("The code names an unknown context type {t}.").format(t=m["ctype"]))
    if not nip_is_valid(m["nip"]):
        refused.append(_("The seller's NIP {nip} in the code is not valid.").format(nip=m["nip"]))
    if _b64url_to_std(m["hash"]) is None:
        refused.append(_("The code does not carry a SHA-256 hash."))
    for nip, _day_text, digest in ctx.kod1:
        if nip != m["nip"] or digest != m["hash"]:
            refused.append(
                _(
                    "KOD I and KOD II name different invoices (seller or file hash differ): "
                    "the codes do not belong together."
                )
            )
    signed = text.split("://", 1)[1].rsplit("/", 1)[0]
    try:
        signature = base64.urlsafe_b64decode(m["sig"] + "=" * (-len(m["sig"]) % 4))
    except (binascii.Error, ValueError):
        signature = b""
    cert = ctx.certificate
    if cert is None:
        if not refused:
            facts.append(
                _(
                    "The code is well formed. Its signature can be checked only with the "
                    "issuer's KSeF certificate {serial}, which was not given; KSeF checks it "
                    "when the link is opened."
                ).format(serial=m["serial"])
            )
        verdict = Verdict.REFUSED if refused else Verdict.UNVERIFIED
        return CodeCheck("KOD II", text, verdict, tuple(refused or facts))
    if cert.serial != m["serial"]:
        refused.append(
            _("The code names certificate {code}, but the certificate given is {given}.").format(
                code=m["serial"], given=cert.serial
            )
        )
    elif not verify_kod2_signature(cert.public_key, signed, signature):
        refused.append(
            _(
                "The signature does not match: the link was changed after it was signed, or "
                "it was not signed with the key of certificate {serial}. Do not trust this "
                "invoice."
            ).format(serial=m["serial"])
        )
    else:
        facts.append(
            _(
                "The signature is genuine: the owner of KSeF certificate {serial} signed "
                "exactly this link (this seller and this invoice file)."
            ).format(serial=m["serial"])
        )
    for _nip, day_text, _hash in ctx.kod1:
        day = _day(day_text)
        if day is not None:
            moment = datetime.combine(day, time(12), tzinfo=UTC)
            if not cert.not_before <= moment <= cert.not_after:
                refused.append(
                    _("The certificate was not valid on the issue date {day}.").format(
                        day=day.strftime("%d.%m.%Y")
                    )
                )
    chain_refused, chain = _chain_reason(ctx)
    if chain_refused:
        refused.append(chain)
    elif chain:
        facts.append(chain)
    if refused:
        return CodeCheck("KOD II", text, Verdict.REFUSED, tuple(refused))
    facts.append(
        _(
            "Whether the certificate is still valid (not revoked) and its owner may issue "
            "invoices for NIP {nip}, KSeF says when the link is opened."
        ).format(nip=m["nip"])
    )
    return CodeCheck("KOD II", text, Verdict.VALID, tuple(facts))


def expected_bases(environment: str | None, qr_base: str | None) -> tuple[str, ...]:
    """The verification service a code may lead to: the one given, else the official ones."""
    if qr_base:
        return (normalize_base(qr_base),)
    if environment:
        return (QR_BASES[environment],)
    return tuple(QR_BASES.values())


def load_certificate(data: bytes) -> tuple[OfflineCertificate, bytes]:
    """An issuer's KSeF certificate (PEM or DER); CertificateError explains a refusal."""
    cert = read_certificate(data)
    return cert, cert.der


def load_authorities(blobs: Sequence[bytes]) -> tuple[x509.Certificate, ...]:
    out = []
    for data in blobs:
        try:
            if b"-----BEGIN" in data:
                out.append(x509.load_pem_x509_certificate(data))
            else:
                out.append(x509.load_der_x509_certificate(data))
        except ValueError as exc:
            raise CertificateError(
                _("A CA certificate cannot be read: {reason}").format(reason=exc)
            ) from None
    return tuple(out)


def check_codes(
    texts: Sequence[str],
    *,
    bases: Sequence[str],
    lookup: Lookup = no_lookup,
    certificate: bytes | None = None,
    authorities: Sequence[bytes] = (),
) -> list[CodeCheck]:
    """A verdict for every decoded text (KOD I first, so KOD II can be compared with it)."""
    cert = der = None
    if certificate is not None:
        cert, der = load_certificate(certificate)
    ctx = _Context(tuple(bases), lookup, cert, der, load_authorities(authorities))
    ordered = sorted(texts, key=lambda t: 0 if _KOD1.fullmatch(t) else 1)
    checks = []
    for text in ordered:
        if m := _KOD1.fullmatch(text):
            checks.append(_check_kod1(text, m, ctx))
        elif m := _KOD2.fullmatch(text):
            checks.append(_check_kod2(text, m, ctx))
        else:
            checks.append(
                CodeCheck(
                    "",
                    text,
                    Verdict.REFUSED,
                    (_("This QR code is not a KSeF verification link."),),
                )
            )
    return checks


def verdict_label(verdict: Verdict) -> str:
    return {
        Verdict.VALID: _("VALID"),
        Verdict.REFUSED: _("REFUSED"),
        Verdict.UNVERIFIED: _("NOT CONFIRMED"),
    }[verdict]
