"""What the credential commands (token, certificate, permissions, logins) share: the
signature options and the login they lead to.

A signature comes from ``--p12 FILE`` (password from the environment variable named by
``--password-env``, never an argument), ``--cert FILE --key FILE`` (the same for an
encrypted key), ``--self-signed`` (Test and Sandbox only), ``--signed REQUEST.xml`` (a
request made by ``auth-request`` and signed elsewhere), or, without any of these, the
profile's KSeF Authentication certificate in the keyring. Commands that a token may do
use the profile's token when no signature is given (the certificate when there is no
token).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ksef_desktop.commands._ksef import (
    EXIT_REJECTED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    checked_nip,
    error,
    quiet_client_log,
    resolve_environment,
)
from ksef_desktop.i18n import _

if TYPE_CHECKING:
    import httpx

    from ksef_desktop.ksef.access import AccessClient
    from ksef_desktop.ksef.environments import Environment
    from ksef_desktop.ksef.xades import Signer


class UsageError(Exception):
    """A message for the user and the exit code that goes with it."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def add_signature_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(_("signature (a login by signature)"))
    how = group.add_mutually_exclusive_group()
    how.add_argument("--p12", type=Path, metavar="FILE", help="certificate and key (.p12/.pfx)")
    how.add_argument("--cert", type=Path, metavar="FILE", help="certificate (PEM/DER)")
    how.add_argument(
        "--self-signed",
        action="store_true",
        help="a self-signed certificate with the NIP (Test and Sandbox only)",
    )
    how.add_argument(
        "--signed",
        type=Path,
        metavar="REQUEST.xml",
        help="a request from auth-request, signed elsewhere (e.g. the trusted profile)",
    )
    group.add_argument("--key", type=Path, metavar="FILE", help="private key of --cert")
    group.add_argument(
        "--password-env",
        metavar="VAR",
        help="environment variable holding the password of --p12 or --key",
    )


def target(args: argparse.Namespace) -> tuple[Environment, str]:
    nip = checked_nip(args.nip)
    env = resolve_environment(args)
    if nip is None or env is None:
        raise UsageError("")  # the reason is printed already
    return env, nip


def _password(args: argparse.Namespace) -> str | None:
    name = getattr(args, "password_env", None)
    if not name:
        return None
    if name not in os.environ:
        raise UsageError(
            _("The environment variable {name} (--password-env) is not set.").format(name=name)
        )
    return os.environ[name]


def signature(
    args: argparse.Namespace, env: Environment, nip: str, *, stored: bool = True
) -> Signer | bytes | None:
    """The signer or the signed request ``args`` give; the profile's Authentication
    certificate when they give none (``stored``); None when there is nothing."""
    from ksef_desktop.secrets import KeyringUnavailable, SecretStore
    from ksef_desktop.services.signing import (
        SignatureError,
        load_signer,
        read_signed,
        self_signed_signer,
        stored_signer,
    )

    try:
        if getattr(args, "signed", None) is not None:
            return read_signed(args.signed, nip).document
        if getattr(args, "self_signed", False):
            return self_signed_signer(env.name, nip, now=datetime.now(UTC))
        if getattr(args, "p12", None) is not None:
            return load_signer(args.p12, None, _password(args))
        if getattr(args, "cert", None) is not None:
            if args.key is None:
                raise UsageError(_("--cert needs --key (or use --p12)."))
            return load_signer(args.cert, args.key, _password(args))
        if getattr(args, "key", None) is not None:
            raise UsageError(_("--key needs --cert."))
        return stored_signer(SecretStore(), env.name, nip) if stored else None
    except SignatureError as exc:
        raise UsageError(str(exc)) from None
    except KeyringUnavailable as exc:
        raise UsageError(str(exc)) from None


def open_access(
    args: argparse.Namespace, http: httpx.Client, *, need_signature: bool
) -> AccessClient:
    """A login by signature when one is given (or needed), else the profile's token."""
    quiet_client_log()
    from ksef_desktop.ksef.tokens import TokenMissing, resolve_token
    from ksef_desktop.ksef.workflows import KsefClient
    from ksef_desktop.secrets import KeyringUnavailable
    from ksef_desktop.services.signing import SELF_SIGNED_ENVIRONMENTS, signed_access

    env, nip = target(args)
    now = lambda: datetime.now(UTC)  # noqa: E731
    found = signature(args, env, nip, stored=False)
    if found is None and need_signature:
        found = signature(args, env, nip)  # the profile's Authentication certificate
        if found is None:
            ways = "--p12, --cert/--key, --signed"
            if env.name in SELF_SIGNED_ENVIRONMENTS:
                ways += ", --self-signed"
            raise UsageError(
                _(
                    "This needs a login by signature: give {ways}, or enrol a KSeF "
                    "Authentication certificate for the profile first."
                ).format(ways=ways)
            )
    if found is not None:
        return signed_access(http, env, nip, found, now=now)
    try:
        token = resolve_token(env.name, nip)
    except TokenMissing as exc:
        found = signature(args, env, nip)  # no token: the profile's certificate may do
        if found is None:
            raise UsageError(str(exc)) from None
        return signed_access(http, env, nip, found, now=now)
    except KeyringUnavailable as exc:
        raise UsageError(str(exc)) from None
    return KsefClient(http, env, nip, token, now=now).access()


def run_guarded(work: Callable[[], int]) -> int:
    """Run a command's work: KSeF's refusals, unreachable KSeF and bad input become one
    sentence on stderr and an exit code, never a traceback."""
    from ksef_desktop.ksef.errors import EnvironmentFault, KsefError
    from ksef_desktop.ksef.messages import describe
    from ksef_desktop.secrets import KeyringUnavailable
    from ksef_desktop.services.credentials import CredentialsError
    from ksef_desktop.services.signing import SignatureError

    try:
        return work()
    except UsageError as exc:
        if str(exc):
            error(str(exc))
        return exc.code
    except (SignatureError, CredentialsError, KeyringUnavailable) as exc:
        error(str(exc))
        return EXIT_REJECTED
    except EnvironmentFault as exc:
        error(describe(exc))
        return EXIT_UNAVAILABLE
    except KsefError as exc:
        error(describe(exc))
        return EXIT_REJECTED


def moment(value: datetime | None) -> str:
    """A moment for a command's output: ISO 8601 in UTC to the second, or ``-``."""
    if value is None:
        return "-"
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
