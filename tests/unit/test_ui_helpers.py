"""The Qt-free helpers of the UI: formatting, settings, the stretch switch, KSeF state."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop import i18n
from ksef_desktop.domain.offline import EventKind, OfflineMode
from ksef_desktop.domain.offline_watch import Availability
from ksef_desktop.ksef.latarnia import LatarniaMessage
from ksef_desktop.services.ksef_state import KsefState, announcements_from, decide_mode
from ksef_desktop.ui import stretch
from ksef_desktop.ui.fields import SetupValues, nip_problem
from ksef_desktop.ui.formatting import fmt_date, fmt_moment, fmt_money, fmt_nip
from ksef_desktop.ui.settings import OPTIONS, Settings, UnknownSetting


def test_dates_and_amounts_are_polish() -> None:
    assert fmt_date(date(2026, 3, 7)) == "07.03.2026"
    assert fmt_money(Decimal("1234.56")) == "1 234,56 zł"
    assert fmt_money(Decimal("-1234567.5"), "EUR") == "-1 234 567,50 EUR"
    # 22:59:59 UTC in winter is 23:59:59 in Warsaw
    assert fmt_moment(datetime(2026, 11, 24, 22, 59, 59, tzinfo=UTC)) == "24.11.2026 23:59"
    assert fmt_nip("5265877635") == "526-587-76-35"


def test_settings_round_trip_and_refuse_unknown_keys(tmp_path: Path) -> None:
    s = Settings(tmp_path)
    assert s["environment"] == "sandbox"
    s["nip"] = "5265877635"
    s["availability_minutes"] = 3
    s.save()
    again = Settings(tmp_path)
    assert again["nip"] == "5265877635"
    assert again["availability_minutes"] == 3
    with pytest.raises(UnknownSetting):
        s["ksef_token"] = "secret"
    with pytest.raises(TypeError):
        s["availability_minutes"] = "five"
    if os.name == "posix":
        assert stat.S_IMODE(s.path.stat().st_mode) == 0o600


def test_no_declared_setting_is_a_secret() -> None:
    for opt in OPTIONS:
        assert "token" not in opt.key
        assert "key" not in opt.key
        assert "password" not in opt.key


def test_a_damaged_value_falls_back_to_its_default(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(json.dumps({"availability_minutes": "x"}))
    assert Settings(tmp_path)["availability_minutes"] == 5


def test_setup_values_never_show_the_token() -> None:
    values = SetupValues("test", "5265877635", "A", "B", "", token="very-secret-token")
    assert "very-secret-token" not in repr(values)


def test_nip_problems_are_explained() -> None:
    assert nip_problem("526-587-76-35") == ""
    assert "5265877636" in nip_problem("5265877636")
    assert nip_problem("")


@given(st.text(max_size=60))
def test_stretch_keeps_placeholders_and_only_grows(text: str) -> None:
    out = stretch.stretch(text)
    assert len(out) >= len(text)
    assert len(out) >= len(text) * 1.4
    # placeholders survive: formatting works the same
    template = "{n} " + text.replace("{", "").replace("}", "") + " {name}"
    assert stretch.stretch(template).format(n=1, name="X").startswith("1 ")


def test_stretch_switch_lengthens_every_translated_string() -> None:
    msg = "Settings"
    plain = i18n._(msg)
    stretch.set_stretch(True)
    try:
        assert stretch.is_stretched()
        longer = i18n._(msg)
        assert len(longer) >= len(plain) * 1.4
        assert i18n.ngettext("{n} day", "{n} days", 5).format(n=5).startswith("5 ")
    finally:
        stretch.set_stretch(False)
    assert i18n._(msg) == plain


def _message(event: int, version: int, kind: str, typ: str, start: str, end: str | None):
    return LatarniaMessage(
        id=f"{event}-{version}",
        event_id=event,
        category=kind,
        type=typ,
        title="",
        text="",
        start=datetime.fromisoformat(start),
        end=datetime.fromisoformat(end) if end else None,
        version=version,
        published=None,
    )


def test_announcements_take_the_newest_version_of_each_event() -> None:
    msgs = [
        _message(7, 1, "FAILURE", "FAILURE_START", "2026-11-24T08:00:00+00:00", None),
        _message(
            7, 2, "FAILURE", "FAILURE_END", "2026-11-24T08:00:00+00:00", "2026-11-24T10:00:00+00:00"
        ),
        _message(
            9,
            1,
            "MAINTENANCE",
            "MAINTENANCE_ANNOUNCEMENT",
            "2026-11-25T20:00:00+00:00",
            "2026-11-25T22:00:00+00:00",
        ),
        _message(11, 1, "INFO", "INFO", "2026-11-25T20:00:00+00:00", None),
    ]
    found = announcements_from(msgs)
    assert [(a.kind, a.event_id) for a in found] == [
        (EventKind.FAILURE, "7"),
        (EventKind.UNAVAILABILITY, "9"),
    ]
    assert found[0].end == datetime(2026, 11, 24, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("availability", "reachable", "declared", "mode", "automatic"),
    [
        (Availability.AVAILABLE, True, False, None, False),
        (Availability.AVAILABLE, True, True, OfflineMode.OFFLINE24, False),
        (Availability.FAILURE, False, True, OfflineMode.AWARIA, True),
        (Availability.MAINTENANCE, False, False, OfflineMode.OFFLINE, True),
        (None, False, False, OfflineMode.OFFLINE24, True),
        (Availability.TOTAL_FAILURE, False, False, OfflineMode.AWARIA_CALKOWITA, True),
    ],
)
def test_mode_decision(availability, reachable, declared, mode, automatic) -> None:
    state = KsefState(datetime(2026, 11, 24, tzinfo=UTC), availability, reachable)
    decision = decide_mode(state, declared)
    assert decision.mode == mode
    assert decision.automatic is automatic
    assert bool(decision.reason) is (mode is not None)


def test_an_unchecked_state_does_not_switch_modes() -> None:
    assert decide_mode(KsefState(), False).mode is None
