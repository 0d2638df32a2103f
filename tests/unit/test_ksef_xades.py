"""The client's own AuthTokenRequest and its XAdES signature (ksef/xades.py), checked
against the official schema and example and verified with signxml's XAdES verifier
(the verifying side is signxml's, not ours)."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from signxml.exceptions import InvalidDigest, InvalidSignature
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESVerifier

from ksef_desktop.ksef.xades import (
    Context,
    RequestError,
    Signer,
    auth_token_request,
    inspect_request,
    self_signed,
    sign_request,
)

AUTH = Path(__file__).parents[1] / "data" / "auth"
CHALLENGE = "20250604-CR-461EA5B000-537A6BA15D-D7"
NIP = "5265877635"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def schema() -> etree.XMLSchema:
    """The official schema; libxml2 has no ``\\b``, so the three AllowedIps patterns (which
    the requests here never use) are loosened before it is compiled."""
    text = (AUTH / "schemat_auth_v2-0.xsd").read_bytes()
    text = re.sub(rb'value="\^[^"]*\\b[^"]*"', b'value=".*"', text)
    return etree.XMLSchema(etree.fromstring(text))


def c14n(data: bytes) -> bytes:
    root = etree.fromstring(data, etree.XMLParser(remove_blank_text=True))
    return bytes(etree.tostring(root, method="c14n"))


@pytest.fixture(scope="module")
def signers() -> dict[str, Signer]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)  # signxml's verifier checks the validity against the clock
    return {"ec": self_signed(NIP, now=now), "rsa": self_signed(NIP, now=now, key=rsa_key)}


def verify(signed: bytes, signer: Signer) -> etree._Element:
    pem = signer.x509.public_bytes(serialization.Encoding.PEM)
    config = XAdESSignatureConfiguration(require_x509=True, expect_references=3)
    (result, *_rest) = XAdESVerifier().verify(signed, x509_cert=pem, expect_config=config)
    assert result.signed_xml is not None
    return result.signed_xml


def test_the_unsigned_request_is_the_official_example_and_schema_valid() -> None:
    made = auth_token_request(CHALLENGE, Context("Nip", NIP))
    assert made.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    official = (AUTH / "AuthTokenRequest-context-identifier-nip.xml").read_bytes()
    assert c14n(made) == c14n(official)
    assert schema().validate(etree.fromstring(made))


def test_every_official_example_is_read() -> None:
    examples = sorted(AUTH.glob("AuthTokenRequest-*.xml"))
    assert len(examples) == 5
    contexts = {inspect_request(p.read_bytes()).context.type for p in examples}
    assert contexts == {"Nip", "InternalId", "NipVatUe"}
    facts = inspect_request((AUTH / "AuthTokenRequest-context-identifier-nip.xml").read_bytes())
    assert (facts.challenge, facts.context, facts.signatures) == (CHALLENGE, Context("Nip", NIP), 0)


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_the_signature_verifies_and_covers_the_whole_request(
    signers: dict[str, Signer], kind: str
) -> None:
    signer = signers[kind]
    signed = sign_request(auth_token_request(CHALLENGE, Context("Nip", NIP)), signer)
    covered = verify(signed, signer)
    assert etree.QName(covered).localname == "AuthTokenRequest"
    assert covered.findtext("{http://ksef.mf.gov.pl/auth/token/2.0}Challenge") == CHALLENGE
    method = "ecdsa-sha256" if kind == "ec" else "rsa-sha256"
    assert method.encode() in signed
    assert b"http://www.w3.org/2000/09/xmldsig#enveloped-signature" in signed
    assert b"SignedProperties" in signed  # XAdES, not a bare XML-DSig
    facts = inspect_request(signed)
    assert (facts.signatures, facts.context.value) == (1, NIP)
    assert schema().validate(_without_signature(signed))


def _without_signature(signed: bytes) -> etree._Element:
    root = etree.fromstring(signed)
    for node in root.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        root.remove(node)
    return root


def test_a_changed_byte_or_digest_does_not_verify(signers: dict[str, Signer]) -> None:
    signer = signers["ec"]
    signed = sign_request(auth_token_request(CHALLENGE, Context("Nip", NIP)), signer)
    other_nip = signed.replace(f"<Nip>{NIP}</Nip>".encode(), b"<Nip>5265877636</Nip>", 1)
    with pytest.raises(InvalidDigest):
        verify(other_nip, signer)
    digest = re.search(rb"<ds:DigestValue>([^<]+)</ds:DigestValue>", signed)
    assert digest is not None
    with pytest.raises((InvalidDigest, InvalidSignature)):
        verify(signed.replace(digest.group(1), b"A" * 43 + b"=", 1), signer)


def test_signing_again_replaces_the_old_signature(signers: dict[str, Signer]) -> None:
    once = sign_request(auth_token_request(CHALLENGE, Context("Nip", NIP)), signers["ec"])
    twice = sign_request(once, signers["rsa"])
    assert inspect_request(twice).signatures == 1
    verify(twice, signers["rsa"])


def test_the_self_signed_certificate_carries_the_nip() -> None:
    signer = self_signed(NIP, now=NOW, common_name="Jan Nowak")
    cert = signer.x509
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == f"TINPL-{NIP}"
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Jan Nowak"
    assert cert.issuer == cert.subject
    assert cert.not_valid_before_utc <= NOW < cert.not_valid_after_utc
    assert isinstance(signer.key, ec.EllipticCurvePrivateKey)
    assert len(signer.fingerprint) == 64
    assert "PRIVATE" not in repr(signer)
    assert signer.fingerprint[:16] in repr(signer)


def test_weak_keys_are_refused() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(RequestError) as caught:
        self_signed(NIP, now=NOW, key=weak)
    assert caught.value.reason == "weak-key"
    small = ec.generate_private_key(ec.SECP192R1())
    cert = x509.load_der_x509_certificate(self_signed(NIP, now=NOW).certificate)
    with pytest.raises(RequestError):
        Signer(small, cert.public_bytes(serialization.Encoding.DER))


def test_bad_challenges_and_contexts_are_refused() -> None:
    with pytest.raises(RequestError):
        auth_token_request("not-a-challenge", Context("Nip", NIP))
    with pytest.raises(RequestError):
        auth_token_request(CHALLENGE, Context("Pesel", "90010112345"))


@pytest.mark.parametrize(
    "document",
    [
        b"",
        b"not xml",
        b"<a/>",
        b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>',
        b'<AuthTokenRequest xmlns="http://ksef.mf.gov.pl/auth/token/2.0"><Challenge>x'
        b"</Challenge></AuthTokenRequest>",
    ],
)
def test_what_is_not_a_request_is_refused(document: bytes) -> None:
    with pytest.raises(RequestError):
        inspect_request(document)


@given(st.binary(max_size=300))
def test_any_bytes_give_facts_or_a_request_error(data: bytes) -> None:
    with contextlib.suppress(RequestError):
        inspect_request(data)


def test_an_expired_certificate_can_still_sign() -> None:
    """KSeF, not the client, refuses an expired certificate (auth status 460)."""
    old = self_signed(NIP, now=NOW - timedelta(days=800), days=30)
    signed = sign_request(auth_token_request(CHALLENGE, Context("Nip", NIP)), old)
    assert inspect_request(signed).signatures == 1
