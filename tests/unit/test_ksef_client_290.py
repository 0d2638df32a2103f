"""API 2.9.0 on the wire, against a scripted HTTP server on 127.0.0.1: session closes in
their own rate-limit groups, every request also in ``global``; the invoices of collective
identifiers ten a call, grouped by the identifier each item names; UPOs taken only when
they prove to be UPOs."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ksef_desktop.ksef import api_sessions, api_status
from ksef_desktop.ksef.collective import (
    MAX_IDENTIFIERS_PER_CALL,
    invoices_of_collective_identifiers,
)
from ksef_desktop.ksef.crypto import sha256_b64
from ksef_desktop.ksef.environments import sandbox
from ksef_desktop.ksef.errors import ProtocolError, UpoHashMismatch, UpoNotReceived
from ksef_desktop.ksef.ratelimit import GLOBAL, Limit, RateGate, margin
from ksef_desktop.ksef.transport import RetryPolicy, Transport
from tests.unit.test_ksef_transport import FakeClock, Reply, ScriptedServer

UPO = Path(__file__).parents[1] / "data/upo/kontekst-nip/upo-faktura-kontekst-id-nip.xml"
NUMBER = "5265877635-20250826-0100001AF629-AF"


class Tokens:
    def access_token(self) -> str:
        return "access"

    def renew_after_401(self, rejected: str) -> None:
        return None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[ScriptedServer]:
    with ScriptedServer(clock) as s:
        yield s


_CLIENTS: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _CLIENTS:
        _CLIENTS.pop().close()


def _transport(server: ScriptedServer, clock: FakeClock, limits: dict[str, Limit]) -> Transport:
    http = httpx.Client(timeout=5)
    _CLIENTS.append(http)
    t = Transport(
        http,
        sandbox(server.url + "/v2"),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        rng=random.Random(1),
        policy=RetryPolicy(),
        gate=RateGate(clock.sleep, clock.monotonic, limits),
        tokens=Tokens(),
    )
    return t


# --- rate-limit groups ----------------------------------------------------------------------


def test_session_closes_are_paced_in_their_own_groups(
    server: ScriptedServer, clock: FakeClock
) -> None:
    t = _transport(
        server,
        clock,
        {"onlineSessionClose": Limit(1, 1, 10), "batchSessionClose": Limit(1, 1, 10)},
    )
    server.script = [Reply(204), Reply(204), Reply(204), Reply(201, {"referenceNumber": "R"})]
    api_sessions.sessions_online_close(t, "A")
    api_sessions.sessions_batch_close(t, "B")  # another group: no wait
    assert server.seen[1].at - server.seen[0].at < 0.01
    api_sessions.sessions_online_close(t, "C")  # one a minute in this group
    assert server.seen[2].at - server.seen[0].at >= 60 + margin(60)
    assert [s.path for s in server.seen[:3]] == [
        "/v2/sessions/online/A/close",
        "/v2/sessions/batch/B/close",
        "/v2/sessions/online/C/close",
    ]


def test_every_request_also_counts_in_global(clock: FakeClock) -> None:
    gate = RateGate(
        clock.sleep,
        clock.monotonic,
        {"a": Limit(100, -1, -1), "b": Limit(100, -1, -1), GLOBAL: Limit(2, -1, -1)},
    )
    stamps = []
    for group in ("a", "b", "a", "b"):
        gate.acquire(group)
        stamps.append(clock.monotonic())
    assert stamps[1] - stamps[0] < 0.01
    assert stamps[2] - stamps[0] >= 1.0  # two per second across all groups
    gate.acquire("unlimited-group")  # a group without limits still counts in global


def test_limits_of_minus_one_never_hold_anything_back(clock: FakeClock) -> None:
    gate = RateGate(clock.sleep, clock.monotonic, {GLOBAL: Limit(-1, -1, -1), "x": Limit(0, 0, 0)})
    for _ in range(1000):
        gate.acquire("x")
    assert clock.sleeps == []


# --- collective identifiers: ten a call --------------------------------------------------------


def _ident(i: int) -> str:
    from datetime import date

    from ksef_desktop.domain.collective import make_collective_identifier

    return make_collective_identifier("5265877635", date(2026, 7, 1), f"{i:012X}")


def _item(ident: str | None, n: int) -> dict[str, object]:
    item: dict[str, object] = {"ksefNumber": NUMBER[:-5] + f"{n:02d}" + NUMBER[-3:]}
    item["detailsHidden"] = False
    if ident is not None:
        item["collectiveIdentifierNumber"] = ident
    return item


def test_invoices_of_23_identifiers_take_three_calls(
    server: ScriptedServer, clock: FakeClock
) -> None:
    idents = [_ident(i) for i in range(23)]
    pages = []
    for start in range(0, 23, MAX_IDENTIFIERS_PER_CALL):
        chunk = idents[start : start + MAX_IDENTIFIERS_PER_CALL]
        # each call answers in two pages, items of its identifiers mixed
        first = [_item(i, n) for n, i in enumerate(chunk)]
        pages.append(Reply(200, {"invoices": first[:3], "continuationToken": "next"}))
        pages.append(Reply(200, {"invoices": first[3:], "continuationToken": None}))
    server.script = pages
    found = invoices_of_collective_identifiers(_transport(server, clock, {}), idents)
    assert list(found) == idents
    assert all(len(found[i]) == 1 for i in idents)
    bodies = [json.loads(s.body) for s in server.seen if s.method == "POST"]
    assert [len(b["collectiveIdentifierNumbers"]) for b in bodies] == [10, 10, 10, 10, 3, 3]
    assert all(s.path.startswith("/v2/collective-identifiers/invoices") for s in server.seen)
    tokens = [s.headers.get("x-continuation-token") for s in server.seen]
    assert tokens == [None, "next"] * 3


def test_an_item_without_its_identifier_belongs_to_the_only_one_asked(
    server: ScriptedServer, clock: FakeClock
) -> None:
    server.script = [Reply(200, {"invoices": [_item(None, 1), _item(None, 2)]})]
    found = invoices_of_collective_identifiers(_transport(server, clock, {}), [_ident(1)])
    assert len(found[_ident(1)]) == 2


@pytest.mark.parametrize("owner", [None, "foreign"])
def test_an_item_of_an_identifier_not_asked_for_is_a_protocol_error(
    server: ScriptedServer, clock: FakeClock, owner: str | None
) -> None:
    stranger = _ident(99) if owner else None
    server.script = [Reply(200, {"invoices": [_item(stranger, 1)]})]
    with pytest.raises(ProtocolError):
        invoices_of_collective_identifiers(_transport(server, clock, {}), [_ident(1), _ident(2)])


# --- a UPO must prove to be one --------------------------------------------------------------

FIREWALL = (
    b'<html><head><META NAME="robots" CONTENT="noindex,nofollow"></head><body>'
    b'<script src="/_Incapsula_Resource?SWJIYLWA=5074a744e2e3d891814e9a2dace20bd4">'
    b"</script></body></html>"
)


@pytest.mark.parametrize(
    ("body", "header", "error", "reason"),
    [
        (FIREWALL, None, UpoNotReceived, "no-hash"),
        (FIREWALL, "hash-of-body", UpoNotReceived, "not-upo"),
        (UPO.read_bytes(), None, UpoNotReceived, "no-hash"),
        (UPO.read_bytes(), "   ", UpoNotReceived, "no-hash"),
        (UPO.read_bytes(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", UpoHashMismatch, None),
        (b"<Potwierdzenie/>", "hash-of-body", UpoNotReceived, "not-upo"),
        (
            b'<!DOCTYPE x [<!ENTITY a "aaaa">]><Potwierdzenie '
            b'xmlns="http://upo.schematy.mf.gov.pl/KSeF/v4-3">&a;</Potwierdzenie>',
            "hash-of-body",
            UpoNotReceived,
            "not-upo",
        ),
    ],
)
def test_only_a_verified_upo_is_taken(
    server: ScriptedServer,
    clock: FakeClock,
    body: bytes,
    header: str | None,
    error: type[Exception],
    reason: str | None,
) -> None:
    headers = {}
    if header is not None:
        headers["x-ms-meta-hash"] = sha256_b64(body) if header == "hash-of-body" else header
    server.script = [Reply(200, body, headers)]
    t = _transport(server, clock, {})
    with pytest.raises(error) as info:
        api_status.download_presigned(t, "REF", server.url + "/storage/upo.xml?sig=x")
    if reason is not None:
        assert isinstance(info.value, UpoNotReceived)
        assert info.value.reason == reason


def test_an_official_upo_with_its_hash_is_taken(server: ScriptedServer, clock: FakeClock) -> None:
    data = UPO.read_bytes()
    server.script = [Reply(200, data, {"x-ms-meta-hash": sha256_b64(data)})]
    upo = api_status.download_presigned(
        _transport(server, clock, {}), "REF", server.url + "/storage/upo.xml?sig=x"
    )
    assert upo.content == data
    assert "authorization" not in server.seen[0].headers  # a pre-signed link: no token


def test_a_firewall_page_on_the_link_falls_back_to_the_api(
    server: ScriptedServer, clock: FakeClock
) -> None:
    data = UPO.read_bytes()
    server.script = [
        Reply(200, FIREWALL),  # the link: the firewall's page, no hash
        Reply(200, data, {"x-ms-meta-hash": sha256_b64(data)}),  # the authenticated one
    ]
    upo = api_status.invoice_upo_of(
        _transport(server, clock, {}),
        "SESSION",
        invoice_reference="INV",
        ksef_number=NUMBER,
        url=server.url + "/storage/upo.xml?sig=x",
    )
    assert upo.content == data
    assert [s.path for s in server.seen] == [
        "/storage/upo.xml?sig=x",
        f"/v2/sessions/SESSION/invoices/ksef/{NUMBER}/upo",
    ]
    assert server.seen[1].headers["authorization"] == "Bearer access"
