"""Every error of a background operation becomes one user message here, in one place.

A ``UserError`` (KSeF unavailable or its verdict, the keyring, the store, a file refused…)
brings its own sentence; the system's file and database errors get a plain one; anything
else is our bug: logged with its trace and shown as a program error (never swallowed).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from ksef_desktop.errors import UserError, os_error_message
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


def describe(exc: BaseException) -> Failure:
    """The ``Failure`` for ``exc``; unexpected exceptions are logged with their trace.

    One question decides: is it a ``UserError`` (every layer's errors for the user are,
    ``ksef_desktop.errors``)? Then its ``message()`` is the sentence. A file or the
    database failing under us (the system's errors) gets a plain sentence too; anything
    else is a program error."""
    if isinstance(exc, Cancelled):
        return Failure(exc, _("Cancelled."), cancelled=True)
    if isinstance(exc, UserError):
        if exc.bug:
            log.error("error in a background operation", exc_info=exc)
        return Failure(exc, exc.message(), bug=exc.bug)
    if isinstance(exc, OSError):
        return Failure(exc, os_error_message(exc))
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
