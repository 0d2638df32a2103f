"""Every request example of open-api.json 2.9.0, replayed against the Sandbox.

Each example is sent as the document gives it, in the context it names (7762811692, the
document's own taxpayer, logged in by signature). Only what cannot be sent as printed is
substituted, and said so below: the Ministry's ciphertext and key ids (our keys), the
challenge and the placeholder signature of the XAdES example (a real one), KSeF numbers
the Sandbox never issued, and a session reference. Every body is first checked against
the request schema; every answer against the response schema (the api fixture's hook).
A new example in the document without a case here fails ``test_every_example_has_a_case``.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from lxml import etree

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.contract.openapi import ContractViolation, contract, request_examples
from tests.contract.rawksef import (
    OnlineSession,
    authenticate,
    b64,
    bearer,
    mf_keys,
    open_online,
    rsa_encrypt,
    wait_auth,
)
from tests.contract.xadessign import sign, taxpayer, wait_status, xades_login
from tests.integration.conftest import SELLER, api_for, sample, with_number

EXAMPLE_NIP = "7762811692"  # the taxpayer most examples of the document act for
TOKEN_NIP = "5265877635"  # the context of the /auth examples
METHODS = ("get", "post", "put", "delete", "patch")


@dataclass
class World:
    sb: Sandbox
    api: httpx.Client
    logins: dict[str, str] = field(default_factory=dict)

    def owner(self, nip: str = EXAMPLE_NIP) -> str:
        """An access token of the taxpayer, logged in by signature."""
        if nip not in self.logins:
            redeemed = xades_login(self.api, nip, taxpayer(nip))
            self.logins[nip] = str(redeemed["accessToken"]["token"])
        return self.logins[nip]

    def post(self, path: str, body: Any, access: str | None = None) -> httpx.Response:
        return self.api.post(path, json=body, headers=bearer(access or self.owner()))

    def encryption(self, example: dict[str, Any]) -> tuple[bytes, bytes]:
        """Our key in place of the Ministry's ciphertext; the example's own IV is kept."""
        key = os.urandom(32)
        mf = mf_keys(self.api)["SymmetricKeyEncryption"]
        example["encryption"].update(
            encryptedSymmetricKey=b64(rsa_encrypt(mf.public_key, key)),
            publicKeyId=mf.public_key_id,
        )
        return key, base64.b64decode(example["encryption"]["initializationVector"])


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    config = SandboxConfig(nips=(EXAMPLE_NIP, TOKEN_NIP, SELLER), port=0, rate_limit_scale=None)
    with Sandbox(config) as sb, api_for(sb) as api:
        yield World(sb, api)


def example_of(method: str, template: str, media: str = "application/json") -> Any:
    (example,) = request_examples(template, method, media)
    return json.loads(json.dumps(example)) if media.endswith("json") else example


def checked(method: str, template: str, body: dict[str, Any]) -> dict[str, Any]:
    contract().validate_request(method, template, body)
    return body


# --- the examples that need something substituted ------------------------------------


def ksef_token(w: World, body: dict[str, Any]) -> httpx.Response:
    """Our challenge, token ciphertext and key id; the context (5265877635) as printed."""
    challenge = w.api.post("/auth/challenge").json()
    key = mf_keys(w.api)["KsefTokenEncryption"]
    plain = f"{w.sb.tokens[body['contextIdentifier']['value']]}|{challenge['timestampMs']}"
    body.update(
        challenge=challenge["challenge"],
        encryptedToken=b64(rsa_encrypt(key.public_key, plain.encode())),
        publicKeyId=key.public_key_id,
    )
    response = w.api.post("/auth/ksef-token", json=checked("post", "/auth/ksef-token", body))
    if response.status_code == 202:
        init = response.json()
        status = wait_auth(w.api, init["referenceNumber"], init["authenticationToken"]["token"])
        assert status["status"]["code"] == 200, status
    return response


def xades_signature(w: World, text: str) -> httpx.Response:
    """Our challenge, and a real XAdES signature in place of the placeholder one."""
    root = etree.fromstring(text.encode("utf-8"))
    ns = {"t": root.nsmap[None], "ds": "http://www.w3.org/2000/09/xmldsig#"}
    for placeholder in root.findall("ds:Signature", ns):
        root.remove(placeholder)
    root.find("t:Challenge", ns).text = w.api.post("/auth/challenge").json()["challenge"]  # type: ignore[union-attr]
    nip = root.findtext("t:ContextIdentifier/t:Nip", namespaces=ns)
    assert nip == TOKEN_NIP
    response = w.api.post(
        "/auth/xades-signature",
        content=sign(root, taxpayer(nip)),
        headers={"Content-Type": "application/xml"},
    )
    if response.status_code == 202:
        assert wait_status(w.api, response.json())["status"]["code"] == 200
    return response


def online_session(w: World, body: dict[str, Any]) -> httpx.Response:
    w.encryption(body)
    return w.post("/sessions/online", checked("post", "/sessions/online", body))


def online_invoice(w: World, body: dict[str, Any]) -> httpx.Response:
    """A session opened from its example; the example's fields with a real invoice's
    values (the hashes and sizes it prints are of a file that is not published)."""
    opening = example_of("post", "/sessions/online")
    key, iv = w.encryption(opening)
    opened = w.post("/sessions/online", opening)
    assert opened.status_code == 201, opened.text
    session = OnlineSession(w.api, w.owner(), opened.json()["referenceNumber"], key, iv)
    real = session.invoice_body(sample(1))
    assert set(real) == set(body)
    body.update(real)
    template = "/sessions/online/{referenceNumber}/invoices"
    response = session.send_body(checked("post", template, body))
    # The official sample's seller is 9999999999, not the context: verified, then 410.
    assert session.wait(response.json()["referenceNumber"])["status"]["code"] == 410
    return response


def batch_session(w: World, body: dict[str, Any]) -> httpx.Response:
    """An FA (2) batch, as printed: the Sandbox opens it as the Test environment does (and
    would refuse its invoices, having no FA (2) schema)."""
    w.encryption(body)
    return w.post("/sessions/batch", checked("post", "/sessions/batch", body))


def export(w: World, body: dict[str, Any]) -> httpx.Response:
    """Its IV is a placeholder too: "someInitVector", 14 bytes (21405 as printed)."""
    w.encryption(body)
    body["encryption"]["initializationVector"] = b64(os.urandom(16))
    return w.post("/invoices/exports", checked("post", "/invoices/exports", body))


def collective_identifier(w: World, body: dict[str, Any]) -> httpx.Response:
    """The example's invoices were issued by 1111111111 on the Ministry's servers; two
    invoices the Sandbox accepted take their KSeF numbers, amounts and descriptions kept."""
    access = authenticate(w.api, SELLER, w.sb.tokens[SELLER])["accessToken"]["token"]
    _, session = open_online(w.api, access)
    assert session is not None
    for item, number in zip(body["invoices"], ("EX/1", "EX/2"), strict=True):
        status = session.wait(session.send(with_number(sample(1), number)))
        assert status["status"]["code"] == 200, status
        item["ksefNumber"] = status["ksefNumber"]
    return w.post(
        "/collective-identifiers", checked("post", "/collective-identifiers", body), access
    )


def as_printed(method: str, template: str) -> Callable[[World, Any], httpx.Response]:
    def run(w: World, body: Any) -> httpx.Response:
        return w.api.request(
            method, template, json=checked(method, template, body), headers=bearer(w.owner())
        )

    return run


def raw(method: str, template: str) -> Callable[[World, Any], httpx.Response]:
    def run(w: World, body: Any) -> httpx.Response:
        return w.api.request(method, template, json=body, headers=bearer(w.owner()))

    return run


@dataclass(frozen=True)
class Case:
    method: str
    template: str
    status: int
    run: Callable[[World, Any], httpx.Response] | None = None
    code: int | None = None  # the exception code of a documented refusal
    media: str = "application/json"
    schema_valid: bool = True  # False: the example breaks the document's own schema


CASES = [
    # Its CSR is a real one (parses, signature valid, RSA 2048, allowed algorithm), for the
    # subject "Firma Kowalski" of the Ministry's example: KSeF refuses it from anyone else.
    Case("post", "/certificates/enrollments", 400, code=25003),
    Case("post", "/certificates/retrieve", 200),
    Case("post", "/certificates/query", 200),
    Case("post", "/testdata/subject", 200),
    Case("post", "/testdata/subject/remove", 200),
    Case("post", "/testdata/person", 200),
    Case("post", "/testdata/person/remove", 200),
    Case("post", "/testdata/permissions", 200),
    Case("post", "/testdata/permissions/revoke", 200),
    Case("post", "/testdata/attachment", 200),
    Case("post", "/testdata/attachment/revoke", 200),
    Case("post", "/collective-identifiers", 201, collective_identifier),
    Case("post", "/collective-identifiers/query", 200),
    Case("post", "/permissions/persons/grants", 202),
    Case("post", "/permissions/entities/grants", 202),
    Case("post", "/permissions/authorizations/grants", 202),
    Case("post", "/permissions/indirect/grants", 202),
    Case("post", "/permissions/subunits/grants", 202),
    Case("post", "/permissions/eu-entities/administration/grants", 202),
    # Granted from an EU entity's NipVatUe context, by its administrator (VatUeManage);
    # the Sandbox logs in Nip contexts only, where the owner has no VatUeManage: 403.
    Case("post", "/permissions/eu-entities/grants", 403),
    Case("post", "/invoices/query/metadata", 200),
    Case("post", "/invoices/exports", 201, export),
    Case("post", "/tokens", 202),
    Case("post", "/auth/xades-signature", 202, xades_signature, media="application/xml"),
    Case("post", "/auth/ksef-token", 202, ksef_token),
    Case("post", "/sessions/online", 201, online_session),
    Case("post", "/sessions/online/{referenceNumber}/invoices", 202, online_invoice),
    Case("post", "/sessions/batch", 201, batch_session),
    Case("post", "/permissions/query/personal/grants", 200),
    Case("post", "/permissions/query/persons/grants", 200),
    Case("post", "/permissions/query/subunits/grants", 200),
    Case("post", "/permissions/query/entities/grants", 200),
    Case("post", "/permissions/query/subordinate-entities/roles", 200),
    Case("post", "/permissions/query/authorizations/grants", 200),
    # "DE123456789012" is not a German VAT number by the document's own pattern (DE and 9
    # digits); the Sandbox is lenient as the real servers are with the document's patterns
    # (ksef-spec SOURCES.md: NipVatUe, PeppolId).
    Case("post", "/permissions/query/eu-entities/grants", 200, schema_valid=False),
]


def test_every_example_has_a_case() -> None:
    documented = set()
    for template, item in contract().document["paths"].items():
        for method in METHODS:
            content = item.get(method, {}).get("requestBody", {}).get("content", {})
            for media, entry in content.items():
                if "example" in entry or entry.get("examples"):
                    documented.add((method, template, media))
    assert documented == {(c.method, c.template, c.media) for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method.upper()} {c.template}")
def test_the_example_is_answered_as_documented(world: World, case: Case) -> None:
    body = example_of(case.method, case.template, case.media)
    run = case.run or as_printed(case.method, case.template)
    if not case.schema_valid:
        with pytest.raises(ContractViolation):
            contract().validate_request(case.method, case.template, body)
        run = raw(case.method, case.template)
    response = run(world, body)
    assert response.status_code == case.status, response.text
    if case.code is not None:
        detail = response.json()["exception"]["exceptionDetailList"][0]
        assert detail["exceptionCode"] == case.code
    if case.status == 403:
        assert response.json()["reasonCode"] == "missing-permissions"
