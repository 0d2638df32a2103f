"""Latarnia: status and messages to AVAILABLE / MAINTENANCE / FAILURE / TOTAL_FAILURE."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.ksef.environments import sandbox
from ksef_desktop.ksef.errors import ProtocolError
from ksef_desktop.ksef.latarnia import (
    AVAILABLE,
    FAILURE,
    MAINTENANCE,
    TOTAL_FAILURE,
    fetch_messages,
    fetch_status,
    parse_status,
)
from ksef_desktop.ksef.transport import Transport
from tests.unit.test_ksef_transport import Reply, ScriptedServer


def _msg(
    event: int, category: str, type_: str, start: str, end: str | None, version: int = 1
) -> dict[str, object]:
    return {
        "id": f"m{event}-{version}",
        "eventId": event,
        "category": category,
        "type": type_,
        "title": "Awaria",
        "text": "Opis",
        "start": start,
        "end": end,
        "version": version,
        "published": start,
    }


def test_available_without_messages() -> None:
    a = parse_status({"status": "AVAILABLE", "messages": []})
    assert (a.status, a.event_start, a.event_end) == (AVAILABLE, None, None)
    assert a.describe() == "KSeF jest dostępny."


def test_failure_with_start_and_later_end() -> None:
    data = {
        "status": "FAILURE",
        "messages": [
            _msg(
                7,
                "MAINTENANCE",
                "MAINTENANCE_ANNOUNCEMENT",
                "2026-02-01T16:00:00+01:00",
                "2026-02-01T18:00:00+01:00",
            ),
            _msg(9, "FAILURE", "FAILURE_START", "2026-03-02T08:00:00+01:00", None, 1),
            _msg(
                9,
                "FAILURE",
                "FAILURE_END",
                "2026-03-02T08:00:00+01:00",
                "2026-03-03T12:30:00+01:00",
                2,
            ),
        ],
    }
    a = parse_status(data)
    assert a.status == FAILURE
    assert a.event_id == 9
    assert a.event_start == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert a.event_end == datetime(2026, 3, 3, 11, 30, tzinfo=UTC)


def test_ongoing_maintenance_has_no_end() -> None:
    a = parse_status(
        {
            "status": "MAINTENANCE",
            "messages": [
                _msg(3, "MAINTENANCE", "MAINTENANCE_ANNOUNCEMENT", "2026-02-01T16:00:00Z", None)
            ],
        }
    )
    assert a.status == MAINTENANCE
    assert a.event_end is None
    assert a.event_start == datetime(2026, 2, 1, 16, tzinfo=UTC)


@given(st.one_of(st.none(), st.integers(), st.text(), st.dictionaries(st.text(), st.text())))
def test_garbage_is_a_protocol_error(data: object) -> None:
    with pytest.raises(ProtocolError):
        parse_status(data)


def test_fetch_over_http() -> None:
    with ScriptedServer() as server, httpx.Client() as http:
        t = Transport(http, sandbox(server.url + "/v2"))
        server.script = [
            Reply(
                200,
                {
                    "status": "TOTAL_FAILURE",
                    "messages": [
                        _msg(1, "TOTAL_FAILURE", "FAILURE_START", "2026-05-05T10:00:00Z", None)
                    ],
                },
            ),
            Reply(200, [_msg(1, "TOTAL_FAILURE", "FAILURE_START", "2026-05-05T10:00:00Z", None)]),
        ]
        status = fetch_status(t, server.url + "/latarnia")
        messages = fetch_messages(t, server.url + "/latarnia")
    assert status.status == TOTAL_FAILURE
    assert "nie trzeba" in status.describe()
    assert [m.event_id for m in messages] == [1]
    assert [s.path for s in server.seen] == ["/latarnia/status", "/latarnia/messages"]
