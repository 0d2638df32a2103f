"""Stores filled with real invoices for the panels' tests (drafts, issued, accepted)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store import Store, open_store
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from tests.unit.test_store_support import sample_invoice

BUYERS = ("Żabka Polska sp. z o.o.", "Orlen S.A.", "Biedronka Jeronimo", "Łódzka Spółdzielnia")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def fill(root: Path, drafts: int, issued: int = 0) -> Store:
    """A store under ``root`` with ``drafts`` drafts and ``issued`` issued (queued) invoices."""
    store = open_store(root)
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{n}", now=NOW)
        for i in range(drafts):
            day = date(2026, 1, 1) + timedelta(days=i % 300)
            invoice = sample_invoice(
                buyer=BUYERS[i % len(BUYERS)], day=day, price=f"{10 + (i * 37) % 900}.{i % 100:02d}"
            )
            create_draft(conn, invoice, now=NOW)
    for i in range(issued):
        with store.db.transaction() as conn:
            draft = create_draft(
                conn, sample_invoice(buyer=BUYERS[i % 4], price=f"{100 + i}.00"), now=NOW
            )
        issue_invoice(
            store.db, store.archive, draft, now=lambda: NOW, series_id=series, mode=None,
            deadline=None,
        )  # fmt: skip
    return store


def type_text(widget, text: str) -> None:
    """Type ``text`` into ``widget`` key by key (Polish letters too).

    ``QTest.keyClicks`` handles ASCII only (Qt asserts on other characters); those are
    sent as key events carrying their text, as an input method delivers them.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    for char in text:
        if char.isascii():
            QTest.keyClicks(widget, char)
        else:
            QTest.sendKeyEvent(
                QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, char,
                Qt.KeyboardModifier.NoModifier,
            )  # fmt: skip
