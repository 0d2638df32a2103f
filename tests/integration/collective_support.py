"""Helpers of the collective-identifier integration tests: accepted invoices in a sandbox
(sent with the app's client, by batch when many) and raw, contract-checked API access."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.contract.rawksef import authenticate, bearer
from tests.integration.client_support import SEEN_SECRETS, invoices, ksef_client
from tests.integration.conftest import api_for

SELLER = "9999999999"  # seller of the official sample
BUYER = "1111111111"  # buyer (Podmiot2) of the official sample
STRANGER = "5265877635"  # a third taxpayer, party of none of SELLER's invoices
NIPS = (SELLER, BUYER, STRANGER)


def accepted_numbers(sb: Sandbox, nip: str, count: int, tag: str) -> list[str]:
    """Send ``count`` new invoices of seller ``nip``; their KSeF numbers, in order."""
    batch = invoices(count, nip=nip, tag=tag)
    with ksef_client(sb.base_url, sb.tokens[nip], nip=nip) as (client, _rec):
        results = client.send(batch, fetch_upo=False)
    numbers = [r.ksef_number for r in results]
    assert all(numbers), [r.rejection() for r in results if not r.ksef_number]
    return [n for n in numbers if n]


@contextmanager
def started(**config: Any) -> Iterator[Sandbox]:
    config.setdefault("nips", NIPS)
    config.setdefault("port", 0)
    with Sandbox(SandboxConfig(**config)) as sb:
        SEEN_SECRETS.update(sb.tokens.values())
        yield sb


class Api:
    """Raw calls of one context, every /v2 answer validated against open-api.json."""

    def __init__(self, sb: Sandbox, nip: str) -> None:
        self.http = api_for(sb)
        self.access = authenticate(self.http, nip, sb.tokens[nip])["accessToken"]["token"]

    def close(self) -> None:
        self.http.close()

    def generate(self, numbers: list[str], **extra: Any) -> httpx.Response:
        items = [{"ksefNumber": n, **extra} for n in numbers]
        return self.post("/collective-identifiers", {"invoices": items})

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        headers = {**bearer(self.access), **kwargs.pop("headers", {})}
        return self.http.post(path, json=body, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**bearer(self.access), **kwargs.pop("headers", {})}
        return self.http.get(path, headers=headers, **kwargs)

    def all_pages(self, path: str, key: str, page_size: int = 200) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        token: str | None = None
        for _ in range(100):
            headers = {"x-continuation-token": token} if token else {}
            response = self.get(path, params={"pageSize": page_size}, headers=headers)
            assert response.status_code == 200, response.text
            body = response.json()
            out.extend(body[key])
            token = body.get("continuationToken")
            if not token:
                return out
        raise AssertionError("paging never ended")


def error_code(response: httpx.Response) -> int:
    assert response.status_code == 400, response.text
    return int(response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"])
