"""The Ministry of Finance's VAT white list ("Wykaz podatników VAT"), its public API.

``GET {base}/api/search/nip/{nip}?date=YYYY-MM-DD`` gives the taxpayer of a NIP on a day
(name, VAT status, addresses, registered bank accounts); ``GET {base}/api/check/nip/
{nip}/bank-account/{nrb}?date=…`` says whether an account was on the list for that NIP
that day. The service allows 100 searches and 5000 checks a day: every answer is cached
by (NIP, day) and asked again only for a new day; the questions asked are counted per
Warsaw day and refused (``LimitReached``) past the limit. Without a network, the latest
cached answer for the NIP is returned, marked ``from_cache`` with the day it was for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import httpx

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.identifiers import normalize_account, normalize_nip
from ksef_desktop.i18n import N_, _
from ksef_desktop.registries.cache import PublicCache
from ksef_desktop.registries.errors import (
    LimitReached,
    RegistryError,
    RegistryRefused,
    RegistryUnavailable,
)

SERVICE = "whitelist"
SEARCH_LIMIT = 100
CHECK_LIMIT = 5000


def service_name() -> str:
    return _("The VAT white list")


class VatStatus(StrEnum):
    ACTIVE = "Czynny"
    EXEMPT = "Zwolniony"
    NOT_REGISTERED = "Niezarejestrowany"

    @property
    def label(self) -> str:
        return _(_STATUS_LABELS[self])


_STATUS_LABELS = {
    VatStatus.ACTIVE: N_("active VAT taxpayer"),
    VatStatus.EXEMPT: N_("exempt from VAT"),
    VatStatus.NOT_REGISTERED: N_("not registered for VAT"),
}


@dataclass(frozen=True)
class Subject:
    nip: str
    name: str
    status: VatStatus
    working_address: str | None
    residence_address: str | None
    accounts: tuple[str, ...]
    regon: str | None = None
    krs: str | None = None
    removal_date: date | None = None
    removal_basis: str | None = None

    @property
    def address(self) -> str | None:
        return self.working_address or self.residence_address


@dataclass(frozen=True)
class Lookup:
    """The answer for a NIP on ``day`` (``subject`` None: no such taxpayer on the list)."""

    nip: str
    day: date
    subject: Subject | None
    request_id: str
    fetched_at: datetime
    from_cache: bool = False


@dataclass(frozen=True)
class AccountCheck:
    nip: str
    account: str
    day: date
    assigned: bool
    request_id: str
    fetched_at: datetime
    from_cache: bool = False


def _opt_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def parse_subject(data: Any) -> Subject | None:
    if not isinstance(data, dict):
        return None
    try:
        status = VatStatus(str(data.get("statusVat")))
    except ValueError as exc:
        raise RegistryError(
            _("The VAT white list answered with an unknown status {status!r}.").format(
                status=data.get("statusVat")
            )
        ) from exc
    accounts = data.get("accountNumbers") or []
    return Subject(
        nip=str(data.get("nip") or ""),
        name=str(data.get("name") or ""),
        status=status,
        working_address=data.get("workingAddress") or None,
        residence_address=data.get("residenceAddress") or None,
        accounts=tuple(str(a) for a in accounts if isinstance(a, str)),
        regon=data.get("regon") or None,
        krs=data.get("krs") or None,
        removal_date=_opt_date(data.get("removalDate")),
        removal_basis=data.get("removalBasis") or None,
    )


class WhiteListClient:
    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        cache: PublicCache,
        now: Callable[[], datetime],
        *,
        search_limit: int = SEARCH_LIMIT,
        check_limit: int = CHECK_LIMIT,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.cache = cache
        self.now = now
        self.search_limit = search_limit
        self.check_limit = check_limit

    # --- the two questions ----------------------------------------------------------------

    def search_nip(self, nip: str, day: date | None = None) -> Lookup:
        nip = normalize_nip(nip)
        day = day or warsaw_date(self.now())
        key = f"search:{nip}"
        cached = self.cache.get(SERVICE, key, day)
        if cached is None:
            try:
                body = self._ask("search", f"/api/search/nip/{nip}", day, self.search_limit)
            except (RegistryUnavailable, LimitReached):
                cached = self.cache.latest(SERVICE, key)
                if cached is None:
                    raise
                return self._lookup(
                    nip, cached.day, json.loads(cached.body), cached.fetched_at, from_cache=True
                )
            fetched = self.now()
            self.cache.put(SERVICE, key, day, json.dumps(body), fetched)
            return self._lookup(nip, day, body, fetched)
        return self._lookup(nip, day, json.loads(cached.body), cached.fetched_at)

    def check_account(self, nip: str, account: str, day: date | None = None) -> AccountCheck:
        nip = normalize_nip(nip)
        account = normalize_account(account)
        if account.startswith("PL"):
            account = account[2:]
        day = day or warsaw_date(self.now())
        key = f"check:{nip}:{account}"
        cached = self.cache.get(SERVICE, key, day)
        from_cache = False
        if cached is None:
            path = f"/api/check/nip/{nip}/bank-account/{account}"
            try:
                body = self._ask("check", path, day, self.check_limit)
                fetched = self.now()
                self.cache.put(SERVICE, key, day, json.dumps(body), fetched)
            except (RegistryUnavailable, LimitReached):
                cached = self.cache.latest(SERVICE, key)
                if cached is None:
                    raise
                from_cache = True
        if cached is not None:
            body, fetched, day = json.loads(cached.body), cached.fetched_at, cached.day
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, dict) or result.get("accountAssigned") not in ("TAK", "NIE"):
            raise RegistryError(_("The VAT white list gave an answer this program cannot read."))
        return AccountCheck(
            nip,
            account,
            day,
            result["accountAssigned"] == "TAK",
            str(result.get("requestId") or ""),
            fetched,
            from_cache,
        )

    # --- the wire ------------------------------------------------------------------------------

    def _ask(self, kind: str, path: str, day: date, limit: int) -> Any:
        counter, today = f"{SERVICE}:{kind}", warsaw_date(self.now())
        if self.cache.used(counter, today) >= limit:
            raise LimitReached(service_name(), limit)
        try:
            response = self.http.get(self.base_url + path, params={"date": day.isoformat()})
        except httpx.HTTPError as exc:  # never reached the service: not counted
            raise RegistryUnavailable(service_name(), type(exc).__name__) from exc
        self.cache.take(counter, today, limit)
        if response.status_code == 429:
            raise LimitReached(service_name(), limit)
        if response.status_code == 400:
            code, text = _error(response)
            raise RegistryRefused(service_name(), code, text)
        if response.status_code != 200:
            raise RegistryUnavailable(service_name(), f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise RegistryUnavailable(service_name(), "not JSON") from exc

    def _lookup(
        self, nip: str, day: date, body: Any, fetched: datetime, *, from_cache: bool = False
    ) -> Lookup:
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, dict):
            raise RegistryError(_("The VAT white list gave an answer this program cannot read."))
        subject = parse_subject(result.get("subject"))
        return Lookup(nip, day, subject, str(result.get("requestId") or ""), fetched, from_cache)


def _error(response: httpx.Response) -> tuple[str, str]:
    try:
        data = response.json()
    except ValueError:
        return "", response.text[:200]
    if isinstance(data, dict):
        return str(data.get("code") or ""), str(data.get("message") or "")
    return "", ""
