"""Invoices: GET /invoices/ksef/{ksefNumber} and POST /invoices/query/metadata."""

from __future__ import annotations

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.helpers import int_param, parse_json_object, visible_to
from ksef_desktop.sandbox.metadata import TECHNICAL_CAP, Filters, metadata_json, sort_key
from ksef_desktop.sandbox.routing import Route
from ksef_desktop.sandbox.util import Request, Response, iso, json_response

READ = ("InvoiceRead",)


def download(core: SandboxCore, req: Request) -> Response:
    number = req.params["ksefNumber"]
    with core.state.lock:
        ref = core.state.by_ksef_number.get(number)
        invoice = core.state.invoices.get(ref) if ref else None
        if invoice is None or not any(
            visible_to(invoice, req.context_nip, s) for s in ("Subject1", "Subject2", "Subject3")
        ):
            raise ApiError(21164, f"Faktura o numerze KSeF {number} nie została znaleziona.")
        content = invoice.content
        digest = invoice.invoice_hash
    return Response(200, content, "application/xml; charset=utf-8", {"x-ms-meta-hash": digest})


def query_metadata(core: SandboxCore, req: Request) -> Response:
    size = int_param(req, "pageSize", 10, 10, 250)
    page = int_param(req, "pageOffset", 0, 0, 1_000_000)
    order = req.query_one("sortOrder") or "Asc"
    if order not in ("Asc", "Desc"):
        raise ApiError(21405, "Parametr 'sortOrder' przyjmuje Asc albo Desc.")
    now = core.now()
    filters = Filters(parse_json_object(req), now)
    with core.state.lock:
        found = [
            i
            for i in core.state.invoices.values()
            if i.status_code == 200 and filters.visible(i, req.context_nip) and filters.matches(i)
        ]
        found.sort(key=lambda i: sort_key(i, filters.field), reverse=order == "Desc")
        truncated = len(found) > TECHNICAL_CAP
        found = found[:TECHNICAL_CAP]
        chunk = found[page * size : (page + 1) * size]
        return json_response(
            200,
            {
                "hasMore": (page + 1) * size < len(found),
                "isTruncated": truncated,
                "permanentStorageHwmDate": iso(now),
                "invoices": [metadata_json(i) for i in chunk],
            },
        )


ROUTES = [
    Route("GET", "/invoices/ksef/{ksefNumber}", download, "invoiceDownload", permissions=READ),
    Route("POST", "/invoices/query/metadata", query_metadata, "invoiceMetadata", permissions=READ),
]
