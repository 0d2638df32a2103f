"""The taxpayer's data kept per profile and the JPK_V7M files recorded per month (issue
19): a file made is recorded with its bytes and figures, the next file of the month is a
correction with its reason, P_39 defaults to the previous month's P_62, and nothing is
recorded when the file cannot be made or written."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.jpk.errors import JpkError
from ksef_desktop.jpk.model import DeclarationInputs, Organisation, Period
from ksef_desktop.jpk.schema import schema_errors
from ksef_desktop.services.jpk_month import (
    month_files,
    overview_month,
    previous_surplus,
    recorded_file,
    save_month,
    save_taxpayer,
    taxpayer_of,
)
from ksef_desktop.store.numbering import create_series
from tests.unit.jpk_support import SUPPLIER_NIP, TAXPAYER, declaration, field, root
from tests.unit.test_jpk_month import MARCH, Month
from tests.unit.test_store_support import PID, Clock, make_store, sample_profile

APRIL = Period(2026, 4)
NOW = datetime(2026, 4, 20, 10, 0, tzinfo=UTC)
COMPANY = Organisation("5265877635", "Wiśniewska i Wspólnicy sp.j.", "biuro@example.pl", "1471")


@pytest.fixture
def month(tmp_path: Path) -> Iterator[Month]:
    store = make_store(tmp_path)
    clock = Clock()
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=clock(), profile_id=PID)
    yield Month(store, sample_profile(store), clock, series)
    store.close()


def count(month: Month) -> int:
    row = month.store.db.connection().execute("SELECT count(*) FROM jpk_files").fetchone()
    return int(row[0])


# --- the taxpayer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "taxpayer", [TAXPAYER, replace(TAXPAYER, phone="+48 600 100 200"), COMPANY]
)
def test_the_taxpayer_is_kept_per_profile(month: Month, taxpayer: object) -> None:
    assert taxpayer_of(month.store, month.profile) is None
    save_taxpayer(month.store, month.profile, taxpayer, now=NOW)  # type: ignore[arg-type]
    assert taxpayer_of(month.store, month.profile) == taxpayer
    # Kept across a reopening of the store
    folder = month.store.data_dir
    month.store.close()
    from ksef_desktop.store import open_store

    month.store = open_store(folder)
    assert taxpayer_of(month.store, month.profile) == taxpayer


@pytest.mark.parametrize(
    ("changes", "polish"),
    [
        ({"tax_office": "9999"}, "9999"),
        ({"email": "nie-adres"}, "nie-adres"),
        ({"birth_date": date(2030, 1, 1)}, "2030-01-01"),
        ({"birth_date": date(1899, 12, 31)}, "1899-12-31"),
        ({"first_name": "   "}, "imię"),
        ({"nip": "9999999999"}, "9999999999"),
    ],
)
def test_a_wrong_taxpayer_is_refused_and_not_kept(
    month: Month, changes: dict[str, object], polish: str
) -> None:
    save_taxpayer(month.store, month.profile, TAXPAYER, now=NOW)
    wrong = replace(TAXPAYER, **changes)  # type: ignore[arg-type]
    with pytest.raises(JpkError) as caught:
        save_taxpayer(month.store, month.profile, wrong, now=NOW)
    assert polish in caught.value.text("pl").lower() or polish in caught.value.text("pl")
    assert caught.value.text("pl") != caught.value.text("en")
    assert taxpayer_of(month.store, month.profile) == TAXPAYER


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.text(min_size=0, max_size=6))
def test_only_codes_of_the_schema_are_tax_offices(month: Month, code: str) -> None:
    from ksef_desktop.jpk.schema import tax_offices

    taxpayer = replace(TAXPAYER, tax_office=code)
    if code in tax_offices():
        save_taxpayer(month.store, month.profile, taxpayer, now=NOW)
        assert taxpayer_of(month.store, month.profile) == taxpayer
    else:
        with pytest.raises(JpkError):
            save_taxpayer(month.store, month.profile, taxpayer, now=NOW)


# --- the files of a month ----------------------------------------------------------------


def test_a_month_made_then_corrected(month: Month) -> None:
    month.issue("offline24")
    made = save_month(month.store, month.profile, MARCH, TAXPAYER, now=NOW)
    data = made.file.data
    assert schema_errors(root(data)) == ()
    assert field(data, "t:Naglowek/t:CelZlozenia") == "1"
    record = made.record
    assert (record.period, record.correction) == (MARCH, False)
    assert record.sha256_hex == hashlib.sha256(data).hexdigest()
    assert recorded_file(month.store, month.profile, record.id) == data
    assert (record.sales_rows, record.purchase_rows) == (1, 0)
    assert str(record.tax_due) == field(data, "t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny")
    assert record.to_pay == Decimal(declaration(data)["P_51"])
    assert taxpayer_of(month.store, month.profile) == TAXPAYER  # kept with the file

    # The month has a file: the next one is a correction, which needs its reason.
    with pytest.raises(JpkError) as caught:
        save_month(month.store, month.profile, MARCH, TAXPAYER, now=NOW)
    assert "P_ORDZU" in caught.value.text("pl")
    assert count(month) == 1
    # Nor a first filing again unless asked for.
    with pytest.raises(JpkError) as caught:
        save_month(month.store, month.profile, MARCH, TAXPAYER, correction=False, now=NOW)
    assert "2026-03" in caught.value.text("pl")
    assert count(month) == 1

    month.issue("offline24")  # forgotten in the first file
    reason = "Pominięto fakturę wystawioną w trybie offline24."
    fixed = save_month(
        month.store, month.profile, MARCH, TAXPAYER,
        DeclarationInputs(correction_reason=reason), now=NOW,
    )  # fmt: skip
    data = fixed.file.data
    assert schema_errors(root(data)) == ()
    assert field(data, "t:Naglowek/t:CelZlozenia") == "2"
    assert field(data, "t:Deklaracja/t:PozycjeSzczegolowe/t:P_ORDZU") == reason
    assert fixed.record.correction
    assert fixed.record.reason == reason
    assert fixed.record.sales_rows == 2
    assert [f.correction for f in month_files(month.store, month.profile, MARCH)] == [False, True]

    again = save_month(
        month.store, month.profile, MARCH, TAXPAYER, correction=False, again=True, now=NOW
    )
    assert field(again.file.data, "t:Naglowek/t:CelZlozenia") == "1"
    assert field(again.file.data, "t:Deklaracja/t:PozycjeSzczegolowe/t:P_ORDZU") is None
    assert count(month) == 3


def test_the_surplus_is_carried_to_the_next_month(month: Month) -> None:
    # March: only a purchase, so the tax deductible is a surplus to carry (P_62 > 0).
    month.purchase(make_ksef_number(SUPPLIER_NIP, date(2026, 3, 5), "0000000000C1"), "ZAK/1")
    march = save_month(month.store, month.profile, MARCH, TAXPAYER, now=NOW)
    carried = declaration(march.file.data)["P_62"]
    assert Decimal(carried) > 0
    assert march.record.carried_forward == Decimal(carried)
    assert previous_surplus(month.store, month.profile, APRIL) == Decimal(carried)
    overview = overview_month(month.store, month.profile, APRIL)
    assert overview.surplus_carried == Decimal(carried)
    assert overview.carried_forward == Decimal(carried)  # April has nothing else
    assert not overview.made
    april = save_month(month.store, month.profile, APRIL, TAXPAYER, now=NOW)
    assert declaration(april.file.data)["P_39"] == carried
    # Given explicitly, P_39 is the user's.
    may = save_month(
        month.store, month.profile, Period(2026, 5), TAXPAYER,
        DeclarationInputs(surplus_carried=Decimal(0)), now=NOW,
    )  # fmt: skip
    assert "P_39" not in declaration(may.file.data) or declaration(may.file.data)["P_39"] == "0"
    assert overview_month(month.store, month.profile, APRIL).made


def test_a_file_that_cannot_be_written_leaves_no_record(month: Month, tmp_path: Path) -> None:
    def fail(data: bytes) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        save_month(month.store, month.profile, MARCH, COMPANY, now=NOW, write=fail)
    assert count(month) == 0
    assert taxpayer_of(month.store, month.profile) is None
    written: list[bytes] = []
    made = save_month(month.store, month.profile, MARCH, COMPANY, now=NOW, write=written.append)
    assert written == [made.file.data]


def test_a_file_made_is_never_changed(month: Month) -> None:
    made = save_month(month.store, month.profile, MARCH, TAXPAYER, now=NOW)
    conn = month.store.db.connection()
    with (
        pytest.raises(sqlite3.DatabaseError, match="never changed"),
        month.store.db.transaction() as tx,
    ):
        tx.execute("UPDATE jpk_files SET data = x'00' WHERE id = ?", (made.record.id,))
    with (
        pytest.raises(sqlite3.DatabaseError, match="never deleted"),
        month.store.db.transaction() as tx,
    ):
        tx.execute("DELETE FROM jpk_files")
    assert recorded_file(month.store, month.profile, made.record.id) == made.file.data
    assert conn.execute("SELECT count(*) FROM jpk_files").fetchone()[0] == 1


def test_the_files_belong_to_their_profile(month: Month) -> None:
    from tests.unit.test_store_support import add_profile

    save_month(month.store, month.profile, MARCH, TAXPAYER, now=NOW)
    other = add_profile(month.store, "test")
    assert month_files(month.store, other, MARCH) == []
    assert taxpayer_of(month.store, other) is None
    with pytest.raises(JpkError):
        recorded_file(month.store, other, month_files(month.store, month.profile, MARCH)[0].id)


def test_a_database_of_the_step_before_gets_the_tables(tmp_path: Path) -> None:
    """The step that adds the JPK tables, run over a database of the step before it with
    a profile and an invoice in it (found by what it makes, not by its number)."""
    from ksef_desktop.store.db import Database, user_version
    from ksef_desktop.store.profiles import ensure_profile
    from ksef_desktop.store.schema import MIGRATIONS

    step = next(i for i, m in enumerate(MIGRATIONS) if "jpk_files" in (m.__doc__ or ""))
    path = tmp_path / "old.sqlite3"
    old = Database(path, MIGRATIONS[:step])
    with old.transaction() as conn:
        profile = ensure_profile(conn, "sandbox", "5265877635", now=NOW)
    old.close_all()
    db = Database(path)
    try:
        assert db.migrated_from == step
        assert user_version(db.connection()) == len(MIGRATIONS)
        with db.transaction() as conn:
            from ksef_desktop.store.jpk_files import load_taxpayer, store_taxpayer

            store_taxpayer(conn, profile.id, TAXPAYER, now=NOW)
            assert load_taxpayer(conn, profile.id, TAXPAYER.nip) == TAXPAYER
        with (
            pytest.raises(sqlite3.DatabaseError, match="needs its profile"),
            db.transaction() as conn,
        ):
            conn.execute(
                "INSERT INTO jpk_files (profile_id, period, purpose, created_at, sha256_hex, "
                "data, sales_rows, purchase_rows, tax_due_minor, tax_deductible_minor) "
                "VALUES (NULL, '2026-03', 1, '', '', x'', 0, 0, 0, 0)"
            )
    finally:
        db.close_all()


def test_a_month_changed_after_its_file_says_so(month: Month) -> None:
    """The register moved after its file was made (here: an invoice issued late for the
    month): the overview says what changed and that a sent file needs a correction."""
    month.issue("offline24")
    made = save_month(month.store, month.profile, MARCH, TAXPAYER, now=NOW)
    unchanged = overview_month(month.store, month.profile, MARCH)
    assert "month-changed-since-file" not in [n.code for n in unchanged.documents.notices]

    month.issue("offline24")
    stale = overview_month(month.store, month.profile, MARCH)
    (notice,) = [n for n in stale.documents.notices if n.code == "month-changed-since-file"]
    text = notice.text("pl")
    assert "1 → 2" in text  # the sales rows
    assert f"{made.record.tax_due:.2f} → {stale.tax_due:.2f}" in text
    assert "korekt" in text

    # a correction made of the month as it is now: nothing to say any more
    save_month(
        month.store, month.profile, MARCH, TAXPAYER,
        DeclarationInputs(correction_reason="Pominięta faktura."), now=NOW,
    )  # fmt: skip
    fixed = overview_month(month.store, month.profile, MARCH)
    assert "month-changed-since-file" not in [n.code for n in fixed.documents.notices]


def test_a_corrected_surplus_asks_for_the_next_months_correction(month: Month) -> None:
    """March corrected after April was made: April's P_39 no longer is March's P_62."""
    month.purchase(make_ksef_number(SUPPLIER_NIP, date(2026, 3, 5), "0000000000C1"), "ZAK/1")
    save_month(month.store, month.profile, MARCH, TAXPAYER, now=NOW)
    april = save_month(month.store, month.profile, APRIL, TAXPAYER, now=NOW)
    used = declaration(april.file.data)["P_39"]
    codes = [n.code for n in overview_month(month.store, month.profile, APRIL).documents.notices]
    assert "surplus-moved" not in codes

    month.purchase(make_ksef_number(SUPPLIER_NIP, date(2026, 3, 6), "0000000000C2"), "ZAK/2")
    march = save_month(
        month.store, month.profile, MARCH, TAXPAYER,
        DeclarationInputs(correction_reason="Pominięty zakup."), now=NOW,
    )  # fmt: skip
    now_carried = declaration(march.file.data)["P_62"]
    assert Decimal(now_carried) > Decimal(used)
    overview = overview_month(month.store, month.profile, APRIL)
    (notice,) = [n for n in overview.documents.notices if n.code == "surplus-moved"]
    assert f"{used} zł" in notice.text("pl")
    assert f"{now_carried} zł" in notice.text("pl")
    assert "korekt" in notice.text("pl").lower()

    # April corrected with the new P_39 (its default): the chain holds again
    save_month(
        month.store, month.profile, APRIL, TAXPAYER,
        DeclarationInputs(
            surplus_carried=previous_surplus(month.store, month.profile, APRIL),
            correction_reason="Korekta nadwyżki z marca.",
        ),
        now=NOW,
    )  # fmt: skip
    codes = [n.code for n in overview_month(month.store, month.profile, APRIL).documents.notices]
    assert "surplus-moved" not in codes


def test_a_declaration_typed_is_counted_from_the_rows_gathered(month: Month) -> None:
    """``redeclare``: what ``overview_month`` gives for the same inputs, without reading
    the store again (the dialog's P_39 and refund fields)."""
    from ksef_desktop.services.jpk_month import redeclare

    month.purchase(make_ksef_number(SUPPLIER_NIP, date(2026, 3, 5), "0000000000C1"), "ZAK/1")
    month.issue("offline24")
    first = overview_month(month.store, month.profile, MARCH)
    inputs = DeclarationInputs(surplus_carried=Decimal(500))
    again = overview_month(month.store, month.profile, MARCH, inputs)
    counted = redeclare(first, inputs)
    assert counted == again
    assert counted.carried_forward != first.carried_forward  # the surplus moved it
