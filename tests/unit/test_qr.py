"""KOD I / KOD II against the official vectors, our own signatures, and the qr command."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given
from hypothesis import strategies as st
from PIL.Image import Image

from ksef_desktop.fa3.parse import parse
from ksef_desktop.visual import qr
from ksef_desktop.visual.certificates import OfflineSigning, read_certificate
from ksef_desktop.visual.codes import invoice_codes
from tests.conftest import DATA, OFFICIAL_SAMPLES
from tests.unit.test_certificates import cached_key, make_certificate, make_credentials

VECTORS = json.loads((DATA / "vectors" / "ksef-test-vectors.json").read_text("utf-8"))
KOD1 = VECTORS["kod1_official_doc_example"]
KOD2 = VECTORS["kod2_official_doc_example"]
SAMPLE = DATA / "fa3-official" / "FA_3_Przykład_1.xml"


def decode_qr(image: Image) -> list[str]:
    """Texts of every QR symbol zxing-cpp finds in a PIL image."""
    return [
        r.text
        for r in zxingcpp.read_barcodes(
            image.convert("L"), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    ]


def test_kod1_official_example() -> None:
    url = qr.kod1_url(
        KOD1["base"],
        KOD1["sellerNip"],
        date.fromisoformat(KOD1["issueDate_P_1"]),
        KOD1["invoiceHashBase64Url"],
    )
    assert url == KOD1["expectedUrl"]
    # The URL-safe hash is the standard Base64 hash with -_ and no padding.
    std = KOD1["invoiceHashBase64"]
    assert qr.b64url(base64.b64decode(std)) == KOD1["invoiceHashBase64Url"]


def test_invoice_hash_is_sha256_of_the_exact_bytes() -> None:
    data = SAMPLE.read_bytes()
    digest = qr.b64url_decode(qr.invoice_hash(data))
    assert digest == hashlib.sha256(data).digest()
    assert "=" not in qr.invoice_hash(data)
    assert qr.invoice_hash(data + b"\n") != qr.invoice_hash(data)


def test_kod2_official_example_verifies_with_the_shipped_certificate() -> None:
    cert = read_certificate(
        (DATA / "vectors" / KOD2["signingCertificateFile"].split("/")[-1]).read_bytes()
    )
    assert cert.serial == KOD2["certificateSerialNumber"]
    context = qr.ContextIdentifier(KOD2["contextIdentifierType"], KOD2["contextIdentifierValue"])
    text = qr.kod2_signed_text(
        "https://qr-test.ksef.mf.gov.pl",
        context,
        KOD2["sellerNip"],
        cert.serial,
        KOD2["invoiceHashBase64Url"],
    )
    assert text == KOD2["stringToSign"]
    signed, signature = qr.split_kod2_url(KOD2["expectedUrl"])
    assert signed == text
    assert qr.b64url(signature) == KOD2["signatureBase64Url"]
    assert qr.verify_kod2_signature(cert.public_key, text, signature)
    # A changed hash no longer verifies: the check can fail.
    assert not qr.verify_kod2_signature(cert.public_key, text[:-1] + "X", signature)


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_our_kod2_signature_verifies(kind: str) -> None:
    key = cached_key(kind)
    context = qr.ContextIdentifier("Nip", "1111111111")
    url = qr.kod2_url(
        "https://qr-test.ksef.mf.gov.pl",
        context,
        "1111111111",
        "01F20A5D352AE590",
        KOD2["invoiceHashBase64Url"],
        key,
    )
    text, signature = qr.split_kod2_url(url)
    assert url.startswith("https://" + KOD2["stringToSign"] + "/")
    assert text == KOD2["stringToSign"]
    if isinstance(key, ec.EllipticCurvePrivateKey):
        assert len(signature) == 64  # IEEE P1363 r||s
    else:
        assert isinstance(key, rsa.RSAPrivateKey)
        assert len(signature) == 256
    public = key.public_key()
    assert qr.verify_kod2_signature(public, text, signature)
    assert not qr.verify_kod2_signature(public, text.replace("Nip", "Nap"), signature)


def test_sandbox_http_base_signs_without_its_scheme() -> None:
    key = cached_key("ec")
    url = qr.kod2_url(
        "http://127.0.0.1:8123/qr/",
        qr.ContextIdentifier("Nip", "1111111111"),
        "1111111111",
        "00000000000000AB",
        "hash",
        key,
    )
    text, signature = qr.split_kod2_url(url)
    assert text == "127.0.0.1:8123/qr/certificate/Nip/1111111111/1111111111/00000000000000AB/hash"
    assert url.startswith("http://" + text + "/")
    assert qr.verify_kod2_signature(key.public_key(), text, signature)


@pytest.mark.parametrize("serial", ["1F20A5D352AE590", "01f20a5d352ae590", "01F20A5D352AE59G"])
def test_bad_serials_are_refused(serial: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - int() and our own check both say ValueError
        qr.kod2_signed_text("https://x.pl", qr.ContextIdentifier("Nip", "1"), "1", serial, "h")


def test_ec_key_off_p256_cannot_sign() -> None:
    with pytest.raises(ValueError, match="P-256"):
        qr.sign_kod2(cached_key("ec384"), "text")


@given(st.text(min_size=1, max_size=40))
def test_unknown_context_types_are_refused(kind: str) -> None:
    if kind in qr.CONTEXT_TYPES:
        return
    with pytest.raises(ValueError, match="context type"):
        qr.ContextIdentifier(kind, "1111111111")


@pytest.mark.parametrize("data", [KOD1["expectedUrl"], KOD2["expectedUrl"]])
def test_qr_image_decodes_to_the_link(data: str) -> None:
    image = qr.qr_image(data, module_px=4)
    assert decode_qr(image) == [data]
    png = qr.qr_png(data, module_px=2)
    assert png.startswith(b"\x89PNG")


def test_dark_runs_cover_exactly_the_dark_modules() -> None:
    matrix = qr.qr_matrix(KOD1["expectedUrl"])
    covered = {(y, x + i) for y, x, n in qr.dark_runs(KOD1["expectedUrl"]) for i in range(n)}
    dark = {(y, x) for y, row in enumerate(matrix) for x, m in enumerate(row) if m}
    assert covered == dark


def test_codes_of_an_online_and_an_offline_invoice() -> None:
    data = SAMPLE.read_bytes()
    invoice = parse(data)
    number = "9999999999-20260215-0100001AF629-00"
    online = invoice_codes(data, invoice, qr_base=qr.QR_BASES["test"], ksef_number=number)
    assert online.kod1.label == number
    assert online.kod2 is None
    assert online.kod1.url == (
        f"https://qr-test.ksef.mf.gov.pl/invoice/9999999999/15-02-2026/{qr.invoice_hash(data)}"
    )
    key = cached_key("ec")
    cert = read_certificate(make_certificate(key).public_bytes(Encoding.DER))
    offline = invoice_codes(
        data,
        invoice,
        qr_base=qr.QR_BASES["prod"],
        offline=OfflineSigning(certificate=cert, private_key=key),
    )
    assert offline.kod1.label == "OFFLINE"
    assert offline.kod2 is not None
    assert offline.kod2.label == "CERTYFIKAT"
    text, signature = qr.split_kod2_url(offline.kod2.url)
    assert text.startswith(
        f"qr.ksef.mf.gov.pl/certificate/Nip/9999999999/9999999999/{cert.serial}/"
    )
    assert qr.verify_kod2_signature(key.public_key(), text, signature)


# --- the command line -------------------------------------------------------------------


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_cli_prints_kod1() -> None:
    out = _cli("qr", str(SAMPLE), "--env", "test")
    assert out.returncode == 0, out.stderr
    data = SAMPLE.read_bytes()
    assert (
        out.stdout
        == f"https://qr-test.ksef.mf.gov.pl/invoice/9999999999/15-02-2026/{qr.invoice_hash(data)}\n"
    )


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_cli_prints_kod2_with_a_certificate(tmp_path: Path, kind: str) -> None:
    cert_path, key_path, key = make_credentials(tmp_path, kind, password="hasło")
    out = _cli(
        "qr",
        str(SAMPLE),
        "--env",
        "sandbox",
        "--qr-base",
        "http://127.0.0.1:9/qr",
        "--cert",
        str(cert_path),
        "--key",
        str(key_path),
        env={"KSEF_KEY_PASSWORD": "hasło"},
    )
    assert out.returncode == 0, out.stderr
    kod1, kod2 = out.stdout.splitlines()
    assert kod1.startswith("http://127.0.0.1:9/qr/invoice/9999999999/15-02-2026/")
    text, signature = qr.split_kod2_url(kod2)
    assert qr.verify_kod2_signature(key.public_key(), text, signature)


def test_cli_refuses_an_authentication_certificate(tmp_path: Path) -> None:
    cert_path, key_path, _key = make_credentials(tmp_path, "ec", offline=False)
    out = _cli("qr", str(SAMPLE), "--env", "test", "--cert", str(cert_path), "--key", str(key_path))
    assert out.returncode == 1
    assert "Offline" in out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout == ""


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--env", "sandbox"], 2, "--qr-base"),
        (["--env", "test", "--ksef-number", "123"], 2, "KSeF"),
        (["--env", "test", "--key", "x.key"], 2, "--cert"),
    ],
)
def test_cli_usage_errors(args: list[str], code: int, needle: str) -> None:
    out = _cli("qr", str(SAMPLE), *args)
    assert out.returncode == code
    assert needle in out.stderr
    assert "Traceback" not in out.stderr


@given(st.binary(max_size=200))
def test_cli_reader_refuses_garbage_cleanly(
    tmp_path_factory: pytest.TempPathFactory, blob: bytes
) -> None:
    from ksef_desktop.commands.qr import CommandRefused, read_invoice

    path = tmp_path_factory.mktemp("garbage") / "bad.xml"
    path.write_bytes(blob)
    with pytest.raises(CommandRefused) as caught:
        read_invoice(path)
    assert caught.value.code == 1
    # validate's sentences (issue 22): one line per defect, each naming the file
    lines = str(caught.value).splitlines()
    assert lines
    assert all(line.startswith(f"{path}: ") and len(line) > len(f"{path}: ") for line in lines)


def test_cli_bad_xml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<Faktura>", encoding="utf-8")
    out = _cli("qr", str(bad), "--env", "prod")
    assert out.returncode == 1
    assert "Faktura" in out.stderr  # validate's sentence: the file ends before </Faktura>
    assert "Traceback" not in out.stderr
    out = _cli("--lang", "en", "qr", str(tmp_path / "missing.xml"), "--env", "prod")
    assert out.returncode == 2
    assert "cannot read the file" in out.stderr


@pytest.mark.parametrize("sample", OFFICIAL_SAMPLES, ids=lambda p: p.name)
def test_every_official_sample_gets_a_kod1(sample: Path) -> None:
    out = _cli("qr", str(sample), "--env", "demo")
    assert out.returncode == 0, out.stderr
    invoice = parse(sample.read_bytes())
    assert out.stdout.strip() == qr.kod1_url(
        qr.QR_BASES["demo"],
        invoice.seller_nip,
        invoice.issue_date,
        qr.invoice_hash(sample.read_bytes()),
    )
