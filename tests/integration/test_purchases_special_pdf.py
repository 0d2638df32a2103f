"""The PDF of special purchase invoices (issue 18, "See"): an advance invoice (ZAL,
official sample 10), one in a foreign currency (EUR, sample 21) and one with an
attachment (Zalacznik, sample 24, sent in a batch session as KSeF requires) reach our NIP
through the Sandbox as purchases; each one's PDF renders with KOD I for its own hash and
shows what makes it special. Samples: tests/data/fa3-official (see tests/data/README.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2
import pytest

from ksef_desktop.ksef.sending import InvoiceToSend
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services import purchases as actions
from ksef_desktop.services.purchases_sync import sync_purchases
from ksef_desktop.services.qr_check import codes_in_file
from ksef_desktop.store import Store
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.purchases import list_purchases
from tests.integration.client_support import DATA, SEEN_SECRETS, invoice_bytes
from tests.integration.purchases_support import (
    BUYER,
    NIPS,
    SUPPLIER_A,
    buyer_store,
    client_for,
)

SAMPLES = DATA / "fa3-official"
ADVANCE, FOREIGN, ATTACHED = "ZAL/10", "EUR/21", "ZAL-ATT/24"


def _now() -> datetime:
    return datetime.now(UTC)


def _text(pdf: bytes) -> str:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Store, Profile]]:
    with Sandbox(SandboxConfig(nips=NIPS, port=0, rate_limit_scale=None)) as sb:
        SEEN_SECRETS.update(sb.tokens.values())

        def item(name: str, number: str, sample: str) -> InvoiceToSend:
            return InvoiceToSend(name, invoice_bytes(SUPPLIER_A, number, SAMPLES / sample), False)

        online = [
            item("zal.xml", ADVANCE, "FA_3_Przykład_10.xml"),
            item("eur.xml", FOREIGN, "FA_3_Przykład_21.xml"),
        ]
        attached = item("att.xml", ATTACHED, "FA_3_Przykład_24.xml")
        with client_for(sb, SUPPLIER_A) as client:
            results = client.send(online, mode="online", fetch_upo=False)
            results += client.send([attached], mode="batch", fetch_upo=False)
        assert all(r.ksef_number for r in results), [r.status for r in results]
        store, profile = buyer_store(tmp_path_factory.mktemp("special"))
        with client_for(sb, BUYER) as client:
            assert sync_purchases(store, client, profile, now=_now).new == 3
        yield sb, store, profile
        store.close()


@pytest.mark.parametrize(
    ("number", "kind", "shown"),
    [
        (ADVANCE, "ZAL", ["Faktura zaliczkowa", "20 000,00"]),
        (FOREIGN, "VAT", ["EUR", "4,4080"]),
        (ATTACHED, "VAT", ["Załącznik", "Miejsce poboru energii", "Odczyty"]),
    ],
)
def test_pdf_of_a_special_purchase_invoice_has_kod_i(
    world: tuple[Sandbox, Store, Profile],
    tmp_path: Path,
    number: str,
    kind: str,
    shown: list[str],
) -> None:
    sb, store, profile = world
    rows = {r.number: r for r in list_purchases(store.db.connection(), profile_id=profile.id).rows}
    row = rows[number]
    assert row.kind == kind
    pdf = actions.purchase_pdf(store, row.id, profile_id=profile.id, qr_base=sb.qr_base)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "purchase.pdf"
    path.write_bytes(pdf)
    (kod1,) = codes_in_file(path)
    # KOD I: the supplier's NIP, the issue date and the hash of the very file KSeF gave.
    digest = (
        store.db.connection()
        .execute("SELECT sha256_b64 FROM purchases WHERE id = ?", (row.id,))
        .fetchone()[0]
    )
    url_hash = digest.replace("+", "-").replace("/", "_").rstrip("=")
    assert kod1 == (
        f"{sb.qr_base}/invoice/{SUPPLIER_A}/{row.issue_date.strftime('%d-%m-%Y')}/{url_hash}"
    )
    text = _text(pdf)
    assert row.ksef_number in text
    for fragment in shown:
        assert fragment in text, (fragment, text[:6000])
