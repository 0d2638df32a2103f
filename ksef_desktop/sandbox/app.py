"""The ``Sandbox`` object: builds the core, binds the server, runs it in a thread."""

from __future__ import annotations

import ipaddress
import logging
import threading
from types import TracebackType
from typing import Any

from ksef_desktop.sandbox import (
    auth,
    auth_sessions,
    control,
    latarnia,
    queries,
    sessions_online,
    storage,
)
from ksef_desktop.sandbox.config import API_VERSIONS, SandboxConfig
from ksef_desktop.sandbox.control import accepted_state
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.processing import Worker, resume_after_load
from ksef_desktop.sandbox.routing import Route, Router
from ksef_desktop.sandbox.server import API_PREFIX, SandboxHTTPServer

log = logging.getLogger("ksef_desktop.sandbox")


def api_routes(api_version: str = "2.9.0") -> list[Route]:
    """The /v2 operations; with ``api_version`` "2.7.0" also the ones 2.9.0 dropped."""
    from ksef_desktop.sandbox import (
        auth_xades,
        certificates,
        collective,
        exports,
        extra_api,
        invoices,
        permission_queries,
        permissions,
        sessions_batch,
        testdata,
        tokens,
    )

    return [
        *auth.ROUTES,
        *auth_xades.ROUTES,
        *certificates.ROUTES,
        *permissions.ROUTES,
        *permission_queries.ROUTES,
        *testdata.ROUTES,
        *auth_sessions.ROUTES,
        *sessions_online.ROUTES,
        *sessions_batch.ROUTES,
        *queries.ROUTES,
        *invoices.ROUTES,
        *exports.ROUTES,
        *tokens.ROUTES,
        *extra_api.ROUTES,
        *collective.ROUTES,
        *(collective.LEGACY_ROUTES if api_version == "2.7.0" else []),
    ]


def other_routes() -> list[Route]:
    from ksef_desktop.sandbox import exports, qrpage, sessions_batch

    return [
        *public_register_routes(),
        *storage.ROUTES,
        *sessions_batch.STORAGE_ROUTES,
        *exports.STORAGE_ROUTES,
        *latarnia.ROUTES,
        *control.ROUTES,
        *qrpage.ROUTES,
    ]


def public_register_routes() -> list[Route]:
    """The imitations of the public registers (issue 20): VAT white list, VIES, NBP."""
    from ksef_desktop.sandbox import nbp, vies, whitelist

    return [*whitelist.ROUTES, *vies.ROUTES, *nbp.ROUTES]


class Sandbox:
    """A local KSeF API 2.0 server; see the package docstring for the whole contract."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.core = SandboxCore(self.config)
        self.worker = Worker(self.core)
        self.core.worker = self.worker
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._persister: Any = None

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        from ksef_desktop.sandbox.persist import Persister

        if not ipaddress.ip_address(self.config.host).is_loopback:
            raise ValueError("the sandbox listens on a loopback address only (127.0.0.1)")
        if self.config.api_version not in API_VERSIONS:
            raise ValueError(f"api_version must be one of {', '.join(API_VERSIONS)}")
        core = self.core
        self._persister = Persister(core, self.config.state_file)
        self._persister.load()
        core.ensure_keys()
        core.ensure_ca()
        core.ensure_ready_tokens()
        server = SandboxHTTPServer(
            (self.config.host, self.config.port),
            core,
            Router(api_routes(self.config.api_version)),
            Router(other_routes()),
        )
        self._server = server
        host, port = server.server_address[:2]
        core.server_url = f"http://{host!s}:{port}"
        core.faults.apply_start_flags()
        self.worker.start()
        resume_after_load(core)
        self._persister.start()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="sandbox-http",
            daemon=True,
        )
        self._thread.start()
        log.info("KSeF sandbox listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.worker.stop()
        if self._persister is not None:
            self._persister.stop()
        log.info("KSeF sandbox stopped")

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what clients need -------------------------------------------------------------

    @property
    def server_url(self) -> str:
        return self.core.server_url

    @property
    def base_url(self) -> str:
        return self.core.server_url + API_PREFIX

    @property
    def qr_base(self) -> str:
        return self.core.server_url + "/qr"

    @property
    def latarnia_url(self) -> str:
        return self.core.server_url + "/latarnia"

    @property
    def whitelist_url(self) -> str:
        """The VAT white list imitation (the real one: https://wl-api.mf.gov.pl)."""
        return self.core.server_url + "/wl"

    @property
    def vies_url(self) -> str:
        """VIES' REST API imitated (https://ec.europa.eu/taxation_customs/vies/rest-api)."""
        return self.core.server_url + "/vies/rest-api"

    @property
    def nbp_url(self) -> str:
        """NBP's API imitated (the real one: https://api.nbp.pl)."""
        return self.core.server_url + "/nbp"

    @property
    def tokens(self) -> dict[str, str]:
        """{nip: a ready, active KSeF token} for every configured NIP."""
        out = {}
        for nip in self.config.nips:
            token = self.core.ready_token(nip)
            if token is not None:
                out[nip] = token
        return out

    def token_active(self, token: str) -> bool:
        """True when ``token`` is a KSeF token of this sandbox with status Active (one the
        user generated is kept by the app as long as it works)."""
        with self.core.state.lock:
            return any(
                t.token == token and t.status == "Active" for t in self.core.state.tokens.values()
            )

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every invoice sent so far has its verdict."""
        return self.worker.wait_idle(timeout)

    def wait_persisted(self, timeout: float = 5.0) -> bool:
        """Block until the state file holds every change so far (``state_file`` only)."""
        return self._persister is not None and self._persister.wait_saved(timeout)

    def accepted_state(self) -> dict[str, Any]:
        """The same view as GET /_sandbox/state."""
        return accepted_state(self.core)

    def describe(self) -> dict[str, Any]:
        """The JSON object the CLI prints as its first line."""
        return {
            "base_url": self.base_url,
            "qr_base": self.qr_base,
            "latarnia_url": self.latarnia_url,
            "tokens": self.tokens,
            "whitelist_url": self.whitelist_url,
            "vies_url": self.vies_url,
            "nbp_url": self.nbp_url,
        }
