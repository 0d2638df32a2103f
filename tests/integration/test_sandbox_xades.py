"""Login by signature at /auth/xades-signature: documents signed with signxml's XAdES
signer (the tests are not the client), verified by the sandbox; wrong ones refused with
the official codes, synchronously (400) or in the operation's status (460, 415...)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.x509.oid import NameOID

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.contract.rawksef import bearer, open_online
from tests.contract.xadessign import (
    NS20,
    NS21,
    make_key,
    person,
    request_xml,
    seal,
    self_signed,
    sign,
    start_xades,
    taxpayer,
    wait_status,
    xades_login,
)
from tests.integration.conftest import DEFAULTS, OTHER_NIP, SELLER, api_for


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(**{**DEFAULTS, "rate_limit_scale": None})) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    with api_for(sb) as client:
        yield client


def code(response: httpx.Response) -> int:
    assert response.status_code == 400, response.text
    return int(response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"])


def post_xml(api: httpx.Client, body: bytes) -> httpx.Response:
    return api.post(
        "/auth/xades-signature", content=body, headers={"Content-Type": "application/xml"}
    )


def challenge(api: httpx.Client) -> str:
    return str(api.post("/auth/challenge").json()["challenge"])


@pytest.mark.parametrize(("namespace", "key"), [(NS20, "ec"), (NS21, "rsa")])
def test_a_taxpayer_certificate_logs_in_as_the_owner(
    api: httpx.Client, namespace: str, key: str
) -> None:
    signer = taxpayer(SELLER, key=make_key(key))
    init = start_xades(api, SELLER, signer, namespace=namespace)
    assert init.status_code == 202, init.text
    status = wait_status(api, init.json())
    assert status["status"]["code"] == 200
    assert status["authenticationMethod"] == "QualifiedSignature"
    assert status["authenticationMethodInfo"]["category"] == "XadesSignature"
    tokens = xades_login(api, SELLER, signer)
    response, session = open_online(api, tokens["accessToken"]["token"])
    assert response.status_code == 201
    assert session is not None


def test_a_seal_and_a_fingerprint(sb: Sandbox, api: httpx.Client) -> None:
    status = wait_status(api, start_xades(api, OTHER_NIP, seal(OTHER_NIP)).json())
    assert (status["status"]["code"], status["authenticationMethod"]) == (200, "QualifiedSeal")
    # A certificate without NIP or PESEL: only by fingerprint, and with a permission.
    plain = self_signed([(NameOID.COMMON_NAME, "Bez identyfikatora")])
    assert code(start_xades(api, OTHER_NIP, plain)) == 21406
    by_print = start_xades(api, OTHER_NIP, plain, subject_type="certificateFingerprint")
    assert wait_status(api, by_print.json())["status"]["code"] == 415


def test_wrong_nip_and_a_person_without_permissions(api: httpx.Client) -> None:
    status = wait_status(api, start_xades(api, OTHER_NIP, taxpayer(SELLER)).json())
    assert status["status"] == {
        "code": 415,
        "description": "Uwierzytelnianie zakończone niepowodzeniem",
        "details": ["Brak przypisanych uprawnień"],
    }
    status = wait_status(api, start_xades(api, SELLER, person("90010112345")).json())
    assert status["status"]["code"] == 415
    assert code(start_xades(api, "123", taxpayer(SELLER))) == 21117  # not a NIP at all


def test_an_expired_certificate(api: httpx.Client) -> None:
    old = taxpayer(SELLER, not_before=datetime.now(UTC) - timedelta(days=400), days=30)
    init = start_xades(api, SELLER, old)
    assert init.status_code == 202
    status = wait_status(api, init.json())
    assert status["status"]["code"] == 460
    assert status["status"]["details"] == ["Nieważny certyfikat"]
    token = init.json()["authenticationToken"]["token"]
    refused = api.post("/auth/token/redeem", headers=bearer(token))
    assert code(refused) == 21301


def test_a_chain_check_refuses_a_self_signed_certificate(api: httpx.Client) -> None:
    init = start_xades(api, SELLER, taxpayer(SELLER), params={"verifyCertificateChain": "true"})
    status = wait_status(api, init.json())
    assert (status["status"]["code"], status["status"]["details"]) == (
        460,
        ["Niezaufany łańcuch certyfikatów"],
    )


def test_a_changed_byte_and_a_wrong_digest(api: httpx.Client) -> None:
    signer = taxpayer(SELLER)
    good = sign(request_xml(challenge(api), SELLER), signer)
    changed = good.replace(
        b"<SubjectIdentifierType>certificateSubject",
        b"<SubjectIdentifierType>certificateSubjecT",
        1,
    )
    assert changed != good
    assert code(post_xml(api, changed)) == 9105
    digest = re.search(rb"<ds:DigestValue>([^<]+)</ds:DigestValue>", good)
    assert digest is not None
    wrong = good.replace(digest.group(1), b"A" * 43 + b"=", 1)
    assert code(post_xml(api, wrong)) == 9105
    value = re.search(rb"<ds:SignatureValue>([^<]{8})", good)
    assert value is not None
    flipped = good.replace(value.group(1), value.group(1)[::-1], 1)
    assert code(post_xml(api, flipped)) == 9105
    assert post_xml(api, good).status_code == 202  # the untouched one passes


def test_no_signature_two_signatures_and_garbage(api: httpx.Client) -> None:
    from lxml import etree

    unsigned = etree.tostring(request_xml(challenge(api), SELLER))
    assert code(post_xml(api, unsigned)) == 9102
    once = sign(request_xml(challenge(api), SELLER), taxpayer(SELLER))
    twice = sign(etree.fromstring(once), taxpayer(SELLER))
    assert code(post_xml(api, twice)) == 9103
    assert code(post_xml(api, b"not xml at all")) == 21001
    assert code(post_xml(api, "<a>ż</a>".encode("utf-16"))) == 21217
    other = etree.Element("{urn:other}AuthTokenRequest")
    assert code(post_xml(api, sign(other, taxpayer(SELLER)))) == 21401


def test_the_challenge_must_be_fresh_and_unused(api: httpx.Client) -> None:
    signer = taxpayer(SELLER)
    unknown = sign(request_xml("20250604-CR-461EA5B000-537A6BA15D-D7", SELLER), signer)
    assert code(post_xml(api, unknown)) == 21111
    once = sign(request_xml(challenge(api), SELLER), signer)
    assert post_xml(api, once).status_code == 202
    assert code(post_xml(api, once)) == 21111


def test_problem_details_on_request(api: httpx.Client) -> None:
    response = api.post(
        "/auth/xades-signature",
        content=b"<x/>",
        headers={"Content-Type": "application/xml", "X-Error-Format": "problem-details"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 9102
