"""The KOD II verification page: an Offline certificate the sandbox's CA issued confirms
the issuer of an offline invoice; every check KSEF-PROTOCOL.md §6 lists can fail.

Links are signed here by hand from §6 (RSA-PSS, ECDSA P1363 and DER) and, once, by the
app's own QR code (visual/qr.py), so the client and the sandbox are checked against each
other; the official vector checks the sandbox's verifier (tests/unit/test_sandbox_kod2.py).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.visual import qr
from tests.contract.rawksef import authenticate, bearer, open_online
from tests.contract.xadessign import Key, make_key, taxpayer, xades_login
from tests.integration.conftest import DEFAULTS, OTHER_NIP, SELLER, api_for, sample
from tests.integration.test_sandbox_certificates import enrol


@dataclass
class Issued:
    serial: str
    key: Key


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


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


@pytest.fixture(scope="module")
def certs(api: httpx.Client, owner: str) -> dict[str, Issued]:
    """One key of each kind per module: RSA 2048 generation is the slow part."""
    out = {}
    for name, kind, key_kind in (
        ("offline-rsa", "Offline", "rsa"),
        ("offline-ec", "Offline", "ec"),
        ("authentication", "Authentication", "ec"),
    ):
        key = make_key(key_kind)
        out[name] = Issued(enrol(api, owner, kind, key), key)
    return out


DIGEST = b64url(hashlib.sha256(sample(1)).digest())


def link(
    sb: Sandbox,
    issued: Issued,
    *,
    context: tuple[str, str] = ("Nip", SELLER),
    seller: str = SELLER,
    digest: str = DIGEST,
    signed_digest: str | None = None,
    der: bool = False,
) -> str:
    """A KOD II link per KSEF-PROTOCOL.md §6; ``signed_digest`` signs another hash."""
    base = sb.qr_base.removeprefix("http://")
    head = f"{base}/certificate/{context[0]}/{context[1]}/{seller}/{issued.serial}"
    text = f"{head}/{signed_digest or digest}".encode()
    if isinstance(issued.key, rsa.RSAPrivateKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        signature = issued.key.sign(text, pss, hashes.SHA256())
    else:
        signature = issued.key.sign(text, ec.ECDSA(hashes.SHA256()))
        if not der:
            r, s = decode_dss_signature(signature)
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"http://{head}/{digest}/{b64url(signature)}"


@pytest.mark.parametrize(
    ("name", "der"), [("offline-rsa", False), ("offline-ec", False), ("offline-ec", True)]
)
def test_an_offline_certificate_confirms_the_issuer(
    sb: Sandbox, certs: dict[str, Issued], name: str, der: bool
) -> None:
    page = httpx.get(link(sb, certs[name], der=der))
    assert page.status_code == 200, page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Wystawca faktury potwierdzony" in page.text
    assert certs[name].serial in page.text
    assert "nie (jeszcze nie przesłana)" in page.text


def test_the_apps_own_kod2_link_is_confirmed(
    sb: Sandbox, api: httpx.Client, certs: dict[str, Issued]
) -> None:
    """The client's QR code (visual/qr.py) against the sandbox's check; after the invoice
    is sent, the page also says it is in KSeF."""
    issued = certs["offline-ec"]
    assert isinstance(issued.key, ec.EllipticCurvePrivateKey)
    url = qr.kod2_url(
        sb.qr_base, qr.ContextIdentifier("Nip", SELLER), SELLER, issued.serial, DIGEST, issued.key
    )
    assert httpx.get(url).status_code == 200
    access = authenticate(api, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
    _, session = open_online(api, access)
    assert session is not None
    assert session.wait(session.send(sample(1), offline=True))["status"]["code"] == 200
    page = httpx.get(url)
    assert page.status_code == 200
    assert "<th>Faktura w KSeF</th><td>tak</td>" in page.text


def test_a_signature_over_another_invoice_is_refused(sb: Sandbox, certs: dict[str, Issued]) -> None:
    other = b64url(hashlib.sha256(sample(2)).digest())
    for name in ("offline-rsa", "offline-ec"):
        page = httpx.get(link(sb, certs[name], signed_digest=other))
        assert page.status_code == 422
        assert "Podpis linku jest nieprawidłowy." in page.text
    # The right signature on another host than the one called: not the signed text.
    good = link(sb, certs["offline-rsa"])
    moved = good.replace("127.0.0.1", "localhost", 1)
    assert httpx.get(moved).status_code == 422


def test_an_authentication_certificate_is_refused(sb: Sandbox, certs: dict[str, Issued]) -> None:
    page = httpx.get(link(sb, certs["authentication"]))
    assert page.status_code == 422
    assert "Certyfikat nie jest certyfikatem typu Offline." in page.text


def test_the_context_must_have_the_right_to_issue(
    sb: Sandbox, api: httpx.Client, certs: dict[str, Issued]
) -> None:
    issued = certs["offline-rsa"]
    # The seller's certificate in another taxpayer's context: no InvoiceWrite there.
    page = httpx.get(link(sb, issued, context=("Nip", OTHER_NIP), seller=OTHER_NIP))
    assert page.status_code == 422
    assert "nie ma uprawnienia do wystawiania faktur" in page.text
    # Its own context, for another seller: only with that seller's authorization.
    for_other = link(sb, issued, seller=OTHER_NIP)
    refused = httpx.get(for_other)
    assert refused.status_code == 422
    assert "Kontekst nie może wystawiać faktur w imieniu sprzedawcy." in refused.text
    other_owner = xades_login(api, OTHER_NIP, taxpayer(OTHER_NIP))["accessToken"]["token"]
    grant = api.post(
        "/permissions/authorizations/grants",
        json={
            "subjectIdentifier": {"type": "Nip", "value": SELLER},
            "permission": "SelfInvoicing",
            "description": "Samofakturowanie",
            "subjectDetails": {"fullName": "Nabywca sp. z o.o."},
        },
        headers=bearer(other_owner),
    )
    assert grant.status_code == 202, grant.text
    assert httpx.get(for_other).status_code == 200


def test_unknown_and_revoked_certificates(
    sb: Sandbox, api: httpx.Client, owner: str, certs: dict[str, Issued]
) -> None:
    unknown = Issued("0123456789ABCDEF", certs["offline-ec"].key)
    page = httpx.get(link(sb, unknown))
    assert page.status_code == 404
    assert "Certyfikat nie istnieje w KSeF" in page.text
    key = make_key("ec")
    issued = Issued(enrol(api, owner, "Offline", key), key)
    assert httpx.get(link(sb, issued)).status_code == 200
    revoke = api.post(
        f"/certificates/{issued.serial}/revoke",
        json={"revocationReason": "KeyCompromise"},
        headers=bearer(owner),
    )
    assert revoke.status_code == 204
    page = httpx.get(link(sb, issued))
    assert page.status_code == 422
    assert "Certyfikat odwołany." in page.text


def test_malformed_links(sb: Sandbox, certs: dict[str, Issued]) -> None:
    good = link(sb, certs["offline-ec"])
    head, _, tail = good.partition("/certificate/")
    ctx, value, seller, serial, digest, signature = tail.split("/")
    for parts in (
        ("Pesel", value, seller, serial, digest, signature),  # not a context type
        (ctx, value, "12345", serial, digest, signature),  # not a NIP
        (ctx, value, seller, serial.lower(), digest, signature),  # serial: uppercase hex
        (ctx, value, seller, serial[:-1], digest, signature),
        (ctx, value, seller, serial, digest[:-2], signature),  # not 32 bytes
        (ctx, value, seller, serial, digest, "!!" + signature),  # not Base64URL
    ):
        page = httpx.get(f"{head}/certificate/{'/'.join(parts)}")
        assert page.status_code == 400, parts
        assert "Nieprawidłowy link weryfikacyjny" in page.text
    assert (
        httpx.get(f"{head}/certificate/{ctx}/{value}/{seller}/{serial}/{digest}").status_code == 404
    )
