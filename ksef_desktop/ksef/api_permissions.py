"""Permissions (KSEF-PROTOCOL.md §8, uprawnienia.md): one function per endpoint.

Grants and revocations are asynchronous (202 with an operation reference; its status at
GET /permissions/operations/{ref}); they take effect at the subject's next login.
Granting needs ``CredentialsManage``, reading ``CredentialsRead`` (or Manage).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ksef_desktop.ksef.models_access import (
    Identifier,
    PermissionsOperationResponse,
    PermissionsOperationStatusResponse,
    QueryEntityAuthorizationPermissionsResponse,
    QueryPersonPermissionsResponse,
)
from ksef_desktop.ksef.transport import Transport

GROUP = "other"


def _operation(t: Transport, method: str, path: str, body: Any = None) -> str:
    data = t.json(method, path, json=body, access=True, expect=(202,), group=GROUP)
    return PermissionsOperationResponse.from_json(data).reference_number


def grant_to_person(
    t: Transport,
    subject: Identifier,
    permissions: Sequence[str],
    description: str,
    first_name: str,
    last_name: str,
) -> str:
    """POST /permissions/persons/grants: a person identified by NIP or PESEL (their
    certificate or trusted profile carries it); the operation's reference number."""
    body = {
        "subjectIdentifier": subject.to_json(),
        "permissions": list(permissions),
        "description": description,
        "subjectDetails": {
            "subjectDetailsType": "PersonByIdentifier",
            "personById": {"firstName": first_name, "lastName": last_name},
        },
    }
    return _operation(t, "POST", "/permissions/persons/grants", body)


def grant_to_entity(
    t: Transport,
    nip: str,
    permissions: Sequence[tuple[str, bool]],
    description: str,
    full_name: str,
) -> str:
    """POST /permissions/entities/grants: (permission, canDelegate) pairs to an entity."""
    body = {
        "subjectIdentifier": {"type": "Nip", "value": nip},
        "permissions": [{"type": p, "canDelegate": d} for p, d in permissions],
        "description": description,
        "subjectDetails": {"fullName": full_name},
    }
    return _operation(t, "POST", "/permissions/entities/grants", body)


def grant_authorization(
    t: Transport, nip: str, permission: str, description: str, full_name: str
) -> str:
    """POST /permissions/authorizations/grants: SelfInvoicing, RRInvoicing,
    TaxRepresentative or PefInvoicing for an entity."""
    body = {
        "subjectIdentifier": {"type": "Nip", "value": nip},
        "permission": permission,
        "description": description,
        "subjectDetails": {"fullName": full_name},
    }
    return _operation(t, "POST", "/permissions/authorizations/grants", body)


def revoke_common(t: Transport, permission_id: str) -> str:
    """DELETE /permissions/common/grants/{permissionId}."""
    return _operation(t, "DELETE", f"/permissions/common/grants/{permission_id}")


def revoke_authorization(t: Transport, permission_id: str) -> str:
    """DELETE /permissions/authorizations/grants/{permissionId}."""
    return _operation(t, "DELETE", f"/permissions/authorizations/grants/{permission_id}")


def operation_status(t: Transport, reference_number: str) -> PermissionsOperationStatusResponse:
    """GET /permissions/operations/{referenceNumber}."""
    data = t.json("GET", f"/permissions/operations/{reference_number}", access=True, group=GROUP)
    return PermissionsOperationStatusResponse.from_json(data)


def query_persons(
    t: Transport,
    query_type: str = "PermissionsInCurrentContext",
    *,
    state: str = "Active",
    page_offset: int = 0,
    page_size: int = 100,
) -> QueryPersonPermissionsResponse:
    """POST /permissions/query/persons/grants: persons and entities in the context
    (``state`` Active: those in force; Inactive: indirect ones not in force)."""
    data = t.json(
        "POST",
        "/permissions/query/persons/grants",
        json={"queryType": query_type, "permissionState": state},
        params={"pageOffset": page_offset, "pageSize": page_size},
        access=True,
        group=GROUP,
    )
    return QueryPersonPermissionsResponse.from_json(data)


def query_authorizations(
    t: Transport, query_type: str = "Granted", *, page_offset: int = 0, page_size: int = 100
) -> QueryEntityAuthorizationPermissionsResponse:
    """POST /permissions/query/authorizations/grants (Granted | Received)."""
    data = t.json(
        "POST",
        "/permissions/query/authorizations/grants",
        json={"queryType": query_type},
        params={"pageOffset": page_offset, "pageSize": page_size},
        access=True,
        group=GROUP,
    )
    return QueryEntityAuthorizationPermissionsResponse.from_json(data)
