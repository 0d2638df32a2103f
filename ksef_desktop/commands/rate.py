"""``ksef-desktop rate CURRENCY --for YYYY-MM-DD [--nbp-url URL]``.

Prints ``DATE RATE TABLE``: the NBP table A average rate that art. 31a of the VAT act
applies to a tax point of ``--for`` (the last business day before it; the table's own
date is printed), e.g. ``2026-12-04 4.2512 235/A/NBP/2026``. Cached in the data folder's
``cache.sqlite3`` (published tables never change), so it works offline for days asked
before. Exit 1 when NBP cannot be reached and nothing is cached, 2 for bad input.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from ksef_desktop.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rate",
        help=_("the NBP rate of art. 31a for a tax point (table A)"),
        description=_(
            "Print DATE RATE TABLE: the NBP table A average rate of the last business day "
            "before the tax point."
        ),
    )
    parser.add_argument("currency", metavar="CURRENCY", help=_("ISO code, e.g. EUR"))
    parser.add_argument(
        "--for",
        dest="point",
        type=date.fromisoformat,
        required=True,
        metavar="YYYY-MM-DD",
        help=_("the tax point (the day the tax obligation arises)"),
    )
    parser.add_argument("--nbp-url", default=None, metavar="URL")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    import httpx

    from ksef_desktop.paths import data_dir
    from ksef_desktop.registries import NBP_URL
    from ksef_desktop.registries.cache import PublicCache
    from ksef_desktop.registries.errors import RegistryError
    from ksef_desktop.registries.nbp import NbpClient

    code = args.currency.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or code == "PLN":
        print(_("{code} is not a foreign currency code (e.g. EUR).").format(code=args.currency))
        return 2
    cache = PublicCache.in_folder(data_dir(args.data_dir))
    with httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0)) as http:
        client = NbpClient(http, args.nbp_url or NBP_URL, cache, lambda: datetime.now(UTC))
        try:
            rate = client.rate_for(code, args.point)
        except RegistryError as exc:
            print(exc.message())
            return 1
    print(f"{rate.effective_date.isoformat()} {rate.mid:f} {rate.table}")
    return 0
