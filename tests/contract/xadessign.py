"""Signed AuthTokenRequest documents for tests, made with signxml's XAdES signer directly
(the tests are not the client): certificates carrying a NIP or a PESEL, self-signed as
the Test environment accepts them, and a full login through /auth/xades-signature."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import methods
from signxml.xades.xades import XAdESSigner

NS20 = "http://ksef.mf.gov.pl/auth/token/2.0"
NS21 = "http://ksef.mf.gov.pl/auth/token/2.1"
Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass
class Signer:
    key: Key
    certificate: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def make_key(kind: str = "ec") -> Key:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def self_signed(
    attributes: list[tuple[x509.ObjectIdentifier, str]],
    *,
    key: Key | None = None,
    not_before: datetime | None = None,
    days: float = 30,
) -> Signer:
    key = key or make_key()
    name = x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])
    start = not_before or datetime.now(UTC) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return Signer(key, cert)


def taxpayer(nip: str, **kwargs: Any) -> Signer:
    """A personal certificate naming a NIP (serialNumber TINPL-...)."""
    return self_signed(
        [
            (NameOID.GIVEN_NAME, "Jan"),
            (NameOID.SURNAME, "Kowalski"),
            (NameOID.SERIAL_NUMBER, f"TINPL-{nip}"),
            (NameOID.COMMON_NAME, "Jan Kowalski"),
            (NameOID.COUNTRY_NAME, "PL"),
        ],
        **kwargs,
    )


def person(pesel: str, **kwargs: Any) -> Signer:
    return self_signed(
        [
            (NameOID.GIVEN_NAME, "Anna"),
            (NameOID.SURNAME, "Nowak"),
            (NameOID.SERIAL_NUMBER, f"PNOPL-{pesel}"),
            (NameOID.COMMON_NAME, "Anna Nowak"),
            (NameOID.COUNTRY_NAME, "PL"),
        ],
        **kwargs,
    )


def seal(nip: str, **kwargs: Any) -> Signer:
    return self_signed(
        [
            (NameOID.ORGANIZATION_NAME, "Biuro Rachunkowe Sp. z o.o."),
            (NameOID.ORGANIZATION_IDENTIFIER, f"VATPL-{nip}"),
            (NameOID.COMMON_NAME, "Biuro Rachunkowe"),
            (NameOID.COUNTRY_NAME, "PL"),
        ],
        **kwargs,
    )


def request_xml(
    challenge: str,
    nip: str,
    *,
    namespace: str = NS20,
    subject_type: str = "certificateSubject",
    context_type: str = "Nip",
) -> etree._Element:
    root = etree.Element(f"{{{namespace}}}AuthTokenRequest", nsmap={None: namespace})
    etree.SubElement(root, f"{{{namespace}}}Challenge").text = challenge
    context = etree.SubElement(root, f"{{{namespace}}}ContextIdentifier")
    etree.SubElement(context, f"{{{namespace}}}{context_type}").text = nip
    etree.SubElement(root, f"{{{namespace}}}SubjectIdentifierType").text = subject_type
    return root


def sign(root: etree._Element, signer: Signer) -> bytes:
    """XAdES-BES, enveloped, over the whole request."""
    ec_key = isinstance(signer.key, ec.EllipticCurvePrivateKey)
    xades = XAdESSigner(
        method=methods.enveloped,
        signature_algorithm="ecdsa-sha256" if ec_key else "rsa-sha256",
        digest_algorithm="sha256",
    )
    signed = xades.sign(root, key=signer.key, cert=signer.pem.decode("ascii"))
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="utf-8"))


def start_xades(
    client: httpx.Client, nip: str, signer: Signer, *, params: Any = None, **kwargs: Any
) -> httpx.Response:
    challenge = client.post("/auth/challenge").json()["challenge"]
    body = sign(request_xml(challenge, nip, **kwargs), signer)
    return client.post(
        "/auth/xades-signature",
        content=body,
        headers={"Content-Type": "application/xml"},
        params=params,
    )


def wait_status(client: httpx.Client, init: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {init['authenticationToken']['token']}"}
    for _ in range(200):
        status = client.get(f"/auth/{init['referenceNumber']}", headers=headers).json()
        if status["status"]["code"] != 100:
            return dict(status)
        time.sleep(0.02)
    raise AssertionError("authentication stayed in status 100")


def xades_login(client: httpx.Client, nip: str, signer: Signer) -> dict[str, Any]:
    """A whole login by signature; the redeem body (accessToken, refreshToken)."""
    init = start_xades(client, nip, signer)
    assert init.status_code == 202, init.text
    status = wait_status(client, init.json())
    assert status["status"]["code"] == 200, status
    token = init.json()["authenticationToken"]["token"]
    redeem = client.post("/auth/token/redeem", headers={"Authorization": f"Bearer {token}"})
    assert redeem.status_code == 200, redeem.text
    return dict(redeem.json())
