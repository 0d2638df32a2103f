"""Helpers of the purchase tests: suppliers that send invoices naming our NIP as buyer.

The official samples name 1111111111 as the buyer (Podmiot2); ``supplier_invoices``
makes distinct ones from sample 1 with another seller NIP and P_2 and sends them with
that supplier's own KSeF token, exactly as a real supplier's program would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from ksef_desktop.ksef.environments import sandbox
from ksef_desktop.ksef.sending import InvoiceToSend
from ksef_desktop.ksef.transport import RetryPolicy
from ksef_desktop.ksef.workflows import KsefClient
from ksef_desktop.store import Store, open_store
from ksef_desktop.store.profiles import Profile, ensure_profile
from tests.integration.client_support import DATA, SEEN_SECRETS, invoice_bytes

BUYER = "1111111111"
SUPPLIER_A = "9999999999"
SUPPLIER_B = "5265877635"
NIPS = (SUPPLIER_A, SUPPLIER_B, BUYER)
SAMPLE_KOR = DATA / "fa3-official" / "FA_3_Przykład_2.xml"
#: Official sample 4: a factoring bank (2222222222) named in Podmiot3 (Rola 1).
SAMPLE_PODMIOT3 = DATA / "fa3-official" / "FA_3_Przykład_4.xml"


def with_due_date(xml: bytes, due: date) -> bytes:
    """Sample 1 unpaid, with a payment term (TerminPlatnosci/Termin) on ``due``."""
    text, count = re.subn(
        r"<Zaplacono>1</Zaplacono>\s*<DataZaplaty>[^<]*</DataZaplaty>",
        f"<TerminPlatnosci><Termin>{due.isoformat()}</Termin></TerminPlatnosci>",
        xml.decode("utf-8"),
        count=1,
    )
    assert count == 1
    return text.encode("utf-8")


def correction_of(supplier: str, number: str, corrected_ksef: str) -> bytes:
    """Official sample 2 (KOR) from ``supplier``, correcting ``corrected_ksef``."""
    xml = invoice_bytes(supplier, number, sample=SAMPLE_KOR)
    return re.sub(
        rb"<NrKSeFFaKorygowanej>[^<]*</NrKSeFFaKorygowanej>",
        f"<NrKSeFFaKorygowanej>{corrected_ksef}</NrKSeFFaKorygowanej>".encode(),
        xml,
        count=1,
    )


def naming_as_third_subject(supplier: str, number: str, third: str, buyer: str) -> bytes:
    """Official sample 4 from ``supplier`` to ``buyer`` with ``third`` in its Podmiot3."""
    xml = invoice_bytes(supplier, number, sample=SAMPLE_PODMIOT3)
    xml, buyers = re.subn(
        rb"(<Podmiot2>\s*<DaneIdentyfikacyjne>\s*<NIP>)1111111111<",
        rb"\g<1>" + buyer.encode() + b"<",
        xml,
        count=1,
    )
    xml, thirds = re.subn(
        rb"(<Podmiot3>\s*<DaneIdentyfikacyjne>\s*<NIP>)2222222222<",
        rb"\g<1>" + third.encode() + b"<",
        xml,
        count=1,
    )
    assert buyers == thirds == 1
    return xml


def send_files(sb: Any, supplier: str, files: Sequence[bytes]) -> list[str]:
    items = [InvoiceToSend(f"f{i}.xml", xml, offline=False) for i, xml in enumerate(files)]
    with client_for(sb, supplier) as client:
        results = client.send(items, mode="online", fetch_upo=False)
    assert all(r.ksef_number for r in results), [r.status for r in results]
    return [r.ksef_number for r in results if r.ksef_number]


@contextmanager
def client_for(sb: Any, nip: str) -> Iterator[KsefClient]:
    token = sb.tokens[nip]
    SEEN_SECRETS.add(token)
    with httpx.Client(timeout=httpx.Timeout(20.0)) as http:
        yield KsefClient(
            http,
            sandbox(sb.base_url),
            nip,
            token,
            now=lambda: datetime.now(UTC),
            retry=RetryPolicy(base_delay=0.05, max_delay=0.5),
        )


def supplier_invoices(sb: Any, supplier: str, numbers: Sequence[str]) -> list[str]:
    """Send one invoice per number from ``supplier`` to BUYER; their KSeF numbers."""
    items = [InvoiceToSend(f"{n}.xml", invoice_bytes(supplier, n), offline=False) for n in numbers]
    with client_for(sb, supplier) as client:
        results = client.send(items, mode="online", fetch_upo=False)
    numbers_out = [r.ksef_number for r in results]
    assert all(numbers_out), [r.status for r in results]
    return [n for n in numbers_out if n]


def buyer_store(folder: Path) -> tuple[Store, Profile]:
    store = open_store(folder)
    with store.db.transaction() as conn:
        profile = ensure_profile(conn, "sandbox", BUYER, now=datetime.now(UTC))
    return store, profile


def kept(store: Store, profile: Profile) -> dict[str, str]:
    """{KSeF number: SHA-256 (Base64)} of every purchase the profile keeps."""
    rows = store.db.connection().execute(
        "SELECT ksef_number, sha256_b64 FROM purchases WHERE profile_id = ?", (profile.id,)
    )
    return {r[0]: r[1] for r in rows}
