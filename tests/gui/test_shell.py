"""The main window shell against the program's own Sandbox on a free port.

Each test builds the real program (``Shell``): settings in a temporary data directory,
the worker thread, the in-process Sandbox, the real keyring of the test session.
"""

from __future__ import annotations

import httpx
import pytest
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QTabWidget

from ksef_desktop.domain.offline import OfflineMode
from ksef_desktop.domain.offline_watch import Availability
from ksef_desktop.secrets import SecretStore, token_entry
from ksef_desktop.ui.app import Shell
from ksef_desktop.ui.settings import DEMO_NIP, Settings
from tests.gui.helpers import wait_ready


def test_the_main_window_shows_environment_nip_token_and_ksef(qtbot, make_shell) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    status = window.status
    assert "Sandbox" in status.environment.text()
    qtbot.waitUntil(lambda: "token zapisany" in status.nip.text(), timeout=10_000)
    assert "526-587-76-35" in status.nip.text()
    assert status.ksef.text() == "KSeF: dostępny"
    assert status.outbox.text().startswith("Do wysłania: 0 oczekuje")
    stored = SecretStore().get(token_entry("sandbox", DEMO_NIP))
    assert stored is not None
    assert stored == shell.ctx.sandbox.tokens[DEMO_NIP]
    texts = " ".join(label.text() for label in window.findChildren(QLabel))
    assert stored not in texts, "the token must never be shown"


def test_tabs_are_the_real_panels(qtbot, make_shell) -> None:
    """The sessions and contractors panels are built when their tab is first shown (not
    for the first frame), in place of an empty page, and that tab stays current."""
    from ksef_desktop.ui.contractors import ContractorsPanel
    from ksef_desktop.ui.invoice_list import InvoiceListPanel
    from ksef_desktop.ui.sessions_panel import SessionsPanel

    shell = make_shell()
    window = shell.window
    tabs: QTabWidget = window.tabs
    texts = ["&Faktury", "&Sesje KSeF", "&Offline", "Kontr&ahenci"]
    assert [tabs.tabText(i) for i in range(tabs.count())] == texts
    assert isinstance(tabs.widget(0), InvoiceListPanel)
    assert type(tabs.widget(1)).__name__ == type(tabs.widget(3)).__name__ == "QWidget"
    tabs.setCurrentIndex(1)
    assert isinstance(tabs.widget(1), SessionsPanel)
    assert tabs.currentIndex() == 1
    assert tabs.currentWidget() is window.panels.sessions
    assert [tabs.tabText(i) for i in range(tabs.count())] == texts
    contractors = window.panels.contractors  # asked for directly: built and put in place
    assert tabs.widget(3) is contractors
    assert tabs.currentIndex() == 1
    assert isinstance(contractors, ContractorsPanel)
    contractors.message.emit("from the contractors")
    assert window.status.currentMessage() == "from the contractors"
    tabs.setCurrentIndex(3)
    assert tabs.currentWidget() is contractors
    qtbot.waitUntil(lambda: shell.runner.is_idle(), timeout=10_000)  # their list loaded


def test_qt_standard_buttons_speak_polish(qtbot, make_shell) -> None:
    shell = make_shell()
    assert shell.qt_catalog_loaded
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Anuluj"


def test_english_is_the_second_language(qtbot, make_shell) -> None:
    shell = make_shell(lang="en")
    tabs = shell.window.tabs
    assert tabs.tabText(0) == "&Invoices"
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Cancel"


def test_every_menu_and_action_has_a_keyboard_path(qtbot, make_shell) -> None:
    window = make_shell().window
    menus = [a.menu() for a in window.menuBar().actions()]
    assert len(menus) >= 4
    for menu_action in window.menuBar().actions():
        assert "&" in menu_action.text(), menu_action.text()
        for action in menu_action.menu().actions():
            if action.isSeparator():
                continue
            assert "&" in action.text() or not action.shortcut().isEmpty(), action.text()
    assert "&" in window.offline.send.text()


def test_stretched_strings_keep_the_window_usable(qtbot, make_shell, monkeypatch) -> None:
    monkeypatch.setenv("KSEF_DESKTOP_STRETCH", "1")
    shell = make_shell()
    window = shell.window
    assert window.tabs.tabText(0).startswith("&Faaktuury")
    assert window.minimumSizeHint().width() <= 1000
    window.resize(1000, 600)
    assert window.width() == 1000
    # the status bar shortens its texts instead of widening the window
    assert len(window.status.outbox.text()) > 40


def test_an_outage_shows_in_the_status_bar_and_the_offline_panel(qtbot, make_shell) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    controller, window = shell.controller, shell.window
    assert window.offline.banner.isHidden()
    server = shell.ctx.sandbox.server_url
    httpx.post(f"{server}/_sandbox/failure", json={}).raise_for_status()
    controller.check_now()
    qtbot.waitUntil(lambda: controller.state.availability is Availability.FAILURE, timeout=15_000)
    assert window.status.ksef.text() == "KSeF: ogłoszona awaria"
    assert mode_of(shell) is OfflineMode.AWARIA
    assert controller.decision.automatic
    assert not window.offline.banner.isHidden()
    assert "awaria" in window.offline.banner.text()
    assert "ogłoszona awaria" in window.offline.ksef.text()
    assert controller.state.announcements, "the failure's announcement was not read"

    httpx.post(f"{server}/_sandbox/failure/end", json={}).raise_for_status()
    controller.check_now()
    qtbot.waitUntil(lambda: controller.state.availability is Availability.AVAILABLE, timeout=15_000)
    assert mode_of(shell) is None
    assert window.offline.banner.isHidden()


def mode_of(shell: Shell) -> OfflineMode | None:
    assert shell.controller is not None
    return shell.controller.decision.mode


def test_declaring_offline24_by_hand(qtbot, make_shell) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    window.declare.trigger()
    assert mode_of(shell) is OfflineMode.OFFLINE24
    assert not shell.controller.decision.automatic
    assert "Zadeklarowano tryb offline24" in window.offline.banner.text()
    qtbot.waitUntil(shell.runner.is_idle, timeout=10_000)
    assert Settings(shell.ctx.data_dir)["declared_offline24"] is True
    window.declare.trigger()
    assert mode_of(shell) is None


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_the_window_remembers_its_geometry(qtbot, make_shell, tmp_path, lang) -> None:
    first = make_shell(lang=lang, data_dir=tmp_path / "geo")
    first.window.resize(700, 455)  # the offscreen screen is 800 x 600
    size = first.window.size()
    assert size.height() == 455
    first.close()  # the program ends (a window closed alone keeps the data folder)
    second = make_shell(lang=lang, data_dir=tmp_path / "geo")
    assert second.window.size() == size


def test_the_stretch_switch_is_also_a_setting(qtbot, make_shell) -> None:
    shell = make_shell(setup=False)
    shell.ctx.settings["stretch_strings"] = True
    shell.apply_language()
    shell.apply_setup(shell.demo_setup())
    window = shell.open_main()
    assert window.tabs.tabText(0).startswith("&Faaktuury")
    assert "~" in window.offline.send.text()


def test_a_closed_program_stops_checking_ksef(qtbot, make_shell) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    controller = shell.controller
    assert controller is not None
    assert controller._timer.isActive()
    shell.close()
    assert not controller._timer.isActive()
    controller.check_now()  # a late timer tick or menu action: harmless, nothing submitted
    assert not shell.runner.running
