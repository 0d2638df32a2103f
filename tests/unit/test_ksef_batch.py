"""Batch packaging: the archive keeps the exact bytes; parts are a binary split."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.ksef.batch import MAX_PARTS, build_archive, entry_name, split
from ksef_desktop.ksef.errors import ProtocolError
from ksef_desktop.ksef.ratelimit import Limit
from ksef_desktop.ksef.sending import InvoiceToSend
from ksef_desktop.ksef.workflows import BATCH, ONLINE, choose_mode
from tests.conftest import OFFICIAL_SAMPLES


def test_archive_holds_the_exact_bytes_in_order() -> None:
    invoices = [InvoiceToSend(p.name, p.read_bytes()) for p in OFFICIAL_SAMPLES[:5]]
    with zipfile.ZipFile(io.BytesIO(build_archive(invoices))) as archive:
        names = archive.namelist()
        assert names == [entry_name(i) for i in range(1, 6)]
        assert [archive.read(n) for n in names] == [i.content for i in invoices]


@given(st.binary(min_size=1, max_size=3000), st.integers(min_value=60, max_value=4000))
def test_split_is_binary_and_bounded(data: bytes, size: int) -> None:
    parts = split(data, size)
    assert b"".join(parts) == data
    assert all(0 < len(p) <= size for p in parts)
    assert len(parts) == -(-len(data) // size)


def test_too_many_parts_are_refused() -> None:
    with pytest.raises(ProtocolError, match="50"):
        split(b"x" * (MAX_PARTS + 1), 1)
    with pytest.raises(ValueError, match="positive"):
        split(b"x", 0)


def test_batch_when_the_backlog_exceeds_a_minute_of_online_sending() -> None:
    limit = Limit(10, 30, 180)
    assert choose_mode(30, limit) == ONLINE
    assert choose_mode(31, limit) == BATCH
    assert choose_mode(300, Limit(100, 300, 1800)) == ONLINE
