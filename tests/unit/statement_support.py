"""Helpers of the statement tests (no tests here): a store whose profile has the invoices
the statements in tests/data/statements pay (see their README)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from ksef_desktop.domain.invoice import Party, PolishNip
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store import Store
from ksef_desktop.store.collective import save_collective
from ksef_desktop.store.contractors import CheckRecord, save_checked
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.profiles import Profile
from tests.unit.test_store_support import Clock, make_store, sample_invoice

STATEMENTS = Path(__file__).resolve().parents[1] / "data" / "statements"
SELLER = "5265877635"
BUYER_ACCOUNT = "PL60102010260000123456789012"
SECOND_BUYER = "5213017228"
SECOND_ACCOUNT = "PL50105014451000009012345678"
COLLECTIVE = "5265877635-IZ202603-00000000C001-04"


def ksef(n: int) -> str:
    from ksef_desktop.domain.identifiers import make_ksef_number

    return make_ksef_number(SELLER, date(2026, 3, 2), f"0000000000A{n}")


#: (price of each of two hours, currency, buyer NIP, accepted as KSeF number A<n>)
INVOICES = {
    1: ("100", "PLN", "1111111111", 1),  # 246.00
    2: ("100", "PLN", "1111111111", 2),  # 246.00
    3: ("150", "PLN", "1111111111", 3),  # 369.00
    4: ("50", "PLN", "1111111111", 4),  # 123.00
    5: ("100", "PLN", SECOND_BUYER, 5),  # 246.00, the buyer's account on the white list
    6: ("200", "PLN", "1111111111", 6),  # 492.00
    7: ("100", "EUR", "1111111111", 7),  # 246.00 EUR
    8: ("300", "PLN", "1111111111", None),  # 738.00, not in KSeF yet
    9: ("100", "EUR", "1111111111", 8),  # 246.00 EUR
}


@dataclass
class Seeded:
    store: Store
    profile: Profile
    clock: Clock
    ids: dict[int, int]  # n of FV/2026/03/n -> invoice id

    def paid(self, n: int) -> Decimal:
        row = (
            self.store.db.connection()
            .execute("SELECT paid_minor FROM invoices WHERE id = ?", (self.ids[n],))
            .fetchone()
        )
        return (Decimal(row[0]) / 100).quantize(Decimal("0.01"))

    def snapshot(self) -> list[tuple[object, ...]]:
        """Everything an import may change, to compare before and after."""
        conn = self.store.db.connection()
        out: list[tuple[object, ...]] = []
        for table in ("bank_statements", "bank_lines", "bank_matches", "payments"):
            out.extend(conn.execute(f"SELECT '{table}', * FROM {table} ORDER BY id").fetchall())
        out.extend(conn.execute("SELECT id, paid_minor FROM invoices ORDER BY id").fetchall())
        return out


def seeded(tmp_path: Path, *, collective: bool = True) -> Seeded:
    store = make_store(tmp_path)
    clock = Clock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    from tests.unit.test_store_support import add_profile

    profile = add_profile(store)
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", profile_id=profile.id, now=clock())
        drafts = {}
        for n, (price, currency, buyer, _k) in INVOICES.items():
            invoice = sample_invoice(price=price)
            invoice = replace(
                invoice, buyer=replace(invoice.buyer, tax_id=PolishNip(buyer)), currency=currency
            )
            if currency != "PLN":
                invoice = replace(
                    invoice, exchange_rate=Decimal("4.2000"), exchange_rate_date=date(2026, 2, 27)
                )
            drafts[n] = create_draft(conn, invoice, profile_id=profile.id, now=clock())
    ids = {}
    for n, draft in drafts.items():
        issued = issue_invoice(
            store.db,
            store.archive,
            draft,
            profile_id=profile.id,
            now=clock,
            series_id=series,
            mode=None,
            deadline=None,
        )
        ids[n] = issued.id
    outbox = Outbox(store.db, store.archive, clock, profile_id=profile.id)
    claimed = {item.invoice_id for item in outbox.claim(limit=20)}
    for n, (_p, _c, _b, k) in INVOICES.items():
        if k is None or ids[n] not in claimed:
            continue
        outbox.mark_sent(
            ids[n], session_ref="20260302-SO-0000000001-0000000001-00", invoice_ref=f"R{n}"
        )
        outbox.mark_accepted(ids[n], ksef(k))
    with store.db.transaction() as conn:
        second = sample_invoice().buyer
        second = Party(PolishNip(SECOND_BUYER), "Drugi Kupiec S.A.", second.address)
        save_checked(
            conn,
            second,
            CheckRecord(date(2026, 3, 1), "whitelist", "Czynny", (SECOND_ACCOUNT,)),
            company_nip=profile.nip,
            now=clock(),
        )
        if collective:
            save_collective(
                conn,
                COLLECTIVE,
                [ksef(3), ksef(4)],
                profile_id=profile.id,
                environment="sandbox",
                now=clock(),
            )
    return Seeded(store, profile, clock, ids)


def statement(name: str) -> bytes:
    return (STATEMENTS / name).read_bytes()
