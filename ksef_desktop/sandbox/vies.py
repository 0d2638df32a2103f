"""VIES (the European Commission's VAT number check) imitated: its public REST API.

``GET /vies/rest-api/ms/{countryCode}/vat/{vatNumber}`` answers as
https://ec.europa.eu/taxation_customs/vies/rest-api does: ``{"isValid", "requestDate",
"userError" ("VALID", "INVALID", "MS_UNAVAILABLE", "INVALID_INPUT"), "name", "address",
"requestIdentifier", "originalVatNumber", "vatNumber", "viesApproximate"}``. Invalid
numbers get ``"name": "---"`` and ``"address": "---"`` as there. Made-up companies
(``sandbox/registers.py``); Polish numbers are valid when the white-list imitation has
an active or exempt taxpayer of that NIP; Malta's register is "unavailable".
"""

from __future__ import annotations

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.registers import (
    EU_COMPANIES,
    SUBJECTS,
    UNAVAILABLE_STATES,
    generated_subject,
)
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.util import Request, Response, iso, json_response

PREFIX = "/vies/rest-api"
_STATES = "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI"
MEMBER_STATES = frozenset(_STATES.split(" "))


def _known(core: SandboxCore, country: str, number: str) -> tuple[str, str] | None:
    if country == "PL":
        subject = SUBJECTS.get(number)
        if subject is None and number in core.config.nips:
            subject = generated_subject(number)
        if subject is None or subject.removed is not None:
            return None
        return subject.name, subject.working_address or subject.residence_address or ""
    company = EU_COMPANIES.get((country, number))
    return None if company is None else (company.name, company.address)


def check_vat(core: SandboxCore, req: Request) -> Response:
    country = req.params["countryCode"].upper()
    number = req.params["vatNumber"].upper()
    answer: dict[str, object] = {
        "isValid": False,
        "requestDate": iso(core.now()),
        "userError": "INVALID",
        "name": "---",
        "address": "---",
        "requestIdentifier": "",
        "originalVatNumber": number,
        "vatNumber": number,
        "viesApproximate": {
            "name": "---",
            "street": "---",
            "postalCode": "---",
            "city": "---",
            "companyType": "---",
            "matchName": 3,
            "matchStreet": 3,
            "matchPostalCode": 3,
            "matchCity": 3,
            "matchCompanyType": 3,
        },
    }
    if country not in MEMBER_STATES or not number.isalnum():
        answer["userError"] = "INVALID_INPUT"
        return json_response(
            400,
            {
                "actionSucceed": False,
                "errorWrappers": [{"error": "INVALID_INPUT", "message": None}],
            },
        )
    if country in UNAVAILABLE_STATES:
        answer["userError"] = "MS_UNAVAILABLE"
        return json_response(200, answer)
    known = _known(core, country, number)
    if known is not None:
        answer.update(isValid=True, userError="VALID", name=known[0], address=known[1])
    return json_response(200, answer)


ROUTES = [
    Route("GET", PREFIX + "/ms/{countryCode}/vat/{vatNumber}", check_vat, auth=AUTH_NONE),
]
