"""Issue 17 from the command line, as real processes against a Sandbox with one data
folder and the real keyring: a self-signed certificate carrying the NIP → ``token
generate`` → ``send`` with that token → ``certificate enrol --type offline --export`` →
``qr`` whose KOD II verifies with that certificate and that the Sandbox's page accepts;
then no token, key or password anywhere in the data folder, the log or a backup.
"""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import keyring
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.ksef.xades import Signer, sign_request
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.secrets import auth_certificate_entry, offline_key_entry, token_entry
from tests.integration.conftest import SELLER, sample, with_issue_date, with_number

PASSWORD = "Canary-Haslo-17-credentials"


def _cli(
    data: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "KSEF_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--lang", "pl", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env={**environ, **(env or {})},
        timeout=180,
    )


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    config = SandboxConfig(nips=(SELLER, "5265877635"), port=0, rate_limit_scale=None)
    with Sandbox(config) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def owner_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def write_self_signed(
    folder: Path, key: ec.EllipticCurvePrivateKey, nip: str, *, days: int = 30, age: int = 1
) -> tuple[Path, Path]:
    """What a user makes with openssl: a self-signed certificate with serialNumber
    TINPL-NIP (the Test environment's rule) and its key encrypted with a password."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Jan Testowy"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINPL-{nip}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        ]
    )
    start = datetime.now(UTC) - timedelta(days=age)
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
    crt, pem = folder / "podpis.crt", folder / "podpis.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    return crt, pem


def invoice(folder: Path, number: str) -> Path:
    today = datetime.now(WARSAW).date().isoformat()
    path = folder / f"{number.replace('/', '-')}.xml"
    path.write_bytes(with_issue_date(with_number(sample(1), number), today))
    return path


def verify_kod2(url: str, qr_base: str, certificate: x509.Certificate) -> None:
    """KOD II as KSEF-PROTOCOL.md §6 says, checked here without the app's code: the
    signed text is the link without the scheme, up to the invoice hash."""
    head, _, signature = url.rpartition("/")
    text = head.split("://", 1)[1]
    assert text.startswith(qr_base.split("://", 1)[1] + "/certificate/Nip/")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    assert len(raw) == 64  # ECDSA P-256 as IEEE P1363 r||s
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(der, text.encode("utf-8"), ec.ECDSA(hashes.SHA256()))


def test_self_signed_to_token_to_send_to_offline_certificate_to_kod2(
    tmp_path: Path, sb: Sandbox, owner_key: ec.EllipticCurvePrivateKey
) -> None:
    data = tmp_path / "data"
    target = ["--base-url", sb.base_url, "--nip", SELLER]
    crt, key = write_self_signed(tmp_path, owner_key, SELLER)
    signature = ["--cert", str(crt), "--key", str(key), "--password-env", "PODPIS_HASLO"]
    secret_env = {"PODPIS_HASLO": PASSWORD}
    entry = token_entry("sandbox", SELLER)
    forget(entry)
    kept: list[str] = [entry]
    try:
        made = _cli(
            data,
            "token",
            "generate",
            *target,
            *signature,
            "--permissions",
            "InvoiceWrite,InvoiceRead,CredentialsRead",
            "--description",
            "Token z podpisu",
            env=secret_env,
        )
        assert made.returncode == 0, made.stderr
        ref = made.stdout.strip()
        token = keyring.get_password("ksef-desktop", entry)
        assert token is not None
        assert token.startswith(ref + "|")
        assert token not in made.stdout + made.stderr
        assert sb.core.state.tokens[ref].permissions == [
            "InvoiceWrite",
            "InvoiceRead",
            "CredentialsRead",
        ]

        file = invoice(tmp_path, "KRED/1")
        sent = _cli(data, "send", str(file), *target)  # no KSEF_TOKEN: the keyring's
        assert sent.returncode == 0, sent.stderr
        (line,) = sent.stdout.splitlines()
        assert line.startswith(f"{file} {SELLER}-")
        assert sb.core.state.tokens[ref].last_use_date is not None  # that token logged in

        export = tmp_path / "eksport"
        enrolled = _cli(
            data,
            "certificate",
            "enrol",
            "--type",
            "offline",
            "--export",
            str(export),
            *target,
            *signature,
            env=secret_env,
        )
        assert enrolled.returncode == 0, enrolled.stderr
        serial, valid_from, valid_to = enrolled.stdout.split()
        assert len(serial) == 16
        assert int(serial, 16) > 0
        assert valid_from < valid_to
        crt_out, key_out = export / f"{serial}.crt", export / f"{serial}.key"
        for path in (crt_out, key_out):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        certificate = x509.load_pem_x509_certificate(crt_out.read_bytes())
        assert f"{certificate.serial_number:016X}" == serial
        assert certificate.extensions.get_extension_for_class(
            x509.KeyUsage
        ).value.content_commitment  # an Offline certificate (Non-Repudiation)
        assert sb.core.ca is not None
        certificate.verify_directly_issued_by(sb.core.ca.certificate)
        # The key is in the keyring for the profile, and the profile knows the certificate.
        kept.append(offline_key_entry("sandbox", SELLER, serial))
        kept_key = keyring.get_password("ksef-desktop", kept[-1])
        assert kept_key is not None
        assert kept_key.strip() == key_out.read_text().strip()
        assert (data / f"offline-certificate-{serial}.der").is_file()

        offline = invoice(tmp_path, "KRED/2")
        codes = _cli(
            data,
            "qr",
            str(offline),
            "--env",
            "sandbox",
            "--qr-base",
            sb.qr_base,
            "--cert",
            str(crt_out),
            "--key",
            str(key_out),
        )
        assert codes.returncode == 0, codes.stderr
        kod1, kod2 = codes.stdout.splitlines()
        assert kod1.startswith(sb.qr_base + "/invoice/")
        verify_kod2(kod2, sb.qr_base, certificate)
        page = httpx.get(kod2, timeout=30)
        assert page.status_code == 200, page.text
        # The profile's store uses it too: an imported offline invoice gets its KOD II.
        imported = _cli(data, "import", str(offline), *target, "--mode", "offline24")
        assert imported.returncode == 0, imported.stderr
        assert imported.stdout.split()[1:] == ["KRED/2", "queued"]
        assert "KOD II" not in imported.stderr  # the profile has its certificate

        _no_secret_left(tmp_path, data, [token, kept_key, PASSWORD])
    finally:
        for name in kept:
            forget(name)


def forget(entry: str) -> None:
    if keyring.get_password("ksef-desktop", entry) is not None:
        keyring.delete_password("ksef-desktop", entry)


def _no_secret_left(tmp_path: Path, data: Path, secrets: list[str]) -> None:
    """The canary of issue 17: no token, private key or password in the data folder, the
    log or a backup made of it."""
    backup = tmp_path / "kopia.zip"
    made = _cli(data, "backup", "create", str(backup))
    assert made.returncode == 0, made.stderr
    texts: list[bytes] = []
    for path in data.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes())
    with zipfile.ZipFile(backup) as archive:
        texts += [archive.read(name) for name in archive.namelist()]
    assert any(b"KRED/2" in t for t in texts)  # the data is there: the search can find
    needles = []
    for secret in secrets:
        lines = [ln for ln in secret.splitlines() if ln and not ln.startswith("-----")]
        needles += [secret.encode()] + [ln.encode() for ln in lines]
    for blob in texts:
        for needle in needles:
            assert needle not in blob, "a secret reached the data folder or the backup"


def _p12(folder: Path, key: ec.EllipticCurvePrivateKey, nip: str) -> Path:
    crt, _pem = write_self_signed(folder, key, nip)
    cert = x509.load_pem_x509_certificate(crt.read_bytes())
    path = folder / "podpis.p12"
    encryption = serialization.BestAvailableEncryption(PASSWORD.encode())
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"jan", key, cert, None, encryption))
    return path


def test_every_credential_command(
    tmp_path: Path, sb: Sandbox, owner_key: ec.EllipticCurvePrivateKey
) -> None:
    data = tmp_path / "data"
    target = ["--base-url", sb.base_url, "--nip", SELLER]
    p12 = ["--p12", str(_p12(tmp_path, owner_key, SELLER)), "--password-env", "PODPIS_HASLO"]
    secret_env = {"PODPIS_HASLO": PASSWORD}
    entries = [token_entry("sandbox", SELLER), auth_certificate_entry("sandbox", SELLER)]
    for entry in entries:
        forget(entry)
    try:
        # A wrong or missing password, and a self-signed certificate in Production.
        wrong = _cli(data, "token", "generate", *target, *p12, "--permissions", "InvoiceRead",
                     env={"PODPIS_HASLO": "zle"})  # fmt: skip
        assert wrong.returncode == 2
        assert "błędne hasło" in wrong.stderr
        unset = _cli(data, "token", "generate", *target, *p12, "--permissions", "InvoiceRead")
        assert (unset.returncode, unset.stderr.strip()) == (
            2,
            "Zmienna środowiskowa PODPIS_HASLO (--password-env) nie jest ustawiona.",
        )
        prod = _cli(data, "token", "generate", "--env", "prod", "--nip", SELLER,
                    "--self-signed", "--permissions", "InvoiceRead")  # fmt: skip
        assert prod.returncode == 2
        assert "tylko w środowisku testowym" in prod.stderr
        nothing = _cli(data, "certificate", "list", *target)
        assert nothing.returncode == 2
        assert "logowania podpisem" in nothing.stderr

        # External signing: auth-request, signed elsewhere, --signed.
        request = tmp_path / "wniosek.xml"
        asked = _cli(data, "auth-request", *target, "-o", str(request))
        assert asked.returncode == 0, asked.stderr
        assert f"--signed {request}" in asked.stdout
        unsigned = _cli(data, "token", "generate", *target, "--signed", str(request),
                        "--permissions", "InvoiceRead")  # fmt: skip
        assert unsigned.returncode == 2
        assert "nie jest podpisany" in unsigned.stderr
        signer = Signer(owner_key, _certificate_der(tmp_path))
        signed = tmp_path / "wniosek-podpisany.xml"
        signed.write_bytes(sign_request(request.read_bytes(), signer))
        made = _cli(data, "token", "generate", *target, "--signed", str(signed),
                    "--permissions", "InvoiceWrite,InvoiceRead,CredentialsRead,Introspection",
                    "--description", "Z podpisu zewnetrznego")  # fmt: skip
        assert made.returncode == 0, made.stderr
        external_ref = made.stdout.strip()
        again = _cli(data, "token", "generate", *target, "--signed", str(signed),
                     "--permissions", "InvoiceRead")  # fmt: skip
        assert again.returncode == 1  # the challenge is spent: 21111
        assert "wyzwanie" in again.stderr.lower()

        # A token from the .p12 replaces it in the keyring; the list shows both.
        made = _cli(data, "token", "generate", *target, *p12, "--permissions",
                    "InvoiceWrite,InvoiceRead,CredentialsRead,CredentialsManage",
                    "--description", "Z pliku p12", env=secret_env)  # fmt: skip
        assert made.returncode == 0, made.stderr
        p12_ref = made.stdout.strip()
        listed = _cli(data, "token", "list", *target)
        assert listed.returncode == 0, listed.stderr
        lines = {line.split()[0]: line.split() for line in listed.stdout.splitlines()}
        assert lines[external_ref][1] == "Active"
        assert lines[p12_ref][1] == "Active"
        assert lines[p12_ref][2] != "-"  # last use: the login of `token list` itself
        assert lines[external_ref][3] == "InvoiceWrite,InvoiceRead,CredentialsRead,Introspection"
        revoked = _cli(data, "token", "revoke", external_ref, *target)
        assert revoked.returncode == 0, revoked.stderr
        assert sb.core.state.tokens[external_ref].status == "Revoked"
        assert keyring.get_password("ksef-desktop", entries[0]) is not None  # not ours

        # Logins: the current one and the signature ones; end one.
        logins = _cli(data, "logins", *target)
        assert logins.returncode == 0, logins.stderr
        rows = [line.split(" ", 2) for line in logins.stdout.splitlines()]
        assert sum("current" in rest for _r, _t, rest in rows) == 1
        signed_rows = [ref for ref, _t, rest in rows if rest.startswith("Podpis kwalifikowany")]
        assert signed_rows
        ended = _cli(data, "logins", "--revoke", signed_rows[0], *target)
        assert ended.returncode == 0, ended.stderr
        after = _cli(data, "logins", *target).stdout
        assert signed_rows[0] not in after

        # Permissions: the kinds explained, a grant, the list, a revocation.
        kinds = _cli(data, "permissions", "kinds", *target)
        assert "InvoiceWrite: Wystawianie faktur." in kinds.stdout
        english = _cli(data, "--lang", "en", "permissions", "kinds", *target)
        assert "InvoiceWrite: Issue invoices." in english.stdout
        granted = _cli(data, "permissions", "grant", *target, "--entity", OTHER,
                       "--entity-name", "Biuro Rachunkowe Sp. z o.o.", "--permissions",
                       "InvoiceRead", "--description", "Biuro rachunkowe")  # fmt: skip
        assert granted.returncode == 0, granted.stderr
        listed = _cli(data, "permissions", "list", *target)
        (row,) = [ln for ln in listed.stdout.splitlines() if f"Nip {OTHER}" in ln]
        assert row.split()[3:5] == ["InvoiceRead", "Active"]
        assert row.endswith("Biuro Rachunkowe Sp. z o.o.")
        gone = _cli(data, "permissions", "revoke", row.split()[0], *target)
        assert gone.returncode == 0, gone.stderr
        assert f"Nip {OTHER}" not in _cli(data, "permissions", "list", *target).stdout

        # An Authentication certificate: afterwards it is the profile's signature.
        auth = _cli(data, "certificate", "enrol", "--type", "authentication", "--name",
                    "Logowanie testowe", *target, *p12, env=secret_env)  # fmt: skip
        assert auth.returncode == 0, auth.stderr
        serial = auth.stdout.split()[0]
        assert keyring.get_password("ksef-desktop", entries[1]) is not None
        certificates = _cli(data, "certificate", "list", *target)  # no signature option
        assert certificates.returncode == 0, certificates.stderr
        (line,) = [ln for ln in certificates.stdout.splitlines() if ln.startswith(serial)]
        assert line.split()[1:3] == ["Authentication", "Active"]
        assert line.split()[4] != "-"  # it just logged in
        assert line.endswith("Logowanie testowe")
        # Signed with the stored certificate itself: KSeF refuses it from then on, and the
        # keyring forgets it.
        gone = _cli(data, "certificate", "revoke", serial, "--reason", "Superseded", *target)
        assert gone.returncode == 0, gone.stderr
        assert "usunięto go z magazynu" in gone.stdout
        assert keyring.get_password("ksef-desktop", entries[1]) is None
        assert sb.core.state.certificates[serial].status == "Revoked"
        nothing = _cli(data, "certificate", "list", *target)
        assert nothing.returncode == 2
        assert "logowania podpisem" in nothing.stderr
        for out in (made, auth, listed, logins):
            assert "Traceback" not in out.stderr
    finally:
        for entry in entries:
            forget(entry)


OTHER = "5265877635"


def _certificate_der(folder: Path) -> bytes:
    cert = x509.load_pem_x509_certificate((folder / "podpis.crt").read_bytes())
    return cert.public_bytes(serialization.Encoding.DER)
