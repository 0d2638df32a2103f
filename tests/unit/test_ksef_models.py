"""Answers from KSeF are parsed strictly: garbage is a ProtocolError, never a crash."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ksef_desktop.ksef import api_invoices, latarnia, models
from ksef_desktop.ksef.errors import ProtocolError

OPENAPI = json.loads(
    (Path(__file__).parents[1] / "data" / "openapi" / "open-api-2.9.0.json").read_text("utf-8")
)

# response model -> the OpenAPI operation whose documented example it must parse
EXAMPLES: list[tuple[Any, str, str, str]] = [
    (models.AuthenticationChallengeResponse, "/auth/challenge", "post", "200"),
    (models.AuthenticationInitResponse, "/auth/ksef-token", "post", "202"),
    (models.AuthenticationOperationStatusResponse, "/auth/{referenceNumber}", "get", "200"),
    (models.AuthenticationTokensResponse, "/auth/token/redeem", "post", "200"),
    (models.AuthenticationTokenRefreshResponse, "/auth/token/refresh", "post", "200"),
    (models.OpenOnlineSessionResponse, "/sessions/online", "post", "201"),
    (models.SendInvoiceResponse, "/sessions/online/{referenceNumber}/invoices", "post", "202"),
    (models.OpenBatchSessionResponse, "/sessions/batch", "post", "201"),
    (models.SessionStatusResponse, "/sessions/{referenceNumber}", "get", "200"),
    (models.SessionInvoicesResponse, "/sessions/{referenceNumber}/invoices", "get", "200"),
    (models.SessionsQueryResponse, "/sessions", "get", "200"),
    (
        models.SessionInvoiceStatusResponse,
        "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}",
        "get",
        "200",
    ),
    (api_invoices.QueryInvoicesMetadataResponse, "/invoices/query/metadata", "post", "200"),
]
MODELS = [m for m, *_ in EXAMPLES] + [
    models.PublicKeyCertificate,
    models.StatusInfo,
    latarnia.LatarniaMessage,
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _examples(path: str, method: str, status: str) -> list[Any]:
    content = OPENAPI["paths"][path][method]["responses"][status]["content"]["application/json"]
    if "example" in content:
        return [content["example"]]
    return [e["value"] for e in content["examples"].values()]


def _example(path: str, method: str, status: str) -> Any:
    return _examples(path, method, status)[0]


@pytest.mark.parametrize(
    ("model", "path", "method", "status"), EXAMPLES, ids=lambda v: getattr(v, "__name__", None)
)
def test_the_official_examples_parse(model: Any, path: str, method: str, status: str) -> None:
    examples = _examples(path, method, status)
    assert examples
    for example in examples:
        assert model.from_json(example) is not None


def test_amounts_stay_decimal() -> None:
    example = json.loads(
        json.dumps(_example("/invoices/query/metadata", "post", "200")), parse_float=Decimal
    )
    parsed = api_invoices.QueryInvoicesMetadataResponse.from_json(example)
    assert all(isinstance(i.gross_amount, Decimal) for i in parsed.invoices)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@settings(max_examples=60)
@given(data=json_values)
def test_garbage_is_a_protocol_error(model: Any, data: Any) -> None:
    with contextlib.suppress(ProtocolError):
        model.from_json(data)


@pytest.mark.parametrize(
    ("model", "path", "method", "status"), EXAMPLES, ids=lambda v: getattr(v, "__name__", None)
)
@settings(max_examples=40)
@given(replacement=json_values, pick=st.integers(min_value=0))
def test_a_wrong_typed_field_is_a_protocol_error(
    model: Any, path: str, method: str, status: str, replacement: Any, pick: int
) -> None:
    example = dict(_example(path, method, status))
    key = sorted(example)[pick % len(example)]
    example[key] = replacement
    with contextlib.suppress(ProtocolError):
        model.from_json(example)
