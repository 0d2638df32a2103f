"""Online sessions against the sandbox: 1, 10 and 200 invoices, rejections, UPO."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ksef_desktop.domain.identifiers import ksef_number_is_valid
from ksef_desktop.fa3.xmlsafe import parse_untrusted
from ksef_desktop.ksef.crypto import sha256_b64
from ksef_desktop.ksef.errors import NetworkError
from ksef_desktop.ksef.sending import InvoiceToSend
from ksef_desktop.ksef.workflows import ONLINE
from tests.integration.client_support import (
    NIP,
    control,
    invoice_bytes,
    invoices,
    ksef_client,
    needs_sandbox,
    running_sandbox,
    sandbox_accepted,
    sandbox_rejected,
)

pytestmark = needs_sandbox

UPO = "{http://upo.schematy.mf.gov.pl/KSeF/v4-3}"


@pytest.fixture
def sb() -> Iterator[Any]:
    with running_sandbox(rate_limit_scale=10.0) as sandbox:
        yield sandbox


def _upo_numbers(content: bytes) -> set[str]:
    root = parse_untrusted(content)
    return {e.text or "" for e in root.iter(f"{UPO}NumerKSeFDokumentu")}


@pytest.mark.parametrize("count", [1, 10, 200])
def test_invoices_sent_online_get_numbers_and_upo(sb: Any, count: int) -> None:
    batch = invoices(count, tag=f"ON{count}")
    with ksef_client(sb.base_url, sb.tokens[NIP]) as (client, rec):
        report = client.send_report(batch)
    assert [r.name for r in report.results] == [i.name for i in batch]
    numbers = [r.ksef_number for r in report.results]
    assert all(n and ksef_number_is_valid(n) and n.startswith(NIP) for n in numbers)
    assert len(set(numbers)) == count
    # the auto choice: with limits 10x production, `count` fits in a minute -> online
    assert all("/sessions/online" in p for p in rec.paths("POST") if "/sessions/" in p)
    accepted = sandbox_accepted(sb)
    for inv, result in zip(batch, report.results, strict=True):
        assert result.invoice_hash == sha256_b64(inv.content)
        assert accepted.get(result.ksef_number or "") == result.invoice_hash
        assert result.upo is not None
        assert result.upo.sha256 == sha256_b64(result.upo.content)
        assert result.ksef_number in _upo_numbers(result.upo.content)
    (session,) = report.sessions
    assert session.kind == ONLINE
    assert session.status.code == 200
    in_session_upo = set().union(*(_upo_numbers(p.content) for p in session.upo_pages))
    assert in_session_upo == set(numbers)


def test_rejected_invoices_come_back_with_code_and_message(sb: Any) -> None:
    good = invoices(1, tag="OK")[0]
    other_seller = InvoiceToSend("other-seller.xml", invoice_bytes("1111111111", "REJ/410/1"))
    broken = InvoiceToSend(
        "broken.xml",
        invoice_bytes(NIP, "REJ/430/1")
        .replace(b"<P_1>", b"<P_1X>", 1)
        .replace(b"</P_1>", b"</P_1X>", 1),
    )
    with ksef_client(sb.base_url, sb.tokens[NIP]) as (client, _rec):
        results = client.send([good, other_seller, broken])
    assert results[0].accepted
    seller, xml = results[1], results[2]
    assert not seller.accepted
    assert not xml.accepted
    assert seller.rejection() is not None
    assert xml.rejection() is not None
    assert seller.rejection().code == 410  # type: ignore[union-attr]
    assert "uprawnień" in seller.rejection().message()  # type: ignore[union-attr]
    assert xml.rejection().code in (430, 450)  # type: ignore[union-attr]
    assert xml.status is not None
    assert xml.status.description
    rejected = {r["invoiceHash"]: r["statusCode"] for r in sandbox_rejected(sb)}
    assert rejected == {other_seller.sha256: 410, broken.sha256: xml.rejection().code}  # type: ignore[union-attr]


def test_duplicate_after_a_dropped_response_adopts_the_original_number(sb: Any) -> None:
    batch = invoices(3, tag="DROP")
    control(
        sb.server_url,
        "faults",
        {"dropResponses": 1, "dropMethod": "POST", "dropPathContains": "/invoices"},
    )
    with ksef_client(sb.base_url, sb.tokens[NIP]) as (client, rec):
        results = client.send(batch)
    sends = [p for p in rec.requests_at if p[0] == "POST" and p[1].endswith("/invoices")]
    assert len(sends) == 4  # the first invoice went twice: its answer was dropped
    accepted = sandbox_accepted(sb)
    assert all(r.accepted for r in results)
    first = results[0]
    assert accepted[first.ksef_number] == first.invoice_hash  # type: ignore[index]
    assert not first.adopted_duplicate  # its own accepted copy is in the same session
    assert len(set(accepted)) == 3
    duplicates = [r for r in sandbox_rejected(sb) if r["statusCode"] == 440]
    assert len(duplicates) == 1
    assert duplicates[0]["invoiceHash"] == first.invoice_hash
    assert first.upo is not None
    assert first.ksef_number in _upo_numbers(first.upo.content)


def test_a_different_invoice_with_the_same_number_is_a_real_duplicate(sb: Any) -> None:
    original = InvoiceToSend("a.xml", invoice_bytes(NIP, "DUP/1"))
    with ksef_client(sb.base_url, sb.tokens[NIP]) as (client, _rec):
        (first,) = client.send([original])
        changed = InvoiceToSend("b.xml", original.content.replace(b"Warszawa", b"Krakow", 1))
        (second,) = client.send([changed])
    assert first.accepted
    assert not second.accepted
    assert not second.adopted_duplicate
    rejection = second.rejection()
    assert rejection is not None
    assert rejection.code == 440
    assert rejection.extensions.get("originalKsefNumber") == first.ksef_number
    assert rejection.message().startswith("Duplikat")


def test_the_same_bytes_sent_again_later_are_adopted(sb: Any) -> None:
    (invoice,) = invoices(1, tag="AGAIN")
    with ksef_client(sb.base_url, sb.tokens[NIP]) as (client, _rec):
        (first,) = client.send([invoice])
        (again,) = client.send([invoice])
    assert again.adopted_duplicate
    assert again.ksef_number == first.ksef_number
    assert again.session_reference == first.session_reference
    assert again.upo is not None
    assert first.ksef_number in _upo_numbers(again.upo.content)


def test_lost_answers_then_a_later_send_adopts_the_original(sb: Any) -> None:
    (invoice,) = invoices(1, tag="LOST")
    control(
        sb.server_url,
        "faults",
        {"dropResponses": 5, "dropMethod": "POST", "dropPathContains": "/invoices"},
    )
    with ksef_client(sb.base_url, sb.tokens[NIP]) as (client, _rec):
        with pytest.raises(NetworkError):
            client.send([invoice])
        sb.wait_idle()
        (result,) = client.send([invoice])
    accepted = sandbox_accepted(sb)
    assert list(accepted.values()) == [invoice.sha256]
    assert result.adopted_duplicate
    assert result.ksef_number in accepted
    assert result.rejection() is None


def test_technical_correction_of_a_rejected_offline_invoice(sb: Any) -> None:
    number = f"TECH/{id(sb)}"
    broken = InvoiceToSend(
        "broken.xml",
        invoice_bytes(NIP, number)
        .replace(b"<P_1M>", b"<P_1Q>", 1)
        .replace(b"</P_1M>", b"</P_1Q>", 1),
        offline=True,
    )
    fixed_bytes = invoice_bytes(NIP, number)
    with ksef_client(sb.base_url, sb.tokens[NIP]) as (client, rec):
        (rejected,) = client.send([broken])
        correction = InvoiceToSend(
            "fixed.xml", fixed_bytes, offline=True, hash_of_corrected_invoice=broken.sha256
        )
        (fixed,) = client.send([correction], mode="batch")  # corrections always go online
        again = InvoiceToSend(
            "fixed-again.xml",
            fixed_bytes.replace(b"Warszawa", b"Gdansk", 1),
            offline=True,
            hash_of_corrected_invoice=broken.sha256,
        )
        (twice,) = client.send([again])
    assert not rejected.accepted
    assert fixed.accepted
    assert "/v2/sessions/batch" not in rec.paths("POST")
    bodies = [b for b in rec.bodies if b.get("hashOfCorrectedInvoice")]
    assert bodies[0]["hashOfCorrectedInvoice"] == broken.sha256
    assert bodies[0]["offlineMode"] is True
    rejection = twice.rejection()
    assert rejection is not None
    assert rejection.code == 21166
    assert "już przyjęta" in rejection.message()
