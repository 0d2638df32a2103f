"""Profiles in the window (issue 14): switching between a Sandbox and a Test profile of
one NIP shows, counts and sends only the current profile's invoices, rebuilds the KSeF
client everywhere (the session browser lists the new environment's sessions), and
Production is used only after the user confirmed it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.secrets import SecretStore, token_entry
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.profiles import Environment, Profile
from ksef_desktop.ui.settings import DEMO_NIP
from tests.gui.helpers import wait_ready
from tests.unit.test_store_support import sample_invoice


def _issue_queued(store: Store, profile: Profile, prefix: str, count: int) -> list[int]:
    """``count`` offline24 invoices of ``profile``, issued and queued (as the editor does)."""
    now = datetime.now(UTC)
    today = warsaw_date(now)
    ids = []
    with store.db.transaction() as conn:
        series = create_series(conn, prefix, prefix + "/{n}", profile_id=profile.id, now=now)
    for i in range(count):
        invoice = sample_invoice(day=today, buyer=f"{prefix} kupiec {i}")
        with store.db.transaction() as conn:
            draft = create_draft(conn, invoice, profile_id=profile.id, now=now)
        issued = issue_invoice(
            store.db, store.archive, draft, profile_id=profile.id, now=lambda: now,
            series_id=series, mode="offline24", deadline=now + timedelta(days=1),
        )  # fmt: skip
        ids.append(issued.id)
    return ids


def _answer_next_box(button: Callable[[QMessageBox], object]) -> None:
    """Press a button of the next modal message box as soon as it is shown."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        target = button(box)
        assert target is not None
        target.click()  # type: ignore[attr-defined]

    QTimer.singleShot(0, press)


def _add_profile(qtbot, window, environment: str, token: str = "") -> None:
    dialog = window._add_profile()
    qtbot.waitUntil(dialog.isVisible)
    dialog.environment.setCurrentIndex(dialog.environment.findData(environment))
    assert dialog.nip.nip == DEMO_NIP  # the current company, in another environment
    if token:
        QTest.keyClicks(dialog.token, token)
    dialog.buttons.accepted.emit()


def _client_environment(qtbot, shell) -> str:
    """The environment of the KSeF client the context hands out now (made in the worker)."""
    got: list[str] = []
    shell.runner.submit(
        lambda job: shell.ctx.ksef_client().environment.name,
        got.append,
        lambda failure: got.append(f"failed: {failure.message}"),
    )
    qtbot.waitUntil(lambda: bool(got), timeout=15_000)
    return got[0]


def _press_ctrl(qtbot, window, key: Qt.Key) -> None:
    """Ctrl+key typed into the window (its invoice list has the focus)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    table = window.panels.invoices.table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    QTest.keyClick(table, key, Qt.KeyboardModifier.ControlModifier)


def _current(shell) -> Profile:
    profile: Profile | None = shell.controller.profile
    assert profile is not None
    return profile


def _received(shell) -> list[Any]:
    """The invoices the running Sandbox has received (none while it is not running)."""
    server = shell.ctx.sandbox
    return [] if server is None else list(server.core.state.invoices.values())


TOKEN = "20261206-EC-0000000000-0000000000-00|nip-5265877635|00"


@pytest.fixture(autouse=True)
def _forget_tokens() -> Iterator[None]:
    yield
    keyring = SecretStore()
    for env in ("test", "prod"):
        keyring.delete(token_entry(env, DEMO_NIP))


def test_switching_profiles_keeps_invoices_and_clients_apart(qtbot, make_shell) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    window, controller, ctx = shell.window, shell.controller, shell.ctx
    sandbox = _current(shell)
    assert sandbox.environment is Environment.SANDBOX
    assert window.band.isVisible()
    assert "PIASKOWNICA" in window.band.text()
    controller.declare_offline24(True)  # nothing leaves until we say so
    store = ctx.store()
    practice = _issue_queued(store, sandbox, "PR", 2)
    controller.reload()
    qtbot.waitUntil(lambda: len(window.offline.model.rows) == 2, timeout=15_000)
    qtbot.waitUntil(lambda: controller.counts.waiting == 2)

    # Another environment for the same NIP, through the Profile menu's dialog.
    _add_profile(qtbot, window, "test", token=TOKEN)
    qtbot.waitUntil(lambda: _current(shell).environment is Environment.TEST, timeout=15_000)
    wait_ready(qtbot, shell)
    test = _current(shell)
    assert test.nip == DEMO_NIP
    assert test.id != sandbox.id
    assert "Test" in window.windowTitle()
    assert "TEST" in window.band.text()
    assert "Test" in window.status.environment.text()
    qtbot.waitUntil(lambda: not window.panels.invoices.model.loading)
    assert window.panels.invoices.model.rowCount() == 0  # no practice invoice here
    assert window.offline.model.rows == []
    assert controller.counts.waiting == 0
    assert ctx.sandbox is None  # the Sandbox was left: its client cannot be used any more
    # "Send now" in Test sends nothing: the queue of this profile is empty.
    controller.send_pending()
    qtbot.waitUntil(shell.runner.is_idle, timeout=15_000)
    assert controller.counts.waiting == 0
    real = _issue_queued(store, test, "T", 1)
    assert _client_environment(qtbot, shell) == "test"  # the one client is Test's now

    # Back to the Sandbox with Ctrl+1 (the first profile of the menu).
    assert window.profile_actions[0].shortcut().toString() == "Ctrl+1"
    _press_ctrl(qtbot, window, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: _current(shell).id == sandbox.id, timeout=15_000)
    wait_ready(qtbot, shell)
    qtbot.waitUntil(lambda: len(window.offline.model.rows) == 2, timeout=15_000)
    shown = {r.invoice_id for r in window.offline.model.rows}
    assert shown == set(practice)
    assert not shown & set(real)
    controller.declare_offline24(False)
    controller.check_now()  # KSeF (the Sandbox) is there: what waits is sent
    qtbot.waitUntil(lambda: len(_received(shell)) == 2, timeout=60_000)
    qtbot.waitUntil(lambda: controller.counts.waiting == 0, timeout=60_000)
    sent = {r.invoice_number for r in _received(shell)}
    assert sent == {"PR/1", "PR/2"}  # the Test invoice T/1 never went to the Sandbox

    # The session browser asks the Sandbox, with the Sandbox's client, for its sessions.
    window.tabs.setCurrentIndex(1)
    sessions = window.panels.sessions
    sessions.apply_filter()
    qtbot.waitUntil(lambda: sessions.model.rowCount() >= 1 and not sessions.model.loading,
                    timeout=30_000)  # fmt: skip
    assert _client_environment(qtbot, shell) == "sandbox"

    # And to Test again: the browser forgets the Sandbox's sessions at once.
    _press_ctrl(qtbot, window, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: _current(shell).id == test.id, timeout=15_000)
    qtbot.waitUntil(lambda: sessions.model.rowCount() == 0, timeout=15_000)
    wait_ready(qtbot, shell)
    qtbot.waitUntil(lambda: not sessions.model.loading, timeout=30_000)
    # Test's own answer (it cannot be reached from here), never the Sandbox's sessions
    assert sessions.model.rowCount() == 0
    assert _client_environment(qtbot, shell) == "test"


def test_production_is_used_only_once_confirmed(qtbot, make_shell) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    sandbox = _current(shell)

    _answer_next_box(lambda box: box.button(QMessageBox.StandardButton.Cancel))
    _add_profile(qtbot, window, "prod")
    qtbot.waitUntil(shell.runner.is_idle, timeout=10_000)
    assert _current(shell).id == sandbox.id  # declined: nothing changed
    assert not [p for p in shell.controller.profiles if p.environment is Environment.PROD]

    _answer_next_box(lambda box: box.buttons()[0])  # "Use Production"
    _add_profile(qtbot, window, "prod", token=TOKEN)
    qtbot.waitUntil(lambda: _current(shell).environment is Environment.PROD, timeout=15_000)
    production = _current(shell)
    assert production.production_confirmed_at is not None
    qtbot.waitUntil(window.band.isHidden)  # the real thing: no practice band
    assert "Produkcja" in window.windowTitle()
    # Once confirmed, switching back to it does not ask again.
    assert not shell.controller.needs_production_confirmation("prod", DEMO_NIP)
