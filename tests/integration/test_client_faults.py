"""The environment's faults against the sandbox: 429 storms, 503 outage, expired tokens."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ksef_desktop.ksef import api_status
from ksef_desktop.ksef.environments import sandbox as sandbox_env
from ksef_desktop.ksef.errors import AuthRejected, KsefUnavailable
from ksef_desktop.ksef.latarnia import (
    AVAILABLE,
    FAILURE,
    MAINTENANCE,
    TOTAL_FAILURE,
    fetch_messages,
    fetch_status,
)
from ksef_desktop.ksef.ratelimit import RateGate
from ksef_desktop.ksef.transport import RetryPolicy, Transport
from tests.integration.client_support import (
    NIP,
    control,
    invoices,
    ksef_client,
    needs_sandbox,
    running_sandbox,
    sandbox_accepted,
)

pytestmark = needs_sandbox


def test_token_authentication_and_a_wrong_token() -> None:
    with running_sandbox(rate_limit_scale=None) as sb:
        with ksef_client(sb.base_url, sb.tokens[NIP]) as (client, rec):
            client.authenticate()
            assert client.auth.reference_number
            assert list(client.sessions("Online")) == []
        posts = ["/v2/auth/challenge", "/v2/auth/ksef-token", "/v2/auth/token/redeem"]
        assert rec.paths("POST")[:3] == posts
        assert any(p.startswith("/v2/auth/2") for p in rec.paths("GET"))
        wrong = sb.tokens[NIP][:-4] + "0000"
        with ksef_client(sb.base_url, wrong) as (client, _rec), pytest.raises(AuthRejected) as info:
            client.authenticate()
    assert info.value.code == 450
    assert "token" in info.value.message().lower()


def test_429_storm_is_obeyed_and_never_sent_into() -> None:
    with (
        running_sandbox(rate_limit_scale=1.0) as sb,
        ksef_client(sb.base_url, sb.tokens[NIP]) as (client, rec),
    ):
        (done,) = client.send(invoices(1, tag="STORM"))
        assert done.accepted
        # switch our own pacing off, so the sandbox's limits are what stops us
        client.transport.gate = RateGate(client.transport.sleep, client.transport.monotonic, {})
        started = time.monotonic()
        for _ in range(35):
            api_status.session_status(client.transport, done.session_reference or "")
        elapsed = time.monotonic() - started
    misc = [
        e
        for e in rec.exchanges
        if e.method == "GET" and e.path.count("/") == 3 and e.sent_at >= started
    ]
    storms = [e for e in misc if e.status == 429]
    assert len(storms) >= 2, "the sandbox should have limited 10 requests per second"
    paths = {e.path for e in misc}
    sends = [at for method, path, at in rec.requests_at if method == "GET" and path in paths]
    for storm in storms:
        following = [at for at in sends if at > storm.sent_at]
        assert following, "a 429 must be followed by a retry"
        # nothing was sent before Retry-After had passed since the 429 arrived
        assert following[0] - storm.sent_at >= float(storm.retry_after or 0) - 0.01
    assert sum(1 for e in misc if e.status == 200) == 35
    assert elapsed >= sum(float(e.retry_after or 0) for e in storms) - 0.1


def test_503_outage_then_recovery() -> None:
    with running_sandbox(rate_limit_scale=None) as sb:
        first, second = invoices(1, tag="OUT"), invoices(2, tag="OUT2")
        with ksef_client(sb.base_url, sb.tokens[NIP]) as (client, _rec):
            assert client.send(first)[0].accepted
            control(sb.server_url, "maintenance", {})
            with pytest.raises(KsefUnavailable) as info:
                client.send(second)
            assert info.value.status == 503
            assert "niedostępny" in info.value.message()
            with httpx.Client() as http:
                latarnia = Transport(http, sandbox_env(sb.base_url))
                during = fetch_status(latarnia, sb.latarnia_url)
                control(sb.server_url, "maintenance/end")
                after = fetch_status(latarnia, sb.latarnia_url)
            results = client.send(second)
    assert during.status == MAINTENANCE
    assert during.event_start is not None
    assert after.status == AVAILABLE
    assert all(r.accepted for r in results)
    assert set(sandbox_accepted(sb).values()) == {i.sha256 for i in first + second}


def test_access_token_expiring_mid_session_is_refreshed() -> None:
    with running_sandbox(rate_limit_scale=None) as sb:
        batch = invoices(10, tag="EXP")
        with ksef_client(sb.base_url, sb.tokens[NIP]) as (client, rec):
            rec.after(
                "POST", "/invoices", 5, lambda: control(sb.server_url, "expire-access-tokens")
            )
            results = client.send(batch, mode="online")
    assert all(r.accepted for r in results)
    statuses = [(e.path, e.status) for e in rec.exchanges]
    assert any(status == 401 for _p, status in statuses)
    assert ("/v2/auth/token/refresh", 200) in statuses
    assert len({r.session_reference for r in results}) == 1  # the same session went on
    assert len(sandbox_accepted(sb)) == 10


def test_access_token_is_refreshed_before_it_expires() -> None:
    skew = {"ahead": timedelta(0)}

    def now() -> datetime:
        return datetime.now(UTC) + skew["ahead"]

    with (
        running_sandbox(rate_limit_scale=None) as sb,
        ksef_client(sb.base_url, sb.tokens[NIP], now=now) as (client, rec),
    ):
        first = client.send(invoices(2, tag="PRE"))
        skew["ahead"] = timedelta(minutes=14, seconds=30)  # the sandbox's tokens last 15 min
        second = client.send(invoices(2, tag="PRE2"))
    assert all(r.accepted for r in first + second)
    assert "/v2/auth/token/refresh" in rec.paths("POST")
    assert not any(e.status == 401 for e in rec.exchanges), "refreshed before KSeF said no"


def test_random_500s_are_retried_with_backoff_until_everything_is_delivered() -> None:
    with (
        running_sandbox(rate_limit_scale=None) as sb,
        ksef_client(
            sb.base_url,
            sb.tokens[NIP],
            retry=RetryPolicy(max_attempts=10, base_delay=0.01, max_delay=0.1),
        ) as (client, rec),
    ):
        control(sb.server_url, "faults", {"errorRate": 0.25})
        batch = invoices(15, tag="ERR")
        results = client.send(batch, mode="online")
        accepted = sandbox_accepted(sb)
    assert all(r.accepted for r in results)
    assert set(accepted.values()) == {i.sha256 for i in batch}
    failures = [e for e in rec.exchanges if e.status == 500]
    assert failures, "the sandbox should have answered some requests with 500"


@pytest.mark.parametrize(
    ("endpoint", "status"), [("failure", FAILURE), ("total-failure", TOTAL_FAILURE)]
)
def test_latarnia_failure_announcements_with_start_and_end(endpoint: str, status: str) -> None:
    with running_sandbox(rate_limit_scale=None) as sb, httpx.Client() as http:
        t = Transport(http, sandbox_env(sb.base_url))
        before = fetch_status(t, sb.latarnia_url)
        control(sb.server_url, endpoint, {})
        during = fetch_status(t, sb.latarnia_url)
        control(sb.server_url, "failure/end")
        after = fetch_status(t, sb.latarnia_url)
        messages = fetch_messages(t, sb.latarnia_url)
    assert before.status == AVAILABLE
    assert during.status == status
    assert during.event_start is not None
    assert during.event_end is None
    assert after.status == AVAILABLE
    ended = [m for m in messages if m.event_id == during.event_id and m.end is not None]
    assert ended, "the end of the failure is announced"
    assert ended[-1].end is not None
    assert ended[-1].end >= during.event_start
    assert during.describe() != after.describe()


def test_a_minute_of_online_sending_at_production_limits_is_paced_without_429() -> None:
    batch = invoices(30, tag="PACE")
    with (
        running_sandbox(rate_limit_scale=1.0) as sb,
        ksef_client(sb.base_url, sb.tokens[NIP]) as (client, rec),
    ):
        started = time.monotonic()
        results = client.send(batch)  # 30 = the per-minute limit: still online
        elapsed = time.monotonic() - started
    assert all(r.accepted for r in results)
    assert "/v2/sessions/batch" not in rec.paths("POST")
    limited = [(e.method, e.path, e.retry_after) for e in rec.exchanges if e.status == 429]
    assert not limited
    sends = sorted(at for m, p, at in rec.requests_at if m == "POST" and p.endswith("/invoices"))
    assert len(sends) == 30
    # 10 per second: the 30 sends span at least two seconds
    assert sends[-1] - sends[0] >= 2.0
    assert elapsed < 30
