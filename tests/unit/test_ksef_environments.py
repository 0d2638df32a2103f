"""DESIGN.md §6: the exact addresses of every environment."""

from __future__ import annotations

import pytest

from ksef_desktop import i18n
from ksef_desktop.ksef.environments import UnknownEnvironment, environment, sandbox


@pytest.mark.parametrize(
    ("name", "api", "qr", "latarnia"),
    [
        (
            "test",
            "https://api-test.ksef.mf.gov.pl/v2",
            "https://qr-test.ksef.mf.gov.pl",
            "https://api-latarnia-test.ksef.mf.gov.pl",
        ),
        ("demo", "https://api-demo.ksef.mf.gov.pl/v2", "https://qr-demo.ksef.mf.gov.pl", None),
        (
            "prod",
            "https://api.ksef.mf.gov.pl/v2",
            "https://qr.ksef.mf.gov.pl",
            "https://api-latarnia.ksef.mf.gov.pl",
        ),
    ],
)
def test_fixed_environments(name: str, api: str, qr: str, latarnia: str | None) -> None:
    env = environment(name)
    assert (env.name, env.api_base, env.qr_base, env.latarnia_base) == (name, api, qr, latarnia)
    assert env.url("/auth/challenge") == api + "/auth/challenge"


def test_sandbox_addresses_come_from_its_base_url() -> None:
    env = environment("sandbox", "http://127.0.0.1:43123/v2/")
    assert env.api_base == "http://127.0.0.1:43123/v2"
    assert env.qr_base == "http://127.0.0.1:43123/qr"
    assert env.latarnia_base == "http://127.0.0.1:43123/latarnia"
    explicit = sandbox("http://127.0.0.1:1/v2", "http://127.0.0.1:1/q", "http://127.0.0.1:1/l")
    assert (explicit.qr_base, explicit.latarnia_base) == (
        "http://127.0.0.1:1/q",
        "http://127.0.0.1:1/l",
    )


@pytest.mark.parametrize(
    ("name", "base", "polish"),
    [
        ("sandbox", None, "podaj jej --base-url"),
        ("staging", None, "Nieznane środowisko"),
        ("prod", "http://127.0.0.1:1/v2", "tylko piaskownicy"),
        ("sandbox", "ftp://x", "nie jest adres"),
    ],
)
def test_bad_choices_explain_themselves_in_polish_and_english(
    name: str, base: str | None, polish: str
) -> None:
    with pytest.raises(UnknownEnvironment, match=polish):
        environment(name, base)
    i18n.set_language("en")
    with pytest.raises(UnknownEnvironment) as info:
        environment(name, base)
    assert polish not in str(info.value)
