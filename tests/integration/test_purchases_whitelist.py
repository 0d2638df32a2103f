"""The supplier on the VAT white list among a purchase invoice's checks (issue 18 with
issue 20): its VAT status (active, exempt, removed from the register) and whether the
account the invoice names is on the list for its NIP, with the 15 000 zł rule's warning;
from the cache when the list cannot be reached. Suppliers send official sample 24 (an
invoice with a bank account; its attachment left out) through the Sandbox; the Sandbox's
white list answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.registries.cache import PublicCache
from ksef_desktop.registries.whitelist import WhiteListClient
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services import purchases as actions
from ksef_desktop.services.purchases_sync import sync_purchases
from ksef_desktop.store import Store
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.purchases import list_purchases
from tests.integration.client_support import DATA, SEEN_SECRETS, invoice_bytes
from tests.integration.purchases_support import BUYER, buyer_store, client_for, send_files

#: On the Sandbox's white list (sandbox/registers.py): active with one account, exempt,
#: and removed from the register on 30.06.2025.
ACTIVE, EXEMPT, CLOSED = "5265877635", "9540007772", "5250001233"
ACTIVE_ACCOUNT = "27114020040000300201355387"
SAMPLE_ACCOUNT = "73111111111111111111111111"  # sample 24's NrRB: on nobody's list
SAMPLE = DATA / "fa3-official" / "FA_3_Przykład_24.xml"
DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing answers


def _now() -> datetime:
    return datetime.now(UTC)


def _invoice(seller: str, number: str, account: str, gross: str | None = None) -> bytes:
    xml = invoice_bytes(seller, number, sample=SAMPLE)
    # Without its attachment (Zalacznik): one goes only in a batch session.
    xml = re.sub(rb"\s*<Zalacznik>.*</Zalacznik>", b"", xml, flags=re.DOTALL)
    xml = xml.replace(f"<NrRB>{SAMPLE_ACCOUNT}</NrRB>".encode(), f"<NrRB>{account}</NrRB>".encode())
    if gross is not None:
        xml = re.sub(rb"<P_15>[^<]*</P_15>", f"<P_15>{gross}</P_15>".encode(), xml, count=1)
    return xml


@pytest.fixture(autouse=True)
def english() -> None:
    from ksef_desktop import i18n

    i18n.set_language("en")  # the suite's fixture puts the default back afterwards


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Sandbox, Store, Profile, dict[str, int]]]:
    nips = (ACTIVE, EXEMPT, CLOSED, BUYER)
    with Sandbox(SandboxConfig(nips=nips, port=0, rate_limit_scale=None)) as sb:
        SEEN_SECRETS.update(sb.tokens.values())
        send_files(
            sb,
            ACTIVE,
            [
                _invoice(ACTIVE, "ON/1", ACTIVE_ACCOUNT),
                _invoice(ACTIVE, "OFF/1", SAMPLE_ACCOUNT, gross="20000.00"),
                _invoice(ACTIVE, "OFF/SMALL", SAMPLE_ACCOUNT),
            ],
        )
        send_files(sb, EXEMPT, [_invoice(EXEMPT, "EX/1", "40109000000000000000000001")])
        send_files(sb, CLOSED, [_invoice(CLOSED, "CL/1", "62102010260000042270209999")])
        store, profile = buyer_store(tmp_path_factory.mktemp("wl"))
        with client_for(sb, BUYER) as client:
            assert sync_purchases(store, client, profile, now=_now).new == 5
        page = list_purchases(store.db.connection(), profile_id=profile.id)
        yield sb, store, profile, {r.number: r.id for r in page.rows}
        store.close()


def _checks(
    store: Store, profile: Profile, purchase_id: int, wl: WhiteListClient | None
) -> list[actions.Finding]:
    today = datetime.now(WARSAW).date()
    return actions.check_purchase(
        store, purchase_id, profile_id=profile.id, today=today, whitelist=wl
    )


def _texts(findings: list[actions.Finding], level: actions.Level) -> str:
    return "\n".join(f.text for f in findings if f.level is level)


def test_status_and_account_of_the_supplier(
    world: tuple[Sandbox, Store, Profile, dict[str, int]], tmp_path: Path
) -> None:
    sb, store, profile, ids = world
    with httpx.Client(timeout=10) as http:
        wl = WhiteListClient(http, sb.whitelist_url, PublicCache.in_folder(tmp_path), _now)
        on = _checks(store, profile, ids["ON/1"], wl)
        off = _checks(store, profile, ids["OFF/1"], wl)
        small = _checks(store, profile, ids["OFF/SMALL"], wl)
        exempt = _checks(store, profile, ids["EX/1"], wl)
        closed = _checks(store, profile, ids["CL/1"], wl)
    ok = _texts(on, actions.Level.OK)
    assert "FIRMA DEMONSTRACYJNA JAN KOWALSKI is an active VAT taxpayer" in ok
    assert "The account is on the VAT white list" in ok
    assert not _texts(on, actions.Level.WARNING).count("white list")
    # Not on the list: the 15 000 zł rule's full warning for 20 000 zł, the short one below.
    assert "art. 117ba" in _texts(off, actions.Level.WARNING)
    assert "active VAT taxpayer" in _texts(off, actions.Level.OK)
    short = _texts(small, actions.Level.WARNING)
    assert "Payments over 15 000 zł to it would cost the buyer the tax deduction" in short
    assert "art. 117ba" not in short
    assert "exempt from VAT" in _texts(exempt, actions.Level.INFO)
    assert "is not registered for VAT" in _texts(closed, actions.Level.WARNING)
    assert "removed from the register on 30.06.2025" in _texts(closed, actions.Level.WARNING)
    # Without the white list client the checks are the invoice's own (nothing asked).
    assert "white list" not in "\n".join(f.text for f in _checks(store, profile, ids["ON/1"], None))


def test_offline_the_last_answer_is_used_and_said_to_be_old(
    world: tuple[Sandbox, Store, Profile, dict[str, int]], tmp_path: Path
) -> None:
    sb, store, profile, ids = world
    cache = PublicCache.in_folder(tmp_path)
    with httpx.Client(timeout=10) as http:
        _checks(store, profile, ids["OFF/1"], WhiteListClient(http, sb.whitelist_url, cache, _now))
        # The next day, with no connection: today's answers are the last ones kept.
        dead = WhiteListClient(http, DEAD_URL, cache, lambda: _now() + timedelta(days=1))
        cached = _checks(store, profile, ids["OFF/1"], dead)
        never = _checks(store, profile, ids["ON/1"], dead)
    old = "(from the last check: no connection now)"
    assert old in _texts(cached, actions.Level.OK)  # the status, from the cache
    assert old in _texts(cached, actions.Level.WARNING)  # the account, from the cache
    assert "art. 117ba" in _texts(cached, actions.Level.WARNING)
    # The status of the same supplier is cached; the account ON/1 names was never asked.
    assert old in _texts(never, actions.Level.OK)
    assert "could not be checked on the VAT white list" in _texts(never, actions.Level.WARNING)


def test_the_command_line_prints_the_checks(tmp_path: Path) -> None:
    """``purchases check``: a line per invoice, one per check, exit 1 on a warning; a
    KSeF number the profile does not keep is refused by name."""
    import os
    import subprocess
    import sys

    due = (datetime.now(WARSAW).date() + timedelta(days=14)).isoformat()  # nothing overdue

    def with_due_date(xml: bytes, day: str) -> bytes:
        return xml.replace(b"<Termin>2026-03-15</Termin>", f"<Termin>{day}</Termin>".encode())

    with Sandbox(SandboxConfig(nips=(ACTIVE, BUYER), port=0, rate_limit_scale=None)) as sb:
        SEEN_SECRETS.update(sb.tokens.values())
        on, off = send_files(
            sb,
            ACTIVE,
            [
                with_due_date(_invoice(ACTIVE, "ON/1", ACTIVE_ACCOUNT), due),
                with_due_date(_invoice(ACTIVE, "OFF/1", SAMPLE_ACCOUNT), due),
            ],
        )
        env = {**os.environ, "KSEF_TOKEN": sb.tokens[BUYER]}
        target = ["--base-url", sb.base_url, "--nip", BUYER]

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            argv = [sys.executable, "-m", "ksef_desktop", "--lang", "en"]
            argv += ["--data-dir", str(tmp_path / "data"), "purchases", *args, *target]
            return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)

        assert run("sync").stdout.split() == ["2"]
        good = run("check", on, "--whitelist-url", sb.whitelist_url)
        assert good.returncode == 0, good.stdout + good.stderr
        lines = good.stdout.splitlines()
        assert lines[0] == f"{on} ok"
        assert any(line.startswith("  ok ") and "white list" in line for line in lines[1:])
        both = run("check", "--whitelist-url", sb.whitelist_url)
        assert both.returncode == 1
        heads = [line for line in both.stdout.splitlines() if not line.startswith("  ")]
        assert sorted(heads) == sorted([f"{on} ok", f"{off} warning"])
        unknown = run("check", "5265877635-20260101-000000000000-00")
        assert unknown.returncode == 2
        assert "5265877635-20260101-000000000000-00" in unknown.stderr
