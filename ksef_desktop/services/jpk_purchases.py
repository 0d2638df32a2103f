"""The purchase rows of a month's JPK_V7M(3) from the profile's store (issue 19), and the
output tax its buyer owes on purchases under reverse charge.

Which purchases: those received from KSeF as buyer (Podmiot2) whose KSeF number was
assigned in the month, the day the law counts as their receipt (art. 106na ust. 3) and
so the DataWplywu of the row, and those whose deduction was chosen for this month
(art. 86 ust. 11, ``services.purchase_deductions``). Invoices in which the profile is
only a third subject (Podmiot3) are left out with a notice: the profile did not buy.

Reverse charge (FA(3) P_13_10, the line rate "oo"): the buyer owes the tax itself (e.g.
art. 17 ust. 1 pkt 5 of the VAT act, K_31/K_32) and deducts it (K_42/K_43 or K_40/K_41).
With the kind and rate chosen for the purchase, the month gets both rows: the
SprzedazWiersz of the self-assessed tax (``jpk.from_fa3.self_assessed_sales``: dated as
the supplier's invoice, the supplier as counterparty) and the ZakupWiersz with the
deduction. Both go into the same file, that of the purchase row: the right to deduct the
tax self-assessed on such a purchase arises in the period in which the output tax is
accounted for (art. 86 ust. 10b pkt 3 with pkt 2 lit. b), so the two are settled
together and the tax is neutral. The output tax itself is owed for the month of the
tax point (art. 19a ust. 1: the supply, as the invoice's sale date P_6 or else its
issue date P_1 says): when that month is not the file's, a notice says so, so the user
can move the deduction month or correct that month's file. Without a choice the
purchase is left out with a notice saying how to choose; the month is still made. A
choice kept for an invoice without reverse-charge amounts is ignored, with a notice.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ksef_desktop.i18n import N_
from ksef_desktop.jpk import from_fa3
from ksef_desktop.jpk.errors import Notice
from ksef_desktop.jpk.model import (
    DeductionCategory,
    Period,
    PurchaseDocument,
    SalesDocument,
    SelfAssessment,
)

if TYPE_CHECKING:
    from ksef_desktop.store.archive import Archive
    from ksef_desktop.store.profiles import Profile

_PURCHASE_COLUMNS = (
    "p.id, p.ksef_number, p.number, p.subject, p.relpath, d.category, d.share, d.period, "
    "substr(p.ksef_number, 12, 4) || '-' || substr(p.ksef_number, 16, 2), "
    "d.reverse_kind, d.reverse_rate"
)
#: The purchases received in a month (by their KSeF number) and those deducted in it as
#: chosen (by the deductions' index): (profile, YYYYMM, profile, YYYY-MM).
PURCHASES_OF_MONTH = (
    f"SELECT {_PURCHASE_COLUMNS} FROM purchases p LEFT JOIN purchase_deductions d "  # noqa: S608
    "ON d.purchase_id = p.id AND d.profile_id = p.profile_id "
    "WHERE p.profile_id = ? AND substr(p.ksef_number, 12, 6) = ? "
    f"UNION SELECT {_PURCHASE_COLUMNS} FROM purchase_deductions d JOIN purchases p "
    "ON p.id = d.purchase_id AND p.profile_id = d.profile_id "
    "WHERE d.profile_id = ? AND d.period = ? ORDER BY 2, 1"
)


@dataclass(frozen=True)
class MonthPurchases:
    """The purchase rows of a month, the self-assessed output tax of its reverse-charge
    purchases (sales rows) and the notices."""

    purchases: list[PurchaseDocument]
    self_assessed: list[SalesDocument]
    notices: list[Notice]


def _unchosen(name: str, ksef: str) -> Notice:
    return Notice(
        "purchase-reverse-charge-unchosen",
        N_(
            "Invoice {document} is under reverse charge (P_13_10) and is left out of the file: "
            "choose how its tax is accounted for (the kind, e.g. K_31, and the rate) with "
            "“VAT deduction…” on the Purchases tab, or with “ksef-desktop purchases deduction "
            "{ksef} --reverse-charge K_31 --rate 23”, then make the file again."
        ),
        {"document": name, "ksef": ksef},
    )


def _tax_point_notice(sale: SalesDocument, month: str, name: str) -> Notice | None:
    """A notice when the supply (P_6, else P_1) was not in the file's month."""
    supplied = sale.sale_date or sale.issue_date
    supplied_month = f"{supplied.year:04d}-{supplied.month:02d}"
    if supplied_month == month:
        return None
    return Notice(
        "purchase-reverse-charge-tax-point",
        N_(
            "Invoice {document}: the supply under reverse charge was in {supplied}; the tax "
            "is owed for that month (art. 19a ust. 1 of the VAT act) and deducted in it "
            "(art. 86 ust. 10b pkt 3). It is in this file, with its deduction: if it belongs "
            "to {supplied}, correct that month's file instead."
        ),
        {"document": name, "supplied": supplied_month},
    )


def month_purchases(
    conn: sqlite3.Connection, archive: Archive, profile: Profile, period: Period
) -> MonthPurchases:
    """The purchases of ``period`` (see the module's text)."""
    # The KSeF number is NIP(10)-YYYYMMDD-…: characters 12-17 are the year and month in
    # which KSeF assigned it, the day of receipt (art. 106na ust. 3).
    month = f"{period.year:04d}-{period.month:02d}"
    rows = conn.execute(
        PURCHASES_OF_MONTH, (profile.id, month.replace("-", ""), profile.id, month)
    ).fetchall()
    made = MonthPurchases([], [], [])
    for row in rows:
        _read_row(conn, archive, profile, month, tuple(row), made)
    made.purchases.sort(key=lambda doc: (doc.received_date or doc.issue_date, doc.issue_date))
    return made


def _read_row(
    conn: sqlite3.Connection,
    archive: Archive,
    profile: Profile,
    month: str,
    row: tuple[object, ...],
    made: MonthPurchases,
) -> None:
    _id, ksef, number, subject, relpath, category, share, chosen, received, kind, rate = row
    name = f"{number} ({ksef})"
    found = made.notices
    if subject != "Subject2":
        found.append(
            Notice(
                "purchase-third-subject",
                N_(
                    "Invoice {document} names this company only as a third party "
                    "(Podmiot3), not as the buyer: it is left out of the purchases."
                ),
                {"document": name},
            )
        )
        return
    if chosen and chosen != month:
        found.append(
            Notice(
                "purchase-deducted-later",
                N_(
                    "Invoice {document}, received in {received}, is deducted in {month} "
                    "as chosen (art. 86 ust. 11 of the VAT act): it is in that month's file."
                ),
                {"document": name, "received": str(received), "month": str(chosen)},
            )
        )
        return
    deductible = Decimal(str(share)) if share is not None else Decimal(1)
    reverse = (
        from_fa3.ReverseCharge(SelfAssessment(str(kind)), Decimal(str(rate)))
        if kind is not None and rate is not None
        else None
    )
    # Read even with nothing to deduct (0 %): the output tax of a reverse charge is owed
    # whatever may be deducted.
    data = archive.read(conn, str(relpath))

    def rows_of(
        reverse: from_fa3.ReverseCharge | None,
    ) -> tuple[PurchaseDocument, SalesDocument | None]:
        return from_fa3.purchase_rows(
            data,
            str(ksef),
            category=DeductionCategory(str(category or DeductionCategory.OTHER)),
            deductible_share=deductible,
            reverse_charge=reverse,
            own_nip=profile.nip,
            label=name,
        )

    try:
        purchase, own_tax = rows_of(reverse)
    except from_fa3.ReverseChargeUnchosen:
        found.append(_unchosen(name, str(ksef)))
        return
    except from_fa3.NotReverseCharge:
        assert reverse is not None
        found.append(
            Notice(
                "purchase-reverse-charge-ignored",
                N_(
                    "Invoice {document} has no reverse-charge amounts (P_13_10): the reverse "
                    "charge chosen for it ({kind}) is ignored."
                ),
                {"document": name, "kind": reverse.kind.value},
            )
        )
        purchase, own_tax = rows_of(None)
    if own_tax is not None and reverse is not None:
        made.self_assessed.append(own_tax)
        found.append(
            Notice(
                "purchase-reverse-charge",
                N_(
                    "Invoice {document} is under reverse charge: its tax at {rate} % is "
                    "owed in {pair} and deducted in the same file."
                ),
                {
                    "document": name,
                    "rate": f"{reverse.percent.normalize():f}",
                    "pair": f"{reverse.kind.value}/{reverse.kind.tax_field}",
                },
            )
        )
        late = _tax_point_notice(own_tax, month, name)
        if late is not None:
            found.append(late)
    if deductible == 0:
        found.append(_not_deductible(name))
        return
    if chosen:
        found.append(
            Notice(
                "purchase-deducted-here",
                N_(
                    "Invoice {document}, received in {received}, is deducted in this month "
                    "as chosen (art. 86 ust. 11 of the VAT act)."
                ),
                {"document": name, "received": str(received)},
            )
        )
    made.purchases.append(purchase)


def _not_deductible(name: str) -> Notice:
    return Notice(
        "purchase-not-deductible",
        N_(
            "Invoice {document} gives no right to deduct its VAT (0 % chosen): "
            "it is left out of the purchases."
        ),
        {"document": name},
    )
