"""What the JPK_V7M overview of a month says about the files already made of it (issue 19):
the register moved since the last file, or the month before was corrected after it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.i18n import N_
from ksef_desktop.jpk.build import summarize
from ksef_desktop.jpk.errors import Notice
from ksef_desktop.store import jpk_files

if TYPE_CHECKING:
    from ksef_desktop.services.jpk_month import MonthDocuments
    from ksef_desktop.store import Store
    from ksef_desktop.store.jpk_files import JpkFileRecord
    from ksef_desktop.store.profiles import Profile


def surplus_moved(
    store: Store, profile: Profile, last: JpkFileRecord, carried: Decimal
) -> Notice | None:
    """A notice when the month's last file carried a surplus (P_39) other than the one
    the previous month's last file now leaves (P_62): the previous month was corrected
    after this one was made, so this one is corrected too."""
    data = jpk_files.file_data(store.db.connection(), profile.id, last.id)
    used = summarize(data).surplus_carried if data is not None else None
    if used is None or used == carried:  # no declaration, or the chain holds
        return None
    return Notice(
        "surplus-moved",
        N_(
            "The last file of this month carried a surplus of {used} zł from the month "
            "before (P_39), but the month before now leaves {carried} zł (P_62 of its last "
            "file): correct this month too."
        ),
        {"used": f"{used:.0f}", "carried": f"{carried:.0f}"},
    )


def changed_since(
    last: JpkFileRecord, documents: MonthDocuments, due: Decimal, deductible: Decimal
) -> Notice | None:
    """A notice when the month's register is no longer what its last file said: a
    purchase synced late, a deduction moved, an entry added, an invoice accepted. A file
    already sent is then corrected (CelZlozenia 2), not sent again as it was."""
    then = (last.sales_rows, last.purchase_rows, last.tax_due, last.tax_deductible)
    now = (len(documents.sales), len(documents.purchases), due, deductible)
    if then == now:
        return None
    return Notice(
        "month-changed-since-file",
        N_(
            "The register of this month changed since its last file ({made}): sales rows "
            "{sales_then} → {sales}, purchase rows {purchases_then} → {purchases}, output "
            "tax {due_then} → {due}, input tax {deductible_then} → {deductible}. If that "
            "file was sent, send a correction."
        ),
        {
            "made": last.created_at.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M"),
            "sales_then": str(last.sales_rows),
            "sales": str(len(documents.sales)),
            "purchases_then": str(last.purchase_rows),
            "purchases": str(len(documents.purchases)),
            "due_then": f"{last.tax_due:.2f}",
            "due": f"{due:.2f}",
            "deductible_then": f"{last.tax_deductible:.2f}",
            "deductible": f"{deductible:.2f}",
        },
    )
