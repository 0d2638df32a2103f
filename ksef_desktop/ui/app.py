"""The window program: ``run(args)`` is what ``ksef-desktop`` without a subcommand calls.

``Shell`` ties the pieces together: language (gettext + Qt's catalog + the stretch
switch), the first-run wizard or the main window, the settings dialog, and shutdown.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ksef_desktop import i18n
from ksef_desktop.i18n import _
from ksef_desktop.paths import create_private_file, data_dir, restrict_file, write_private_file
from ksef_desktop.ui import stretch
from ksef_desktop.ui.context import AppContext
from ksef_desktop.ui.controller import Controller
from ksef_desktop.ui.ledger import Ledger, SendReport
from ksef_desktop.ui.main_window import MainWindow
from ksef_desktop.ui.qt_i18n import install_qt_catalog
from ksef_desktop.ui.settings import DEMO_ADDRESS, DEMO_COMPANY, DEMO_NIP
from ksef_desktop.ui.store_ledger import StoreLedger
from ksef_desktop.ui.tray import app_icon
from ksef_desktop.worker import Failure, JobContext
from ksef_desktop.worker.runner import Runner

if TYPE_CHECKING:  # a returning user's start needs none of these before the first frame
    from ksef_desktop.store import Store
    from ksef_desktop.ui.fields import SetupValues
    from ksef_desktop.ui.settings_dialog import SettingsDialog
    from ksef_desktop.ui.wizard import FirstRunWizard


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("ksef-desktop")
        app.setApplicationDisplayName("KSeF Desktop")
        app.setWindowIcon(app_icon())
    assert isinstance(app, QApplication)
    return app


class Shell:
    """One running program: context, worker, and whichever window is open."""

    def __init__(
        self, data_dir: Path, lang: str | None = None, ledger: Ledger | None = None
    ) -> None:
        self.app = application()
        self.ctx = AppContext.open(data_dir)
        self.ctx.ledger = ledger or StoreLedger(data_dir, self.ctx.now, self._send)
        self.lang_override = lang
        self.runner = Runner()
        self.controller: Controller | None = None
        self.window: MainWindow | None = None
        self.wizard: FirstRunWizard | None = None
        self.errors: list[Failure] = []
        self.certificate_note = ""
        # QSettings keeps the mode of a file that exists: created 0600 first, it stays so.
        self.window_file = data_dir / "window.ini"
        create_private_file(self.window_file)
        self.window_state = QSettings(str(self.window_file), QSettings.Format.IniFormat)
        self.apply_language()

    def _send(self, store: Store, ctx: JobContext, ids: Sequence[int] | None) -> SendReport:
        """Runs in the worker: every due outbox item to KSeF (``ids`` are all due ones)."""
        from ksef_desktop.services.submit import Submitter  # the KSeF client: on first send

        ctx.progress(0, 0, _("Sending invoices to KSeF…"))
        app_ctx = self.ctx
        submitter = Submitter(
            store.db,
            store.archive,
            lambda: nullcontext(app_ctx.ksef_client()),
            environment=app_ctx.env_name,
            now=app_ctx.now,
        )
        report = submitter.drain(cancelled=lambda: ctx.cancelled)
        sent = report.delivered + len(report.rejected)
        return SendReport(sent, len(report.deferred), report.error or "")

    # --- language --------------------------------------------------------------------------

    def apply_language(self) -> None:
        lang = self.lang_override or str(self.ctx.settings["language"])
        i18n.set_language(lang)
        self.qt_catalog_loaded = install_qt_catalog(self.app, lang)
        stretch.set_stretch(
            stretch.requested_by_environment() or bool(self.ctx.settings["stretch_strings"])
        )

    # --- start -------------------------------------------------------------------------------

    def start(self) -> None:
        if self.ctx.settings["first_run_done"]:
            self.open_main()
        else:
            self.open_wizard()

    def open_wizard(self) -> FirstRunWizard:
        from ksef_desktop.ui.wizard import FirstRunWizard

        self.wizard = FirstRunWizard()
        self.wizard.accepted.connect(self._wizard_done)
        self.wizard.rejected.connect(self.app.quit)
        self.wizard.show()
        return self.wizard

    def _wizard_done(self) -> None:
        assert self.wizard is not None
        self.apply_setup(self.wizard.values())
        self.wizard.deleteLater()
        self.wizard = None
        self.open_main()

    def demo_setup(self) -> SetupValues:
        """What the wizard gives when its defaults are taken: Sandbox, demo company."""
        from ksef_desktop.ui.fields import SetupValues

        return SetupValues("sandbox", DEMO_NIP, DEMO_COMPANY, DEMO_ADDRESS, "")

    def apply_setup(self, values: SetupValues) -> bool:
        """Store the identity; True when environment or NIP changed."""
        s = self.ctx.settings
        changed = (s["environment"], s["nip"]) != (values.environment, values.nip)
        s["environment"] = values.environment
        s["nip"] = values.nip
        s["company_name"] = values.company_name
        s["company_address"] = values.company_address
        s["first_run_done"] = True
        ctx, token, snapshot = self.ctx, values.token, s.snapshot()

        def save(job: object) -> None:
            ctx.settings.write(snapshot)
            if changed and ctx.env_name != "sandbox" and ctx.sandbox is not None:
                ctx.close_sandbox()
            if token:
                ctx.store_token(token)

        self.runner.submit(save, on_error=self._failed, name="save-settings")
        if values.certificate and values.certificate != s["offline_certificate"]:
            self.import_certificate(values)
        return changed

    def import_certificate(self, values: SetupValues) -> None:
        """Check the certificate and keep its key in the keyring, in the background."""
        from ksef_desktop.visual.certificates import import_offline_certificate

        ctx = self.ctx

        def run(job: object) -> tuple[str, str]:
            cert = import_offline_certificate(
                ctx.secrets,
                environment=values.environment,
                nip=values.nip,
                cert_path=Path(values.certificate),
                key_path=Path(values.certificate_key) if values.certificate_key else None,
                password=values.certificate_password or None,
                now=ctx.now(),
            )
            kept = ctx.data_dir / f"offline-certificate-{cert.serial}.der"
            write_private_file(kept, cert.der)  # public; kept beside the data it signs
            return cert.serial, str(kept)

        def done(result: tuple[str, str]) -> None:
            serial, kept = result
            ctx.settings["offline_certificate"] = kept
            snapshot = ctx.settings.snapshot()
            self.runner.submit(lambda job: ctx.settings.write(snapshot), on_error=self._failed)
            self.certificate_note = _("Offline certificate {serial} imported.").format(
                serial=serial
            )
            if self.window is not None:
                self.window.status.showMessage(self.certificate_note, 15_000)

        def failed(failure: Failure) -> None:
            self.certificate_note = _("The offline certificate was not imported: {reason}").format(
                reason=failure.message
            )
            self._failed(failure)
            if self.window is not None:
                self.window.status.showMessage(self.certificate_note, 30_000)

        self.runner.submit(run, done, failed, name="certificate")

    def _failed(self, failure: Failure) -> None:
        self.errors.append(failure)
        if self.window is not None:
            self.window.status.showMessage(failure.message, 15_000)

    # --- the main window -----------------------------------------------------------------------

    def open_main(self) -> MainWindow:
        if self.controller is None:
            self.controller = Controller(self.ctx, self.runner)
        old = self.window
        self.window = MainWindow(self.controller)
        self.window.settings_requested.connect(self.open_settings)
        self.window.closing.connect(self._save_geometry)
        geometry = self.window_state.value("main/geometry")
        if geometry is not None:
            self.window.restoreGeometry(geometry)
        else:
            self.window.resize(1100, 640)
        self.window.show()
        if old is None:
            self.controller.start()
        else:
            old.closing.disconnect(self._save_geometry)
            old.close()
            old.deleteLater()
            self.controller.replay()
        return self.window

    def _save_geometry(self) -> None:
        if self.window is not None:
            self.window_state.setValue("main/geometry", self.window.saveGeometry())
            self.window_state.sync()
            restrict_file(self.window_file)  # one an older version made 0644

    def open_settings(self) -> SettingsDialog:
        from ksef_desktop.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx.settings, self.controller_token_stored(), self.window)
        dialog.accepted.connect(lambda: self._settings_done(dialog))
        dialog.open()
        return dialog

    def controller_token_stored(self) -> bool:
        return bool(self.controller and self.controller.token_stored)

    def _settings_done(self, dialog: SettingsDialog) -> None:
        s = self.ctx.settings
        before = (s["language"], s["stretch_strings"])
        dialog.apply_to(s)
        changed = self.apply_setup(dialog.values())
        assert self.controller is not None
        self.controller.apply_settings()
        if changed or dialog.values().token:
            self.controller.start()
        if (s["language"], s["stretch_strings"]) != before:
            self.lang_override = None
            self.apply_language()
            self.open_main()

    # --- the end ----------------------------------------------------------------------------------

    def close(self) -> None:
        self._save_geometry()
        for w in (self.window, self.wizard):
            if w is not None:
                w.close()
        if self.controller is not None:
            self.controller.stop()  # its timer would call check_now on a stopped worker
        self.runner.stop()
        self.ctx.close()
        install_qt_catalog(self.app, "en")  # take Qt's catalog out again
        stretch.set_stretch(False)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "smoke_test", False):
        from ksef_desktop.ui.smoke import run_smoke

        return run_smoke(args)
    shell = Shell(data_dir(args.data_dir), lang=args.lang)
    shell.start()
    if getattr(args, "exit_when_idle", False):
        QTimer.singleShot(0, lambda: _idle_exit(shell))
    try:
        return int(shell.app.exec())
    finally:
        shell.close()


def _idle_exit(shell: Shell) -> None:
    """``--exit-when-idle``: the event loop's first idle moment after the window was shown
    (what the bare PySide6 window of benchmarks/bundle_startup.py also waits for). It says
    which window it reached, then quits; ``Shell.close`` stops what the worker was given."""
    shown = "main-window" if shell.window is not None else "first-run-wizard"
    print(f"idle: {shown}", flush=True)
    shell.app.quit()
