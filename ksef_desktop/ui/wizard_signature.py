"""The first run without the Ministry's web app: log in with an electronic signature and
let the program generate its own KSeF token into the keyring (issue 17).

``SignaturePage`` asks how to sign (shown only when the token page says so);
``start_app_token`` runs the login and the generation in the worker once the wizard is
finished and the profile is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWizardPage

from ksef_desktop.i18n import _
from ksef_desktop.services.signing import SignatureChoice
from ksef_desktop.ui.signature_picker import SignaturePicker
from ksef_desktop.worker import Failure, JobContext

if TYPE_CHECKING:
    from ksef_desktop.ui.context import AppContext
    from ksef_desktop.worker.runner import Runner


class SignaturePage(QWizardPage):
    def __init__(self, environment: Callable[[], str]) -> None:
        super().__init__()
        self._environment = environment
        self.setTitle(_("Log in with a signature"))
        self.setSubTitle(
            _(
                "The program logs in to KSeF once with your signature and generates its own "
                "token, kept only in the system keyring."
            )
        )
        note = QLabel(
            _(
                "A qualified signature or seal, or a KSeF certificate. On the Test environment "
                "and in the Sandbox a self-signed test certificate with your NIP will do."
            )
        )
        note.setWordWrap(True)
        self.picker = SignaturePicker(environment(), external=False)
        self.picker.changed.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.picker)

    def initializePage(self) -> None:
        self.picker.set_environment(self._environment())

    def isComplete(self) -> bool:
        return self.picker.is_complete()


def start_app_token(
    ctx: AppContext,
    runner: Runner,
    choice: SignatureChoice,
    done: Callable[[str], None],
    failed: Callable[[Failure], None],
) -> None:
    """In the worker: log in by signature for the current profile and keep the
    program's own token in the keyring (the client is rebuilt with it)."""

    def run(job: JobContext) -> str:
        from ksef_desktop.services.credentials import keep_app_token
        from ksef_desktop.services.signing import resolve_choice, signed_access
        from ksef_desktop.ui.context import SandboxNotRunning

        profile = ctx.profile_now()
        if profile.environment.value == "sandbox":
            ctx.start_sandbox(job.check)
        env = ctx.environment()
        if env is None:
            raise SandboxNotRunning
        found = resolve_choice(
            choice,
            ctx.secrets,
            environment=env.name,
            nip=profile.nip,
            now=ctx.now(),
            name=profile.company_name,
        )
        access = signed_access(ctx.http(), env, profile.nip, found, now=ctx.now)
        job.check()
        reference = keep_app_token(access, ctx.secrets, environment=env.name, nip=profile.nip)
        ctx.drop_client()
        return reference

    runner.submit(run, done, failed, name="app-token")
