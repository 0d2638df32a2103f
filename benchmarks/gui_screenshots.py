"""Screenshots of every panel, in Polish and in English, from the real widgets.

    H=$(mktemp -d); HOME=$H XDG_DATA_HOME=$H dbus-run-session -- sh -c \
      'echo | gnome-keyring-daemon --unlock --components=secrets >/dev/null;
       .venv/bin/python -m benchmarks.gui_screenshots [--out docs/screenshots]'

(a throwaway keyring, as ``./dev test`` uses, so the Sandbox's token can be stored).

Offscreen (``QWidget.grab()``): a fresh data folder with the demo company, the built-in
Sandbox, a few invoices issued offline (one on time, one due today, one overdue), then
a failure switched on in the Sandbox so the status bar and the banner show it. Also the
first-run wizard's pages, the settings dialog, and the main window with every text
stretched by 40 % (KSEF_DESKTOP_STRETCH), to look at layouts under long labels.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
from PySide6.QtWidgets import QApplication, QWidget

from benchmarks.gui_common import BUYERS, demo_invoice, issue_one, new_series
from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.offline import OfflineMode, invoice_deadline
from ksef_desktop.domain.offline_watch import Availability
from ksef_desktop.ui import stretch
from ksef_desktop.ui.app import Shell, application
from tests.unit.test_store_support import PID, open_profiled

SIZE = (1180, 640)


def wait(app: QApplication, done: Callable[[], bool], timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the window did not settle")
        app.processEvents()
        time.sleep(0.01)


def save(widget: QWidget, path: Path) -> None:
    QApplication.processEvents()
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(path)


def fill(data_dir: Path) -> None:
    store = open_profiled(data_dir)
    now = datetime.now(UTC)
    today = warsaw_date(now)
    try:
        series = new_series(store, now)
        plan = [
            (today, "1250.00", 0),
            (today - timedelta(days=1), "99.90", 1),
            (today - timedelta(days=6), "18450.00", 2),
        ]
        for day, price, buyer in plan:
            deadline = invoice_deadline(OfflineMode.OFFLINE24, day, []).due
            issue_one(
                store,
                series,
                demo_invoice(day, price, BUYERS[buyer]),
                lambda: now,
                mode="offline24",
                deadline=deadline,
            )
    finally:
        store.close()


def main_window_shots(lang: str, out: Path, stretched: bool = False) -> None:
    app = application()
    with tempfile.TemporaryDirectory(prefix="shots-") as tmp:
        data = Path(tmp)
        fill(data)
        shell = Shell(data, lang=lang)
        if stretched:
            stretch.set_stretch(True)
        # Declared offline24 until a failure is announced, so nothing is sent meanwhile.
        shell.ctx.settings["declared_offline24"] = True
        shell.apply_setup(shell.demo_setup())
        window = shell.open_main()
        controller = shell.controller
        assert controller is not None
        wait(app, lambda: controller.state.checked and shell.runner.is_idle())
        sandbox = shell.ctx.sandbox
        assert sandbox is not None
        server = sandbox.server_url
        end = datetime.now(UTC) + timedelta(hours=5)
        httpx.post(f"{server}/_sandbox/failure", json={"end": end.isoformat()}).raise_for_status()
        controller.declare_offline24(False)
        window.declare.setChecked(False)
        controller.check_now()
        wait(app, lambda: controller.state.availability is Availability.FAILURE)
        controller.reload()
        wait(app, lambda: window.offline.model.rowCount() == 3 and shell.runner.is_idle())
        window.resize(*SIZE)
        prefix = f"{lang}-stretched" if stretched else lang
        names = ["invoices", "sessions", "offline"]
        for i, name in enumerate(names):
            if stretched and name != "offline":
                continue
            window.tabs.setCurrentIndex(i)
            save(window, out / f"{prefix}-main-{name}.png")
        if not stretched:
            dialog = shell.open_settings()
            save(dialog, out / f"{lang}-settings.png")
            dialog.reject()
        shell.close()


def panel_shots(lang: str, out: Path) -> None:
    """The invoice list, the editor, the session browser and a collective identifier, with
    invoices KSeF accepted."""
    from dataclasses import replace
    from decimal import Decimal

    from ksef_desktop.domain.invoice import Line, VatRate
    from ksef_desktop.store.invoices import create_draft
    from ksef_desktop.store.states import InvoiceState

    app = application()
    with tempfile.TemporaryDirectory(prefix="shots-") as tmp:
        data = Path(tmp)
        shell = Shell(data, lang=lang)
        shell.apply_setup(shell.demo_setup())
        window = shell.open_main()
        controller = shell.controller
        assert controller is not None
        wait(app, lambda: controller.state.checked and shell.runner.is_idle())
        store = shell.ctx.store()
        now = datetime.now(UTC)
        today = warsaw_date(now)
        series = new_series(store, now)
        for i, price in enumerate(("1250.00", "99.90", "18450.00", "640.00")):
            issue_one(store, series, demo_invoice(today, price, BUYERS[i % 3]), lambda: now)
        controller.send_pending(None)
        conn = store.db.connection()
        wait(
            app,
            lambda: (
                conn.execute(
                    "SELECT count(*) FROM invoices WHERE state = ?", (InvoiceState.ACCEPTED.value,)
                ).fetchone()[0]
                == 4
            ),
        )
        draft_invoice = replace(
            demo_invoice(today, "150.00", BUYERS[1]),
            lines=(
                Line("Usługa programistyczna", VatRate.R23, Decimal(10), Decimal("150"), "godz."),
                Line("Książka „Podatki 2026”", VatRate.R5, Decimal(2), Decimal("49.90"), "szt."),
                Line("Catering", VatRate.R8, Decimal(1), Decimal("200"), "usł."),
            ),
        )
        with store.db.transaction() as tx:
            draft = create_draft(tx, draft_invoice, now=now, profile_id=PID)
        window.resize(*SIZE)
        panels = window.panels
        panels.invoices.apply_filter()
        wait(app, lambda: panels.invoices.model.rowCount() == 5 and shell.runner.is_idle())
        panels.invoices.table.resizeColumnsToContents()
        window.tabs.setCurrentWidget(panels.invoices)
        save(window, out / f"{lang}-invoice-list.png")
        editor = panels.open_editor(draft)
        assert editor is not None
        wait(app, lambda: editor.ready and shell.runner.is_idle())
        editor.resize(1180, 860)
        save(editor, out / f"{lang}-editor.png")
        editor.reject()
        window.tabs.setCurrentWidget(panels.sessions)
        panels.sessions.apply_filter()
        wait(app, lambda: panels.sessions.model.rowCount() >= 1 and shell.runner.is_idle())
        panels.sessions.table.selectRow(0)
        wait(app, lambda: panels.sessions.detail is not None and shell.runner.is_idle())
        panels.sessions.table.resizeColumnsToContents()
        panels.sessions.invoice_table.setWordWrap(False)
        panels.sessions.invoice_table.resizeColumnsToContents()
        save(window, out / f"{lang}-session-browser.png")
        accepted = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM invoices WHERE state = ? ORDER BY id LIMIT 3",
                (InvoiceState.ACCEPTED.value,),
            )
        ]
        dialog = panels.open_collective(accepted)
        wait(app, lambda: bool(dialog.identifier.text()) and shell.runner.is_idle())
        dialog.tree.expandAll()
        for column in range(dialog.tree.columnCount()):
            dialog.tree.resizeColumnToContents(column)
        dialog.resize(1000, 460)
        save(dialog, out / f"{lang}-collective.png")
        dialog.close()
        shell.close()


def wizard_shots(lang: str, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="shots-") as tmp:
        shell = Shell(Path(tmp), lang=lang)
        wizard = shell.open_wizard()
        wizard.resize(640, 460)
        for i, name in enumerate(["environment", "company", "token", "certificate"]):
            if i:
                wizard.next()
            save(wizard, out / f"{lang}-wizard-{i + 1}-{name}.png")
        wizard.hide()
        shell.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--panels-only", action="store_true", help="only the panels' shots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    application()
    for lang in ("pl", "en"):
        panel_shots(lang, args.out)
        if args.panels_only:
            continue
        main_window_shots(lang, args.out)
        wizard_shots(lang, args.out)
    if not args.panels_only:
        main_window_shots("pl", args.out, stretched=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
