"""The session browser says when an accepted invoice's UPO has not come yet (issue 16):
``InvoiceLine.upo_pending``, shown next to the local state."""

from __future__ import annotations

from dataclasses import replace

from ksef_desktop import i18n
from ksef_desktop.services.sessions_sync import InvoiceLine
from ksef_desktop.ui.sessions_model import local_text

ACCEPTED = InvoiceLine(
    ordinal=1,
    invoice_number="FV/1",
    ksef_number="5265877635-20250826-0100001AF629-AF",
    status_code=200,
    explanation="",
    details="",
    local_id=7,
    local_state="accepted",
    missing_locally=False,
    missing_in_ksef=False,
    upo_stored=False,
)


def test_an_accepted_invoice_without_its_upo_says_so() -> None:
    assert ACCEPTED.upo_pending
    assert "UPO jeszcze nie dotarło" in local_text(ACCEPTED)
    i18n.set_language("en")
    assert local_text(ACCEPTED).endswith("UPO not received yet")


def test_with_its_upo_or_without_a_verdict_nothing_is_added() -> None:
    stored = replace(ACCEPTED, upo_stored=True)
    rejected = replace(ACCEPTED, status_code=450, ksef_number=None, local_state="rejected")
    for line in (stored, rejected):
        assert not line.upo_pending
        assert "UPO" not in local_text(line)
