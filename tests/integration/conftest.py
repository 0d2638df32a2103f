"""The sandbox fixtures every integration test builds on.

``sandbox``: a fresh sandbox on a free 127.0.0.1 port for one test (production rate
limits, NIPs 9999999999 - the seller of the official samples - and 5265877635).
``sandbox_factory(**overrides)``: the same with any SandboxConfig field changed.
``api`` / ``api_for(sb)``: an httpx client on ``base_url`` whose every /v2 answer is
checked against open-api.json (tests/contract/openapi.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.contract.openapi import contract

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "fa3-official"
SELLER = "9999999999"
OTHER_NIP = "5265877635"
DEFAULTS: dict[str, Any] = {"nips": (SELLER, OTHER_NIP), "port": 0}


def sample(number: int) -> bytes:
    """Official FA(3) sample number ``number`` (FA_3_Przykład_N.xml, any spelling)."""
    (path,) = [p for p in SAMPLES.glob("*.xml") if p.stem.lower() == f"fa_3_przykład_{number}"]
    return path.read_bytes()


def with_number(data: bytes, number: str) -> bytes:
    """The same invoice with another P_2 (so it is not a duplicate)."""
    return re.sub(rb"<P_2>[^<]*</P_2>", f"<P_2>{number}</P_2>".encode(), data, count=1)


def with_issue_date(data: bytes, day: str) -> bytes:
    return re.sub(rb"<P_1>[^<]*</P_1>", f"<P_1>{day}</P_1>".encode(), data, count=1)


@dataclass
class ManualClock:
    """A clock tests move by hand (SandboxConfig.clock)."""

    moment: datetime

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture(scope="session", autouse=True)
def _no_token_left_behind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """When the session ends (in each pytest-xdist worker, whatever ran last there), no
    KSeF token handed to the suite is in a file it left behind or in the client's log."""
    from tests.integration.client_support import LOG_FILE, SEEN_SECRETS, leaked_tokens

    yield
    if not SEEN_SECRETS:
        return  # no client test ran in this session
    assert LOG_FILE.stat().st_size > 0, "the client's log was captured"
    leaks = leaked_tokens(tmp_path_factory.getbasetemp(), SEEN_SECRETS, LOG_FILE)
    assert not leaks, f"a KSeF token was left in {leaks}"
    LOG_FILE.unlink()  # checked: nothing of ours stays behind in /tmp


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    started: list[Sandbox] = []

    def make(**overrides: Any) -> Sandbox:
        sb = Sandbox(SandboxConfig(**{**DEFAULTS, **overrides})).start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory()


def api_for(sb: Sandbox, **kwargs: Any) -> httpx.Client:
    """A client whose every /v2 answer is checked against the open-api.json of the API
    version the sandbox serves (2.9.0 unless it was started with api_version="2.7.0")."""
    return httpx.Client(
        base_url=sb.base_url,
        event_hooks={"response": [contract(sb.config.api_version).check_response]},
        timeout=30,
        **kwargs,
    )


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with api_for(sandbox) as client:
        yield client


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How much of open-api.json the suite's sandbox answers were checked against."""
    checked = contract().checked + contract("2.7.0").checked
    if checked:
        terminalreporter.write_line(
            f"open-api.json: {sum(checked.values())} sandbox answers validated, "
            f"{len(checked)} operation/status pairs "
            f"({len({(m, t) for m, t, _ in checked})} operations)"
        )
