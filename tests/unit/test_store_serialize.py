"""Invoice ⇄ JSON: exact round trips (hypothesis and the official samples), Decimals as text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ksef_desktop.domain.invoice import Invoice
from ksef_desktop.fa3.parse import parse
from ksef_desktop.store.serialize import (
    SerializationError,
    invoice_from_json,
    invoice_to_dict,
    invoice_to_json,
)
from tests.conftest import OFFICIAL_SAMPLES
from tests.strategies import invoices

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(invoices())
def test_draft_json_round_trip(invoice: Invoice) -> None:
    text = invoice_to_json(invoice)
    back = invoice_from_json(text)
    assert back == invoice
    assert back.declared == invoice.declared
    assert invoice_to_json(back) == text


def _no_floats(value: object) -> bool:
    if isinstance(value, float):
        return False
    if isinstance(value, dict):
        return all(_no_floats(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_floats(v) for v in value)
    return True


@SETTINGS
@given(invoices())
def test_money_is_never_a_float(invoice: Invoice) -> None:
    data = json.loads(invoice_to_json(invoice))
    assert _no_floats(data)
    for line, original in zip(data["lines"], invoice.lines, strict=True):
        assert line["unit_price"] == str(original.unit_price)


@pytest.mark.parametrize("path", OFFICIAL_SAMPLES, ids=lambda p: p.name)
def test_official_samples_round_trip_with_declared_totals(path: Path) -> None:
    invoice = parse(path.read_bytes())
    back = invoice_from_json(invoice_to_json(invoice))
    assert back == invoice
    assert back.declared == invoice.declared


@given(st.text(max_size=50))
def test_garbage_is_a_serialization_error(text: str) -> None:
    try:
        invoice_from_json(text)
    except SerializationError:
        return
    raise AssertionError("garbage parsed as an invoice")


def test_a_mangled_stored_invoice_is_a_serialization_error() -> None:
    from tests.unit.test_store_support import sample_invoice

    data = invoice_to_dict(sample_invoice())
    data["lines"][0]["unit_price"] = 12.5
    with pytest.raises(SerializationError, match="text"):
        invoice_from_json(json.dumps(data))
    data = invoice_to_dict(sample_invoice())
    del data["buyer"]
    with pytest.raises(SerializationError):
        invoice_from_json(json.dumps(data))
    data = invoice_to_dict(sample_invoice())
    data["v"] = 99
    with pytest.raises(SerializationError, match="version"):
        invoice_from_json(json.dumps(data))
