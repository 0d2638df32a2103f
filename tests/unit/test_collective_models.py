"""The client's collective-identifier models: requests as open-api.json names them,
answers parsed strictly (anything malformed is a ProtocolError, never a TypeError)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from ksef_desktop.ksef.collective import (
    CollectiveIdentifierInvoice,
    CollectiveIdentifierInvoicePayment,
    CollectiveIdentifierInvoicesQueryResponse,
    CollectiveIdentifiersByKsefNumberQueryResponse,
    CollectiveIdentifiersQueryRequest,
    CollectiveIdentifiersQueryResponse,
    GenerateCollectiveIdentifierRequest,
    GenerateCollectiveIdentifierResponse,
)
from ksef_desktop.ksef.errors import ProtocolError

DOC = json.loads(
    (Path(__file__).resolve().parents[1] / "data/openapi/open-api-2.9.0.json").read_text("utf-8")
)
NUMBER = "5265877635-20250826-0100001AF629-AF"


def _valid(schema: str, instance: Any) -> None:
    validator = OAS30Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": DOC["components"]}
    )
    errors = list(validator.iter_errors(instance))
    assert not errors, errors[0].message


def test_requests_fit_their_schemas() -> None:
    pay = CollectiveIdentifierInvoicePayment(Decimal("2051.37"), "PLN")
    request = GenerateCollectiveIdentifierRequest(
        (CollectiveIdentifierInvoice(NUMBER, pay, "raty"), CollectiveIdentifierInvoice(NUMBER))
    )
    body = request.to_json()
    _valid("GenerateCollectiveIdentifierRequest", body)
    assert body["invoices"][0]["payment"] == {"amount": 2051.37, "currency": "PLN"}
    assert body["invoices"][1] == {"ksefNumber": NUMBER}
    query = CollectiveIdentifiersQueryRequest(
        datetime(2026, 7, 1, tzinfo=UTC),
        datetime(2026, 7, 2, tzinfo=UTC),
        invoice_count_from=2,
        created_in_current_context=False,
    ).to_json()
    _valid("CollectiveIdentifiersQueryRequest", query)
    assert query["createdInCurrentContext"] is False
    assert "invoiceCountTo" not in query


def test_answers_parse() -> None:
    ident = "1111111111-IZ202607-65ED02180000-E7"
    assert (
        GenerateCollectiveIdentifierResponse.from_json(
            {"collectiveIdentifierNumber": ident}
        ).collective_identifier_number
        == ident
    )
    page = CollectiveIdentifierInvoicesQueryResponse.from_json(
        {
            "continuationToken": "",
            "invoices": [
                {
                    "ksefNumber": NUMBER,
                    "payment": {"amount": Decimal("1.10"), "currency": "EUR"},
                    "detailsHidden": False,
                },
                {"ksefNumber": NUMBER, "detailsHidden": True},
            ],
        }
    )
    assert page.continuation_token is None
    assert page.invoices[0].payment == CollectiveIdentifierInvoicePayment(Decimal("1.10"), "EUR")
    assert page.invoices[1].details_hidden
    stamp = "2026-07-01T10:00:00.000+00:00"
    listed = CollectiveIdentifiersQueryResponse.from_json(
        {
            "continuationToken": "abc",
            "collectiveIdentifiers": [
                {
                    "collectiveIdentifierNumber": ident,
                    "dateCreated": stamp,
                    "invoiceCount": 3,
                    "createdInCurrentContext": True,
                }
            ],
        }
    )
    assert listed.continuation_token == "abc"
    assert listed.collective_identifiers[0].invoice_count == 3
    back = CollectiveIdentifiersByKsefNumberQueryResponse.from_json(
        {
            "collectiveIdentifiers": [
                {
                    "collectiveIdentifierNumber": ident,
                    "dateCreated": stamp,
                    "createdInCurrentContext": False,
                }
            ]
        }
    )
    assert back.collective_identifiers[0].date_created == datetime(2026, 7, 1, 10, tzinfo=UTC)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(_JSON)
@pytest.mark.parametrize(
    "model",
    [
        GenerateCollectiveIdentifierResponse,
        CollectiveIdentifierInvoicesQueryResponse,
        CollectiveIdentifiersQueryResponse,
        CollectiveIdentifiersByKsefNumberQueryResponse,
    ],
)
def test_malformed_answers_are_protocol_errors(model: Any, data: Any) -> None:
    try:
        result = model.from_json(data)
    except ProtocolError:
        return
    assert isinstance(result, model)  # parsed: then it really had the required fields


@pytest.mark.parametrize(
    "data",
    [
        {"invoices": [{"ksefNumber": NUMBER}]},  # detailsHidden missing
        {"invoices": [{"ksefNumber": NUMBER, "detailsHidden": "no"}]},
        {"invoices": [{"ksefNumber": NUMBER, "detailsHidden": False, "payment": {"amount": "1"}}]},
        {"invoices": "x"},
    ],
)
def test_specific_malformed_invoice_pages_are_refused(data: Any) -> None:
    with pytest.raises(ProtocolError):
        CollectiveIdentifierInvoicesQueryResponse.from_json(data)
