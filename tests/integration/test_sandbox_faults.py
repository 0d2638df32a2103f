"""Faults and Latarnia: outages, announced (total) failures, 5xx rate, latency, dropped
answers, all switched through /_sandbox/ control endpoints (or CLI flags)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from ksef_desktop.sandbox import FaultConfig, Sandbox
from ksef_desktop.sandbox.util import iso
from tests.contract.rawksef import authenticate, bearer, open_online
from tests.integration.conftest import SELLER, ManualClock, api_for, sample

MESSAGE_FIELDS = {
    "id",
    "eventId",
    "category",
    "type",
    "title",
    "text",
    "start",
    "end",
    "version",
    "published",
}


def control(sb: Sandbox, path: str, body: dict[str, Any] | None = None) -> Any:
    response = httpx.post(f"{sb.server_url}/_sandbox/{path}", json=body or {})
    assert response.status_code == 200, response.text
    return response.json()


def latarnia(sb: Sandbox) -> dict[str, Any]:
    return dict(httpx.get(f"{sb.latarnia_url}/status").json())


def messages(sb: Sandbox) -> list[dict[str, Any]]:
    return list(httpx.get(f"{sb.latarnia_url}/messages").json())


def test_available_by_default(sandbox: Sandbox) -> None:
    assert latarnia(sandbox) == {"status": "AVAILABLE", "messages": []}
    assert messages(sandbox) == []


def test_planned_unavailability(sandbox: Sandbox, api: httpx.Client) -> None:
    access = authenticate(api, SELLER, sandbox.tokens[SELLER])["accessToken"]["token"]
    control(sandbox, "maintenance")
    for response in (
        api.post("/auth/challenge"),
        api.get("/security/public-key-certificates"),
        api.get("/sessions", params={"sessionType": "Online"}, headers=bearer(access)),
    ):
        assert response.status_code == 503
        assert response.json()["status"] == 503
    status = latarnia(sandbox)
    assert status["status"] == "MAINTENANCE"
    (message,) = status["messages"]
    assert set(message) == MESSAGE_FIELDS
    assert (message["category"], message["type"]) == ("MAINTENANCE", "MAINTENANCE_ANNOUNCEMENT")
    control(sandbox, "maintenance/end")
    assert api.post("/auth/challenge").status_code == 200
    assert latarnia(sandbox)["status"] == "AVAILABLE"


def test_announced_failure_with_start_and_end(
    sandbox_factory: Callable[..., Sandbox], clock: ManualClock
) -> None:
    sb = sandbox_factory(clock=clock)
    start = clock.moment + timedelta(hours=1)
    end = start + timedelta(hours=2)
    announced = control(sb, "failure", {"start": iso(start), "end": iso(end)})
    assert (announced["type"], announced["category"]) == ("FAILURE_START", "FAILURE")
    assert (announced["start"], announced["end"]) == (iso(start), iso(end))
    with api_for(sb) as client:
        assert client.post("/auth/challenge").status_code == 200  # announced, not started
        assert latarnia(sb)["status"] == "AVAILABLE"
        assert latarnia(sb)["messages"] == [announced]
        clock.advance(hours=1, minutes=1)
        assert client.post("/auth/challenge").status_code == 503
        assert latarnia(sb)["status"] == "FAILURE"
        clock.advance(hours=2)
        assert client.post("/auth/challenge").status_code == 200
        assert latarnia(sb)["status"] == "AVAILABLE"
    assert [m["type"] for m in messages(sb)] == ["FAILURE_START"]


def test_failure_ended_early_publishes_failure_end(sandbox: Sandbox, api: httpx.Client) -> None:
    started = control(sandbox, "failure")
    assert started["end"] is None
    assert api.post("/auth/challenge").status_code == 503
    (ended,) = control(sandbox, "failure/end")
    assert (ended["type"], ended["eventId"]) == ("FAILURE_END", started["eventId"])
    assert ended["end"] is not None
    assert ended["version"] == 2
    assert [m["type"] for m in messages(sandbox)] == ["FAILURE_START", "FAILURE_END"]
    assert api.post("/auth/challenge").status_code == 200


def test_total_failure(sandbox: Sandbox, api: httpx.Client) -> None:
    control(sandbox, "total-failure")
    assert api.post("/auth/challenge").status_code == 503
    status = latarnia(sandbox)
    assert status["status"] == "TOTAL_FAILURE"
    assert status["messages"][0]["category"] == "TOTAL_FAILURE"
    control(sandbox, "faults/reset")
    assert api.post("/auth/challenge").status_code == 200


def test_start_flags(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(faults=FaultConfig(failure=True))
    assert latarnia(sb)["status"] == "FAILURE"
    assert httpx.post(f"{sb.base_url}/auth/challenge").status_code == 503


def test_error_rate(sandbox: Sandbox, api: httpx.Client) -> None:
    control(sandbox, "faults", {"errorRate": 1.0})
    response = api.post("/auth/challenge")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    control(sandbox, "faults", {"errorRate": 0.5})
    codes = {api.post("/auth/challenge").status_code for _ in range(40)}
    assert codes == {200, 500}
    control(sandbox, "faults", {"errorRate": 0})
    assert {api.post("/auth/challenge").status_code for _ in range(10)} == {200}


def test_latency(sandbox: Sandbox, api: httpx.Client) -> None:
    control(sandbox, "faults", {"latencyMs": 300})
    began = time.monotonic()
    assert api.post("/auth/challenge").status_code == 200
    assert time.monotonic() - began >= 0.3
    assert control(sandbox, "faults", {"latencyMs": 0})["latencyMs"] == 0


def test_dropped_answer_after_processing_then_duplicate(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(rate_limit_scale=0)
    with api_for(sb) as client:
        access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        _, session = open_online(client, access)
        assert session is not None
        control(
            sb,
            "faults",
            {"dropResponses": 1, "dropMethod": "POST", "dropPathContains": "/invoices"},
        )
        assert client.post("/auth/challenge").status_code == 200  # does not match the filter
        body = session.invoice_body(sample(1))
        with pytest.raises(httpx.RemoteProtocolError):
            session.send_body(body)
        sb.wait_idle()
        state = httpx.get(f"{sb.server_url}/_sandbox/state").json()
        (accepted,) = state["nips"][SELLER]["accepted"]
        assert accepted["invoiceNumber"] == "FV2026/02/150"
        # The client never heard of it and sends again: KSeF says duplicate, with the number.
        again = session.wait(session.send(sample(1)))
        assert again["status"]["code"] == 440
        assert again["status"]["extensions"]["originalKsefNumber"] == accepted["ksefNumber"]
        state = httpx.get(f"{sb.server_url}/_sandbox/state").json()
        assert len(state["nips"][SELLER]["accepted"]) == 1
        assert state["faults"]["dropResponses"] == 0


def test_bad_control_requests(sandbox: Sandbox) -> None:
    bad = httpx.post(f"{sandbox.server_url}/_sandbox/failure", json={"start": "yesterday"})
    assert bad.status_code == 400
    wrong = httpx.post(f"{sandbox.server_url}/_sandbox/faults", json={"errorRate": "often"})
    assert wrong.status_code == 400
    unknown = httpx.get(f"{sandbox.server_url}/_sandbox/nothing")
    assert unknown.status_code == 404
