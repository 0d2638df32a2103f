"""KSeF's session facts are said once (ksef/session_facts.py) and mean what the
protocol says: the API's spelling of a kind, and which status codes are final."""

from __future__ import annotations

import json
from pathlib import Path

from ksef_desktop.ksef.session_facts import FINAL_CODES, IN_PROGRESS, PROCESSED, SessionKind

OPENAPI = Path(__file__).resolve().parents[1] / "data" / "openapi" / "open-api.json"


def test_the_kinds_spell_as_the_api_does() -> None:
    assert [k.api for k in SessionKind] == ["Online", "Batch"]
    assert all(SessionKind.from_api(k.api) is k for k in SessionKind)
    assert str(SessionKind.ONLINE) == "online"  # as the store and the messages record it


def test_final_and_in_progress_codes_never_overlap() -> None:
    for kind, working in IN_PROGRESS.items():
        assert not working & FINAL_CODES, kind
    assert PROCESSED <= FINAL_CODES


def test_the_kinds_are_the_session_types_of_the_contract() -> None:
    spec = json.loads(OPENAPI.read_text(encoding="utf-8"))
    schema = spec["components"]["schemas"]["SessionType"]
    assert sorted(schema["enum"]) == sorted(k.api for k in SessionKind)
