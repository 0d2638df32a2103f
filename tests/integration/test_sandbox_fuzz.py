"""Hostile request bodies get a documented 4xx answer (checked against open-api.json by
the client hook), never a 500 or a dropped connection."""

from __future__ import annotations

import socket
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.contract.rawksef import authenticate, bearer, open_online, sample_body_keys
from tests.integration.conftest import SELLER, api_for, sample

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=60),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=12,
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _mutations(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The valid body with some fields replaced by anything, or dropped."""
    return st.fixed_dictionaries(
        {},
        optional={key: st.one_of(st.just(value), JSON) for key, value in valid.items()},
    )


def test_hostile_invoice_bodies() -> None:
    with Sandbox(SandboxConfig(nips=(SELLER,), rate_limit_scale=0)) as sb, api_for(sb) as client:
        access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        _, session = open_online(client, access)
        assert session is not None
        valid = session.invoice_body(sample(1))
        assert set(valid) == sample_body_keys()

        @FUZZ
        @given(body=_mutations(valid) | JSON)
        def run(body: Any) -> None:
            response = session.client.post(
                f"/sessions/online/{session.reference}/invoices",
                json=body,
                headers=bearer(access),
            )
            assert response.status_code in (202, 400), response.text

        run()


def test_hostile_auth_and_session_bodies() -> None:
    with Sandbox(SandboxConfig(nips=(SELLER,), rate_limit_scale=0)) as sb, api_for(sb) as client:
        access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]

        @FUZZ
        @given(
            path=st.sampled_from(["/auth/ksef-token", "/sessions/online", "/sessions/batch"]),
            body=JSON,
            raw=st.binary(max_size=50),
            use_raw=st.booleans(),
        )
        def run(path: str, body: Any, raw: bytes, use_raw: bool) -> None:
            headers = {**bearer(access), "Content-Type": "application/json"}
            if use_raw:
                response = client.post(path, content=raw, headers=headers)
            else:
                response = client.post(path, json=body, headers=headers)
            assert response.status_code == 400, response.text

        run()


def test_oversized_or_broken_framing_is_refused(sandbox: Sandbox) -> None:
    host, port = sandbox.server_url.removeprefix("http://").split(":")
    for head in (
        b"POST /v2/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n",
        b"POST /v2/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n",
        b"POST /v2/auth/challenge HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ):
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.sendall(head)
            answer = conn.recv(200)
        assert answer.startswith(b"HTTP/1.1 413 "), answer
