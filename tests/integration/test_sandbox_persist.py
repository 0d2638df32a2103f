"""State persisted to a JSON file survives a restart: keys, tokens, sessions, invoices."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ksef_desktop.sandbox import Sandbox
from tests.contract.rawksef import authenticate, bearer, mf_keys, open_online
from tests.integration.conftest import SELLER, api_for, sample


def test_restart_keeps_everything(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> None:
    path = tmp_path / "sandbox-state.json"
    first = sandbox_factory(state_file=path, rate_limit_scale=0)
    with api_for(first) as client:
        keys_before = {u: k.public_key_id for u, k in mf_keys(client).items()}
        tokens = authenticate(client, SELLER, first.tokens[SELLER])
        access = tokens["accessToken"]["token"]
        _, session = open_online(client, access)
        assert session is not None
        accepted = session.wait(session.send(sample(1)))
        token_before = first.tokens[SELLER]
        httpx.post(f"{first.server_url}/_sandbox/failure", json={"start": "2030-01-01T00:00:00Z"})
    first.stop()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == 1
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary leftovers

    second = sandbox_factory(state_file=path, rate_limit_scale=0)
    assert second.tokens[SELLER] == token_before
    with api_for(second) as client:
        assert {u: k.public_key_id for u, k in mf_keys(client).items()} == keys_before
        # The access token issued before the restart is still good.
        download = client.get(f"/invoices/ksef/{accepted['ksefNumber']}", headers=bearer(access))
        assert download.status_code == 200
        assert download.content == sample(1)
        session.client = client
        again = session.wait(session.send(sample(1)))
        assert again["status"]["code"] == 440
        assert again["status"]["extensions"]["originalKsefNumber"] == accepted["ksefNumber"]
        messages = httpx.get(f"{second.latarnia_url}/messages").json()
        assert [m["type"] for m in messages] == ["FAILURE_START"]
    state = second.accepted_state()
    assert [i["ksefNumber"] for i in state["nips"][SELLER]["accepted"]] == [accepted["ksefNumber"]]


def test_a_foreign_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"format": 99}', encoding="utf-8")
    from ksef_desktop.sandbox import SandboxConfig

    with pytest.raises(ValueError, match="format"):
        Sandbox(SandboxConfig(state_file=path)).start()


def test_unfinished_work_resumes_after_restart(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    first = sandbox_factory(state_file=path, rate_limit_scale=0, processing_delay=2)
    with api_for(first) as client:
        access = authenticate(client, SELLER, first.tokens[SELLER])["accessToken"]["token"]
        _, session = open_online(client, access)
        assert session is not None
        ref = session.send(sample(1))
        assert session.close().status_code == 204
    assert first.wait_persisted()  # the saver thread has written every change
    # Simulate a crash: the file is all that is left; the old worker is abandoned.
    data = path.read_bytes()
    first.stop()
    path.write_bytes(data)
    second = sandbox_factory(state_file=path, rate_limit_scale=0)
    assert second.wait_idle()
    with api_for(second) as client:
        session.client = client
        assert session.wait(ref)["status"]["code"] == 200
        assert session.wait_session()["status"]["code"] == 200
