"""Documents outside KSeF entered by hand for the monthly register (issue 19): kept per
profile, refused at entry time by the JPK domain's own checks (Polish and English), and
put into the month's file with their markers DI / BFK / OFF, counted in the control sums."""

from __future__ import annotations

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
from ksef_desktop.jpk.model import DeclarationInputs, Period
from ksef_desktop.jpk.schema import schema_errors
from ksef_desktop.services.jpk_entries import (
    NoSuchEntry,
    delete_entry,
    list_entries,
    parse_amount,
    parse_amounts,
    parse_day,
    save_entry,
)
from ksef_desktop.services.jpk_month import build_month, gather_month
from ksef_desktop.store import Store
from ksef_desktop.store.jpk_entries import RegisterEntry, Side
from ksef_desktop.store.profiles import Profile
from tests.unit.jpk_support import TAXPAYER, declaration, field, root, rows
from tests.unit.test_profile_queries import unscoped
from tests.unit.test_store_support import add_profile, make_store, sample_profile

D = Decimal
MARCH = Period(2026, 3)
NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
CREATED = datetime(2026, 4, 20, 10, 0, tzinfo=UTC)
SUPPLIER = "1111111111"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def purchase(**changes: object) -> RegisterEntry:
    base = RegisterEntry(
        side=Side.PURCHASE,
        period="2026-03",
        number="FZ/2026/03/7",
        issue_date=date(2026, 3, 4),
        other_date=date(2026, 3, 6),
        party_number=SUPPLIER,
        party_name="Hurtownia Papieru sp. z o.o.",
        ksef="BFK",
        amounts={"K_42": D("1000.00"), "K_43": D("230.00")},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def cash_report(**changes: object) -> RegisterEntry:
    base = RegisterEntry(
        side=Side.SALES,
        period="2026-03",
        number="RO/2026/03",
        issue_date=date(2026, 3, 31),
        party_number="BRAK",
        party_name="BRAK",
        ksef="DI",
        doc_type="RO",
        amounts={"K_19": D("2000.00"), "K_20": D("460.00")},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[Store, Profile]]:
    store = make_store(tmp_path)
    yield store, sample_profile(store)
    store.close()


def count(store: Store) -> int:
    return int(store.db.connection().execute("SELECT count(*) FROM jpk_entries").fetchone()[0])


def refused(store: Store, profile: Profile, entry: RegisterEntry) -> JpkError:
    before = count(store)
    with pytest.raises(JpkError) as caught:
        save_entry(store.db, entry, profile, now=NOW)
    assert count(store) == before  # nothing half-written
    return caught.value


# --- storage ---------------------------------------------------------------------------------


def test_an_entry_is_kept_exactly_and_changed_and_deleted(shop: tuple[Store, Profile]) -> None:
    store, profile = shop
    first = save_entry(store.db, purchase(ksef=" bfk ", party_country=" de "), profile, now=NOW)
    second = save_entry(store.db, cash_report(markers=frozenset({"gtu_06"})), profile, now=NOW)
    listed = list_entries(store.db, profile, MARCH)
    assert [e.id for e in listed] == [second, first]  # sales first, then purchases
    report, bought = listed
    assert bought.ksef == "BFK"
    assert bought.party_country == "DE"
    assert bought.amounts == {"K_42": D("1000.00"), "K_43": D("230.00")}
    assert str(bought.amounts["K_43"]) == "230.00"  # Decimal text, not a float
    assert report.markers == frozenset({"GTU_06"})
    assert report.doc_type == "RO"

    changed = replace(bought, amounts={"K_42": D("2000.00"), "K_43": D("460.00")})
    assert save_entry(store.db, changed, profile, now=NOW) == first
    assert list_entries(store.db, profile, MARCH)[1].amounts["K_43"] == D("460.00")

    delete_entry(store.db, first, profile)
    assert [e.id for e in list_entries(store.db, profile, MARCH)] == [second]
    with pytest.raises(NoSuchEntry):
        delete_entry(store.db, first, profile)
    with pytest.raises(NoSuchEntry):
        save_entry(store.db, replace(changed, number="other"), profile, now=NOW)


def test_entries_belong_to_their_profile(shop: tuple[Store, Profile]) -> None:
    store, profile = shop
    other = add_profile(store, "test")
    statements: list[str] = []
    conn = store.db.connection()
    conn.set_trace_callback(statements.append)
    try:
        entry_id = save_entry(store.db, purchase(), profile, now=NOW)
        assert list_entries(store.db, other, MARCH) == []
        with pytest.raises(NoSuchEntry):
            delete_entry(store.db, entry_id, other)
        gather_month(store, other, MARCH)
    finally:
        conn.set_trace_callback(None)
    assert any("jpk_entries" in s for s in statements)
    assert unscoped(statements) == []
    assert len(list_entries(store.db, profile, MARCH)) == 1
    with pytest.raises(sqlite3.IntegrityError, match="profile"):
        conn.execute(
            "INSERT INTO jpk_entries (side, period, number, issue_date, party_number, "
            "party_name, ksef, created_at, updated_at) VALUES "
            "('sales', '2026-03', 'X', '2026-03-01', 'BRAK', 'BRAK', 'DI', '', '')"
        )


# --- refused at entry time ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "polish"),
    [
        # A cash register report is not an invoice: register.check_sales wants DI.
        (cash_report(ksef="BFK"), "oznacz go DI"),
        (purchase(doc_type="WEW"), "oznacz go DI"),
        (purchase(amounts={"K_19": D("1.00")}), "K_19"),  # a sales field in a purchase
        (cash_report(amounts={"K_42": D("1.00")}), "K_42"),
        (purchase(amounts={"K_42": D("1.001")}), "1.001"),
        (purchase(amounts={"K_42": D("0.00")}), "K_"),  # nothing to report
        (purchase(ksef="5265877635-20260302-0100001AF629-AA"), "numerem KSeF"),
        (purchase(party_country="GR"), "EL"),
        (purchase(party_name="  "), "NazwaKontrahenta"),
        (purchase(number="x" * 257), "DowodZakupu"),
        (purchase(period="2026-01"), "2026"),  # before JPK_V7M(3)
        (purchase(period="2026-13"), "2026-13"),
        # Deducted no earlier than the month of receipt (art. 86 ust. 10b).
        (purchase(other_date=date(2026, 4, 1)), "DataWplywu"),
        (purchase(issue_date=date(2026, 4, 1), other_date=None), "DataZakupu"),
        (purchase(other_date=date(2026, 3, 1)), "przed"),
        (purchase(doc_type="RO"), "RO"),
        (cash_report(doc_type="VAT_RR"), "VAT_RR"),
        (cash_report(markers=frozenset({"GTU_14"})), "GTU_14"),
        (purchase(markers=frozenset({"TP"})), "TP"),
    ],
)
def test_what_would_make_a_wrong_file_is_refused_with_a_reason(
    shop: tuple[Store, Profile], entry: RegisterEntry, polish: str
) -> None:
    store, profile = shop
    error = refused(store, profile, entry)
    assert polish in error.text("pl")
    assert error.text("en") != error.text("pl")


def test_a_document_is_entered_once(shop: tuple[Store, Profile]) -> None:
    store, profile = shop
    save_entry(store.db, purchase(), profile, now=NOW)
    error = refused(store, profile, purchase(period="2026-04"))
    assert "FZ/2026/03/7" in error.text("pl")
    assert "2026-03" in error.text("pl")
    # the same number of another supplier is another document
    save_entry(store.db, purchase(party_number="2222222222"), profile, now=NOW)


def test_a_ksef_number_the_program_holds_is_not_entered_again(
    shop: tuple[Store, Profile],
) -> None:
    store, profile = shop
    number = make_ksef_number(SUPPLIER, date(2026, 3, 6), "0000000000C1")
    _add_purchase(store, number)
    error = refused(store, profile, purchase(ksef=number))
    assert number in error.text("pl")
    # a number the sync could not fetch is allowed (checked by its checksum)
    other = make_ksef_number(SUPPLIER, date(2026, 3, 6), "0000000000C2")
    save_entry(store.db, purchase(ksef=other, number="FZ/8"), profile, now=NOW)


def _add_purchase(store: Store, ksef: str, number: str = "ZAK/1") -> None:
    from ksef_desktop.domain.invoice import VatRate
    from ksef_desktop.store.purchases import ReceivedInvoice, add_purchase
    from tests.unit.jpk_support import line, purchase_fa3

    xml = purchase_fa3(line(VatRate.R23, "50.00"), number=number, issue_date=date(2026, 3, 1))
    moment = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    received = ReceivedInvoice(
        ksef_number=ksef, seller_nip=SUPPLIER, seller_name="Dostawca S.A.", number=number,
        kind="VAT", issue_date=date(2026, 3, 1), acquired_at=moment, stored_at=moment,
        net=D("50.00"), vat=D("11.50"), gross=D("61.50"), currency="PLN", xml=xml,
    )  # fmt: skip
    with store.db.transaction() as conn:
        add_purchase(conn, store.archive, received, profile_id=1, now=moment)


# --- hypothesis: bad input never gets in ---------------------------------------------------------


@SETTINGS
@given(
    st.one_of(
        st.text(max_size=12).filter(lambda t: not _is_number(t)),
        st.sampled_from(["NaN", "Infinity", "-inf", "1e5x", "", "1,2,3", "sNaN"]),
    )
)
def test_text_that_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(JpkError):
        parse_amount(text)
    with pytest.raises(JpkError):
        parse_amounts([f"K_42={text}"])


def _is_number(text: str) -> bool:
    try:
        parse_amount(text)
    except JpkError:
        return False
    return True


@SETTINGS
@given(
    st.one_of(
        # more than two decimals
        st.decimals(min_value=-(10**12), max_value=10**12, places=3).filter(
            lambda d: d != d.quantize(D("0.01"))
        ),
        # far beyond any amount, or below a grosz
        st.sampled_from([D("1E+30"), D("-1E+16"), D("1E-30"), D("-0.005")]),
        # beyond TKwotowy's 18 digits
        st.decimals(min_value=D(10) ** 16, max_value=D(10) ** 20, places=2),
    )
)
def test_amounts_out_of_the_register_are_refused(tmp_path_factory, value: Decimal) -> None:
    store = make_store(tmp_path_factory.mktemp("bad-amount"))
    try:
        profile = sample_profile(store)
        with pytest.raises(JpkError):
            save_entry(store.db, purchase(amounts={"K_42": value}), profile, now=NOW)
        assert count(store) == 0
    finally:
        store.close()


@SETTINGS
@given(st.text(max_size=12).filter(lambda t: not _is_day(t)))
def test_text_that_is_not_a_day_is_refused(text: str) -> None:
    with pytest.raises(JpkError) as caught:
        parse_day(text, "--date")
    assert "--date" in caught.value.text("pl")


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


@SETTINGS
@given(
    st.one_of(
        st.text(min_size=1, max_size=40),
        # a real number with one character changed: the checksum no longer holds
        st.tuples(st.integers(0, 34), st.sampled_from("0123456789ABCDEF")).map(
            lambda c: _mutated(c[0], c[1])
        ),
    )
)
def test_a_marker_that_is_no_ksef_number_is_refused(tmp_path_factory, text: str) -> None:
    from ksef_desktop.domain.identifiers import ksef_number_is_valid

    if text.strip().upper() in ("OFF", "BFK", "DI") or ksef_number_is_valid(text.strip()):
        return
    store = make_store(tmp_path_factory.mktemp("bad-number"))
    try:
        with pytest.raises(JpkError):
            save_entry(store.db, purchase(ksef=text), sample_profile(store), now=NOW)
        assert count(store) == 0
    finally:
        store.close()


def _mutated(position: int, char: str) -> str:
    good = make_ksef_number(SUPPLIER, date(2026, 3, 6), "0000000000C1")
    return good[:position] + char + good[position + 1 :]


# --- into the month's file ------------------------------------------------------------------------


def test_entries_go_into_the_file_with_their_markers_and_sums(
    shop: tuple[Store, Profile],
) -> None:
    store, profile = shop
    fetched = make_ksef_number(SUPPLIER, date(2026, 3, 6), "0000000000D1")
    _add_purchase(store, fetched)  # from the sync: 50.00 + 11.50
    not_fetched = make_ksef_number("2222222222", date(2026, 3, 9), "0000000000D2")
    entries = [
        cash_report(),  # DI, RO: 2000.00 + 460.00
        cash_report(  # BFK: an invoice issued outside KSeF, 8 %
            number="FV/R/1", doc_type=None, ksef="BFK", party_number="3333333333",
            party_name="Kupiec", amounts={"K_17": D("100.00"), "K_18": D("8.00")},
            other_date=date(2026, 3, 2), markers=frozenset({"GTU_12", "TP"}),
        ),
        purchase(),  # BFK, Polish supplier: 1000.00 + 230.00
        purchase(number="FZ/OFF/1", ksef="off", amounts={"K_42": D("10.00"), "K_43": D("2.30")}),
        purchase(  # a foreign supplier's paper invoice: no art. 106ga notice
            number="INV-77", party_number="123456789", party_country="DE",
            party_name="Lieferant GmbH", amounts={"K_42": D("40.00"), "K_43": D("9.20")},
        ),
        purchase(  # an internal document: DI, correction of input tax
            number="WEW/1", ksef="DI", doc_type="WEW", party_number="BRAK", party_name="BRAK",
            other_date=None, amounts={"K_44": D("-5.00")},
        ),
        purchase(number="FZ/9", ksef=not_fetched, party_number="2222222222",
                 amounts={"K_40": D("3000.00"), "K_41": D("690.00")}),
    ]  # fmt: skip
    for entry in entries:
        save_entry(store.db, entry, profile, now=NOW)
    save_entry(store.db, purchase(period="2026-04", number="APR/1"), profile, now=NOW)

    gathered = gather_month(store, profile, MARCH)
    assert [d.number for d in gathered.sales] == ["FV/R/1", "RO/2026/03"]
    assert len(gathered.purchases) == 1 + 5  # the synced one and the five of March
    made = build_month(store, profile, MARCH, TAXPAYER, DeclarationInputs(), created_at=CREATED)
    assert schema_errors(root(made.data)) == ()
    sold = {r["DowodSprzedazy"]: r for r in rows(made.data)}
    assert sold["RO/2026/03"]["DI"] == "1"
    assert sold["RO/2026/03"]["TypDokumentu"] == "RO"
    assert (sold["RO/2026/03"]["K_19"], sold["RO/2026/03"]["K_20"]) == ("2000.00", "460.00")
    assert sold["FV/R/1"]["BFK"] == "1"
    assert sold["FV/R/1"]["GTU_12"] == "1"
    assert sold["FV/R/1"]["TP"] == "1"
    assert sold["FV/R/1"]["DataSprzedazy"] == "2026-03-02"
    bought = {r["DowodZakupu"]: r for r in rows(made.data, "ZakupWiersz")}
    assert bought["FZ/2026/03/7"]["BFK"] == "1"
    assert bought["FZ/2026/03/7"]["DataWplywu"] == "2026-03-06"
    assert bought["FZ/OFF/1"]["OFF"] == "1"
    assert bought["INV-77"]["KodKrajuNadaniaTIN"] == "DE"
    assert bought["WEW/1"]["DI"] == "1"
    assert bought["WEW/1"]["DokumentZakupu"] == "WEW"
    assert bought["FZ/9"]["NrKSeF"] == not_fetched
    assert bought["ZAK/1"]["NrKSeF"] == fetched
    assert "APR/1" not in bought
    # PodatekNalezny: 460.00 + 8.00; PodatekNaliczony: 11.50 + 230.00 + 2.30 + 9.20 − 5.00
    # + 690.00 = 938.00 (K_41 of the fixed asset counts too).
    assert field(made.data, "t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny") == "468.00"
    assert field(made.data, "t:Ewidencja/t:ZakupCtrl/t:PodatekNaliczony") == "938.00"
    assert field(made.data, "t:Ewidencja/t:SprzedazCtrl/t:LiczbaWierszySprzedazy") == "2"
    assert field(made.data, "t:Ewidencja/t:ZakupCtrl/t:LiczbaWierszyZakupow") == "6"
    assert declaration(made.data)["P_44"] == "-5"

    outside = [n for n in made.documents.notices if n.code == "purchase-outside-ksef"]
    assert sorted(n.params["document"] for n in outside) == ["FZ/2026/03/7", "FZ/OFF/1"]
    polish = outside[0].text("pl")
    assert "art. 106ga" in polish
    assert "KSeF" in polish
    assert "art. 106ga" in outside[0].text("en")


def test_an_entry_the_sync_fetched_later_is_counted_once(shop: tuple[Store, Profile]) -> None:
    store, profile = shop
    number = make_ksef_number(SUPPLIER, date(2026, 3, 6), "0000000000E1")
    save_entry(store.db, purchase(ksef=number), profile, now=NOW)
    assert len(gather_month(store, profile, MARCH).purchases) == 1
    _add_purchase(store, number)  # the sync fetched it after all
    gathered = gather_month(store, profile, MARCH)
    assert [d.ksef for d in gathered.purchases] == [number]
    assert len(gathered.purchases) == 1
    (note,) = [n for n in gathered.notices if n.code == "entry-duplicate"]
    assert "FZ/2026/03/7" in note.text("pl")


def test_amounts_are_kept_in_grosze_and_zeros_are_left_out(shop: tuple[Store, Profile]) -> None:
    store, profile = shop
    amounts = {"K_42": D("1000"), "K_43": D("230.0"), "K_44": D("0")}
    save_entry(store.db, purchase(amounts=amounts), profile, now=NOW)
    (kept,) = list_entries(store.db, profile, MARCH)
    assert {k: str(v) for k, v in kept.amounts.items()} == {"K_42": "1000.00", "K_43": "230.00"}
    # a field that is no field of the register is refused even at zero
    error = refused(store, profile, purchase(number="X", amounts={"K_99": D(0), "K_42": D(1)}))
    assert "K_99" in error.text("pl")


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (date(2026, 4, 3), Period(2026, 3)),
        (date(2027, 1, 10), Period(2026, 12)),
        (date(2026, 2, 20), Period(2026, 2)),  # the first month of JPK_V7M(3)
        (date(2026, 1, 5), Period(2026, 2)),
    ],
)
def test_the_month_offered_is_the_one_whose_file_is_due(today: date, period: Period) -> None:
    from ksef_desktop.services.jpk_entries import previous_month

    assert previous_month(today) == period


@SETTINGS
@given(
    amount=st.decimals(allow_nan=True, allow_infinity=True),
    issued=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
)
def test_any_amount_and_date_is_kept_exactly_or_refused_with_a_reason(
    tmp_path_factory, amount: Decimal, issued: date
) -> None:
    """Never a traceback, never a half-written or rounded row: what is kept is what the
    file will carry."""
    store = make_store(tmp_path_factory.mktemp("any"))
    try:
        profile = sample_profile(store)
        entry = purchase(
            amounts={"K_42": amount, "K_43": D("1.00")}, issue_date=issued, other_date=None
        )
        problem = _saved_or_refused(store, profile, entry)
        if problem is not None:
            assert problem.text("pl")
            assert count(store) == 0
            return
        (kept,) = list_entries(store.db, profile, MARCH)
        assert kept.issue_date == issued
        assert issued <= date(2026, 3, 31)
        if amount:
            assert kept.amounts["K_42"] == amount
            assert kept.amounts["K_42"].as_tuple().exponent == -2
        else:
            assert "K_42" not in kept.amounts
    finally:
        store.close()


def _saved_or_refused(store: Store, profile: Profile, entry: RegisterEntry) -> JpkError | None:
    try:
        save_entry(store.db, entry, profile, now=NOW)
    except JpkError as exc:
        return exc
    return None
