"""The main window: it composes the panels, the menus and the status bar, nothing more.

The session and contractor tabs start as empty pages; their panels are built when the
tab is first shown (or a panel is first asked for), which keeps their imports and
widgets out of the time to the first frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop import __version__
from ksef_desktop.i18n import _
from ksef_desktop.services.sandbox_practice import PRACTICES
from ksef_desktop.store.profiles import Environment, Profile
from ksef_desktop.ui.controller import Controller
from ksef_desktop.ui.editor_host import PanelsHost
from ksef_desktop.ui.offline_panel import OfflinePanel
from ksef_desktop.ui.profiles_ui import (
    EnvironmentBand,
    NewProfile,
    ProfileDialog,
    confirm_production,
)
from ksef_desktop.ui.security_hooks import install_certificate_notice
from ksef_desktop.ui.status_bar import KsefStatusBar
from ksef_desktop.ui.tray import Notifier, app_icon

if TYPE_CHECKING:
    from ksef_desktop.ui.jpk_dialog import JpkDialog

#: Where each tab is (the order they are added in ``MainWindow.__init__``).
TABS = {
    "invoices": 0,
    "sessions": 1,
    "offline": 2,
    "contractors": 3,
    "purchases": 4,
    "security": 5,
}


class MainWindow(QMainWindow):
    settings_requested = Signal()
    closing = Signal()

    def __init__(self, controller: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle(_("KSeF Desktop"))
        icon = QApplication.windowIcon()  # ui.app.application gave it ours: no second drawing
        self.setWindowIcon(app_icon() if icon.isNull() else icon)
        self.offline = OfflinePanel(controller.ctx.now)
        self.tabs = QTabWidget()
        self.panels = PanelsHost(controller, self)
        self.tabs.addTab(self.panels.invoices, _("&Invoices"))
        self.tabs.addTab(QWidget(), _("KSeF &sessions"))
        self.tabs.addTab(self.offline, _("&Offline"))
        self.tabs.addTab(QWidget(), _("&Contractors"))
        self.tabs.addTab(QWidget(), _("Purchases (&Z)"))
        self.tabs.addTab(QWidget(), _("Securit&y"))
        #: Tabs whose panel is built on first show: index -> how to get it built.
        self._later: dict[int, Callable[[], QWidget]] = {
            TABS["sessions"]: lambda: self.panels.sessions,
            TABS["contractors"]: lambda: self.panels.contractors,
            TABS["purchases"]: lambda: self.panels.purchases,
            TABS["security"]: lambda: self.panels.security,
        }
        self.panels.panel_built.connect(self._place)
        self.tabs.currentChanged.connect(self._tab_shown)
        self.band = EnvironmentBand()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.band)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.status = KsefStatusBar(controller.runner)
        self.setStatusBar(self.status)
        self.notifier = Notifier(self)
        self.restore_box: QMessageBox | None = None
        self.jpk: JpkDialog | None = None
        self._menus()
        self.certificate_notice = install_certificate_notice(self)

        c = controller
        c.ksef_changed.connect(self.status.set_ksef)
        c.ksef_changed.connect(self.offline.set_ksef)
        c.mode_changed.connect(self.offline.set_mode)
        c.rows_changed.connect(self.offline.set_rows)
        c.outbox_changed.connect(self.status.set_outbox)
        c.outbox_changed.connect(self.offline.set_counts)
        c.alert.connect(self._alert)
        c.identity_changed.connect(self.status.set_identity)
        c.profile_changed.connect(self._profile_changed)
        c.profiles_changed.connect(self._profiles_changed)
        c.store_damaged.connect(self._offer_restore)
        c.message.connect(lambda text: self.status.showMessage(text, 10_000))
        self.offline.send_requested.connect(c.send_pending)
        self.offline.alert.connect(self._alert)
        self.panels.invoices.message.connect(lambda text: self.status.showMessage(text, 10_000))
        self.panels.wire()
        self.panels.start()
        self.status.set_identity(c.ctx.env_name, c.ctx.nip, False)
        self.offline.set_mode(c.decision)
        if c.profile is not None:
            self._profile_changed(c.profile)
            self._profiles_changed(c.profiles)

    # --- tabs built on first show -----------------------------------------------------------

    def _tab_shown(self, index: int) -> None:
        build = self._later.get(index)
        if build is not None:
            build()  # PanelsHost builds the panel and emits panel_built: see _place

    def _place(self, name: str, panel: QWidget) -> None:
        """Put a panel just built in place of its tab's empty page."""
        index = TABS[name]
        self._later.pop(index, None)
        page = self.tabs.widget(index)
        text, current = self.tabs.tabText(index), self.tabs.currentIndex()
        self.tabs.blockSignals(True)  # the same tab stays current; nothing else changes
        try:
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, panel, text)
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(False)
        if page is not None:
            page.deleteLater()
        message = getattr(panel, "message", None)
        if message is not None:
            message.connect(lambda text: self.status.showMessage(text, 10_000))

    def _action(self, text: str, shortcut: str | None, slot: Callable[..., object]) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu(_("&File"))
        file.addAction(self._action(_("&Settings…"), "Ctrl+,", self.settings_requested.emit))
        file.addSeparator()
        file.addAction(self._action(_("&Quit"), "Ctrl+Q", self.close))
        self.profile_menu = bar.addMenu(_("&Profile"))
        self.profile_actions: list[QAction] = []
        self.add_profile_action = self._action(
            _("&Add a profile…"), "Ctrl+Shift+N", self._add_profile
        )
        self._profiles_changed([])
        ksef = bar.addMenu(_("&KSeF"))
        ksef.addAction(self._action(_("&Check availability now"), "F5", self.controller.check_now))
        ksef.addAction(
            self._action(
                _("Send &waiting invoices now"),
                "Ctrl+Shift+S",
                lambda: self.controller.send_pending(None),
            )
        )
        ksef.addAction(
            self._action(_("Co&llective identifiers…"), None, lambda: self.panels.open_collective())
        )
        self.declare = self._action(
            _("I &declare offline24 mode"), "Ctrl+Shift+D", self.controller.declare_offline24
        )
        self.declare.setCheckable(True)
        self.declare.setChecked(bool(self.controller.ctx.settings["declared_offline24"]))
        ksef.addAction(self.declare)
        vat = bar.addMenu(_("VAT (&J)"))
        vat.addAction(self._action(_("&JPK_V7M file of a month…"), None, self.open_jpk))
        # Practising an outage: only while the profile works in the built-in Sandbox.
        self.sandbox_menu = bar.addMenu(_("Sandbo&x"))
        self.practice_actions = [
            self._action(_(label), None, lambda _c=False, w=what: self.controller.practise(w))
            for what, (_path, label) in PRACTICES.items()
        ]
        for i, action in enumerate(self.practice_actions):
            if i in (2, 4):
                self.sandbox_menu.addSeparator()
            self.sandbox_menu.addAction(action)
        self.sandbox_menu.menuAction().setVisible(False)
        view = bar.addMenu(_("&View"))
        for i in range(self.tabs.count()):  # Ctrl+1…9 choose a profile (Profile menu)
            view.addAction(
                self._action(
                    self.tabs.tabText(i),
                    f"Alt+{i + 1}",
                    lambda _checked=False, i=i: self.tabs.setCurrentIndex(i),
                )
            )
        help_menu = bar.addMenu(_("&Help"))
        help_menu.addAction(self._action(_("&About KSeF Desktop"), None, self._about))

    # --- profiles -------------------------------------------------------------------------

    def _profile_changed(self, profile: Profile) -> None:
        """The current profile, unmistakable: title, band and status bar name it."""
        self.setWindowTitle(_("KSeF Desktop — {profile}").format(profile=profile.label))
        self.band.set_profile(profile)
        in_sandbox = profile.environment is Environment.SANDBOX
        self.sandbox_menu.menuAction().setVisible(in_sandbox)
        for action in self.practice_actions:
            action.setEnabled(in_sandbox)
        for action in self.profile_actions:
            action.setChecked(action.data() == profile.id)

    def _profiles_changed(self, profiles: Sequence[Profile]) -> None:
        """The Profile menu: one entry per profile (Ctrl+1…9 for the first nine)."""
        menu = self.profile_menu
        for action in self.profile_actions:
            self.removeAction(action)
            action.deleteLater()
        menu.clear()
        self.profile_actions = []
        current = self.controller.profile
        for index, profile in enumerate(profiles):
            action = QAction(profile.label, self)
            action.setData(profile.id)
            action.setCheckable(True)
            action.setChecked(current is not None and current.id == profile.id)
            if index < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, p=profile: self.choose_profile(p))
            self.addAction(action)
            menu.addAction(action)
            self.profile_actions.append(action)
        if profiles:
            menu.addSeparator()
        menu.addAction(self.add_profile_action)

    def choose_profile(self, profile: Profile) -> None:
        """Switch to ``profile``; Production asks first, the first time."""
        current = self.controller.profile
        if current is not None and current.id == profile.id:
            return
        confirmed = False
        if profile.needs_production_confirmation:
            confirmed = confirm_production(self, profile.nip)
            if not confirmed:
                if current is not None:
                    self._profile_changed(current)  # the menu's tick back where it was
                return
        self.controller.switch_profile(
            profile.environment.value, profile.nip, confirm_production=confirmed
        )

    def _add_profile(self) -> ProfileDialog:
        dialog = ProfileDialog(self.controller.profile, self)
        dialog.accepted.connect(lambda: self._profile_added(dialog.values()))
        dialog.open()
        return dialog

    def _profile_added(self, values: NewProfile) -> None:
        confirmed = False
        if self.controller.needs_production_confirmation(values.environment, values.nip):
            confirmed = confirm_production(self, values.nip)
            if not confirmed:
                return
        self.controller.switch_profile(
            values.environment,
            values.nip,
            confirm_production=confirmed,
            company_name=values.company_name or None,
            company_address=values.company_address or None,
            token=values.token,
        )

    def open_jpk(self) -> JpkDialog:
        """The JPK_V7M dialog of the current profile (a new one unless it is open)."""
        from ksef_desktop.ui.jpk_dialog import JpkDialog

        if self.jpk is None or not self.jpk.isVisible():
            if self.jpk is not None:
                self.jpk.deleteLater()
            ctx = self.controller.ctx
            self.jpk = JpkDialog(self.controller.runner, ctx.store, ctx.profile_now, ctx.now, self)
            self.jpk.reload()
        self.jpk.show()
        self.jpk.activateWindow()
        return self.jpk

    # --- a damaged database ---------------------------------------------------------------

    def _offer_restore(self, text: str) -> None:
        """Say that the database is damaged and offer to restore a backup (not modal)."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(_("The database is damaged"))
        box.setText(text)
        restore = box.addButton(_("&Restore a backup…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.buttonClicked.connect(lambda button: self._restore_chosen(button is restore))
        self.restore_box = box
        box.open()

    def _restore_chosen(self, restore: bool) -> None:
        if not restore:
            return
        from PySide6.QtWidgets import QFileDialog

        path, _filter = QFileDialog.getOpenFileName(
            self, _("Restore a backup"), "", _("Backups (*.zip);;All files (*)")
        )
        if path:
            self.restore_from(path)

    def restore_from(self, backup: str) -> None:
        self.controller.restore_backup(backup)

    def _alert(self, title: str, text: str) -> None:
        if self.controller.ctx.settings["notifications"]:
            self.notifier.notify(title, text)
        self.status.showMessage(title, 15_000)

    def _about(self) -> None:
        QMessageBox.about(self, _("About KSeF Desktop"), self.about_text())

    def about_text(self) -> str:
        from ksef_desktop.logs import current_log_file

        about = _("KSeF Desktop {version}: offline-first FA(3) invoicing through KSeF.")
        log = _("Log file: {path}").format(path=current_log_file())
        return f"{about.format(version=__version__)}\n\n{log}"

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)
