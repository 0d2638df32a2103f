"""Sending endpoints: online and batch sessions (KSEF-PROTOCOL.md §3.2, §3.4)."""

from __future__ import annotations

from ksef_desktop.ksef.models import (
    OpenBatchSessionRequest,
    OpenBatchSessionResponse,
    OpenOnlineSessionRequest,
    OpenOnlineSessionResponse,
    PartUploadRequest,
    SendInvoiceRequest,
    SendInvoiceResponse,
)
from ksef_desktop.ksef.ratelimit import BATCH_SESSION_CLOSE, ONLINE_SESSION_CLOSE
from ksef_desktop.ksef.transport import Transport


def sessions_online_open(
    t: Transport, request: OpenOnlineSessionRequest
) -> OpenOnlineSessionResponse:
    """POST /sessions/online (201)."""
    data = t.json(
        "POST",
        "/sessions/online",
        json=request.to_json(),
        access=True,
        expect=(201,),
        group="onlineSession",
    )
    return OpenOnlineSessionResponse.from_json(data)


def sessions_online_send_invoice(
    t: Transport, reference_number: str, request: SendInvoiceRequest
) -> SendInvoiceResponse:
    """POST /sessions/online/{referenceNumber}/invoices (202)."""
    data = t.json(
        "POST",
        f"/sessions/online/{reference_number}/invoices",
        json=request.to_json(),
        access=True,
        expect=(202,),
        group="invoiceSend",
    )
    return SendInvoiceResponse.from_json(data)


def sessions_online_close(t: Transport, reference_number: str) -> None:
    """POST /sessions/online/{referenceNumber}/close (204)."""
    t.request(
        "POST",
        f"/sessions/online/{reference_number}/close",
        access=True,
        expect=(204,),
        group=ONLINE_SESSION_CLOSE,
    )


def sessions_batch_open(t: Transport, request: OpenBatchSessionRequest) -> OpenBatchSessionResponse:
    """POST /sessions/batch (201)."""
    data = t.json(
        "POST",
        "/sessions/batch",
        json=request.to_json(),
        access=True,
        expect=(201,),
        group="batchSession",
    )
    return OpenBatchSessionResponse.from_json(data)


def sessions_batch_close(t: Transport, reference_number: str) -> None:
    """POST /sessions/batch/{referenceNumber}/close (204)."""
    t.request(
        "POST",
        f"/sessions/batch/{reference_number}/close",
        access=True,
        expect=(204,),
        group=BATCH_SESSION_CLOSE,
    )


def upload_batch_part(t: Transport, part: PartUploadRequest, data: bytes) -> None:
    """Upload one encrypted part to its pre-signed URL (201); never with the access token."""
    t.request(
        part.method, part.url, content=data, headers=part.headers, absolute=True, expect=(200, 201)
    )
