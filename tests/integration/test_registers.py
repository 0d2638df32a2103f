"""The public registers against the Sandbox's imitations (issue 20): the VAT white list,
VIES and NBP's table A, through the clients, the services and the command line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from ksef_desktop.domain.calendar import is_business_day, previous_business_day
from ksef_desktop.domain.invoice import EuVatNumber, PolishNip
from ksef_desktop.registries.cache import PublicCache
from ksef_desktop.registries.errors import LimitReached, RegistryRefused, RegistryUnavailable
from ksef_desktop.registries.nbp import NbpClient
from ksef_desktop.registries.vies import ViesClient
from ksef_desktop.registries.whitelist import VatStatus, WhiteListClient
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services.lookups import check_seller_account, lookup_buyer
from tests.integration.conftest import ManualClock

#: The Sandbox's "today" (a Friday, after NBP's noon publication).
NOW = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
ACTIVE, CLOSED, EXEMPT = "7770001111", "5250001233", "9540007772"
ON_LIST = "60102010260000042270201111"
DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing answers


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(nips=("5265877635",), clock=ManualClock(NOW))) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def cache(tmp_path: Path) -> PublicCache:
    return PublicCache.in_folder(tmp_path)


def whitelist(http: httpx.Client, url: str, cache: PublicCache, **kw: int) -> WhiteListClient:
    return WhiteListClient(http, url, cache, lambda: NOW, **kw)


# --- the white list ---------------------------------------------------------------------------


def test_lookup_fills_the_buyer(sb: Sandbox, http: httpx.Client, cache: PublicCache) -> None:
    facts = lookup_buyer("777-000-11-11", whitelist=whitelist(http, sb.whitelist_url, cache))
    assert facts.party is not None
    assert facts.party.tax_id == PolishNip(ACTIVE)
    assert facts.party.name.startswith("PRZYKŁADOWA SPÓŁKA")
    assert facts.party.address is not None
    assert (facts.party.address.line1, facts.party.address.line2) == (
        "UL. TESTOWA 5",
        "61-001 POZNAŃ",
    )
    assert facts.check.status == VatStatus.ACTIVE.value
    assert facts.check.checked_on == date(2026, 12, 4)
    assert ON_LIST in facts.check.accounts
    assert len(facts.check.accounts) == 2
    assert facts.warning is None
    assert not facts.from_cache


def test_a_closed_company(sb: Sandbox, http: httpx.Client, cache: PublicCache) -> None:
    client = whitelist(http, sb.whitelist_url, cache)
    facts = lookup_buyer(CLOSED, whitelist=client)
    assert facts.check.status == "Niezarejestrowany"
    assert facts.check.accounts == ()
    assert facts.warning is not None
    assert "30.06.2025" in facts.warning
    before = lookup_buyer(CLOSED, whitelist=client, day=date(2025, 6, 1))
    assert before.check.status == "Czynny"
    assert before.warning is None
    exempt = lookup_buyer(EXEMPT, whitelist=client)
    assert exempt.check.status == "Zwolniony"
    assert exempt.warning


def test_a_nip_nobody_has(sb: Sandbox, http: httpx.Client, cache: PublicCache) -> None:
    facts = lookup_buyer("1130005551", whitelist=whitelist(http, sb.whitelist_url, cache))
    assert facts.party is None
    assert facts.warning


def test_an_account_not_on_the_list(sb: Sandbox, http: httpx.Client, cache: PublicCache) -> None:
    client = whitelist(http, sb.whitelist_url, cache)
    ok = check_seller_account(client, ACTIVE, "PL" + ON_LIST, amount_pln=Decimal("20000"))
    assert ok.on_list
    assert ok.warning is None
    other = "27114020040000300201355387"  # valid, but the demo company's account
    big = check_seller_account(client, ACTIVE, other, amount_pln=Decimal("15000.01"))
    assert not big.on_list
    assert big.warning is not None
    assert "15 000" in big.warning
    assert "ZAW-NR" in big.warning
    small = check_seller_account(client, ACTIVE, other, amount_pln=Decimal("900"))
    assert small.warning is not None
    assert "ZAW-NR" not in small.warning


def test_the_service_refuses_what_it_cannot_ask(
    sb: Sandbox, http: httpx.Client, cache: PublicCache
) -> None:
    client = whitelist(http, sb.whitelist_url, cache)
    with pytest.raises(RegistryRefused) as refused:
        client.search_nip(ACTIVE, NOW.date() + timedelta(days=3))
    assert refused.value.code == "WL-103"


def test_cached_then_offline_then_the_limit(
    sb: Sandbox, http: httpx.Client, cache: PublicCache
) -> None:
    first = whitelist(http, sb.whitelist_url, cache, search_limit=2).search_nip(ACTIVE)
    assert cache.used("whitelist:search", NOW.date()) == 1
    # The same day again: from the cache, no question asked (even with no service at all).
    again = whitelist(http, DEAD_URL, cache, search_limit=2).search_nip(ACTIVE)
    assert again.subject == first.subject
    assert not again.from_cache
    # Another day, no network: the last answer, marked as such; nothing counted.
    offline = whitelist(http, DEAD_URL, cache, search_limit=2).search_nip(ACTIVE, date(2026, 12, 3))
    assert offline.from_cache
    assert offline.day == NOW.date()
    assert offline.subject == first.subject
    assert cache.used("whitelist:search", NOW.date()) == 1
    with pytest.raises(RegistryUnavailable):
        whitelist(http, DEAD_URL, cache).search_nip(EXEMPT)
    # The daily limit: the second question is the last one allowed today.
    client = whitelist(http, sb.whitelist_url, cache, search_limit=2)
    client.search_nip(EXEMPT)
    with pytest.raises(LimitReached):
        client.search_nip(CLOSED)
    assert cache.used("whitelist:search", NOW.date()) == 2
    # Past the limit, a NIP asked before is still answered from the cache.
    assert client.search_nip(ACTIVE, date(2026, 12, 2)).from_cache


# --- VIES ---------------------------------------------------------------------------------


def test_vies(sb: Sandbox, http: httpx.Client, cache: PublicCache) -> None:
    vies = ViesClient(http, sb.vies_url, cache, lambda: NOW)
    wl = whitelist(http, sb.whitelist_url, cache)
    found = lookup_buyer("DE 123 456 789", whitelist=wl, vies=vies)
    assert found.party is not None
    assert found.party.tax_id == EuVatNumber("DE", "123456789")
    assert found.party.name == "Beispiel Handels GmbH"
    assert found.party.address is not None
    assert found.party.address.country == "DE"
    assert found.check.source == "vies"
    assert found.check.status == "VALID"
    invalid = lookup_buyer("999999999", country="DE", whitelist=wl, vies=vies)
    assert invalid.party is None
    assert invalid.check.status == "INVALID"
    assert invalid.warning
    with pytest.raises(RegistryUnavailable):
        vies.check("MT", "12345678")  # its register is down: no verdict
    # Offline: the verdict of an earlier day.
    offline = ViesClient(http, DEAD_URL, cache, lambda: NOW + timedelta(days=1))
    assert offline.check("DE", "123456789").from_cache


# --- NBP ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "day", "table"),
    [
        (date(2026, 3, 2), date(2026, 2, 27), None),  # Monday: Friday's table
        (date(2026, 3, 1), date(2026, 2, 27), None),  # Sunday: Friday's too
        (date(2026, 4, 7), date(2026, 4, 3), None),  # after Easter Monday
        (date(2025, 12, 29), date(2025, 12, 23), None),  # 24-26 December free since 2025
        (date(2026, 1, 2), date(2025, 12, 31), None),  # New Year: last year's last table
        (date(2026, 1, 7), date(2026, 1, 5), "002/A/NBP/2026"),  # 6 January: Epiphany
        (date(2026, 12, 7), date(2026, 12, 4), None),  # the Sandbox's today
    ],
)
def test_rates_of_art_31a(
    sb: Sandbox, http: httpx.Client, cache: PublicCache, point: date, day: date, table: str | None
) -> None:
    rate = NbpClient(http, sb.nbp_url, cache, lambda: NOW).rate_for("EUR", point)
    assert rate.effective_date == day
    assert rate.table.endswith(f"/A/NBP/{day.year}")
    if table is not None:
        assert rate.table == table
    assert isinstance(rate.mid, Decimal)
    assert Decimal("3") < rate.mid < Decimal("5")


def test_never_a_weekend_or_a_holiday(sb: Sandbox, http: httpx.Client, cache: PublicCache) -> None:
    client = NbpClient(http, sb.nbp_url, cache, lambda: NOW)
    start = date(2025, 12, 20)
    for offset in range(24):  # Christmas and the turn of the year
        point = start + timedelta(days=offset)
        rate = client.rate_for("USD", point)
        assert is_business_day(rate.effective_date)
        assert rate.effective_date == previous_business_day(point)


def test_rates_are_cached_for_offline_work(
    sb: Sandbox, http: httpx.Client, cache: PublicCache
) -> None:
    online = NbpClient(http, sb.nbp_url, cache, lambda: NOW).rate_for("CHF", date(2026, 11, 10))
    offline = NbpClient(http, DEAD_URL, cache, lambda: NOW).rate_for("CHF", date(2026, 11, 10))
    assert offline == online
    with pytest.raises(RegistryUnavailable):
        NbpClient(http, DEAD_URL, cache, lambda: NOW).rate_for("CHF", date(2026, 11, 20))


# --- the command line ------------------------------------------------------------------------


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--data-dir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_contractor_and_rate(sb: Sandbox, tmp_path: Path) -> None:
    out = _cli(
        tmp_path,
        "--lang",
        "en",
        "contractor",
        ACTIVE,
        "--date",
        "2026-12-01",
        "--whitelist-url",
        sb.whitelist_url,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "name: PRZYKŁADOWA SPÓŁKA" in out.stdout
    assert "address: UL. TESTOWA 5, 61-001 POZNAŃ" in out.stdout
    assert "status: Czynny (active VAT taxpayer)" in out.stdout
    assert f"account: {ON_LIST}" in out.stdout
    closed = _cli(
        tmp_path,
        "--lang",
        "en",
        "contractor",
        CLOSED,
        "--date",
        "2026-12-01",
        "--whitelist-url",
        sb.whitelist_url,
    )
    assert "status: Niezarejestrowany" in closed.stdout
    assert "30.06.2025" in closed.stdout
    account = _cli(
        tmp_path,
        "contractor",
        ACTIVE,
        "--date",
        "2026-12-01",
        "--account",
        "27114020040000300201355387",
        "--whitelist-url",
        sb.whitelist_url,
    )
    assert account.returncode == 1
    assert "15 000" in account.stdout
    rate = _cli(tmp_path, "rate", "eur", "--for", "2026-01-07", "--nbp-url", sb.nbp_url)
    assert rate.returncode == 0, rate.stdout + rate.stderr
    day, mid, table = rate.stdout.split()
    assert (day, table) == ("2026-01-05", "002/A/NBP/2026")
    assert Decimal(mid) > 0
    bad = _cli(tmp_path, "rate", "PLN", "--for", "2026-01-07")
    assert bad.returncode == 2
