"""The one table of messages covers every code open-api.json says the client can receive."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ksef_desktop import i18n
from ksef_desktop.ksef import errors
from ksef_desktop.ksef.messages import AUTH_DETAILS, MESSAGES, describe, message

OPENAPI = json.loads(
    (Path(__file__).parents[1] / "data" / "openapi" / "open-api.json").read_text("utf-8")
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
    assert len(_exception_codes()) > 40


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
    polish = exc.user_message()
    i18n.set_language("en")
    english = exc.user_message()
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
