"""The "not in KSeF yet" states are defined once (store/states.py) and the SQL says
exactly them: the queries build their lists from it, and the partial indexes that
migrations wrote (frozen history) spell the same list, so SQLite can use them."""

from __future__ import annotations

from ksef_desktop.store import schema
from ksef_desktop.store.states import IN_FLIGHT, NOT_IN_KSEF, OPEN_STATES, InvoiceState, sql_states


def test_the_lists() -> None:
    assert sql_states(IN_FLIGHT) == "('queued','sent')"
    assert set(NOT_IN_KSEF) == {*OPEN_STATES, InvoiceState.REJECTED}
    assert InvoiceState.ACCEPTED not in NOT_IN_KSEF
    assert InvoiceState.DRAFT not in NOT_IN_KSEF


def test_the_partial_indexes_spell_the_same_list() -> None:
    texts = [v for k, v in vars(schema).items() if isinstance(v, str) and "CREATE" in v]
    wheres = [
        line.strip()
        for text in texts
        for line in text.splitlines()
        if "state IN (" in line and "CHECK" not in line
    ]
    assert wheres, "no partial index on the states found"
    for where in wheres:
        assert f"state IN {sql_states(NOT_IN_KSEF)}" in where, where


def test_the_due_soon_query_uses_its_index(tmp_path) -> None:
    from ksef_desktop.store.queries import _DUE_SOON
    from tests.unit.test_store_support import PID, make_store

    store = make_store(tmp_path)
    plan = (
        store.db.connection()
        .execute(f"EXPLAIN QUERY PLAN SELECT count(*) {_DUE_SOON}", (PID, "9999"))
        .fetchall()
    )
    assert any("invoices_open_deadline_by_profile" in str(row) for row in plan), plan
