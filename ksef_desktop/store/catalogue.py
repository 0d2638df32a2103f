"""The catalogue: the company's products and services, offered while typing a line.

Like contractors, the catalogue is the company's (``company_nip``), shared by all of its
environments: it is not a legal document. Prices are Decimal text; an item's price is net
or gross as it says (``price_gross``); the editor converts it to the invoice's kind.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal, InvalidOperation

from ksef_desktop.domain.catalogue import CatalogueItem
from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.domain.marks import GTU_CODES
from ksef_desktop.i18n import _
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.invoices import fold
from ksef_desktop.store.timefmt import to_db


class CatalogueError(StoreError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


def check_item(item: CatalogueItem) -> None:
    """``CatalogueError`` (translated) for an item that cannot be kept as it is."""
    if not item.name.strip():
        raise CatalogueError(_("A catalogue item needs a name."))
    if len(item.name) > 512:
        raise CatalogueError(_("The name is longer than FA(3) allows (512 characters)."))
    if not item.price.is_finite() or item.price < 0:
        raise CatalogueError(_("The price must be a number of zero or more."))
    if item.gtu is not None and item.gtu not in GTU_CODES:
        raise CatalogueError(
            _("“{code}” is not a GTU code (GTU_01 to GTU_13).").format(code=item.gtu)
        )


_COLUMNS = "id, name, unit, price, price_gross, rate, gtu, pkwiu, cn"


def _item(row: tuple[object, ...]) -> CatalogueItem:
    try:
        price = Decimal(str(row[3]))
    except InvalidOperation:  # never written so: check_item refuses it
        price = Decimal(0)
    return CatalogueItem(
        id=int(str(row[0])),
        name=str(row[1]),
        unit=str(row[2]),
        price=price,
        price_gross=bool(row[4]),
        rate=VatRate(str(row[5])),
        gtu=None if row[6] is None else str(row[6]),
        pkwiu=None if row[7] is None else str(row[7]),
        cn=None if row[8] is None else str(row[8]),
    )


def save_item(
    conn: sqlite3.Connection, item: CatalogueItem, *, company_nip: str, now: datetime
) -> int:
    """Add ``item`` (or replace the one with its id, or the one with its name); its id."""
    check_item(item)
    values = (
        item.name.strip(),
        fold(item.name.strip()),
        item.unit.strip(),
        str(item.price),
        int(item.price_gross),
        item.rate.value,
        item.gtu,
        item.pkwiu or None,
        item.cn or None,
    )
    if item.id is not None:
        cur = conn.execute(
            "UPDATE catalogue SET name = ?, search = ?, unit = ?, price = ?, price_gross = ?, "
            "rate = ?, gtu = ?, pkwiu = ?, cn = ?, updated_at = ? WHERE id = ? AND company_nip = ?",
            (*values, to_db(now), item.id, company_nip),
        )
        if cur.rowcount == 0:
            raise CatalogueError(_("There is no catalogue item with id {id}.").format(id=item.id))
        return item.id
    cur = conn.execute(
        "INSERT INTO catalogue (company_nip, name, search, unit, price, price_gross, rate, gtu, "
        "pkwiu, cn, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (company_nip, name) DO UPDATE SET unit = excluded.unit, "
        "price = excluded.price, price_gross = excluded.price_gross, rate = excluded.rate, "
        "gtu = excluded.gtu, pkwiu = excluded.pkwiu, cn = excluded.cn, "
        "updated_at = excluded.updated_at RETURNING id",
        (company_nip, *values, to_db(now), to_db(now)),
    )
    return int(cur.fetchone()[0])


def search_items(
    conn: sqlite3.Connection, text: str = "", limit: int = 50, *, company_nip: str
) -> list[CatalogueItem]:
    """The company's items whose name contains ``text`` (case-insensitive); those
    starting with it first, then by name."""
    needle = fold(text.strip())
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM catalogue WHERE company_nip = ? AND instr(search, ?) > 0 "  # noqa: S608
        "ORDER BY instr(search, ?) <> 1, name COLLATE NOCASE, id LIMIT ?",
        (company_nip, needle, needle, limit),
    ).fetchall()
    return [_item(r) for r in rows]


def delete_item(conn: sqlite3.Connection, item_id: int, *, company_nip: str) -> None:
    conn.execute("DELETE FROM catalogue WHERE id = ? AND company_nip = ?", (item_id, company_nip))
