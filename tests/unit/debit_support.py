"""Helpers of the debit tests (no tests here): purchase invoices of a supplier kept in a
profile, and MT940 statements (the ZBP layout of tests/data/statements/zbp-tilde.mt940)
whose debits pay them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.store import Store
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.purchases import ReceivedInvoice, add_purchase

OWN = "PL27114020040000300201355387"
SUPPLIER = "5213017228"
SUPPLIER_ACCOUNT = "PL50105014451000009012345678"
OTHER_SUPPLIER = "9999999999"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "fa3-official" / "FA_3_Przykład_1.xml"


def supplier_ksef(n: int, supplier: str = SUPPLIER) -> str:
    return make_ksef_number(supplier, date(2026, 3, 2), f"0000000000B{n}")


def add_supplier_invoice(
    store: Store,
    profile: Profile,
    n: int,
    gross: str,
    *,
    number: str = "",
    supplier: str = SUPPLIER,
    account: str = "",
) -> int:
    """Purchase invoice ``number`` (default ``FZ/<n>/2026``) of ``supplier``, KSeF number
    ``supplier_ksef(n)``, ``gross`` PLN, nothing paid; its id."""
    moment = datetime(2026, 3, 2, 9, tzinfo=UTC)
    amount = Decimal(gross)
    invoice = ReceivedInvoice(
        ksef_number=supplier_ksef(n, supplier),
        seller_nip=supplier,
        seller_name=f"Dostawca {supplier}",
        number=number or f"FZ/{n}/2026",
        kind="VAT",
        issue_date=moment.date(),
        acquired_at=moment,
        stored_at=moment,
        net=amount,
        vat=Decimal(0),
        gross=amount,
        currency="PLN",
        xml=SAMPLE.read_bytes() + f"<!-- {supplier} {n} -->".encode(),
        due_date=date(2026, 3, 16),
        bank_account=account,
    )
    with store.db.transaction() as conn:
        made = add_purchase(conn, store.archive, invoice, profile_id=profile.id, now=moment)
    assert made is not None
    return made


@dataclass(frozen=True)
class Debit:
    amount: Decimal
    title: str
    account: str = ""
    name: str = "DOSTAWCA SP. Z O.O."


def mt940(day: str, debits: list[Debit], *, opening: Decimal = Decimal("10000")) -> bytes:
    """One day's MT940 statement of account OWN with these debits: each title cut into
    the 27-character pieces of ``~20``–``~25``, field 86 into 65-character lines."""
    yymmdd, mmdd = day[2:].replace("-", ""), day[5:].replace("-", "")
    lines = [":20:MT940", f":25:/{OWN}", ":28C:00001", f":60F:C{yymmdd}PLN{_money(opening)}"]
    for i, debit in enumerate(debits, start=1):
        title = debit.title
        pieces = "".join(
            f"~{20 + k}{title[n : n + 27]}" for k, n in enumerate(range(0, len(title), 27))
        )
        account = f"~38{debit.account}" if debit.account else ""
        field86 = f"~00PRZELEW WYCHODZACY{pieces}{account}~32{debit.name}"
        text = "076" + field86
        cut = [text[n : n + 65] for n in range(0, len(text), 65)]
        lines.append(f":61:{yymmdd}{mmdd}D{_money(debit.amount)}S076{i:013d}//BANK{i:06d}")
        lines += [":86:" + cut[0], *cut[1:]]
    closing = opening - sum((d.amount for d in debits), Decimal(0))
    lines += [f":62F:C{yymmdd}PLN{_money(closing)}", "-", ""]
    return "\r\n".join(lines).encode("cp1250")


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")
