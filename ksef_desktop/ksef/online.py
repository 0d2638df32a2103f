"""One online (interactive) session: open, send each invoice, close, collect (§3.2)."""

from __future__ import annotations

import base64
import logging

from ksef_desktop.ksef import api_sessions
from ksef_desktop.ksef.auth import UNKNOWN_KEY, Certificates, PollPolicy
from ksef_desktop.ksef.crypto import SYMMETRIC_KEY_ENCRYPTION, SessionKey, sha256_b64
from ksef_desktop.ksef.errors import RequestRejected, SessionUnavailable
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

#: "Session temporarily unavailable": send again in a new session (open-api.json 2.9.0).
SESSION_UNAVAILABLE = 21184
#: Sessions opened for one send while KSeF keeps answering 21184.
MAX_SESSIONS = 5


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
    """Send ``invoices`` in a fresh online session and collect every result.

    A 400 on one invoice (e.g. 21166) makes only that invoice rejected. A 400 with
    21184 ("session temporarily unavailable") is no verdict: that invoice and the ones
    after it go into a new session, up to ``MAX_SESSIONS`` sessions; what is still left
    then comes back ``postponed`` (never rejected) for the caller to send later.
    Environment faults propagate: whatever was sent stays in the open session, and
    sending the same bytes again later is recognised as a duplicate and adopted.
    """
    report = SendReport()
    pending = list(invoices)
    for attempt in range(1, MAX_SESSIONS + 1):
        part, pending, unavailable = _one_session(
            t, certificates, pending, poll, fetch_upo, form_code
        )
        report.extend(part)
        if unavailable is None or not pending:
            break
        if attempt == MAX_SESSIONS:
            log.warning("KSeF sessions unavailable; %d invoice(s) wait", len(pending))
            report.results.extend(
                InvoiceResult(
                    inv.name,
                    inv.sha256,
                    session_reference=unavailable.reference_number,
                    postponed=unavailable,
                )
                for inv in pending
            )
            break
        t.pause(attempt)
    by_hash = {r.invoice_hash: r for r in report.results}
    report.results = [by_hash[inv.sha256] for inv in invoices]
    return report


def _one_session(
    t: Transport,
    certificates: Certificates,
    invoices: list[InvoiceToSend],
    poll: PollPolicy,
    fetch_upo: bool,
    form_code: FormCode,
) -> tuple[SendReport, list[InvoiceToSend], SessionUnavailable | None]:
    """One session: the report of what went in, what is left, and why it is left."""
    key = SessionKey.generate()
    reference = open_online(t, certificates, key, form_code)
    log.info("KSeF online session %s opened for %d invoice(s)", reference, len(invoices))
    refs: dict[str, str] = {}
    refused: dict[str, InvoiceResult] = {}
    left: list[InvoiceToSend] = []
    unavailable: SessionUnavailable | None = None
    for index, invoice in enumerate(invoices):
        try:
            sent = api_sessions.sessions_online_send_invoice(
                t, reference, send_request(key, invoice)
            )
        except RequestRejected as exc:
            if SESSION_UNAVAILABLE in exc.codes:
                log.warning("KSeF session %s temporarily unavailable (21184)", reference)
                unavailable = SessionUnavailable(reference, "; ".join(exc.details))
                left = invoices[index:]
                break
            refused[invoice.sha256] = InvoiceResult(
                invoice.name,
                invoice.sha256,
                status=StatusInfo(exc.code, exc.description, exc.details),
                session_reference=reference,
            )
            continue
        refs[invoice.sha256] = sent.reference_number
    report = SendReport()
    report.results = list(refused.values())
    to_collect = [inv for inv in invoices if inv.sha256 in refs]
    _close(t, reference, quiet=unavailable is not None)
    if not to_collect:
        # Nothing went in: closed anyway so KSeF cancels the session (status 440).
        return report, left, unavailable
    status = wait_until_processed(t, reference, ONLINE, poll)
    report.results.extend(ResultCollector(t, fetch_upo).collect(reference, to_collect, refs))
    pages, missing = session_upo_pages(t, reference, status) if fetch_upo else ([], [])
    report.sessions.append(SessionOutcome(reference, ONLINE, status.status, pages, missing))
    return report, left, unavailable


def _close(t: Transport, reference: str, quiet: bool) -> None:
    """Close the session; after a 21184 a refusal to close is only logged (KSeF closes
    an abandoned session itself after 12 hours)."""
    try:
        api_sessions.sessions_online_close(t, reference)
    except RequestRejected as exc:
        if not quiet:
            raise
        log.warning("KSeF session %s not closed: %s", reference, exc)
