"""Who may do what in a context: the owner's permissions, the ones granted to a person or
an entity (permissions.py, /testdata/permissions), and the Test environment's links of a
PESEL to a NIP (/testdata/person).

Identifiers are ``{"type": ..., "value": ...}`` as in open-api.json; a certificate
fingerprint is 64 uppercase hex digits.
"""

from __future__ import annotations

from typing import Any

from ksef_desktop.sandbox.core import SandboxCore

# OwnerPermissionScope of open-api.json 2.9.0 without EnforcementOperations, which only an
# enforcement authority or a court bailiff has.
OWNER_PERMISSIONS = [
    "CredentialsManage",
    "CredentialsRead",
    "InvoiceWrite",
    "InvoiceRead",
    "Introspection",
    "SubunitManage",
    "CollectiveIdentifierManage",
]
ENFORCEMENT = "EnforcementOperations"
# What a person or an entity may get in a context (PersonPermissionType and others).
GRANTABLE = (*OWNER_PERMISSIONS, ENFORCEMENT, "VatUeManage", "PefInvoiceWrite")


def ident(kind: str, value: str) -> dict[str, str]:
    return {"type": kind, "value": value}


def same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return False
    return bool(
        a.get("type") == b.get("type")
        and str(a.get("value", "")).upper() == str(b.get("value", "")).upper()
    )


def person_of(core: SandboxCore, nip: str) -> dict[str, Any] | None:
    """The test person whose NIP this is (/testdata/person), if any."""
    persons: dict[str, Any] = core.state.testdata.get("persons", {})
    return persons.get(nip)


def is_owner(core: SandboxCore, context_nip: str, subject: dict[str, str]) -> bool:
    """The subject is the taxpayer of the context: its own NIP, or the PESEL the Test
    environment links to that NIP (a sole trader)."""
    if subject.get("type") == "Nip":
        return subject.get("value") == context_nip
    if subject.get("type") == "Pesel":
        person = person_of(core, context_nip)
        return person is not None and person.get("pesel") == subject.get("value")
    return False


def _enforcement(core: SandboxCore, context_nip: str) -> bool:
    subjects: dict[str, Any] = core.state.testdata.get("subjects", {})
    person = person_of(core, context_nip)
    subject = subjects.get(context_nip)
    return bool(
        (subject is not None and subject.get("subjectType") == "EnforcementAuthority")
        or (person is not None and person.get("isBailiff"))
    )


def owner_permissions(core: SandboxCore, context_nip: str) -> list[str]:
    extra = [ENFORCEMENT] if _enforcement(core, context_nip) else []
    return [*OWNER_PERMISSIONS, *extra]


def granted(core: SandboxCore, context: dict[str, str], subject: dict[str, str]) -> list[str]:
    """The active grants of the subject in the context, in the order they were given."""
    out: list[str] = []
    for grant in core.state.grants.values():
        if not grant.active or grant.kind == "authorization":
            continue
        applies = same(grant.context, context) or (
            grant.kind == "indirect"
            and grant.target is not None
            and (grant.target.get("type") == "AllPartners" or same(grant.target, context))
        )
        if applies and same(grant.subject, subject) and grant.scope not in out:
            out.append(grant.scope)
    return out


def permissions_in(core: SandboxCore, context_nip: str, subject: dict[str, str]) -> list[str]:
    """Every permission the subject has in the Nip context (the state lock is held)."""
    context = ident("Nip", context_nip)
    found = owner_permissions(core, context_nip) if is_owner(core, context_nip, subject) else []
    for scope in granted(core, context, subject):
        if scope not in found:
            found.append(scope)
    return found


# Per authenticated subject (limity.md): NIP 300 requests / 100 certificates, else 12 / 6.
DEFAULT_LIMITS = {"Nip": (300, 100), "Pesel": (12, 6), "Fingerprint": (12, 6)}


def subject_limits(core: SandboxCore, subject: dict[str, str]) -> tuple[int, int]:
    enrollments, certificates = DEFAULT_LIMITS.get(subject.get("type", ""), (12, 6))
    override = core.state.testdata.get("subjectLimits", {}).get(subject.get("type", ""), {})
    return (
        override.get("maxEnrollments", enrollments),
        override.get("maxCertificates", certificates),
    )
