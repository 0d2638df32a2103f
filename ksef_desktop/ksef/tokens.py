"""Where the KSeF token comes from: the OS keyring, or ``KSEF_TOKEN`` for automation.

The keyring entry is ``token_entry(environment, nip)`` in ``SecretStore``, which refuses
plaintext or absent backends. ``KSEF_TOKEN`` is read, never written anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _
from ksef_desktop.secrets import SecretStore, token_entry

ENV_VAR = "KSEF_TOKEN"


class TokenMissing(UserError, LookupError):
    """No token for this environment and NIP; ``str(exc)`` says how to store one."""


def resolve_token(
    environment: str,
    nip: str,
    store: SecretStore | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """``KSEF_TOKEN`` if set (automation), else the keyring entry; ``TokenMissing`` if none.

    Raises ``KeyringUnavailable`` when only the keyring could help and it is not secure.
    """
    env = os.environ if environ is None else environ
    from_env = env.get(ENV_VAR, "").strip()
    if from_env:
        return from_env
    token = (store or SecretStore()).get(token_entry(environment, nip))
    if not token:
        raise TokenMissing(
            _(
                "No KSeF token for NIP {nip} in environment {env}. Store one with "
                "`ksef-desktop token set --env {env} --nip {nip}` (it reads the token "
                "from standard input)."
            ).format(nip=nip, env=environment)
        )
    return token


def save_token(environment: str, nip: str, token: str, store: SecretStore | None = None) -> None:
    token = token.strip()
    if not token:
        raise ValueError(_("The token is empty."))
    (store or SecretStore()).set(token_entry(environment, nip), token)


def delete_token(environment: str, nip: str, store: SecretStore | None = None) -> bool:
    return (store or SecretStore()).delete(token_entry(environment, nip))
