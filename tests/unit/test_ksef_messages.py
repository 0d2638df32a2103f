"""The one table of messages covers every code open-api.json (API 2.9.0, the contract the
Ministry's servers run) says the client can receive, in Polish and in English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ksef_desktop import i18n
from ksef_desktop.ksef import errors
from ksef_desktop.ksef.messages import (
    AUTH_DETAILS,
    AUTH_DETAILS_EN,
    MESSAGES,
    RATE_LIMIT_GROUPS,
    describe,
    message,
)
from ksef_desktop.ksef.ratelimit import PRODUCTION_LIMITS

OPENAPI = json.loads(
    (Path(__file__).parents[1] / "data" / "openapi" / "open-api-2.9.0.json").read_text("utf-8")
)
SCHEMAS = OPENAPI["components"]["schemas"]
ROW = re.compile(r"^\|\s*(\d{3,5})\s*\|\s*([^|]*)\|\s*([^|]*)\|", re.MULTILINE)


def _exception_codes() -> set[int]:
    codes = set()
    for ops in OPENAPI["paths"].values():
        for op in ops.values():
            if isinstance(op, dict) and "400" in op.get("responses", {}):
                codes |= {
                    int(m.group(1))
                    for m in ROW.finditer(op["responses"]["400"].get("description", ""))
                }
    return codes


def _status_rows(
    schema: str, start: str = "", end: str | None = None
) -> list[tuple[int, str, str]]:
    text = SCHEMAS[schema]["properties"]["status"]["description"]
    if start:
        text = text[text.index(start) :]
    if end:
        text = text[: text.index(end)]
    return [(int(m.group(1)), m.group(2).strip(), m.group(3).strip()) for m in ROW.finditer(text)]


def test_the_contract_has_codes_to_check() -> None:
    assert OPENAPI["info"]["version"].startswith("2.9") or "2.9.0" in json.dumps(OPENAPI["info"])
    assert len(_exception_codes()) > 40
    assert {21184, 71004, 71005} <= _exception_codes()  # added between 2.7.0 and 2.9.0


@pytest.mark.parametrize("code", sorted(_exception_codes()))
def test_every_400_exception_code_has_a_message(code: int) -> None:
    assert ("exception", code) in MESSAGES


@pytest.mark.parametrize(
    ("kind", "schema", "start", "end"),
    [
        ("auth", "AuthenticationOperationStatusResponse", "", None),
        ("batch", "SessionStatusResponse", "Sesja wsadowa", "Sesja interaktywna"),
        ("online", "SessionStatusResponse", "Sesja interaktywna", None),
        ("invoice", "SessionInvoiceStatusResponse", "", None),
    ],
)
def test_every_status_code_has_a_message(
    kind: str, schema: str, start: str, end: str | None
) -> None:
    rows = _status_rows(schema, start, end)
    assert rows
    missing = [code for code, _desc, _details in rows if (kind, code) not in MESSAGES]
    assert not missing


def test_auth_450_and_460_details_each_have_a_sentence() -> None:
    rows = [r for r in _status_rows("AuthenticationOperationStatusResponse") if r[0] in (450, 460)]
    details = {
        d.strip().rstrip(".") for _c, _d, cell in rows for d in cell.split("<br>") if d.strip()
    }
    assert len(details) > 8
    for detail in details:
        text = re.sub(r"\s*\{[^}]*\}$", "", detail)  # "… w kontekście {contextIdentifier}"
        assert text in AUTH_DETAILS, detail
        exc = errors.AuthRejected(450, "x", [detail])
        assert describe(exc) != message("auth", 450), detail


def test_each_auth_failure_has_its_own_sentence() -> None:
    sentences = {message("auth", code) for code in (415, 425, 450, 460, 470, 480, 500, 550)}
    assert len(sentences) == 8


def test_auth_450_names_the_detail() -> None:
    exc = errors.AuthRejected(
        450, "Uwierzytelnianie zakończone niepowodzeniem", ["Nieprawidłowy czas tokena"]
    )
    assert "zegar komputera" in describe(exc)
    i18n.set_language("en")
    assert "clock" in describe(exc)


def test_messages_follow_the_language() -> None:
    exc = errors.InvoiceRejected(440, "Duplikat faktury")
    polish = exc.message()
    i18n.set_language("en")
    english = exc.message()
    assert polish.startswith("Duplikat")
    assert english.startswith("Duplicate")


@pytest.mark.parametrize(
    ("exc", "polish"),
    [
        (errors.RateLimited(30), "za 30 s"),
        (errors.KsefUnavailable(503, 60), "niedostępny"),
        (errors.KsefUnavailable(500), "błąd wewnętrzny"),
        (errors.KsefUnavailable(0, None, "session still processing"), "nie zakończył"),
        (errors.AuthExpired(), "uwierzytelnij"),
        (errors.NetworkError("ConnectError"), "połączyć"),
        (errors.Forbidden("missing-permissions"), "uprawnienia"),
        (errors.RequestRejected(21405, "Błąd walidacji"), "dane żądania"),
        (errors.RequestRejected(99999, "Nowy błąd"), "kodem 99999: Nowy błąd"),
        (errors.SessionFailed("batch", 430, "x"), "rozpakować"),
        (errors.SessionFailed("online", 415, "x"), "odszyfrować klucza"),
        (errors.InvoiceRejected(450, "Błąd", ["P_15 niezgodne"]), "P_15 niezgodne"),
        (errors.UpoHashMismatch("ref", "a", "b"), "skrótem"),
        (errors.InvoiceRejected(21166, "Korekta techniczna niedostępna."), "już przyjęta"),
        (errors.ProtocolError("weird"), "weird"),
    ],
)
def test_describe_every_error_kind(exc: errors.KsefError, polish: str) -> None:
    assert polish in describe(exc)


def test_errors_never_hold_more_than_codes_and_descriptions() -> None:
    exc = errors.RequestRejected(21111, "Nieprawidłowe wyzwanie", ["d"], "REF", (21111,))
    assert str(exc) == "RequestRejected 21111: Nieprawidłowe wyzwanie (d) [REF]"


@pytest.mark.parametrize("code", sorted(_exception_codes()))
def test_every_400_code_reads_differently_in_polish_and_english(code: int) -> None:
    exc = errors.RequestRejected(code, "opis")
    i18n.set_language("pl")
    polish = describe(exc)
    i18n.set_language("en")
    english = describe(exc)
    assert english == i18n._(MESSAGES[("exception", code)])
    assert polish != english, code  # translated, not the English id


def test_every_rate_limit_group_of_2_9_0_is_named_and_paced() -> None:
    groups = set(SCHEMAS["EffectiveApiRateLimits"]["properties"])
    assert {"onlineSessionClose", "batchSessionClose", "anonymous", "global"} <= groups
    assert groups == set(RATE_LIMIT_GROUPS)
    assert groups == set(PRODUCTION_LIMITS)
    example = OPENAPI["paths"]["/rate-limits"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["example"]
    for group, values in example.items():
        assert PRODUCTION_LIMITS[group].counts() == (
            values["perSecond"],
            values["perMinute"],
            values["perHour"],
        ), group


def test_a_rate_limited_close_names_its_group_in_both_languages() -> None:
    exc = errors.RateLimited(12.2, group="onlineSessionClose")
    i18n.set_language("pl")
    assert describe(exc) == (
        "KSeF ogranicza liczbę żądań (zamykanie sesji interaktywnych); spróbuj ponownie za 13 s."
    )
    i18n.set_language("en")
    assert "closing online sessions" in describe(exc)


@pytest.mark.parametrize(
    ("english", "polish_key"),
    [
        ("Invalid token", "Nieprawidłowy token"),
        ("Invalid token encoding.", "Nieprawidłowe kodowanie tokena"),
        ("invalid token time", "Nieprawidłowy czas tokena"),
        ("Token cannot be used in context 5265877635", "Token nie może być użyty w kontekście"),
        ("Token revoked", "Token unieważniony"),
    ],
)
def test_auth_450_details_in_english_get_the_same_sentence(english: str, polish_key: str) -> None:
    """The servers have sent 450 details in English as well (KSEF-PROTOCOL.md §13a)."""
    in_english = errors.AuthRejected(450, "Authentication failed", [english])
    in_polish = errors.AuthRejected(450, "Uwierzytelnianie zakończone niepowodzeniem", [polish_key])
    for lang in ("pl", "en"):
        i18n.set_language(lang)
        assert describe(in_english) == describe(in_polish)
        assert describe(in_english) != i18n._(MESSAGES[("auth", 450)])


def test_english_details_point_at_known_polish_ones() -> None:
    assert set(AUTH_DETAILS_EN.values()) <= set(AUTH_DETAILS)


def test_new_error_kinds_speak_both_languages() -> None:
    cases = [
        (errors.SessionUnavailable("REF"), "chwilowo niedostępna", "temporarily unavailable"),
        (errors.UpoNotReceived("REF", "not-upo"), "nie jest UPO", "not a UPO"),
        (errors.UpoNotReceived("REF", "no-hash"), "skrótu", "no hash"),
        (errors.DeadlineExceeded("/x", 90), "90 s", "90 s"),
        (errors.AnswerTooLarge("UPO", 32 * 1024 * 1024), "32 MiB", "32 MiB"),
    ]
    for exc, polish, english in cases:
        i18n.set_language("pl")
        assert polish in describe(exc)
        i18n.set_language("en")
        assert english in describe(exc)
