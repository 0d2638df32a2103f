"""Credentials and access as the rest of the program uses them: tokens, KSeF
certificates, permissions and the login audit of one context (KSEF-PROTOCOL.md §2.6, §8).

``AccessClient`` works over any login: the profile's KSeF token (``KsefClient.access()``)
for what a token may do (list logins, tokens with ``CredentialsRead``), or a login by
signature (``AccessClient.signed_in``) for the rest: generating tokens, certificates,
granting permissions. Asynchronous operations (enrolment, grants) are polled to their end
with the client's ``PollPolicy``; a failure is ``OperationFailed`` with the official code.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

import httpx

from ksef_desktop.ksef import api_access, api_auth, api_invoices, api_permissions
from ksef_desktop.ksef.auth import PollPolicy, SessionAuthenticator
from ksef_desktop.ksef.auth_xades import XadesAuthenticator
from ksef_desktop.ksef.environments import Environment
from ksef_desktop.ksef.errors import (
    Forbidden,
    KsefUnavailable,
    OperationFailed,
    ProtocolError,
    RequestRejected,
)
from ksef_desktop.ksef.models import StatusInfo
from ksef_desktop.ksef.models_access import (
    AuthenticationListItem,
    CertificateEnrollmentDataResponse,
    CertificateEnrollmentStatusResponse,
    CertificateLimitsResponse,
    CertificateListItem,
    EnrollCertificateRequest,
    EntityAuthorizationGrant,
    GenerateTokenRequest,
    GenerateTokenResponse,
    Identifier,
    PersonPermission,
    QueryTokensResponseItem,
    RetrieveCertificatesListItem,
)
from ksef_desktop.ksef.transport import RetryPolicy, Transport
from ksef_desktop.ksef.xades import CERTIFICATE_SUBJECT, Signer

log = logging.getLogger("ksef_desktop.ksef")


class AccessClient:
    """Credentials and access of the context ``auth`` logged in to."""

    def __init__(
        self,
        transport: Transport,
        auth: SessionAuthenticator,
        poll: PollPolicy | None = None,
        *,
        paced: bool = False,
    ) -> None:
        self.transport = transport
        self.auth = auth
        self.poll = poll or PollPolicy()
        self._paced = paced  # True: the transport's gate knows the context's limits

    @classmethod
    def signed_in(
        cls,
        http: httpx.Client,
        environment: Environment,
        nip: str,
        *,
        now: Callable[[], datetime],
        signer: Signer | None = None,
        signed: bytes | None = None,
        subject_type: str = CERTIFICATE_SUBJECT,
        verify_certificate_chain: bool | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
    ) -> AccessClient:
        """A client whose logins are by signature (nothing is sent before the first call
        or ``authenticate()``)."""
        transport = Transport(
            http,
            environment,
            sleep=sleep,
            monotonic=monotonic,
            rng=random.Random(),  # noqa: S311 - jitter, not cryptography
            policy=retry or RetryPolicy(),
        )
        auth = XadesAuthenticator(
            transport,
            nip,
            now,
            signer=signer,
            signed=signed,
            subject_type=subject_type,
            verify_certificate_chain=verify_certificate_chain,
            poll=poll,
        )
        transport.tokens = auth
        return cls(transport, auth, poll)

    @property
    def nip(self) -> str:
        return self.auth.context.value

    def _t(self) -> Transport:
        """The transport, paced by the limits KSeF states for this context (GET
        /rate-limits, asked once; production values when it cannot be read)."""
        if not self._paced:
            self.auth.access_token()  # log in first: a refused login is the caller's answer
            self._paced = True
            try:
                limits = api_invoices.rate_limits(self.transport)
            except (RequestRejected, Forbidden, ProtocolError) as exc:
                log.info("KSeF rate limits unavailable (%s); pacing by production values", exc)
            else:
                assert self.transport.gate is not None
                self.transport.gate.set_limits(limits)
        return self.transport

    def authenticate(self) -> str:
        """Log in now; the login's reference number."""
        self.auth.authenticate()
        assert self.auth.reference_number is not None
        return self.auth.reference_number

    def _wait(self, read: Callable[[], StatusInfo], kind: str, reference: str) -> StatusInfo:
        delay = self.poll.delays()
        deadline = self.transport.monotonic() + self.poll.timeout
        while True:
            status = read()
            if status.code == 200:
                return status
            if status.code != 100:
                raise OperationFailed(
                    kind, status.code, status.description, status.details, reference
                )
            if self.transport.monotonic() >= deadline:
                raise KsefUnavailable(0, None, f"{kind} {reference} still in progress")
            self.transport.sleep(delay())

    # --- KSeF tokens --------------------------------------------------------------------------

    def generate_token(self, permissions: Sequence[str], description: str) -> GenerateTokenResponse:
        """A new KSeF token (after a login by signature); the token is shown only here."""
        request = GenerateTokenRequest(tuple(permissions), description)
        return api_access.tokens_generate(self._t(), request)

    def tokens(self, statuses: Sequence[str] = ()) -> Iterator[QueryTokensResponseItem]:
        """The context's tokens, newest first, every page."""
        continuation: str | None = None
        while True:
            page = api_access.tokens_query(
                self._t(), statuses=statuses, continuation_token=continuation
            )
            yield from page.tokens
            continuation = page.continuation_token
            if not continuation:
                return

    def token(self, reference_number: str) -> QueryTokensResponseItem:
        return api_access.token_status(self._t(), reference_number)

    def revoke_token(self, reference_number: str) -> None:
        api_access.token_revoke(self._t(), reference_number)

    # --- KSeF certificates --------------------------------------------------------------------

    def certificate_limits(self) -> CertificateLimitsResponse:
        return api_access.certificates_limits(self._t())

    def enrollment_data(self) -> CertificateEnrollmentDataResponse:
        return api_access.certificates_enrollment_data(self._t())

    def enrol(
        self, name: str, certificate_type: str, csr: bytes, valid_from: datetime | None = None
    ) -> RetrieveCertificatesListItem:
        """Request a certificate for ``csr`` (DER), wait until KSeF issued it, fetch it."""
        request = EnrollCertificateRequest(name, certificate_type, csr, valid_from)
        started = api_access.certificates_enroll(self._t(), request)
        ref = started.reference_number
        last: list[CertificateEnrollmentStatusResponse] = []

        def status() -> StatusInfo:
            last[:] = [api_access.certificates_enrollment_status(self._t(), ref)]
            return last[0].status

        self._wait(status, "certificate", ref)
        serial = last[0].certificate_serial_number
        if not serial:
            raise OperationFailed("certificate", 500, "no serial number", (), ref)
        (item,) = self.retrieve([serial])
        return item

    def retrieve(self, serials: Sequence[str]) -> list[RetrieveCertificatesListItem]:
        found = api_access.certificates_retrieve(self._t(), serials)
        by_serial = {i.certificate_serial_number: i for i in found}
        missing = [s for s in serials if s not in by_serial]
        if missing:
            raise OperationFailed("certificate", 404, "not retrieved", tuple(missing))
        return [by_serial[s] for s in serials]

    def certificates(
        self, certificate_type: str | None = None, status: str | None = None
    ) -> Iterator[CertificateListItem]:
        """The subject's certificates, newest request first, every page."""
        offset = 0
        while True:
            page = api_access.certificates_query(
                self._t(), certificate_type=certificate_type, status=status, page_offset=offset
            )
            yield from page.certificates
            if not page.has_more:
                return
            offset += 1

    def revoke_certificate(self, serial: str, reason: str | None = None) -> None:
        api_access.certificate_revoke(self._t(), serial, reason)

    # --- permissions ----------------------------------------------------------------------------

    def _operation(self, reference: str) -> str:
        def status() -> StatusInfo:
            return api_permissions.operation_status(self._t(), reference).status

        self._wait(status, "permission", reference)
        return reference

    def grant_to_person(
        self,
        subject: Identifier,
        permissions: Sequence[str],
        description: str,
        first_name: str,
        last_name: str,
    ) -> str:
        ref = api_permissions.grant_to_person(
            self._t(), subject, permissions, description, first_name, last_name
        )
        return self._operation(ref)

    def grant_to_entity(
        self, nip: str, permissions: Sequence[tuple[str, bool]], description: str, full_name: str
    ) -> str:
        ref = api_permissions.grant_to_entity(self._t(), nip, permissions, description, full_name)
        return self._operation(ref)

    def grant_authorization(
        self, nip: str, permission: str, description: str, full_name: str
    ) -> str:
        ref = api_permissions.grant_authorization(
            self._t(), nip, permission, description, full_name
        )
        return self._operation(ref)

    def permissions(self) -> Iterator[PersonPermission]:
        """Every permission in force in the context (persons and entities)."""
        offset = 0
        while True:
            page = api_permissions.query_persons(self._t(), page_offset=offset)
            yield from page.permissions
            if not page.has_more:
                return
            offset += 1

    def authorizations(self) -> Iterator[EntityAuthorizationGrant]:
        """The entity authorisations the context granted (self-invoicing …)."""
        offset = 0
        while True:
            page = api_permissions.query_authorizations(self._t(), page_offset=offset)
            yield from page.authorization_grants
            if not page.has_more:
                return
            offset += 1

    def revoke_permission(self, permission_id: str, *, authorization: bool = False) -> str:
        revoke = (
            api_permissions.revoke_authorization if authorization else api_permissions.revoke_common
        )
        return self._operation(revoke(self._t(), permission_id))

    # --- logins -----------------------------------------------------------------------------------

    def logins(self) -> Iterator[AuthenticationListItem]:
        """The context's active authentications (newest first), every page."""
        continuation: str | None = None
        while True:
            page = api_auth.auth_sessions(self._t(), continuation_token=continuation)
            yield from page.items
            continuation = page.continuation_token
            if not continuation:
                return

    def revoke_login(self, reference_number: str) -> None:
        """End a login: its refresh token stops working (issued access tokens live on)."""
        if reference_number == self.auth.reference_number:
            api_auth.auth_sessions_revoke_current(self._t())
        else:
            api_auth.auth_sessions_revoke(self._t(), reference_number)
