"""Session status and history: GET /sessions, /sessions/{ref}, its invoices, UPO."""

from __future__ import annotations

from typing import Any

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.helpers import continuation_offset, find_session, next_token, page_size
from ksef_desktop.sandbox.processing import expire_sessions
from ksef_desktop.sandbox.routing import Route
from ksef_desktop.sandbox.state import InvoiceRecord, SessionRecord
from ksef_desktop.sandbox.upo import invoice_upo_bytes, session_upo_bytes, xml_response
from ksef_desktop.sandbox.util import Request, Response, iso, json_response, parse_iso

READ = ("InvoiceWrite", "Introspection", "PefInvoiceWrite", "EnforcementOperations")
FINAL_FAILED = {405, 410, 415, 430, 435, 440, 450, 500, 550}


# --- paging ---------------------------------------------------------------------------


# --- JSON views -----------------------------------------------------------------------


def _status(code: int, description: str, details: list[str], extensions: Any = None) -> Any:
    out: dict[str, Any] = {"code": code, "description": description}
    if details:
        out["details"] = details
    if extensions:
        out["extensions"] = extensions
    return out


def invoice_json(core: SandboxCore, invoice: InvoiceRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ordinalNumber": invoice.ordinal,
        "referenceNumber": invoice.reference_number,
        "invoiceHash": invoice.invoice_hash,
        "invoicingDate": iso(invoice.invoicing_date),
        "status": _status(
            invoice.status_code,
            invoice.status_description,
            invoice.status_details,
            invoice.extensions,
        ),
    }
    if invoice.invoice_number:
        out["invoiceNumber"] = invoice.invoice_number
    if invoice.file_name:
        out["invoiceFileName"] = invoice.file_name
    if invoice.status_code == 200 and invoice.ksef_number:
        assert invoice.acquisition_date
        assert invoice.permanent_storage_date
        url, expires = core.presign(
            f"/storage/upo/{invoice.session_reference}/{invoice.reference_number}.xml"
        )
        out.update(
            ksefNumber=invoice.ksef_number,
            acquisitionDate=iso(invoice.acquisition_date),
            permanentStorageDate=iso(invoice.permanent_storage_date),
            upoDownloadUrl=url,
            upoDownloadUrlExpirationDate=iso(expires),
            invoicingMode=invoice.invoicing_mode,
        )
    return out


def counts(core: SandboxCore, session: SessionRecord) -> tuple[int, int, int]:
    invoices = [core.state.invoices[r] for r in session.invoice_refs]
    good = sum(1 for i in invoices if i.status_code == 200)
    bad = sum(1 for i in invoices if i.status_code in FINAL_FAILED)
    return len(invoices), good, bad


def session_json(core: SandboxCore, session: SessionRecord) -> dict[str, Any]:
    total, good, bad = counts(core, session)
    out: dict[str, Any] = {
        "status": _status(session.status_code, session.status_description, session.status_details),
        "dateCreated": iso(session.created),
        "dateUpdated": iso(session.updated),
        "validUntil": iso(session.valid_until),
        "invoiceCount": total,
        "successfulInvoiceCount": good,
        "failedInvoiceCount": bad,
    }
    if core.faults.null_counts:  # as the real servers have answered (KSEF-PROTOCOL §13a)
        out.update(invoiceCount=None, successfulInvoiceCount=None, failedInvoiceCount=None)
    if session.upo_pages:
        pages = []
        for page in session.upo_pages:
            url, expires = core.presign(
                f"/storage/session-upo/{session.reference_number}/{page}.xml"
            )
            pages.append(
                {
                    "referenceNumber": page,
                    "downloadUrl": url,
                    "downloadUrlExpirationDate": iso(expires),
                }
            )
        out["upo"] = {"pages": pages}
    return out


# --- UPO documents --------------------------------------------------------------------


def _invoice_in(core: SandboxCore, session: SessionRecord, ref: str) -> InvoiceRecord:
    invoice = core.state.invoices.get(ref)
    if invoice is None or invoice.session_reference != session.reference_number:
        raise ApiError(21405, f"Faktura o numerze referencyjnym {ref} nie została odnaleziona.")
    return invoice


# --- endpoints ------------------------------------------------------------------------


def session_status(core: SandboxCore, req: Request) -> Response:
    session = find_session(core, req)
    with core.state.lock:
        return json_response(200, session_json(core, session))


def _invoice_list(core: SandboxCore, req: Request, *, failed: bool) -> Response:
    session = find_session(core, req)
    size = page_size(req)
    offset = continuation_offset(req)
    with core.state.lock:
        invoices = [core.state.invoices[r] for r in session.invoice_refs]
        if failed:
            invoices = [i for i in invoices if i.status_code in FINAL_FAILED]
        chunk = invoices[offset : offset + size]
        return json_response(
            200,
            {
                "continuationToken": next_token(offset, size, len(invoices)),
                "invoices": [invoice_json(core, i) for i in chunk],
            },
        )


def session_invoices(core: SandboxCore, req: Request) -> Response:
    return _invoice_list(core, req, failed=False)


def session_failed_invoices(core: SandboxCore, req: Request) -> Response:
    return _invoice_list(core, req, failed=True)


def invoice_status(core: SandboxCore, req: Request) -> Response:
    session = find_session(core, req)
    with core.state.lock:
        invoice = _invoice_in(core, session, req.params["invoiceReferenceNumber"])
        return json_response(200, invoice_json(core, invoice))


def invoice_upo(core: SandboxCore, req: Request) -> Response:
    session = find_session(core, req)
    with core.state.lock:
        invoice = _invoice_in(core, session, req.params["invoiceReferenceNumber"])
        return xml_response(invoice_upo_bytes(core, invoice))


def invoice_upo_by_ksef(core: SandboxCore, req: Request) -> Response:
    session = find_session(core, req)
    number = req.params["ksefNumber"]
    with core.state.lock:
        ref = core.state.by_ksef_number.get(number)
        invoice = core.state.invoices.get(ref) if ref else None
        if invoice is None or invoice.session_reference != session.reference_number:
            raise ApiError(21178, f"Brak UPO dla faktury o numerze KSeF {number}.")
        return xml_response(invoice_upo_bytes(core, invoice))


def session_upo(core: SandboxCore, req: Request) -> Response:
    session = find_session(core, req)
    with core.state.lock:
        return xml_response(session_upo_bytes(core, session, req.params["upoReferenceNumber"]))


_STATUS_FILTERS = {
    "InProgress": {100, 150, 170},
    "Succeeded": {200},
    "Cancelled": {440},
}


def _matches_status(session: SessionRecord, wanted: list[str]) -> bool:
    if not wanted:
        return True
    code = session.status_code
    for name in wanted:
        if name == "Failed" and code not in {100, 150, 170, 200, 440}:
            return True
        if code in _STATUS_FILTERS.get(name, set()):
            return True
    return False


def _date_param(req: Request, name: str) -> Any:
    raw = req.query_one(name)
    if raw is None:
        return None
    try:
        return parse_iso(raw)
    except ValueError as exc:
        raise ApiError(21405, f"Parametr '{name}' musi być datą ISO-8601.") from exc


def list_sessions(core: SandboxCore, req: Request) -> Response:
    kind = req.query_one("sessionType")
    if kind not in ("Online", "Batch"):
        raise ApiError(21405, "Parametr 'sessionType' jest wymagany (Online albo Batch).")
    size = page_size(req)
    offset = continuation_offset(req)
    wanted = req.query.get("statuses", [])
    bad = [s for s in wanted if s not in ("InProgress", "Succeeded", "Failed", "Cancelled")]
    if bad:
        raise ApiError(21405, f"Nieznany status: {bad[0]}.")
    ref = req.query_one("referenceNumber")
    bounds = {
        name: _date_param(req, name)
        for name in (
            "dateCreatedFrom",
            "dateCreatedTo",
            "dateClosedFrom",
            "dateClosedTo",
            "dateModifiedFrom",
            "dateModifiedTo",
        )
    }
    expire_sessions(core)
    with core.state.lock:
        found = []
        for s in core.state.sessions.values():
            if s.nip != req.context_nip or s.kind != kind:
                continue
            if ref and s.reference_number != ref:
                continue
            if not _matches_status(s, wanted):
                continue
            values = {"Created": s.created, "Closed": s.closed, "Modified": s.updated}
            if not all(
                _within(values[field], bounds[f"date{field}From"], bounds[f"date{field}To"])
                for field in ("Created", "Closed", "Modified")
            ):
                continue
            found.append(s)
        found.sort(key=lambda s: s.created, reverse=True)
        items = []
        for s in found[offset : offset + size]:
            total, good, failed = counts(core, s)
            items.append(
                {
                    "referenceNumber": s.reference_number,
                    "status": _status(s.status_code, s.status_description, s.status_details),
                    "dateCreated": iso(s.created),
                    "dateUpdated": iso(s.updated),
                    "validUntil": iso(s.valid_until),
                    "totalInvoiceCount": total,
                    "successfulInvoiceCount": good,
                    "failedInvoiceCount": failed,
                }
            )
        return json_response(
            200, {"continuationToken": next_token(offset, size, len(found)), "sessions": items}
        )


def _within(value: Any, low: Any, high: Any) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


ROUTES = [
    Route("GET", "/sessions", list_sessions, "sessionList", permissions=READ),
    Route("GET", "/sessions/{referenceNumber}", session_status, "sessionMisc", permissions=READ),
    Route(
        "GET",
        "/sessions/{referenceNumber}/invoices",
        session_invoices,
        "sessionInvoiceList",
        permissions=READ,
    ),
    Route(
        "GET",
        "/sessions/{referenceNumber}/invoices/failed",
        session_failed_invoices,
        "sessionInvoiceList",
        permissions=READ,
    ),
    Route(
        "GET",
        "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}",
        invoice_status,
        "invoiceStatus",
        permissions=READ,
    ),
    Route(
        "GET",
        "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}/upo",
        invoice_upo,
        "sessionMisc",
        permissions=READ,
    ),
    Route(
        "GET",
        "/sessions/{referenceNumber}/invoices/ksef/{ksefNumber}/upo",
        invoice_upo_by_ksef,
        "sessionMisc",
        permissions=READ,
    ),
    Route(
        "GET",
        "/sessions/{referenceNumber}/upo/{upoReferenceNumber}",
        session_upo,
        "sessionMisc",
        permissions=READ,
    ),
]
