"""A backlog larger than the online limits goes by batch session, at production limits."""

from __future__ import annotations

from typing import Any

import pytest

from ksef_desktop.domain.identifiers import ksef_number_is_valid
from ksef_desktop.ksef.batch import build_archive, split
from ksef_desktop.ksef.workflows import BATCH
from tests.integration.client_support import (
    NIP,
    invoices,
    ksef_client,
    needs_sandbox,
    running_sandbox,
    sandbox_accepted,
)

pytestmark = needs_sandbox


def _sandbox_serves_batch() -> bool:
    import importlib

    module: Any = importlib.import_module("ksef_desktop.sandbox.sessions_batch")
    return bool(module.ROUTES)


@pytest.mark.skipif(
    not _sandbox_serves_batch(), reason="the merged sandbox does not serve batch sessions yet"
)
def test_a_1000_invoice_backlog_goes_by_batch_in_parts() -> None:
    backlog = invoices(1000, tag="BATCH", offline=True)
    part_size = 150_000
    expected_parts = len(split(build_archive(backlog), part_size))
    assert expected_parts > 3
    with (
        running_sandbox(rate_limit_scale=1.0) as sb,
        ksef_client(sb.base_url, sb.tokens[NIP], part_size=part_size) as (client, rec),
    ):
        report = client.send_report(backlog)
        accepted = sandbox_accepted(sb)
    puts = [e for e in rec.exchanges if e.method == "PUT"]
    assert len(puts) == expected_parts
    assert all(e.status == 201 and "/v2/" not in e.path for e in puts)
    assert "/v2/sessions/online" not in rec.paths("POST")
    assert [s.kind for s in report.sessions] == [BATCH]
    assert report.sessions[0].upo_pages
    numbers = [r.ksef_number for r in report.results]
    assert all(n is not None and ksef_number_is_valid(n) for n in numbers)
    assert len(set(numbers)) == 1000
    assert accepted == {r.ksef_number: r.invoice_hash for r in report.results}
    assert all(r.upo is not None for r in report.results)
    assert not any(e.status == 429 for e in rec.exchanges), "our own pacing keeps under limits"
    (opened,) = [b for b in rec.bodies if "batchFile" in b]
    assert opened["offlineMode"] is True
    assert len(opened["batchFile"]["fileParts"]) == expected_parts
    assert opened["batchFile"]["fileSize"] == len(build_archive(backlog))


def test_a_batch_refuses_mixed_offline_flags_and_corrections() -> None:
    from ksef_desktop.ksef.batch import send_batch

    mixed = invoices(1, tag="M") + invoices(1, tag="N", offline=True)
    with pytest.raises(ValueError, match="offline"):
        send_batch(None, None, mixed, None)  # type: ignore[arg-type]
