"""Rate limits over HTTP: 429 with Retry-After in both error shapes, GET /rate-limits."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from ksef_desktop.sandbox import Sandbox
from tests.contract.rawksef import authenticate, bearer, open_online
from tests.integration.conftest import OTHER_NIP, SELLER, api_for


def test_limits_are_reported_and_enforced(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(rate_limit_scale=0.1)
    with api_for(sb) as client:
        seller = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        limits = client.get("/rate-limits", headers=bearer(seller)).json()
        assert limits["onlineSession"] == {"perSecond": 1, "perMinute": 3, "perHour": 12}
        assert limits["invoiceSend"] == {"perSecond": 1, "perMinute": 3, "perHour": 18}
        first, _ = open_online(client, seller)
        assert first.status_code == 201
        second, _ = open_online(client, seller)
        assert second.status_code == 429
        assert int(second.headers["Retry-After"]) >= 1
        assert second.json()["status"]["code"] == 429
        problem = client.post(
            "/sessions/online",
            json={},
            headers={**bearer(seller), "X-Error-Format": "problem-details"},
        )
        assert problem.status_code == 429
        assert problem.headers["content-type"].startswith("application/problem+json")
        assert int(problem.headers["Retry-After"]) > int(second.headers["Retry-After"])
        # Another context from the same IP has its own counter.
        other = authenticate(client, OTHER_NIP, sb.tokens[OTHER_NIP])["accessToken"]["token"]
        assert open_online(client, other)[0].status_code == 201


def test_public_endpoints_count_per_ip(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(rate_limit_scale=0.1)  # 60/s -> 6/s
    with api_for(sb) as client:
        codes = [client.post("/auth/challenge").status_code for _ in range(7)]
    assert codes == [200] * 6 + [429]


def test_production_limits_by_default(sandbox: Sandbox, api: httpx.Client) -> None:
    access = authenticate(api, SELLER, sandbox.tokens[SELLER])["accessToken"]["token"]
    limits = api.get("/rate-limits", headers=bearer(access)).json()
    assert limits["sessionList"] == {"perSecond": 5, "perMinute": 10, "perHour": 60}
    codes = [
        api.get("/sessions", params={"sessionType": "Online"}, headers=bearer(access)).status_code
        for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]
