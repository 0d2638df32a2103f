"""Contractor look-up (the VAT white list, VIES) and the account check, as use cases.

``lookup_buyer`` turns a white-list or VIES answer into the buyer ``Party`` the editor
fills in and the contractor kept with its check; ``check_seller_account`` says whether the
account on an invoice is on the white list for the seller's NIP, with the 15 000 zł rule's
message when it is not (``domain.payments.account_warning``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ksef_desktop.domain.identifiers import nip_is_valid, normalize_eu_vat, normalize_nip
from ksef_desktop.domain.invoice import Address, EuVatNumber, Party, PolishNip
from ksef_desktop.domain.payments import account_warning
from ksef_desktop.i18n import _
from ksef_desktop.registries.errors import RegistryError
from ksef_desktop.registries.vies import ViesCheck, ViesClient
from ksef_desktop.registries.whitelist import Lookup, VatStatus, WhiteListClient
from ksef_desktop.store.contractors import CheckRecord, save_checked


class LookupRefused(RegistryError):
    """The identifier cannot be looked up as typed."""


@dataclass(frozen=True)
class BuyerFacts:
    """What a register said about a buyer, ready for the editor and the contractors."""

    party: Party | None  # None: no such taxpayer in the register
    check: CheckRecord
    from_cache: bool
    fetched_at: datetime
    #: A sentence for the user when the buyer is not an active taxpayer (or not found).
    warning: str | None = None


def split_address(text: str | None, country: str = "PL") -> Address | None:
    """``"UL. TESTOWA 5, 61-001 POZNAŃ"`` → two lines, split at the last comma."""
    if not text or not text.strip():
        return None
    flat = " ".join(text.replace("\n", ", ").split())
    line1, sep, line2 = flat.rpartition(",")
    if not sep:
        return Address(country, flat)
    return Address(country, line1.strip(), line2.strip() or None)


def _whitelist_facts(lookup: Lookup) -> BuyerFacts:
    subject = lookup.subject
    when = lookup.day.strftime("%d.%m.%Y")
    if subject is None:
        check = CheckRecord(lookup.day, "whitelist", "")
        warning = _("NIP {nip} is not on the VAT white list on {day}.").format(
            nip=lookup.nip, day=when
        )
        return BuyerFacts(None, check, lookup.from_cache, lookup.fetched_at, warning)
    party = Party(
        PolishNip(subject.nip or lookup.nip), subject.name, split_address(subject.address)
    )
    check = CheckRecord(lookup.day, "whitelist", subject.status.value, subject.accounts)
    note: str | None = None
    if subject.status is VatStatus.NOT_REGISTERED:
        note = _("{name} is not registered for VAT on {day}").format(name=subject.name, day=when)
        if subject.removal_date is not None:
            note += " " + _("(removed from the register on {day}: {basis})").format(
                day=subject.removal_date.strftime("%d.%m.%Y"), basis=subject.removal_basis or "-"
            )
        note += "."
    elif subject.status is VatStatus.EXEMPT:
        note = _("{name} is exempt from VAT (an exempt taxpayer).").format(name=subject.name)
    return BuyerFacts(party, check, lookup.from_cache, lookup.fetched_at, note)


def _vies_facts(found: ViesCheck) -> BuyerFacts:
    check = CheckRecord(found.day, "vies", "VALID" if found.valid else "INVALID")
    if not found.valid:
        warning = _("VIES says {country}{number} is not a valid EU VAT number.").format(
            country=found.country, number=found.number
        )
        return BuyerFacts(None, check, found.from_cache, found.fetched_at, warning)
    country = "GR" if found.country == "EL" else found.country
    party = Party(
        EuVatNumber(found.country, found.number),
        found.name or "",
        split_address(found.address, country),
    )
    return BuyerFacts(party, check, found.from_cache, found.fetched_at)


def lookup_buyer(
    identifier: str,
    *,
    whitelist: WhiteListClient,
    vies: ViesClient | None = None,
    country: str = "PL",
    day: date | None = None,
) -> BuyerFacts:
    """Look ``identifier`` up: a Polish NIP in the white list (on ``day``, default today),
    an EU VAT number (``country`` or its own prefix, e.g. ``DE123456789``) in VIES."""
    text = identifier.strip().upper().replace(" ", "")
    if text[:2].isalpha():
        country, text = text[:2], text[2:]
    if country.upper() in ("PL", ""):
        nip = normalize_nip(text)
        if not nip_is_valid(nip):
            raise LookupRefused(_("{nip} is not a valid NIP.").format(nip=identifier.strip()))
        return _whitelist_facts(whitelist.search_nip(nip, day))
    if vies is None:
        raise LookupRefused(_("EU VAT numbers are checked in VIES, which is not set up here."))
    code, number = normalize_eu_vat(country, text)
    return _vies_facts(vies.check(code, number))


def keep_buyer(
    conn: sqlite3.Connection, facts: BuyerFacts, *, company_nip: str, now: datetime
) -> int | None:
    """Store the looked-up buyer as a contractor of the company, with its check (None:
    nothing found to keep)."""
    if facts.party is None:
        return None
    return save_checked(conn, facts.party, facts.check, company_nip=company_nip, now=now)


@dataclass(frozen=True)
class AccountVerdict:
    on_list: bool
    day: date
    from_cache: bool
    warning: str | None

    def text(self) -> str:
        when = self.day.strftime("%d.%m.%Y")
        head = (
            _("The account is on the VAT white list ({day}).").format(day=when)
            if self.on_list
            else ""
        )
        if self.from_cache:
            head += " " + _("(from the last check: no connection now)")
        return " ".join(t for t in (head.strip(), self.warning or "") if t)


def check_seller_account(
    whitelist: WhiteListClient,
    nip: str,
    account: str,
    *,
    amount_pln: Decimal | None = None,
    day: date | None = None,
) -> AccountVerdict:
    """Whether ``account`` is on the white list for ``nip`` on ``day``, and what the
    15 000 zł rule means for a payment of ``amount_pln`` when it is not."""
    found = whitelist.check_account(nip, account, day)
    return AccountVerdict(
        found.assigned, found.day, found.from_cache, account_warning(amount_pln, found.assigned)
    )
