"""The editor shows fa3/semantic's warnings live, below the totals; they do not stop
issuing (an invoice the program can write is rarely wrong in law: the date of sale is
what a person can still get wrong)."""

from __future__ import annotations

import pytest

from ksef_desktop.ui.editor import EditorDialog
from tests.gui.panels_support import NOW, fill_line, type_polish_buyer
from tests.gui.test_editor_fields import type_date
from tests.unit.test_store_support import open_profiled, sample_profile

pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)


@pytest.fixture
def store(tmp_path, runner):
    s = open_profiled(tmp_path / "data")
    yield s
    assert runner.stop()  # no job of the worker may use the store closed under it
    s.close()


def test_a_late_date_of_sale_warns_but_does_not_stop_issuing(qtbot, runner, store):
    dialog = EditorDialog(
        runner, lambda: store, sample_profile(store), lambda: NOW, lambda day: (None, None),
        lambda: "http://127.0.0.1/qr",
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready)
    form = dialog.form
    type_polish_buyer(form)
    fill_line(qtbot, form, "Usługa programistyczna", "10", "150,00", "23%")
    assert form.valid, [p.text() for p in form.problems]
    assert form.warnings == []
    assert form.warnings_label.isHidden()

    # Issued on 20.11.2026 for a service of 3.09.2026: after the 15.10 deadline.
    type_date(form.sale.day, "03092026")
    assert [w.code for w in form.warnings] == ["timing"]
    assert form.warnings_label.isVisible()
    text = form.warnings_label.text()
    assert text.startswith("Ostrzeżenie: Fa/P_6: Faktura jest wystawiona 2026-11-20 (P_1)")
    assert "art. 106i ust. 1" in text
    assert dialog.issue_button.isEnabled()

    type_date(form.sale.day, "20112026")
    assert form.warnings == []
    assert form.warnings_label.isHidden()
