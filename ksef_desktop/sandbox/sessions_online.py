"""Online (interactive) sessions: open, send an invoice, close (KSEF-PROTOCOL.md §3.2)."""

from __future__ import annotations

import re
from typing import Any

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.crypto import (
    DecryptionError,
    aes_cbc_decrypt,
)
from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.helpers import (
    SESSION_LIFETIME,
    find_session,
    form_code,
    parse_json_object,
    require_str,
    session_key,
)
from ksef_desktop.sandbox.processing import set_invoice_status, set_session_status
from ksef_desktop.sandbox.routing import Route
from ksef_desktop.sandbox.state import InvoiceRecord, SessionRecord
from ksef_desktop.sandbox.util import (
    Request,
    Response,
    b64decode_strict,
    iso,
    json_response,
    reference_number,
    sha256_b64,
)

WRITE = ("InvoiceWrite", "PefInvoiceWrite", "EnforcementOperations")
_HASH = re.compile(r"[A-Za-z0-9+/]{43}=")


def open_online(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    code = form_code(body)
    key, iv = session_key(core, body)
    now = core.now()
    ref = reference_number("SO", now)
    principal = req.principal
    with core.state.lock:
        op = core.state.auth_operations.get(principal.auth_reference)
        session = SessionRecord(
            reference_number=ref,
            kind="Online",
            nip=principal.nip,
            auth_reference=principal.auth_reference,
            token_reference=op.token_reference if op else None,
            form_code=code,
            key=key,
            iv=iv,
            created=now,
            updated=now,
            valid_until=now + SESSION_LIFETIME,
            status_code=100,
            status_description="",
        )
        set_session_status(session, 100 if key is not None else 415)
        core.state.sessions[ref] = session
        core.state.touch()
    return json_response(201, {"referenceNumber": ref, "validUntil": iso(session.valid_until)})


def _hash_field(body: dict[str, Any], name: str, *, optional: bool = False) -> str | None:
    value = body.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not _HASH.fullmatch(value):
        raise ApiError(21405, f"Pole '{name}' musi być skrótem SHA-256 w Base64 (44 znaki).")
    return value


def _size_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ApiError(21405, f"Pole '{name}' musi być dodatnią liczbą całkowitą.")
    return value


def check_correction(core: SandboxCore, nip: str, corrected: str) -> None:
    """Technical correction rules (KSEF-PROTOCOL.md §7): 21166, 21167."""
    with core.state.lock:
        originals = [
            i for i in core.state.invoices.values() if i.nip == nip and i.invoice_hash == corrected
        ]
        if not originals:
            raise ApiError(21405, f"Nie znaleziono faktury o skrócie {corrected}.")
        if any(i.status_code == 200 for i in originals):
            raise ApiError(
                21167, "Nie można wysłać korekty technicznej do prawidłowo przetworzonej faktury."
            )
        if corrected in core.state.corrections:
            raise ApiError(21166, "Faktura posiada już przetworzoną prawidłowo korektę techniczną.")


def send_invoice(core: SandboxCore, req: Request) -> Response:
    session = find_session(core, req, "Online")
    body = parse_json_object(req)
    if session.status_code != 100:
        raise ApiError(21180, f"Status sesji {session.status_code} uniemożliwia wysyłkę faktur.")
    if core.faults.take_session_unavailable():
        raise ApiError(
            21184,
            f"Trwają prace serwisowe i sesja {session.reference_number} jest tymczasowo "
            "niedostępna. Spróbuj ponownie później lub otwórz nową sesję, aby wysłać kolejne "
            "faktury.",
        )
    limit = core.context_limit(session.nip, "onlineSession", "maxInvoices")
    if len(session.invoice_refs) >= limit:
        raise ApiError(
            21155,
            f"Sesja o numerze referencyjnym {session.reference_number} osiągnęła dozwolony "
            f"limit liczby faktur {limit}.",
        )
    invoice_hash = _hash_field(body, "invoiceHash")
    invoice_size = _size_field(body, "invoiceSize")
    encrypted_hash = _hash_field(body, "encryptedInvoiceHash")
    encrypted_size = _size_field(body, "encryptedInvoiceSize")
    corrected = _hash_field(body, "hashOfCorrectedInvoice", optional=True)
    offline = body.get("offlineMode", False)
    if not isinstance(offline, bool):
        raise ApiError(21405, "Pole 'offlineMode' musi być wartością logiczną.")
    try:
        content = b64decode_strict(require_str(body, "encryptedInvoiceContent"))
    except ValueError as exc:
        raise ApiError(21405, "Pole 'encryptedInvoiceContent' musi być w Base64.") from exc
    if len(content) != encrypted_size:
        raise ApiError(21402, "Długość treści nie zgadza się z rozmiarem pliku.")
    if sha256_b64(content) != encrypted_hash:
        raise ApiError(21403, "Skrót treści nie zgadza się ze skrótem pliku.")
    assert session.key is not None
    assert session.iv is not None
    try:
        plain = aes_cbc_decrypt(session.key, session.iv, content)
    except DecryptionError:
        plain = b""
    if plain:
        if len(plain) != invoice_size:
            raise ApiError(21402, "Długość treści nie zgadza się z rozmiarem pliku.")
        if sha256_b64(plain) != invoice_hash:
            raise ApiError(21403, "Skrót treści nie zgadza się ze skrótem pliku.")
    if corrected is not None:
        check_correction(core, session.nip, corrected)
    now = core.now()
    with core.state.lock:
        if session.status_code != 100:
            raise ApiError(
                21180, f"Status sesji {session.status_code} uniemożliwia wysyłkę faktur."
            )
        ref = reference_number("EE", now)
        invoice = InvoiceRecord(
            reference_number=ref,
            session_reference=session.reference_number,
            ordinal=len(session.invoice_refs) + 1,
            nip=session.nip,
            invoice_hash=invoice_hash or "",
            invoice_size=invoice_size,
            content=plain,
            offline_mode=offline,
            invoicing_date=now,
            status_code=100,
            status_description="",
            hash_of_corrected=corrected,
        )
        set_invoice_status(invoice, 100)
        core.state.invoices[ref] = invoice
        session.invoice_refs.append(ref)
        session.updated = now
        core.state.touch()
    core.worker.submit("invoice", ref)
    return json_response(202, {"referenceNumber": ref})


def close_online(core: SandboxCore, req: Request) -> Response:
    session = find_session(core, req, "Online")
    with core.state.lock:
        if session.status_code != 100:
            raise ApiError(
                21180, f"Status sesji {session.status_code} uniemożliwia jej zamknięcie."
            )
        now = core.now()
        session.closed = now
        session.updated = now
        set_session_status(session, 170)
        core.state.touch()
    core.worker.submit("finalize", session.reference_number)
    return Response(204)


ROUTES = [
    Route("POST", "/sessions/online", open_online, "onlineSession", permissions=WRITE),
    Route(
        "POST",
        "/sessions/online/{referenceNumber}/invoices",
        send_invoice,
        "invoiceSend",
        permissions=WRITE,
    ),
    Route(
        "POST",
        "/sessions/online/{referenceNumber}/close",
        close_online,
        "onlineSessionClose",
        permissions=WRITE,
    ),
]
