"""Money out, matched, end to end against the Sandbox (issue 24 after issue 18): a
supplier sends two invoices naming our NIP as the buyer, we sync our purchases, make a
collective identifier for the two as the payer, and import (``statement import``, a real
process) a statement whose one debit names that identifier — cut across the title's
pieces, in lower case: both purchases are paid. A second import changes nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.paths import database_path
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services.purchases import create_purchase_collective
from ksef_desktop.services.purchases_sync import sync_purchases
from tests.integration.client_support import SEEN_SECRETS
from tests.integration.purchases_support import (
    BUYER,
    NIPS,
    SUPPLIER_A,
    buyer_store,
    client_for,
    supplier_invoices,
)
from tests.unit.debit_support import Debit, mt940


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(nips=NIPS, port=0, rate_limit_scale=None)) as sandbox:
        SEEN_SECRETS.update(sandbox.tokens.values())
        yield sandbox


def _cli(data: Path, *args: str, token: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--lang", "en", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "KSEF_TOKEN": token},
        timeout=180,
    )


def _state(data: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(database_path(data))
    try:
        rows: list[tuple[object, ...]] = []
        for table in (
            "bank_statements",
            "bank_lines",
            "bank_purchase_matches",
            "purchase_payments",
        ):
            rows += conn.execute(f"SELECT '{table}', * FROM {table} ORDER BY id").fetchall()
        rows += conn.execute(
            "SELECT number, gross_minor, paid_minor, paid_on FROM purchases ORDER BY id"
        ).fetchall()
        return rows
    finally:
        conn.close()


def test_one_debit_naming_our_identifier_pays_two_purchases(tmp_path: Path, sb: Sandbox) -> None:
    data = tmp_path / "data"
    sent = supplier_invoices(sb, SUPPLIER_A, ["DEB/1", "DEB/2"])
    store, profile = buyer_store(data)
    try:
        with client_for(sb, BUYER) as client:
            report = sync_purchases(store, client, profile, now=lambda: datetime.now(UTC))
            assert report.new == 2
            ids = [
                int(r[0])
                for r in store.db.connection().execute(
                    "SELECT id FROM purchases WHERE profile_id = ? ORDER BY number", (profile.id,)
                )
            ]
            made = create_purchase_collective(
                store.db, lambda: client, ids, profile=profile,
                now=lambda: datetime.now(UTC), store=store,
            )  # fmt: skip
    finally:
        store.close()
    assert sorted(made.ksef_numbers) == sorted(sent)

    purchases = [r for r in _state(data) if r[0] in ("DEB/1", "DEB/2")]
    assert [r[2] for r in purchases] == [0, 0]
    total = sum((Decimal(int(str(r[1]))) / 100 for r in purchases), Decimal(0))
    today = datetime.now(WARSAW).date().isoformat()
    statement = tmp_path / "wyciag.mt940"
    statement.write_bytes(
        mt940(
            today,
            [
                Debit(total, f"platnosc zbiorcza ksef {made.number.lower()} dziekujemy"),
                Debit(Decimal("7.00"), "Oplata za przelew"),
            ],
        )
    )
    target = ["--base-url", sb.base_url, "--nip", BUYER]
    first = _cli(data, "statement", "import", str(statement), *target, token=sb.tokens[BUYER])
    assert first.returncode == 0, first.stderr
    paying, fee = first.stdout.splitlines()
    head = f"{today} -{total:.2f} PLN matched "
    assert paying.startswith(head), paying
    assert sorted(paying.removeprefix(head).split()) == ["DEB/1", "DEB/2"]
    assert fee == f"{today} -7.00 PLN unknown"
    assert "2 new lines: 1 matched, 0 proposed, 1 unknown." in first.stderr
    paid = [r for r in _state(data) if r[0] in ("DEB/1", "DEB/2")]
    assert all(r[1] == r[2] and r[3] == today for r in paid), paid  # both paid in full

    before = _state(data)
    second = _cli(data, "statement", "import", str(statement), *target, token=sb.tokens[BUYER])
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert "Nothing new" in second.stderr
    assert _state(data) == before
