"""No query of a panel, the outbox or the worker runs without the profile (issue 14).

Every SQL statement the store executes while the panels' loaders, the ledger, the outbox,
the editor's operations, the invoice actions, the collective identifiers and the
contractors do their work is traced (``sqlite3.Connection.set_trace_callback``); each one
that reads or changes a table whose rows belong to a profile must name the profile
(``profile_id``; contractors: the company, ``company_nip``). A query that forgets it
fails here — ``test_the_checker_catches_a_forgotten_condition`` shows that it would.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ksef_desktop.domain.offline import OfflineMode
from ksef_desktop.services import invoice_actions as actions
from ksef_desktop.services.collective import invoice_title, selection_problems
from ksef_desktop.services.importing import import_invoice
from ksef_desktop.services.invoice_search import search_numbers
from ksef_desktop.services.issue import issue_invoice, start_technical_correction
from ksef_desktop.services.upo_fetch import (
    anything_missing,
    missing_invoice_upos,
    missing_session_upos,
)
from ksef_desktop.store.collective import save_collective
from ksef_desktop.store.contractors import delete_contractor, save_contractor, search_contractors
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.queries import InvoiceFilter, SortKey, count_due_soon, due_soon
from ksef_desktop.store.sessions import SessionRecord, list_sessions, record_session, upos
from ksef_desktop.store.states import InvoiceState
from tests.unit.test_store_support import (
    NIP,
    Clock,
    add_profile,
    make_store,
    sample_invoice,
)

#: Tables whose rows belong to a profile (directly or through their invoice).
PROFILE_TABLES = frozenset(
    {
        "invoices",
        "invoice_documents",
        "outbox",
        "events",
        "series",
        "series_counters",
        "sessions",
        "upos",
        "collective_identifiers",
        "collective_invoices",
        "payments",
        "mail_outbox",
        "purchases",
        "purchase_payments",
        "purchase_sync",
        "purchase_deductions",
        "bank_statements",
        "bank_lines",
        "bank_matches",
        "bank_purchase_matches",
        "jpk_taxpayers",
        "jpk_files",
        "jpk_entries",
    }
)
#: Statements (as traced, with their values) that may go without the condition, and why;
#: each must occur, so that no exception outlives its reason.
ALLOWED = {
    # the invoices of an identifier, read after the identifier was found in the profile
    re.compile(
        r"SELECT ksef_number FROM collective_invoices WHERE number = '[^']*' ORDER BY position"
    ),
}
_TABLE = re.compile(r"\b(?:from|join|update|into)\s+([a-z_]+)", re.IGNORECASE)
#: Child rows written in the transaction of their parent, after the parent was found in
#: (or written for) the profile: the state log, a document, an outbox item, a number.
_CHILD_INSERT = re.compile(
    r"^\s*insert\s+(?:or\s+\w+\s+)?into\s+"
    r"(events|invoice_documents|outbox|series_counters|collective_invoices)\b",
    re.IGNORECASE,
)


def unscoped(statements: list[str]) -> list[str]:
    """The statements that touch a profile's tables without naming the profile."""
    bad = []
    for sql in statements:
        text = " ".join(sql.split())
        if any(p.fullmatch(text) for p in ALLOWED) or _CHILD_INSERT.match(text):
            continue  # a child row written in the transaction of its (scoped) parent
        tables = {t.lower() for t in _TABLE.findall(text)}
        if tables & PROFILE_TABLES and "profile_id" not in text:
            bad.append(text)
        if tables & {"contractors", "catalogue"} and "company_nip" not in text:
            bad.append(text)
    return bad


def test_the_checker_catches_a_forgotten_condition() -> None:
    assert unscoped(["SELECT count(*) FROM invoices WHERE state = 'queued'"])
    assert unscoped(["UPDATE outbox SET state = 'pending' WHERE state = 'claimed'"])
    assert unscoped(["SELECT id, party_json FROM contractors WHERE instr(search, ?) > 0"])
    assert not unscoped(["SELECT count(*) FROM invoices WHERE profile_id = ? AND state = ?"])


class Traced:
    """A store with two profiles of one NIP, whose statements are recorded on demand."""

    def __init__(self, tmp_path: Path) -> None:
        self.store = make_store(tmp_path)
        self.clock = Clock(datetime(2026, 3, 2, 9, tzinfo=UTC))
        self.mine = add_profile(self.store)
        self.other = add_profile(self.store, "test")
        self.statements: list[str] = []
        for profile in (self.other, self.mine):  # the other one's rows must stay out of sight
            self._fill(profile)

    def _fill(self, profile: Profile) -> None:
        store, clock = self.store, self.clock
        with store.db.transaction() as conn:
            series = create_series(
                conn, "FV", "FV/{yyyy}/{mm}/{n}", profile_id=profile.id, now=clock()
            )
            drafts = [
                create_draft(
                    conn, sample_invoice(buyer=f"Kupiec {i}"), profile_id=profile.id, now=clock()
                )
                for i in range(4)
            ]
        for i, draft in enumerate(drafts[:3]):
            issue_invoice(
                store.db,
                store.archive,
                draft,
                profile_id=profile.id,
                now=clock,
                series_id=series,
                mode="offline24" if i else None,
                deadline=clock() + timedelta(days=1) if i else None,
            )
        outbox = Outbox(store.db, store.archive, clock, profile_id=profile.id)
        (first, second, *_) = outbox.claim(limit=2)
        session = f"20260302-SO-{profile.id:010d}-{profile.id:010d}-00"
        outbox.mark_sent(first.invoice_id, session_ref=session, invoice_ref="EE-1")
        outbox.mark_accepted(
            first.invoice_id,
            f"{NIP}-20260302-{profile.id:012X}-00",
            upo=b"<Potwierdzenie/>",
            session_ref=session,
        )
        outbox.mark_sent(second.invoice_id, session_ref=session, invoice_ref="EE-2")
        outbox.mark_rejected(second.invoice_id, 450, "Błąd weryfikacji semantyki")
        with store.db.transaction() as conn:
            record_session(
                conn,
                SessionRecord(session, profile.environment.value, "online", clock(), clock()),
                profile_id=profile.id,
            )
        self.accepted, self.rejected = first.invoice_id, second.invoice_id

    def record(self) -> None:
        self.store.db.connection().set_trace_callback(self.statements.append)

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store.db.connection()


def purchase_sample() -> Any:
    from decimal import Decimal

    from ksef_desktop.store.purchases import ReceivedInvoice

    xml = (Path(__file__).parents[1] / "data" / "fa3-official" / "FA_3_Przykład_2.xml").read_bytes()
    moment = datetime(2026, 3, 2, 9, tzinfo=UTC)
    return ReceivedInvoice(
        ksef_number="9999999999-20260302-0100001AF629-00",
        seller_nip="9999999999",
        seller_name="Dostawca",
        number="FZ/1",
        kind="KOR",
        issue_date=moment.date(),
        acquired_at=moment,
        stored_at=moment,
        net=Decimal("100.00"),
        vat=Decimal("23.00"),
        gross=Decimal("123.00"),
        currency="PLN",
        xml=xml,
        due_date=moment.date(),
        corrects=({"number": "FV/1", "ksef_number": "9999999999-20260301-0100001AF629-00"},),
    )


@pytest.fixture
def traced(tmp_path: Path) -> Iterator[Traced]:
    t = Traced(tmp_path)
    yield t
    t.store.close()


def _all_operations(t: Traced) -> list[Callable[[], object]]:
    """What the panels, the ledger, the outbox and the worker do, for profile ``mine``."""
    from ksef_desktop.services.ledger_store import StoreLedger
    from ksef_desktop.ui.collective_dialog import load_listed
    from ksef_desktop.ui.editor import issue_draft, load_editor, save_draft
    from ksef_desktop.ui.invoice_list import store_loader

    store, clock, mine = t.store, t.clock, t.mine
    pid = mine.id
    ledger = StoreLedger(lambda: store, lambda: mine, clock, lambda *a: None)  # type: ignore[arg-type]
    load = store_loader(lambda: store, lambda: mine)
    outbox = Outbox(store.db, store.archive, clock, profile_id=pid)
    buyer = InvoiceFilter(buyer="kupiec 1", states=frozenset({InvoiceState.QUEUED}))
    loaded = load_editor(store, mine, None, clock())
    series = loaded.series[0].id

    def contractors() -> None:
        with store.db.transaction() as conn:
            made = save_contractor(conn, sample_invoice().buyer, company_nip=mine.nip, now=clock())
            save_contractor(
                conn, sample_invoice().buyer, company_nip=mine.nip, now=clock(), contractor_id=made
            )
        search_contractors(t.conn, "", company_nip=mine.nip)
        with store.db.transaction() as conn:
            delete_contractor(conn, made, company_nip=mine.nip)

    def everyday() -> None:
        """Issue 20: the catalogue, payments, the mail queue and the overdue list."""
        from datetime import date
        from decimal import Decimal

        from ksef_desktop.domain.catalogue import CatalogueItem
        from ksef_desktop.domain.invoice import VatRate
        from ksef_desktop.services.mail_outbox import queue_invoice_mail
        from ksef_desktop.store import catalogue, mail, payments
        from ksef_desktop.store.contractors import CheckRecord, save_checked

        with store.db.transaction() as conn:
            item = catalogue.save_item(
                conn,
                CatalogueItem("Usługa", Decimal(10), VatRate.R23),
                company_nip=mine.nip,
                now=clock(),
            )
            catalogue.search_items(conn, "us", company_nip=mine.nip)
            catalogue.delete_item(conn, item, company_nip=mine.nip)
            save_checked(
                conn,
                sample_invoice().buyer,
                CheckRecord(date(2026, 3, 2), "whitelist", "Czynny"),
                company_nip=mine.nip,
                now=clock(),
            )
            paid = payments.record_payment(
                conn, t.accepted, Decimal(1), date(2026, 3, 2), profile_id=pid, now=clock()
            )
            payments.payments_of(conn, t.accepted, profile_id=pid)
            payments.mark_paid(conn, t.accepted, date(2026, 3, 2), profile_id=pid, now=clock())
            payments.delete_payment(conn, paid, profile_id=pid)
            payments.overdue(conn, date(2027, 1, 1), profile_id=pid)
        mail_id = queue_invoice_mail(
            store,
            t.accepted,
            profile_id=pid,
            sender="a@b.pl",
            recipient="c@d.pl",
            lang="pl",
            with_xml=False,
            subject="s",
            body="b",
            now=clock(),
        )
        queue = mail.MailQueue(store.db, profile_id=pid, owner="test/1")
        queue.settle_abandoned(clock())
        claimed = queue.claim(clock())
        assert claimed is not None
        queue.finish(claimed, mail.MailState.FAILED, clock(), error="x")
        mail.retry_mail(store.db, mail_id, profile_id=pid, now=clock())
        mail.cancel_mail(store.db, mail_id, profile_id=pid, now=clock())
        mail.mails_of(t.conn, t.accepted, profile_id=pid)
        mail.count_by_state(t.conn, profile_id=pid)

    def collective() -> None:
        with store.db.transaction() as conn:
            save_collective(
                conn,
                "5265877635-IZ202603-65ED02180000-61",
                ["x"],
                profile_id=pid,
                environment="sandbox",
                now=clock(),
            )
        load_listed(store, mine)
        selection_problems(t.conn, [t.accepted, t.rejected], mine)
        invoice_title(t.conn, t.accepted, profile_id=pid)

    def statements() -> None:
        """Issue 24: a statement imported, a line assigned, undone, rejected; a title."""
        from ksef_desktop.services import statements as st
        from ksef_desktop.services.title_lookup import look_up_title
        from ksef_desktop.store.statements import list_lines
        from tests.unit.statement_support import statement

        for name in ("angle-split-account.mt940", "zbp-tilde.mt940"):
            st.import_statement(
                store.db, statement(name), profile=mine, now=clock, lookup=lambda ids: {}
            )
        lines = list_lines(t.conn, profile_id=pid)
        unknown = next(x for x in lines if x.state.value == "unknown" and x.amount > 0)
        st.assign_line(store.db, unknown.id, [t.accepted], profile_id=pid, now=clock())
        st.undo_line(store.db, unknown.id, profile_id=pid)
        st.reject_line(store.db, unknown.id, profile_id=pid)
        look_up_title(
            store.db, "FV/2026/03/1 KSeF 5265877635-IZ202603-00000000C001-04", profile=mine
        )
        # a debit paying a purchase invoice, undone, accepted again
        from decimal import Decimal

        from tests.unit.debit_support import Debit, add_supplier_invoice, mt940, supplier_ksef

        add_supplier_invoice(store, mine, 7, "70.00", account="PL50105014451000009012345678")
        paying = mt940("2026-03-06", [Debit(Decimal("70"), supplier_ksef(7))])
        report = st.import_statement(store.db, paying, profile=mine, now=clock)
        debit = report.lines[0]
        assert debit.verdict.value == "matched"
        assert debit.line_id is not None
        st.undo_line(store.db, debit.line_id, profile_id=pid)
        st.accept_line(store.db, debit.line_id, profile_id=pid, now=clock())
        list_lines(t.conn, profile_id=pid)

    def editor() -> None:
        draft = save_draft(store, mine, None, sample_invoice(), clock())
        save_draft(store, mine, draft, sample_invoice(buyer="Inny"), clock())
        load_editor(store, mine, draft, clock())
        issue_draft(
            store,
            mine,
            draft,
            sample_invoice(),
            series_id=series,
            terms=(None, None),
            now=clock,
            qr_base="http://q",
            lang="pl",
        )

    def purchases() -> None:
        from decimal import Decimal

        from ksef_desktop.services import purchases as buying
        from ksef_desktop.store import purchases as kept

        with store.db.transaction() as conn:
            made = kept.add_purchase(
                conn, store.archive, purchase_sample(), profile_id=pid, now=clock()
            )
            kept.set_sync_start(conn, "Subject2", clock(), profile_id=pid, now=clock())
        assert made is not None
        conn = t.conn
        kept.sync_start(conn, "Subject2", profile_id=pid)
        kept.known_numbers(conn, ["x"], profile_id=pid)
        for flt in (
            kept.PurchaseFilter(),
            kept.PurchaseFilter(seller="dostawca", payment=kept.PaymentFilter.OVERDUE),
            kept.PurchaseFilter(text="FZ/1", payment=kept.PaymentFilter.PAID),
        ):
            for sort in kept.PurchaseSort:
                kept.list_purchases(conn, flt, profile_id=pid, sort=sort)
            kept.count_purchases(conn, flt, profile_id=pid)
        kept.count_overdue(conn, clock().date(), profile_id=pid)
        buying.record_payment(store.db, made, profile_id=pid, now=clock, amount=Decimal("1"))
        buying.record_payment(store.db, made, profile_id=pid, now=clock)
        kept.payments_of(conn, made, profile_id=pid)
        buying.check_purchase(store, made, profile_id=pid, today=clock().date())
        buying.transfer_title(store, made, profile_id=pid)
        buying.purchase_xml(store, made, profile_id=pid)
        buying.collective_problems_of(store, [made], profile_id=pid)
        from ksef_desktop.services import purchase_deductions as deducting

        deducting.change_deductions(
            store.db, [made], profile_id=pid, now=clock, share=Decimal("0.5"), month=1
        )
        deducting.deductions(store.db, [made], profile_id=pid)
        kept.purchases_by_hash(conn, "x", profile_ids=[pid])
        kept.purchases_of_seller_day(conn, "9999999999", clock().date(), profile_ids=[pid])
        for payment in kept.payments_of(conn, made, profile_id=pid):
            with store.db.transaction() as tx:
                kept.delete_payment(tx, payment.id, profile_id=pid)

    def jpk() -> None:
        """Issue 19: the taxpayer kept, the month's file made, recorded and read back."""
        from dataclasses import replace

        from ksef_desktop.jpk.model import DeclarationInputs, Period
        from ksef_desktop.services import jpk_month as vat
        from tests.unit.jpk_support import TAXPAYER

        # April: the fixture's KSeF numbers of March have no valid checksum.
        april, taxpayer = Period(2026, 4), replace(TAXPAYER, nip=mine.nip)
        vat.save_taxpayer(store, mine, taxpayer, now=clock())
        vat.taxpayer_of(store, mine)
        vat.overview_month(store, mine, april)
        vat.save_month(store, mine, april, taxpayer, now=clock())
        inputs = DeclarationInputs(correction_reason="Korekta")
        made = vat.save_month(store, mine, april, taxpayer, inputs, now=clock())
        vat.recorded_file(store, mine, made.record.id)
        vat.previous_surplus(store, mine, Period(2026, 5))

    return [
        jpk,
        purchases,
        ledger.offline_rows,
        ledger.outbox_counts,
        ledger.retry_now,
        lambda: [
            load(f, s, d, None, 20)
            for f in (InvoiceFilter(), buyer)
            for s in SortKey
            for d in (True, False)
        ],
        lambda: search_numbers(t.conn, "FV/2026", buyer, profile_id=pid),
        lambda: count_due_soon(t.conn, clock(), profile_id=pid),
        lambda: due_soon(t.conn, clock(), profile_id=pid),
        lambda: outbox.claim(),
        outbox.pending,
        outbox.awaiting_verdict,
        outbox.release_claims,
        lambda: actions.invoice_xml(store, t.accepted, profile_id=pid),
        lambda: actions.invoice_upo(store, t.accepted, profile_id=pid),
        lambda: actions.duplicate_as_new(store.db, t.accepted, profile_id=pid, now=clock),
        lambda: actions.start_correction(store.db, t.accepted, profile_id=pid, now=clock),
        lambda: start_technical_correction(store.db, t.rejected, profile_id=pid, now=clock),
        lambda: list_sessions(t.conn, profile_id=pid),
        lambda: anything_missing(t.conn, clock(), profile_id=pid),
        lambda: missing_invoice_upos(t.conn, profile_id=pid, since=clock() - timedelta(days=9)),
        lambda: missing_session_upos(t.conn, profile_id=pid, since=clock() - timedelta(days=9)),
        lambda: upos(t.conn, profile_id=pid, invoice_id=t.accepted),
        lambda: import_invoice(
            store, b"<x/>", profile_id=pid, mode=OfflineMode.OFFLINE24, now=clock
        ),
        contractors,
        everyday,
        lambda: load(InvoiceFilter(overdue_on=clock().date()), SortKey.ISSUE_DATE, True, None, 20),
        collective,
        statements,
        editor,
    ]


def test_every_statement_of_the_panels_and_the_outbox_names_the_profile(traced: Traced) -> None:
    t = traced
    t.record()
    for operation in _all_operations(t):
        operation()
    assert len(t.statements) > 100  # the tracing really saw the work
    bad = unscoped(t.statements)
    assert not bad, "\n".join(bad)
    used = [" ".join(s.split()) for s in t.statements]
    stale = [p.pattern for p in ALLOWED if not any(p.fullmatch(u) for u in used)]
    assert not stale, stale  # no exception outlives its reason


def test_the_other_profile_saw_nothing_of_the_work(traced: Traced) -> None:
    """Nothing done for ``mine`` touched the rows of ``other`` (same NIP, Test)."""
    t = traced
    before = t.conn.execute(
        "SELECT id, state, updated_at FROM invoices WHERE profile_id = ? ORDER BY id",
        (t.other.id,),
    ).fetchall()
    for operation in _all_operations(t):
        operation()
    after = t.conn.execute(
        "SELECT id, state, updated_at FROM invoices WHERE profile_id = ? ORDER BY id",
        (t.other.id,),
    ).fetchall()
    assert after == before
