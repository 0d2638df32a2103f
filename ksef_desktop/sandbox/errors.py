"""Errors the sandbox answers with, in the shapes of open-api.json.

400 comes in the legacy ``ExceptionResponse`` shape unless the request carries
``X-Error-Format: problem-details``; 401, 403 and 410 are always problem+json; 429 is
``TooManyRequestsResponse`` (or problem+json) with ``Retry-After``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from ksef_desktop.sandbox.util import Response, iso, json_response, new_trace_id

# Official exception descriptions (open-api.json 400 tables).
DESCRIPTIONS: dict[int, str] = {
    9101: "Nieprawidłowy dokument.",
    9102: "Brak podpisu.",
    9103: "Przekroczona liczba dozwolonych podpisów.",
    9105: "Nieprawidłowy podpis.",
    21001: "Nieczytelna treść.",
    21115: "Nieprawidłowy certyfikat.",
    21117: "Nieprawidłowy identyfikator podmiotu dla wskazanego typu kontekstu.",
    21217: "Nieprawidłowe kodowanie znaków.",
    21401: "Dokument nie jest zgodny ze schemą (xsd).",
    21406: "Konflikt podpisu i typu uwierzytelnienia.",
    25001: "Brak możliwości pobrania danych do CSR dla wykorzystanego sposobu uwierzytelnienia.",
    25002: "Brak możliwości złożenia wniosku certyfikacyjnego dla wykorzystanego sposobu "
    "uwierzytelnienia.",
    25003: "Dane w CSR nie zgadzają się z danymi w użytym wektorze uwierzytelniającym.",
    25004: "Niepoprawny format CSR lub niepoprawny podpis CSR.",
    25005: "Wniosek certyfikacyjny o podanym numerze referencyjnym nie istnieje.",
    25006: "Osiągnięto limit możliwych do złożenia wniosków certyfikacyjnych.",
    25007: "Osiągnięto limit dopuszczalnej liczby posiadanych certyfikatów.",
    25008: "Certyfikat o podanym numerze seryjnym nie istnieje.",
    25009: "Nie można odwołać wskazanego certyfikatu, ponieważ jest już odwołany, zablokowany "
    "lub nieważny.",
    25010: "Nieprawidłowy typ lub długość klucza.",
    25011: "Nieprawidłowy algorytm podpisu CSR.",
    30001: "Podmiot lub uprawnienie już istnieje.",
    21111: "Nieprawidłowe wyzwanie autoryzacyjne.",
    21155: "Przekroczono dozwoloną liczbę faktur w sesji.",
    21157: "Nieprawidłowy rozmiar części pakietu.",
    21161: "Przekroczono dozwoloną liczbę części pakietu.",
    21164: "Faktura o podanym identyfikatorze nie istnieje.",
    21166: "Korekta techniczna niedostępna.",
    21167: "Status faktury nie pozwala na korektę techniczną.",
    21173: "Brak sesji o wskazanym numerze referencyjnym.",
    21175: "Wynik zapytania o podanym identyfikatorze nie istnieje.",
    21178: "Nie znaleziono UPO dla podanych kryteriów.",
    21180: "Status sesji nie pozwala na wykonanie operacji.",
    21184: "Sesja tymczasowo niedostępna.",
    21205: "Pakiet nie może być pusty.",
    21208: "Upłynął czas oczekiwania na żądania upload lub finish.",
    21301: "Brak autoryzacji.",
    21304: "Brak uwierzytelnienia.",
    21402: "Nieprawidłowy rozmiar pliku.",
    21403: "Nieprawidłowy skrót pliku.",
    21405: "Błąd walidacji danych wejściowych.",
    21418: "Przekazany token kontynuacji ma nieprawidłowy format.",
    21470: "Przesłany identyfikator klucza jest nieznany lub wskazuje na wycofany klucz.",
    26001: "Nie można utworzyć tokena.",
    26002: "Nie można unieważnić tokena.",
    71001: "Faktura o podanym identyfikatorze nie istnieje.",
    71002: "Faktura jest już przypisana do maksymalnej liczby Identyfikatorów Zbiorczych.",
    71004: "Faktury mają różnych sprzedawców.",
    71005: "Powtórzony numer KSeF w żądaniu.",
}


class SandboxHttpError(Exception):
    """Base of every error a handler raises to answer with a non-2xx status."""

    status = 500

    def render(self, *, instance: str, problem: bool, now: datetime) -> Response:
        raise NotImplementedError


class ApiError(SandboxHttpError):
    """400 Bad Request with one official exception code."""

    status = 400

    def __init__(self, code: int, *details: str, description: str | None = None) -> None:
        self.code = code
        self.description = description or DESCRIPTIONS.get(code, "Błąd.")
        self.details = list(details)
        super().__init__(f"{code} {self.description}")

    def render(self, *, instance: str, problem: bool, now: datetime) -> Response:
        if problem:
            return json_response(
                400,
                {
                    "title": "Bad Request",
                    "status": 400,
                    "instance": instance,
                    "detail": self.description,
                    "errors": [
                        {
                            "code": self.code,
                            "description": self.description,
                            "details": self.details,
                        }
                    ],
                    "timestamp": iso(now),
                    "traceId": new_trace_id(),
                },
                problem=True,
            )
        return json_response(
            400,
            {
                "exception": {
                    "exceptionDetailList": [
                        {
                            "exceptionCode": self.code,
                            "exceptionDescription": self.description,
                            "details": self.details or None,
                        }
                    ],
                    "referenceNumber": str(uuid.uuid4()),
                    "serviceCode": new_trace_id(),
                    "serviceCtx": "srvSANDBOX",
                    "serviceName": "KSeF Sandbox",
                    "timestamp": iso(now),
                }
            },
        )


class ProblemError(SandboxHttpError):
    """An error that is always problem+json (401, 403, 404, 410, 5xx)."""

    TITLES: ClassVar[dict[int, str]] = {
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        410: "Gone",
        413: "Payload Too Large",
        500: "Internal Server Error",
        503: "Service Unavailable",
    }

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        self.status = status
        self.detail = detail
        self.extra = extra
        super().__init__(f"{status} {detail}")

    def render(self, *, instance: str, problem: bool, now: datetime) -> Response:
        payload: dict[str, Any] = {
            "title": self.TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            **self.extra,
            "timestamp": iso(now),
            "traceId": new_trace_id(),
        }
        return json_response(self.status, payload, problem=True)


def unauthorized(detail: str = "Brak lub nieprawidłowy token dostępowy.") -> ProblemError:
    return ProblemError(401, detail)


def forbidden_permissions(required: list[str], present: list[str]) -> ProblemError:
    return ProblemError(
        403,
        "Brak wymaganych uprawnień do wykonania operacji w bieżącym kontekście.",
        reasonCode="missing-permissions",
        security={"requiredAnyOfPermissions": required, "presentPermissions": present},
    )


def method_not_allowed(method_category: str) -> ProblemError:
    """403 auth-method-not-allowed: e.g. a KSeF token login asking for a new token."""
    return ProblemError(
        403,
        "Ta operacja nie jest dostępna dla użytej metody uwierzytelnienia.",
        reasonCode="auth-method-not-allowed",
        security={"authenticationMethodCategory": method_category},
    )


def gone() -> ProblemError:
    return ProblemError(410, "Operacja wygasła i nie jest już dostępna.")


class TooManyRequests(SandboxHttpError):
    status = 429

    def __init__(self, retry_after: int, detail: str) -> None:
        self.retry_after = retry_after
        self.detail = detail
        super().__init__(detail)

    def render(self, *, instance: str, problem: bool, now: datetime) -> Response:
        if problem:
            response = json_response(
                429,
                {
                    "title": "Too Many Requests",
                    "status": 429,
                    "instance": instance,
                    "detail": self.detail,
                    "timestamp": iso(now),
                    "traceId": new_trace_id(),
                },
                problem=True,
            )
        else:
            response = json_response(
                429,
                {
                    "status": {
                        "code": 429,
                        "description": "Too Many Requests",
                        "details": [self.detail],
                    }
                },
            )
        response.headers["Retry-After"] = str(self.retry_after)
        return response
