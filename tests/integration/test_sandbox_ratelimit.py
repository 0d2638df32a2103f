"""Rate limits over HTTP: 429 with Retry-After in both error shapes, GET /rate-limits."""

from __future__ import annotations

import os
from collections.abc import Callable

import httpx

from ksef_desktop.sandbox import Sandbox
from tests.contract.rawksef import (
    FA3_FORM,
    authenticate,
    b64,
    bearer,
    mf_keys,
    open_online,
    rsa_encrypt,
)
from tests.integration.conftest import OTHER_NIP, SELLER, api_for


def test_limits_are_reported_and_enforced(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(rate_limit_scale=0.1)
    with api_for(sb) as client:
        seller = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        limits = client.get("/rate-limits", headers=bearer(seller)).json()
        assert limits["onlineSession"] == {"perSecond": 1, "perMinute": 3, "perHour": 12}
        assert limits["invoiceSend"] == {"perSecond": 1, "perMinute": 3, "perHour": 18}
        mf = mf_keys(client)["SymmetricKeyEncryption"]  # fetched once: it is limited too
        body = {
            "formCode": FA3_FORM,
            "encryption": {
                "encryptedSymmetricKey": b64(rsa_encrypt(mf.public_key, os.urandom(32))),
                "initializationVector": b64(os.urandom(16)),
            },
        }

        def open_session() -> httpx.Response:
            return client.post("/sessions/online", json=body, headers=bearer(seller))

        assert open_session().status_code == 201
        # 1 per second and 3 per minute: by the fourth attempt at the latest (however slow
        # this machine is) the answer is 429.
        attempts = [open_session() for _ in range(3)]
        second = next(r for r in attempts if r.status_code != 201)
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
        codes = [client.post("/auth/challenge").status_code for _ in range(20)]
    assert codes[:6] == [200] * 6
    assert 429 in codes
    assert set(codes) == {200, 429}


def test_production_limits_by_default(sandbox: Sandbox, api: httpx.Client) -> None:
    access = authenticate(api, SELLER, sandbox.tokens[SELLER])["accessToken"]["token"]
    limits = api.get("/rate-limits", headers=bearer(access)).json()
    assert limits["sessionList"] == {"perSecond": 5, "perMinute": 10, "perHour": 60}
    codes = [
        api.get("/sessions", params={"sessionType": "Online"}, headers=bearer(access)).status_code
        for _ in range(11)
    ]
    # 5 per second, 10 per minute: the first five pass, the eleventh cannot.
    assert codes[:5] == [200] * 5
    assert codes[-1] == 429
