"""Control endpoints under /_sandbox/ (JSON, no auth): faults, announcements, expiries,
and the accepted-state view tests use to prove there are no duplicates.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.crypto import USAGES
from ksef_desktop.sandbox.errors import ProblemError
from ksef_desktop.sandbox.faults import FAILURE, MAINTENANCE, TOTAL_FAILURE
from ksef_desktop.sandbox.processing import expire_sessions
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.util import Request, Response, iso, json_response, parse_iso

TOKEN_STATUSES = ("Pending", "Active", "Revoking", "Revoked", "Failed")


def _body(req: Request) -> dict[str, Any]:
    if not req.body.strip():
        return {}
    try:
        body = json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProblemError(400, f"invalid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ProblemError(400, "the body must be a JSON object")
    return body


def _moment(body: dict[str, Any], name: str, default: datetime | None) -> datetime | None:
    raw = body.get(name)
    if raw is None:
        return default
    try:
        return parse_iso(str(raw))
    except ValueError as exc:
        raise ProblemError(400, f"'{name}' must be an ISO-8601 date-time") from exc


def accepted_state(core: SandboxCore) -> dict[str, Any]:
    with core.state.lock:
        nips: dict[str, Any] = {}
        for invoice in core.state.invoices.values():
            entry = nips.setdefault(invoice.nip, {"accepted": [], "rejected": [], "pending": 0})
            if invoice.status_code in (100, 150):
                entry["pending"] += 1
                continue
            item = {
                "referenceNumber": invoice.reference_number,
                "sessionReferenceNumber": invoice.session_reference,
                "invoiceHash": invoice.invoice_hash,
                "invoiceNumber": invoice.invoice_number,
                "statusCode": invoice.status_code,
            }
            if invoice.status_code == 200:
                item.update(
                    ksefNumber=invoice.ksef_number,
                    invoiceType=invoice.meta.get("invoiceType"),
                    invoicingMode=invoice.invoicing_mode,
                    acquisitionDate=iso(invoice.acquisition_date)
                    if invoice.acquisition_date
                    else None,
                )
                entry["accepted"].append(item)
            else:
                entry["rejected"].append(item)
        sessions = {
            s.reference_number: {"kind": s.kind, "nip": s.nip, "statusCode": s.status_code}
            for s in core.state.sessions.values()
        }
    return {"nips": nips, "sessions": sessions, "faults": core.faults.snapshot()}


def get_state(core: SandboxCore, req: Request) -> Response:
    return json_response(200, accepted_state(core))


def get_faults(core: SandboxCore, req: Request) -> Response:
    return json_response(200, core.faults.snapshot())


def set_faults(core: SandboxCore, req: Request) -> Response:
    try:
        core.faults.configure(_body(req))
    except (TypeError, ValueError) as exc:
        raise ProblemError(400, f"bad fault settings: {exc}") from exc
    return json_response(200, core.faults.snapshot())


def reset_faults(core: SandboxCore, req: Request) -> Response:
    core.faults.reset()
    return json_response(200, core.faults.snapshot())


def _announce(core: SandboxCore, req: Request, category: str) -> Response:
    body = _body(req)
    if category == FAILURE and body.get("total"):
        category = TOTAL_FAILURE
    start = _moment(body, "start", core.now())
    end = _moment(body, "end", None)
    assert start is not None
    if end is not None and end <= start:
        raise ProblemError(400, "'end' must be later than 'start'")
    return json_response(200, core.faults.announce(category, start, end))


def maintenance(core: SandboxCore, req: Request) -> Response:
    return _announce(core, req, MAINTENANCE)


def failure(core: SandboxCore, req: Request) -> Response:
    return _announce(core, req, FAILURE)


def total_failure(core: SandboxCore, req: Request) -> Response:
    return _announce(core, req, TOTAL_FAILURE)


def end_maintenance(core: SandboxCore, req: Request) -> Response:
    return json_response(200, core.faults.end_events((MAINTENANCE,)))


def end_failure(core: SandboxCore, req: Request) -> Response:
    return json_response(200, core.faults.end_events((FAILURE, TOTAL_FAILURE)))


def expire_access_tokens(core: SandboxCore, req: Request) -> Response:
    now = core.now()
    count = 0
    with core.state.lock:
        for record in core.state.issued.values():
            if record.kind == "access" and record.expires > now:
                record.expires = now
                count += 1
        core.state.touch()
    return json_response(200, {"expired": count})


def expire_session(core: SandboxCore, req: Request) -> Response:
    ref = req.params["referenceNumber"]
    with core.state.lock:
        session = core.state.sessions.get(ref)
        if session is None:
            raise ProblemError(404, f"no session {ref}")
        session.valid_until = min(session.valid_until, core.now())
        core.state.touch()
    expire_sessions(core)
    with core.state.lock:
        return json_response(200, {"referenceNumber": ref, "statusCode": session.status_code})


def set_token_status(core: SandboxCore, req: Request) -> Response:
    status = _body(req).get("status")
    if status not in TOKEN_STATUSES:
        raise ProblemError(400, f"'status' must be one of {', '.join(TOKEN_STATUSES)}")
    with core.state.lock:
        record = core.state.tokens.get(req.params["referenceNumber"])
        if record is None:
            raise ProblemError(404, "no such token")
        record.status = status
        core.state.touch()
    return json_response(200, {"referenceNumber": record.reference_number, "status": status})


def rotate_keys(core: SandboxCore, req: Request) -> Response:
    body = _body(req)
    usages = body.get("usages", list(USAGES))
    if not isinstance(usages, list) or not usages or any(u not in USAGES for u in usages):
        raise ProblemError(400, f"'usages' must be a list of {', '.join(USAGES)}")
    core.rotate_keys(tuple(usages), keep_old=bool(body.get("keepOld", False)))
    return json_response(200, [k.public_entry() for k in core.keys])


def wait_idle(core: SandboxCore, req: Request) -> Response:
    return json_response(200, {"idle": core.worker.wait_idle()})


ROUTES = [
    Route("GET", "/_sandbox/state", get_state, auth=AUTH_NONE),
    Route("GET", "/_sandbox/faults", get_faults, auth=AUTH_NONE),
    Route("POST", "/_sandbox/faults", set_faults, auth=AUTH_NONE),
    Route("POST", "/_sandbox/faults/reset", reset_faults, auth=AUTH_NONE),
    Route("POST", "/_sandbox/maintenance", maintenance, auth=AUTH_NONE),
    Route("POST", "/_sandbox/maintenance/end", end_maintenance, auth=AUTH_NONE),
    Route("POST", "/_sandbox/failure", failure, auth=AUTH_NONE),
    Route("POST", "/_sandbox/total-failure", total_failure, auth=AUTH_NONE),
    Route("POST", "/_sandbox/failure/end", end_failure, auth=AUTH_NONE),
    Route("POST", "/_sandbox/expire-access-tokens", expire_access_tokens, auth=AUTH_NONE),
    Route("POST", "/_sandbox/sessions/{referenceNumber}/expire", expire_session, auth=AUTH_NONE),
    Route("POST", "/_sandbox/tokens/{referenceNumber}/status", set_token_status, auth=AUTH_NONE),
    Route("POST", "/_sandbox/rotate-keys", rotate_keys, auth=AUTH_NONE),
    Route("POST", "/_sandbox/wait-idle", wait_idle, auth=AUTH_NONE),
]
