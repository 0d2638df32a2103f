"""Asynchronous verification: one worker thread takes invoices, session closings and
closed batch sessions in order of arrival, so duplicates are decided exactly in the order
KSeF received them. It also owns what happens without a request: sessions that reach
their validUntil, and work a previous run left unfinished.

Invoice: 100 (accepted for processing) -> 150 (processing) -> 200 | 405 | 410 | 430 |
435 | 440 | 450. Session: 170 (closed) -> 200 | 440 | 445 (online); 150 -> ... (batch).
"""

from __future__ import annotations

import io
import logging
import queue
import secrets
import tarfile
import threading
import zipfile
from datetime import date, datetime, timedelta

from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.crypto import DecryptionError, aes_cbc_decrypt
from ksef_desktop.sandbox.documents import (
    INVOICE_TYPES,
    MAX_INVOICE_WITH_ATTACHMENT_SIZE,
    InvalidDocument,
    InvoiceFacts,
    check_invoice,
)
from ksef_desktop.sandbox.state import InvoiceRecord, SessionRecord, duplicate_key
from ksef_desktop.sandbox.upo import UPO_PAGE_SIZE
from ksef_desktop.sandbox.util import WARSAW, reference_number, sha256_b64

log = logging.getLogger("ksef_desktop.sandbox")

INVOICE_STATUS = {
    100: "Faktura przyjęta do dalszego przetwarzania",
    150: "Trwa przetwarzanie",
    200: "Sukces",
    405: "Przetwarzanie anulowane z powodu błędu sesji",
    410: "Nieprawidłowy zakres uprawnień",
    415: "Brak możliwości wysyłania faktury z załącznikiem",
    430: "Błąd weryfikacji pliku faktury",
    435: "Błąd odszyfrowania pliku",
    440: "Duplikat faktury",
    450: "Błąd weryfikacji semantyki dokumentu faktury",
    500: "Nieznany błąd (500)",
}
ONLINE_STATUS = {
    100: "Sesja interaktywna otwarta",
    170: "Sesja interaktywna zamknięta",
    200: "Sesja interaktywna przetworzona pomyślnie",
    415: "Błąd odszyfrowania dostarczonego klucza",
    440: "Sesja anulowana",
    445: "Błąd weryfikacji, brak poprawnych faktur",
}
BATCH_STATUS = {
    100: "Sesja wsadowa rozpoczęta",
    150: "Trwa przetwarzanie",
    200: "Sesja wsadowa przetworzona pomyślnie",
    405: "Błąd weryfikacji poprawności dostarczonych elementów paczki",
    415: "Błąd odszyfrowania dostarczonego klucza",
    420: "Przekroczony limit faktur w sesji",
    430: "Błąd dekompresji pierwotnego archiwum",
    435: "Błąd odszyfrowania zaszyfrowanych części archiwum",
    440: "Sesja anulowana",
    445: "Błąd weryfikacji, brak poprawnych faktur",
    500: "Nieznany błąd (500)",
}


def set_invoice_status(
    invoice: InvoiceRecord,
    code: int,
    details: list[str] | None = None,
    extensions: dict[str, str] | None = None,
) -> None:
    invoice.status_code = code
    invoice.status_description = INVOICE_STATUS[code]
    invoice.status_details = list(details or [])
    invoice.extensions = extensions


def set_session_status(session: SessionRecord, code: int, details: list[str] | None = None) -> None:
    table = ONLINE_STATUS if session.kind == "Online" else BATCH_STATUS
    session.status_code = code
    session.status_description = table[code]
    session.status_details = list(details or [])


def acceptance_day(moment: datetime) -> date:
    return moment.astimezone(WARSAW).date()


Examined = InvoiceFacts | tuple[int, list[str]]


def examine(invoice: InvoiceRecord, session: SessionRecord) -> Examined:
    """The file checks, which need no lock: the facts, or (status code, details)."""
    if not invoice.content:
        return 435, ["Nie udało się odszyfrować pliku faktury."]
    try:
        return check_invoice(
            invoice.content, session.form_code, today=acceptance_day(invoice.invoicing_date)
        )
    except InvalidDocument as exc:
        return exc.status, exc.details


def verify_invoice(
    core: SandboxCore,
    invoice: InvoiceRecord,
    session: SessionRecord,
    examined: Examined | None = None,
) -> None:
    """Decide one invoice (the state lock is held by the caller)."""
    outcome = examined if examined is not None else examine(invoice, session)
    if isinstance(outcome, tuple):
        set_invoice_status(invoice, *outcome)
        return
    facts = outcome
    accepted_on = acceptance_day(invoice.invoicing_date)
    invoice.invoice_number = facts.number
    invoice.issue_date = facts.issue_date
    if facts.seller_nip != invoice.nip:
        set_invoice_status(
            invoice,
            410,
            [f"Brak uprawnień do wystawiania faktur w imieniu podmiotu {facts.seller_nip}."],
        )
        return
    if facts.has_attachment and session.kind == "Online" and not invoice.hash_of_corrected:
        set_invoice_status(invoice, 415, ["Faktury z załącznikiem wysyła się w sesji wsadowej."])
        return
    issued_on = date.fromisoformat(facts.issue_date)
    key = duplicate_key(facts.seller_nip, facts.kind, facts.number)
    state = core.state
    original_ref = state.accepted_keys.get(key)
    if original_ref is not None:
        original = state.invoices[original_ref]
        set_invoice_status(
            invoice,
            440,
            [
                f"Duplikat faktury. Faktura o numerze KSeF: {original.ksef_number} została już "
                f"prawidłowo przesłana do systemu w sesji: {original.session_reference}"
            ],
            {
                "originalSessionReferenceNumber": original.session_reference,
                "originalKsefNumber": original.ksef_number or "",
            },
        )
        return
    now = core.now()
    number = make_ksef_number(facts.seller_nip, accepted_on, secrets.token_hex(6).upper())
    while number in state.by_ksef_number:
        number = make_ksef_number(facts.seller_nip, accepted_on, secrets.token_hex(6).upper())
    invoice.ksef_number = number
    invoice.acquisition_date = max(now, invoice.invoicing_date)
    invoice.permanent_storage_date = invoice.acquisition_date + timedelta(milliseconds=1)
    offline = invoice.offline_mode or issued_on < accepted_on
    invoice.invoicing_mode = "Offline" if offline else "Online"
    invoice.meta = {
        "duplicateKey": key,
        "sellerName": facts.seller_name,
        "invoiceType": INVOICE_TYPES.get(facts.kind, "Vat"),
        "currency": facts.currency,
        "gross": facts.gross,
        "net": facts.net,
        "vat": facts.vat,
        "buyer": facts.buyer,
        "hasAttachment": facts.has_attachment,
        "selfInvoicing": facts.self_invoicing,
        "thirdSubjects": facts.third_subjects,
    }
    set_invoice_status(invoice, 200)
    state.add_accepted(invoice, key)


def finalize_session(core: SandboxCore, session: SessionRecord) -> None:
    """Closed session -> final status and UPO pages (the state lock is held)."""
    invoices = [core.state.invoices[r] for r in session.invoice_refs]
    good = [i for i in invoices if i.status_code == 200]
    session.updated = core.now()
    if not invoices:
        set_session_status(session, 440, ["Nie przesłano faktur"])
        return
    if not good:
        set_session_status(session, 445)
        return
    pages = (len(good) + UPO_PAGE_SIZE - 1) // UPO_PAGE_SIZE
    session.upo_pages = [reference_number("EU", session.updated) for _ in range(pages)]
    for index, page in enumerate(session.upo_pages):
        core.state.upo_pages[page] = (session.reference_number, index)
    set_session_status(session, 200)


# --- batch sessions ---------------------------------------------------------------------


def _unpack(archive: bytes, compression: str, most: int) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every file; a file over the size limit is cut at limit + 1."""
    limit = MAX_INVOICE_WITH_ATTACHMENT_SIZE + 1
    files: list[tuple[str, bytes]] = []
    if compression == "TarGz":
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            for member in tar:
                if member.isfile():
                    handle = tar.extractfile(member)
                    if handle is not None:
                        files.append((member.name, handle.read(limit)))
                if len(files) > most:
                    break
        return files
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            with zf.open(info) as handle:
                files.append((info.filename, handle.read(limit)))
            if len(files) > most:
                break
    return files


def _fail(core: SandboxCore, session: SessionRecord, code: int, *details: str) -> None:
    with core.state.lock:
        set_session_status(session, code, list(details))
        session.updated = core.now()
        core.state.touch()


def process_batch(core: SandboxCore, reference: str) -> None:
    """Run by the worker after close: status 150 -> a final batch status."""
    with core.state.lock:
        session = core.state.sessions[reference]
        parts = core.batch_parts.pop(reference, {})
        declared = session.batch or {}
    if session.key is None or session.iv is None:
        _fail(core, session, 415)
        return
    plain = []
    for part in declared.get("parts", []):
        data = parts[part["ordinalNumber"]]
        if sha256_b64(data) != part["fileHash"]:
            _fail(core, session, 405, f"Skrót części {part['ordinalNumber']} jest nieprawidłowy.")
            return
        try:
            plain.append(aes_cbc_decrypt(session.key, session.iv, data))
        except DecryptionError:
            _fail(core, session, 435)
            return
    archive = b"".join(plain)
    if len(archive) != declared["fileSize"] or sha256_b64(archive) != declared["fileHash"]:
        _fail(core, session, 405, "Rozmiar lub skrót paczki nie zgadza się z deklaracją.")
        return
    try:
        limit = core.context_limit(session.nip, "batchSession", "maxInvoices")
        files = _unpack(archive, declared["compressionType"], limit)
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError):
        _fail(core, session, 430)
        return
    if len(files) > limit:
        _fail(core, session, 420)
        return
    if not files:
        _fail(core, session, 440, "Nie przesłano faktur")
        return
    with core.state.lock:
        for ordinal, (name, data) in enumerate(files, start=1):
            invoice = InvoiceRecord(
                reference_number=reference_number("EE", session.created),
                session_reference=reference,
                ordinal=ordinal,
                nip=session.nip,
                invoice_hash=sha256_b64(data),
                invoice_size=len(data),
                content=data,
                offline_mode=session.offline_mode,
                invoicing_date=session.created,
                status_code=100,
                status_description="",
                file_name=name[-128:],
            )
            set_invoice_status(invoice, 150)
            core.state.invoices[invoice.reference_number] = invoice
            session.invoice_refs.append(invoice.reference_number)
        core.state.touch()
    for ref in list(session.invoice_refs):
        with core.state.lock:
            invoice = core.state.invoices[ref]
        examined = examine(invoice, session)  # the slow part, outside the lock
        with core.state.lock:
            try:
                verify_invoice(core, invoice, session, examined)
            except Exception:
                set_invoice_status(invoice, 500)
                raise
            finally:
                core.state.touch()
    with core.state.lock:
        finalize_session(core, session)
        core.state.touch()


# --- without a request ------------------------------------------------------------------


def expire_sessions(core: SandboxCore) -> None:
    """Close online sessions past validUntil; cancel batch sessions never closed."""
    now = core.now()
    with core.state.lock:
        for session in core.state.sessions.values():
            if session.status_code != 100 or now < session.valid_until:
                continue
            session.updated = now
            if session.kind == "Online":
                session.closed = now
                set_session_status(session, 170)
                core.worker.submit("finalize", session.reference_number)
            else:
                set_session_status(session, 440, ["Przekroczono czas wysyłki"])
                core.batch_parts.pop(session.reference_number, None)
            core.state.touch()


def resume_after_load(core: SandboxCore) -> None:
    """Requeue work a previous run left unfinished (state loaded from a file)."""
    with core.state.lock:
        pending = [i for i in core.state.invoices.values() if i.status_code in (100, 150)]
        sessions = list(core.state.sessions.values())
    for invoice in sorted(pending, key=lambda i: i.invoicing_date):
        session = core.state.sessions[invoice.session_reference]
        if session.kind == "Online":
            core.worker.submit("invoice", invoice.reference_number)
    for session in sessions:
        if session.kind == "Online" and session.status_code == 170:
            core.worker.submit("finalize", session.reference_number)
        elif session.kind == "Batch" and session.status_code == 150:
            with core.state.lock:
                # The uploaded parts lived in memory only.
                set_session_status(session, 500, ["Przetwarzanie przerwane restartem."])
                core.state.touch()


class Worker:
    """The single verification thread."""

    def __init__(self, core: SandboxCore) -> None:
        self.core = core
        self.jobs: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="sandbox-verify", daemon=True)
        self._idle = threading.Condition()
        self._pending = 0
        self._stopping = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self.jobs.put(None)
        self._thread.join(timeout=10)

    def submit(self, kind: str, reference: str) -> None:
        with self._idle:
            self._pending += 1
        self.jobs.put((kind, reference))

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every submitted job is done (used by tests and benchmarks)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while True:
            try:
                job = self.jobs.get(timeout=1.0)
            except queue.Empty:
                expire_sessions(self.core)
                continue
            if job is None:
                return
            try:
                self._do(*job)
            except Exception:  # a bug in verification must not kill the worker
                log.exception("sandbox verification failed for %s %s", *job)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _do(self, kind: str, reference: str) -> None:
        core = self.core
        delay = core.config.processing_delay
        state = core.state
        if kind == "invoice":
            if delay and self._stopping.wait(delay):
                return  # stopping: leave it in 100, a restart from a state file resumes it
            with state.lock:
                invoice = state.invoices[reference]
                set_invoice_status(invoice, 150)
                state.touch()
            if delay and self._stopping.wait(delay):
                return
            with state.lock:
                session = state.sessions[invoice.session_reference]
            examined = examine(invoice, session)  # the slow part, outside the lock
            with state.lock:
                try:
                    verify_invoice(core, invoice, session, examined)
                except Exception:
                    set_invoice_status(invoice, 500)
                    raise
                finally:
                    session.updated = core.now()
                    state.touch()
        elif kind == "finalize":
            with state.lock:
                finalize_session(core, state.sessions[reference])
                state.touch()
        elif kind == "batch":
            process_batch(core, reference)
