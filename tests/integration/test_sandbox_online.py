"""Online sessions end to end: open, send, verify, close, UPO; every rejection code."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from lxml import etree

from ksef_desktop.domain.identifiers import ksef_number_is_valid
from ksef_desktop.fa3.schema import UPO_NAMESPACE, upo_schema
from ksef_desktop.fa3.xmlsafe import parse_untrusted
from ksef_desktop.sandbox import Sandbox
from ksef_desktop.sandbox.util import WARSAW
from tests.contract.rawksef import (
    OnlineSession,
    authenticate,
    bearer,
    open_online,
    sha256_b64,
)
from tests.integration.conftest import (
    SELLER,
    ManualClock,
    api_for,
    sample,
    with_issue_date,
    with_number,
)


def not_xsd_valid(data: bytes) -> bytes:
    return data.replace(b"<P_2>", b"<P_2x>", 1).replace(b"</P_2>", b"</P_2x>", 1)


def _legacy_code(response: httpx.Response) -> int:
    return int(response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"])


def _session(sb: Sandbox, client: httpx.Client) -> OnlineSession:
    access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
    response, session = open_online(client, access)
    assert response.status_code == 201, response.text
    assert session is not None
    return session


@pytest.fixture
def online(sandbox: Sandbox, api: httpx.Client) -> OnlineSession:
    return _session(sandbox, api)


@pytest.fixture
def fast(sandbox_factory: Callable[..., Sandbox]) -> Iterator[tuple[Sandbox, OnlineSession]]:
    sb = sandbox_factory(rate_limit_scale=0)
    with api_for(sb) as client:
        yield sb, _session(sb, client)


def test_send_and_accept_an_official_sample(online: OnlineSession) -> None:
    data = sample(1)
    status = online.wait(online.send(data))
    assert status["status"] == {"code": 200, "description": "Sukces"}
    assert ksef_number_is_valid(status["ksefNumber"])
    assert status["ksefNumber"].startswith(SELLER + "-")
    assert status["invoiceHash"] == sha256_b64(data)
    assert status["invoiceNumber"] == "FV2026/02/150"
    # P_1 (2026-02-15) is earlier than the day of acceptance: automatically offline.
    assert status["invoicingMode"] == "Offline"


def test_invoice_upo_is_v4_3_and_downloads_without_bearer(online: OnlineSession) -> None:
    data = sample(1)
    ref = online.send(data)
    status = online.wait(ref)
    upo = online.client.get(
        f"/sessions/{online.reference}/invoices/{ref}/upo", headers=bearer(online.access)
    )
    assert upo.status_code == 200
    assert upo.headers["x-ms-meta-hash"] == sha256_b64(upo.content)
    _assert_upo(upo.content, [status["ksefNumber"]], sha256_b64(data))
    by_number = online.client.get(
        f"/sessions/{online.reference}/invoices/ksef/{status['ksefNumber']}/upo",
        headers=bearer(online.access),
    )
    assert by_number.content == upo.content
    presigned = httpx.get(status["upoDownloadUrl"])
    assert presigned.status_code == 200
    assert presigned.content == upo.content
    assert presigned.headers["x-ms-meta-hash"] == sha256_b64(upo.content)
    tampered = httpx.get(status["upoDownloadUrl"].replace("sig=", "sig=x"))
    assert tampered.status_code == 403


def _assert_upo(data: bytes, numbers: list[str], first_hash: str | None = None) -> None:
    root = parse_untrusted(data)
    ns = {"u": UPO_NAMESPACE}
    name = root.find("u:NazwaPodmiotuPrzyjmujacego", ns)
    assert name is not None
    assert name.text == "Ministerstwo Finansów - środowisko testowe (Sandbox)"
    schema = upo_schema()
    assert not schema.validate(root)  # only because of the test-environment suffix...
    name.text = "Ministerstwo Finansów"
    assert schema.validate(root), schema.error_log  # ...and valid otherwise
    assert [e.text for e in root.findall("u:Dokument/u:NumerKSeFDokumentu", ns)] == numbers
    if first_hash is not None:
        assert root.findtext("u:Dokument/u:SkrotDokumentu", namespaces=ns) == first_hash


def test_close_gives_session_upo_and_counts(online: OnlineSession) -> None:
    first = online.wait(online.send(sample(1)))
    second = online.wait(online.send(with_number(sample(1), "FV/SANDBOX/2")))
    duplicate = online.wait(online.send(sample(1)))
    assert duplicate["status"]["code"] == 440
    assert online.close().status_code == 204
    status = online.wait_session()
    assert status["status"]["code"] == 200
    assert (status["invoiceCount"], status["successfulInvoiceCount"]) == (3, 2)
    assert status["failedInvoiceCount"] == 1
    (page,) = status["upo"]["pages"]
    via_api = online.client.get(
        f"/sessions/{online.reference}/upo/{page['referenceNumber']}",
        headers=bearer(online.access),
    )
    presigned = httpx.get(page["downloadUrl"])
    assert via_api.content == presigned.content
    _assert_upo(presigned.content, [first["ksefNumber"], second["ksefNumber"]])
    root = etree.fromstring(presigned.content)
    ns = {"u": UPO_NAMESPACE}
    assert root.findtext("u:OpisPotwierdzenia/u:CalkowitaLiczbaDokumentow", namespaces=ns) == "2"
    again = online.send_body(online.invoice_body(with_number(sample(1), "late")))
    assert again.status_code == 400
    assert _legacy_code(again) == 21180


def test_session_without_invoices_is_cancelled(online: OnlineSession) -> None:
    assert online.close().status_code == 204
    status = online.wait_session()
    assert status["status"]["code"] == 440
    assert status["status"]["details"] == ["Nie przesłano faktur"]
    second = online.close()
    assert _legacy_code(second) == 21180


def test_session_with_only_bad_invoices_is_445(online: OnlineSession) -> None:
    assert online.wait(online.send(b"<not-an-invoice/>"))["status"]["code"] == 430
    online.close()
    assert online.wait_session()["status"]["code"] == 445


def test_duplicate_points_at_the_original(online: OnlineSession) -> None:
    original = online.wait(online.send(sample(26)))
    dup = online.wait(online.send(sample(26)))
    assert dup["status"]["code"] == 440
    assert dup["status"]["extensions"] == {
        "originalSessionReferenceNumber": online.reference,
        "originalKsefNumber": original["ksefNumber"],
    }
    assert original["ksefNumber"] in dup["status"]["details"][0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbf" + sample(1), "BOM"),
        (b"<?xml version='1.0'?><a><b></a>", "</a>"),
        (not_xsd_valid(sample(1)), "P_2x"),
        (
            sample(1).replace(b"?>", b"?><?xml-stylesheet href='x.xsl'?>", 1),
            "Instrukcja przetwarzania",
        ),
        (sample(1).replace(b"FV2026/02/150", "FV\u0086".encode(), 1), "U+0086"),
    ],
    ids=["bom", "not-well-formed", "not-xsd-valid", "processing-instruction", "discouraged-char"],
)
def test_invalid_files_are_430(online: OnlineSession, data: bytes, expected: str) -> None:
    status = online.wait(online.send(data))
    assert status["status"]["code"] == 430
    assert expected in " ".join(status["status"]["details"])
    assert "ksefNumber" not in status


def test_issue_date_after_acceptance_is_450(online: OnlineSession) -> None:
    tomorrow = (online_today() + timedelta(days=2)).isoformat()
    status = online.wait(online.send(with_issue_date(sample(1), tomorrow)))
    assert status["status"]["code"] == 450
    assert "P_1" in status["status"]["details"][0]


def online_today() -> date:
    return datetime.now(UTC).astimezone(WARSAW).date()


def test_issued_today_is_online_and_offline_flag_is_kept(online: OnlineSession) -> None:
    today = online_today().isoformat()
    data = with_issue_date(sample(26), today)
    assert online.wait(online.send(data))["invoicingMode"] == "Online"
    flagged = with_number(data, "FA/2026/OFF/1")
    assert online.wait(online.send(flagged, offline=True))["invoicingMode"] == "Offline"


def test_seller_other_than_the_context_is_410(sandbox: Sandbox, api: httpx.Client) -> None:
    access = authenticate(api, "5265877635", sandbox.tokens["5265877635"])["accessToken"]["token"]
    _, session = open_online(api, access)
    assert session is not None
    assert session.wait(session.send(sample(1)))["status"]["code"] == 410


def test_size_and_hash_mismatches(online: OnlineSession) -> None:
    data = sample(1)
    body = online.invoice_body(data)
    cases = {
        21402: {**body, "encryptedInvoiceSize": body["encryptedInvoiceSize"] + 16},
        21403: {**body, "encryptedInvoiceHash": sha256_b64(b"other")},
    }
    wrong_plain_size = online.invoice_body(data)
    wrong_plain_size["invoiceSize"] += 1
    wrong_plain_hash = online.invoice_body(data)
    wrong_plain_hash["invoiceHash"] = sha256_b64(data + b" ")
    for code, request in [*cases.items(), (21402, wrong_plain_size), (21403, wrong_plain_hash)]:
        response = online.send_body(request)
        assert response.status_code == 400
        assert _legacy_code(response) == code


def test_ciphertext_under_another_key_is_435(online: OnlineSession) -> None:
    wrong = OnlineSession(online.client, online.access, online.reference, os.urandom(32), online.iv)
    status = online.wait(wrong.send(sample(1)))
    assert status["status"]["code"] in (435, 430)  # padding almost always breaks: 435


@pytest.mark.parametrize("scheme", ["pkcs1v15", "oaep-sha1"])
def test_undecryptable_session_key_gives_session_415(
    sandbox: Sandbox, api: httpx.Client, scheme: str
) -> None:
    access = authenticate(api, SELLER, sandbox.tokens[SELLER])["accessToken"]["token"]
    response, session = open_online(api, access, scheme=scheme)
    assert response.status_code == 201
    assert session is not None
    status = session.session_status()
    assert status["status"] == {
        "code": 415,
        "description": "Błąd odszyfrowania dostarczonego klucza",
    }
    refused = session.send_body(session.invoice_body(sample(1)))
    assert _legacy_code(refused) == 21180


def test_unknown_symmetric_key_id_is_21470(sandbox: Sandbox, api: httpx.Client) -> None:
    access = authenticate(api, SELLER, sandbox.tokens[SELLER])["accessToken"]["token"]
    response = api.post(
        "/sessions/online",
        headers=bearer(access),
        json={
            "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
            "encryption": {
                "encryptedSymmetricKey": "AAAA",
                "initializationVector": "OmtDQdl6vkOI1GLKZSjgEg==",
                "publicKeyId": "tmtCidSRzR4fvNpLU5hMOM6FzamxJf0BBR8IkXIAwsY=",
            },
        },
    )
    assert _legacy_code(response) == 21470


def test_unknown_session_is_21173(online: OnlineSession) -> None:
    other = OnlineSession(
        online.client, online.access, "20250625-SO-2C3E6C8000-B675CF5D68-07", online.key, online.iv
    )
    assert _legacy_code(other.send_body(other.invoice_body(sample(1)))) == 21173
    assert _legacy_code(other.close()) == 21173


def test_technical_correction(online: OnlineSession) -> None:
    broken = not_xsd_valid(sample(1))
    rejected = online.wait(online.send(broken, offline=True))
    assert rejected["status"]["code"] == 430
    fixed = online.wait(online.send(sample(1), offline=True, corrected=sha256_b64(broken)))
    assert fixed["status"]["code"] == 200
    again = online.send_body(
        online.invoice_body(
            with_number(sample(1), "X2"), offline=True, corrected=sha256_b64(broken)
        )
    )
    assert _legacy_code(again) == 21166
    to_accepted = online.send_body(
        online.invoice_body(
            with_number(sample(1), "X3"), offline=True, corrected=sha256_b64(sample(1))
        )
    )
    assert _legacy_code(to_accepted) == 21167


def test_statuses_pass_100_150_200(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(processing_delay=0.6)
    with api_for(sb) as client:
        session = _session(sb, client)
        ref = session.send(sample(1))
        seen: list[int] = []
        for _ in range(300):
            code = session.status(ref)["status"]["code"]
            if not seen or seen[-1] != code:
                seen.append(code)
            if code == 200:
                break
            time.sleep(0.05)
        assert seen == [100, 150, 200]


def test_session_expires_after_12_hours(
    sandbox_factory: Callable[..., Sandbox], clock: ManualClock
) -> None:
    sb = sandbox_factory(clock=clock)
    with api_for(sb) as client:
        session = _session(sb, client)
        session.wait(session.send(sample(1)))
        clock.advance(hours=11, minutes=44)  # access tokens die after 15 min: refresh
        session.access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        assert session.session_status()["status"]["code"] == 100
        clock.advance(minutes=17)
        session.access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        assert session.wait_session()["status"]["code"] == 200
        assert _legacy_code(session.send_body(session.invoice_body(sample(2)))) == 21180


def test_control_endpoint_expires_a_session(sandbox: Sandbox, online: OnlineSession) -> None:
    expired = httpx.post(f"{sandbox.server_url}/_sandbox/sessions/{online.reference}/expire")
    assert expired.status_code == 200
    assert online.wait_session()["status"]["code"] == 440


def test_session_invoice_limit_is_21155(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(max_invoices_per_session=2, rate_limit_scale=0)
    with api_for(sb) as client:
        session = _session(sb, client)
        session.send(sample(1))
        session.send(with_number(sample(1), "L/2"))
        third = session.send_body(session.invoice_body(with_number(sample(1), "L/3")))
        assert _legacy_code(third) == 21155


def test_attachment_only_in_batch_or_technical_correction(online: OnlineSession) -> None:
    with_attachment = sample(24)
    status = online.wait(online.send(with_attachment))
    assert status["status"]["code"] == 415
    assert status["status"]["description"] == "Brak możliwości wysyłania faktury z załącznikiem"


def test_closed_session_shows_170_until_its_invoices_are_decided(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(processing_delay=0.3)
    with api_for(sb) as client:
        session = _session(sb, client)
        session.send(sample(1))
        assert session.close().status_code == 204
        closed = session.session_status()
        assert closed["status"] == {"code": 170, "description": "Sesja interaktywna zamknięta"}
        assert "upo" not in closed
        final = session.wait_session()
        assert final["status"]["code"] == 200
        assert final["upo"]["pages"]


def test_log_has_requests_but_no_secret_or_content(
    sandbox: Sandbox, api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ksef_desktop.sandbox")
    tokens = authenticate(api, SELLER, sandbox.tokens[SELLER])
    _, session = open_online(api, tokens["accessToken"]["token"])
    assert session is not None
    data = with_number(sample(1), "LOG/SECRET/NUMBER")
    session.wait(session.send(data))
    session.close()
    session.wait_session()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /v2/sessions/online -> 201" in text
    assert f"POST /v2/sessions/online/{session.reference}/invoices -> 202" in text
    for secret in (
        sandbox.tokens[SELLER],
        tokens["accessToken"]["token"],
        tokens["refreshToken"]["token"],
        "LOG/SECRET/NUMBER",
        "ABC AGD sp. z o. o.",  # the seller's name inside the invoice
        "F.H.U. Jan Kowalski",
    ):
        assert secret not in text
