"""The offline panel: its table model (qtmodeltester), the one countdown timer, alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush

from ksef_desktop.domain.offline import (
    Announcement,
    Deadline,
    DeadlineState,
    EventKind,
    OfflineMode,
    invoice_deadline,
)
from ksef_desktop.domain.offline_watch import Urgency, classify, describe_remaining
from ksef_desktop.services.ledger import OfflineRow
from ksef_desktop.ui.offline_model import COLOURS, COLUMNS, COUNTDOWN, OfflineTableModel
from ksef_desktop.ui.offline_panel import OfflinePanel

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # a Tuesday


def _row(i: int, mode: OfflineMode | None, deadline: Deadline | None, **kw) -> OfflineRow:
    return OfflineRow(
        invoice_id=i,
        number=f"FV/{i}/11/2026",
        buyer="Kontrahent Sp. z o.o.",
        gross=Decimal("1234.56"),
        currency="PLN",
        issued=date(2026, 11, 24),
        mode=mode,
        deadline=deadline,
        state="czeka",
        **kw,
    )


def _rows() -> list[OfflineRow]:
    failure = Announcement(EventKind.FAILURE, NOW - timedelta(hours=2), None, "7")
    ended = Announcement(EventKind.FAILURE, NOW - timedelta(days=9), NOW - timedelta(days=8))
    return [
        _row(
            1,
            OfflineMode.OFFLINE24,
            invoice_deadline(OfflineMode.OFFLINE24, date(2026, 11, 24), []),
        ),
        _row(
            2,
            OfflineMode.OFFLINE24,
            invoice_deadline(OfflineMode.OFFLINE24, date(2026, 11, 23), []),
        ),
        _row(
            3,
            OfflineMode.AWARIA,
            invoice_deadline(OfflineMode.AWARIA, date(2026, 11, 24), [failure]),
        ),
        _row(
            4,
            OfflineMode.OFFLINE24,
            invoice_deadline(OfflineMode.OFFLINE24, date(2026, 11, 20), [ended]),
            last_error="KSeF niedostępny",
        ),
        _row(5, None, None),
        _row(6, OfflineMode.AWARIA_CALKOWITA, Deadline(DeadlineState.NO_OBLIGATION)),
    ]


def test_the_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = OfflineTableModel(NOW)
    qtmodeltester.check(model)
    model.set_rows(_rows())
    qtmodeltester.check(model)
    model.set_now(NOW + timedelta(days=1))
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)


def test_countdowns_and_colours_follow_the_deadlines(qapp) -> None:
    model = OfflineTableModel(NOW)
    rows = _rows()
    model.set_rows(rows)
    assert model.rowCount() == len(rows)
    assert model.columnCount() == len(COLUMNS)
    assert model.headerData(COUNTDOWN, Qt.Orientation.Horizontal) == "Pozostało"
    for i, row in enumerate(rows):
        text = model.data(model.index(i, COUNTDOWN))
        brush = model.data(model.index(i, 0), Qt.ItemDataRole.BackgroundRole)
        if row.deadline is None:
            assert text == "—"
            assert brush is None
            continue
        urgency = classify(row.deadline, NOW)
        remaining = row.deadline.remaining(NOW)
        if remaining is not None:
            assert text == describe_remaining(remaining)
        if urgency in COLOURS:
            assert isinstance(brush, QBrush)
            assert brush.color() == COLOURS[urgency]
        else:
            assert brush is None
    urgencies = {classify(r.deadline, NOW) for r in rows if r.deadline is not None}
    assert {Urgency.MORE_THAN_24H, Urgency.LESS_THAN_24H, Urgency.OVERDUE} <= urgencies
    assert model.data(model.index(0, COLUMNS.index("Gross"))) == "1 234,56 zł"
    assert model.data(model.index(0, COLUMNS.index("Issued"))) == "24.11.2026"
    assert model.data(model.index(3, COLUMNS.index("Last failure"))) == "KSeF niedostępny"


def test_next_tick_is_the_next_minute_or_urgency_change(qapp) -> None:
    due = NOW + timedelta(hours=24, seconds=20)
    model = OfflineTableModel(NOW)
    model.set_rows([_row(1, OfflineMode.OFFLINE24, Deadline(DeadlineState.DUE, due))])
    tick = model.next_tick()
    assert tick is not None
    assert timedelta(seconds=19) < tick - NOW <= timedelta(seconds=21)
    model.set_now(tick)
    deadline = model.row(0).deadline
    assert deadline is not None
    assert classify(deadline, tick) is Urgency.LESS_THAN_24H


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def test_one_timer_rearms_and_alerts_once_per_urgency(qtbot) -> None:
    clock = Clock(NOW)
    panel = OfflinePanel(clock)
    qtbot.addWidget(panel)
    alerts: list[tuple[str, str]] = []
    panel.alert.connect(lambda title, text: alerts.append((title, text)))
    due = NOW + timedelta(hours=30)
    panel.set_rows([_row(1, OfflineMode.OFFLINE24, Deadline(DeadlineState.DUE, due))])
    assert panel.timer.isActive()
    assert 0 < panel.timer.remainingTime() <= 60_000
    assert alerts == []
    clock.moment = due - timedelta(hours=2)
    panel.tick()
    clock.moment += timedelta(minutes=1)
    panel.tick()
    assert len(alerts) == 1
    assert "24 godzin" in alerts[0][0]
    clock.moment = due + timedelta(seconds=1)
    panel.tick()
    assert len(alerts) == 2
    assert "minął" in alerts[1][0]
    assert not panel.timer.isActive() or panel.timer.remainingTime() <= 60_000
    assert "1 po terminie" in panel.summary.text()


def test_the_real_timer_fires_when_the_urgency_changes(qtbot) -> None:
    now = datetime.now(UTC)
    panel = OfflinePanel(lambda: datetime.now(UTC))
    qtbot.addWidget(panel)
    alerts: list[str] = []
    panel.alert.connect(lambda title, text: alerts.append(title))
    due = now + timedelta(hours=24, milliseconds=700)
    panel.set_rows([_row(9, OfflineMode.OFFLINE24, Deadline(DeadlineState.DUE, due))])
    assert alerts == []
    qtbot.waitUntil(lambda: bool(alerts), timeout=5_000)
    brush = panel.model.data(panel.model.index(0, 0), Qt.ItemDataRole.BackgroundRole)
    assert isinstance(brush, QBrush)
    assert brush.color() == COLOURS[Urgency.LESS_THAN_24H]


def test_send_now_asks_for_every_waiting_invoice(qtbot) -> None:
    panel = OfflinePanel(lambda: NOW)
    qtbot.addWidget(panel)
    requests: list[object] = []
    panel.send_requested.connect(requests.append)
    assert not panel.send.isEnabled()
    panel.set_rows(_rows())
    assert panel.send.isEnabled()
    qtbot.mouseClick(panel.send, Qt.MouseButton.LeftButton)
    assert requests == [None]


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_the_banner_says_why_the_program_went_offline(qtbot, lang) -> None:
    from ksef_desktop import i18n
    from ksef_desktop.domain.offline_watch import Availability
    from ksef_desktop.services.ksef_state import KsefState, decide_mode

    i18n.set_language(lang)
    panel = OfflinePanel(lambda: NOW)
    qtbot.addWidget(panel)
    panel.set_mode(decide_mode(KsefState(NOW, Availability.FAILURE, False), False))
    assert not panel.banner.isHidden()
    text = panel.banner.text()
    assert (
        ("Latarnia ogłasza awarię" in text)
        if lang == "pl"
        else ("announces a KSeF failure" in text)
    )
    panel.set_mode(decide_mode(KsefState(NOW, Availability.AVAILABLE, True), False))
    assert panel.banner.isHidden()
