"""Credentials and access, the decisions without I/O (``now`` is a parameter):

- when an Offline certificate needs renewing (30 days before it expires, KOD II of an
  invoice issued afterwards would otherwise be unverifiable);
- the permission kinds KSeF has (open-api.json 2.9.0: PersonPermissionType,
  EntityPermissionType, EntityAuthorizationPermissionType, TokenPermissionType), each
  with a sentence saying what it lets the holder do, in Polish and English.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from ksef_desktop.i18n import N_, _

#: How long before an Offline certificate expires the program asks to renew it.
RENEW_WITHIN = timedelta(days=30)


@dataclass(frozen=True)
class Expiry:
    """Where a certificate stands at a moment: ``days_left`` (rounded up), expired or due."""

    not_after: datetime
    days_left: int
    expired: bool
    renew: bool  # within RENEW_WITHIN of the end, or past it


def expiry(not_after: datetime, now: datetime) -> Expiry:
    if now.tzinfo is None or not_after.tzinfo is None:
        raise ValueError("aware datetimes only")
    left = not_after - now
    days = max(0, math.ceil(left.total_seconds() / 86_400))
    return Expiry(not_after, days, left <= timedelta(0), left <= RENEW_WITHIN)


# --- permission kinds ------------------------------------------------------------------------


@dataclass(frozen=True)
class PermissionKind:
    code: str  # as open-api.json spells it
    label: str  # N_ msgid
    explanation: str  # N_ msgid

    def text(self) -> str:
        return _(self.label)

    def explain(self) -> str:
        return _(self.explanation)


_KINDS = (
    PermissionKind(
        "InvoiceWrite",
        N_("Issue invoices"),
        N_(
            "Send invoices to KSeF on behalf of this company (online and batch sessions, "
            "offline invoices)."
        ),
    ),
    PermissionKind(
        "InvoiceRead",
        N_("View invoices"),
        N_("Read and download the company's invoices, issued and received, from KSeF."),
    ),
    PermissionKind(
        "CredentialsRead",
        N_("View permissions"),
        N_("See who has which permission in the company's context, and its KSeF tokens."),
    ),
    PermissionKind(
        "CredentialsManage",
        N_("Manage permissions"),
        N_(
            "Grant and revoke permissions, generate and revoke KSeF tokens: full control "
            "over who may act for the company."
        ),
    ),
    PermissionKind(
        "Introspection",
        N_("View the session history"),
        N_("Browse the company's KSeF sessions and download their receipts (UPO)."),
    ),
    PermissionKind(
        "SubunitManage",
        N_("Manage subunits"),
        N_("Administer the company's subordinate units (e.g. branches with an internal ID)."),
    ),
    PermissionKind(
        "EnforcementOperations",
        N_("Enforcement operations"),
        N_("Act as an enforcement authority or court bailiff (only for such a context)."),
    ),
    PermissionKind(
        "CollectiveIdentifierManage",
        N_("Manage collective identifiers"),
        N_("Create and use collective identifiers that group the company's invoices for payment."),
    ),
    PermissionKind(
        "SelfInvoicing",
        N_("Self-invoicing"),
        N_("The other company may issue invoices in your name (self-billing, art. 106d VAT)."),
    ),
    PermissionKind(
        "RRInvoicing",
        N_("VAT RR invoicing"),
        N_("The other company may issue VAT RR invoices for you as a flat-rate farmer."),
    ),
    PermissionKind(
        "TaxRepresentative",
        N_("Tax representative"),
        N_("The other company acts as your tax representative and issues invoices for you."),
    ),
    PermissionKind(
        "PefInvoicing",
        N_("PEF (Peppol) invoicing"),
        N_("A Peppol service provider may deliver structured invoices for you."),
    ),
)
KINDS: dict[str, PermissionKind] = {k.code: k for k in _KINDS}

#: What may be granted to a person (PersonPermissionType) …
PERSON_PERMISSIONS = (
    "InvoiceWrite",
    "InvoiceRead",
    "CredentialsRead",
    "CredentialsManage",
    "Introspection",
    "SubunitManage",
    "EnforcementOperations",
    "CollectiveIdentifierManage",
)
#: … to an entity such as an accounting office (EntityPermissionType) …
ENTITY_PERMISSIONS = ("InvoiceWrite", "InvoiceRead", "CollectiveIdentifierManage")
#: … as an entity authorisation (EntityAuthorizationPermissionType) …
AUTHORIZATIONS = ("SelfInvoicing", "RRInvoicing", "TaxRepresentative", "PefInvoicing")
#: … and to a KSeF token (TokenPermissionType).
TOKEN_PERMISSIONS = (
    "InvoiceWrite",
    "InvoiceRead",
    "CredentialsRead",
    "CredentialsManage",
    "Introspection",
    "SubunitManage",
    "EnforcementOperations",
    "CollectiveIdentifierManage",
)
#: The program's own token: what sending, receiving, the session history, collective
#: identifiers and the login audit need, and no power to manage credentials.
APP_TOKEN_PERMISSIONS = (
    "InvoiceWrite",
    "InvoiceRead",
    "Introspection",
    "CredentialsRead",
    "CollectiveIdentifierManage",
)


def kind(code: str) -> PermissionKind:
    """The kind named ``code``; an unknown code (a newer API) is shown as it is."""
    return KINDS.get(code) or PermissionKind(code, code, code)


# --- identifiers of the people permissions go to ----------------------------------------------

_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)


def pesel_is_valid(pesel: str) -> bool:
    """Eleven digits whose last is the check digit of the first ten."""
    if len(pesel) != 11 or not pesel.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(pesel, _PESEL_WEIGHTS, strict=False))
    return (10 - total % 10) % 10 == int(pesel[10])
