"""services/collective.py against a sandbox: the invoices of our own store, accepted by
KSeF through the sending service, get one collective identifier; selections that cannot
go together are refused from the store alone, before any request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ksef_desktop import i18n
from ksef_desktop.domain.collective import collective_identifier_is_valid
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services.collective import (
    CollectiveRefused,
    create_collective,
    invoice_title,
    selection_problems,
)
from ksef_desktop.store import Store
from ksef_desktop.store.collective import covered_invoices, get_collective, list_collectives
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.states import InvoiceState
from tests.integration.conftest import DEFAULTS
from tests.integration.submit_support import (
    SELLER,
    client_factory,
    drain_until_done,
    issue_many,
    submitter,
)
from tests.unit.test_store_support import (
    PID,
    add_profile,
    open_profiled,
    sample_invoice,
    sample_profile,
)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class World:
    sandbox: Sandbox
    store: Store
    accepted: list[int]  # accepted by KSeF
    waiting: int  # issued, queued, never sent
    draft: int

    def client(self) -> AbstractContextManager[Any]:
        return client_factory(self.sandbox.base_url, self.sandbox.tokens[SELLER])()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root: Path = tmp_path_factory.mktemp("collective-service")
    with Sandbox(SandboxConfig(**DEFAULTS)) as sb:
        store = open_profiled(root / "data")
        accepted = issue_many(store, 4, now=_now)
        drain_until_done(submitter(store, sb.base_url, sb.tokens[SELLER], _now))
        (waiting,) = issue_many(store, 1, now=_now, prefix="FW")
        with store.db.transaction() as conn:
            draft = create_draft(conn, sample_invoice(), now=_now(), profile_id=PID)
        conn = store.db.connection()
        assert all(
            get_invoice(conn, i, profile_id=PID).state is InvoiceState.ACCEPTED for i in accepted
        )
        yield World(sb, store, accepted, waiting, draft)


@pytest.fixture(autouse=True)
def polish() -> Iterator[None]:
    i18n.set_language("pl")
    yield
    i18n.set_language("en")


def test_three_accepted_invoices_get_one_identifier_with_their_amounts(world: World) -> None:
    ids = world.accepted[:3]
    conn = world.store.db.connection()
    with world.client() as client:
        stored = create_collective(
            world.store.db, lambda: client, ids, profile=sample_profile(world.store), now=_now
        )
    assert collective_identifier_is_valid(stored.number)
    assert stored.number.startswith(SELLER + "-IZ")
    numbers = [get_invoice(conn, i, profile_id=PID).ksef_number for i in ids]
    assert list(stored.ksef_numbers) == numbers
    assert get_collective(conn, stored.number, profile_id=PID) == stored
    assert stored in list_collectives(conn, profile_id=PID)
    assert stored not in list_collectives(conn, profile_id=add_profile(world.store, "test").id)
    # KSeF got every invoice with its gross as the amount to pay
    record = world.sandbox.core.state.collective[stored.number]
    sent = {item["ksefNumber"]: item["payment"] for item in record.invoices}
    for invoice_id in ids:
        invoice = get_invoice(conn, invoice_id, profile_id=PID)
        payment = sent[invoice.ksef_number]
        assert Decimal(str(payment["amount"])) == invoice.gross
        assert payment["currency"] == "PLN"
    covered = covered_invoices(conn, stored.ksef_numbers, profile_id=PID)
    assert [c.invoice_id for c in covered] == ids
    assert [c.number for c in covered] == [get_invoice(conn, i, profile_id=PID).number for i in ids]


def test_refusals_come_from_the_store_before_any_request(world: World) -> None:
    conn = world.store.db.connection()
    asked: list[str] = []

    def never() -> Any:
        asked.append("client")
        raise AssertionError("KSeF must not be asked")

    before = dict(world.sandbox.core.state.collective)
    waiting_number = get_invoice(conn, world.waiting, profile_id=PID).number
    cases = {
        (world.accepted[0], world.waiting): f"Faktura {waiting_number} nie ma jeszcze numeru KSeF",
        (world.accepted[0], world.draft): "nie ma jeszcze numeru KSeF",
        (): "Wybierz co najmniej jedną fakturę",
        (world.accepted[0], 999_999): "Faktury #999999 nie ma już w bazie.",
        (world.accepted[0],): "co najmniej 2 faktury",
    }
    for ids, expected in cases.items():
        with pytest.raises(CollectiveRefused) as refused:
            create_collective(
                world.store.db, never, list(ids), profile=sample_profile(world.store), now=_now
            )
        assert expected in refused.value.message(), refused.value.message()
    # another taxpayer's profile: it does not even see these invoices
    other_profile = add_profile(world.store, "sandbox", "1111111111")
    with pytest.raises(CollectiveRefused) as other:
        create_collective(
            world.store.db, never, world.accepted[:1], profile=other_profile, now=_now
        )
    assert f"Faktury #{world.accepted[0]} nie ma już w bazie." in other.value.message()
    assert asked == []
    assert world.sandbox.core.state.collective == before


def test_transfer_title_of_one_invoice(world: World) -> None:
    conn = world.store.db.connection()
    accepted = get_invoice(conn, world.accepted[3], profile_id=PID)
    assert (
        invoice_title(conn, accepted.id, profile_id=PID)
        == f"KSeF {accepted.ksef_number} {accepted.number}"
    )
    waiting = get_invoice(conn, world.waiting, profile_id=PID)
    assert invoice_title(conn, waiting.id, profile_id=PID) == waiting.number
    with pytest.raises(CollectiveRefused, match="collective") as draft:
        invoice_title(conn, world.draft, profile_id=PID)
    assert draft.value.message() == "Szkic nie ma jeszcze numeru; najpierw wystaw fakturę."


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_selection_is_refused_exactly_when_it_cannot_go_together(
    world: World, data: st.DataObject
) -> None:
    pool = [*world.accepted, world.waiting, world.draft, 0, -5, 2**40]
    ids = data.draw(st.lists(st.sampled_from(pool), max_size=8))
    nip = data.draw(st.sampled_from([SELLER, "1111111111"]))
    conn = world.store.db.connection()
    profile = add_profile(world.store, "sandbox", nip)
    problems = selection_problems(conn, ids, profile)
    fine = (
        len(ids) >= 2  # API 2.9.0: at least two invoices per identifier
        and all(i in world.accepted for i in ids)
        and len(set(ids)) == len(ids)
        and nip == SELLER
    )
    assert (not problems) == fine, (ids, nip, problems)
    assert all(isinstance(p, str) and p.strip() for p in problems)
