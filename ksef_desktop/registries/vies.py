"""VIES, the European Commission's check of EU VAT numbers (its public REST API).

``GET {base}/ms/{country}/vat/{number}`` → ``{"isValid", "name", "address", "userError",
"requestDate", ...}``. A member state's register may be down (``MS_UNAVAILABLE``,
``MS_MAX_CONCURRENT_REQ``, ``TIMEOUT``...): that is no verdict, so the latest cached
verdict is used, else ``RegistryUnavailable``. Verdicts are cached per number and day.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.identifiers import normalize_eu_vat
from ksef_desktop.i18n import _
from ksef_desktop.registries.cache import PublicCache
from ksef_desktop.registries.errors import RegistryError, RegistryRefused, RegistryUnavailable

SERVICE = "vies"


def service_name() -> str:
    return _("VIES (EU VAT numbers)")


@dataclass(frozen=True)
class ViesCheck:
    country: str
    number: str
    valid: bool
    name: str | None
    address: str | None
    day: date
    fetched_at: datetime
    from_cache: bool = False


def _text(value: Any) -> str | None:
    text = str(value or "").strip()
    return None if text in ("", "---") else text


class ViesClient:
    def __init__(
        self, http: httpx.Client, base_url: str, cache: PublicCache, now: Callable[[], datetime]
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.cache = cache
        self.now = now

    def check(self, country: str, number: str) -> ViesCheck:
        country, number = normalize_eu_vat(country, number)
        today = warsaw_date(self.now())
        key = f"{country}{number}"
        cached = self.cache.get(SERVICE, key, today)
        if cached is not None:
            return self._check(
                country, number, json.loads(cached.body), cached.day, cached.fetched_at
            )
        try:
            body = self._ask(country, number)
        except RegistryUnavailable:
            cached = self.cache.latest(SERVICE, key)
            if cached is None:
                raise
            return self._check(
                country,
                number,
                json.loads(cached.body),
                cached.day,
                cached.fetched_at,
                from_cache=True,
            )
        fetched = self.now()
        self.cache.put(SERVICE, key, today, json.dumps(body), fetched)
        return self._check(country, number, body, today, fetched)

    def _ask(self, country: str, number: str) -> dict[str, Any]:
        try:
            response = self.http.get(f"{self.base_url}/ms/{country}/vat/{number}")
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(service_name(), type(exc).__name__) from exc
        if response.status_code == 400:
            raise RegistryRefused(service_name(), "INVALID_INPUT", f"{country}{number}")
        if response.status_code != 200:
            raise RegistryUnavailable(service_name(), f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise RegistryUnavailable(service_name(), "not JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("isValid"), bool):
            raise RegistryError(_("VIES gave an answer this program cannot read."))
        verdict = str(body.get("userError") or "")
        if verdict not in ("VALID", "INVALID"):  # no verdict: the register is busy or down
            raise RegistryUnavailable(service_name(), verdict)
        return body

    @staticmethod
    def _check(
        country: str,
        number: str,
        body: dict[str, Any],
        day: date,
        fetched: datetime,
        *,
        from_cache: bool = False,
    ) -> ViesCheck:
        return ViesCheck(
            country,
            number,
            bool(body.get("isValid")),
            _text(body.get("name")),
            _text(body.get("address")),
            day,
            fetched,
            from_cache,
        )
