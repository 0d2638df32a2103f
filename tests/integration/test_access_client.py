"""The client's credentials and access (ksef/access.py, services/) against the Sandbox:
login by signature three ways and wrong signatures refused with the official codes;
tokens generated into the keyring, listed with their last use, revoked; KSeF
certificates enrolled with a key made here, logged in with, revoked; permissions granted,
listed, revoked; the login audit and ending a login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ksef_desktop.ksef import api_auth
from ksef_desktop.ksef.access import AccessClient
from ksef_desktop.ksef.auth import PollPolicy
from ksef_desktop.ksef.environments import Environment
from ksef_desktop.ksef.environments import sandbox as sandbox_env
from ksef_desktop.ksef.errors import (
    AuthExpired,
    AuthRejected,
    Forbidden,
    OperationFailed,
    RequestRejected,
)
from ksef_desktop.ksef.transport import Transport
from ksef_desktop.ksef.workflows import KsefClient
from ksef_desktop.ksef.xades import Signer, self_signed, sign_request
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.secrets import SecretStore, auth_certificate_entry, token_entry
from ksef_desktop.services import access_rights, credentials, signing
from tests.integration.conftest import OTHER_NIP, SELLER

FAST = PollPolicy(first=0.01, factor=1.5, cap=0.1, timeout=20)


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    config = SandboxConfig(nips=(SELLER, OTHER_NIP), port=0, rate_limit_scale=None)
    with Sandbox(config) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def env(sb: Sandbox) -> Environment:
    return sandbox_env(sb.base_url, sb.qr_base, sb.latarnia_url)


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def keys() -> dict[str, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey]:
    """Made once for the module (RSA generation is slow on a shared machine)."""
    return {
        "ec": ec.generate_private_key(ec.SECP256R1()),
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    }


@pytest.fixture(scope="module")
def owner(
    env: Environment, http: httpx.Client, keys: dict[str, ec.EllipticCurvePrivateKey]
) -> AccessClient:
    signer = self_signed(SELLER, now=now(), key=keys["ec"])
    client = AccessClient.signed_in(http, env, SELLER, now=now, signer=signer, poll=FAST)
    client.authenticate()
    return client


@pytest.fixture
def store() -> Iterator[SecretStore]:
    secrets = SecretStore()
    yield secrets
    for entry in (token_entry("sandbox", SELLER), auth_certificate_entry("sandbox", SELLER)):
        secrets.delete(entry)


def signed_in(http: httpx.Client, env: Environment, nip: str, **how: object) -> AccessClient:
    return AccessClient.signed_in(http, env, nip, now=now, poll=FAST, **how)  # type: ignore[arg-type]


def certificate_files(
    folder: Path, key: rsa.RSAPrivateKey, nip: str, password: str, *, days: int = 30
) -> tuple[Path, Path]:
    """A .p12 and a PEM pair of one self-signed certificate, as a user holds them."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.GIVEN_NAME, "Jan"),
            x509.NameAttribute(NameOID.SURNAME, "Kowalski"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINPL-{nip}"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Jan Kowalski"),
        ]
    )
    start = now() - timedelta(days=1)
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
    p12 = folder / "podpis.p12"
    encryption = serialization.BestAvailableEncryption(password.encode())
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"jan", key, cert, None, encryption))
    der = folder / "podpis.der"
    der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    return p12, der


# --- login by signature, three ways ----------------------------------------------------------


def test_a_p12_file_and_a_der_certificate_with_its_key(
    tmp_path: Path, env: Environment, http: httpx.Client, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    p12, der = certificate_files(tmp_path, keys["rsa"], SELLER, "tajne")
    with pytest.raises(signing.PasswordNeeded):
        signing.load_signer(p12, None, "zle-haslo")
    from_p12 = signing.load_signer(p12, None, "tajne")
    pem_key = tmp_path / "podpis.key"
    pem_key.write_bytes(
        keys["rsa"].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.BestAvailableEncryption(b"tajne"),
        )
    )
    with pytest.raises(signing.PasswordNeeded):
        signing.load_signer(der, pem_key, None)
    from_files = signing.load_signer(der, pem_key, "tajne")
    assert from_files.fingerprint == from_p12.fingerprint
    for signer in (from_p12, from_files):
        client = signed_in(http, env, SELLER, signer=signer)
        ref = client.authenticate()
        (mine,) = [login for login in client.logins() if login.reference_number == ref]
        assert mine.is_current
        assert (mine.method_info.category, mine.authentication_method) == (
            "XadesSignature",
            "QualifiedSignature",
        )
    other_key = ec.generate_private_key(ec.SECP256R1())
    wrong = tmp_path / "inny.key"
    wrong.write_bytes(
        other_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(signing.SignatureError, match="nie należy do tego certyfikatu"):
        signing.load_signer(der, wrong, None)


def test_external_signing_logs_in_once(
    tmp_path: Path,
    env: Environment,
    http: httpx.Client,
    keys: dict[str, ec.EllipticCurvePrivateKey],
) -> None:
    challenge = api_auth.auth_challenge(Transport(http, env)).challenge
    request = tmp_path / "wniosek.xml"
    signing.write_request(request, signing.request_document(challenge, SELLER))
    with pytest.raises(signing.SignatureError, match="nie jest podpisany"):
        signing.read_signed(request, SELLER)
    # Signed "elsewhere": here with the same library any signing program could be.
    elsewhere = self_signed(SELLER, now=now(), key=keys["ec"])
    signed_file = tmp_path / "wniosek-podpisany.xml"
    signed_file.write_bytes(sign_request(request.read_bytes(), elsewhere))
    with pytest.raises(signing.SignatureError, match="nie dla NIP"):
        signing.read_signed(signed_file, OTHER_NIP)
    document = signing.read_signed(signed_file, SELLER).document
    client = signed_in(http, env, SELLER, signed=document)
    assert client.authenticate()
    assert any(t.status == "Active" for t in client.tokens())  # the login works
    with pytest.raises(AuthExpired):
        client.authenticate()  # its challenge is spent: a new signature is needed


def test_self_signed_only_on_test_and_in_the_sandbox() -> None:
    assert signing.self_signed_signer("test", SELLER, now=now()).fingerprint
    assert signing.self_signed_signer("sandbox", SELLER, now=now()).fingerprint
    for name in ("demo", "prod"):
        with pytest.raises(signing.SignatureError, match="tylko w środowisku testowym"):
            signing.self_signed_signer(name, SELLER, now=now())


# --- wrong signatures: the official codes -------------------------------------------------------


def _signed_document(http: httpx.Client, env: Environment, signer: Signer, nip: str) -> bytes:
    challenge = api_auth.auth_challenge(Transport(http, env)).challenge
    return sign_request(signing.request_document(challenge, nip), signer)


def test_wrong_signatures_are_refused_with_the_official_codes(
    env: Environment, http: httpx.Client, keys: dict[str, ec.EllipticCurvePrivateKey]
) -> None:
    signer = self_signed(SELLER, now=now(), key=keys["ec"])
    good = _signed_document(http, env, signer, SELLER)
    changed = good.replace(b"certificateSubject", b"certificateSubjecT", 1)
    with pytest.raises(RequestRejected) as caught:
        signed_in(http, env, SELLER, signed=changed).authenticate()
    assert caught.value.code == 9105  # a changed byte
    digest = re.search(rb"<ds:DigestValue>([^<]+)</ds:DigestValue>", good)
    assert digest is not None
    wrong_digest = good.replace(digest.group(1), b"A" * 43 + b"=", 1)
    with pytest.raises(RequestRejected) as caught:
        signed_in(http, env, SELLER, signed=wrong_digest).authenticate()
    assert caught.value.code == 9105
    assert "podpis jest nieprawidłowy" in caught.value.message().lower()
    # A certificate of another NIP: no permission in this context.
    stranger = self_signed(OTHER_NIP, now=now(), key=keys["ec"])
    with pytest.raises(AuthRejected) as refused:
        signed_in(http, env, SELLER, signer=stranger).authenticate()
    assert (refused.value.code, refused.value.details) == (415, ("Brak przypisanych uprawnień",))
    # An expired certificate.
    expired = self_signed(SELLER, now=now() - timedelta(days=400), days=30, key=keys["ec"])
    with pytest.raises(AuthRejected) as old:
        signed_in(http, env, SELLER, signer=expired).authenticate()
    assert (old.value.code, old.value.details) == (460, ("Nieważny certyfikat",))
    assert "certyfikat" in old.value.message().lower()
    # The untouched document still works: the test could fail.
    assert signed_in(http, env, SELLER, signed=good).authenticate()


# --- tokens -------------------------------------------------------------------------------------


def test_a_token_generated_into_the_keyring_works_lists_and_revokes(
    owner: AccessClient, env: Environment, http: httpx.Client, store: SecretStore, sb: Sandbox
) -> None:
    ready = sb.tokens[SELLER]
    ref = credentials.generate_token(
        owner,
        store,
        environment="sandbox",
        nip=SELLER,
        permissions=["InvoiceWrite", "InvoiceRead", "CredentialsRead"],
        description="Token aplikacji testowej",
    )
    token = store.get(token_entry("sandbox", SELLER))
    assert token is not None
    assert token.startswith(ref + "|")
    app = KsefClient(http, env, SELLER, token, now=now, poll=FAST)
    app.authenticate()
    listed = {t.reference_number: t for t in app.access().tokens()}
    assert listed[ref].status == "Active"
    assert listed[ref].requested_permissions == ("InvoiceWrite", "InvoiceRead", "CredentialsRead")
    assert listed[ref].last_use_date is not None  # the login just made
    audit = credentials.login_audit(app.access())
    (current,) = [row for row in audit.logins if row.current]
    assert current.category == "Token"
    assert ref in current.source
    # A token cannot make tokens, even one with CredentialsManage: KSeF wants a login by
    # signature.
    manager = KsefClient(http, env, SELLER, ready, now=now, poll=FAST).access()
    with pytest.raises(Forbidden) as caught:
        manager.generate_token(["InvoiceRead"], "Token z tokena")
    assert caught.value.reason == "auth-method-not-allowed"
    owner.revoke_token(ref)
    assert owner.token(ref).status == "Revoked"
    with pytest.raises(AuthRejected) as refused:
        KsefClient(http, env, SELLER, token, now=now, poll=FAST).authenticate()
    assert refused.value.code == 450


def test_a_token_needs_permissions_and_a_description(
    owner: AccessClient, store: SecretStore
) -> None:
    with pytest.raises(credentials.CredentialsError):
        credentials.generate_token(
            owner, store, environment="sandbox", nip=SELLER, permissions=[], description="Opis"
        )
    with pytest.raises(credentials.CredentialsError, match="od 5 do 256"):
        credentials.generate_token(
            owner,
            store,
            environment="sandbox",
            nip=SELLER,
            permissions=["InvoiceRead"],
            description="abc",
        )
    assert store.get(token_entry("sandbox", SELLER)) is None


# --- KSeF certificates --------------------------------------------------------------------------


def test_an_authentication_certificate_becomes_the_profiles_signature(
    owner: AccessClient, env: Environment, http: httpx.Client, store: SecretStore, tmp_path: Path
) -> None:
    limits = owner.certificate_limits()
    enrolled = credentials.enrol_certificate(owner, "Authentication", None, now=now())
    assert enrolled.certificate_type == "Authentication"
    assert enrolled.not_before <= now() < enrolled.not_after
    assert (
        credentials.keep_certificate(
            enrolled, store, environment="sandbox", nip=SELLER, data_dir=tmp_path
        )
        is None
    )
    assert list(tmp_path.iterdir()) == []  # nothing on disk: the key is in the keyring
    kept = signing.stored_signer(store, "sandbox", SELLER)
    assert kept is not None
    client = signed_in(http, env, SELLER, signer=kept, verify_certificate_chain=True)
    ref = client.authenticate()
    (mine,) = [login for login in client.logins() if login.reference_number == ref]
    assert mine.authentication_method == "InternalCertificate"
    audit = credentials.login_audit(client)
    (row,) = [r for r in audit.logins if r.reference == ref]
    assert enrolled.serial in row.source  # the certificate's last use is this login
    assert owner.certificate_limits().certificate.remaining == limits.certificate.remaining - 1
    listed = {c.certificate_serial_number: c for c in owner.certificates()}
    assert listed[enrolled.serial].status == "Active"
    owner.revoke_certificate(enrolled.serial, "Superseded")
    assert {c.certificate_serial_number: c for c in owner.certificates()}[
        enrolled.serial
    ].status == "Revoked"
    with pytest.raises(AuthRejected) as caught:
        signed_in(http, env, SELLER, signer=kept).authenticate()
    assert (caught.value.code, caught.value.details) == (460, ("Certyfikat odwołany",))
    with pytest.raises(RequestRejected) as again:
        owner.revoke_certificate(enrolled.serial)
    assert again.value.code == 25009


def test_a_token_login_cannot_enrol(sb: Sandbox, env: Environment, http: httpx.Client) -> None:
    app = KsefClient(http, env, SELLER, sb.tokens[SELLER], now=now, poll=FAST).access()
    with pytest.raises(RequestRejected) as caught:
        app.enrollment_data()
    assert caught.value.code == 25001


def test_a_key_certified_for_someone_else_is_refused(
    owner: AccessClient,
    env: Environment,
    http: httpx.Client,
    keys: dict[str, ec.EllipticCurvePrivateKey],
) -> None:
    other = signed_in(http, env, OTHER_NIP, signer=self_signed(OTHER_NIP, now=now()))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = credentials.certificate_subject(other.enrollment_data())
    other.enrol("Klucz wspolny", "Offline", credentials.make_csr(subject, key))
    mine = credentials.certificate_subject(owner.enrollment_data())
    with pytest.raises(OperationFailed) as caught:
        owner.enrol("Klucz wspolny", "Offline", credentials.make_csr(mine, key))
    assert (caught.value.kind, caught.value.code) == ("certificate", 400)
    assert "certyfikowany dla kogoś innego" in caught.value.message()


# --- permissions --------------------------------------------------------------------------------

PESEL = "44051401359"  # a valid check digit


def test_permissions_for_a_person_and_an_accounting_office(
    owner: AccessClient, env: Environment, http: httpx.Client
) -> None:
    person = access_rights.GrantRequest.person(
        PESEL, ["InvoiceWrite", "InvoiceRead"], "Pracownica", "Anna", "Nowak"
    )
    office = access_rights.GrantRequest.entity(
        OTHER_NIP, ["InvoiceRead"], "Biuro rachunkowe", "Biuro Rachunkowe Sp. z o.o."
    )
    selfbilling = access_rights.GrantRequest.authorization(
        OTHER_NIP, "SelfInvoicing", "Samofakturowanie", "Biuro Rachunkowe Sp. z o.o."
    )
    for request in (person, office, selfbilling):
        assert access_rights.grant(owner, request)
    rows = access_rights.permission_rows(owner)
    mine = {(r.kind, r.subject, r.permission): r for r in rows}
    assert mine[("person", f"Pesel {PESEL}", "InvoiceWrite")].name == "Anna Nowak"
    assert ("person", f"Pesel {PESEL}", "InvoiceRead") in mine
    entity = mine[("entity", f"Nip {OTHER_NIP}", "InvoiceRead")]
    assert entity.name == "Biuro Rachunkowe Sp. z o.o."
    assert ("authorization", f"Nip {OTHER_NIP}", "SelfInvoicing") in mine
    # The person can now log in and send; after the revocation, no longer.
    from tests.contract.xadessign import person as person_certificate

    holder = person_certificate(PESEL)
    signer = Signer(holder.key, holder.certificate.public_bytes(serialization.Encoding.DER))
    assert signed_in(http, env, SELLER, signer=signer).authenticate()
    for row in rows:
        if row.subject in (f"Pesel {PESEL}", f"Nip {OTHER_NIP}"):
            assert access_rights.revoke(owner, row.id)
    left = {(r.subject, r.permission) for r in access_rights.permission_rows(owner)}
    assert not any(subject in (f"Pesel {PESEL}", f"Nip {OTHER_NIP}") for subject, _p in left)
    with pytest.raises(AuthRejected) as caught:
        signed_in(http, env, SELLER, signer=signer).authenticate()
    assert caught.value.code == 415


def test_a_grant_ksef_refuses_ends_with_its_official_status(owner: AccessClient) -> None:
    request = access_rights.GrantRequest.person(
        PESEL, ["EnforcementOperations"], "Komornik", "Jan", "Nowak"
    )
    with pytest.raises(OperationFailed) as caught:
        access_rights.grant(owner, request)
    assert (caught.value.kind, caught.value.code) == ("permission", 430)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: access_rights.GrantRequest.person(
                "90010112345", ["InvoiceRead"], "Opis x", "A", "B"
            ),
            "PESEL",
        ),
        (
            lambda: access_rights.GrantRequest.person("123", ["InvoiceRead"], "Opis x", "A", "B"),
            "ani prawidłowym NIP",
        ),
        (
            lambda: access_rights.GrantRequest.entity(
                OTHER_NIP, ["CredentialsManage"], "Opis x", "Biuro X"
            ),
            "Wybierz",
        ),
        (
            lambda: access_rights.GrantRequest.entity(OTHER_NIP, ["InvoiceRead"], "x", "Biuro X"),
            "Opis",
        ),
    ],
)
def test_bad_grants_are_refused_before_ksef_is_asked(make: object, message: str) -> None:
    with pytest.raises(credentials.CredentialsError, match=message):
        make()  # type: ignore[operator]


# --- logins -------------------------------------------------------------------------------------


def test_ending_a_login_stops_its_refresh_token(
    owner: AccessClient, env: Environment, http: httpx.Client, sb: Sandbox
) -> None:
    app = KsefClient(http, env, SELLER, sb.tokens[SELLER], now=now, poll=FAST)
    app.authenticate()
    ref = app.auth.reference_number
    assert ref is not None
    audit = credentials.login_audit(owner)
    by_ref = {row.reference: row for row in audit.logins}
    assert by_ref[ref].category == "Token"
    assert not by_ref[ref].current
    assert by_ref[owner.auth.reference_number or ""].current
    assert by_ref[owner.auth.reference_number or ""].method == "Podpis kwalifikowany"
    owner.revoke_login(ref)
    assert ref not in {row.reference for row in credentials.login_audit(owner).logins}
    refresh = app.auth._refresh  # the revoked login's own refresh token
    assert refresh is not None
    with pytest.raises(RequestRejected) as caught:
        api_auth.auth_token_refresh(app.transport, refresh.token)
    assert caught.value.code == 21301
