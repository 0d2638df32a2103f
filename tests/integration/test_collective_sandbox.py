"""The sandbox's /collective-identifiers operations, raw, every answer checked against
open-api.json 2.9.0 (and, for what 2.9.0 removed, against 2.7.0)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ksef_desktop.domain.collective import collective_identifier_is_valid
from ksef_desktop.sandbox import Sandbox
from tests.integration.collective_support import (
    BUYER,
    SELLER,
    STRANGER,
    Api,
    accepted_numbers,
    error_code,
    started,
)


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[Sandbox, list[str], list[str]]]:
    """One sandbox without rate limits: 501 accepted invoices of SELLER (buyer BUYER) and
    2 of STRANGER."""
    with started(rate_limit_scale=None) as sb:
        yield (
            sb,
            accepted_numbers(sb, SELLER, 501, "CI"),
            accepted_numbers(sb, STRANGER, 2, "CS"),
        )


@pytest.fixture
def seller(shared: tuple[Sandbox, list[str], list[str]]) -> Iterator[Api]:
    api = Api(shared[0], SELLER)
    yield api
    api.close()


def invoices_of(api: Api, *numbers: str, page_size: int = 200) -> list[dict[str, Any]]:
    """Every page of POST /collective-identifiers/invoices for these identifiers."""
    out: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(100):
        headers = {"x-continuation-token": token} if token else {}
        response = api.post(
            "/collective-identifiers/invoices",
            {"collectiveIdentifierNumbers": list(numbers)},
            params={"pageSize": page_size},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        out.extend(body["invoices"])
        token = body.get("continuationToken")
        if not token:
            return out
    raise AssertionError("paging never ended")


def _window() -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "dateCreatedFrom": (now - timedelta(days=1)).isoformat(),
        "dateCreatedTo": (now + timedelta(days=1)).isoformat(),
    }


@pytest.mark.parametrize("count", [2, 3, 500])
def test_generate_for_2_3_and_500_invoices_and_look_up_both_ways(
    shared: tuple[Sandbox, list[str], list[str]], seller: Api, count: int
) -> None:
    numbers = shared[1][:count]
    response = seller.generate(numbers)
    assert response.status_code == 201, response.text
    ident = response.json()["collectiveIdentifierNumber"]
    assert collective_identifier_is_valid(ident)
    assert ident.startswith(f"{SELLER}-IZ{datetime.now(UTC):%Y}")
    listed = invoices_of(seller, ident)
    assert [i["ksefNumber"] for i in listed] == sorted(numbers, reverse=True)
    assert {i["collectiveIdentifierNumber"] for i in listed} == {ident}
    assert not any(i["detailsHidden"] for i in listed)
    back = seller.all_pages(f"/collective-identifiers/ksef/{numbers[-1]}", "collectiveIdentifiers")
    assert ident in [b["collectiveIdentifierNumber"] for b in back]
    assert all(b["createdInCurrentContext"] for b in back)
    found = seller.post(
        "/collective-identifiers/query", {**_window(), "collectiveIdentifierNumber": ident}
    )
    assert found.status_code == 200, found.text
    (item,) = found.json()["collectiveIdentifiers"]
    assert item["invoiceCount"] == count
    assert item["createdInCurrentContext"] is True


def test_501_invoices_and_a_single_one_are_refused(
    shared: tuple[Sandbox, list[str], list[str]], seller: Api
) -> None:
    assert error_code(seller.generate(shared[1])) == 21405
    assert error_code(seller.generate(shared[1][:1])) == 21405  # minItems 2 since 2.9.0
    limits = seller.get("/limits/context").json()
    assert limits["collectiveIdentifier"] == {"maxInvoices": 500}


def test_the_invoices_of_several_identifiers_at_once(
    shared: tuple[Sandbox, list[str], list[str]], seller: Api
) -> None:
    mine = shared[1]
    first = seller.generate(mine[60:63]).json()["collectiveIdentifierNumber"]
    second = seller.generate(mine[62:65]).json()["collectiveIdentifierNumber"]
    items = invoices_of(seller, first, second, page_size=10)
    pairs = [(i["ksefNumber"], i["collectiveIdentifierNumber"]) for i in items]
    assert sorted(pairs, reverse=True) == pairs  # ksefNumber desc
    assert set(pairs) == {(n, first) for n in mine[60:63]} | {(n, second) for n in mine[62:65]}
    eleven = [first] * 11
    body = {"collectiveIdentifierNumbers": eleven}
    assert error_code(seller.post("/collective-identifiers/invoices", body)) == 21405
    assert error_code(seller.post("/collective-identifiers/invoices", {})) == 21405
    big = seller.post(
        "/collective-identifiers/invoices",
        {"collectiveIdentifierNumbers": [first]},
        params={"pageSize": 501},
    )
    assert error_code(big) == 21405


def test_mixed_sellers_are_refused(shared: tuple[Sandbox, list[str], list[str]]) -> None:
    sb, mine, strangers = shared
    mixed = [mine[0], strangers[0]]
    api = Api(sb, SELLER)
    try:
        # The seller has no access to the other seller's invoice at all.
        refused = api.generate(mixed)
        assert error_code(refused) == 71001
        assert strangers[0] in str(refused.json())
    finally:
        api.close()
    stranger = Api(sb, STRANGER)
    try:
        assert error_code(stranger.generate([strangers[0], mine[0]])) == 71001
    finally:
        stranger.close()


def test_unknown_duplicate_and_malformed_invoices_are_refused(
    shared: tuple[Sandbox, list[str], list[str]], seller: Api
) -> None:
    mine = shared[1]
    unknown = "9999999999-20250101-000000000000-00"
    assert error_code(seller.generate([mine[0], unknown])) == 71001
    assert error_code(seller.generate([mine[0], mine[1], mine[0]])) == 71005
    assert error_code(seller.generate([mine[0], "not-a-ksef-number"])) == 21405
    assert error_code(seller.post("/collective-identifiers", {"invoices": []})) == 21405
    bad_payment = seller.generate(mine[:2], payment={"amount": "1", "currency": "PLN"})
    assert error_code(bad_payment) == 21405
    long = seller.generate(mine[:2], description="x" * 513)
    assert error_code(long) == 21405


def test_payment_details_only_for_the_creator_and_the_parties(
    shared: tuple[Sandbox, list[str], list[str]], seller: Api
) -> None:
    sb, mine, _ = shared
    payment = {"amount": 2051.5, "currency": "PLN"}
    response = seller.generate(mine[10:12], payment=payment, description="za marzec")
    ident = response.json()["collectiveIdentifierNumber"]
    plain = seller.generate(mine[12:14]).json()["collectiveIdentifierNumber"]
    for nip in (SELLER, BUYER):
        api = Api(sb, nip)
        try:
            items = invoices_of(api, ident)
        finally:
            api.close()
        assert [i["payment"] for i in items] == [payment, payment], nip
        assert all(i["description"] == "za marzec" and not i["detailsHidden"] for i in items)
    stranger = Api(sb, STRANGER)
    try:
        items = invoices_of(stranger, ident)
        assert [i["ksefNumber"] for i in items] == sorted(mine[10:12], reverse=True)
        assert all(i["detailsHidden"] is True for i in items)
        assert not any("payment" in i or "description" in i for i in items)
        bare = invoices_of(stranger, plain)
        assert [b["detailsHidden"] for b in bare] == [False, False]
        # ... and it does not see identifiers of invoices it has no part in.
        back = stranger.get(f"/collective-identifiers/ksef/{mine[10]}")
        assert back.status_code == 200
        assert back.json()["collectiveIdentifiers"] == []
        found = stranger.post("/collective-identifiers/query", _window())
        assert ident not in str(found.json())
    finally:
        stranger.close()


def test_the_buyer_may_generate_and_sees_the_sellers_identifiers(
    shared: tuple[Sandbox, list[str], list[str]], seller: Api
) -> None:
    sb, mine, strangers = shared
    made_by_seller = seller.generate(mine[20:22]).json()["collectiveIdentifierNumber"]
    buyer = Api(sb, BUYER)
    try:
        response = buyer.generate(mine[20:23])
        assert response.status_code == 201, response.text
        ident = response.json()["collectiveIdentifierNumber"]
        assert ident.startswith(SELLER)  # the identifier carries the seller's NIP
        back = buyer.all_pages(f"/collective-identifiers/ksef/{mine[20]}", "collectiveIdentifiers")
        mine_flags = {b["collectiveIdentifierNumber"]: b["createdInCurrentContext"] for b in back}
        assert mine_flags[ident] is True
        assert mine_flags[made_by_seller] is False
        # Invoices of two sellers, both visible to the buyer: mixed sellers, refused.
        # (STRANGER's invoices have the sample's buyer too.)
        assert error_code(buyer.generate([mine[23], strangers[0]])) == 71004
    finally:
        buyer.close()
    # The seller (Podmiot1) finds the buyer's identifier too, not created in its context.
    found = seller.post(
        "/collective-identifiers/query", {**_window(), "collectiveIdentifierNumber": ident}
    )
    (item,) = found.json()["collectiveIdentifiers"]
    assert item["createdInCurrentContext"] is False


def test_query_filters_sorting_and_paging(
    shared: tuple[Sandbox, list[str], list[str]], seller: Api
) -> None:
    made = [
        seller.generate(shared[1][30 + i : 32 + i]).json()["collectiveIdentifierNumber"]
        for i in range(12)
    ]
    body = {
        **_window(),
        "invoiceCountFrom": 2,
        "invoiceCountTo": 2,
        "createdInCurrentContext": True,
    }
    seen = []
    token: str | None = None
    for _ in range(20):
        headers: dict[str, str] = {"x-continuation-token": token} if token else {}
        page = seller.post(
            "/collective-identifiers/query", body, params={"pageSize": 10}, headers=headers
        )
        assert page.status_code == 200, page.text
        data = page.json()
        assert len(data["collectiveIdentifiers"]) <= 10
        seen.extend(data["collectiveIdentifiers"])
        token = data.get("continuationToken")
        if not token:
            break
    numbers = [s["collectiveIdentifierNumber"] for s in seen]
    assert set(made) <= set(numbers)
    keys = [(s["dateCreated"], s["collectiveIdentifierNumber"]) for s in seen]
    assert keys == sorted(keys, reverse=True)
    assert all(s["invoiceCount"] == 2 for s in seen)
    too_wide = {
        "dateCreatedFrom": "2026-01-01T00:00:00Z",
        "dateCreatedTo": "2026-04-15T00:00:00Z",
    }
    assert error_code(seller.post("/collective-identifiers/query", too_wide)) == 21405
    assert error_code(seller.post("/collective-identifiers/query", {})) == 21405
    bad_token = seller.post(
        "/collective-identifiers/query", _window(), headers={"x-continuation-token": "%%%"}
    )
    assert error_code(bad_token) == 21418
    small = seller.post("/collective-identifiers/query", _window(), params={"pageSize": 5})
    assert error_code(small) == 21405


def test_lookups_refuse_malformed_and_unknown_identifiers(seller: Api) -> None:
    official = "1111111111-IZ202607-65ED02180000-E7"
    changed = official[:-1] + "8"
    for number in (official, changed):
        body = {"collectiveIdentifierNumbers": [number]}
        assert error_code(seller.post("/collective-identifiers/invoices", body)) == 21405
    assert error_code(seller.get("/collective-identifiers/ksef/XYZ")) == 21405


def test_the_lookup_of_api_2_7_0_is_gone(
    shared: tuple[Sandbox, list[str], list[str]], seller: Api
) -> None:
    """GET /collective-identifiers/{n}/invoices is not in 2.9.0: 404 as on the real server."""
    ident = seller.generate(shared[1][70:72]).json()["collectiveIdentifierNumber"]
    sb = shared[0]
    gone = httpx.get(
        f"{sb.base_url}/collective-identifiers/{ident}/invoices", headers=seller.http.headers
    )
    assert gone.status_code == 404


def test_api_2_7_0_mode_serves_the_old_lookup() -> None:
    with started(rate_limit_scale=None, api_version="2.7.0") as sb:
        numbers = accepted_numbers(sb, SELLER, 1, "C27")
        api = Api(sb, SELLER)  # answers checked against open-api.json 2.7.0
        try:
            response = api.generate(numbers)  # one invoice was enough in 2.7.0
            assert response.status_code == 201, response.text
            ident = response.json()["collectiveIdentifierNumber"]
            items = api.all_pages(f"/collective-identifiers/{ident}/invoices", "invoices")
            assert [i["ksefNumber"] for i in items] == numbers
            assert error_code(api.generate(numbers + numbers)) == 21405
        finally:
            api.close()


def test_an_invoice_belongs_to_at_most_132_identifiers_per_context() -> None:
    with started(rate_limit_scale=None) as sb:
        number, other = accepted_numbers(sb, SELLER, 2, "C132")
        api = Api(sb, SELLER)
        try:
            for _ in range(132):
                assert api.generate([number, other]).status_code == 201
            assert error_code(api.generate([number, other])) == 71002
            # Another context (the buyer) still has its own 132.
            buyer = Api(sb, BUYER)
            try:
                assert buyer.generate([number, other]).status_code == 201
            finally:
                buyer.close()
            back = api.all_pages(f"/collective-identifiers/ksef/{number}", "collectiveIdentifiers")
            assert len(back) == 133
        finally:
            api.close()


def test_generation_counts_in_the_collective_identifier_rate_limit_group(
    tmp_path: Path,
) -> None:
    state = tmp_path / "sandbox.json"
    with started(rate_limit_scale=None, state_file=state) as sb:
        numbers = accepted_numbers(sb, SELLER, 2, "CRL")
    # 10% of production: 2/s, 12/min, 24/h; whatever the timing, 25 tries exceed it.
    with started(rate_limit_scale=0.1, state_file=state) as sb:
        api = Api(sb, SELLER)
        try:
            limits = api.get("/rate-limits").json()
            assert limits["collectiveIdentifier"] == {
                "perSecond": 2,
                "perMinute": 12,
                "perHour": 24,
            }
            statuses = []
            for _ in range(25):
                statuses.append(api.generate(numbers).status_code)
                if statuses[-1] == 429:
                    break
            assert statuses[0] == 201
            assert statuses[-1] == 429
            # Since 2.9.0 the reads count in the same group: blocked as well.
            assert api.get(f"/collective-identifiers/ksef/{numbers[0]}").status_code == 429
        finally:
            api.close()


def test_identifiers_survive_a_restart_with_a_state_file(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with started(rate_limit_scale=None, state_file=state) as sb:
        numbers = accepted_numbers(sb, SELLER, 2, "CP")
        api = Api(sb, SELLER)
        ident = api.generate(numbers, payment={"amount": 10, "currency": "EUR"}).json()[
            "collectiveIdentifierNumber"
        ]
        api.close()
    with started(rate_limit_scale=None, state_file=state) as sb:
        api = Api(sb, SELLER)
        try:
            items = invoices_of(api, ident)
        finally:
            api.close()
    assert sorted(i["ksefNumber"] for i in items) == sorted(numbers)
    assert all(i["payment"] == {"amount": 10, "currency": "EUR"} for i in items)
