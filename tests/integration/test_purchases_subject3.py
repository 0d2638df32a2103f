"""Invoices naming our NIP as a third subject (Podmiot3) come with every sync (issue 18):
another NIP issues official sample 4 to a third company, naming ours in its Podmiot3, and
our default sync (the window's button, its half-hourly download and the command line all
use it) keeps it, by its own high-water mark, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services.purchases_sync import sync_purchases
from ksef_desktop.store.profiles import ensure_profile
from ksef_desktop.store.purchases import sync_start
from tests.integration.client_support import SEEN_SECRETS, invoice_bytes
from tests.integration.purchases_support import (
    BUYER,
    SUPPLIER_A,
    SUPPLIER_B,
    buyer_store,
    client_for,
    kept,
    naming_as_third_subject,
    send_files,
)

OTHER_BUYER = "2222222222"


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def sent() -> Iterator[tuple[Sandbox, str, str]]:
    nips = (SUPPLIER_A, SUPPLIER_B, BUYER, OTHER_BUYER)
    with Sandbox(SandboxConfig(nips=nips, port=0, rate_limit_scale=None)) as sb:
        SEEN_SECRETS.update(sb.tokens.values())
        (as_buyer,) = send_files(sb, SUPPLIER_A, [invoice_bytes(SUPPLIER_A, "P2/1")])
        (as_third,) = send_files(
            sb, SUPPLIER_B, [naming_as_third_subject(SUPPLIER_B, "P3/1", BUYER, OTHER_BUYER)]
        )
        yield sb, as_buyer, as_third


@pytest.mark.parametrize("method", ["export", "query"])
def test_podmiot3_invoices_come_with_the_default_sync(
    sent: tuple[Sandbox, str, str], tmp_path: Path, method: str
) -> None:
    sb, as_buyer, as_third = sent
    store, profile = buyer_store(tmp_path)
    try:
        with client_for(sb, BUYER) as client:
            first = sync_purchases(store, client, profile, now=_now, method=method)
            again = sync_purchases(store, client, profile, now=_now, method=method)
        assert set(kept(store, profile)) == {as_buyer, as_third}
        assert first.new == 2
        assert again.new == 0
        conn = store.db.connection()
        roles = dict(conn.execute("SELECT ksef_number, subject FROM purchases"))
        assert roles == {as_buyer: "Subject2", as_third: "Subject3"}
        assert sync_start(conn, "Subject3", profile_id=profile.id) is not None
        # KSeF's own answer for Subject3 names it too, byte for byte what we kept.
        index = sb.core.state.by_ksef_number[as_third]
        relpath = conn.execute(
            "SELECT relpath FROM purchases WHERE ksef_number = ?", (as_third,)
        ).fetchone()[0]
        assert store.archive.read(conn, relpath) == sb.core.state.invoices[index].content
    finally:
        store.close()


def test_the_buyer_in_podmiot2_gets_it_once_as_its_buyer(
    sent: tuple[Sandbox, str, str], tmp_path: Path
) -> None:
    """The company named in Podmiot2 gets it once, as buyer; our invoice is not its."""
    sb, _as_buyer, as_third = sent
    store, _ours = buyer_store(tmp_path)
    try:
        with store.db.transaction() as conn:
            other = ensure_profile(conn, "sandbox", OTHER_BUYER, now=_now())
        with client_for(sb, OTHER_BUYER) as client:
            report = sync_purchases(store, client, other, now=_now)
        assert report.new == 1
        roles = dict(
            store.db.connection().execute(
                "SELECT ksef_number, subject FROM purchases WHERE profile_id = ?", (other.id,)
            )
        )
        assert roles == {as_third: "Subject2"}
    finally:
        store.close()
