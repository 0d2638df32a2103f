"""Typed errors of the KSeF client (DESIGN.md §6).

Three families, so that callers can act on the kind and never parse text:

- ``EnvironmentFault``: KSeF or the network let us down (``KsefUnavailable``,
  ``RateLimited``, ``AuthExpired``, ``NetworkError``). Retry later; tell the user
  "KSeF niedostępny".
- ``KsefVerdict``: KSeF looked at what we sent and said no (``InvoiceRejected``,
  ``AuthRejected``, ``SessionFailed``, ``RequestRejected``, ``Forbidden``). Show the
  official code with its explanation from :mod:`ksef_desktop.ksef.messages`.
- ``ProtocolError``: KSeF answered something this client does not understand: our bug
  (or KSeF's), logged with a trace.

``str(exc)`` never contains a token or invoice content: only codes, reference numbers
and KSeF's own descriptions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ksef_desktop.errors import UserError


class KsefError(UserError):
    """Base of every error raised by the KSeF client."""

    def message(self) -> str:
        """A sentence for the user in the current language."""
        from ksef_desktop.ksef.messages import describe

        return describe(self)


# --- the environment's fault -----------------------------------------------------------


class EnvironmentFault(KsefError):
    """KSeF or the network is not there right now; worth retrying later."""


class KsefUnavailable(EnvironmentFault):
    """KSeF answered 503 (planned unavailability) or kept failing with 5xx."""

    def __init__(self, status: int, retry_after: float | None = None, detail: str = "") -> None:
        self.status = status
        self.retry_after = retry_after
        self.detail = detail
        super().__init__(f"KSeF unavailable (HTTP {status}){': ' + detail if detail else ''}")


class RateLimited(EnvironmentFault):
    """HTTP 429 with a wait longer than the caller agreed to wait."""

    def __init__(self, retry_after: float, detail: str = "", group: str | None = None) -> None:
        self.retry_after = retry_after
        self.detail = detail
        self.group = group  # the rate-limit group (GET /rate-limits key), when known
        super().__init__(f"rate limited; retry after {retry_after:g} s")


class AuthExpired(EnvironmentFault):
    """The access token was refused (401) even after a refresh or a new authentication."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(f"access token expired or refused{': ' + detail if detail else ''}")


class NetworkError(EnvironmentFault):
    """No answer at all: connection refused, reset, timed out (after retries)."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"network error: {detail}")


class DeadlineExceeded(NetworkError):
    """One exchange ran past its overall deadline (an answer trickling in); not retried at
    once: the caller's own schedule tries again later."""

    def __init__(self, path: str, seconds: float) -> None:
        self.path = path
        self.seconds = seconds
        super().__init__(f"{path}: no complete answer within {seconds:g} s")


class SessionUnavailable(EnvironmentFault):
    """HTTP 400 with code 21184 on sending an invoice: the session is temporarily
    unavailable (maintenance). A reason to send again in a new session, never a verdict
    on the invoice."""

    code = 21184

    def __init__(self, reference_number: str | None = None, detail: str = "") -> None:
        self.reference_number = reference_number
        self.detail = detail
        super().__init__(f"session {reference_number or '?'} temporarily unavailable (21184)")


class UpoNotReceived(EnvironmentFault):
    """What came instead of a UPO is not one: no ``x-ms-meta-hash``, a body that is not
    UPO XML (e.g. a web firewall's HTML page with HTTP 200). Nothing is archived; the UPO
    is fetched again later or through the authenticated endpoints."""

    def __init__(self, reference: str, reason: str) -> None:
        self.reference = reference
        self.reason = reason
        super().__init__(f"UPO {reference} not received: {reason}")


# --- KSeF's verdicts -------------------------------------------------------------------


class KsefVerdict(KsefError):
    """KSeF refused something with an official code."""

    kind = "exception"

    def __init__(
        self,
        code: int,
        description: str = "",
        details: Sequence[str] = (),
        reference_number: str | None = None,
    ) -> None:
        self.code = code
        self.description = description
        self.details = tuple(details)
        self.reference_number = reference_number
        text = f"{type(self).__name__} {code}"
        if description:
            text += f": {description}"
        if self.details:
            text += " (" + "; ".join(self.details) + ")"
        if reference_number:
            text += f" [{reference_number}]"
        super().__init__(text)


class RequestRejected(KsefVerdict):
    """HTTP 400 with an exception code (21xxx …); ``codes`` lists all of them."""

    def __init__(
        self,
        code: int,
        description: str = "",
        details: Sequence[str] = (),
        reference_number: str | None = None,
        codes: Sequence[int] = (),
    ) -> None:
        self.codes = tuple(codes) or (code,)
        super().__init__(code, description, details, reference_number)


class Forbidden(KsefVerdict):
    """HTTP 403: missing permission, IP not allowed …; ``reason`` is KSeF's reasonCode."""

    kind = "http"

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(403, reason, (detail,) if detail else ())


class AuthRejected(KsefVerdict):
    """Authentication ended with a failure status (415, 425, 450, 460, 470, 480, 500, 550)."""

    kind = "auth"


class InvoiceRejected(KsefVerdict):
    """One invoice was refused (invoice status 405–550, or a 400 on sending it)."""

    kind = "invoice"

    def __init__(
        self,
        code: int,
        description: str = "",
        details: Sequence[str] = (),
        reference_number: str | None = None,
        extensions: Mapping[str, str | None] | None = None,
    ) -> None:
        self.extensions = dict(extensions or {})
        super().__init__(code, description, details, reference_number)


class SessionFailed(KsefVerdict):
    """A session ended with a failure status; ``session_kind`` is "online" or "batch"."""

    def __init__(
        self,
        session_kind: str,
        code: int,
        description: str = "",
        details: Sequence[str] = (),
        reference_number: str | None = None,
    ) -> None:
        self.kind = session_kind
        super().__init__(code, description, details, reference_number)


class UpoHashMismatch(KsefError):
    """A downloaded UPO does not match the ``x-ms-meta-hash`` KSeF announced."""

    def __init__(self, reference: str, announced: str, actual: str) -> None:
        self.reference = reference
        self.announced = announced
        self.actual = actual
        super().__init__(f"UPO {reference}: hash {actual} differs from announced {announced}")


class ProtocolError(KsefError):
    bug = True  # KSeF said what this client does not understand: the trace is logged

    """KSeF's answer does not match the contract: a bug on one side; logged with a trace."""


class AnswerTooLarge(ProtocolError):
    """An answer was larger than any answer of its kind can be; it was not read further."""

    def __init__(self, kind: str, max_bytes: int) -> None:
        self.answer_kind = kind
        self.max_bytes = max_bytes
        super().__init__(f"the {kind} answer is larger than {max_bytes // (1024 * 1024)} MiB")
