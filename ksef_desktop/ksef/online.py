"""One online (interactive) session: open, send each invoice, close, collect (§3.2)."""

from __future__ import annotations

import base64
import logging

from ksef_desktop.ksef import api_sessions
from ksef_desktop.ksef.auth import UNKNOWN_KEY, Certificates, PollPolicy
from ksef_desktop.ksef.crypto import SYMMETRIC_KEY_ENCRYPTION, SessionKey, sha256_b64
from ksef_desktop.ksef.errors import RequestRejected
from ksef_desktop.ksef.models import (
    FA3,
    EncryptionInfo,
    FormCode,
    OpenOnlineSessionRequest,
    SendInvoiceRequest,
    StatusInfo,
)
from ksef_desktop.ksef.sending import (
    ONLINE,
    InvoiceResult,
    InvoiceToSend,
    ResultCollector,
    SendReport,
    SessionOutcome,
    session_upo_pages,
    wait_until_processed,
)
from ksef_desktop.ksef.transport import Transport

log = logging.getLogger("ksef_desktop.ksef")


def encryption_for(certificates: Certificates, key: SessionKey) -> EncryptionInfo:
    cert = certificates.get(SYMMETRIC_KEY_ENCRYPTION)
    return EncryptionInfo(key.encrypted_key(cert.certificate), key.iv_b64, cert.public_key_id)


def open_online(
    t: Transport, certificates: Certificates, key: SessionKey, form_code: FormCode
) -> str:
    """Open a session with ``key``; on 21470 fetch the certificates again and retry once."""
    for attempt in (1, 2):
        request = OpenOnlineSessionRequest(form_code, encryption_for(certificates, key))
        try:
            return api_sessions.sessions_online_open(t, request).reference_number
        except RequestRejected as exc:
            if UNKNOWN_KEY not in exc.codes or attempt == 2:
                raise
            certificates.invalidate()
    raise AssertionError("unreachable")


def send_request(key: SessionKey, invoice: InvoiceToSend) -> SendInvoiceRequest:
    """Hash and size of the exact bytes and of their ciphertext (§3.2)."""
    encrypted = key.encrypt(invoice.content)
    return SendInvoiceRequest(
        invoice_hash=invoice.sha256,
        invoice_size=len(invoice.content),
        encrypted_invoice_hash=sha256_b64(encrypted),
        encrypted_invoice_size=len(encrypted),
        encrypted_invoice_content=base64.b64encode(encrypted).decode("ascii"),
        offline_mode=invoice.offline,
        hash_of_corrected_invoice=invoice.hash_of_corrected_invoice,
    )


def send_online(
    t: Transport,
    certificates: Certificates,
    invoices: list[InvoiceToSend],
    poll: PollPolicy,
    fetch_upo: bool = True,
    form_code: FormCode = FA3,
) -> SendReport:
    """Send ``invoices`` in one fresh online session and collect every result.

    A 400 on one invoice (e.g. 21166) makes only that invoice rejected. Environment
    faults propagate: whatever was sent stays in the open session, and sending the
    same bytes again later is recognised as a duplicate and adopted.
    """
    key = SessionKey.generate()
    reference = open_online(t, certificates, key, form_code)
    log.info("KSeF online session %s opened for %d invoice(s)", reference, len(invoices))
    refs: dict[str, str] = {}
    refused: dict[str, InvoiceResult] = {}
    for invoice in invoices:
        try:
            sent = api_sessions.sessions_online_send_invoice(
                t, reference, send_request(key, invoice)
            )
        except RequestRejected as exc:
            refused[invoice.sha256] = InvoiceResult(
                invoice.name,
                invoice.sha256,
                status=StatusInfo(exc.code, exc.description, exc.details),
                session_reference=reference,
            )
            continue
        refs[invoice.sha256] = sent.reference_number
    report = SendReport()
    to_collect = [inv for inv in invoices if inv.sha256 not in refused]
    if not to_collect:
        # Nothing went in: close anyway so KSeF cancels the session (status 440).
        api_sessions.sessions_online_close(t, reference)
        report.results = list(refused.values())
        return report
    api_sessions.sessions_online_close(t, reference)
    status = wait_until_processed(t, reference, ONLINE, poll)
    collected = ResultCollector(t, fetch_upo).collect(reference, to_collect, refs)
    by_hash = {r.invoice_hash: r for r in collected}
    report.results = [refused.get(inv.sha256) or by_hash[inv.sha256] for inv in invoices]
    pages = session_upo_pages(t, reference, status) if fetch_upo else []
    report.sessions.append(SessionOutcome(reference, ONLINE, status.status, pages))
    return report
