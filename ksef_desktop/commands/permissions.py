"""``ksef-desktop permissions kinds|list|grant|revoke (--env ENV|--base-url URL) --nip NIP``.

- ``kinds``: every permission KSeF has, with what it lets the holder do.
- ``list``: ``ID SUBJECT PERMISSION STATE NAME`` per permission in the context (persons,
  entities, and the entity authorisations granted).
- ``grant --person NIP|PESEL --first-name A --last-name B --permissions P[,P...]``,
  ``grant --entity NIP --entity-name NAME --permissions P[,P...] [--can-delegate]`` or
  ``grant --entity NIP --entity-name NAME --authorization SelfInvoicing|RRInvoicing|
  TaxRepresentative|PefInvoicing``, each with ``--description TEXT``; prints the
  operation's reference number once KSeF has done it.
- ``revoke ID``.

Reading needs CredentialsRead (the profile's token may do), granting and revoking
CredentialsManage (a login by signature: the options of ``token generate``).
"""

from __future__ import annotations

import argparse
from typing import Any

from ksef_desktop.commands._access import (
    UsageError,
    add_signature_options,
    open_access,
    run_guarded,
    target,
)
from ksef_desktop.commands._ksef import EXIT_OK, add_target_options, http_client
from ksef_desktop.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "permissions", help="who may act for the company in KSeF: list, grant, revoke"
    )
    parser.add_argument("action", choices=("kinds", "list", "grant", "revoke"))
    parser.add_argument("permission_id", nargs="?", metavar="ID", help="permission to revoke")
    add_target_options(parser)
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--person", metavar="NIP|PESEL", help="grant to a person")
    who.add_argument("--entity", metavar="NIP", help="grant to a company (an accounting office)")
    parser.add_argument("--first-name", help="the person's first name")
    parser.add_argument("--last-name", help="the person's last name")
    parser.add_argument("--entity-name", help="the company's full name")
    parser.add_argument(
        "--permissions", metavar="P[,P...]", help="for grant: the kinds (see: permissions kinds)"
    )
    parser.add_argument("--authorization", help="an entity authorisation instead")
    parser.add_argument("--can-delegate", action="store_true", help="entity may pass it on")
    parser.add_argument("--description", help="5 to 256 characters")
    add_signature_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "kinds":
        return _kinds()
    return run_guarded(lambda: _run(args))


def _kinds() -> int:
    from ksef_desktop.domain.access import (
        AUTHORIZATIONS,
        ENTITY_PERMISSIONS,
        PERSON_PERMISSIONS,
        kind,
    )

    for title, codes in (
        (_("Persons:"), PERSON_PERMISSIONS),
        (_("Entities (e.g. an accounting office):"), ENTITY_PERMISSIONS),
        (_("Entity authorisations (--authorization):"), AUTHORIZATIONS),
    ):
        print(title)
        for code in codes:
            k = kind(code)
            print(f"  {code}: {k.text()}. {k.explain()}")
    return EXIT_OK


def _chosen(text: str | None, allowed: tuple[str, ...]) -> list[str]:
    chosen = [p.strip() for p in (text or "").split(",") if p.strip()]
    unknown = [p for p in chosen if p not in allowed]
    if not chosen or unknown:
        raise UsageError(
            _("Give --permissions with one or more of: {all}.").format(all=", ".join(allowed))
        )
    return chosen


def _run(args: argparse.Namespace) -> int:
    from ksef_desktop.services.access_rights import grant, permission_rows

    target(args)
    if args.action == "revoke" and not args.permission_id:
        raise UsageError(_("Name the permission to revoke: permissions revoke ID."))
    request = _request(args) if args.action == "grant" else None
    with http_client() as http:
        access = open_access(args, http, need_signature=False)
        if args.action == "list":
            for row in permission_rows(access):
                print(f"{row.id} {row.subject} {row.permission} {row.state} {row.name}".rstrip())
            return EXIT_OK
        if request is not None:
            print(grant(access, request))
            return EXIT_OK
        from ksef_desktop.services.access_rights import revoke

        print(revoke(access, args.permission_id))
    return EXIT_OK


def _request(args: argparse.Namespace) -> Any:
    from ksef_desktop.domain.access import ENTITY_PERMISSIONS, PERSON_PERMISSIONS
    from ksef_desktop.services.access_rights import GrantRequest

    description = args.description or ""
    if args.person:
        if not (args.first_name and args.last_name):
            raise UsageError(_("A person needs --first-name and --last-name."))
        return GrantRequest.person(
            args.person,
            _chosen(args.permissions, PERSON_PERMISSIONS),
            description,
            args.first_name,
            args.last_name,
        )
    if args.entity:
        if not args.entity_name:
            raise UsageError(_("An entity needs --entity-name (its full name)."))
        if args.authorization:
            return GrantRequest.authorization(
                args.entity, args.authorization, description, args.entity_name
            )
        return GrantRequest.entity(
            args.entity,
            _chosen(args.permissions, ENTITY_PERMISSIONS),
            description,
            args.entity_name,
            can_delegate=args.can_delegate,
        )
    raise UsageError(_("permissions grant needs --person or --entity."))
