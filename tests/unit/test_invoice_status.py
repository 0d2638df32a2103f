"""Where an invoice stands, said plainly (issue 15, item 5): the one count the status bar
and the offline panel share, KSeF's own words for a rejection, which actions apply, and
messages that name the invoice by its number."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ksef_desktop.services.invoice_status import (
    Action,
    Row,
    applicable,
    pretty_xml,
    rejection_text,
)
from ksef_desktop.services.issue import issue_invoice, start_technical_correction
from ksef_desktop.store.queries import OpenCounts, count_open
from ksef_desktop.store.states import IllegalTransition, InvoiceState, transition
from ksef_desktop.ui.ledger import SendReport, counts_text, send_message
from ksef_desktop.ui.store_ledger import StoreLedger
from tests.unit.test_store_outbox import World, _at
from tests.unit.test_store_support import PID, sample_profile

S = InvoiceState


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.store.close()


def test_one_count_for_the_status_bar_and_the_offline_panel(world: World) -> None:
    waiting = world.issue()
    sending = world.issue()
    failing = world.issue()
    held = world.issue()
    rejected = world.issue(_at(9))
    replaced = world.issue(_at(9))
    accepted = world.issue()
    outbox = world.outbox
    outbox.withdraw(held)  # sending undone in its undo window
    claimed = {i.invoice_id for i in outbox.claim(limit=100)}
    assert claimed == {waiting, sending, failing, rejected, replaced, accepted}
    outbox.mark_sent(sending, session_ref="S-1", invoice_ref="I-1")
    outbox.mark_failed(failing, "KSeF nie odpowiada")
    outbox.mark_rejected(rejected, 450, "P_1 z przyszłości")
    outbox.mark_rejected(replaced, 450, "P_1 z przyszłości")
    outbox.mark_accepted(accepted, "5265877635-20260302-0100001AF629-AF")
    outbox.release_claims()
    correction = start_technical_correction(
        world.store.db, replaced, now=world.clock, profile_id=PID
    )
    issue_invoice(
        world.store.db, world.store.archive, correction, now=world.clock, series_id=None,
        mode="offline24", deadline=_at(9), profile_id=PID,
    )  # fmt: skip
    counts = count_open(world.store.db.connection(), profile_id=PID)
    # waiting: the first one and the technical correction; the rest one each
    assert counts == OpenCounts(waiting=2, sending=1, failed=1, rejected=1, held=1)
    profile = sample_profile(world.store)
    ledger = StoreLedger(lambda: world.store, lambda: profile, world.clock, lambda *a: None)  # type: ignore[arg-type]
    rows = ledger.offline_rows()
    assert len(rows) == counts.total  # the panel lists exactly what the status bar counts
    assert replaced not in {r.invoice_id for r in rows}  # its correction took its place
    (row,) = [r for r in rows if r.invoice_id == rejected]
    assert row.last_error.startswith("Odrzucona przez KSeF (kod 450): Treść faktury")
    assert counts_text(counts) == ("2 oczekują, 1 w wysyłce, 1 nieudana, 1 odrzucona, 1 wstrzymana")
    assert counts_text(OpenCounts()) == "0 oczekuje, 0 w wysyłce, 0 nieudanych, 0 odrzuconych"


def test_a_rejection_in_ksefs_own_words() -> None:
    text = rejection_text(410, "")
    assert text == (
        "Odrzucona przez KSeF (kod 410): Nie masz uprawnień do wystawiania faktur w imieniu "
        "tego sprzedawcy."
    )
    with_details = rejection_text(450, "linia 35: P_1 z przyszłości")
    assert with_details.endswith("Szczegóły od KSeF: linia 35: P_1 z przyszłości")
    assert rejection_text(999, "") == "Odrzucona przez KSeF z kodem 999."
    assert rejection_text(None, None) == "Odrzucona przez KSeF."


def test_a_rejection_is_announced_as_one() -> None:
    text = send_message(SendReport(sent=0, rejected=("FV/2026/11/3",)), asked=False)
    assert text == "KSeF ODRZUCIŁ fakturę FV/2026/11/3: powód jest na liście faktur."
    assert "Wysłano" not in text
    both = send_message(SendReport(sent=2, rejected=("A", "B")), asked=True)
    assert both == (
        "KSeF ODRZUCIŁ faktury A, B: powody są na liście faktur. KSeF przyjął 2 faktury."
    )
    assert send_message(SendReport(), asked=False) == ""


@pytest.mark.parametrize(
    ("state", "kind", "on", "off"),
    [
        (S.DRAFT, "VAT", {Action.OPEN, Action.DUPLICATE},
         {Action.PDF, Action.XML, Action.CORRECT, Action.SEND, Action.UPO, Action.TECHNICAL}),
        (S.ISSUED, "VAT", {Action.SEND, Action.PDF, Action.CORRECT},
         {Action.UPO, Action.TECHNICAL, Action.COLLECTIVE}),
        (S.QUEUED, "VAT", {Action.PDF, Action.XML, Action.CORRECT},
         {Action.SEND, Action.UPO, Action.TECHNICAL}),
        (S.ACCEPTED, "VAT", {Action.UPO, Action.COLLECTIVE, Action.CORRECT, Action.PDF},
         {Action.SEND, Action.TECHNICAL}),
        (S.ACCEPTED, "ZAL", {Action.UPO}, {Action.CORRECT}),
        (S.REJECTED, "VAT", {Action.TECHNICAL, Action.PDF, Action.XML},
         {Action.CORRECT, Action.SEND, Action.UPO, Action.COLLECTIVE}),
    ],
)  # fmt: skip
def test_only_what_applies_is_offered(
    state: InvoiceState, kind: str, on: set[Action], off: set[Action]
) -> None:
    found = applicable(Row(state, kind))
    assert on <= found
    assert not (off & found)


def test_a_refused_move_names_the_invoice_by_its_number(world: World) -> None:
    invoice = world.issue()
    number = (
        world.store.db.connection()
        .execute("SELECT number FROM invoices WHERE id = ?", (invoice,))
        .fetchone()[0]
    )
    with world.store.db.transaction() as conn, pytest.raises(IllegalTransition) as info:
        transition(conn, invoice, S.DRAFT, profile_id=PID, at=world.clock())
    message = info.value.message()
    assert message.startswith(f"Faktura {number} nie może przejść")
    assert f"Faktura {invoice} " not in message


def test_a_document_is_laid_out_for_reading() -> None:
    upo = b'<?xml version="1.0"?><Potwierdzenie><A>1</A><B><C>2</C></B></Potwierdzenie>'
    text = pretty_xml(upo)
    assert text.splitlines() == [
        "<Potwierdzenie>",
        "  <A>1</A>",
        "  <B>",
        "    <C>2</C>",
        "  </B>",
        "</Potwierdzenie>",
    ]
    assert pretty_xml(b"not xml") == "not xml"
