"""The scan behind "no KSeF token is left in a file" (``client_support.leaked_tokens``,
run when each test session ends): it finds a token wherever it was written, and passes
over the Sandbox's own state, which keeps the tokens it issued as KSeF would."""

from __future__ import annotations

import json
from pathlib import Path

from ksef_desktop.sandbox.persist import FORMAT, TEMP_PREFIX
from tests.integration.client_support import leaked_tokens

TOKEN = "20261206-EC-0123456789-ABCDEF0123-45|nip-5265877635|" + "f" * 64


def test_a_token_in_any_file_is_found(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "settings.json").write_text(json.dumps({"token": TOKEN}))
    (tmp_path / "log.txt").write_text(f"Authorization: Bearer {TOKEN}\n")
    (tmp_path / "clean.txt").write_text("nothing here\n")
    log = tmp_path / "client.log"
    log.write_text("POST /v2/auth/ksef-token 202\n")
    found = leaked_tokens(tmp_path, {TOKEN}, log)
    assert sorted(Path(p).name for p in found) == ["log.txt", "settings.json"]


def test_the_sandboxs_own_state_is_not_a_leak(tmp_path: Path) -> None:
    (tmp_path / "sandbox.json").write_text(json.dumps({"format": FORMAT, "state": [TOKEN]}))
    (tmp_path / f"{TEMP_PREFIX}x.json").write_text(json.dumps({"half": TOKEN}))
    assert leaked_tokens(tmp_path, {TOKEN}) == []
    # a JSON file that merely looks like it is still a leak
    (tmp_path / "copy.json").write_text(json.dumps({"format": "other", "state": [TOKEN]}))
    assert [Path(p).name for p in leaked_tokens(tmp_path, {TOKEN})] == ["copy.json"]


def test_a_file_gone_during_the_scan_is_no_leak(tmp_path: Path, monkeypatch) -> None:
    """A database's -wal file may vanish between the listing and the reading (a program
    still closing): it left nothing behind."""
    wal = tmp_path / "cache.sqlite3-wal"
    wal.write_text(TOKEN)
    kept = tmp_path / "kept.txt"
    kept.write_text(TOKEN)
    listing = Path.rglob

    def vanishing(self: Path, pattern: str):
        found = list(listing(self, pattern))
        wal.unlink()
        return iter(found)

    monkeypatch.setattr(Path, "rglob", vanishing)
    assert [Path(p).name for p in leaked_tokens(tmp_path, {TOKEN})] == ["kept.txt"]
