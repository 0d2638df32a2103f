"""The VAT white list ("Wykaz podatników VAT", https://wl-api.mf.gov.pl) imitated.

Paths and JSON shapes of the Ministry's public API, under ``{server}/wl``:

- ``GET /wl/api/search/nip/{nip}?date=YYYY-MM-DD`` → ``{"result": {"subject": {...} |
  null, "requestId", "requestDateTime"}}``; the subject has ``name, nip, statusVat
  ("Czynny"/"Zwolniony"/"Niezarejestrowany"), regon, pesel, krs, residenceAddress,
  workingAddress, representatives, authorizedClerks, partners, registrationLegalDate,
  registrationDenialBasis, registrationDenialDate, restorationBasis, restorationDate,
  removalBasis, removalDate, accountNumbers, hasVirtualAccounts``.
- ``GET /wl/api/check/nip/{nip}/bank-account/{account}?date=…`` → ``{"result":
  {"accountAssigned": "TAK"|"NIE", "requestId", "requestDateTime"}}``.

Errors are HTTP 400 with ``{"code": "WL-1xx", "message": "..."}`` (WL-101/102 date
missing or malformed, WL-103 a future date, WL-108 before the register's five years,
WL-110..112 a malformed account, WL-113..116 a malformed NIP). The daily limits (search:
100 requests, check: 5000, per client address and Warsaw day) answer HTTP 429 with
``WL-191`` — the real service's exact code for that was not at hand; the client only
relies on the status. The register's content is made up (``sandbox/registers.py``).
"""

from __future__ import annotations

import secrets
import threading
import weakref
from collections import Counter
from datetime import date, timedelta

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.identifiers import nip_checksum_ok
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.registers import SUBJECTS, Subject, generated_subject
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.util import WARSAW, Request, Response, json_response

PREFIX = "/wl"
SEARCH_LIMIT = 100
CHECK_LIMIT = 5000
HISTORY_YEARS = 5

_lock = threading.Lock()
_usage: weakref.WeakKeyDictionary[SandboxCore, Counter[tuple[str, str, date]]] = (
    weakref.WeakKeyDictionary()
)


class WlError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.text, self.status = code, message, status

    def response(self) -> Response:
        return json_response(self.status, {"code": self.code, "message": self.text})


def _request_meta(core: SandboxCore) -> dict[str, str]:
    moment = core.now().astimezone(WARSAW)
    return {
        "requestId": f"{secrets.token_hex(3)}-{secrets.token_hex(4)}",
        "requestDateTime": moment.strftime("%d-%m-%Y %H:%M:%S"),
    }


def _date(core: SandboxCore, req: Request) -> date:
    raw = req.query_one("date")
    if not raw:
        raise WlError("WL-101", "Pole 'data' nie może być puste.")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise WlError("WL-102", "Pole 'data' ma nieprawidłowy format.") from None
    today = warsaw_date(core.now())
    if day > today:
        raise WlError("WL-103", "Data nie może być datą przyszłą.")
    if day < today - timedelta(days=365 * HISTORY_YEARS):
        raise WlError("WL-108", "Data sprzed zakresu rejestru.")
    return day


def _nip(raw: str) -> str:
    if not raw:
        raise WlError("WL-113", "Pole 'NIP' nie może być puste.")
    if len(raw) != 10:
        raise WlError("WL-114", "Pole 'NIP' ma nieprawidłową długość. Wymagane 10 znaków.")
    if not raw.isdigit() or not raw.isascii():
        raise WlError("WL-115", "Pole 'NIP' zawiera niedozwolone znaki. Wymagane tylko cyfry.")
    if not nip_checksum_ok(raw):
        raise WlError("WL-116", "Nieprawidłowy NIP.")
    return raw


def _account(raw: str) -> str:
    if len(raw) != 26:
        raise WlError(
            "WL-110", "Pole 'numer rachunku' ma nieprawidłową długość. Wymagane 26 znaków."
        )
    if not raw.isdigit() or not raw.isascii():
        raise WlError(
            "WL-111", "Pole 'numer rachunku' zawiera niedozwolone znaki. Wymagane tylko cyfry."
        )
    if int(raw[2:] + "2521" + raw[:2]) % 97 != 1:
        raise WlError("WL-112", "Nieprawidłowy numer rachunku bankowego.")
    return raw


def _count(core: SandboxCore, req: Request, kind: str, limit: int) -> None:
    day = warsaw_date(core.now())
    with _lock:
        usage = _usage.setdefault(core, Counter())
        key = (kind, req.client_ip, day)
        if usage[key] >= limit:
            raise WlError("WL-191", "Przekroczono dzienny limit zapytań.", status=429)
        usage[key] += 1


def _subject(core: SandboxCore, nip: str) -> Subject | None:
    found = SUBJECTS.get(nip)
    if found is None and nip in core.config.nips:
        found = generated_subject(nip)
    return found


def _subject_json(subject: Subject, day: date) -> dict[str, object] | None:
    if day < subject.registered:
        return None
    removed = subject.removed is not None and day >= subject.removed
    return {
        "name": subject.name,
        "nip": subject.nip,
        "statusVat": "Niezarejestrowany" if removed else subject.status,
        "regon": subject.regon,
        "pesel": None,
        "krs": subject.krs,
        "residenceAddress": subject.residence_address,
        "workingAddress": subject.working_address,
        "representatives": [],
        "authorizedClerks": [],
        "partners": [],
        "registrationLegalDate": subject.registered.isoformat(),
        "registrationDenialBasis": None,
        "registrationDenialDate": None,
        "restorationBasis": None,
        "restorationDate": None,
        "removalBasis": subject.removal_basis if removed else None,
        "removalDate": subject.removed.isoformat() if removed and subject.removed else None,
        "accountNumbers": [] if removed else list(subject.accounts),
        "hasVirtualAccounts": False,
    }


def search_nip(core: SandboxCore, req: Request) -> Response:
    try:
        nip = _nip(req.params["nip"])
        day = _date(core, req)
        _count(core, req, "search", SEARCH_LIMIT)
    except WlError as exc:
        return exc.response()
    subject = _subject(core, nip)
    found = None if subject is None else _subject_json(subject, day)
    return json_response(200, {"result": {"subject": found, **_request_meta(core)}})


def check_account(core: SandboxCore, req: Request) -> Response:
    try:
        nip = _nip(req.params["nip"])
        account = _account(req.params["account"])
        day = _date(core, req)
        _count(core, req, "check", CHECK_LIMIT)
    except WlError as exc:
        return exc.response()
    subject = _subject(core, nip)
    found = None if subject is None else _subject_json(subject, day)
    assigned = found is not None and account in found["accountNumbers"]  # type: ignore[operator]
    result = {"accountAssigned": "TAK" if assigned else "NIE", **_request_meta(core)}
    return json_response(200, {"result": result})


ROUTES = [
    Route("GET", PREFIX + "/api/search/nip/{nip}", search_nip, auth=AUTH_NONE),
    Route(
        "GET", PREFIX + "/api/check/nip/{nip}/bank-account/{account}", check_account, auth=AUTH_NONE
    ),
]
