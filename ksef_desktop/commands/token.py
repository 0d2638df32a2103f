"""``ksef-desktop token set|delete|generate|list|revoke (--env ENV|--base-url URL) --nip NIP``.

- ``set`` reads the token from standard input (never the shell history or the process
  list) into the keyring; ``delete`` removes it.
- ``generate SIGNATURE|--signed REQUEST.xml --permissions P[,P...] [--description TEXT]``
  logs in by signature, has KSeF generate a token, keeps it in the keyring for the
  profile and prints its reference number (never the token).
- ``list`` prints ``REF STATUS LAST-USE PERMISSIONS DESCRIPTION`` per token;
  ``revoke REF`` revokes one (and forgets it, when it is the profile's).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ksef_desktop.commands._access import (
    UsageError,
    add_signature_options,
    moment,
    open_access,
    run_guarded,
    target,
)
from ksef_desktop.commands._ksef import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_USAGE,
    add_target_options,
    error,
    http_client,
)
from ksef_desktop.i18n import _

ACTIONS = ("set", "delete", "generate", "list", "revoke")
DEFAULT_DESCRIPTION = "KSeF Desktop"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "token",
        help="KSeF tokens: keep one in the keyring, generate, list, revoke",
        description=(
            "set/delete: the profile's token in the system keyring (set reads standard "
            "input). generate: log in by signature and have KSeF make a token, kept in the "
            "keyring. list/revoke: the context's tokens."
        ),
    )
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("reference", nargs="?", metavar="REF", help="token to revoke")
    add_target_options(parser)
    parser.add_argument(
        "--permissions",
        metavar="P[,P...]",
        help="for generate: InvoiceWrite, InvoiceRead, CredentialsRead, CredentialsManage, "
        "Introspection, SubunitManage, EnforcementOperations, CollectiveIdentifierManage",
    )
    parser.add_argument("--description", help="for generate: 5 to 256 characters")
    add_signature_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action in ("set", "delete"):
        return _keyring(args)
    return run_guarded(lambda: _remote(args))


def _keyring(args: argparse.Namespace) -> int:
    from ksef_desktop.commands._ksef import checked_nip
    from ksef_desktop.ksef.tokens import delete_token, save_token
    from ksef_desktop.secrets import KeyringUnavailable

    nip = checked_nip(args.nip)
    if nip is None:
        return EXIT_USAGE
    # The keyring entry is named by the environment alone (a Sandbox's port may change).
    env_name = args.env or "sandbox"
    try:
        if args.action == "set":
            token = sys.stdin.readline().strip()
            if not token:
                error(_("No token on standard input: pipe it in (`… token set … < file`)."))
                return EXIT_USAGE
            save_token(env_name, nip, token)
            print(
                _("Token stored in the system keyring for NIP {nip} ({env}).").format(
                    nip=nip, env=env_name
                )
            )
            return EXIT_OK
        if delete_token(env_name, nip):
            print(_("Token deleted for NIP {nip} ({env}).").format(nip=nip, env=env_name))
            return EXIT_OK
        error(_("There was no token for NIP {nip} ({env}).").format(nip=nip, env=env_name))
        return EXIT_REJECTED
    except KeyringUnavailable as exc:
        error(str(exc))
        return EXIT_USAGE


def _permissions(text: str | None) -> list[str]:
    from ksef_desktop.domain.access import TOKEN_PERMISSIONS

    if not text:
        raise UsageError(
            _("Give --permissions, e.g. InvoiceWrite,InvoiceRead (one or more of: {all}).").format(
                all=", ".join(TOKEN_PERMISSIONS)
            )
        )
    chosen = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in TOKEN_PERMISSIONS]
    if unknown or not chosen:
        raise UsageError(
            _("Unknown permission {name}; a token may have: {all}.").format(
                name=", ".join(unknown) or text, all=", ".join(TOKEN_PERMISSIONS)
            )
        )
    return chosen


def _remote(args: argparse.Namespace) -> int:
    from ksef_desktop.secrets import SecretStore
    from ksef_desktop.services.credentials import generate_token

    env, nip = target(args)
    if args.action == "revoke" and not args.reference:
        raise UsageError(_("Name the token to revoke: token revoke REF."))
    if args.action == "generate":
        permissions = _permissions(args.permissions)
    with http_client() as http:
        if args.action == "generate":
            access = open_access(args, http, need_signature=True)
            ref = generate_token(
                access,
                SecretStore(),
                environment=env.name,
                nip=nip,
                permissions=permissions,
                description=args.description or DEFAULT_DESCRIPTION,
            )
            print(ref)
            return EXIT_OK
        access = open_access(args, http, need_signature=False)
        if args.action == "list":
            for token in access.tokens():
                print(
                    " ".join(
                        [
                            token.reference_number,
                            token.status,
                            moment(token.last_use_date),
                            ",".join(token.requested_permissions) or "-",
                            token.description,
                        ]
                    )
                )
            return EXIT_OK
        access.revoke_token(args.reference)
    print(_("Token {ref} revoked.").format(ref=args.reference))
    _forget_if_ours(env.name, nip, args.reference)
    return EXIT_OK


def _forget_if_ours(environment: str, nip: str, reference: str) -> None:
    """The profile's keyring entry goes when it holds the revoked token (a KSeF token
    begins with its reference number)."""
    from ksef_desktop.secrets import SecretStore, token_entry

    store = SecretStore()
    stored = store.get(token_entry(environment, nip)) or ""
    if stored.split("|", 1)[0] == reference:
        store.delete(token_entry(environment, nip))
        print(_("It was the profile's token: removed from the system keyring."))
