"""KSeF tokens (/tokens) and permissions (403 missing-permissions). New tokens are made
after a login by signature only, as on the real KSeF."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from ksef_desktop.sandbox import Sandbox
from tests.contract.rawksef import authenticate, bearer, open_online
from tests.contract.xadessign import taxpayer, xades_login
from tests.integration.conftest import SELLER, api_for


def _code(response: httpx.Response) -> int:
    return int(response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"])


def _new_token(client: httpx.Client, access: str, permissions: list[str], text: str) -> Any:
    response = client.post(
        "/tokens",
        json={"permissions": permissions, "description": text},
        headers=bearer(access),
    )
    assert response.status_code == 202, response.text
    return response.json()


def test_create_list_get_revoke(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(rate_limit_scale=0)
    with api_for(sb) as client:
        access = xades_login(client, SELLER, taxpayer(SELLER))["accessToken"]["token"]
        made = _new_token(client, access, ["InvoiceRead"], "Tylko odczyt faktur")
        listed = client.get("/tokens", headers=bearer(access)).json()
        refs = [t["referenceNumber"] for t in listed["tokens"]]
        assert made["referenceNumber"] in refs
        assert len(refs) == 2  # the ready token and the new one
        only_new = client.get(
            "/tokens", params={"description": "odczyt"}, headers=bearer(access)
        ).json()
        assert [t["referenceNumber"] for t in only_new["tokens"]] == [made["referenceNumber"]]
        one = client.get(f"/tokens/{made['referenceNumber']}", headers=bearer(access)).json()
        assert (one["status"], one["requestedPermissions"]) == ("Active", ["InvoiceRead"])
        assert one["contextIdentifier"] == {"type": "Nip", "value": SELLER}
        assert one["authorIdentifier"] == {"type": "Nip", "value": SELLER}
        # The new token authenticates; it can read but not write.
        reader = authenticate(client, SELLER, made["token"])["accessToken"]["token"]
        response, _ = open_online(client, reader)
        assert response.status_code == 403
        assert response.json()["reasonCode"] == "missing-permissions"
        assert response.json()["security"]["presentPermissions"] == ["InvoiceRead"]
        no_list = client.get("/tokens", headers=bearer(reader))
        assert no_list.status_code == 403
        revoked = client.delete(f"/tokens/{made['referenceNumber']}", headers=bearer(access))
        assert revoked.status_code == 204
        status = client.get("/tokens", params={"status": "Revoked"}, headers=bearer(access)).json()
        assert [t["referenceNumber"] for t in status["tokens"]] == [made["referenceNumber"]]


def test_token_rules(sandbox: Sandbox, api: httpx.Client) -> None:
    by_token = authenticate(api, SELLER, sandbox.tokens[SELLER])["accessToken"]["token"]
    refused = api.post(
        "/tokens",
        json={"permissions": ["InvoiceRead"], "description": "Z logowania tokenem"},
        headers=bearer(by_token),
    )
    assert refused.status_code == 403
    assert refused.json()["reasonCode"] == "auth-method-not-allowed"
    assert refused.json()["security"] == {"authenticationMethodCategory": "Token"}
    access = xades_login(api, SELLER, taxpayer(SELLER))["accessToken"]["token"]
    short = api.post(
        "/tokens",
        json={"permissions": ["InvoiceRead"], "description": "abc"},
        headers=bearer(access),
    )
    assert _code(short) == 21405
    reader_token = _new_token(api, access, ["InvoiceRead"], "Tylko odczyt")["token"]
    reader = authenticate(api, SELLER, reader_token)["accessToken"]["token"]
    # A token login cannot make tokens at all (nor could this one: it cannot manage).
    escalate = api.post(
        "/tokens",
        json={"permissions": ["InvoiceWrite"], "description": "Eskalacja uprawnień"},
        headers=bearer(reader),
    )
    assert escalate.status_code == 403
    missing = api.get("/tokens/20251010-EC-1DCE3E3000-12ECB5B36E-45", headers=bearer(access))
    assert _code(missing) == 21405


def test_limits_of_the_context(sandbox: Sandbox, api: httpx.Client) -> None:
    access = authenticate(api, SELLER, sandbox.tokens[SELLER])["accessToken"]["token"]
    limits = api.get("/limits/context", headers=bearer(access)).json()
    assert limits["onlineSession"]["maxInvoices"] == 10_000
