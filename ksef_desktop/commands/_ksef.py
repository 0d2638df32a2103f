"""Options and plumbing shared by the KSeF subcommands (send, sessions, token, import,
invoices, outbox): the target (``--env``/``--base-url`` and ``--nip``), its profile in the
store, its client."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ksef_desktop.i18n import _

if TYPE_CHECKING:
    import httpx

    from ksef_desktop.ksef.environments import Environment
    from ksef_desktop.ksef.workflows import KsefClient
    from ksef_desktop.store import Store
    from ksef_desktop.store.profiles import Profile

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
#: Another program (the window, another command) works in the data folder.
EXIT_BUSY = 4
#: How long a command waits for the data folder before it says who holds it.
LOCK_WAIT_S = 5.0


def add_target_options(parser: argparse.ArgumentParser, base_url: bool = True) -> None:
    from ksef_desktop.ksef.environments import NAMES

    if base_url:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--env", choices=NAMES, help="KSeF environment")
        target.add_argument(
            "--base-url", help="API URL of a sandbox on this computer (http://127.0.0.1:PORT/v2)"
        )
        parser.add_argument(
            "--allow-remote-sandbox",
            action="store_true",
            help="let --base-url name a sandbox on another computer (it gets the KSeF token)",
        )
    else:
        parser.add_argument("--env", choices=NAMES, required=True, help="KSeF environment")
    parser.add_argument("--nip", required=True, help="the NIP you act for (10 digits)")


def error(message: str) -> None:
    print(message, file=sys.stderr)


def checked_nip(text: str) -> str | None:
    from ksef_desktop.domain.identifiers import nip_is_valid, normalize_nip

    nip = normalize_nip(text)
    if not nip_is_valid(nip):
        error(_("Invalid NIP: {nip}").format(nip=text))
        return None
    return nip


def resolve_environment(args: argparse.Namespace) -> Environment | None:
    from ksef_desktop.ksef.environments import SANDBOX, UnknownEnvironment, environment

    try:
        if getattr(args, "base_url", None):
            remote = bool(getattr(args, "allow_remote_sandbox", False))
            return environment(SANDBOX, args.base_url, allow_remote=remote)
        return environment(args.env)
    except UnknownEnvironment as exc:
        error(str(exc))
        return None


def quiet_client_log() -> None:
    """The client's log lines (retries, fallbacks) are for the log, not the terminal: a
    command prints one sentence per outcome. Without any handler configured, Python would
    print warnings to stderr (``logging.lastResort``)."""
    logger = logging.getLogger("ksef_desktop.ksef")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def open_client(args: argparse.Namespace, http: httpx.Client) -> KsefClient | int:
    """A client for the target of ``args``, or an exit code after printing why not."""
    quiet_client_log()
    from ksef_desktop.ksef.tokens import TokenMissing, resolve_token
    from ksef_desktop.ksef.workflows import KsefClient
    from ksef_desktop.secrets import KeyringUnavailable

    nip = checked_nip(args.nip)
    env = resolve_environment(args)
    if nip is None or env is None:
        return EXIT_USAGE
    try:
        token = resolve_token(env.name, nip)
    except (TokenMissing, KeyringUnavailable) as exc:
        error(str(exc))
        return EXIT_USAGE
    return KsefClient(http, env, nip, token, now=lambda: datetime.now(UTC))


def open_profile(args: argparse.Namespace) -> tuple[Store, Profile] | int:
    """The data folder's store and the profile ``--env``/``--base-url`` and ``--nip``
    name (made if new), or an exit code after printing why not.

    ``--base-url`` names a Sandbox: the Sandbox profile of the NIP. The store is opened
    (and migrated) as the window opens it.
    """
    from ksef_desktop.store import open_store
    from ksef_desktop.store.db import StoreError
    from ksef_desktop.store.lock import FolderBusy
    from ksef_desktop.store.profiles import ProfileError, ensure_profile

    nip = checked_nip(args.nip)
    env = resolve_environment(args)
    if nip is None or env is None:
        return EXIT_USAGE
    try:
        store = open_store(
            getattr(args, "data_dir", None), lock=str(args.command), wait=LOCK_WAIT_S
        )
    except FolderBusy as exc:
        error(exc.message())
        return EXIT_BUSY
    except StoreError as exc:
        error(user_text(exc))
        return EXIT_USAGE
    try:
        with store.db.transaction() as conn:
            profile = ensure_profile(conn, env.name, nip, now=datetime.now(UTC))
    except ProfileError as exc:
        store.close()
        error(exc.message())
        return EXIT_USAGE
    return store, profile


def user_text(exc: BaseException) -> str:
    """The sentence a user reads for ``exc`` (its ``message()`` when it has one)."""
    message = getattr(exc, "message", None)
    if callable(message):
        return str(message())
    return str(exc)


def http_client() -> httpx.Client:
    """Per-operation timeouts, an overall deadline per exchange, TLS verified."""
    import httpx

    from ksef_desktop.ksef.deadline import new_http_client

    return new_http_client(httpx.Timeout(30.0, connect=10.0))
