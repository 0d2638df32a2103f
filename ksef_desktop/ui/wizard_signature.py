"""The first run without the Ministry's web app: log in with an electronic signature and
let the program generate its own KSeF token into the keyring (issue 17).

``SignaturePage`` asks how to sign (shown only when the token page says so). For signing
elsewhere (the trusted profile, any signing program) it saves the unsigned request through
the callable the Shell hands it (``start_request`` in the worker: the wizard stays a widget)
and checks the signed file before the wizard goes on. ``start_app_token`` runs the login
and the generation in the worker once the wizard is finished and the profile is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QLabel, QVBoxLayout, QWizardPage

from ksef_desktop.i18n import _
from ksef_desktop.services.signing import (
    EXTERNAL,
    SavedRequest,
    SignatureChoice,
    SignatureError,
    check_fresh,
    read_signed,
)
from ksef_desktop.ui.signature_picker import SignaturePicker
from ksef_desktop.worker import Failure, JobContext

if TYPE_CHECKING:
    from ksef_desktop.ui.context import AppContext
    from ksef_desktop.worker.runner import Runner

#: ``(environment, nip, path, done, failed)``: save the unsigned request, in the worker.
RequestWriter = Callable[
    [str, str, str, Callable[[SavedRequest], None], Callable[[Failure], None]], None
]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SignaturePage(QWizardPage):
    def __init__(
        self,
        environment: Callable[[], str],
        nip: Callable[[], str] = lambda: "",
        save_request: RequestWriter | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self._environment, self._nip = environment, nip
        self._save_request, self._now = save_request, now or _utc_now
        #: The last request saved here for signing elsewhere.
        self.saved: SavedRequest | None = None
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
        self.picker = SignaturePicker(environment(), external=save_request is not None)
        self.picker.changed.connect(self.completeChanged)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")
        self.picker.changed.connect(self.problem.clear)
        self.picker.save_request.connect(self._ask_where)
        #: Where the request was written and until when it may be signed.
        self.request_note = QLabel()
        self.request_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.picker)
        layout.addWidget(self.request_note)
        layout.addWidget(self.problem)

    def initializePage(self) -> None:
        self.picker.set_environment(self._environment())

    def isComplete(self) -> bool:
        return self.picker.is_complete()

    def validatePage(self) -> bool:
        """A request signed elsewhere is read here: an unsigned file, one for another NIP
        or one saved too long ago is named now, not after the wizard is finished."""
        choice = self.picker.choice()
        if choice.way != EXTERNAL:
            return True
        try:
            signed = read_signed(Path(choice.signed_request), self._nip())
            check_fresh(signed, self.saved, self._now())
        except SignatureError as exc:
            self.problem.setText(str(exc))
            return False
        self.problem.clear()
        return True

    def _ask_where(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save the request to sign"), "AuthTokenRequest.xml", "XML (*.xml)"
        )
        if path:
            self.save_request_to(path)

    def save_request_to(self, path: str) -> None:
        """Write the unsigned request (a fresh challenge) for the environment and the NIP
        chosen on the earlier pages, to be signed elsewhere."""
        if self._save_request is None:
            return
        self.picker.save_button.setEnabled(False)
        self.problem.clear()
        self.request_note.setText(_("Asking KSeF for a challenge…"))
        self._save_request(self._environment(), self._nip(), path, self._saved, self._not_saved)

    def _saved(self, saved: SavedRequest) -> None:
        self.saved = saved
        self.picker.save_button.setEnabled(True)
        until = saved.valid_until.astimezone().strftime("%H:%M")
        self.request_note.setText(
            _(
                "The request to sign is in {path}. Sign it (XAdES, enveloped) and choose the "
                "signed file within 10 minutes, by {time}."
            ).format(path=saved.path, time=until)
        )

    def _not_saved(self, failure: Failure) -> None:
        self.picker.save_button.setEnabled(True)
        self.request_note.clear()
        self.problem.setText(
            _("The request was not saved: {reason}").format(reason=failure.message)
        )


def start_request(
    ctx: AppContext,
    runner: Runner,
    environment: str,
    nip: str,
    path: str,
    done: Callable[[SavedRequest], None],
    failed: Callable[[Failure], None],
) -> None:
    """In the worker: a fresh challenge of ``environment`` (the built-in Sandbox started
    for ``nip`` first) and the unsigned request for ``nip`` written to ``path``. Nothing of
    the profile changes: the wizard is not finished yet."""

    def run(job: JobContext) -> SavedRequest:
        from ksef_desktop.ksef import environments
        from ksef_desktop.services.signing import save_unsigned_request
        from ksef_desktop.ui.context import SandboxNotRunning

        if environment == environments.SANDBOX:
            ctx.start_sandbox(job.check, nip=nip)
        env = ctx.environment_named(environment)
        if env is None:
            raise SandboxNotRunning
        job.check()
        return save_unsigned_request(ctx.http(), env, nip, Path(path), now=ctx.now())

    runner.submit(run, done, failed, name="auth-request")


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
        from ksef_desktop.services.signing import profile_access
        from ksef_desktop.ui.context import SandboxNotRunning

        profile = ctx.profile_now()
        if profile.environment.value == "sandbox":
            ctx.start_sandbox(job.check)
        env = ctx.environment()
        if env is None:
            raise SandboxNotRunning
        access = profile_access(ctx.http(), env, profile, choice, ctx.secrets, now=ctx.now)
        job.check()
        reference = keep_app_token(access, ctx.secrets, environment=env.name, nip=profile.nip)
        ctx.drop_client()
        return reference

    runner.submit(run, done, failed, name="app-token")
