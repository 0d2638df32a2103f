"""History and lookups: GET /sessions (filters, paging), invoice lists, invoice download,
the metadata query (filters, paging, sorting)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ksef_desktop.sandbox import Sandbox
from tests.contract.openapi import contract, request_examples
from tests.contract.rawksef import OnlineSession, authenticate, bearer, open_online, sha256_b64
from tests.integration.conftest import OTHER_NIP, SELLER, api_for, sample, with_number


def _code(response: httpx.Response) -> int:
    return int(response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"])


class World:
    def __init__(self, sb: Sandbox, client: httpx.Client) -> None:
        self.sb = sb
        self.client = client
        self.access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]

    def session(self) -> OnlineSession:
        _, session = open_online(self.client, self.access)
        assert session is not None
        return session

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(
            path, headers={**bearer(self.access), **kwargs.pop("headers", {})}, **kwargs
        )

    def query(self, body: dict[str, Any], **params: Any) -> dict[str, Any]:
        response = self.client.post(
            "/invoices/query/metadata", json=body, params=params, headers=bearer(self.access)
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def world(sandbox_factory: Any) -> Iterator[World]:
    sb = sandbox_factory(rate_limit_scale=0)
    with api_for(sb) as client:
        yield World(sb, client)


def test_session_list_pages_with_continuation_token(world: World) -> None:
    made = [world.session().reference for _ in range(12)]
    first = world.get("/sessions", params={"sessionType": "Online"}).json()
    assert len(first["sessions"]) == 10
    assert first["continuationToken"]
    second = world.get(
        "/sessions",
        params={"sessionType": "Online"},
        headers={"x-continuation-token": first["continuationToken"]},
    ).json()
    assert second["continuationToken"] is None
    seen = [s["referenceNumber"] for s in first["sessions"] + second["sessions"]]
    assert sorted(seen) == sorted(made)
    created = [s["dateCreated"] for s in first["sessions"] + second["sessions"]]
    assert created == sorted(created, reverse=True)
    assert world.get("/sessions", params={"sessionType": "Batch"}).json()["sessions"] == []


def test_session_list_filters_and_errors(world: World) -> None:
    open_one = world.session()
    closed = world.session()
    closed.wait(closed.send(sample(1)))
    closed.close()
    closed.wait_session()
    by_status = world.get(
        "/sessions", params={"sessionType": "Online", "statuses": ["Succeeded"]}
    ).json()
    assert [s["referenceNumber"] for s in by_status["sessions"]] == [closed.reference]
    in_progress = world.get(
        "/sessions", params={"sessionType": "Online", "statuses": "InProgress"}
    ).json()
    assert [s["referenceNumber"] for s in in_progress["sessions"]] == [open_one.reference]
    by_ref = world.get(
        "/sessions", params={"sessionType": "Online", "referenceNumber": open_one.reference}
    ).json()
    assert len(by_ref["sessions"]) == 1
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    none = world.get("/sessions", params={"sessionType": "Online", "dateCreatedFrom": future})
    assert none.json()["sessions"] == []
    assert _code(world.get("/sessions")) == 21405
    bad = world.get(
        "/sessions", params={"sessionType": "Online"}, headers={"x-continuation-token": "%%%"}
    )
    assert _code(bad) == 21418


def test_invoice_lists_and_failed(world: World) -> None:
    session = world.session()
    refs = [session.send(with_number(sample(1), f"P/{n}")) for n in range(11)]
    bad = session.send(b"<broken")
    for ref in [*refs, bad]:
        session.wait(ref)
    page = world.get(f"/sessions/{session.reference}/invoices").json()
    assert [i["ordinalNumber"] for i in page["invoices"]] == list(range(1, 11))
    rest = world.get(
        f"/sessions/{session.reference}/invoices",
        headers={"x-continuation-token": page["continuationToken"]},
    ).json()
    assert [i["ordinalNumber"] for i in rest["invoices"]] == [11, 12]
    failed = world.get(f"/sessions/{session.reference}/invoices/failed").json()
    assert [i["referenceNumber"] for i in failed["invoices"]] == [bad]
    assert failed["continuationToken"] is None


def test_download_by_ksef_number(world: World) -> None:
    session = world.session()
    data = sample(21)
    status = session.wait(session.send(data))
    response = world.get(f"/invoices/ksef/{status['ksefNumber']}")
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["x-ms-meta-hash"] == sha256_b64(data)
    missing = world.get("/invoices/ksef/5265877635-20250826-0100001AF629-AF")
    assert _code(missing) == 21164


def _sent(world: World) -> list[dict[str, Any]]:
    session = world.session()
    refs = [
        session.send(with_number(sample(1), "Q/1")),  # VAT PLN 2051
        session.send(with_number(sample(21), "Q/2")),  # VAT EUR
        session.send(with_number(sample(2), "Q/3")),  # KOR PLN
        session.send(with_number(sample(10), "Q/4")),  # ZAL PLN 20000
    ]
    return [session.wait(r) for r in refs]


def _window() -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
    }


def test_metadata_query_filters(world: World) -> None:
    sent = _sent(world)
    base = {"subjectType": "Subject1", "dateRange": {"dateType": "Invoicing", **_window()}}
    everything = world.query(base, pageSize=10)
    assert [i["invoiceNumber"] for i in everything["invoices"]] == ["Q/1", "Q/2", "Q/3", "Q/4"]
    assert everything["hasMore"] is False
    first = everything["invoices"][0]
    assert first["ksefNumber"] == sent[0]["ksefNumber"]
    assert first["seller"]["nip"] == SELLER
    assert first["grossAmount"] == 2051
    assert first["invoiceHash"] == sent[0]["invoiceHash"]
    eur = world.query({**base, "currencyCodes": ["EUR"]})
    assert [i["invoiceNumber"] for i in eur["invoices"]] == ["Q/2"]
    kor = world.query({**base, "invoiceTypes": ["Kor"]})
    assert [i["invoiceNumber"] for i in kor["invoices"]] == ["Q/3"]
    big = world.query({**base, "amount": {"type": "Brutto", "from": 10000}})
    assert sorted(i["invoiceNumber"] for i in big["invoices"]) == ["Q/2", "Q/4"]
    by_number = world.query({**base, "ksefNumber": sent[3]["ksefNumber"]})
    assert [i["invoiceNumber"] for i in by_number["invoices"]] == ["Q/4"]
    desc = world.query(base, sortOrder="Desc")
    assert [i["invoiceNumber"] for i in desc["invoices"]] == ["Q/4", "Q/3", "Q/2", "Q/1"]
    as_buyer = world.query({**base, "subjectType": "Subject2"})
    assert as_buyer["invoices"] == []


def test_metadata_query_pages(world: World) -> None:
    session = world.session()
    refs = [session.send(with_number(sample(26), f"M/{n:02d}")) for n in range(12)]
    for ref in refs:
        session.wait(ref)
    base = {"subjectType": "Subject1", "dateRange": {"dateType": "PermanentStorage", **_window()}}
    first = world.query(base, pageSize=10, pageOffset=0)
    second = world.query(base, pageSize=10, pageOffset=1)
    assert first["hasMore"] is True
    assert second["hasMore"] is False
    numbers = [i["invoiceNumber"] for i in first["invoices"] + second["invoices"]]
    assert numbers == [f"M/{n:02d}" for n in range(12)]


def test_metadata_query_example_and_errors(world: World) -> None:
    (example,) = request_examples("/invoices/query/metadata", "post")
    body = json.loads(json.dumps(example))
    contract().validate_request("post", "/invoices/query/metadata", body)
    assert world.query(body)["invoices"] == []
    too_long = {
        "subjectType": "Subject1",
        "dateRange": {
            "dateType": "Issue",
            "from": "2025-01-01T00:00:00Z",
            "to": "2025-06-01T00:00:00Z",
        },
    }
    response = world.client.post(
        "/invoices/query/metadata", json=too_long, headers=bearer(world.access)
    )
    assert _code(response) == 21405
    future = datetime.now(UTC) + timedelta(days=1)
    hwm = {
        "subjectType": "Subject1",
        "dateRange": {
            "dateType": "PermanentStorage",
            "from": future.isoformat(),
            "to": (future + timedelta(days=1)).isoformat(),
            "restrictToPermanentStorageHwmDate": True,
        },
    }
    response = world.client.post("/invoices/query/metadata", json=hwm, headers=bearer(world.access))
    assert _code(response) == 21183


def test_another_context_sees_nothing(world: World) -> None:
    session = world.session()
    status = session.wait(session.send(sample(1)))
    other = authenticate(world.client, OTHER_NIP, world.sb.tokens[OTHER_NIP])["accessToken"][
        "token"
    ]
    response = world.client.get(f"/invoices/ksef/{status['ksefNumber']}", headers=bearer(other))
    assert _code(response) == 21164
    listing = world.client.get(f"/sessions/{session.reference}", headers=bearer(other))
    assert _code(listing) == 21173
