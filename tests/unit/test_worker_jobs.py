"""The Qt-free half of the worker: cancel tokens, progress throttling, error messages."""

from __future__ import annotations

import sqlite3

import pytest

from ksef_desktop import i18n
from ksef_desktop.ksef.errors import InvoiceRejected, NetworkError
from ksef_desktop.secrets import KeyringUnavailable
from ksef_desktop.worker import Cancelled, CancelToken, JobContext, Progress, describe


def test_check_raises_only_after_cancel() -> None:
    token = CancelToken()
    ctx = JobContext(token)
    ctx.check()
    token.cancel()
    assert ctx.cancelled
    with pytest.raises(Cancelled):
        ctx.check()


def test_progress_is_throttled_but_the_final_report_always_passes() -> None:
    now = [0.0]
    seen: list[Progress] = []
    ctx = JobContext(CancelToken(), seen.append, clock=lambda: now[0])
    ctx.progress(1, 10)
    ctx.progress(2, 10)  # same instant: dropped
    now[0] = 1.0
    ctx.progress(3, 10)
    ctx.progress(10, 10)  # the last one: kept though no time passed
    assert [p.done for p in seen] == [1, 3, 10]


@pytest.mark.parametrize(
    ("exc", "needle", "bug"),
    [
        (NetworkError("refused"), "KSeF", False),
        (InvoiceRejected(450, "Błąd semantyki"), "KSeF", False),
        (KeyringUnavailable("no keyring here"), "no keyring here", False),
        (sqlite3.OperationalError("database is locked"), "database is locked", False),
        (PermissionError(13, "Permission denied", "/x"), "/x", False),
        (ZeroDivisionError("division by zero"), "ZeroDivisionError", True),
    ],
)
def test_every_error_gets_one_message(exc: BaseException, needle: str, bug: bool) -> None:
    i18n.set_language("en")
    failure = describe(exc)
    assert needle in failure.message
    assert failure.bug is bug
    assert failure.exception is exc


def test_cancelled_is_not_an_error_to_shout_about() -> None:
    failure = describe(Cancelled())
    assert failure.cancelled
    assert not failure.bug
    assert failure.message == "Anulowano."
