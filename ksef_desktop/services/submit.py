"""Deliver the outbox to KSeF: where the client's results become the store's states.

``Submitter.drain`` claims due invoices (most urgent deadline first), sends their frozen
bytes with ``KsefClient.send_report`` (online for a few, batch for a backlog: the client
chooses), and writes each verdict in one transaction: accepted with the KSeF number and
UPO, accepted by adopting the original number of a proven duplicate (440 after a lost
response), or rejected with KSeF's code and details. The sessions KSeF reported and
their UPO pages go into the local session view and the archive.

Nothing here depends on the process surviving: a crash at any point leaves every invoice
queued (claimed) or decided. A new drain releases the claims of a dead process and sends
again; an invoice KSeF had already accepted comes back as a duplicate with its original
number, so nothing is ever accepted twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import datetime

from ksef_desktop.i18n import _
from ksef_desktop.ksef.errors import EnvironmentFault, KsefError
from ksef_desktop.ksef.sending import InvoiceResult, InvoiceToSend, SendReport, SessionOutcome
from ksef_desktop.ksef.workflows import KsefClient
from ksef_desktop.store.archive import Archive
from ksef_desktop.store.db import Database
from ksef_desktop.store.outbox import Backoff, Outbox, OutboxItem
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.sessions import SessionRecord, record_session

log = logging.getLogger("ksef_desktop.services.submit")

DUPLICATE = 440
#: How many invoices one drain step hands to the client (one KSeF session at most).
STEP = 10_000


@dataclass
class DrainReport:
    """What one drain did; ``unreachable`` means KSeF or the network was not there."""

    accepted: list[int] = field(default_factory=list)
    adopted: list[int] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    unreachable: bool = False
    error: str | None = None  # user-facing sentence of the last failure, if any

    @property
    def delivered(self) -> int:
        return len(self.accepted) + len(self.adopted)


ClientFactory = Callable[[], AbstractContextManager[KsefClient]]


class WrongClient(Exception):
    """The client given to a profile's sender speaks to another environment or NIP.

    Never expected (the app builds one client per profile): a last check that no invoice
    of a practice profile can be handed to the Ministry's production system, or the
    reverse, whatever a caller does wrong."""


def check_client(client: KsefClient, profile: Profile) -> None:
    env = client.environment
    if env.name != profile.environment.value or client.nip != profile.nip:
        raise WrongClient(
            f"a client of {env.name}/{client.nip} cannot send the invoices of "
            f"profile {profile.environment.value}/{profile.nip}"
        )


class Submitter:
    """Sends what the outbox holds.

    ``client_factory`` gives a context manager of an authenticated-on-demand client (it
    owns the HTTP connection); a drain enters it only when something is due, and leaves
    it when the drain ends.
    """

    def __init__(
        self,
        db: Database,
        archive: Archive,
        client_factory: ClientFactory,
        *,
        profile: Profile,
        now: Callable[[], datetime],
        step: int = STEP,
        backoff: Backoff | None = None,
    ) -> None:
        self._db = db
        self._archive = archive
        self._client_factory = client_factory
        self.profile = profile
        self._now = now
        self._step = step
        self.outbox = Outbox(db, archive, now, profile_id=profile.id, backoff=backoff)

    def drain(
        self, *, cancelled: Callable[[], bool] = lambda: False, max_steps: int | None = None
    ) -> DrainReport:
        """Send every due invoice; stop early when KSeF is unreachable or on cancel.

        ``max_steps`` caps how many claims of ``step`` invoices one drain sends.
        """
        report = DrainReport()
        released = self.outbox.release_claims()
        if released:
            log.info("released %d claims left by an earlier run", released)
        client: KsefClient | None = None
        steps = 0
        with ExitStack() as stack:
            while not cancelled() and (max_steps is None or steps < max_steps):
                steps += 1
                items = self.outbox.claim(limit=self._step)
                if not items:
                    break
                if client is None:
                    client = stack.enter_context(self._client_factory())
                    check_client(client, self.profile)
                if not self._send(client, items, report):
                    break
            if not report.unreachable and not cancelled() and self._upos_missing():
                if client is None:
                    client = stack.enter_context(self._client_factory())
                    check_client(client, self.profile)
                self._fetch_missing_upos(client)
        return report

    def _upos_missing(self) -> bool:
        from ksef_desktop.services.upo_fetch import anything_missing

        return anything_missing(self._db.connection(), self._now(), profile_id=self.profile.id)

    def _fetch_missing_upos(self, client: KsefClient) -> None:
        """UPOs that did not come with their verdicts (a firewall page instead, …)."""
        from ksef_desktop.services.upo_fetch import fetch_missing_upos

        done = fetch_missing_upos(
            client.transport, self._db, self._archive, self._now, profile_id=self.profile.id
        )
        if done.fetched or done.sessions or done.still_missing:
            log.info(
                "missing UPOs: %d invoice(s) and %d session(s) fetched, %d still missing",
                len(done.fetched),
                len(done.sessions),
                done.still_missing,
            )

    def _send(self, client: KsefClient, items: Sequence[OutboxItem], report: DrainReport) -> bool:
        batch = [
            InvoiceToSend(
                name=str(item.invoice_id),
                content=item.xml,
                offline=item.mode is not None,
                hash_of_corrected_invoice=item.hash_of_corrected,
            )
            for item in items
        ]
        try:
            sent = client.send_report(batch)
        except EnvironmentFault as exc:
            self._defer(items, exc, report)
            report.unreachable = True
            return False
        except KsefError as exc:
            # A verdict about the whole request (authentication refused, a session KSeF
            # cancelled): the invoices stay queued and the user is told why.
            self._defer(items, exc, report)
            return False
        self._record(sent, report)
        return True

    def _defer(self, items: Sequence[OutboxItem], exc: KsefError, report: DrainReport) -> None:
        message = exc.message()
        report.error = message
        log.warning("sending %d invoices deferred: %s", len(items), exc)
        for item in items:
            self.outbox.mark_failed(item.invoice_id, message)
            report.deferred.append(item.invoice_id)

    def _record(self, sent: SendReport, report: DrainReport) -> None:
        for session in sent.sessions:
            self._record_session(session)
            report.sessions.append(session.reference_number)
        for result in sent.results:
            self._record_result(result, report)

    def _record_result(self, result: InvoiceResult, report: DrainReport) -> None:
        invoice_id = int(result.name)
        if result.accepted:
            assert result.ksef_number is not None
            if result.adopted_duplicate:
                self.outbox.adopt_duplicate(
                    invoice_id,
                    result.ksef_number,
                    original_hash_b64=result.invoice_hash,
                    original_session_ref=result.session_reference,
                )
                if result.upo is not None:
                    self.outbox.add_upo(result.upo.content, invoice_id=invoice_id)
                report.adopted.append(invoice_id)
            else:
                self.outbox.mark_accepted(
                    invoice_id,
                    result.ksef_number,
                    upo=result.upo.content if result.upo is not None else None,
                    session_ref=result.session_reference,
                )
                report.accepted.append(invoice_id)
            return
        if result.postponed is not None:  # e.g. 21184: no verdict sought; send it again
            self.outbox.mark_failed(invoice_id, result.postponed.message())
            report.deferred.append(invoice_id)
            report.error = result.postponed.message()
            return
        rejection = result.rejection()
        if rejection is None:  # no verdict reached us: try again later
            self.outbox.mark_failed(invoice_id, _("KSeF gave no verdict for this invoice yet."))
            report.deferred.append(invoice_id)
            return
        details = "; ".join((rejection.description, *rejection.details)).strip("; ")
        self.outbox.mark_rejected(invoice_id, rejection.code, details)
        report.rejected.append(invoice_id)

    def _record_session(self, session: SessionOutcome) -> None:
        now = self._now()
        with self._db.transaction() as conn:
            record_session(
                conn,
                SessionRecord(
                    reference=session.reference_number,
                    environment=self.profile.environment.value,
                    kind=session.kind,
                    opened_at=now,
                    updated_at=now,
                    status_code=session.status.code,
                    status_text=session.status.description,
                    closed_at=now,
                ),
                profile_id=self.profile.id,
            )
        for page in session.upo_pages:
            self.outbox.add_upo(page.content, session_ref=session.reference_number)
