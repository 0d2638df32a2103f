"""The NBP exchange-rate API (https://api.nbp.pl) imitated: table A average rates.

``GET /nbp/api/exchangerates/rates/a/{code}/{date}/?format=json`` → ``{"table": "A",
"currency": "euro", "code": "EUR", "rates": [{"no": "235/A/NBP/2026", "effectiveDate":
"2026-12-04", "mid": 4.2512}]}``; also ``.../rates/a/{code}/{startDate}/{endDate}/``
(every table of the range, at most 93 days). Like NBP, it answers 404 ``"404 NotFound -
Not Found - Brak danych"`` for a day without a table: Saturdays, Sundays, Polish public
holidays (``domain.calendar``), days still to come, and today before 12:00 Warsaw time
(table A is published around noon). A table's number is its ordinal among the year's
business days. The rates are made up: a level per currency with a slow wobble.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from ksef_desktop.domain.calendar import WARSAW, is_business_day
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.registers import NBP_CURRENCIES
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.util import Request, Response

PREFIX = "/nbp/api/exchangerates/rates"
PUBLISHED_AT = time(12, 0)
MAX_RANGE_DAYS = 93
FIRST_DAY = date(2002, 1, 2)


def _text(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"), "text/plain; charset=utf-8")


def _not_found() -> Response:
    return _text(404, "404 NotFound - Not Found - Brak danych")


def table_number(day: date) -> str:
    """``NNN/A/NBP/YYYY``: the ordinal of ``day`` among the business days of its year."""
    count, probe = 0, date(day.year, 1, 1)
    while probe <= day:
        count += is_business_day(probe)
        probe += timedelta(days=1)
    return f"{count:03d}/A/NBP/{day.year}"


def mid_rate(code: str, day: date) -> Decimal:
    level = Decimal(NBP_CURRENCIES[code][1])
    wobble = Decimal(str(round(math.sin(day.toordinal() / 7.0) * 0.01, 6)))
    places = Decimal("0.000001") if level < 1 else Decimal("0.0001")
    return (level * (1 + wobble)).quantize(places)


def _published(core: SandboxCore, day: date) -> bool:
    if day < FIRST_DAY or not is_business_day(day):
        return False
    now = core.now().astimezone(WARSAW)
    return datetime.combine(day, PUBLISHED_AT, tzinfo=WARSAW) <= now


def _answer(code: str, days: list[date]) -> Response:
    rates = ",".join(
        f'{{"no":"{table_number(d)}","effectiveDate":"{d.isoformat()}","mid":{mid_rate(code, d)}}}'
        for d in days
    )
    currency = NBP_CURRENCIES[code][0]
    body = f'{{"table":"A","currency":"{currency}","code":"{code}","rates":[{rates}]}}'
    return Response(200, body.encode("utf-8"), "application/json; charset=utf-8")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _check_format(req: Request) -> Response | None:
    wanted = (req.query_one("format") or "json").lower()
    if wanted not in ("json", "application/json"):
        return _text(400, "400 BadRequest - Sandbox: only format=json is imitated")
    return None


def one_day(core: SandboxCore, req: Request) -> Response:
    refused = _check_format(req)
    if refused is not None:
        return refused
    code, day = req.params["code"].upper(), _day(req.params["date"])
    if day is None:
        return _text(400, "400 BadRequest - Błędny zakres dat / Invalid date range")
    if code not in NBP_CURRENCIES or not _published(core, day):
        return _not_found()
    return _answer(code, [day])


def date_range(core: SandboxCore, req: Request) -> Response:
    refused = _check_format(req)
    if refused is not None:
        return refused
    code = req.params["code"].upper()
    start, end = _day(req.params["startDate"]), _day(req.params["endDate"])
    if start is None or end is None or end < start:
        return _text(400, "400 BadRequest - Błędny zakres dat / Invalid date range")
    if (end - start).days > MAX_RANGE_DAYS:
        return _text(400, "400 BadRequest - Przekroczony limit 93 dni / Limit of 93 days exceeded")
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    days = [d for d in days if _published(core, d)]
    if code not in NBP_CURRENCIES or not days:
        return _not_found()
    return _answer(code, days)


ROUTES = [
    Route("GET", PREFIX + "/a/{code}/{date}" + slash, one_day, auth=AUTH_NONE)
    for slash in ("/", "")
] + [
    Route("GET", PREFIX + "/a/{code}/{startDate}/{endDate}" + slash, date_range, auth=AUTH_NONE)
    for slash in ("/", "")
]
