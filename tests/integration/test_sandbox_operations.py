"""Every operation of open-api.json 2.9.0 is served: each (method, path) of the document,
called with a live access token of the context's owner (logged in by signature), gets an
answer the document lists for that operation (checked by the contract hook), never
404/405; a path called with a method the document does not have answers 404, as the
real server does."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.contract.openapi import METHODS, contract
from tests.contract.rawksef import bearer
from tests.contract.xadessign import taxpayer, xades_login
from tests.integration.conftest import DEFAULTS, SELLER, api_for

DOCUMENT = contract().document
OPERATIONS = [
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    for method in METHODS
    if method in item
]
VALUES = {
    "referenceNumber": "20260101-SO-0000000000-0000000000-00",
    "invoiceReferenceNumber": "20260101-EE-0000000000-0000000000-00",
    "upoReferenceNumber": "20260101-EU-0000000000-0000000000-00",
    "ksefNumber": "9999999999-20260101-000000000000-00",
    "permissionId": "00000000-0000-0000-0000-000000000000",
    "certificateSerialNumber": "0123456789ABCDEF",
    "serialNumber": "0123456789ABCDEF",
}


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: VALUES[m.group(1)], path)


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(**{**DEFAULTS, "rate_limit_scale": None})) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    with api_for(sb) as client:
        yield client


@pytest.fixture(scope="module")
def access(api: httpx.Client) -> str:
    return str(xades_login(api, SELLER, taxpayer(SELLER))["accessToken"]["token"])


def test_the_document_has_83_operations() -> None:
    assert len(OPERATIONS) == 83
    assert ("POST", "/collective-identifiers/invoices") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_every_operation_is_served(api: httpx.Client, access: str, method: str, path: str) -> None:
    headers = bearer(access)
    if path == "/auth/xades-signature":
        content, headers = b"<x/>", {**headers, "Content-Type": "application/xml"}
    elif method in ("POST", "PUT"):
        content, headers = b"{}", {**headers, "Content-Type": "application/json"}
    else:
        content = b""
    # The contract hook raises unless the status is documented for this operation.
    response = api.request(method, concrete(path), content=content, headers=headers)
    assert response.status_code not in (404, 405), response.text
    assert response.status_code < 500, response.text


@pytest.mark.parametrize("path", sorted(DOCUMENT["paths"]), ids=str)
def test_another_method_is_not_found(sb: Sandbox, access: str, path: str) -> None:
    response = httpx.request("PATCH", sb.base_url + concrete(path), headers=bearer(access))
    assert response.status_code == 404
