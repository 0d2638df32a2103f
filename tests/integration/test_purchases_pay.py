"""Checking and paying purchase invoices (issue 18): due dates, a correction of an invoice
we have, partial and full payments, the overdue list, the transfer title and a collective
identifier made by the payer for two invoices of one supplier."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.domain.collective import collective_identifier_is_valid
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services import purchases as actions
from ksef_desktop.services.collective import CollectiveRefused
from ksef_desktop.services.purchases_sync import sync_purchases
from ksef_desktop.store import Store
from ksef_desktop.store.collective import list_collectives
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.purchases import (
    PaymentFilter,
    PurchaseFilter,
    count_overdue,
    list_purchases,
    payments_of,
)
from tests.integration.client_support import SEEN_SECRETS, invoice_bytes
from tests.integration.purchases_support import (
    BUYER,
    NIPS,
    SUPPLIER_A,
    SUPPLIER_B,
    buyer_store,
    client_for,
    correction_of,
    send_files,
    with_due_date,
)

TODAY = datetime.now(WARSAW).date()


@pytest.fixture(autouse=True)
def english() -> None:
    from ksef_desktop import i18n

    i18n.set_language("en")  # the suite's fixture puts the default back afterwards


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Store, Profile]]:
    with Sandbox(SandboxConfig(nips=NIPS, port=0, rate_limit_scale=None)) as sb:
        SEEN_SECRETS.update(sb.tokens.values())
        past, future = TODAY - timedelta(days=5), TODAY + timedelta(days=9)
        a = send_files(
            sb,
            SUPPLIER_A,
            [
                with_due_date(invoice_bytes(SUPPLIER_A, "A/1"), past),
                with_due_date(invoice_bytes(SUPPLIER_A, "A/2"), future),
            ],
        )
        send_files(sb, SUPPLIER_B, [with_due_date(invoice_bytes(SUPPLIER_B, "B/1"), past)])
        send_files(sb, SUPPLIER_A, [correction_of(SUPPLIER_A, "A/KOR/1", a[0])])
        store, profile = buyer_store(tmp_path_factory.mktemp("pay"))
        with client_for(sb, BUYER) as client:
            report = sync_purchases(store, client, profile, now=lambda: datetime.now(UTC))
        assert report.new == 4
        yield sb, store, profile
        store.close()


def _by_number(store: Store, profile: Profile) -> dict[str, int]:
    page = list_purchases(store.db.connection(), profile_id=profile.id)
    return {r.number: r.id for r in page.rows}


def test_checks_say_due_dates_arithmetic_and_what_a_correction_corrects(
    world: tuple[Sandbox, Store, Profile],
) -> None:
    _sb, store, profile = world
    ids = _by_number(store, profile)
    overdue = actions.check_purchase(store, ids["A/1"], profile_id=profile.id, today=TODAY)
    texts = [f.text for f in overdue]
    # Official sample 1 declares P_15 = 2051 while its rates sum to 2050.99: a real
    # arithmetic warning, which KSeF accepted and the buyer gets to see.
    assert any(t.startswith("Fa/P_15: ") and "2050.99" in t for t in texts)
    assert any("Overdue by 5 days" in t for t in texts)
    later = actions.check_purchase(store, ids["A/2"], profile_id=profile.id, today=TODAY)
    assert any("Due in 9 days" in f.text for f in later)
    kor = actions.check_purchase(store, ids["A/KOR/1"], profile_id=profile.id, today=TODAY)
    assert any("which we received" in f.text and "Corrects invoice" in f.text for f in kor)


def test_partial_then_full_payment_and_the_overdue_list(
    world: tuple[Sandbox, Store, Profile],
) -> None:
    _sb, store, profile = world
    ids = _by_number(store, profile)
    conn = store.db.connection()
    before = count_overdue(conn, TODAY, profile_id=profile.id)
    assert before == 2  # A/1 and B/1 (A/2 not yet due; the correction has no term)
    overdue = list_purchases(
        conn, PurchaseFilter(payment=PaymentFilter.OVERDUE, today=TODAY), profile_id=profile.id
    )
    assert {r.number for r in overdue.rows} == {"A/1", "B/1"}
    now = lambda: datetime.now(UTC)  # noqa: E731
    partly = actions.record_payment(
        store.db, ids["B/1"], profile_id=profile.id, now=now, amount=Decimal("1000.00")
    )
    assert partly.paid == Decimal("1000.00")
    assert partly.paid_on is None
    assert partly.outstanding == Decimal("1051.00")
    full = actions.record_payment(
        store.db, ids["B/1"], profile_id=profile.id, now=now, paid_on=date(2026, 12, 1)
    )
    assert full.paid == full.gross
    assert full.paid_on == date(2026, 12, 1)
    paid = payments_of(conn, ids["B/1"], profile_id=profile.id)  # by payment date
    assert [(p.paid_on, p.amount) for p in paid] == [
        (date(2026, 12, 1), Decimal("1051.00")),
        (TODAY, Decimal("1000.00")),
    ]
    assert count_overdue(conn, TODAY, profile_id=profile.id) == before - 1
    with pytest.raises(actions.PurchaseRefused):
        actions.record_payment(store.db, ids["B/1"], profile_id=profile.id, now=now)
    with pytest.raises(actions.PurchaseRefused):
        actions.parse_amount("12,345")


def test_transfer_title_names_the_ksef_number(world: tuple[Sandbox, Store, Profile]) -> None:
    _sb, store, profile = world
    ids = _by_number(store, profile)
    title = actions.transfer_title(store, ids["A/2"], profile_id=profile.id)
    row = list_purchases(store.db.connection(), PurchaseFilter(text="A/2"), profile_id=profile.id)
    assert title == f"KSeF {row.rows[0].ksef_number} A/2"
    by_seller = list_purchases(
        store.db.connection(), PurchaseFilter(seller="999-999"), profile_id=profile.id
    )
    assert {r.seller_nip for r in by_seller.rows} == {SUPPLIER_A}
    assert len(by_seller.rows) == 3  # A/1, A/2 and the correction


def test_a_collective_identifier_for_two_invoices_of_one_supplier(
    world: tuple[Sandbox, Store, Profile],
) -> None:
    sb, store, profile = world
    ids = _by_number(store, profile)
    with client_for(sb, BUYER) as client:
        with pytest.raises(CollectiveRefused) as refused:
            actions.create_purchase_collective(
                store.db, lambda: client, [ids["A/1"], ids["B/1"]], profile=profile,
                now=lambda: datetime.now(UTC), store=store,
            )  # fmt: skip
        assert "one seller" in refused.value.message()
        made = actions.create_purchase_collective(
            store.db, lambda: client, [ids["A/1"], ids["A/2"]], profile=profile,
            now=lambda: datetime.now(UTC), store=store,
        )  # fmt: skip
    assert collective_identifier_is_valid(made.number)
    assert made.number.startswith(SUPPLIER_A)  # the supplier's NIP: it matches on it
    assert len(made.ksef_numbers) == 2
    kept = list_collectives(store.db.connection(), profile_id=profile.id)
    assert [c.number for c in kept] == [made.number]


def test_the_pdf_of_a_received_invoice_carries_kod1_that_check_qr_confirms(
    world: tuple[Sandbox, Store, Profile], tmp_path: Path
) -> None:
    from ksef_desktop.services.qr_check import Verdict, check_codes, codes_in_file
    from ksef_desktop.store.purchases import purchases_by_hash, purchases_of_seller_day

    sb, store, profile = world
    ids = _by_number(store, profile)
    pdf = tmp_path / "a1.pdf"
    pdf.write_bytes(
        actions.purchase_pdf(store, ids["A/1"], profile_id=profile.id, qr_base=sb.qr_base)
    )
    (code,) = codes_in_file(pdf)
    conn = store.db.connection()

    def lookup(nip: str, day: date, digest: str) -> tuple[list[str], int]:
        same = [n for _p, _i, n in purchases_by_hash(conn, digest, profile_ids=[profile.id])]
        return same, len(purchases_of_seller_day(conn, nip, day, profile_ids=[profile.id]))

    (check,) = check_codes([code], bases=[sb.qr_base], lookup=lookup)
    assert check.verdict is Verdict.VALID
    xml = actions.purchase_xml(store, ids["A/1"], profile_id=profile.id)
    assert b"<P_2>A/1</P_2>" in xml
