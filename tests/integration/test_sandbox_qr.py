"""The KOD I verification page: found, not found, corrected, malformed."""

from __future__ import annotations

import base64
import hashlib

import httpx

from ksef_desktop.sandbox import Sandbox
from tests.contract.rawksef import authenticate, open_online, sha256_b64
from tests.integration.conftest import SELLER, sample


def kod1(sb: Sandbox, nip: str, issue_date: str, data: bytes) -> str:
    """Built by hand from KSEF-PROTOCOL.md §6, not with the app's QR code."""
    yyyy, mm, dd = issue_date.split("-")
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")
    return f"{sb.qr_base}/invoice/{nip}/{dd}-{mm}-{yyyy}/{digest}"


def test_page_for_an_accepted_invoice(sandbox: Sandbox, api: httpx.Client) -> None:
    data = sample(1)
    url = kod1(sandbox, SELLER, "2026-02-15", data)
    before = httpx.get(url)
    assert before.status_code == 404
    assert "Nie znaleziono faktury" in before.text
    access = authenticate(api, SELLER, sandbox.tokens[SELLER])["accessToken"]["token"]
    _, session = open_online(api, access)
    assert session is not None
    status = session.wait(session.send(data))
    page = httpx.get(url)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Faktura znajduje się w KSeF" in page.text
    assert status["ksefNumber"] in page.text
    assert httpx.get(kod1(sandbox, SELLER, "2026-02-16", data)).status_code == 404
    assert httpx.get(kod1(sandbox, "5265877635", "2026-02-15", data)).status_code == 404


def test_rejected_file_leads_to_its_technical_correction(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    access = authenticate(api, SELLER, sandbox.tokens[SELLER])["accessToken"]["token"]
    _, session = open_online(api, access)
    assert session is not None
    broken = sample(1).replace(b"<P_2>", b"<P_2x>", 1).replace(b"</P_2>", b"</P_2x>", 1)
    assert session.wait(session.send(broken, offline=True))["status"]["code"] == 430
    fixed = session.wait(session.send(sample(1), offline=True, corrected=sha256_b64(broken)))
    page = httpx.get(kod1(sandbox, SELLER, "2026-02-15", broken))
    assert page.status_code == 200
    assert fixed["ksefNumber"] in page.text


def test_malformed_links(sandbox: Sandbox) -> None:
    for tail in (
        "abc/15-02-2026/" + "A" * 43,
        SELLER + "/2026-02-15/" + "A" * 43,
        SELLER + "/15-02-2026/short",
        SELLER + "/31-02-2026/" + "A" * 43,
    ):
        assert httpx.get(f"{sandbox.qr_base}/invoice/{tail}").status_code == 400
