"""Answers of the credential endpoints parse as open-api.json 2.9.0 documents them, any
garbage is a ProtocolError, and every status of a certificate enrolment and of a
permission operation has a sentence in Polish and English."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop import i18n
from ksef_desktop.ksef import errors, models_access
from ksef_desktop.ksef.messages import MESSAGES, describe
from ksef_desktop.ksef.models_access import (
    AuthenticationListResponse,
    CertificateEnrollmentDataResponse,
    CertificateEnrollmentStatusResponse,
    CertificateLimitsResponse,
    EnrollCertificateResponse,
    GenerateTokenResponse,
    PermissionsOperationResponse,
    PermissionsOperationStatusResponse,
    QueryCertificatesResponse,
    QueryEntityAuthorizationPermissionsResponse,
    QueryPersonPermissionsResponse,
    QueryTokensResponse,
    QueryTokensResponseItem,
)

OPENAPI = json.loads(
    (Path(__file__).parents[1] / "data" / "openapi" / "open-api-2.9.0.json").read_text("utf-8")
)
SCHEMAS = OPENAPI["components"]["schemas"]
ROW = re.compile(r"^\|\s*(\d{3})\s*\|", re.MULTILINE)

EXAMPLES: list[tuple[Any, str, str, str]] = [
    (AuthenticationListResponse, "/auth/sessions", "get", "200"),
    (GenerateTokenResponse, "/tokens", "post", "202"),
    (QueryTokensResponse, "/tokens", "get", "200"),
    (QueryTokensResponseItem, "/tokens/{referenceNumber}", "get", "200"),
    (CertificateEnrollmentDataResponse, "/certificates/enrollments/data", "get", "200"),
    (EnrollCertificateResponse, "/certificates/enrollments", "post", "202"),
    (
        CertificateEnrollmentStatusResponse,
        "/certificates/enrollments/{referenceNumber}",
        "get",
        "200",
    ),
    (QueryCertificatesResponse, "/certificates/query", "post", "200"),
    (PermissionsOperationResponse, "/permissions/persons/grants", "post", "202"),
    (
        PermissionsOperationStatusResponse,
        "/permissions/operations/{referenceNumber}",
        "get",
        "200",
    ),
    (QueryPersonPermissionsResponse, "/permissions/query/persons/grants", "post", "200"),
    (
        QueryEntityAuthorizationPermissionsResponse,
        "/permissions/query/authorizations/grants",
        "post",
        "200",
    ),
]


def _examples(path: str, method: str, status: str) -> list[Any]:
    content = OPENAPI["paths"][path][method]["responses"][status]["content"]["application/json"]
    if "example" in content:
        return [content["example"]]
    return [e["value"] for e in content["examples"].values()]


@pytest.mark.parametrize(
    ("model", "path", "method", "status"), EXAMPLES, ids=lambda v: getattr(v, "__name__", None)
)
def test_the_official_examples_parse(model: Any, path: str, method: str, status: str) -> None:
    examples = _examples(path, method, status)
    assert examples
    for example in examples:
        assert model.from_json(example) is not None


def test_what_the_examples_say_is_kept() -> None:
    (sessions,) = _examples("/auth/sessions", "get", "200")
    item = AuthenticationListResponse.from_json(sessions).items[0]
    assert (item.method_info.category, item.method_info.display_name) == (
        "XadesSignature",
        "Pieczęć kwalifikowana",
    )
    (data,) = _examples("/certificates/enrollments/data", "get", "200")
    parsed = CertificateEnrollmentDataResponse.from_json(data)
    assert [name for name, _v in parsed.attributes] == [
        k for k in models_access.ENROLLMENT_FIELDS if data.get(k) is not None
    ]
    (token,) = _examples("/tokens", "post", "202")
    made = GenerateTokenResponse.from_json(token)
    assert made.token not in repr(made)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


# open-api.json gives no example of GET /certificates/limits: the shape of its schema.
LIMITS = {
    "canRequest": True,
    "enrollment": {"remaining": 299, "limit": 300},
    "certificate": {"remaining": 100, "limit": 100},
}


def test_the_limits_parse() -> None:
    limits = CertificateLimitsResponse.from_json(LIMITS)
    assert (limits.can_request, limits.enrollment.remaining, limits.certificate.limit) == (
        True,
        299,
        100,
    )
    with pytest.raises(errors.ProtocolError):
        CertificateLimitsResponse.from_json({**LIMITS, "enrollment": {"limit": 3}})


MODELS = [m for m, *_ in EXAMPLES] + [CertificateLimitsResponse]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(data=json_values)
def test_garbage_is_a_protocol_error(model: Any, data: Any) -> None:
    with contextlib.suppress(errors.ProtocolError):
        model.from_json(data)


def _codes(schema: str) -> list[int]:
    text = SCHEMAS[schema]["properties"]["status"]["description"]
    return sorted({int(m.group(1)) for m in ROW.finditer(text)})


@pytest.mark.parametrize(
    ("kind", "schema"),
    [
        ("certificate", "CertificateEnrollmentStatusResponse"),
        ("permission", "PermissionsOperationStatusResponse"),
    ],
)
def test_every_operation_status_has_a_sentence(kind: str, schema: str) -> None:
    codes = _codes(schema)
    assert len(codes) >= 5
    assert [c for c in codes if (kind, c) not in MESSAGES] == []
    sentences = {MESSAGES[(kind, c)] for c in codes}
    assert len(sentences) == len(codes)


def test_an_operation_failure_is_told_in_both_languages() -> None:
    failed = errors.OperationFailed("permission", 430, "Kontekst …", (), "20260101-EG-X")
    polish = describe(failed)
    i18n.set_language("en")
    english = describe(failed)
    assert english == "The context does not have the role or permissions this change requires."
    assert polish != english
    assert "Kontekst" in polish
