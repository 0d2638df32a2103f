"""Pre-signed storage URLs served by the sandbox itself (no bearer, not rate-limited):
UPO downloads and batch part uploads, like the real API's Azure-style storage links.
"""

from __future__ import annotations

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.helpers import denied, signed, storage_error
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.upo import invoice_upo_bytes, session_upo_bytes, xml_response
from ksef_desktop.sandbox.util import Request, Response


def invoice_upo_download(core: SandboxCore, req: Request) -> Response:
    if not signed(core, req):
        return denied()
    with core.state.lock:
        invoice = core.state.invoices.get(req.params["invoiceRef"])
        if invoice is None or invoice.session_reference != req.params["sessionRef"]:
            return storage_error(404, "BlobNotFound", "The specified blob does not exist.")
        try:
            return xml_response(invoice_upo_bytes(core, invoice))
        except ApiError:
            return storage_error(404, "BlobNotFound", "The specified blob does not exist.")


def session_upo_download(core: SandboxCore, req: Request) -> Response:
    if not signed(core, req):
        return denied()
    with core.state.lock:
        session = core.state.sessions.get(req.params["sessionRef"])
        if session is None:
            return storage_error(404, "BlobNotFound", "The specified blob does not exist.")
        try:
            return xml_response(session_upo_bytes(core, session, req.params["upoRef"]))
        except ApiError:
            return storage_error(404, "BlobNotFound", "The specified blob does not exist.")


ROUTES = [
    Route(
        "GET",
        "/storage/upo/{sessionRef}/{invoiceRef}.xml",
        invoice_upo_download,
        auth=AUTH_NONE,
    ),
    Route(
        "GET",
        "/storage/session-upo/{sessionRef}/{upoRef}.xml",
        session_upo_download,
        auth=AUTH_NONE,
    ),
]
