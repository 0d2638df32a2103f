"""Every error of a background operation becomes one user message here, in one place.

The environment's fault (KSeF unavailable, network, keyring, disk) and KSeF's verdicts
get a sentence for the user; anything else is our bug: logged with its trace and shown
as a program error (never swallowed).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from ksef_desktop.i18n import _
from ksef_desktop.worker.jobs import Cancelled

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """What ``on_error`` receives: the exception and the sentence to show."""

    exception: BaseException
    message: str
    cancelled: bool = False
    bug: bool = False


def _ksef_message(exc: BaseException) -> str | None:
    try:
        from ksef_desktop.ksef.errors import KsefError
    except ImportError:  # pragma: no cover - the client is part of every build
        return None
    return exc.user_message() if isinstance(exc, KsefError) else None


def _secrets_message(exc: BaseException) -> str | None:
    from ksef_desktop.secrets import KeyringUnavailable

    return str(exc) if isinstance(exc, KeyringUnavailable) else None


def _token_message(exc: BaseException) -> str | None:
    """Errors whose ``str()`` is already a translated sentence for the user."""
    from ksef_desktop.ksef.tokens import TokenMissing
    from ksef_desktop.visual.certificates import CertificateError

    return str(exc) if isinstance(exc, TokenMissing | CertificateError) else None


def _network_message(exc: BaseException) -> str | None:
    import httpx

    if isinstance(exc, httpx.HTTPError):
        return _("KSeF cannot be reached (no network or no answer); try again later.")
    return None


def _own_message(exc: BaseException) -> str | None:
    """Errors of our own packages that carry a user message (``message()``)."""
    method = getattr(exc, "message", None)
    if callable(method) and type(exc).__module__.startswith("ksef_desktop."):
        text = method()
        return text if isinstance(text, str) else None
    return None


def describe(exc: BaseException) -> Failure:
    """The ``Failure`` for ``exc``; unexpected exceptions are logged with their trace."""
    if isinstance(exc, Cancelled):
        return Failure(exc, _("Cancelled."), cancelled=True)
    probes = (_ksef_message, _secrets_message, _token_message, _network_message, _own_message)
    for probe in probes:
        text = probe(exc)
        if text is not None:
            return Failure(exc, text)
    if isinstance(exc, OSError):
        detail = exc.strerror or str(exc)
        if exc.filename:
            detail = f"{exc.filename}: {detail}"
        return Failure(
            exc, _("A file could not be read or written: {detail}").format(detail=detail)
        )
    if isinstance(exc, sqlite3.Error):
        return Failure(exc, _("The database could not be used: {detail}").format(detail=exc))
    log.error("unexpected error in a background operation", exc_info=exc)
    from ksef_desktop.logs import current_log_file, redact

    return Failure(
        exc,
        _("Unexpected error (a program error; details in the log {path}): {detail}").format(
            detail=redact(f"{type(exc).__name__}: {exc}"), path=current_log_file()
        ),
        bug=True,
    )
