"""The codes printed on one invoice: KOD I always, KOD II for an offline invoice."""

from __future__ import annotations

from dataclasses import dataclass

from ksef_desktop.domain.invoice import Invoice
from ksef_desktop.visual.certificates import OfflineSigning
from ksef_desktop.visual.qr import (
    CERTIFICATE_LABEL,
    OFFLINE_LABEL,
    ContextIdentifier,
    invoice_hash,
    kod1_url,
    kod2_url,
)


@dataclass(frozen=True)
class Code:
    url: str
    label: str  # printed under the symbol


@dataclass(frozen=True)
class InvoiceCodes:
    kod1: Code
    kod2: Code | None


def invoice_codes(
    xml: bytes,
    invoice: Invoice,
    *,
    qr_base: str,
    ksef_number: str | None = None,
    offline: OfflineSigning | None = None,
    pending_label: str | None = None,
) -> InvoiceCodes:
    """KOD I over the exact ``xml`` bytes and, with ``offline``, the signed KOD II.

    The label under KOD I is the KSeF number when known; an invoice printed with KOD II
    is by definition not in KSeF yet, so it reads ``OFFLINE`` (as the official
    visualisation prints it). An invoice issued *online* whose number KSeF has not given
    yet is no offline invoice: ``pending_label`` says so instead (its PDF is made again
    with the number once KSeF accepts it).
    """
    digest = invoice_hash(xml)
    nip = invoice.seller_nip
    if ksef_number and offline is None:
        label = ksef_number
    elif offline is None and pending_label is not None:
        label = pending_label
    else:
        label = OFFLINE_LABEL
    kod1 = Code(kod1_url(qr_base, nip, invoice.issue_date, digest), label)
    if offline is None:
        return InvoiceCodes(kod1, None)
    context = offline.context or ContextIdentifier("Nip", nip)
    url = kod2_url(qr_base, context, nip, offline.certificate.serial, digest, offline.private_key)
    return InvoiceCodes(kod1, Code(url, CERTIFICATE_LABEL))
