"""Everything the window needs that is not a widget: settings, keyring, clock, sandbox.

Methods that touch the network, the disk or the keyring are meant to run in the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ksef_desktop.i18n import N_, _
from ksef_desktop.ksef import environments
from ksef_desktop.ksef.environments import Environment
from ksef_desktop.paths import ensure_private_dir
from ksef_desktop.secrets import SecretStore, token_entry
from ksef_desktop.ui.ledger import Ledger, NoLedger
from ksef_desktop.ui.settings import Settings

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

ENVIRONMENT_LABELS = {
    environments.SANDBOX: N_("Sandbox (built in, for trying out)"),
    environments.TEST: N_("Test (Ministry of Finance)"),
    environments.DEMO: N_("Demo (Ministry of Finance)"),
    environments.PROD: N_("Production"),
}

ENVIRONMENT_SHORT = {
    environments.SANDBOX: N_("Sandbox"),
    environments.TEST: N_("Test"),
    environments.DEMO: N_("Demo"),
    environments.PROD: N_("Production"),
}

SANDBOX_STATE = "sandbox-state.json"


def environment_label(name: str) -> str:
    return _(ENVIRONMENT_LABELS.get(name, name))


def environment_short(name: str) -> str:
    return _(ENVIRONMENT_SHORT.get(name, name))


def utc_now() -> datetime:
    return datetime.now(UTC)


class SandboxNotInBuild(RuntimeError):
    def message(self) -> str:
        return _("The built-in Sandbox is not part of this build; choose another environment.")


@dataclass
class AppContext:
    data_dir: Path
    settings: Settings
    secrets: SecretStore = field(default_factory=SecretStore)
    now: Callable[[], datetime] = utc_now
    ledger: Ledger = field(default_factory=NoLedger)
    sandbox: Any = None
    _http: httpx.Client | None = None

    @classmethod
    def open(cls, data_dir: Path, **kwargs: Any) -> AppContext:
        ensure_private_dir(data_dir)
        return cls(data_dir, Settings(data_dir), **kwargs)

    # --- identity -------------------------------------------------------------------

    @property
    def env_name(self) -> str:
        return str(self.settings["environment"])

    @property
    def nip(self) -> str:
        return str(self.settings["nip"])

    def environment(self) -> Environment | None:
        """The addresses of the chosen environment (None: the sandbox is not running)."""
        if self.env_name == environments.SANDBOX:
            if self.sandbox is None:
                return None
            sb = self.sandbox
            return environments.sandbox(sb.base_url, sb.qr_base, sb.latarnia_url)
        return environments.environment(self.env_name)

    # --- worker-side operations ---------------------------------------------------------

    def http(self) -> httpx.Client:
        if self._http is None:
            import httpx  # with its dependencies ~50 ms: paid in the worker, not at start

            from ksef_desktop.ksef.deadline import new_http_client

            self._http = new_http_client(httpx.Timeout(10.0, connect=5.0))
        return self._http

    def start_sandbox(self, check: Callable[[], None] = lambda: None) -> dict[str, str]:
        """Start the in-process sandbox for the NIP in use; its tokens by NIP.

        ``check`` (a job's ``JobContext.check``) is called once the sandbox's modules
        are imported: a program closing meanwhile does not start it only to stop it."""
        try:
            from ksef_desktop.sandbox import Sandbox, SandboxConfig
        except ImportError:
            raise SandboxNotInBuild from None
        check()
        if self.sandbox is None:
            nips = (self.nip,) if self.nip else ()
            config = SandboxConfig(nips=nips, port=0, state_file=self.data_dir / SANDBOX_STATE)
            sandbox = Sandbox(config)
            sandbox.__enter__()
            self.sandbox = sandbox
        return dict(self.sandbox.tokens)

    def ensure_sandbox_token(self, check: Callable[[], None] = lambda: None) -> bool:
        """Start the sandbox and keep its token for our NIP in the keyring; True if stored."""
        tokens = self.start_sandbox(check)
        if self.nip and self.nip not in tokens:  # the NIP changed: a sandbox that knows it
            self.close_sandbox()
            tokens = self.start_sandbox()
        token = tokens.get(self.nip)
        if not token:
            return False
        entry = token_entry(environments.SANDBOX, self.nip)
        if self.secrets.get(entry) != token:
            self.secrets.set(entry, token)
        return True

    def ksef_client(self) -> Any:
        """A KSeF client for the environment and NIP in use (token from the keyring)."""
        from ksef_desktop.ksef.tokens import resolve_token
        from ksef_desktop.ksef.workflows import KsefClient

        env = self.environment()
        if env is None:
            raise SandboxNotInBuild
        token = resolve_token(self.env_name, self.nip, self.secrets)
        return KsefClient(self.http(), env, self.nip, token, now=self.now)

    def token_stored(self) -> bool:
        return bool(self.nip) and self.secrets.has(token_entry(self.env_name, self.nip))

    def store_token(self, token: str) -> None:
        self.secrets.set(token_entry(self.env_name, self.nip), token.strip())

    def close_sandbox(self) -> None:
        if self.sandbox is not None:
            sandbox, self.sandbox = self.sandbox, None
            sandbox.__exit__(None, None, None)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
        self.close_sandbox()
        close = getattr(self.ledger, "close", None)
        if close is not None:
            close()
