"""Session history, statuses and UPO (KSEF-PROTOCOL.md §3.3, §13a).

A UPO is taken only when it proves to be one: its ``x-ms-meta-hash`` header is there
and equals the SHA-256 (Base64) of the body, and the body parses as a UPO
(``Potwierdzenie`` in namespace ``UPO_NAMESPACE``). Anything else - a web firewall's
HTML page with HTTP 200, a missing header - is ``UpoNotReceived`` (or
``UpoHashMismatch``) and is never archived; the UPO is fetched again later or through
the authenticated UPO endpoints.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from lxml import etree

from ksef_desktop.fa3.xmlsafe import UnsafeXmlError, parse_untrusted
from ksef_desktop.ksef.crypto import sha256_b64
from ksef_desktop.ksef.errors import UpoHashMismatch, UpoNotReceived
from ksef_desktop.ksef.models import (
    SessionInvoicesResponse,
    SessionInvoiceStatusResponse,
    SessionsQueryResponse,
    SessionStatusResponse,
    UpoPageResponse,
)
from ksef_desktop.ksef.transport import UPO_ANSWER, Transport

log = logging.getLogger("ksef_desktop.ksef")

HASH_HEADER = "x-ms-meta-hash"
UPO_NAMESPACE = "http://upo.schematy.mf.gov.pl/KSeF/v4-3"
UPO_ROOT = f"{{{UPO_NAMESPACE}}}Potwierdzenie"


@dataclass(frozen=True)
class Upo:
    """A downloaded UPO (or invoice) document whose hash matched ``x-ms-meta-hash``."""

    reference: str
    content: bytes = field(repr=False)
    sha256: str


def verified_document(reference: str, response: httpx.Response) -> Upo:
    """Check a document (an invoice) against ``x-ms-meta-hash``; a missing header is
    tolerated. UPOs go through ``verified_upo``."""
    content = response.content
    actual = sha256_b64(content)
    announced = response.headers.get(HASH_HEADER)
    if announced is not None and announced.strip() != actual:
        raise UpoHashMismatch(reference, announced.strip(), actual)
    return Upo(reference, content, actual)


def is_upo(content: bytes) -> bool:
    """True when ``content`` is well-formed XML whose root is a UPO ``Potwierdzenie``."""
    try:
        root = parse_untrusted(content)
    except (etree.XMLSyntaxError, UnsafeXmlError, ValueError):
        return False
    return root.tag == UPO_ROOT


def upo_document_hash(content: bytes, ksef_number: str) -> str | None:
    """The hash (``SkrotDokumentu``, Base64 SHA-256) a UPO gives for the invoice
    ``ksef_number``; None when the UPO does not name it."""
    try:
        root = parse_untrusted(content)
    except (etree.XMLSyntaxError, UnsafeXmlError, ValueError):
        return None
    ns = {"u": UPO_NAMESPACE}
    for document in root.iterfind("u:Dokument", ns):
        if (document.findtext("u:NumerKSeFDokumentu", namespaces=ns) or "").strip() == ksef_number:
            found = (document.findtext("u:SkrotDokumentu", namespaces=ns) or "").strip()
            return found or None
    return None


def verified_upo(reference: str, response: httpx.Response) -> Upo:
    """The UPO in ``response``, or ``UpoNotReceived`` / ``UpoHashMismatch``: the header
    must be present and match, and the body must be a UPO."""
    content = response.content
    announced = (response.headers.get(HASH_HEADER) or "").strip()
    if not announced:
        raise UpoNotReceived(reference, "no-hash")
    actual = sha256_b64(content)
    if announced != actual:
        raise UpoHashMismatch(reference, announced, actual)
    if not is_upo(content):
        raise UpoNotReceived(reference, "not-upo")
    return Upo(reference, content, actual)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def sessions_query(
    t: Transport,
    session_type: str,
    *,
    page_size: int = 100,
    continuation_token: str | None = None,
    reference_number: str | None = None,
    date_created_from: datetime | None = None,
    date_created_to: datetime | None = None,
    date_closed_from: datetime | None = None,
    date_closed_to: datetime | None = None,
    date_modified_from: datetime | None = None,
    date_modified_to: datetime | None = None,
    statuses: Sequence[str] = (),
) -> SessionsQueryResponse:
    """GET /sessions?sessionType=Online|Batch with filters; one page."""
    params: dict[str, str | int | list[str]] = {"sessionType": session_type, "pageSize": page_size}
    optional = {
        "referenceNumber": reference_number,
        "dateCreatedFrom": _iso(date_created_from),
        "dateCreatedTo": _iso(date_created_to),
        "dateClosedFrom": _iso(date_closed_from),
        "dateClosedTo": _iso(date_closed_to),
        "dateModifiedFrom": _iso(date_modified_from),
        "dateModifiedTo": _iso(date_modified_to),
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    if statuses:
        params["statuses"] = list(statuses)
    headers = {"x-continuation-token": continuation_token} if continuation_token else None
    data = t.json(
        "GET", "/sessions", params=params, headers=headers, access=True, group="sessionList"
    )
    return SessionsQueryResponse.from_json(data)


def session_status(t: Transport, reference_number: str) -> SessionStatusResponse:
    """GET /sessions/{referenceNumber}."""
    data = t.json("GET", f"/sessions/{reference_number}", access=True, group="sessionMisc")
    return SessionStatusResponse.from_json(data)


def session_invoices(
    t: Transport,
    reference_number: str,
    *,
    page_size: int = 1000,
    continuation_token: str | None = None,
    failed_only: bool = False,
) -> SessionInvoicesResponse:
    """GET /sessions/{ref}/invoices (or …/invoices/failed); one page."""
    path = f"/sessions/{reference_number}/invoices" + ("/failed" if failed_only else "")
    headers = {"x-continuation-token": continuation_token} if continuation_token else None
    data = t.json(
        "GET",
        path,
        params={"pageSize": page_size},
        headers=headers,
        access=True,
        group="sessionInvoiceList",
    )
    return SessionInvoicesResponse.from_json(data)


def session_invoice_status(
    t: Transport, reference_number: str, invoice_reference_number: str
) -> SessionInvoiceStatusResponse:
    """GET /sessions/{ref}/invoices/{invoiceRef}."""
    data = t.json(
        "GET",
        f"/sessions/{reference_number}/invoices/{invoice_reference_number}",
        access=True,
        group="invoiceStatus",
    )
    return SessionInvoiceStatusResponse.from_json(data)


def session_invoice_upo(t: Transport, reference_number: str, invoice_reference_number: str) -> Upo:
    """GET /sessions/{ref}/invoices/{invoiceRef}/upo (XML, hash checked)."""
    response = t.request(
        "GET",
        f"/sessions/{reference_number}/invoices/{invoice_reference_number}/upo",
        access=True,
        group="sessionMisc",
        answer=UPO_ANSWER,
    )
    return verified_upo(invoice_reference_number, response)


def session_invoice_upo_by_ksef_number(
    t: Transport, reference_number: str, ksef_number: str
) -> Upo:
    """GET /sessions/{ref}/invoices/ksef/{ksefNumber}/upo (XML, hash checked)."""
    response = t.request(
        "GET",
        f"/sessions/{reference_number}/invoices/ksef/{ksef_number}/upo",
        access=True,
        group="sessionMisc",
        answer=UPO_ANSWER,
    )
    return verified_upo(ksef_number, response)


def session_upo(t: Transport, reference_number: str, upo_reference_number: str) -> Upo:
    """GET /sessions/{ref}/upo/{upoRef}: one page of the session UPO (hash checked)."""
    response = t.request(
        "GET",
        f"/sessions/{reference_number}/upo/{upo_reference_number}",
        access=True,
        group="sessionMisc",
        answer=UPO_ANSWER,
    )
    return verified_upo(upo_reference_number, response)


def download_presigned(t: Transport, reference: str, url: str) -> Upo:
    """GET a pre-signed UPO link (a session UPO page or an invoice UPO): no token;
    ``verified_upo`` decides whether it brought a UPO."""
    return verified_upo(reference, t.request("GET", url, absolute=True, answer=UPO_ANSWER))


def invoice_upo(t: Transport, session_reference: str, entry: SessionInvoiceStatusResponse) -> Upo:
    """An accepted invoice's UPO (see ``invoice_upo_of``) from its session list entry."""
    return invoice_upo_of(
        t,
        session_reference,
        invoice_reference=entry.reference_number,
        ksef_number=entry.ksef_number,
        url=entry.upo_download_url,
    )


def invoice_upo_of(
    t: Transport,
    session_reference: str,
    *,
    invoice_reference: str,
    ksef_number: str | None,
    url: str | None,
) -> Upo:
    """An accepted invoice's UPO: through its pre-signed link when KSeF gave one, and
    through the authenticated endpoint when there is no link or the link did not bring
    a UPO. ``UpoNotReceived`` (or the endpoint's own error) when neither did."""
    if url:
        try:
            return download_presigned(t, ksef_number or invoice_reference, url)
        except (UpoNotReceived, UpoHashMismatch) as exc:
            log.warning("KSeF UPO link of %s: %s; asking the API", invoice_reference, exc)
    if ksef_number:
        return session_invoice_upo_by_ksef_number(t, session_reference, ksef_number)
    return session_invoice_upo(t, session_reference, invoice_reference)


def session_upo_page(t: Transport, session_reference: str, page: UpoPageResponse) -> Upo:
    """One page of a session UPO: its pre-signed link, else the authenticated endpoint."""
    try:
        return download_presigned(t, page.reference_number, page.download_url)
    except (UpoNotReceived, UpoHashMismatch) as exc:
        log.warning("KSeF session UPO link %s: %s; asking the API", page.reference_number, exc)
    return session_upo(t, session_reference, page.reference_number)
