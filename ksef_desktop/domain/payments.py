"""Payments of sales invoices: paid, partly paid, overdue; default terms; the 15 000 zł rule.

Pure functions over amounts (Decimal) and dates; the store keeps the payments.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from ksef_desktop.domain.money import ZERO
from ksef_desktop.i18n import N_, _

#: Art. 19 pkt 2 ustawy z dnia 6 marca 2018 r. Prawo przedsiębiorców: a transaction of more
#: than 15 000 zł must be paid through a payment account; paid to an account that is not
#: on the VAT white list, the buyer cannot count it as a cost (art. 22p ust. 1 pkt 2 of
#: the PIT act, art. 15d ust. 1 pkt 2 of the CIT act) and is jointly liable for the
#: seller's VAT (art. 117ba § 1 Ordynacji podatkowej), unless the payment is reported
#: to the tax office (ZAW-NR) within 7 days of the transfer order (art. 117ba § 3 pkt 2).
WHITE_LIST_THRESHOLD = Decimal("15000")


class PaymentStatus(StrEnum):
    NONE = "none"  # nothing to pay (a correction down, a zero invoice)
    UNPAID = "unpaid"
    PARTLY = "partly"
    PAID = "paid"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return _(_LABELS[self])


_LABELS = {
    PaymentStatus.NONE: N_("nothing to pay"),
    PaymentStatus.UNPAID: N_("unpaid"),
    PaymentStatus.PARTLY: N_("partly paid"),
    PaymentStatus.PAID: N_("paid"),
    PaymentStatus.OVERDUE: N_("overdue"),
}


def payment_status(gross: Decimal, paid: Decimal, due: date | None, today: date) -> PaymentStatus:
    """How far ``gross`` is paid by ``paid`` on ``today``; overdue once ``due`` has passed
    with anything left to pay (partly paid and overdue is overdue: money is late)."""
    if gross <= ZERO:
        return PaymentStatus.NONE
    if paid >= gross:
        return PaymentStatus.PAID
    if due is not None and due < today:
        return PaymentStatus.OVERDUE
    return PaymentStatus.PARTLY if paid > ZERO else PaymentStatus.UNPAID


def default_due_date(issue: date, days: int) -> date:
    """The due date ``days`` after the issue date (the setting's payment term)."""
    return issue + timedelta(days=max(0, days))


def account_warning(amount_pln: Decimal | None, on_list: bool) -> str | None:
    """What the program says about paying ``amount_pln`` to an account (None: nothing)."""
    if on_list:
        return None
    if amount_pln is not None and amount_pln <= WHITE_LIST_THRESHOLD:
        return _(
            "The account is not on the VAT white list. Payments over 15 000 zł to it "
            "would cost the buyer the tax deduction."
        )
    return _(
        "The account is not on the VAT white list: a buyer paying more than 15 000 zł to it "
        "cannot count the payment as a tax-deductible cost (art. 22p PIT, art. 15d CIT) and "
        "is jointly liable for the VAT (art. 117ba Ordynacji podatkowej), unless they report "
        "it to the tax office (ZAW-NR) within 7 days."
    )
