"""A damaged database (issue 22, item 6): the window says so and offers to restore the
last backup; restoring it brings the invoices back, every hash checked first."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ksef_desktop.store.backup import create_backup
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.profiles import find_profile
from tests.gui.helpers import wait_ready
from tests.unit.test_store_support import sample_invoice


def test_a_damaged_database_offers_the_backup_and_restores_it(
    qtbot, make_shell, tmp_path: Path
) -> None:
    first = make_shell(data_dir=tmp_path / "data")
    wait_ready(qtbot, first)
    store = first.ctx.store()
    profile = first.controller.profile
    assert profile is not None
    with store.db.transaction() as conn:
        create_draft(conn, sample_invoice(buyer="Kopia Zapasowa"), profile_id=profile.id,
                     now=datetime.now(UTC))  # fmt: skip
    backup = create_backup(store, tmp_path / "kopia.zip", now=datetime.now(UTC))
    first.close()
    (tmp_path / "data" / "ksef-desktop.sqlite3").write_bytes(b"\x00garbage" * 1000)

    shell = make_shell(data_dir=tmp_path / "data", setup=False)
    shell.start()
    window = shell.window
    assert window is not None
    qtbot.waitUntil(lambda: window.restore_box is not None, timeout=15_000)
    box = window.restore_box
    assert box is not None
    assert "uszkodzona" in box.text()
    assert "Przywróć" in " ".join(b.text() for b in box.buttons())
    box.close()
    window.restore_from(str(backup))  # what "Restore a backup…" does with the file chosen
    qtbot.waitUntil(lambda: shell.controller.profile is not None, timeout=30_000)
    wait_ready(qtbot, shell)
    conn = shell.ctx.store().db.connection()
    restored = find_profile(conn, "sandbox", profile.nip)
    assert restored is not None
    buyers = [r[0] for r in conn.execute("SELECT buyer_name FROM invoices")]
    assert "Kopia Zapasowa" in buyers
    qtbot.waitUntil(lambda: window.panels.invoices.model.rowCount() >= 1, timeout=15_000)
