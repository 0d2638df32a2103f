"""NBP's exchange rates (table A average rates), its public API.

``GET {base}/api/exchangerates/rates/a/{code}/{date}/?format=json`` → ``{"table": "A",
"code", "rates": [{"no", "effectiveDate", "mid"}]}``, 404 for a day without a table
(weekends, holidays). ``rate_for`` finds the rate art. 31a of the VAT act asks for (the
last business day before the tax point, ``domain.exchange``), stepping back over days
NBP published nothing. Tables never change once published: each is cached for good; a
day without a table is cached too once it is in the past. ``mid`` is read as Decimal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from ksef_desktop.domain.calendar import previous_business_day, warsaw_date
from ksef_desktop.domain.exchange import (
    MAX_BUSINESS_DAYS_BACK,
    ExchangeRate,
    RateRefused,
    check_rate,
    rate_day,
)
from ksef_desktop.i18n import _
from ksef_desktop.registries.cache import PublicCache
from ksef_desktop.registries.errors import RegistryError, RegistryUnavailable

SERVICE = "nbp"
NO_TABLE = "null"


def service_name() -> str:
    return _("NBP exchange rates")


class NoRate(RegistryError):
    def __init__(self, currency: str, point: date) -> None:
        super().__init__(
            _("NBP publishes no table A rate of {currency} for {day}.").format(
                currency=currency, day=point.strftime("%d.%m.%Y")
            )
        )


class NbpClient:
    def __init__(
        self, http: httpx.Client, base_url: str, cache: PublicCache, now: Callable[[], datetime]
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.cache = cache
        self.now = now

    def table_of(self, currency: str, day: date) -> ExchangeRate | None:
        """The table A rate of ``currency`` published on ``day`` (None: no table that day)."""
        code = currency.strip().upper()
        cached = self.cache.get(SERVICE, code, day)
        if cached is not None:
            return None if cached.body == NO_TABLE else _rate(code, json.loads(cached.body))
        url = f"{self.base_url}/api/exchangerates/rates/a/{code.lower()}/{day.isoformat()}/"
        try:
            response = self.http.get(
                url, params={"format": "json"}, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(service_name(), type(exc).__name__) from exc
        if response.status_code == 404:
            if day < warsaw_date(self.now()):  # a later day may still get its table
                self.cache.put(SERVICE, code, day, NO_TABLE, self.now())
            return None
        if response.status_code != 200:
            raise RegistryUnavailable(service_name(), f"HTTP {response.status_code}")
        try:
            body = json.loads(response.text, parse_float=Decimal)
        except ValueError as exc:
            raise RegistryUnavailable(service_name(), "not JSON") from exc
        rate = _rate(code, body)
        if rate.effective_date != day:
            raise RegistryError(_("NBP answered with the table of another day."))
        self.cache.put(SERVICE, code, day, json.dumps(_plain(body)), self.now())
        return rate

    def rate_for(self, currency: str, point: date) -> ExchangeRate:
        """The rate of art. 31a for a tax point ``point``: the table of the last business
        day before it (an earlier one only where NBP published none on that day)."""
        day = rate_day(point)
        for _attempt in range(MAX_BUSINESS_DAYS_BACK):
            rate = self.table_of(currency, day)
            if rate is not None:
                try:
                    check_rate(rate, point)
                except RateRefused as exc:
                    raise RegistryError(str(exc)) from exc
                return rate
            day = previous_business_day(day)
        raise NoRate(currency.upper(), point)


def _plain(body: Any) -> Any:
    """The answer with its Decimals as JSON numbers, exactly (for the cache)."""
    rates = [dict(r, mid=str(r["mid"])) for r in body["rates"]]
    return dict(body, rates=rates)


def _rate(code: str, body: Any) -> ExchangeRate:
    try:
        first = body["rates"][0]
        mid = Decimal(str(first["mid"]))
        return ExchangeRate(
            currency=str(body.get("code") or code).upper(),
            mid=mid,
            table=str(first["no"]),
            effective_date=date.fromisoformat(str(first["effectiveDate"])),
        )
    except (KeyError, IndexError, TypeError, ValueError, InvalidOperation) as exc:
        raise RegistryError(_("NBP gave an answer this program cannot read.")) from exc
