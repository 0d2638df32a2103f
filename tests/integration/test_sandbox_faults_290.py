"""What the real servers do that the documents do not say (KSEF-PROTOCOL.md §13a), as
Sandbox faults: the web firewall's HTML page on pre-signed downloads, 400/21184 on sending,
``null`` session counts; and the API 2.9.0 changes around them (rate-limit groups of
session closes, ``compressionType`` of export packages)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ksef_desktop.sandbox import FaultConfig, Sandbox, SandboxConfig
from tests.contract.openapi import contract
from tests.contract.rawksef import (
    OnlineSession,
    authenticate,
    b64,
    bearer,
    mf_keys,
    open_online,
    rsa_encrypt,
    sha256_b64,
)
from tests.integration.conftest import DEFAULTS, SELLER, api_for, sample, with_number

INCAPSULA = "_Incapsula_Resource"


def control(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{sb.server_url}/_sandbox/faults", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(**{**DEFAULTS, "rate_limit_scale": None})) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    with api_for(sb) as client:
        yield client


@pytest.fixture(scope="module")
def access(sb: Sandbox, api: httpx.Client) -> str:
    return str(authenticate(api, SELLER, sb.tokens[SELLER])["accessToken"]["token"])


@pytest.fixture(autouse=True)
def _no_faults(sb: Sandbox) -> Iterator[None]:
    yield
    httpx.post(f"{sb.server_url}/_sandbox/faults/reset")


def _accepted(api: httpx.Client, access: str, tag: str) -> tuple[OnlineSession, dict[str, Any]]:
    _, session = open_online(api, access)
    assert session is not None
    status = session.wait(session.send(with_number(sample(1), tag)))
    assert status["status"]["code"] == 200, status
    return session, status


def test_firewall_page_instead_of_a_upo(sb: Sandbox, api: httpx.Client, access: str) -> None:
    session, status = _accepted(api, access, "FW/1")
    assert control(sb, {"firewallPage": 1.0})["firewallPage"] == 1.0
    page = httpx.get(status["upoDownloadUrl"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "x-ms-meta-hash" not in page.headers
    assert page.text.startswith("<html")
    assert INCAPSULA in page.text
    # The authenticated UPO endpoint is behind no such firewall page.
    upo = api.get(
        f"/sessions/{session.reference}/invoices/{status['referenceNumber']}/upo",
        headers=bearer(access),
    )
    assert upo.status_code == 200
    assert upo.headers["x-ms-meta-hash"] == sha256_b64(upo.content)
    # Half of the downloads: both answers occur; none is a UPO without its hash.
    control(sb, {"firewallPage": 0.5})
    seen = set()
    with httpx.Client() as downloads:  # one connection: this loop is about answers
        for count in range(60):  # both kinds, each with probability 1/2 per download
            answer = downloads.get(status["upoDownloadUrl"])
            assert answer.status_code == 200
            is_upo = "x-ms-meta-hash" in answer.headers
            assert is_upo != (INCAPSULA in answer.text)
            if is_upo:
                assert answer.headers["x-ms-meta-hash"] == sha256_b64(answer.content)
            seen.add(is_upo)
            if len(seen) == 2 and count >= 10:
                break
    assert seen == {True, False}
    control(sb, {"firewallPage": 0})
    assert (
        httpx.get(status["upoDownloadUrl"]).headers["x-ms-meta-hash"]
        == upo.headers["x-ms-meta-hash"]
    )


def test_firewall_page_instead_of_an_export_part(
    sb: Sandbox, api: httpx.Client, access: str
) -> None:
    _accepted(api, access, "FW/2")
    mf = mf_keys(api)["SymmetricKeyEncryption"]
    now = datetime.now(UTC)
    body = {
        "encryption": {
            "encryptedSymmetricKey": b64(rsa_encrypt(mf.public_key, os.urandom(32))),
            "initializationVector": b64(os.urandom(16)),
            "publicKeyId": mf.public_key_id,
        },
        "filters": {
            "subjectType": "Subject1",
            "dateRange": {
                "dateType": "PermanentStorage",
                "from": (now - timedelta(hours=1)).isoformat(),
                "to": (now + timedelta(hours=1)).isoformat(),
            },
        },
        "compressionType": "TarGz",
    }
    ref = api.post("/invoices/exports", json=body, headers=bearer(access)).json()["referenceNumber"]
    package = api.get(f"/invoices/exports/{ref}", headers=bearer(access)).json()["package"]
    assert package["compressionType"] == "TarGz"  # required since 2.9.0
    (part,) = package["parts"]
    control(sb, {"firewallPage": 1.0})
    page = httpx.get(part["url"])
    assert page.status_code == 200
    assert INCAPSULA in page.text
    assert sha256_b64(page.content) != part["encryptedPartHash"]
    control(sb, {"firewallPage": 0})
    assert sha256_b64(httpx.get(part["url"]).content) == part["encryptedPartHash"]


def test_session_temporarily_unavailable(sb: Sandbox, api: httpx.Client, access: str) -> None:
    _, session = open_online(api, access)
    assert session is not None
    assert control(sb, {"sessionUnavailable": 2})["sessionUnavailable"] == 2
    before = httpx.get(f"{sb.server_url}/_sandbox/state").json()
    data = with_number(sample(1), "SU/1")
    legacy = session.send_body(session.invoice_body(data))
    assert legacy.status_code == 400
    (detail,) = legacy.json()["exception"]["exceptionDetailList"]
    assert detail["exceptionCode"] == 21184
    assert detail["exceptionDescription"] == "Sesja tymczasowo niedostępna."
    assert session.reference in detail["details"][0]
    problem = api.post(
        f"/sessions/online/{session.reference}/invoices",
        json=session.invoice_body(data),
        headers={**bearer(access), "X-Error-Format": "problem-details"},
    )
    assert problem.status_code == 400
    assert problem.json()["errors"][0]["code"] == 21184
    # Nothing was received; the third send goes through and is accepted.
    assert httpx.get(f"{sb.server_url}/_sandbox/state").json()["nips"] == before["nips"]
    assert session.wait(session.send(data))["status"]["code"] == 200
    assert control(sb, {})["sessionUnavailable"] == 0


def test_null_counts_in_the_session_status(sb: Sandbox, api: httpx.Client, access: str) -> None:
    session, _ = _accepted(api, access, "NC/1")
    counts = ("invoiceCount", "successfulInvoiceCount", "failedInvoiceCount")
    assert [session.session_status()[k] for k in counts] == [1, 1, 0]
    control(sb, {"nullCounts": True})
    status = session.session_status()  # checked against open-api.json: nullable there
    assert [status[k] for k in counts] == [None, None, None]
    assert status["status"]["code"] == 100
    control(sb, {"nullCounts": False})
    assert [session.session_status()[k] for k in counts] == [1, 1, 0]


def test_bad_fault_settings_change_nothing(sb: Sandbox) -> None:
    for body in (
        {"firewallPage": 2},
        {"firewallPage": "often"},
        {"sessionUnavailable": -1},
        {"sessionUnavailable": 1.5},
        {"nullCounts": "yes"},
        {"nullCounts": True, "firewallPage": 7},
    ):
        response = httpx.post(f"{sb.server_url}/_sandbox/faults", json=body)
        assert response.status_code == 400, body
    snapshot = control(sb, {})
    assert (snapshot["firewallPage"], snapshot["sessionUnavailable"], snapshot["nullCounts"]) == (
        0.0,
        0,
        False,
    )


def test_the_same_faults_from_the_start() -> None:
    faults = FaultConfig(firewall_page=1.0, session_unavailable=1, null_counts=True)
    with Sandbox(SandboxConfig(**{**DEFAULTS, "faults": faults})) as sb, api_for(sb) as client:
        snapshot = control(sb, {})
        assert (snapshot["firewallPage"], snapshot["sessionUnavailable"]) == (1.0, 1)
        assert snapshot["nullCounts"] is True
        access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        _, session = open_online(client, access)
        assert session is not None
        refused = session.send_body(session.invoice_body(sample(1)))
        assert refused.json()["exception"]["exceptionDetailList"][0]["exceptionCode"] == 21184
        status = session.wait(session.send(sample(1)))
        assert INCAPSULA in httpx.get(status["upoDownloadUrl"]).text
        assert session.session_status()["invoiceCount"] is None


def test_rate_limits_of_2_9_0() -> None:
    example = contract().document["paths"]["/rate-limits"]["get"]["responses"]["200"]
    published = example["content"]["application/json"]["example"]
    with Sandbox(SandboxConfig(**DEFAULTS)) as sb, api_for(sb) as client:
        access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        assert client.get("/rate-limits", headers=bearer(access)).json() == published


def test_closing_a_session_counts_in_its_own_group() -> None:
    # 10% of production: opening 1/s, 3/min; closing 2/s, 6/min.
    config = SandboxConfig(**{**DEFAULTS, "rate_limit_scale": 0.1})
    with Sandbox(config) as sb, api_for(sb) as client:
        access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        limits = client.get("/rate-limits", headers=bearer(access)).json()
        assert limits["onlineSessionClose"] == {"perSecond": 2, "perMinute": 6, "perHour": 24}
        assert limits["batchSessionClose"] == {"perSecond": 2, "perMinute": 4, "perHour": 12}
        _response, session = open_online(client, access)
        assert session is not None
        # In the same second as the opening: counted in onlineSessionClose, not 429.
        assert session.close().status_code == 204
        assert open_online(client, access)[0].status_code == 429  # onlineSession: 1/s


def test_a_known_path_with_another_method_is_not_found(
    sb: Sandbox, api: httpx.Client, access: str
) -> None:
    for method, path in (
        ("DELETE", "/sessions/online"),
        ("PUT", "/tokens"),
        ("GET", "/rate-limits/x"),
    ):
        response = httpx.request(method, sb.base_url + path, headers=bearer(access))
        assert response.status_code == 404, (method, path)
