"""What is sent, what came back, and how the results of a session are collected.

After a session is closed and KSeF has processed it, the results are read with the
session's invoice list (one request per 1000 invoices) and matched to what we sent by
the SHA-256 of the exact bytes. That also covers a send whose response was lost: the
invoice was then sent again, and one of the two copies comes back as 440 (duplicate)
with ``originalKsefNumber``; when the original's hash equals ours, that number is ours.

A UPO that cannot be had (a firewall page instead of it, no hash, the network) never
fails a send: the invoice is accepted with its KSeF number, ``upo`` stays None and
``upo_problem`` says why; the UPO is fetched later (services/sessions_sync.py).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ksef_desktop.ksef import api_status
from ksef_desktop.ksef.api_status import Upo
from ksef_desktop.ksef.auth import PollPolicy
from ksef_desktop.ksef.crypto import sha256_b64
from ksef_desktop.ksef.errors import (
    EnvironmentFault,
    InvoiceRejected,
    KsefError,
    KsefUnavailable,
    SessionFailed,
)
from ksef_desktop.ksef.models import (
    SessionInvoiceStatusResponse,
    SessionStatusResponse,
    StatusInfo,
)
from ksef_desktop.ksef.session_facts import DUPLICATE, IN_PROGRESS, PROCESSED, SessionKind
from ksef_desktop.ksef.transport import Transport

log = logging.getLogger("ksef_desktop.ksef")

ONLINE, BATCH = SessionKind.ONLINE, SessionKind.BATCH
UPO_THREADS = 4


@dataclass(frozen=True)
class InvoiceToSend:
    """One invoice: its exact bytes (never rebuilt) and how it is declared."""

    name: str
    content: bytes = field(repr=False)
    offline: bool = False
    hash_of_corrected_invoice: str | None = None

    @property
    def sha256(self) -> str:
        return sha256_b64(self.content)


@dataclass
class InvoiceResult:
    """The outcome for one invoice. ``ksef_number`` is set when KSeF accepted it."""

    name: str
    invoice_hash: str
    ksef_number: str | None = None
    status: StatusInfo | None = None
    session_reference: str | None = None
    invoice_reference: str | None = None
    adopted_duplicate: bool = False
    upo: Upo | None = None
    #: Why an accepted invoice has no UPO yet (None when it has one or was not accepted).
    upo_problem: KsefError | None = None
    #: Why no verdict was sought (e.g. 21184, session unavailable): send it again later.
    postponed: KsefError | None = None

    @property
    def accepted(self) -> bool:
        return self.ksef_number is not None

    def rejection(self) -> InvoiceRejected | None:
        if self.accepted or self.status is None:
            return None
        return InvoiceRejected(
            self.status.code,
            self.status.description,
            self.status.details,
            self.invoice_reference,
            self.status.extensions,
        )


@dataclass
class SessionOutcome:
    reference_number: str
    kind: str
    status: StatusInfo
    upo_pages: list[Upo] = field(default_factory=list)
    #: Reference numbers of UPO pages that could not be had (fetched again later).
    upo_pages_missing: list[str] = field(default_factory=list)


@dataclass
class SendReport:
    results: list[InvoiceResult] = field(default_factory=list)
    sessions: list[SessionOutcome] = field(default_factory=list)

    def extend(self, other: SendReport) -> None:
        self.results.extend(other.results)
        self.sessions.extend(other.sessions)


def wait_until_processed(
    t: Transport, reference: str, kind: SessionKind, poll: PollPolicy
) -> SessionStatusResponse:
    """Poll GET /sessions/{ref} until the session is final (and its UPO is there)."""
    delay = poll.delays()
    deadline = t.monotonic() + poll.timeout
    while True:
        status = api_status.session_status(t, reference)
        code = status.status.code
        if code not in IN_PROGRESS[kind]:
            if code not in PROCESSED:
                s = status.status
                raise SessionFailed(kind, code, s.description, s.details, reference)
            done = (status.successful_invoice_count or 0) + (status.failed_invoice_count or 0)
            complete = status.invoice_count is None or done >= status.invoice_count
            if complete and (status.upo_pages or code != 200):
                return status
        if t.monotonic() >= deadline:
            raise KsefUnavailable(0, None, f"session {reference} still processing ({code})")
        t.sleep(delay())


def all_session_invoices(t: Transport, reference: str) -> Iterator[SessionInvoiceStatusResponse]:
    """Every invoice of a session (accepted and failed), following continuation tokens."""
    token: str | None = None
    while True:
        page = api_status.session_invoices(t, reference, continuation_token=token)
        yield from page.invoices
        token = page.continuation_token
        if not token:
            return


class ResultCollector:
    """Matches a session's invoice list to what was sent, adopting proven duplicates."""

    def __init__(self, t: Transport, fetch_upo: bool) -> None:
        self._t = t
        self._fetch_upo = fetch_upo
        self._by_session: dict[str, dict[str, str]] = {}  # session -> ksefNumber -> hash
        self._upo_jobs: list[tuple[InvoiceResult, Callable[[], Upo]]] = []
        #: UPOs fetched to check a duplicate (KSeF number -> UPO, None: not available).
        self._upos: dict[str, Upo | None] = {}

    def _hash_of(self, session: str, ksef_number: str) -> str | None:
        """The hash KSeF holds for invoice ``ksef_number`` of ``session``.

        Asked first from that invoice's UPO (one request, kept for the archive): after a
        crash every resent invoice comes back as a duplicate, and listing whole sessions
        (20 a minute at production limits) made recovering from it slow. The session's
        list stays the way when the UPO is not there (not yet made, or the duplicate named
        another session, as batch duplicates have been reported to do)."""
        upo = self._upo_of(session, ksef_number)
        if upo is not None:
            found = api_status.upo_document_hash(upo.content, ksef_number)
            if found is not None:
                return found
        return self._listed_hash_of(session, ksef_number)

    def _upo_of(self, session: str, ksef_number: str) -> Upo | None:
        if ksef_number not in self._upos:
            try:
                self._upos[ksef_number] = api_status.session_invoice_upo_by_ksef_number(
                    self._t, session, ksef_number
                )
            except EnvironmentFault:
                raise
            except KsefError as exc:  # no UPO yet, not this session, a firewall page …
                log.info("UPO of %s not available for the duplicate check: %s", ksef_number, exc)
                self._upos[ksef_number] = None
        return self._upos[ksef_number]

    def _listed_hash_of(self, session: str, ksef_number: str) -> str | None:
        if session not in self._by_session:
            self._by_session[session] = {
                e.ksef_number: e.invoice_hash
                for e in all_session_invoices(self._t, session)
                if e.ksef_number and e.invoice_hash
            }
        return self._by_session[session].get(ksef_number)

    def collect(
        self,
        session: str,
        invoices: list[InvoiceToSend],
        refs: dict[str, str],
        file_names: dict[str, str] | None = None,
    ) -> list[InvoiceResult]:
        """One result per invoice; ``refs`` (online) and ``file_names`` (batch) map our
        hashes to what KSeF lists, for entries that come without ``invoiceHash``."""
        entries: dict[str, list[SessionInvoiceStatusResponse]] = {}
        by_reference: dict[str, SessionInvoiceStatusResponse] = {}
        by_file: dict[str, SessionInvoiceStatusResponse] = {}
        numbers: dict[str, str] = {}
        for entry in all_session_invoices(self._t, session):
            by_reference[entry.reference_number] = entry
            if entry.invoice_file_name:
                by_file[entry.invoice_file_name] = entry
            if entry.invoice_hash:
                entries.setdefault(entry.invoice_hash, []).append(entry)
                if entry.ksef_number:
                    numbers[entry.ksef_number] = entry.invoice_hash
        self._by_session[session] = numbers
        self._upo_jobs = []
        results = []
        for invoice in invoices:
            found = list(entries.get(invoice.sha256, []))
            ours = by_reference.get(refs.get(invoice.sha256, ""))
            if ours is None and file_names:
                ours = by_file.get(file_names.get(invoice.sha256, ""))
            if ours is not None and ours not in found:
                found.append(ours)  # listed without its hash: matched by reference or file
            results.append(self._one(session, invoice, found, refs))
        if self._upo_jobs:
            # Pre-signed UPO links are not rate limited: fetch them a few at a time.
            with ThreadPoolExecutor(max_workers=UPO_THREADS) as pool:
                fetched = list(pool.map(lambda job: _attempt(job[1]), self._upo_jobs))
            for (result, _job), (upo, problem) in zip(self._upo_jobs, fetched, strict=True):
                result.upo = upo
                result.upo_problem = problem
                if problem is not None:
                    log.warning("KSeF UPO of %s not received: %s", result.name, problem)
        return results

    def _one(
        self,
        session: str,
        invoice: InvoiceToSend,
        entries: list[SessionInvoiceStatusResponse],
        refs: dict[str, str],
    ) -> InvoiceResult:
        result = InvoiceResult(invoice.name, invoice.sha256, session_reference=session)
        result.invoice_reference = refs.get(invoice.sha256)
        accepted = [e for e in entries if e.status.code == 200 and e.ksef_number]
        if accepted:
            entry = accepted[0]
            result.ksef_number = entry.ksef_number
            result.status = entry.status
            result.invoice_reference = entry.reference_number
            if self._fetch_upo:
                self._upo_jobs.append((result, lambda: self._invoice_upo(session, entry)))
            return result
        if not entries:
            result.status = StatusInfo(0, "not in the session's invoice list")
            log.warning("KSeF session %s does not list invoice %s", session, invoice.name)
            return result
        entry = entries[-1]
        result.status = entry.status
        result.invoice_reference = entry.reference_number
        if entry.status.code == DUPLICATE:
            self._adopt(result, entry)
        return result

    def _adopt(self, result: InvoiceResult, entry: SessionInvoiceStatusResponse) -> None:
        original = entry.status.extensions.get("originalKsefNumber")
        original_session = entry.status.extensions.get("originalSessionReferenceNumber")
        if not original or not original_session:
            return
        if self._hash_of(original_session, original) != result.invoice_hash:
            log.info("KSeF duplicate %s: a different invoice holds that number", result.name)
            return
        log.info("KSeF duplicate %s: adopting original %s", result.name, original)
        result.ksef_number = original
        result.session_reference = original_session
        result.adopted_duplicate = True
        if self._fetch_upo:
            known = self._upos.get(original)
            self._upo_jobs.append(
                (
                    result,
                    (lambda: known)
                    if known is not None
                    else lambda: api_status.session_invoice_upo_by_ksef_number(
                        self._t, original_session, original
                    ),
                )
            )

    def _invoice_upo(self, session: str, entry: SessionInvoiceStatusResponse) -> Upo:
        return api_status.invoice_upo(self._t, session, entry)


def _attempt(fetch: Callable[[], Upo]) -> tuple[Upo | None, KsefError | None]:
    """A UPO, or why not: a UPO that fails never fails the verdicts already known."""
    try:
        return fetch(), None
    except KsefError as exc:
        return None, exc


def session_upo_pages(
    t: Transport, reference: str, status: SessionStatusResponse
) -> tuple[list[Upo], list[str]]:
    """Every page of the session UPO that proved to be one, and the references of those
    that did not arrive (each tried through its link, then the authenticated endpoint)."""
    pages: list[Upo] = []
    missing: list[str] = []
    for page in status.upo_pages:
        upo, problem = _attempt(functools.partial(api_status.session_upo_page, t, reference, page))
        if upo is None:
            log.warning("KSeF session UPO page %s not received: %s", page.reference_number, problem)
            missing.append(page.reference_number)
        else:
            pages.append(upo)
    return pages, missing
