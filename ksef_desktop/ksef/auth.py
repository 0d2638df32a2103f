"""Authentication with a KSeF token, kept fresh for the life of a client (§2.4–§2.6).

challenge → RSA-OAEP(``token|timestampMs``) under the current KsefTokenEncryption
certificate → poll GET /auth/{ref} with backoff → redeem → refresh the access token
shortly before it expires and after a 401; a refused refresh starts over from the
challenge. The KSeF token is held in memory only, never logged or written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ksef_desktop.ksef import api_auth
from ksef_desktop.ksef.crypto import KSEF_TOKEN_ENCRYPTION, encrypt_ksef_token, select_certificate
from ksef_desktop.ksef.errors import (
    AuthExpired,
    AuthRejected,
    KsefUnavailable,
    RequestRejected,
)
from ksef_desktop.ksef.models import (
    AuthenticationContextIdentifier,
    AuthenticationInitResponse,
    InitTokenAuthenticationRequest,
    PublicKeyCertificate,
    TokenInfo,
)
from ksef_desktop.ksef.transport import Transport

log = logging.getLogger("ksef_desktop.ksef")

UNKNOWN_KEY = 21470


@dataclass(frozen=True)
class PollPolicy:
    """How to wait for asynchronous results: first delay, growth, cap and give-up time."""

    first: float = 0.2
    factor: float = 1.6
    cap: float = 5.0
    timeout: float = 600.0

    def delays(self) -> Callable[[], float]:
        state = {"next": self.first}

        def step() -> float:
            delay = state["next"]
            state["next"] = min(self.cap, delay * self.factor)
            return delay

        return step


class Certificates:
    """The Ministry's certificates, fetched once and again after a 21470."""

    def __init__(self, transport: Transport, now: Callable[[], datetime]) -> None:
        self._transport = transport
        self._now = now
        self._cached: list[PublicKeyCertificate] | None = None
        self._lock = threading.Lock()

    def get(self, usage: str) -> PublicKeyCertificate:
        with self._lock:
            if self._cached is None:
                self._cached = api_auth.security_public_key_certificates(self._transport)
            certificates = self._cached
        return select_certificate(certificates, usage, self._now())

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None


class SessionAuthenticator:
    """Gives a valid access token for one context, whatever the login started with.

    Subclasses start the login (``_start``: a KSeF token, a signed document); the rest
    is shared: poll the status, redeem once, refresh shortly before the access token
    expires and after a 401, start over when the refresh token is refused.
    """

    def __init__(
        self,
        transport: Transport,
        context: AuthenticationContextIdentifier,
        now: Callable[[], datetime],
        poll: PollPolicy | None = None,
        refresh_margin: timedelta = timedelta(seconds=60),
    ) -> None:
        self._transport = transport
        self._context = context
        self._now = now
        self._poll = poll or PollPolicy()
        self._margin = refresh_margin
        self._access: TokenInfo | None = None
        self._refresh: TokenInfo | None = None
        self._lock = threading.RLock()
        self.reference_number: str | None = None

    @property
    def context(self) -> AuthenticationContextIdentifier:
        return self._context

    # --- AccessTokenProvider ---------------------------------------------------------

    def access_token(self) -> str:
        with self._lock:
            if self._access is None:
                self.authenticate()
            elif self._now() >= self._access.valid_until - self._margin:
                self._renew()
            assert self._access is not None
            return self._access.token

    def renew_after_401(self, rejected: str) -> None:
        with self._lock:
            if self._access is not None and self._access.token != rejected:
                return  # another thread already renewed it
            self._renew()

    # --- the flow ----------------------------------------------------------------------

    def _renew(self) -> None:
        refresh = self._refresh
        if refresh is not None and self._now() < refresh.valid_until - self._margin:
            try:
                self._access = api_auth.auth_token_refresh(
                    self._transport, refresh.token
                ).access_token
                log.info("KSeF access token refreshed (auth %s)", self.reference_number)
                return
            except (AuthExpired, RequestRejected) as exc:
                log.info("KSeF refresh refused (%s); authenticating again", type(exc).__name__)
        self.authenticate()

    def authenticate(self) -> None:
        """The whole flow; raises ``AuthRejected`` with the final status on failure."""
        with self._lock:
            init = self._start_login()
            self.reference_number = init.reference_number
            operation_token = init.authentication_token.token
            self._wait_for_success(init.reference_number, operation_token)
            tokens = api_auth.auth_token_redeem(self._transport, operation_token)
            self._access = tokens.access_token
            self._refresh = tokens.refresh_token
            log.info("KSeF authenticated: %s", init.reference_number)

    def forget(self) -> None:
        """Drop the tokens held (the next call logs in again)."""
        with self._lock:
            self._access = None
            self._refresh = None

    def _start_login(self) -> AuthenticationInitResponse:
        raise NotImplementedError

    def _wait_for_success(self, reference: str, operation_token: str) -> None:
        delay = self._poll.delays()
        deadline = self._transport.monotonic() + self._poll.timeout
        while True:
            status = api_auth.auth_status(self._transport, reference, operation_token).status
            if status.code == 200:
                return
            if status.code != 100:
                raise AuthRejected(status.code, status.description, status.details, reference)
            if self._transport.monotonic() >= deadline:
                raise KsefUnavailable(0, None, f"authentication {reference} still in progress")
            self._transport.sleep(delay())


class TokenAuthenticator(SessionAuthenticator):
    """Gives a valid access token for one context (NIP) authenticated with a KSeF token."""

    def __init__(
        self,
        transport: Transport,
        certificates: Certificates,
        nip: str,
        ksef_token: str,
        now: Callable[[], datetime],
        poll: PollPolicy | None = None,
        refresh_margin: timedelta = timedelta(seconds=60),
        context_type: str = "Nip",
    ) -> None:
        super().__init__(
            transport, AuthenticationContextIdentifier(context_type, nip), now, poll, refresh_margin
        )
        self._certificates = certificates
        self._ksef_token = ksef_token

    def __repr__(self) -> str:
        return f"TokenAuthenticator({self._context.type}={self._context.value})"

    def _start_login(self) -> AuthenticationInitResponse:
        return self._start(retry_on_unknown_key=True)

    def _start(self, retry_on_unknown_key: bool) -> AuthenticationInitResponse:
        challenge = api_auth.auth_challenge(self._transport)
        cert = self._certificates.get(KSEF_TOKEN_ENCRYPTION)
        request = InitTokenAuthenticationRequest(
            challenge.challenge,
            self._context,
            encrypt_ksef_token(cert.certificate, self._ksef_token, challenge.timestamp_ms),
            cert.public_key_id,
        )
        try:
            return api_auth.auth_ksef_token(self._transport, request)
        except RequestRejected as exc:
            if UNKNOWN_KEY in exc.codes and retry_on_unknown_key:
                log.info("KSeF does not know our key id; fetching its certificates again")
                self._certificates.invalidate()
                return self._start(retry_on_unknown_key=False)
            raise
