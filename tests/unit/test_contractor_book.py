"""The contractor use cases the window calls (services/contractor_book): each one
transaction on a real store, kept apart per company."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from ksef_desktop.services import contractor_book
from tests.unit.test_store_support import SELLER_NIP, make_store, sample_invoice

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OTHER_NIP = "7010002137"


def test_keep_save_and_delete_show_in_the_company_list_only(tmp_path) -> None:
    store = make_store(tmp_path)
    buyer = sample_invoice().buyer
    listed = contractor_book.keep(store, buyer, company_nip=SELLER_NIP, now=NOW)
    assert [c.party.name for c in listed] == [buyer.name]
    assert contractor_book.contractors(store, company_nip=OTHER_NIP) == []

    renamed = replace(buyer, name="Żabka Polska S.A.")
    contractor_book.save(
        store, renamed, company_nip=SELLER_NIP, now=NOW, contractor_id=listed[0].id
    )
    again = contractor_book.contractors(store, company_nip=SELLER_NIP, text="S.A.")
    assert [(c.id, c.party.name) for c in again] == [(listed[0].id, "Żabka Polska S.A.")]

    contractor_book.delete(store, listed[0].id, company_nip=SELLER_NIP)
    assert contractor_book.contractors(store, company_nip=SELLER_NIP) == []


def test_the_list_is_capped(tmp_path) -> None:
    store = make_store(tmp_path)
    buyer = sample_invoice().buyer
    for n in range(3):
        contractor_book.save(
            store, replace(buyer, name=f"Firma {n}"), company_nip=SELLER_NIP, now=NOW
        )
    assert len(contractor_book.contractors(store, company_nip=SELLER_NIP, limit=2)) == 2
