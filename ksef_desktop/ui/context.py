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

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import N_, _
from ksef_desktop.ksef import environments
from ksef_desktop.ksef.environments import Environment
from ksef_desktop.paths import ensure_private_dir
from ksef_desktop.secrets import SecretStore, token_entry
from ksef_desktop.ui.settings import Settings

if TYPE_CHECKING:
    import httpx

    from ksef_desktop.ksef.workflows import KsefClient
    from ksef_desktop.sandbox import Sandbox
    from ksef_desktop.services.ledger_store import StoreLedger
    from ksef_desktop.store import Store
    from ksef_desktop.store.profiles import Profile

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


class SandboxNotRunning(UserError, RuntimeError):
    def message(self) -> str:
        return _("The built-in Sandbox is not running yet; try again in a moment.")


@dataclass
class AppContext:
    """The program's state outside the widgets.

    The current **profile** (one seller NIP in one environment, issue 14) is named by the
    settings (``environment`` + ``nip``) and lives in the store; ``profile`` is set by the
    worker once it is resolved. The store, the HTTP connection and the one KSeF client of
    the current profile are owned here, made on first use in the worker; the client is
    dropped and rebuilt whenever the profile or its environment's address changes, so
    every panel, the sender and the collective dialog use the same one.
    """

    data_dir: Path
    settings: Settings
    secrets: SecretStore = field(default_factory=SecretStore)
    now: Callable[[], datetime] = utc_now
    sandbox: Sandbox | None = None
    #: The current profile (None until the worker resolved it); read it anywhere.
    profile: Profile | None = None
    ledger: StoreLedger | None = None
    _http: httpx.Client | None = None
    _store: Store | None = None
    _client: KsefClient | None = None
    _client_key: tuple[int, str] | None = None

    @classmethod
    def open(cls, data_dir: Path, **kwargs: Any) -> AppContext:
        ensure_private_dir(data_dir)
        return cls(data_dir, Settings(data_dir), **kwargs)

    # --- identity -------------------------------------------------------------------

    @property
    def env_name(self) -> str:
        """The environment of the current profile (of the settings before it is resolved)."""
        if self.profile is not None:
            return self.profile.environment.value
        return str(self.settings["environment"])

    @property
    def nip(self) -> str:
        if self.profile is not None:
            return self.profile.nip
        return str(self.settings["nip"])

    def environment(self) -> Environment | None:
        """The addresses of the current environment (None: the sandbox is not running)."""
        return self.environment_named(self.env_name)

    def environment_named(self, name: str) -> Environment | None:
        """The addresses of environment ``name`` (None: the sandbox is not running)."""
        if name == environments.SANDBOX:
            if self.sandbox is None:
                return None
            sb = self.sandbox
            return environments.sandbox(sb.base_url, sb.qr_base, sb.latarnia_url)
        return environments.environment(name)

    # --- worker-side operations ---------------------------------------------------------

    def store(self) -> Store:
        """The data folder's store, opened (and migrated) on first use."""
        if self._store is None:
            from ksef_desktop.store import open_store

            self._store = open_store(self.data_dir)
        return self._store

    def profile_now(self) -> Profile:
        """The current profile: the one the settings name, made in the store if new."""
        wanted = (str(self.settings["environment"]), str(self.settings["nip"]))
        profile = self.profile
        if profile is None or (profile.environment.value, profile.nip) != wanted:
            from ksef_desktop.store.profiles import ensure_profile

            with self.store().db.transaction() as conn:
                profile = ensure_profile(conn, *wanted, now=self.now())
            self._set_profile(profile)
        return profile

    def select_profile(
        self,
        environment: str,
        nip: str,
        *,
        company_name: str | None = None,
        company_address: str | None = None,
        token: str = "",
        confirm_production: bool = False,
    ) -> Profile:
        """Make ``(environment, nip)`` the current profile (made if new): the settings
        name it, its company data and token are kept, and the client is rebuilt.

        A Production profile is confirmed once (``confirm_production``: the user said yes
        in the window); without it the switch is refused, so nothing can be sent there
        by mistake."""
        from ksef_desktop.store.profiles import (
            ProfileError,
            checked_identity,
            ensure_profile,
            get_profile,
            update_company,
        )
        from ksef_desktop.store.profiles import (
            confirm_production as confirm,
        )

        env, clean = checked_identity(environment, nip)
        with self.store().db.transaction() as conn:
            profile = ensure_profile(conn, env.value, clean, now=self.now())
            if company_name is not None or company_address is not None:
                update_company(
                    conn,
                    profile.id,
                    company_name=company_name if company_name is not None else profile.company_name,
                    company_address=(
                        company_address if company_address is not None else profile.company_address
                    ),
                )
            if profile.needs_production_confirmation:
                if not confirm_production:
                    raise ProfileError(
                        _(
                            "Production is the real KSeF, where invoices are legal documents: "
                            "confirm that you want to work there."
                        )
                    )
                confirm(conn, profile.id, now=self.now())
            profile = get_profile(conn, profile.id)
        leaving_sandbox = self.sandbox is not None and (
            env.value != environments.SANDBOX or clean not in self.sandbox.config.nips
        )
        self.settings["environment"] = env.value
        self.settings["nip"] = clean
        self.settings["first_run_done"] = True
        self.settings.save()
        if leaving_sandbox:
            self.close_sandbox()
        self._set_profile(profile)
        if token:
            self.store_token(token)
        return profile

    def reload_profile(self) -> Profile:
        """The current profile as the store has it now (after its data changed)."""
        from ksef_desktop.store.profiles import get_profile

        profile = get_profile(self.store().db.connection(), self.profile_now().id)
        self._set_profile(profile)
        return profile

    def _set_profile(self, profile: Profile) -> None:
        old = self.profile
        self.profile = profile
        if old is None or old.id != profile.id:
            self.drop_client()
            log.info("profile %s (%s %s)", profile.id, profile.environment.value, profile.nip)

    def http(self) -> httpx.Client:
        if self._http is None:
            import httpx  # with its dependencies ~50 ms: paid in the worker, not at start

            from ksef_desktop.ksef.deadline import new_http_client

            self._http = new_http_client(httpx.Timeout(10.0, connect=5.0))
        return self._http

    def start_sandbox(
        self, check: Callable[[], None] = lambda: None, *, nip: str = ""
    ) -> dict[str, str]:
        """Start the in-process sandbox for ``nip`` (default: the NIP in use); its tokens
        by NIP. One running for another NIP is started again for this one (its state, kept
        in the data folder, stays).

        ``check`` (a job's ``JobContext.check``) is called once the sandbox's modules
        are imported: a program closing meanwhile does not start it only to stop it."""
        from ksef_desktop.sandbox import Sandbox, SandboxConfig

        check()
        nip = nip or self.nip
        if self.sandbox is not None and nip and nip not in self.sandbox.config.nips:
            self.close_sandbox()
        if self.sandbox is None:
            nips = (nip,) if nip else ()
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
        stored = self.secrets.get(entry)
        sandbox = self.sandbox
        assert sandbox is not None, "started above"
        if stored != token and not (stored and sandbox.token_active(stored)):
            self.secrets.set(entry, token)  # a token of our own stays while it works
        return True

    def ksef_client(self) -> KsefClient:
        """The KSeF client of the current profile (token from the keyring): one per
        profile, made on first use and kept while the profile and its address hold."""
        from ksef_desktop.ksef.tokens import resolve_token
        from ksef_desktop.ksef.workflows import KsefClient

        profile = self.profile_now()
        env = self.environment()
        if env is None:
            raise SandboxNotRunning
        key = (profile.id, env.api_base)
        if self._client is None or self._client_key != key:
            token = resolve_token(env.name, profile.nip, self.secrets)
            self._client = KsefClient(self.http(), env, profile.nip, token, now=self.now)
            self._client_key = key
        client = self._client
        return client

    def drop_client(self) -> None:
        """Forget the client (the profile, its environment or its token changed)."""
        self._client = None
        self._client_key = None

    def token_stored(self) -> bool:
        return bool(self.nip) and self.secrets.has(token_entry(self.env_name, self.nip))

    def store_token(self, token: str) -> None:
        self.secrets.set(token_entry(self.env_name, self.nip), token.strip())
        self.drop_client()

    def close_sandbox(self) -> None:
        if self.sandbox is not None:
            sandbox, self.sandbox = self.sandbox, None
            sandbox.__exit__(None, None, None)
            self.drop_client()

    def close_store(self) -> None:
        """Close the store (a backup is about to be restored in its place)."""
        if self._store is not None:
            self._store.close()
            self._store = None
        self.profile = None
        self.drop_client()

    def close(self) -> None:
        self.drop_client()
        if self._http is not None:
            self._http.close()
            self._http = None
        self.close_sandbox()
        if self._store is not None:
            self._store.close()
            self._store = None
