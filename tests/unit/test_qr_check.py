"""check-qr (issue 18): the official KOD I and KOD II examples verify from an image and a
PDF; a changed hash or signature, a foreign host or a wrong CA is refused, in words."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ksef_desktop import cli
from ksef_desktop.services.qr_check import Verdict, check_codes, codes_in_file
from ksef_desktop.visual.qr import ContextIdentifier, kod1_url, kod2_url, qr_image

DATA = Path(__file__).parents[1] / "data"
VECTORS = json.loads((DATA / "vectors" / "ksef-test-vectors.json").read_text("utf-8"))
KOD1 = VECTORS["kod1_official_doc_example"]["expectedUrl"]
KOD2 = VECTORS["kod2_official_doc_example"]["expectedUrl"]
CERT = DATA / "vectors" / "kod2-example-cert-01F20A5D352AE590.der"
TEST_BASE = "https://qr-test.ksef.mf.gov.pl"


def _png(tmp_path: Path, *texts: str, name: str = "codes.png") -> Path:
    images = [qr_image(t, module_px=4).convert("L") for t in texts]
    width = sum(i.width for i in images) + 40 * len(images)
    sheet = Image.new("L", (width, max(i.height for i in images) + 40), 255)
    x = 20
    for image in images:
        sheet.paste(image, (x, 20))
        x += image.width + 40
    path = tmp_path / name
    sheet.save(path)
    return path


def _check_qr(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(["--lang", "en", "--data-dir", str(tmp_path / "data"), "check-qr", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out


def test_the_official_examples_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = _png(tmp_path, KOD1, KOD2)
    assert set(codes_in_file(image)) == {KOD1, KOD2}
    code, out = _check_qr(tmp_path, capsys, str(image), "--env", "test", "--cert", str(CERT))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == f"KOD I {KOD1}"
    assert lines[1].startswith("  NOT CONFIRMED: ")  # no copy from KSeF to compare with
    assert lines[2] == f"KOD II {KOD2}"
    assert lines[3].startswith("  VALID: The signature is genuine")
    assert "01F20A5D352AE590" in lines[3]


def test_a_changed_signature_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head, _, signature = KOD2.rpartition("/")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    image = _png(tmp_path, KOD1, f"{head}/{flipped}")
    code, out = _check_qr(tmp_path, capsys, str(image), "--env", "test", "--cert", str(CERT))
    assert code == 1
    assert "REFUSED: The signature does not match" in out


def test_a_changed_hash_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = VECTORS["kod1_official_doc_example"]["invoiceHashBase64Url"]
    forged = "A" + real[1:]
    # KOD II signed the real hash: changed there, the signature no longer holds ...
    image = _png(tmp_path, KOD2.replace(real, forged))
    code, out = _check_qr(tmp_path, capsys, str(image), "--env", "test", "--cert", str(CERT))
    assert code == 1
    assert "The signature does not match" in out
    # ... and a KOD I with another hash does not belong with the genuine KOD II.
    image = _png(tmp_path, KOD1.replace(real, forged), KOD2, name="pair.png")
    code, out = _check_qr(tmp_path, capsys, str(image), "--env", "test")
    assert code == 1
    assert "KOD I and KOD II name different invoices" in out


def test_a_changed_hash_is_refused_against_the_file_from_ksef() -> None:
    from ksef_desktop import i18n

    i18n.set_language("en")  # the suite's fixture puts the default back afterwards
    real = VECTORS["kod1_official_doc_example"]
    std = real["invoiceHashBase64"]

    def lookup(nip: str, day: object, digest: str) -> tuple[list[str], int]:
        assert nip == "1111111111"
        return (["1111111111-20260201-0100001AF629-00"] if digest == std else []), 1

    (good,) = check_codes([KOD1], bases=[TEST_BASE], lookup=lookup)
    assert good.verdict is Verdict.VALID
    assert "exactly as KSeF gave it" in good.reasons[0]
    forged = KOD1.replace(real["invoiceHashBase64Url"], "B" + real["invoiceHashBase64Url"][1:])
    (bad,) = check_codes([forged], bases=[TEST_BASE], lookup=lookup)
    assert bad.verdict is Verdict.REFUSED
    assert "this printout is not the invoice" in bad.reasons[0]


def test_a_link_to_another_host_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = KOD1.replace("qr-test.ksef.mf.gov.pl", "qr-test.ksef-mf.example")
    image = _png(tmp_path, fake)
    code, out = _check_qr(tmp_path, capsys, str(image))
    assert code == 1
    assert "not KSeF's verification service" in out
    code, out = _check_qr(
        tmp_path, capsys, str(_png(tmp_path, KOD1, name="k.png")), "--env", "prod"
    )
    assert code == 1
    assert "https://qr.ksef.mf.gov.pl" in out


def test_a_pdf_of_an_invoice_gives_its_kod1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ksef_desktop.visual.pdf import render_pdf

    xml = (DATA / "fa3-official" / "FA_3_Przykład_1.xml").read_bytes()
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(
        render_pdf(xml, qr_base=TEST_BASE, ksef_number="9999999999-20260215-0100001AF629-9C")
    )
    (found,) = codes_in_file(pdf)
    assert found.startswith(f"{TEST_BASE}/invoice/9999999999/15-02-2026/")
    code, out = _check_qr(tmp_path, capsys, str(pdf), "--env", "test")
    assert code == 0
    assert out.startswith("KOD I ")


def _ca_and_leaf(tmp_path: Path) -> tuple[Path, Path, ec.EllipticCurvePrivateKey]:
    now = datetime.now(UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(name("Test CCK KSeF"))
        .issuer_name(name("Test CCK KSeF"))
        .public_key(ca_key.public_key()).serial_number(1)
        .not_valid_before(now - timedelta(days=400)).not_valid_after(now + timedelta(days=400))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder().subject_name(name("1111111111")).issuer_name(ca.subject)
        .public_key(leaf_key.public_key()).serial_number(0x01F20A5D352AE591)
        .not_valid_before(now - timedelta(days=300)).not_valid_after(now + timedelta(days=300))
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    ca_path, leaf_path = tmp_path / "ca.pem", tmp_path / "leaf.der"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    leaf_path.write_bytes(leaf.public_bytes(serialization.Encoding.DER))
    return ca_path, leaf_path, leaf_key


def test_the_certificate_chain_is_checked_against_the_given_ca(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca, leaf, key = _ca_and_leaf(tmp_path)
    day = datetime.now(UTC).date()
    digest = "UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE"
    kod1 = kod1_url(TEST_BASE, "1111111111", day, digest)
    kod2 = kod2_url(
        TEST_BASE, ContextIdentifier("Nip", "1111111111"), "1111111111", "01F20A5D352AE591",
        digest, key,
    )  # fmt: skip
    image = _png(tmp_path, kod1, kod2)
    code, out = _check_qr(
        tmp_path, capsys, str(image), "--env", "test", "--cert", str(leaf), "--ca", str(ca)
    )
    assert code == 0, out
    assert "VALID: The signature is genuine" in out
    assert "issued by the KSeF CA" in out
    (tmp_path / "other").mkdir()
    other, _leaf, _key = _ca_and_leaf(tmp_path / "other")
    code, out = _check_qr(
        tmp_path, capsys, str(image), "--env", "test", "--cert", str(leaf), "--ca", str(other)
    )
    assert code == 1
    assert "REFUSED" in out


def test_a_file_without_codes_or_not_an_image_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    assert _check_qr(tmp_path, capsys, str(blank))[0] == 2
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7 not really")
    code = cli.main(["--lang", "pl", "check-qr", str(junk)])
    err = capsys.readouterr().err
    assert code == 2
    assert "PDF" in err
    assert "Traceback" not in err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=300))
def test_any_decoded_text_gets_a_verdict_never_a_crash(text: str) -> None:
    (check,) = check_codes([text], bases=[TEST_BASE])
    assert check.verdict in (Verdict.REFUSED, Verdict.UNVERIFIED, Verdict.VALID)
    assert check.reasons
