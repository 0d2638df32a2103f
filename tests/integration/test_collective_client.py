"""The client's collective-identifier functions against the sandbox; every request is
validated against open-api.json by the recorder of ``ksef_client``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ksef_desktop import i18n
from ksef_desktop.domain.collective import collective_identifier_is_valid
from ksef_desktop.ksef.collective import (
    CollectiveIdentifierInvoice,
    CollectiveIdentifierInvoicePayment,
    CollectiveIdentifiersQueryRequest,
    all_collective_identifier_invoices,
    all_collective_identifiers,
    all_collective_identifiers_of_invoice,
    collective_identifier_invoices,
    generate_collective_identifier,
    invoices_of_collective_identifiers,
)
from ksef_desktop.ksef.errors import RequestRejected
from ksef_desktop.ksef.messages import describe
from ksef_desktop.ksef.workflows import KsefClient
from ksef_desktop.sandbox import Sandbox
from tests.integration.client_support import ksef_client
from tests.integration.collective_support import (
    BUYER,
    SELLER,
    STRANGER,
    accepted_numbers,
    started,
)


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Sandbox, list[str], list[str]]]:
    with started(rate_limit_scale=None) as sb:  # API 2.9.0, as the Ministry's servers
        yield sb, accepted_numbers(sb, SELLER, 501, "CC"), accepted_numbers(sb, STRANGER, 1, "CD")


@pytest.fixture
def seller(world: tuple[Sandbox, list[str], list[str]]) -> Iterator[KsefClient]:
    with ksef_client(world[0].base_url, world[0].tokens[SELLER], nip=SELLER) as (client, _):
        yield client


def test_generate_list_and_look_up(
    world: tuple[Sandbox, list[str], list[str]], seller: KsefClient
) -> None:
    numbers = world[1][:3]
    pay = CollectiveIdentifierInvoicePayment(Decimal("2051.37"), "PLN")
    ident = generate_collective_identifier(
        seller.transport,
        [CollectiveIdentifierInvoice(numbers[0], pay, "raty"), numbers[1], numbers[2]],
    )
    assert collective_identifier_is_valid(ident)
    items = all_collective_identifier_invoices(seller.transport, ident)
    assert [i.ksef_number for i in items] == sorted(numbers, reverse=True)
    (first,) = [i for i in items if i.ksef_number == numbers[0]]
    assert first.payment == pay
    assert first.description == "raty"
    assert not any(i.details_hidden for i in items)
    # (the module's other tests may put the same invoices under identifiers of their own)
    back = all_collective_identifiers_of_invoice(seller.transport, numbers[1])
    (mine,) = [b for b in back if b.collective_identifier_number == ident]
    assert mine.created_in_current_context
    now = datetime.now(UTC)
    found = all_collective_identifiers(
        seller.transport,
        CollectiveIdentifiersQueryRequest(
            now - timedelta(hours=1), now + timedelta(hours=1), collective_identifier_number=ident
        ),
    )
    assert [(f.collective_identifier_number, f.invoice_count) for f in found] == [(ident, 3)]


def test_500_invoices_page_through_and_501_are_refused(
    world: tuple[Sandbox, list[str], list[str]], seller: KsefClient
) -> None:
    ident = generate_collective_identifier(seller.transport, world[1][:500])
    first = collective_identifier_invoices(seller.transport, ident, page_size=200)
    assert len(first.invoices) == 200
    assert first.continuation_token
    items = all_collective_identifier_invoices(seller.transport, ident)
    assert sorted(i.ksef_number for i in items) == sorted(world[1][:500])
    with pytest.raises(RequestRejected) as refused:
        generate_collective_identifier(seller.transport, world[1])
    assert refused.value.code == 21405


def test_refusals_carry_the_official_code_and_a_polish_sentence(
    world: tuple[Sandbox, list[str], list[str]], seller: KsefClient
) -> None:
    with pytest.raises(RequestRejected) as refused:
        generate_collective_identifier(seller.transport, [world[1][0], world[2][0]])
    assert refused.value.code == 71001
    i18n.set_language("pl")
    assert "identyfikatora zbiorczego" in describe(refused.value)
    i18n.set_language("en")
    assert "collective identifier" in describe(refused.value)


def test_hidden_payment_details_reach_the_client_as_such(
    world: tuple[Sandbox, list[str], list[str]], seller: KsefClient
) -> None:
    pay = CollectiveIdentifierInvoicePayment(Decimal("10.50"), "EUR")
    ident = generate_collective_identifier(
        seller.transport,
        [
            CollectiveIdentifierInvoice(world[1][40], pay),
            CollectiveIdentifierInvoice(world[1][41], pay),
        ],
    )
    sb = world[0]
    with ksef_client(sb.base_url, sb.tokens[STRANGER], nip=STRANGER) as (stranger, _):
        items = all_collective_identifier_invoices(stranger.transport, ident)
    assert len(items) == 2
    assert all(item.details_hidden and item.payment is None for item in items)
    with ksef_client(sb.base_url, sb.tokens[BUYER], nip=BUYER) as (buyer, _):
        items = all_collective_identifier_invoices(buyer.transport, ident)
    assert all(item.payment == pay and not item.details_hidden for item in items)


def test_invoices_of_many_identifiers_ten_a_call(
    world: tuple[Sandbox, list[str], list[str]],
) -> None:
    """POST /collective-identifiers/invoices takes at most 10 identifiers: 12 are asked
    in two calls, and every invoice is given to the identifier it belongs to."""
    sb, numbers = world[0], world[1]
    with ksef_client(sb.base_url, sb.tokens[SELLER], nip=SELLER) as (seller, rec):
        made = {
            generate_collective_identifier(
                seller.transport, numbers[100 + 2 * i : 102 + 2 * i]
            ): set(numbers[100 + 2 * i : 102 + 2 * i])
            for i in range(12)
        }
        asked = list(made)
        found = invoices_of_collective_identifiers(seller.transport, [*asked, asked[0]])
    assert list(found) == asked  # in the order asked, each once
    assert {ident: {i.ksef_number for i in items} for ident, items in found.items()} == made
    assert all(i.collective_identifier_number == ident for ident, v in found.items() for i in v)
    calls = [b for b in rec.bodies if "collectiveIdentifierNumbers" in b]
    assert [len(b["collectiveIdentifierNumbers"]) for b in calls] == [10, 2]
    assert rec.paths("GET") == [p for p in rec.paths("GET") if "/collective-identifiers/" not in p]
