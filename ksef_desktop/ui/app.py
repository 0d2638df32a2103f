"""The window program: ``run(args)`` is what ``ksef-desktop`` without a subcommand calls.

``Shell`` ties the pieces together: language (gettext + Qt's catalog + the stretch
switch), the first-run wizard or the main window, the settings dialog, and shutdown.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ksef_desktop import i18n
from ksef_desktop.i18n import _
from ksef_desktop.paths import create_private_file, data_dir, restrict_file, write_private_file
from ksef_desktop.services.ledger import SendReport, send_report
from ksef_desktop.services.ledger_store import StoreLedger
from ksef_desktop.store.lock import FolderBusy
from ksef_desktop.ui import stretch
from ksef_desktop.ui.context import AppContext
from ksef_desktop.ui.controller import Controller
from ksef_desktop.ui.main_window import MainWindow
from ksef_desktop.ui.profiles_ui import confirm_production
from ksef_desktop.ui.qt_i18n import install_qt_catalog
from ksef_desktop.ui.settings import DEMO_ADDRESS, DEMO_COMPANY, DEMO_NIP
from ksef_desktop.ui.single_instance import SingleInstance
from ksef_desktop.ui.tray import app_icon
from ksef_desktop.worker import Failure, JobContext
from ksef_desktop.worker.runner import Runner

if TYPE_CHECKING:  # a returning user's start needs none of these before the first frame
    from ksef_desktop.services.signing import SignatureChoice
    from ksef_desktop.store import Store
    from ksef_desktop.store.profiles import Profile
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

    def __init__(self, data_dir: Path, lang: str | None = None) -> None:
        self.app = application()
        # One program per data folder: FolderBusy when another one has it (see ``run``).
        self.instance = SingleInstance(data_dir)
        self.instance.claim()
        self.instance.raise_requested.connect(self.bring_to_front)
        self.ctx = AppContext.open(data_dir)
        ctx = self.ctx
        self.ctx.ledger = StoreLedger(ctx.store, ctx.profile_now, ctx.now, self._send)
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
        self.token_note = ""
        self.apply_language()

    def _send(
        self, store: Store, profile: Profile, ctx: JobContext, ids: Sequence[int] | None
    ) -> SendReport:
        """Runs in the worker: every due outbox item of ``profile`` to KSeF, through the
        profile's own client (``Submitter`` checks that they belong together)."""
        from ksef_desktop.services.submit import Submitter  # the KSeF client: on first send

        ctx.progress(0, 0, _("Sending invoices to KSeF…"))
        app_ctx = self.ctx
        submitter = Submitter(
            store.db,
            store.archive,
            lambda: nullcontext(app_ctx.ksef_client()),
            profile=profile,
            now=app_ctx.now,
        )
        report = submitter.drain(cancelled=lambda: ctx.cancelled)
        accepted = [*report.accepted, *report.adopted]
        if accepted:  # their PDFs, made again with the KSeF number under KOD I
            from ksef_desktop.services.invoice_pdfs import remake_accepted

            env = app_ctx.environment()
            remake_accepted(
                store,
                accepted,
                profile_id=profile.id,
                qr_base=env.qr_base if env is not None else "",
                ui_lang=i18n.current_language(),
                now=app_ctx.now(),
            )
        return send_report(store, profile.id, report)

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
        from ksef_desktop.ui.wizard_signature import start_request

        ctx, runner = self.ctx, self.runner
        self.wizard = FirstRunWizard(
            save_request=lambda env, nip, path, done, failed: start_request(
                ctx, runner, env, nip, path, done, failed
            ),
            now=ctx.now,
        )
        self.wizard.accepted.connect(self._wizard_done)
        self.wizard.rejected.connect(self.app.quit)
        self.wizard.show()
        return self.wizard

    def _wizard_done(self) -> None:
        assert self.wizard is not None
        self.apply_setup(self.wizard.values())
        signature = self.wizard.signature_choice()
        if signature is not None:
            self.generate_app_token(signature)
        self.wizard.deleteLater()
        self.wizard = None
        self.open_main()

    def demo_setup(self) -> SetupValues:
        """What the wizard gives when its defaults are taken: Sandbox, demo company."""
        from ksef_desktop.ui.fields import SetupValues

        return SetupValues("sandbox", DEMO_NIP, DEMO_COMPANY, DEMO_ADDRESS, "")

    def apply_setup(self, values: SetupValues, *, confirm_production: bool = False) -> bool:
        """Make the profile ``values`` name current (with its company data and token), in
        the worker; True when the environment or the NIP changed."""
        s = self.ctx.settings
        changed = (s["environment"], s["nip"]) != (values.environment, values.nip)
        s["first_run_done"] = True
        ctx = self.ctx

        def save(job: object) -> Profile:
            return ctx.select_profile(
                values.environment,
                values.nip,
                company_name=values.company_name,
                company_address=values.company_address,
                token=values.token,
                confirm_production=confirm_production,
            )

        self.runner.submit(save, self._profile_saved, self._failed, name="save-profile")
        current = ctx.profile.offline_certificate if ctx.profile is not None else ""
        if values.certificate and values.certificate != current:
            self.import_certificate(values)
        return changed

    def generate_app_token(self, choice: SignatureChoice) -> None:
        """Log in by signature and keep the program's own token (issue 17), in the worker."""
        from ksef_desktop.ui.wizard_signature import start_app_token

        def done(reference: str) -> None:
            self.token_note = _("The program's KSeF token {ref} is kept in the system keyring.")
            self.token_note = self.token_note.format(ref=reference)
            if self.controller is not None:
                self.controller.refresh_identity()
            if self.window is not None:
                self.window.status.showMessage(self.token_note, 15_000)

        def failed(failure: Failure) -> None:
            self.token_note = _("No KSeF token was generated: {reason}").format(
                reason=failure.message
            )
            self._failed(failure)
            if self.window is not None:
                self.window.status.showMessage(self.token_note, 30_000)

        start_app_token(self.ctx, self.runner, choice, done, failed)

    def _profile_saved(self, profile: Profile) -> None:
        if self.controller is not None:
            self.controller.profile_saved(profile)

    def import_certificate(self, values: SetupValues) -> None:
        """Check the certificate and keep its key in the keyring, in the background."""
        from ksef_desktop.visual.certificates import import_offline_certificate

        ctx = self.ctx

        def run(job: object) -> str:
            from ksef_desktop.store.profiles import find_profile, set_offline_certificate

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
            with ctx.store().db.transaction() as conn:
                profile = find_profile(conn, values.environment, values.nip)
                if profile is not None:
                    set_offline_certificate(conn, profile.id, str(kept))
            ctx.reload_profile()
            return cert.serial

        def done(serial: str) -> None:
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

    def bring_to_front(self) -> None:
        """Another start on this data folder asked for this window."""
        widget = self.window or self.wizard
        if widget is not None:
            widget.showNormal()
            widget.raise_()
            widget.activateWindow()

    def _save_geometry(self) -> None:
        if self.window is not None:
            self.window_state.setValue("main/geometry", self.window.saveGeometry())
            self.window_state.sync()
            restrict_file(self.window_file)  # one an older version made 0644

    def open_settings(self) -> SettingsDialog:
        from ksef_desktop.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self.ctx.settings, self.controller_token_stored(), self.ctx.profile, self.window
        )
        dialog.accepted.connect(lambda: self._settings_done(dialog))
        from ksef_desktop.ui.everyday import company_extras
        from ksef_desktop.ui.invoice_list_model import guarded

        ctx = self.ctx
        guarded(dialog, self.runner.submit)(
            lambda job: company_extras(ctx),
            lambda found: dialog.everyday.set_company(*found),
            self._failed,
            name="company-extras",
        )
        dialog.open()
        return dialog

    def controller_token_stored(self) -> bool:
        return bool(self.controller and self.controller.token_stored)

    def _settings_done(self, dialog: SettingsDialog) -> None:
        s = self.ctx.settings
        before = (s["language"], s["stretch_strings"])
        dialog.apply_to(s)
        self._save_extras(dialog)
        values = dialog.values()
        assert self.controller is not None
        confirmed = False
        if self.controller.needs_production_confirmation(values.environment, values.nip):
            confirmed = confirm_production(self.window, values.nip)
            if not confirmed:  # the other settings apply; the profile stays as it was
                values = replace(values, environment=self.ctx.env_name, nip=self.ctx.nip)
        changed = self.apply_setup(values, confirm_production=confirmed)
        self.controller.apply_settings()
        if changed or dialog.values().token:
            self.controller.start()
        if (s["language"], s["stretch_strings"]) != before:
            self.lang_override = None
            self.apply_language()
            self.open_main()

    def _save_extras(self, dialog: SettingsDialog) -> None:
        """The company's accounts and logo and the SMTP password (issue 20), in the worker."""
        from ksef_desktop.ui.everyday import save_extras
        from ksef_desktop.ui.settings_everyday import KEEP

        section, ctx = dialog.everyday, self.ctx
        accounts = section.account_list() if section.loaded else None
        logo, password = section.logo, section.smtp_password.text()
        if accounts is None and logo is KEEP and not password:
            return
        self.runner.submit(
            lambda job: save_extras(ctx, accounts, logo, password, KEEP),
            on_error=self._failed,
            name="save-company-extras",
        )

    # --- the end ----------------------------------------------------------------------------------

    def close(self) -> None:
        self._save_geometry()
        if self.window is not None:
            self.window.close()
        if self.wizard is not None:
            # Closing it here is not the user's Cancel (that quits the program), and the
            # wizard (no parent) goes now, in the event loop: left to the garbage
            # collector, its pages' Python overrides outlived their wrappers and Qt
            # called them later (a crash in a GUI test that followed a wizard test).
            self.wizard.rejected.disconnect(self.app.quit)
            self.wizard.close()
            self.wizard.deleteLater()
            self.wizard = None
        if self.controller is not None:
            self.controller.stop()  # its timer would call check_now on a stopped worker
        self.runner.stop()
        self.ctx.close()
        self.instance.release()
        install_qt_catalog(self.app, "en")  # take Qt's catalog out again
        stretch.set_stretch(False)


def run(args: argparse.Namespace) -> int:
    from ksef_desktop import logs
    from ksef_desktop.ui.crash import CrashHandler

    log_path = logs.setup(args.data_dir)  # the file only: the window has no console
    if getattr(args, "smoke_test", False):
        from ksef_desktop.ui.smoke import run_smoke

        return run_smoke(args)
    folder = data_dir(args.data_dir)
    try:
        shell = Shell(folder, lang=args.lang)
    except FolderBusy as busy:
        return _folder_busy(folder, busy)
    crashes = CrashHandler(log_path).install()
    shell.start()
    if getattr(args, "exit_when_idle", False):
        QTimer.singleShot(0, lambda: _idle_exit(shell))
    try:
        return int(shell.app.exec())
    finally:
        crashes.uninstall()
        shell.close()


def _folder_busy(folder: Path, busy: FolderBusy) -> int:
    """A second start on a data folder: the window that has it comes to the front; a
    command that has it is named, in a message box and on standard error."""
    from ksef_desktop.ui.single_instance import ask_first_to_raise

    if busy.holder is not None and busy.holder.kind == "window" and ask_first_to_raise(folder):
        print(_("KSeF Desktop is already open on this data folder: its window is in front."))
        return 0
    text = busy.message()
    print(text, file=sys.stderr)
    if os.environ.get("QT_QPA_PLATFORM") != "offscreen":  # a screen to say it on, too
        from PySide6.QtWidgets import QMessageBox

        application()
        QMessageBox.warning(None, _("KSeF Desktop"), text)
    return 4


def _idle_exit(shell: Shell) -> None:
    """``--exit-when-idle``: the event loop's first idle moment after the window was shown
    (what the bare PySide6 window of benchmarks/bundle_startup.py also waits for). It says
    which window it reached, then quits; ``Shell.close`` stops what the worker was given."""
    shown = "main-window" if shell.window is not None else "first-run-wizard"
    print(f"idle: {shown}", flush=True)
    shell.app.quit()
