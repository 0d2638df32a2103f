"""Practising an outage from the window (issue 15, item 11; and item 4: an outage's end
sends what waits at once): the Sandbox menu, shown only while the profile works in the
Sandbox, starts and ends an unavailability, a failure and a total failure; the program
sees each at once, and sends what waited as soon as the outage ends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.offline import OfflineMode
from ksef_desktop.domain.offline_watch import Availability
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.services.sandbox_practice import Practice
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.profiles import Environment
from ksef_desktop.store.states import InvoiceState
from tests.gui.daily_loop_support import pdf_text
from tests.gui.helpers import wait_ready
from tests.gui.panels_support import fill_line, type_polish_buyer
from tests.unit.test_store_support import PID, sample_invoice

pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)


def test_the_sandbox_menu_starts_and_ends_outages(qtbot, make_shell):
    shell = make_shell()
    wait_ready(qtbot, shell)
    shell.ctx.settings["availability_minutes"] = 120  # no periodic check helps here
    controller, window = shell.controller, shell.window
    assert controller is not None
    assert window is not None
    controller.apply_settings()
    menu = window.sandbox_menu
    assert menu.menuAction().isVisible()
    actions = dict(zip(Practice, window.practice_actions, strict=True))
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "Rozpocznij planowaną &niedostępność",
        "Za&kończ niedostępność",
        "Ogłoś &awarię",
        "Ogłoś awarię &całkowitą",
        "Zakończ a&warię",
    ]
    messages: list[str] = []
    controller.message.connect(messages.append)

    def availability() -> Availability | None:
        found: Availability | None = controller.state.availability
        return found

    def mode() -> OfflineMode | None:
        found: OfflineMode | None = controller.decision.mode
        return found

    actions[Practice.START_FAILURE].trigger()
    qtbot.waitUntil(lambda: availability() is Availability.FAILURE, timeout=15_000)
    assert mode() is OfflineMode.AWARIA
    assert "Sandbox: ogłoszono awarię KSeF." in messages
    # Practising needs no certificate of one's own: the Sandbox profile gets a practice
    # one for KOD II on first need (an offline invoice is never issued without KOD II).
    assert not (controller.profile and controller.profile.offline_certificate)
    editor = window.panels.open_editor()
    assert editor is not None
    qtbot.waitUntil(lambda: editor.ready, timeout=10_000)
    type_polish_buyer(editor.form)
    fill_line(qtbot, editor.form, "Usługa", "1", "100", "23%")
    editor.issue()
    qtbot.waitUntil(lambda: editor.issued is not None, timeout=20_000)
    issued = editor.issued
    assert issued is not None
    assert issued.invoice.mode == "awaria"
    assert issued.pdf is not None, issued.pdf_problem
    assert "CERTYFIKAT" in pdf_text(issued.pdf)  # KOD II
    editor.send_now()
    conn = shell.ctx.store().db.connection()
    actions[Practice.END_FAILURE].trigger()
    qtbot.waitUntil(lambda: availability() is Availability.AVAILABLE, timeout=15_000)
    qtbot.waitUntil(
        lambda: get_invoice(conn, issued.invoice.id, profile_id=PID).state is InvoiceState.ACCEPTED,
        timeout=30_000,
    )  # the failure's end sends it at once

    actions[Practice.START_TOTAL_FAILURE].trigger()
    qtbot.waitUntil(lambda: availability() is Availability.TOTAL_FAILURE, timeout=15_000)
    actions[Practice.END_FAILURE].trigger()
    qtbot.waitUntil(lambda: availability() is Availability.AVAILABLE, timeout=15_000)

    # An invoice issued during a planned unavailability goes as soon as it ends.
    actions[Practice.START_UNAVAILABILITY].trigger()
    qtbot.waitUntil(lambda: availability() is Availability.MAINTENANCE, timeout=15_000)
    assert mode() is OfflineMode.OFFLINE
    store = shell.ctx.store()
    now = datetime.now(UTC)
    with store.db.transaction() as tx:
        series = create_series(tx, "PR", "PR/{yyyy}/{mm}/{n}", now=now, profile_id=PID)
        draft = create_draft(tx, sample_invoice(day=warsaw_date(now)), now=now, profile_id=PID)
    issue_invoice(
        store.db, store.archive, draft, now=lambda: now, series_id=series, mode="offline",
        deadline=None, profile_id=PID,
    )  # fmt: skip
    controller.reload()
    qtbot.waitUntil(shell.runner.is_idle, timeout=15_000)
    assert get_invoice(conn, draft, profile_id=PID).state is InvoiceState.QUEUED
    actions[Practice.END_UNAVAILABILITY].trigger()
    qtbot.waitUntil(
        lambda: get_invoice(conn, draft, profile_id=PID).state is InvoiceState.ACCEPTED,
        timeout=30_000,
    )

    # Another environment has no such menu (and its actions do nothing).
    profile = controller.profile
    assert profile is not None
    window._profile_changed(replace(profile, environment=Environment.TEST))
    assert not menu.menuAction().isVisible()
    assert not any(a.isEnabled() for a in window.practice_actions)
    window._profile_changed(profile)
    assert menu.menuAction().isVisible()


def test_a_practice_certificate_is_made_in_the_sandbox_only(qtbot, make_shell):
    from ksef_desktop.services.sandbox_practice import offline_signing_for
    from ksef_desktop.store.profiles import ensure_profile

    shell = make_shell()
    wait_ready(qtbot, shell)
    store = shell.ctx.store()
    profile = shell.ctx.profile_now()
    signing = offline_signing_for(shell.ctx.secrets, store, profile.id, shell.ctx.now())
    assert signing is not None
    assert "content_commitment" in (signing.certificate.key_usage or ())
    again = offline_signing_for(shell.ctx.secrets, store, profile.id, shell.ctx.now())
    assert again is not None
    assert again.certificate.serial == signing.certificate.serial  # made once, then kept
    with store.db.transaction() as conn:
        test = ensure_profile(conn, "test", profile.nip, now=shell.ctx.now())
    assert offline_signing_for(shell.ctx.secrets, store, test.id, shell.ctx.now()) is None
