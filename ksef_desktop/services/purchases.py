"""What the user does with a purchase invoice (issue 18): see it (PDF with KOD I, XML),
check it as a careful buyer would, and pay it (payments, transfer title, a collective
identifier for several invoices of one supplier). Runs in the worker; plain Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.collective import (
    CollectiveCandidate,
    collective_problems,
    invoice_transfer_title,
)
from ksef_desktop.i18n import _, ngettext
from ksef_desktop.services.collective import CollectiveRefused
from ksef_desktop.services.purchase_facts import warning_from_record
from ksef_desktop.store import Store
from ksef_desktop.store.collective import StoredCollective, get_collective, save_collective
from ksef_desktop.store.db import Database
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.purchases import (
    PurchaseRow,
    add_payment,
    corrected_in_store,
    get_purchase,
    purchase_detail,
    rows_by_ids,
)

if TYPE_CHECKING:
    from ksef_desktop.registries.whitelist import WhiteListClient


class PurchaseRefused(Exception):
    """The action cannot be done as asked; ``message()`` says why."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


def _row(store: Store, purchase_id: int, profile_id: int) -> PurchaseRow:
    try:
        return get_purchase(store.db.connection(), purchase_id, profile_id=profile_id)
    except LookupError:
        raise PurchaseRefused(
            _("Purchase invoice #{id} is not in this profile.").format(id=purchase_id)
        ) from None


def purchase_xml(store: Store, purchase_id: int, *, profile_id: int) -> bytes:
    """The file KSeF gave, checked against its hash in the archive."""
    _row(store, purchase_id, profile_id)
    conn = store.db.connection()
    detail = purchase_detail(conn, purchase_id, profile_id=profile_id)
    return store.archive.read(conn, detail.relpath)


def purchase_pdf(
    store: Store, purchase_id: int, *, profile_id: int, qr_base: str, lang: str = "pl"
) -> bytes:
    """The PDF of a received invoice with KOD I and its KSeF number under it."""
    from ksef_desktop.visual.pdf import render_pdf

    row = _row(store, purchase_id, profile_id)
    xml = purchase_xml(store, purchase_id, profile_id=profile_id)
    try:
        return render_pdf(xml, lang=lang, qr_base=qr_base, ksef_number=row.ksef_number)
    except ValueError as exc:
        raise PurchaseRefused(
            _("This invoice cannot be shown as a PDF: {reason}").format(reason=exc)
        ) from None


# --- checks -----------------------------------------------------------------------------


class Level(StrEnum):
    OK = "ok"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    level: Level
    text: str


def due_finding(row: PurchaseRow, today: date) -> Finding:
    if row.gross <= 0:
        return Finding(Level.INFO, _("Nothing to pay: the amount is not positive."))
    if row.paid_on is not None:
        return Finding(
            Level.OK, _("Paid in full on {day}.").format(day=row.paid_on.strftime("%d.%m.%Y"))
        )
    if row.due_date is None:
        return Finding(Level.WARNING, _("The invoice names no due date."))
    days = (row.due_date - today).days
    if days < 0:
        return Finding(
            Level.WARNING,
            ngettext(
                "Overdue by {n} day ({left} {currency} left to pay).",
                "Overdue by {n} days ({left} {currency} left to pay).",
                -days,
            ).format(n=-days, left=row.outstanding, currency=row.currency),
        )
    return Finding(
        Level.INFO,
        ngettext("Due in {n} day, on {day}.", "Due in {n} days, on {day}.", days).format(
            n=days, day=row.due_date.strftime("%d.%m.%Y")
        ),
    )


def check_purchase(
    store: Store,
    purchase_id: int,
    *,
    profile_id: int,
    today: date,
    whitelist: WhiteListClient | None = None,
) -> list[Finding]:
    """What a careful buyer checks: the arithmetic (semantic warnings), the due date,
    whether it corrects an invoice we have and, given the ``whitelist`` client, the
    supplier's VAT status and the account to pay on the VAT white list (network: the
    worker only; the last answer kept when the list cannot be reached)."""
    conn = store.db.connection()
    detail = purchase_detail(conn, purchase_id, profile_id=profile_id)
    findings: list[Finding] = []
    warnings = [warning_from_record(w) for w in detail.warnings]
    if warnings:
        findings += [Finding(Level.WARNING, w.text()) for w in warnings]
    else:
        findings.append(Finding(Level.OK, _("Totals and VAT per rate add up.")))
    findings.append(due_finding(detail.row, today))
    numbers = [c["ksef_number"] for c in detail.corrects if c.get("ksef_number")]
    have = corrected_in_store(conn, numbers, profile_id=profile_id)
    for item in detail.corrects:
        label = item.get("number") or item.get("ksef_number") or "?"
        ksef = item.get("ksef_number")
        if ksef and ksef in have:
            findings.append(
                Finding(
                    Level.OK,
                    _("Corrects invoice {number} ({ksef}), which we received.").format(
                        number=label, ksef=ksef
                    ),
                )
            )
        else:
            findings.append(
                Finding(
                    Level.WARNING,
                    _("Corrects invoice {number}, which we have not received from KSeF.").format(
                        number=label
                    ),
                )
            )
    if detail.corrected_hash:
        row = conn.execute(
            "SELECT ksef_number FROM purchases WHERE profile_id = ? AND sha256_b64 = ?",
            (profile_id, detail.corrected_hash),
        ).fetchone()
        findings.append(
            Finding(
                Level.INFO,
                _("A technical correction of an earlier file{known}.").format(
                    known=f" ({row[0]})" if row else ""
                ),
            )
        )
    if detail.bank_account:
        findings.append(
            Finding(Level.INFO, _("Bank account: {account}").format(account=detail.bank_account))
        )
    if whitelist is not None:
        from ksef_desktop.services.purchase_registers import register_findings

        findings += [
            Finding(Level(level), text)
            for level, text in register_findings(
                whitelist, detail.row.seller_nip, detail.bank_account, _amount_pln(detail.row)
            )
        ]
    return findings


def _amount_pln(row: PurchaseRow) -> Decimal | None:
    """The transaction's value in złoty for the 15 000 zł rule (None: not known here)."""
    return row.gross if row.currency == "PLN" else None


# --- paying -----------------------------------------------------------------------------


def parse_amount(text: str) -> Decimal:
    """``1 234,56`` or ``1234.56`` as Decimal; PurchaseRefused for anything else."""
    clean = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(clean)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value == 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise PurchaseRefused(
            _("“{text}” is not an amount (e.g. 1234,56).").format(text=text.strip())
        )
    return value


def record_payment(
    db: Database,
    purchase_id: int,
    *,
    profile_id: int,
    now: Callable[[], datetime],
    amount: Decimal | None = None,
    paid_on: date | None = None,
    note: str = "",
) -> PurchaseRow:
    """Record a payment (``amount`` None: whatever is left to pay). One transaction."""
    with db.transaction() as conn:
        try:
            row = get_purchase(conn, purchase_id, profile_id=profile_id)
        except LookupError:
            raise PurchaseRefused(
                _("Purchase invoice #{id} is not in this profile.").format(id=purchase_id)
            ) from None
        if amount is None:
            if row.outstanding <= 0:
                raise PurchaseRefused(_("Nothing is left to pay on this invoice."))
            amount = row.outstanding
        day = paid_on or warsaw_date(now())
        add_payment(conn, purchase_id, day, amount, profile_id=profile_id, now=now(), note=note)
        return get_purchase(conn, purchase_id, profile_id=profile_id)


def transfer_title(store: Store, purchase_id: int, *, profile_id: int) -> str:
    """``KSeF <number> <invoice number>``: what the supplier matches the payment on."""
    row = _row(store, purchase_id, profile_id)
    return invoice_transfer_title(row.number, row.ksef_number)


def collective_problems_of(
    store: Store, purchase_ids: Sequence[int], *, profile_id: int
) -> list[str]:
    rows = rows_by_ids(store.db.connection(), purchase_ids, profile_id=profile_id)
    problems = [
        _("Purchase invoice #{id} is not in this profile.").format(id=i)
        for i in purchase_ids
        if i not in {r.id for r in rows}
    ]
    candidates = [CollectiveCandidate(r.number, r.seller_nip, r.ksef_number) for r in rows]
    problems += [_(msgid).format(**args) for msgid, args in collective_problems(candidates)]
    return problems


def _payments(rows: Sequence[PurchaseRow]) -> list[Any]:
    from ksef_desktop.ksef.collective import (
        CollectiveIdentifierInvoice,
        CollectiveIdentifierInvoicePayment,
    )

    items = []
    for r in rows:
        left = r.outstanding
        payment = CollectiveIdentifierInvoicePayment(left, r.currency) if left > 0 else None
        items.append(CollectiveIdentifierInvoice(r.ksef_number, payment))
    return items


def create_purchase_collective(
    db: Database,
    client: Callable[[], Any],
    purchase_ids: Sequence[int],
    *,
    profile: Profile,
    now: Callable[[], datetime],
    store: Store,
) -> StoredCollective:
    """One collective identifier (as the payer) for several invoices of one supplier,
    each with the amount still to pay; kept with the profile's identifiers."""

    problems = collective_problems_of(store, purchase_ids, profile_id=profile.id)
    if problems:
        raise CollectiveRefused(problems)
    rows = rows_by_ids(db.connection(), purchase_ids, profile_id=profile.id)
    number = client().generate_collective_identifier(_payments(rows))
    with db.transaction() as tx:
        save_collective(
            tx,
            number,
            [r.ksef_number for r in rows],
            profile_id=profile.id,
            environment=profile.environment.value,
            now=now(),
        )
    stored = get_collective(db.connection(), number, profile_id=profile.id)
    assert stored is not None
    return stored


def warnings_summary(store: Store, purchase_id: int, *, profile_id: int) -> list[str]:
    detail = purchase_detail(store.db.connection(), purchase_id, profile_id=profile_id)
    return [warning_from_record(w).text() for w in detail.warnings]
