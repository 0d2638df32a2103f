"""``ksef-desktop purchases deduction KSEF-NUMBER... (--env ENV|--base-url URL) --nip NIP
[--category fixed-assets|other] [--share PERCENT|FRACTION] [--month YYYY-MM|--receipt-month]
[--reverse-charge KIND --rate RATE|--reverse-charge none]``: the VAT deduction of purchase
invoices (issue 19), see ``commands.purchases``.

Prints ``KSEF-NUMBER CATEGORY SHARE MONTH [REVERSE-CHARGE]`` per invoice, e.g.
``1111111111-20260305-0000000000A1-5C fixed-assets 50% 2026-04`` or, with a reverse
charge chosen, ``... other 100% 2026-03 K_31:23%``.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ksef_desktop.commands._ksef import EXIT_OK, EXIT_USAGE, error, open_profile
from ksef_desktop.i18n import N_, _

if TYPE_CHECKING:
    from ksef_desktop.services.purchase_deductions import Deduction, ReverseChoice


def deduction_fields(deduction: Deduction) -> tuple[str, ...]:
    """CATEGORY SHARE MONTH of a line of ``purchases`` and ``purchases deduction``, and
    REVERSE-CHARGE (``K_31:23%``) when one is chosen."""
    from ksef_desktop.services.purchase_deductions import month_text, percent_text, reverse_field

    reverse = reverse_field(deduction.reverse)
    return (
        deduction.category.value,
        percent_text(deduction.share),
        month_text(deduction.month),
        *((reverse,) if reverse else ()),
    )


def reverse_choice(kind: str | None, rate: str | None) -> ReverseChoice | None:
    """The reverse charge the options ask for (None: keep it); DeductionRefused for a
    rate without a kind, a kind without a rate, or a rate with ``none``."""
    from ksef_desktop.jpk.model import SelfAssessment
    from ksef_desktop.services.purchase_deductions import (
        NO_REVERSE,
        DeductionRefused,
        ReverseChoice,
        check_reverse,
        parse_rate,
    )

    if kind is None and rate is None:
        return None
    if kind == "none":
        if rate is not None:
            raise DeductionRefused(
                N_("--reverse-charge none clears the reverse charge: give no --rate with it.")
            )
        return NO_REVERSE
    return check_reverse(
        ReverseChoice(
            None if kind is None else SelfAssessment(kind),
            None if rate is None else parse_rate(rate),
        )
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
        reverse = reverse_choice(args.reverse_charge, args.rate)
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
            if category is None and share is None and month is None and reverse is None:
                chosen = deductions(store.db, ids, profile_id=profile.id)
            else:
                chosen = change_deductions(
                    store.db, ids, profile_id=profile.id, now=lambda: datetime.now(UTC),
                    category=category, share=share, month=month, reverse=reverse,
                )  # fmt: skip
        except DeductionRefused as exc:
            error(exc.message())
            return EXIT_USAGE
    finally:
        store.close()
    for deduction in chosen:
        print(" ".join((deduction.ksef_number, *deduction_fields(deduction))))
    return EXIT_OK
