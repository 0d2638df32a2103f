"""KSeF certificates from the sandbox's CA: a real PKCS#10 request with the enrolment
data's subject, a real X.509 certificate back (16-hex serial, the CA's signature), login
with an Authentication certificate, revocation; and tokens generated after a signature
login, used at /auth/ksef-token with the permissions they were given."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.sandbox.ca import NAME_FIELDS
from tests.contract.rawksef import authenticate, bearer, open_online
from tests.contract.xadessign import (
    Signer,
    make_key,
    start_xades,
    taxpayer,
    wait_status,
    xades_login,
)
from tests.integration.conftest import DEFAULTS, SELLER, api_for


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(**{**DEFAULTS, "rate_limit_scale": None})) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    with api_for(sb) as client:
        yield client


@pytest.fixture(scope="module")
def owner(api: httpx.Client) -> str:
    return str(xades_login(api, SELLER, taxpayer(SELLER))["accessToken"]["token"])


def csr_for(data: dict[str, str], key: object, *, drop: str | None = None) -> str:
    attributes = [
        x509.NameAttribute(NAME_FIELDS[name], value)
        for name, value in data.items()
        if value is not None and name != drop
    ]
    request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes))
    signed = request.sign(key, hashes.SHA256())  # type: ignore[arg-type]
    return base64.b64encode(signed.public_bytes(serialization.Encoding.DER)).decode()


def code(response: httpx.Response) -> int:
    assert response.status_code == 400, response.text
    return int(response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"])


def enrol(api: httpx.Client, access: str, kind: str, key: object) -> str:
    data = api.get("/certificates/enrollments/data", headers=bearer(access)).json()
    body = {
        "certificateName": f"Sandbox {kind}",
        "certificateType": kind,
        "csr": csr_for(data, key),
    }
    started = api.post("/certificates/enrollments", json=body, headers=bearer(access))
    assert started.status_code == 202, started.text
    ref = started.json()["referenceNumber"]
    status = api.get(f"/certificates/enrollments/{ref}", headers=bearer(access)).json()
    assert status["status"]["code"] == 200, status
    return str(status["certificateSerialNumber"])


def test_enrol_retrieve_login_and_revoke(sb: Sandbox, api: httpx.Client, owner: str) -> None:
    limits = api.get("/certificates/limits", headers=bearer(owner)).json()
    assert limits["canRequest"] is True
    key = make_key("ec")
    serial = enrol(api, owner, "Authentication", key)
    (item,) = api.post(
        "/certificates/retrieve", json={"certificateSerialNumbers": [serial]}, headers=bearer(owner)
    ).json()["certificates"]
    cert = x509.load_der_x509_certificate(base64.b64decode(item["certificate"]))
    assert f"{cert.serial_number:016X}" == serial
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == f"TINPL-{SELLER}"
    assert sb.core.ca is not None
    cert.verify_directly_issued_by(sb.core.ca.certificate)  # signed by the sandbox's CA
    # The Authentication certificate logs in (also with the chain check: the CA is KSeF's).
    signer = Signer(key, cert)
    init = start_xades(api, SELLER, signer, params={"verifyCertificateChain": "true"})
    status = wait_status(api, init.json())
    assert (status["status"]["code"], status["authenticationMethod"]) == (
        200,
        "InternalCertificate",
    )
    listed = api.post("/certificates/query", json={"type": "Authentication"}, headers=bearer(owner))
    assert serial in [c["certificateSerialNumber"] for c in listed.json()["certificates"]]
    revoke = api.post(
        f"/certificates/{serial}/revoke",
        json={"revocationReason": "KeyCompromise"},
        headers=bearer(owner),
    )
    assert revoke.status_code == 204
    assert code(api.post(f"/certificates/{serial}/revoke", json={}, headers=bearer(owner))) == 25009
    status = wait_status(api, start_xades(api, SELLER, signer).json())
    assert status["status"] == {
        "code": 460,
        "description": "Uwierzytelnianie zakończone niepowodzeniem z powodu błędu certyfikatu",
        "details": ["Certyfikat odwołany"],
    }


def test_an_offline_certificate_cannot_log_in(api: httpx.Client, owner: str) -> None:
    key = make_key("rsa")
    serial = enrol(api, owner, "Offline", key)
    (item,) = api.post(
        "/certificates/retrieve", json={"certificateSerialNumbers": [serial]}, headers=bearer(owner)
    ).json()["certificates"]
    assert item["certificateType"] == "Offline"
    cert = x509.load_der_x509_certificate(base64.b64decode(item["certificate"]))
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment
    refused = start_xades(api, SELLER, Signer(key, cert))
    assert code(refused) == 21406


def test_wrong_requests(sb: Sandbox, api: httpx.Client, owner: str) -> None:
    data = api.get("/certificates/enrollments/data", headers=bearer(owner)).json()
    key = make_key("ec")

    def post(csr: str) -> httpx.Response:
        body = {"certificateName": "Zly wniosek", "certificateType": "Offline", "csr": csr}
        return api.post("/certificates/enrollments", json=body, headers=bearer(owner))

    assert code(post(csr_for({**data, "commonName": "Ktoś inny"}, key))) == 25003
    assert code(post(csr_for(data, key, drop="uniqueIdentifier"))) == 25003
    assert code(post(base64.b64encode(b"not a csr").decode())) == 25004
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert code(post(csr_for(data, weak))) == 25010  # RSA 2048 or EC P-256 only
    by_token = authenticate(api, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
    assert code(api.get("/certificates/enrollments/data", headers=bearer(by_token))) == 25001
    forbidden = api.get("/certificates/limits", headers=bearer(by_token))
    assert forbidden.status_code == 403
    assert forbidden.json()["reasonCode"] == "auth-method-not-allowed"


def test_a_generated_token_logs_in_with_its_permissions(api: httpx.Client, owner: str) -> None:
    made = api.post(
        "/tokens",
        json={"permissions": ["InvoiceRead"], "description": "Tylko odczyt"},
        headers=bearer(owner),
    ).json()
    reader = authenticate(api, SELLER, made["token"])["accessToken"]["token"]
    response, _ = open_online(api, reader)
    assert response.status_code == 403
    assert response.json()["security"]["presentPermissions"] == ["InvoiceRead"]
    writer_token = api.post(
        "/tokens",
        json={"permissions": ["InvoiceWrite"], "description": "Wystawianie"},
        headers=bearer(owner),
    ).json()["token"]
    writer = authenticate(api, SELLER, writer_token)["accessToken"]["token"]
    assert open_online(api, writer)[0].status_code == 201


def test_permissions_granted_to_a_person_let_them_in(api: httpx.Client, owner: str) -> None:
    from tests.contract.xadessign import person

    pesel = "90010112345"
    before = wait_status(api, start_xades(api, SELLER, person(pesel)).json())
    assert before["status"]["code"] == 415
    grant = api.post(
        "/permissions/persons/grants",
        json={
            "subjectIdentifier": {"type": "Pesel", "value": pesel},
            "permissions": ["InvoiceWrite", "InvoiceRead"],
            "description": "Pracownik",
            "subjectDetails": {
                "subjectDetailsType": "PersonByIdentifier",
                "personById": {"firstName": "Anna", "lastName": "Nowak"},
            },
        },
        headers=bearer(owner),
    )
    assert grant.status_code == 202
    ref = grant.json()["referenceNumber"]
    done = api.get(f"/permissions/operations/{ref}", headers=bearer(owner)).json()
    assert done["status"]["code"] == 200
    tokens = xades_login(api, SELLER, person(pesel))
    assert open_online(api, tokens["accessToken"]["token"])[0].status_code == 201
    found = api.post(
        "/permissions/query/persons/grants",
        json={"queryType": "PermissionsInCurrentContext"},
        headers=bearer(owner),
    ).json()["permissions"]
    ids = [p["id"] for p in found if p["authorizedIdentifier"]["value"] == pesel]
    assert len(ids) == 2
    for pid in ids:
        assert (
            api.delete(f"/permissions/common/grants/{pid}", headers=bearer(owner)).status_code
            == 202
        )
    after = wait_status(api, start_xades(api, SELLER, person(pesel)).json())
    assert after["status"]["code"] == 415
    mine = api.post("/permissions/query/personal/grants", json={}, headers=bearer(owner)).json()
    assert "InvoiceWrite" in mine["ownerPermissions"]
