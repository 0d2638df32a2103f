"""The supplier on the VAT white list, as a purchase invoice's check (issue 18 with the
contractor look-up of issue 20): its VAT status (active, exempt, not registered or not
on the list at all) and whether the account the invoice asks us to pay to is on the list
for its NIP, with the 15 000 zł rule's warning (``domain.payments.account_warning``)
when it is not. The white list client answers from its cache when the list cannot be
reached, and says so. Network: call it from the worker only.
"""

from __future__ import annotations

from decimal import Decimal

from ksef_desktop.domain.identifiers import normalize_account
from ksef_desktop.i18n import _
from ksef_desktop.registries.errors import RegistryError
from ksef_desktop.registries.whitelist import VatStatus, WhiteListClient
from ksef_desktop.services.lookups import check_seller_account, lookup_buyer

OK, WARNING, INFO = "ok", "warning", "info"


def status_finding(whitelist: WhiteListClient, seller_nip: str) -> tuple[str, str]:
    """(level, sentence) for the supplier's VAT status on the white list today."""
    try:
        facts = lookup_buyer(seller_nip, whitelist=whitelist)
    except RegistryError as exc:
        return WARNING, _("The supplier's VAT status is not known: {reason}").format(
            reason=exc.message()
        )
    cached = " " + _("(from the last check: no connection now)") if facts.from_cache else ""
    day = facts.check.checked_on.strftime("%d.%m.%Y")
    if facts.party is not None and facts.check.status == VatStatus.ACTIVE.value:
        text = _("The supplier {name} is an active VAT taxpayer ({day}).").format(
            name=facts.party.name, day=day
        )
        return OK, text + cached
    # Exempt: a fact to know (no VAT to deduct), not a fault of the invoice by itself.
    level = INFO if facts.check.status == VatStatus.EXEMPT.value else WARNING
    return level, (facts.warning or "") + cached


def account_finding(
    whitelist: WhiteListClient, seller_nip: str, account: str, amount_pln: Decimal | None
) -> tuple[str, str]:
    """(level, sentence) for the account to pay on the white list for ``seller_nip``."""
    plain = normalize_account(account)
    if not (plain.isdigit() or plain.startswith("PL")):
        return INFO, _(
            "The account to pay is not a Polish one: the VAT white list covers Polish "
            "accounts only."
        )
    try:
        verdict = check_seller_account(whitelist, seller_nip, plain, amount_pln=amount_pln)
    except RegistryError as exc:
        return WARNING, _(
            "The account could not be checked on the VAT white list: {reason}"
        ).format(reason=exc.message())
    return (OK if verdict.on_list else WARNING), verdict.text()


def register_findings(
    whitelist: WhiteListClient, seller_nip: str, account: str, amount_pln: Decimal | None
) -> list[tuple[str, str]]:
    found = [status_finding(whitelist, seller_nip)]
    if account:
        found.append(account_finding(whitelist, seller_nip, account, amount_pln))
    return found
