"""benchmarks/jpk_store.py runs on a tiny month and measures what it says it does: the
store it fills holds the invoices in the states it claims (the reverse-charge purchase
with its choice), and the file it times is valid with those rows, the self-assessed
tax of the reverse-charge purchase among the sales. Not a timed test (the figures are
in docs/BENCHMARKS.md)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.jpk_store import documents_in_memory, fill, measure
from ksef_desktop.domain.identifiers import ksef_number_is_valid
from ksef_desktop.jpk.schema import schema_errors
from tests.unit.jpk_support import root, rows


def test_the_store_benchmark_runs_on_twenty_sales_and_ten_purchases(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    filled = fill(folder, sales=20, purchases=10)
    try:
        report = measure(filled, 1, folder=folder)
        states = dict(
            filled.store.db.connection()
            .execute("SELECT state, count(*) FROM invoices GROUP BY state")
            .fetchall()
        )
        kept = filled.store.db.connection().execute("SELECT count(*) FROM purchases").fetchone()
        chosen = (
            filled.store.db.connection()
            .execute(
                "SELECT p.ksef_number, d.reverse_kind, d.reverse_rate FROM purchase_deductions d "
                "JOIN purchases p ON p.id = d.purchase_id"
            )
            .fetchall()
        )
        in_memory = documents_in_memory(filled)
    finally:
        filled.store.close()
    assert states == {"accepted": 18, "queued": 2}
    assert kept == (10,)
    data = report.made.data
    assert schema_errors(root(data)) == ()
    # The 10th purchase comes from template 9, a correction with a line at OO.
    (reverse_charged,) = filled.reverse_charged
    assert chosen == [(reverse_charged, "K_31", "23")]
    sales = rows(data)
    assert len(sales) == 21
    (own_tax,) = [r for r in sales if "K_31" in r]
    assert own_tax["NrKSeF"] == reverse_charged
    assert own_tax["K_32"] != "0.00"
    assert len(in_memory[0]) == 21  # the parts make the same rows
    assert sum("OFF" in r for r in sales) == 2
    assert all(ksef_number_is_valid(r["NrKSeF"]) for r in sales if "OFF" not in r)
    purchases = rows(data, "ZakupWiersz")
    assert len(purchases) == 10
    assert all(ksef_number_is_valid(r["NrKSeF"]) for r in purchases)
    assert (report.made.summary.sales_rows, report.made.summary.purchase_rows) == (21, 10)
    assert not [n for n in report.made.documents.notices if "unchosen" in n.code]
    labels = [label for label, _seconds in report.rows]
    assert labels[0].startswith("baseline")
    assert len(labels) == 7
    assert all(seconds > 0 for _label, seconds in report.rows)
    assert report.traced_peak > 0
    assert report.rss_growth_kib >= 0
