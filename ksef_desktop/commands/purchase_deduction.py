"""``ksef-desktop purchases deduction KSEF-NUMBER... (--env ENV|--base-url URL) --nip NIP
[--category fixed-assets|other] [--share PERCENT|FRACTION] [--month YYYY-MM|--receipt-month]``:
the VAT deduction of purchase invoices (issue 19), see ``commands.purchases``.

Prints ``KSEF-NUMBER CATEGORY SHARE MONTH`` per invoice, e.g.
``1111111111-20260305-0000000000A1-5C fixed-assets 50% 2026-04``.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ksef_desktop.commands._ksef import EXIT_OK, EXIT_USAGE, error, open_profile
from ksef_desktop.i18n import _

if TYPE_CHECKING:
    from ksef_desktop.services.purchase_deductions import Deduction


def deduction_fields(deduction: Deduction) -> tuple[str, str, str]:
    """CATEGORY SHARE MONTH of a line of ``purchases`` and ``purchases deduction``."""
    from ksef_desktop.services.purchase_deductions import month_text, percent_text

    return (
        deduction.category.value,
        percent_text(deduction.share),
        month_text(deduction.month),
    )


def run_deduction(args: argparse.Namespace) -> int:
    from ksef_desktop.jpk.model import DeductionCategory
    from ksef_desktop.services.purchase_deductions import (
        DeductionRefused,
        MonthChoice,
        change_deductions,
        deductions,
        parse_month,
        parse_share,
    )
    from ksef_desktop.store.purchases import purchase_ids

    if not args.numbers:
        error(_("Name the purchase invoices by their KSeF numbers."))
        return EXIT_USAGE
    try:
        share = None if args.share is None else parse_share(args.share)
        month: MonthChoice = 0 if args.receipt_month else None
        if args.month is not None:
            month = parse_month(args.month)
    except DeductionRefused as exc:
        error(exc.message())
        return EXIT_USAGE
    category = None if args.category is None else DeductionCategory(args.category)
    opened = open_profile(args)
    if isinstance(opened, int):
        return opened
    store, profile = opened
    try:
        found = purchase_ids(store.db.connection(), args.numbers, profile_id=profile.id)
        unknown = [n for n in args.numbers if n not in found]
        if unknown:
            error(_("No purchase invoice {number} in this profile.").format(number=unknown[0]))
            return EXIT_USAGE
        ids = list(dict.fromkeys(found[n] for n in args.numbers))
        try:
            if category is None and share is None and month is None:
                chosen = deductions(store.db, ids, profile_id=profile.id)
            else:
                chosen = change_deductions(
                    store.db, ids, profile_id=profile.id, now=lambda: datetime.now(UTC),
                    category=category, share=share, month=month,
                )  # fmt: skip
        except DeductionRefused as exc:
            error(exc.message())
            return EXIT_USAGE
    finally:
        store.close()
    for deduction in chosen:
        print(" ".join((deduction.ksef_number, *deduction_fields(deduction))))
    return EXIT_OK
