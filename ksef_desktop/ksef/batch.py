"""One batch session: zip, split ≤ 100 MB, encrypt, upload in parallel, close (§3.4)."""

from __future__ import annotations

import io
import logging
import zipfile
from concurrent.futures import ThreadPoolExecutor

from ksef_desktop.ksef import api_sessions
from ksef_desktop.ksef.auth import UNKNOWN_KEY, Certificates, PollPolicy
from ksef_desktop.ksef.crypto import SessionKey, sha256_b64
from ksef_desktop.ksef.errors import ProtocolError, RequestRejected
from ksef_desktop.ksef.models import (
    FA3,
    BatchFileInfo,
    BatchFilePartInfo,
    FormCode,
    OpenBatchSessionRequest,
    OpenBatchSessionResponse,
)
from ksef_desktop.ksef.online import encryption_for
from ksef_desktop.ksef.sending import (
    BATCH,
    InvoiceToSend,
    ResultCollector,
    SendReport,
    SessionOutcome,
    session_upo_pages,
    wait_until_processed,
)
from ksef_desktop.ksef.transport import Transport

log = logging.getLogger("ksef_desktop.ksef")

MAX_PART_SIZE = 100_000_000  # before encryption
MAX_PARTS = 50
UPLOAD_THREADS = 4


def entry_name(index: int) -> str:
    """The name of the ``index``-th (from 1) invoice inside the batch archive."""
    return f"{index:05d}.xml"


def build_archive(invoices: list[InvoiceToSend]) -> bytes:
    """A ZIP of the exact invoice bytes, one ``NNNNN.xml`` entry per invoice."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, invoice in enumerate(invoices, start=1):
            archive.writestr(entry_name(index), invoice.content)
    return buffer.getvalue()


def split(data: bytes, part_size: int = MAX_PART_SIZE) -> list[bytes]:
    """Cut ``data`` binarily into parts of at most ``part_size`` bytes."""
    if part_size <= 0:
        raise ValueError("part size must be positive")
    parts = [data[i : i + part_size] for i in range(0, len(data), part_size)]
    if len(parts) > MAX_PARTS:
        raise ProtocolError(f"{len(parts)} parts exceed KSeF's limit of {MAX_PARTS}")
    return parts


def send_batch(
    t: Transport,
    certificates: Certificates,
    invoices: list[InvoiceToSend],
    poll: PollPolicy,
    fetch_upo: bool = True,
    part_size: int = MAX_PART_SIZE,
    form_code: FormCode = FA3,
) -> SendReport:
    """Send ``invoices`` (all with the same ``offline`` flag) in one batch session."""
    offline = {inv.offline for inv in invoices}
    if len(offline) != 1:
        raise ValueError("a batch session declares offline mode for all its invoices")
    if any(inv.hash_of_corrected_invoice for inv in invoices):
        raise ValueError("technical corrections go through an online session")
    archive = build_archive(invoices)
    key = SessionKey.generate()
    encrypted = [key.encrypt(part) for part in split(archive, part_size)]
    batch_file = BatchFileInfo(
        len(archive),
        sha256_b64(archive),
        tuple(
            BatchFilePartInfo(n, len(part), sha256_b64(part))
            for n, part in enumerate(encrypted, start=1)
        ),
    )
    opened = _open(t, certificates, key, batch_file, offline.pop(), form_code)
    reference = opened.reference_number
    log.info(
        "KSeF batch session %s opened: %d invoice(s), %d part(s)",
        reference,
        len(invoices),
        len(encrypted),
    )
    uploads = {u.ordinal_number: u for u in opened.part_upload_requests}
    if set(uploads) != set(range(1, len(encrypted) + 1)):
        raise ProtocolError(f"batch {reference}: upload instructions do not match the parts")
    with ThreadPoolExecutor(max_workers=min(UPLOAD_THREADS, len(encrypted))) as pool:
        futures = [
            pool.submit(api_sessions.upload_batch_part, t, uploads[n], part)
            for n, part in enumerate(encrypted, start=1)
        ]
        for future in futures:
            future.result()
    api_sessions.sessions_batch_close(t, reference)
    status = wait_until_processed(t, reference, BATCH, poll)
    report = SendReport()
    names = {inv.sha256: entry_name(i) for i, inv in enumerate(invoices, start=1)}
    report.results = ResultCollector(t, fetch_upo).collect(reference, invoices, {}, names)
    pages, missing = session_upo_pages(t, reference, status) if fetch_upo else ([], [])
    report.sessions.append(SessionOutcome(reference, BATCH, status.status, pages, missing))
    return report


def _open(
    t: Transport,
    certificates: Certificates,
    key: SessionKey,
    batch_file: BatchFileInfo,
    offline: bool,
    form_code: FormCode,
) -> OpenBatchSessionResponse:
    for attempt in (1, 2):
        request = OpenBatchSessionRequest(
            form_code, batch_file, encryption_for(certificates, key), offline
        )
        try:
            return api_sessions.sessions_batch_open(t, request)
        except RequestRejected as exc:
            if UNKNOWN_KEY not in exc.codes or attempt == 2:
                raise
            certificates.invalidate()
    raise AssertionError("unreachable")
