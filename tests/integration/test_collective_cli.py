"""``ksef-desktop collective create|show`` against a sandbox, as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date, datetime

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.domain.collective import collective_identifier_is_valid
from ksef_desktop.domain.identifiers import make_ksef_number
from tests.integration.collective_support import BUYER, SELLER, accepted_numbers, started

#: ``show`` reads the profile's invoices too: a data folder of the tests' own.
DATA = ["--data-dir", tempfile.mkdtemp(prefix="ksef-desktop-collective-cli-")]


def _cli(*args: str, token: str, lang: str = "pl") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--lang", lang, *DATA, "collective", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "KSEF_TOKEN": token},
        timeout=120,
    )


def test_create_then_show() -> None:
    with started(rate_limit_scale=None) as sb:  # API 2.9.0, as the Ministry's servers
        numbers = accepted_numbers(sb, SELLER, 3, "CLI")
        target = ["--base-url", sb.base_url, "--nip", SELLER]
        made = _cli("create", *numbers, *target, token=sb.tokens[SELLER])
        assert made.returncode == 0, made.stderr
        ident, title = made.stdout.splitlines()
        assert collective_identifier_is_valid(ident)
        assert title == f"KSeF {ident}"
        shown = _cli("show", ident, *target, token=sb.tokens[SELLER])
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.splitlines() == [f"{ident} {n}" for n in sorted(numbers, reverse=True)]
        # the other way: which identifiers cover an invoice (made here: "*")
        today = datetime.now(WARSAW).date().isoformat()
        of = _cli("of", numbers[0], *target, token=sb.tokens[SELLER])
        assert of.returncode == 0, of.stderr
        assert of.stdout.splitlines() == [f"{numbers[0]} {ident} {today} *"]
        buyer_view = ["--base-url", sb.base_url, "--nip", BUYER]
        seen = _cli("of", numbers[0], *buyer_view, token=sb.tokens[BUYER])
        assert seen.returncode == 0, seen.stderr
        assert seen.stdout.splitlines() == [f"{numbers[0]} {ident} {today}"]
        malformed = _cli("of", "not-a-number", *target, token=sb.tokens[SELLER])
        assert malformed.returncode == 2
        assert "Nieprawidłowy numer KSeF" in malformed.stderr
        # KSeF's refusal: the buyer's context cannot add invoices that do not exist.
        missing = [make_ksef_number(SELLER, date(2025, 1, 1), f"00000000000{i}") for i in (1, 2)]
        refused = _cli(
            "create", *missing, "--base-url", sb.base_url, "--nip", BUYER, token=sb.tokens[BUYER]
        )
        assert refused.returncode == 1
        assert "identyfikatora zbiorczego" in refused.stderr


def test_bad_input_is_refused_before_anything_is_sent() -> None:
    nowhere = ["--base-url", "http://127.0.0.1:9/v2", "--nip", SELLER]
    bad_number = _cli("create", "9999999999-20250101-000000000000-FF", *nowhere, token="x")
    assert bad_number.returncode == 2
    assert "Nieprawidłowy numer KSeF" in bad_number.stderr
    mixed = [
        make_ksef_number(SELLER, date(2026, 1, 5), "0000000000A1"),
        make_ksef_number("5265877635", date(2026, 1, 5), "0000000000A2"),
    ]
    refused = _cli("create", *mixed, *nowhere, token="x", lang="en")
    assert refused.returncode == 2
    assert "one seller" in refused.stderr
    alone = _cli("create", mixed[0], *nowhere, token="x", lang="en")
    assert alone.returncode == 2
    assert "at least 2 invoices" in alone.stderr
    official_changed = "1111111111-IZ202607-65ED02180000-E8"
    shown = _cli("show", official_changed, *nowhere, token="x")
    assert shown.returncode == 2
    assert "Nieprawidłowy identyfikator zbiorczy" in shown.stderr
    traceback_free = bad_number.stderr + refused.stderr + alone.stderr + shown.stderr
    assert "Traceback" not in traceback_free
