"""Permissions in the profile's context (issue 17): who may issue or view the company's
invoices, read or manage its credentials; checked here before KSeF is asked.

``GrantRequest`` is what the user asks for (a person by NIP or PESEL, an entity such as
an accounting office by NIP, or an entity authorisation); ``grant`` and ``revoke`` wait
for KSeF to finish and return the operation's reference number; ``permission_rows``
lists what is in force, persons, entities and authorisations alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ksef_desktop.domain.access import (
    AUTHORIZATIONS,
    ENTITY_PERMISSIONS,
    PERSON_PERMISSIONS,
    pesel_is_valid,
)
from ksef_desktop.domain.identifiers import nip_is_valid, normalize_nip
from ksef_desktop.i18n import _
from ksef_desktop.ksef.access import AccessClient
from ksef_desktop.ksef.errors import Forbidden, KsefVerdict
from ksef_desktop.ksef.models_access import EntityAuthorizationGrant, Identifier
from ksef_desktop.services.credentials import CredentialsError, check_description

PERSON = "person"
ENTITY = "entity"
AUTHORIZATION = "authorization"


def _subject(text: str) -> Identifier:
    clean = normalize_nip(text)
    if len(clean) == 11 and clean.isdigit():
        if not pesel_is_valid(clean):
            raise CredentialsError(
                _("The PESEL {pesel} is not valid (check digit).").format(pesel=clean)
            )
        return Identifier("Pesel", clean)
    if not nip_is_valid(clean):
        raise CredentialsError(
            _("{value} is neither a valid NIP nor a valid PESEL.").format(value=text)
        )
    return Identifier("Nip", clean)


def _entity_nip(text: str) -> str:
    clean = normalize_nip(text)
    if not nip_is_valid(clean):
        raise CredentialsError(_("The NIP {nip} is not valid (check digit).").format(nip=text))
    return clean


def _name(text: str, low: int, high: int, what: str) -> str:
    text = text.strip()
    if not low <= len(text) <= high:
        raise CredentialsError(
            _("{what} has {low} to {high} characters.").format(what=what, low=low, high=high)
        )
    return text


@dataclass(frozen=True)
class GrantRequest:
    kind: str  # person | entity | authorization
    subject: Identifier
    permissions: tuple[str, ...]
    description: str
    names: tuple[str, ...]  # (first, last) of a person, (full name,) of an entity
    can_delegate: bool = False

    @classmethod
    def person(
        cls,
        identifier: str,
        permissions: Sequence[str],
        description: str,
        first_name: str,
        last_name: str,
    ) -> GrantRequest:
        return cls(
            PERSON,
            _subject(identifier),
            _allowed(permissions, PERSON_PERMISSIONS),
            check_description(description),
            (
                _name(first_name, 1, 60, _("A first name")),
                _name(last_name, 1, 81, _("A last name")),
            ),
        )

    @classmethod
    def entity(
        cls,
        nip: str,
        permissions: Sequence[str],
        description: str,
        full_name: str,
        *,
        can_delegate: bool = False,
    ) -> GrantRequest:
        return cls(
            ENTITY,
            Identifier("Nip", _entity_nip(nip)),
            _allowed(permissions, ENTITY_PERMISSIONS),
            check_description(description),
            (_name(full_name, 5, 90, _("A company's full name")),),
            can_delegate,
        )

    @classmethod
    def authorization(
        cls, nip: str, permission: str, description: str, full_name: str
    ) -> GrantRequest:
        return cls(
            AUTHORIZATION,
            Identifier("Nip", _entity_nip(nip)),
            _allowed([permission], AUTHORIZATIONS),
            check_description(description),
            (_name(full_name, 5, 90, _("A company's full name")),),
        )


def _allowed(permissions: Sequence[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(p for p in permissions if p))
    unknown = [p for p in chosen if p not in allowed]
    if not chosen or unknown:
        raise CredentialsError(_("Choose one or more of: {all}.").format(all=", ".join(allowed)))
    return chosen


def grant(access: AccessClient, request: GrantRequest) -> str:
    """Ask KSeF for the grant and wait until it is done; the operation's reference."""
    if request.kind == PERSON:
        first, last = request.names
        return access.grant_to_person(
            request.subject, request.permissions, request.description, first, last
        )
    if request.kind == ENTITY:
        pairs = [(p, request.can_delegate) for p in request.permissions]
        return access.grant_to_entity(
            request.subject.value, pairs, request.description, request.names[0]
        )
    return access.grant_authorization(
        request.subject.value, request.permissions[0], request.description, request.names[0]
    )


@dataclass(frozen=True)
class PermissionRow:
    id: str
    kind: str  # person | entity | authorization
    subject: str  # "Nip 1234567890", "Pesel 9…"
    permission: str
    state: str
    name: str
    description: str
    since: datetime
    can_delegate: bool = False
    author: str = field(default="")


def permission_rows(access: AccessClient) -> list[PermissionRow]:
    """Every permission in force in the context: persons and entities, then the entity
    authorisations the context granted (when this login may read those)."""
    rows = [
        PermissionRow(
            p.id,
            ENTITY if p.is_entity else PERSON,
            f"{p.authorized_identifier.type} {p.authorized_identifier.value}",
            p.permission_scope,
            p.permission_state,
            p.name,
            p.description,
            p.start_date,
            p.can_delegate,
            f"{p.author_identifier.type} {p.author_identifier.value}".strip()
            if p.author_identifier
            else "",
        )
        for p in access.permissions()
    ]
    grants = _authorizations(access)
    rows += [
        PermissionRow(
            g.id,
            AUTHORIZATION,
            f"{g.authorized_entity_identifier.type} {g.authorized_entity_identifier.value}",
            g.authorization_scope,
            "Active",
            g.name,
            g.description,
            g.start_date,
        )
        for g in grants
    ]
    return rows


def revoke(access: AccessClient, permission_id: str) -> str:
    """Revoke a permission (an entity authorisation, or any other); the operation's ref."""
    authorizations = {g.id for g in _authorizations(access)}
    return access.revoke_permission(permission_id, authorization=permission_id in authorizations)


def _authorizations(access: AccessClient) -> list[EntityAuthorizationGrant]:
    try:
        return list(access.authorizations())
    except (Forbidden, KsefVerdict):
        return []
