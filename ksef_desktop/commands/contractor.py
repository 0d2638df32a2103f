"""``ksef-desktop contractor NIP [--date YYYY-MM-DD] [--whitelist-url URL]``.

Looks a Polish NIP up in the VAT white list (an EU VAT number such as ``DE123456789`` in
VIES) and prints the name, address, VAT status and registered accounts, one ``key: value``
per line. ``--account NRB`` also checks that account against the list (and says what the
15 000 zł rule means when it is not there). Answers are cached in the data folder's
``cache.sqlite3``: offline, the last answer is printed, marked as such. Exit 0 when the
taxpayer was found (and the account, if given, is on the list), 1 otherwise, 2 for input
that cannot be asked.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from ksef_desktop.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "contractor",
        help=_("look a NIP up in the VAT white list (an EU VAT number in VIES)"),
        description=_("Print a taxpayer's name, address, VAT status and bank accounts."),
    )
    parser.add_argument("identifier", metavar="NIP", help=_("a NIP, or an EU VAT number"))
    parser.add_argument("--date", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")
    parser.add_argument("--account", default=None, metavar="NRB", help=_("check this account"))
    parser.add_argument("--whitelist-url", default=None, metavar="URL")
    parser.add_argument("--vies-url", default=None, metavar="URL")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    import httpx

    from ksef_desktop.paths import data_dir
    from ksef_desktop.registries import VIES_URL, WHITELIST_URL
    from ksef_desktop.registries.errors import RegistryError
    from ksef_desktop.services.lookups import check_seller_account, lookup_buyer
    from ksef_desktop.services.registers import RegisterUrls, open_registers

    urls = RegisterUrls(
        whitelist=args.whitelist_url or WHITELIST_URL, vies=args.vies_url or VIES_URL
    )
    with httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0)) as http:
        registers = open_registers(http, data_dir(args.data_dir), urls, lambda: datetime.now(UTC))
        try:
            facts = lookup_buyer(
                args.identifier, whitelist=registers.whitelist, vies=registers.vies, day=args.date
            )
            verdict = None
            if args.account and facts.party is not None:
                tax_id = getattr(facts.party.tax_id, "nip", None)
                if tax_id is None:
                    print(_("Accounts are checked on the white list only for a Polish NIP."))
                    return 2
                verdict = check_seller_account(
                    registers.whitelist, tax_id, args.account, day=args.date
                )
        except RegistryError as exc:
            print(exc.message())
            return 2 if type(exc).__name__ in ("LookupRefused", "RegistryRefused") else 1
    _print_facts(facts)
    if verdict is not None:
        print(
            _("account {account}: {verdict}").format(
                account=args.account.strip(),
                verdict=_("on the list") if verdict.on_list else _("NOT on the list"),
            )
        )
        if verdict.warning:
            print(verdict.warning)
        return 0 if verdict.on_list else 1
    return 0 if facts.party is not None else 1


def _print_facts(facts: Any) -> None:
    check = facts.check
    if facts.party is not None:
        party = facts.party
        print(f"{_('name')}: {party.name}")
        ident = getattr(party.tax_id, "nip", None) or (
            f"{party.tax_id.country}{party.tax_id.number}"
        )
        print(f"{_('identifier')}: {ident}")
        if party.address is not None:
            line = party.address.line1 + (f", {party.address.line2}" if party.address.line2 else "")
            print(f"{_('address')}: {line}")
        print(f"{_('status')}: {check.status} ({_status_label(check)})")
        for account in check.accounts:
            print(f"{_('account')}: {account}")
    print(
        f"{_('checked')}: {check.checked_on.isoformat()} ({_source(check.source)})"
        + (" " + _("from the cache: no connection") if facts.from_cache else "")
    )
    if facts.warning:
        print(facts.warning)


def _source(source: str) -> str:
    return _("VAT white list") if source == "whitelist" else "VIES"


def _status_label(check: Any) -> str:
    from ksef_desktop.registries.whitelist import VatStatus

    if check.source == "vies":
        return _("valid EU VAT number") if check.status == "VALID" else _("invalid")
    try:
        return VatStatus(check.status).label
    except ValueError:
        return str(check.status)
