"""The KSeF client as the rest of the program uses it: authenticate, send, look back.

Synchronous, for a worker thread. Everything comes in through the constructor: the
``httpx.Client``, the clock (``now``), ``sleep`` and ``monotonic`` (so tests observe
every wait), and the KSeF token (in memory only).

``send`` picks the way: online when KSeF's per-minute limit for sending invoices lets
the whole backlog through within a minute, batch otherwise; technical corrections
always go online (a batch cannot carry ``hashOfCorrectedInvoice``).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from ksef_desktop.ksef import api_invoices, api_status, receiving
from ksef_desktop.ksef.api_status import Upo
from ksef_desktop.ksef.auth import Certificates, PollPolicy, TokenAuthenticator
from ksef_desktop.ksef.batch import MAX_PART_SIZE, send_batch
from ksef_desktop.ksef.collective import CollectiveIdentifierInvoice, generate_collective_identifier
from ksef_desktop.ksef.crypto import SessionKey
from ksef_desktop.ksef.environments import Environment
from ksef_desktop.ksef.errors import ProtocolError, RequestRejected
from ksef_desktop.ksef.models import (
    SessionInvoiceStatusResponse,
    SessionsQueryResponse,
    SessionsQueryResponseItem,
    SessionStatusResponse,
    UpoPageResponse,
)
from ksef_desktop.ksef.online import send_online
from ksef_desktop.ksef.ratelimit import PRODUCTION_LIMITS, Limit
from ksef_desktop.ksef.sending import InvoiceResult, InvoiceToSend, SendReport, all_session_invoices
from ksef_desktop.ksef.session_facts import SessionKind
from ksef_desktop.ksef.transport import RetryPolicy, Transport

if TYPE_CHECKING:
    from ksef_desktop.ksef.access import AccessClient

log = logging.getLogger("ksef_desktop.ksef")

AUTO = "auto"
ONLINE, BATCH = SessionKind.ONLINE, SessionKind.BATCH
MAX_INVOICES_PER_SESSION = 10_000


def choose_mode(count: int, invoice_send: Limit) -> SessionKind:
    """Batch when more invoices wait than the online limit lets through in a minute."""
    return BATCH if count > invoice_send.per_minute else ONLINE


class KsefClient:
    """One NIP in one environment, authenticated with a KSeF token."""

    def __init__(
        self,
        http: httpx.Client,
        environment: Environment,
        nip: str,
        ksef_token: str,
        *,
        now: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        part_size: int = MAX_PART_SIZE,
    ) -> None:
        self.transport = Transport(
            http,
            environment,
            sleep=sleep,
            monotonic=monotonic,
            rng=rng or random.Random(),  # noqa: S311 - jitter, not cryptography
            policy=retry or RetryPolicy(),
        )
        self.poll = poll or PollPolicy()
        self.certificates = Certificates(self.transport, now)
        self.auth = TokenAuthenticator(
            self.transport, self.certificates, nip, ksef_token, now, self.poll
        )
        self.transport.tokens = self.auth
        self.part_size = part_size
        self.nip = nip
        self._limits: dict[str, Limit] | None = None
        self._access: AccessClient | None = None

    @property
    def environment(self) -> Environment:
        """The environment this client speaks to (one per client, never changed)."""
        return self.transport.environment

    def __repr__(self) -> str:
        return f"KsefClient({self.transport.environment.name}, {self.auth!r})"

    def authenticate(self) -> None:
        self.auth.authenticate()

    def access(self) -> AccessClient:
        """Credentials and access of this context over this client's token login (what a
        token may do: the login audit; tokens and permissions with CredentialsRead)."""
        from ksef_desktop.ksef.access import AccessClient

        if self._access is None:
            self.rate_limits()  # the pacing this client already knows
            self._access = AccessClient(self.transport, self.auth, self.poll, paced=True)
        return self._access

    def rate_limits(self) -> dict[str, Limit]:
        """The limits in force (GET /rate-limits), also used to pace our own requests."""
        if self._limits is None:
            try:
                self._limits = api_invoices.rate_limits(self.transport)
            except (RequestRejected, ProtocolError) as exc:
                log.warning("KSeF rate limits unavailable (%s); using production values", exc)
                self._limits = dict(PRODUCTION_LIMITS)
            assert self.transport.gate is not None
            self.transport.gate.set_limits(self._limits)
        return self._limits

    # --- sending -----------------------------------------------------------------------

    def send(
        self, invoices: Sequence[InvoiceToSend], mode: str = AUTO, fetch_upo: bool = True
    ) -> list[InvoiceResult]:
        """Deliver ``invoices``; one result per input, in order. See ``send_report``."""
        return self.send_report(invoices, mode, fetch_upo).results

    def send_report(
        self, invoices: Sequence[InvoiceToSend], mode: str = AUTO, fetch_upo: bool = True
    ) -> SendReport:
        unique: dict[str, InvoiceToSend] = {}
        for invoice in invoices:
            unique.setdefault(invoice.sha256, invoice)
        limits = self.rate_limits()
        corrections = [i for i in unique.values() if i.hash_of_corrected_invoice]
        plain = [i for i in unique.values() if not i.hash_of_corrected_invoice]
        if mode == AUTO:
            mode = choose_mode(
                len(plain), limits.get("invoiceSend", PRODUCTION_LIMITS["invoiceSend"])
            )
        report = SendReport()
        for chunk in _chunks(corrections):
            report.extend(
                send_online(self.transport, self.certificates, chunk, self.poll, fetch_upo)
            )
        if mode == BATCH:
            for offline in (False, True):
                group = [i for i in plain if i.offline is offline]
                for chunk in _chunks(group):
                    report.extend(
                        send_batch(
                            self.transport,
                            self.certificates,
                            chunk,
                            self.poll,
                            fetch_upo,
                            self.part_size,
                        )
                    )
        else:
            for chunk in _chunks(plain):
                report.extend(
                    send_online(self.transport, self.certificates, chunk, self.poll, fetch_upo)
                )
        by_hash = {r.invoice_hash: r for r in report.results}
        ordered = []
        for invoice in invoices:
            result = by_hash[invoice.sha256]
            if result.name != invoice.name:  # the same bytes given twice under two names
                result = InvoiceResult(**{**result.__dict__, "name": invoice.name})
            ordered.append(result)
        report.results = ordered
        return report

    # --- looking back ------------------------------------------------------------------

    def sessions_page(
        self,
        kind: SessionKind,
        *,
        page_size: int = 100,
        continuation_token: str | None = None,
        date_created_from: datetime | None = None,
        date_created_to: datetime | None = None,
        statuses: Sequence[str] = (),
    ) -> SessionsQueryResponse:
        """One page of the session history, newest first (``continuation_token``: the
        page after the one that gave it)."""
        return api_status.sessions_query(
            self.transport,
            kind.api,
            page_size=page_size,
            continuation_token=continuation_token,
            date_created_from=date_created_from,
            date_created_to=date_created_to,
            statuses=statuses,
        )

    def session_status(self, reference: str) -> SessionStatusResponse:
        return api_status.session_status(self.transport, reference)

    def session_upo_page(self, reference: str, page: UpoPageResponse) -> Upo:
        """One page of a session's UPO, verified (its link, then the authenticated one)."""
        return api_status.session_upo_page(self.transport, reference, page)

    def invoice_upo(
        self,
        session_reference: str,
        *,
        invoice_reference: str,
        ksef_number: str | None,
        url: str | None,
    ) -> Upo:
        """An accepted invoice's UPO, verified (its link, then the authenticated one)."""
        return api_status.invoice_upo_of(
            self.transport,
            session_reference,
            invoice_reference=invoice_reference,
            ksef_number=ksef_number,
            url=url,
        )

    def invoice_upo_by_ksef_number(self, session_reference: str, ksef_number: str) -> Upo:
        return api_status.session_invoice_upo_by_ksef_number(
            self.transport, session_reference, ksef_number
        )

    def generate_collective_identifier(
        self, invoices: Sequence[CollectiveIdentifierInvoice | str]
    ) -> str:
        """POST /collective-identifiers: a new identifier for these invoices."""
        return generate_collective_identifier(self.transport, invoices)

    def sessions(
        self,
        session_type: SessionKind,
        page_size: int = 100,
        *,
        statuses: Sequence[str] = (),
        date_created_from: datetime | None = None,
        date_created_to: datetime | None = None,
        date_closed_from: datetime | None = None,
        date_closed_to: datetime | None = None,
        reference_number: str | None = None,
    ) -> Iterator[SessionsQueryResponseItem]:
        """Session history of one kind, newest first, every page."""
        token: str | None = None
        while True:
            page = api_status.sessions_query(
                self.transport,
                session_type.api,
                page_size=page_size,
                continuation_token=token,
                reference_number=reference_number,
                date_created_from=date_created_from,
                date_created_to=date_created_to,
                date_closed_from=date_closed_from,
                date_closed_to=date_closed_to,
                statuses=statuses,
            )
            yield from page.sessions
            token = page.continuation_token
            if not token:
                return

    def session_invoices(
        self, reference: str, failed_only: bool = False
    ) -> Iterator[SessionInvoiceStatusResponse]:
        if failed_only:
            token: str | None = None
            while True:
                page = api_status.session_invoices(
                    self.transport, reference, continuation_token=token, failed_only=True
                )
                yield from page.invoices
                token = page.continuation_token
                if not token:
                    return
        yield from all_session_invoices(self.transport, reference)

    def session_upo(self, reference: str) -> list[Upo]:
        """Every page of a session's UPO, verified (link, then the authenticated endpoint)."""
        status = api_status.session_status(self.transport, reference)
        return [api_status.session_upo_page(self.transport, reference, p) for p in status.upo_pages]

    def download_invoice(self, ksef_number: str) -> Upo:
        return api_invoices.invoice_by_ksef_number(self.transport, ksef_number)

    def query_metadata(
        self, filters: api_invoices.InvoiceQueryFilters, page_size: int = 100
    ) -> Iterator[api_invoices.InvoiceMetadata]:
        offset = 0
        while True:
            page = api_invoices.invoices_query_metadata(
                self.transport, filters, page_offset=offset, page_size=page_size
            )
            yield from page.invoices
            if not page.has_more:
                return
            offset += 1

    # --- receiving: invoices where the profile is the buyer ------------------------------

    def wait_time(self, group: str) -> float:
        """Seconds until a request of KSeF's limit ``group`` may go (0: now)."""
        gate = self.transport.gate
        return gate.wait_time(group) if gate is not None else 0.0

    def query_received(self, filters: dict[str, Any], page_offset: int) -> receiving.MetadataPage:
        """One page of POST /invoices/query/metadata, ascending."""
        return receiving.query_page(self.transport, filters, page_offset)

    def start_export(self, key: SessionKey, filters: dict[str, Any]) -> str:
        """POST /invoices/exports, the package encrypted with ``key``; its reference."""
        return receiving.start_export(self.transport, self.certificates, key, filters)

    def wait_for_export(
        self, reference: str, *, sleep: Callable[[float], None], check: Callable[[], None]
    ) -> receiving.ExportStatus:
        return receiving.wait_for_export(self.transport, reference, sleep=sleep, check=check)

    def download_package(
        self, key: SessionKey, status: receiving.ExportStatus
    ) -> receiving.Package:
        return receiving.download_package(self.transport, key, status)


def _chunks(items: list[InvoiceToSend]) -> Iterator[list[InvoiceToSend]]:
    for start in range(0, len(items), MAX_INVOICES_PER_SESSION):
        yield items[start : start + MAX_INVOICES_PER_SESSION]
