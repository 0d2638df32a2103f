"""Authentication by signature (KSEF-PROTOCOL.md §2.3), kept fresh like a token login.

challenge → ``AuthTokenRequest`` → XAdES signature → POST /auth/xades-signature → the
shared poll / redeem / refresh of ``SessionAuthenticator``. Two ways to sign:

- with a ``Signer`` held in memory (a certificate file, a KSeF Authentication
  certificate, a self-signed certificate on Test): every new login signs a new request;
- with a document signed elsewhere (``signed``): it carries its own challenge, so it
  logs in once; when the refresh token runs out, ``AuthExpired`` says a new signature
  is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ksef_desktop.ksef import api_auth
from ksef_desktop.ksef.auth import PollPolicy, SessionAuthenticator
from ksef_desktop.ksef.errors import AuthExpired
from ksef_desktop.ksef.models import AuthenticationContextIdentifier, AuthenticationInitResponse
from ksef_desktop.ksef.transport import Transport
from ksef_desktop.ksef.xades import (
    CERTIFICATE_SUBJECT,
    Context,
    Signer,
    auth_token_request,
    sign_request,
)

log = logging.getLogger("ksef_desktop.ksef")


class XadesAuthenticator(SessionAuthenticator):
    """Access tokens for one context from a login by signature."""

    def __init__(
        self,
        transport: Transport,
        nip: str,
        now: Callable[[], datetime],
        *,
        signer: Signer | None = None,
        signed: bytes | None = None,
        subject_type: str = CERTIFICATE_SUBJECT,
        verify_certificate_chain: bool | None = None,
        poll: PollPolicy | None = None,
        refresh_margin: timedelta = timedelta(seconds=60),
        context_type: str = "Nip",
    ) -> None:
        if (signer is None) == (signed is None):
            raise ValueError("give either a signer or a signed document")
        super().__init__(
            transport, AuthenticationContextIdentifier(context_type, nip), now, poll, refresh_margin
        )
        self._signer = signer
        self._signed = signed
        self._subject_type = subject_type
        self._verify_chain = verify_certificate_chain

    def __repr__(self) -> str:
        how = "signer" if self._signer is not None else "signed document"
        return f"XadesAuthenticator({self._context.type}={self._context.value}, {how})"

    @property
    def signer(self) -> Signer | None:
        return self._signer

    def _start_login(self) -> AuthenticationInitResponse:
        if self._signer is not None:
            challenge = api_auth.auth_challenge(self._transport)
            context = Context(self._context.type, self._context.value)
            unsigned = auth_token_request(challenge.challenge, context, self._subject_type)
            document = sign_request(unsigned, self._signer)
        elif self._signed is not None:
            document, self._signed = self._signed, None  # its challenge works once
        else:
            raise AuthExpired("the login by signature has ended; sign a new request")
        init = api_auth.auth_xades_signature(
            self._transport, document, verify_certificate_chain=self._verify_chain
        )
        log.info("KSeF login by signature started: %s", init.reference_number)
        return init
