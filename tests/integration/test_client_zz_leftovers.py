"""Runs last (file order): no KSeF token used by the suite is in any file it left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.client_support import LOG_FILE, SEEN_SECRETS


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_no_token_in_tmp_dirs_or_logs(tmp_path_factory: pytest.TempPathFactory) -> None:
    if not SEEN_SECRETS:
        pytest.skip("no client integration test ran in this session")
    base = tmp_path_factory.getbasetemp()
    files = [*_files(base), LOG_FILE]
    assert LOG_FILE.stat().st_size > 0, "the client's log was captured"
    leaks = []
    for path in files:
        data = path.read_bytes()
        for secret in SEEN_SECRETS:
            if secret.encode() in data:
                leaks.append(str(path))
    assert not leaks
    LOG_FILE.unlink()  # checked: nothing of ours stays behind in /tmp
