"""Session history, statuses and UPO (KSEF-PROTOCOL.md §3.3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from ksef_desktop.ksef.crypto import sha256_b64
from ksef_desktop.ksef.errors import UpoHashMismatch
from ksef_desktop.ksef.models import (
    SessionInvoicesResponse,
    SessionInvoiceStatusResponse,
    SessionsQueryResponse,
    SessionStatusResponse,
)
from ksef_desktop.ksef.transport import Transport

HASH_HEADER = "x-ms-meta-hash"


@dataclass(frozen=True)
class Upo:
    """A downloaded UPO (or invoice) document whose hash matched ``x-ms-meta-hash``."""

    reference: str
    content: bytes = field(repr=False)
    sha256: str


def verified_document(reference: str, response: httpx.Response) -> Upo:
    """Check the body against ``x-ms-meta-hash``; a missing header is tolerated."""
    content = response.content
    actual = sha256_b64(content)
    announced = response.headers.get(HASH_HEADER)
    if announced is not None and announced.strip() != actual:
        raise UpoHashMismatch(reference, announced.strip(), actual)
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
    )
    return verified_document(invoice_reference_number, response)


def session_invoice_upo_by_ksef_number(
    t: Transport, reference_number: str, ksef_number: str
) -> Upo:
    """GET /sessions/{ref}/invoices/ksef/{ksefNumber}/upo (XML, hash checked)."""
    response = t.request(
        "GET",
        f"/sessions/{reference_number}/invoices/ksef/{ksef_number}/upo",
        access=True,
        group="sessionMisc",
    )
    return verified_document(ksef_number, response)


def session_upo(t: Transport, reference_number: str, upo_reference_number: str) -> Upo:
    """GET /sessions/{ref}/upo/{upoRef}: one page of the session UPO (hash checked)."""
    response = t.request(
        "GET",
        f"/sessions/{reference_number}/upo/{upo_reference_number}",
        access=True,
        group="sessionMisc",
    )
    return verified_document(upo_reference_number, response)


def download_presigned(t: Transport, reference: str, url: str) -> Upo:
    """GET a pre-signed download URL (UPO page or invoice UPO): no token, hash checked."""
    return verified_document(reference, t.request("GET", url, absolute=True))
