"""Purchase invoices from KSeF (issue 18): two suppliers send to our NIP; we sync once,
again (nothing new), through exports and through queries (the same set), and a new
invoice arrives through the query path by itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services.archive_verify import verify_archive
from ksef_desktop.services.purchases_sync import sync_purchases
from ksef_desktop.store import chain
from ksef_desktop.store.purchases import list_purchases, sync_start
from tests.integration.client_support import SEEN_SECRETS
from tests.integration.purchases_support import (
    BUYER,
    NIPS,
    SUPPLIER_A,
    SUPPLIER_B,
    buyer_store,
    client_for,
    kept,
    supplier_invoices,
)


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def suppliers() -> Iterator[tuple[Sandbox, list[str]]]:
    """A sandbox where supplier A sent 3 invoices to BUYER and supplier B 2."""
    with Sandbox(SandboxConfig(nips=NIPS, port=0, rate_limit_scale=None)) as sb:
        SEEN_SECRETS.update(sb.tokens.values())
        sent = supplier_invoices(sb, SUPPLIER_A, [f"PA/{i}" for i in range(3)])
        sent += supplier_invoices(sb, SUPPLIER_B, [f"PB/{i}" for i in range(2)])
        # An invoice among other parties must never reach us.
        supplier_invoices_to_other(sb)
        yield sb, sent


def supplier_invoices_to_other(sb: Any) -> None:
    import re

    from ksef_desktop.ksef.sending import InvoiceToSend
    from tests.integration.client_support import invoice_bytes

    xml = invoice_bytes(SUPPLIER_A, "OTHER/1")
    xml = re.sub(rb"<NIP>1111111111</NIP>", b"<NIP>2222222222</NIP>", xml, count=1)
    with client_for(sb, SUPPLIER_A) as client:
        (result,) = client.send([InvoiceToSend("o.xml", xml, False)], mode="online")
    assert result.ksef_number


def _sync(sb: Sandbox, folder: Path, **kwargs: Any) -> Any:
    store, profile = buyer_store(folder)
    try:
        with client_for(sb, BUYER) as client:
            report = sync_purchases(store, client, profile, now=_now, **kwargs)
        return report, kept(store, profile)
    finally:
        store.close()


def test_two_suppliers_synced_once_and_again_nothing_new(
    suppliers: tuple[Sandbox, list[str]], tmp_path: Path
) -> None:
    sb, sent = suppliers
    first, stored = _sync(sb, tmp_path)
    assert first.new == len(sent) == 5
    assert set(stored) == set(sent)
    assert first.exports >= 1
    assert first.downloads == 0
    second, again = _sync(sb, tmp_path)
    assert second.new == 0
    assert again == stored
    assert second.queries >= 1
    assert second.exports == 0
    # Every file is byte for byte KSeF's, archived with its hash.
    store, profile = buyer_store(tmp_path)
    try:
        conn = store.db.connection()
        for number, relpath in conn.execute("SELECT ksef_number, relpath FROM purchases"):
            assert (
                store.archive.read(conn, relpath)
                == sb.core.state.invoices[sb.core.state.by_ksef_number[number]].content
            )
        page = list_purchases(conn, profile_id=profile.id)
        assert {r.seller_nip for r in page.rows} == {SUPPLIER_A, SUPPLIER_B}
        assert sync_start(conn, "Subject2", profile_id=profile.id) is not None
        # They are in the archive's hash chain, and its check counts them as referred to.
        in_chain = {e.relpath for e in chain.entries(conn)}
        assert {r[0] for r in conn.execute("SELECT relpath FROM purchases")} <= in_chain
        report = verify_archive(store)
        assert report.ok, report.lines()
        assert report.checked == len(sent)
    finally:
        store.close()


def test_export_path_and_query_path_give_the_same_set(
    suppliers: tuple[Sandbox, list[str]], tmp_path: Path
) -> None:
    sb, sent = suppliers
    by_export, exported = _sync(sb, tmp_path / "export", method="export")
    by_query, queried = _sync(sb, tmp_path / "query", method="query")
    assert by_export.exports >= 1
    assert by_export.downloads == 0
    assert by_query.exports == 0
    assert by_query.downloads == len(sent)
    assert exported == queried
    assert set(exported) == set(sent)


def test_a_new_invoice_arrives_through_the_query_path(
    suppliers: tuple[Sandbox, list[str]], tmp_path: Path
) -> None:
    sb, sent = suppliers
    since = _now() - timedelta(days=1)
    first, _stored = _sync(sb, tmp_path, since=since)
    assert first.new == len(sent)
    (extra,) = supplier_invoices(sb, SUPPLIER_B, [f"PB/late/{_now().timestamp()}"])
    later, stored = _sync(sb, tmp_path)
    assert later.new == 1
    assert later.downloads == 1
    assert later.exports == 0
    assert extra in stored
    # Many new at once: the same window goes through an export instead of 64 downloads.
    more = supplier_invoices(sb, SUPPLIER_A, [f"PA/many/{i}" for i in range(3)])
    batch, stored = _sync(sb, tmp_path, download_limit=2)
    assert batch.new == 3
    assert batch.exports == 1
    assert batch.downloads == 0
    assert set(more) <= set(stored)
