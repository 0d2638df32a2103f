"""Issue 15 item 1 as a user met it: an event over before the invoice was issued (Sandbox).

Announce a failure (or a total failure) in the Sandbox, end it, declare offline24 and
issue the same day: the deadline the editor stores is the next business day after the
issue date, not 7 business days after the failure, and never "no obligation".
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from ksef_desktop.domain.calendar import next_business_day, warsaw_date
from ksef_desktop.domain.offline import Deadline, DeadlineState, OfflineMode
from ksef_desktop.domain.offline_watch import Availability
from tests.gui.helpers import wait_ready


@pytest.mark.parametrize("kind", ["failure", "total-failure"])
def test_an_event_ended_before_the_issue_does_not_touch_an_offline24_invoice(
    qtbot, make_shell, kind: str
) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    controller = shell.controller
    assert controller is not None
    server = shell.ctx.sandbox.server_url
    httpx.post(f"{server}/_sandbox/{kind}", json={}).raise_for_status()
    controller.check_now()
    announced = Availability.FAILURE if kind == "failure" else Availability.TOTAL_FAILURE
    qtbot.waitUntil(lambda: controller.state.availability is announced, timeout=15_000)
    httpx.post(f"{server}/_sandbox/failure/end", json={}).raise_for_status()
    controller.check_now()
    qtbot.waitUntil(lambda: controller.state.availability is Availability.AVAILABLE, timeout=15_000)
    qtbot.waitUntil(
        lambda: any(a.end is not None for a in controller.state.announcements), timeout=15_000
    )
    controller.declare_offline24(True)

    today = warsaw_date(datetime.now(UTC))
    mode, deadline = controller.terms_for(today)

    assert mode is OfflineMode.OFFLINE24
    # The day-based code gave the 7th business day after today (failure) or no obligation
    # (total failure): the event ended today, before this moment.
    assert deadline == Deadline.on(next_business_day(today))
    assert deadline.state is DeadlineState.DUE
