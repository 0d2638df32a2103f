"""Many clients at once: the sandbox decides duplicates in arrival order and keeps exactly
one accepted invoice per (seller NIP, RodzajFaktury, P_2)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from ksef_desktop.sandbox import Sandbox
from tests.contract.rawksef import OnlineSession, authenticate, open_online
from tests.integration.conftest import SELLER, api_for, sample, with_number


def test_parallel_senders_never_make_a_duplicate(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(rate_limit_scale=0)
    numbers = [f"PAR/{n}" for n in range(10)]

    def sender(worker: int) -> list[tuple[str, int]]:
        with api_for(sb) as client:
            access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
            _, session = open_online(client, access)
            assert session is not None
            # Every worker sends the same ten invoices, each in its own order.
            order = numbers[worker % len(numbers) :] + numbers[: worker % len(numbers)]
            refs = [(n, session.send(with_number(sample(1), n))) for n in order]
            return [(n, session.wait(ref)["status"]["code"]) for n, ref in refs]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = [r for chunk in pool.map(sender, range(6)) for r in chunk]
    accepted = Counter(n for n, code in results if code == 200)
    assert accepted == Counter(numbers)  # exactly one of six copies of each
    assert Counter(code for _, code in results) == {200: 10, 440: 50}
    state = httpx.get(f"{sb.server_url}/_sandbox/state").json()
    ksef_numbers = [i["ksefNumber"] for i in state["nips"][SELLER]["accepted"]]
    assert len(ksef_numbers) == len(set(ksef_numbers)) == 10
    assert sorted(i["invoiceNumber"] for i in state["nips"][SELLER]["accepted"]) == sorted(numbers)


def test_one_session_many_threads(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(rate_limit_scale=0)
    with api_for(sb) as client:
        access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        _, shared = open_online(client, access)
        assert shared is not None

    def send(n: int) -> str:
        with api_for(sb) as own:
            session = OnlineSession(own, shared.access, shared.reference, shared.key, shared.iv)
            return session.send(with_number(sample(26), f"ONE/{n}"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        refs = list(pool.map(send, range(40)))
    assert sb.wait_idle()
    with api_for(sb) as client:
        shared.client = client
        statuses = [shared.status(ref) for ref in refs]
        assert sorted(s["ordinalNumber"] for s in statuses) == list(range(1, 41))
        assert {s["status"]["code"] for s in statuses} == {200}
