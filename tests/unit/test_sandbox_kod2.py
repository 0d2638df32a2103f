"""The sandbox's KOD II verifier against the Ministry's published example
(tests/data/vectors: the string to sign, its signature and the signing certificate)."""

from __future__ import annotations

import base64
import json

import pytest

from ksef_desktop.sandbox.kod2 import parse_link, signature_valid
from ksef_desktop.visual.certificates import read_certificate
from tests.conftest import DATA

KOD2 = json.loads((DATA / "vectors" / "ksef-test-vectors.json").read_text("utf-8"))[
    "kod2_official_doc_example"
]


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(scope="module")
def public_key() -> object:
    # cryptography cannot load this certificate (NULL parameters on ecdsa-with-SHA512);
    # the app's reader takes its key out, which is all this test needs from it.
    der = (DATA / "vectors" / "kod2-example-cert-01F20A5D352AE590.der").read_bytes()
    return read_certificate(der).public_key


def test_the_official_example_verifies(public_key: object) -> None:
    signature = _b64url(KOD2["signatureBase64Url"])
    assert signature_valid(public_key, KOD2["stringToSign"], signature)
    # The same signature over any other text, or a damaged one, does not.
    assert not signature_valid(public_key, KOD2["stringToSign"][:-1] + "A", signature)
    assert not signature_valid(public_key, KOD2["stringToSign"], signature[:-1] + b"\0")
    assert not signature_valid(public_key, KOD2["stringToSign"], b"")


def test_the_official_link_parses_into_its_parts() -> None:
    url = KOD2["expectedUrl"]
    tail = url.split("/certificate/", 1)[1].split("/")
    names = ("contextType", "contextValue", "sellerNip", "serial", "hash", "signature")
    link = parse_link(dict(zip(names, tail, strict=True)))
    assert link is not None
    assert (link.context_type, link.context_value, link.seller_nip, link.serial) == (
        KOD2["contextIdentifierType"],
        KOD2["contextIdentifierValue"],
        KOD2["sellerNip"],
        KOD2["certificateSerialNumber"],
    )
    assert base64.b64decode(link.invoice_hash) == _b64url(KOD2["invoiceHashBase64Url"])
    assert link.signature == _b64url(KOD2["signatureBase64Url"])
    # The signed text is the link without its scheme and signature.
    assert url.removeprefix("https://").rsplit("/", 1)[0] == KOD2["stringToSign"]
