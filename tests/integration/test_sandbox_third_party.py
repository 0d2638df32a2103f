"""The Sandbox driven by a client we did not write: ksef-client (PyPI, pinned in the dev
extras), through its own public API and workflows: login by KSeF token and by XAdES
signature, online and batch sessions, UPO, metadata query, export, collective identifiers
and rate limits. What it cannot reach and why: docs/SANDBOX-THIRD-PARTY.md.

ksef-client refuses pre-signed URLs on loopback addresses (a sound rule against a server
that points it at local services). So the test names the Sandbox ``ksef-sandbox.test``
(RFC 6761: resolves nowhere) and reaches it with the client's own ``proxy`` option set to
the Sandbox, which takes absolute-form request targets as every HTTP/1.1 server must; the
Sandbox answers with URLs on the host that was called, as the real KSeF does.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from ksef_client import KsefClient, KsefClientOptions
from ksef_client import models as m
from ksef_client.exceptions import KsefRateLimitError
from ksef_client.services import (
    SESSION_CLOSE_GROUPS,
    AuthCoordinator,
    BatchSessionWorkflow,
    ExportWorkflow,
    OnlineSessionWorkflow,
    RateLimitGroup,
    VerificationLinkService,
    build_auth_token_request_xml,
    build_encryption_data,
    generate_csr_ec,
    get_rate_limit,
)
from lxml import etree

from ksef_desktop.fa3.schema import UPO_NAMESPACE
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.contract.rawksef import sha256_b64
from tests.contract.xadessign import sign, taxpayer
from tests.integration.conftest import DEFAULTS, SELLER, sample, with_number

HOST = "ksef-sandbox.test"
FA3 = m.FormCode(system_code="FA (3)", schema_version="1-0E", value="FA")
# The official samples are issued on 2026-02-15 (P_1).
ISSUED_FROM, ISSUED_TO = "2026-02-01T00:00:00Z", "2026-03-31T23:59:59Z"


def options_for(sb: Sandbox) -> KsefClientOptions:
    port = urlsplit(sb.server_url).port
    return KsefClientOptions(
        base_url=f"http://{HOST}:{port}",
        base_lighthouse_url=f"http://{HOST}:{port}/latarnia",
        proxy=sb.server_url,
        # The Sandbox speaks plain HTTP; every other check of pre-signed URLs stays on.
        strict_presigned_url_validation=False,
        allowed_presigned_hosts=[HOST],
    )


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(**{**DEFAULTS, "rate_limit_scale": None})) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def client(sb: Sandbox) -> Iterator[KsefClient]:
    with KsefClient(options_for(sb)) as ksef:
        yield ksef


def pem(client: KsefClient, usage: m.PublicKeyCertificateUsage) -> str:
    return client.security.get_public_key_certificate_pem(usage)


@pytest.fixture(scope="module")
def access(sb: Sandbox, client: KsefClient) -> str:
    result = AuthCoordinator(client.auth).authenticate_with_ksef_token(
        token=sb.tokens[SELLER],
        public_certificate=pem(client, m.PublicKeyCertificateUsage.KSEFTOKENENCRYPTION),
        context_identifier_type="nip",
        context_identifier_value=SELLER,
        poll_interval_seconds=0.02,
        max_attempts=500,
    )
    return result.access_token


@dataclass
class Sent:
    online_ref: str
    batch_ref: str
    files: dict[str, bytes]  # ksefNumber -> the file sent


def _wait_session(client: KsefClient, ref: str, access: str) -> m.SessionStatusResponse:
    for _ in range(500):
        status = client.sessions.get_session_status(ref, access_token=access)
        if status.status.code not in (100, 150, 170):
            return status
        time.sleep(0.02)
    raise AssertionError(f"session {ref} did not finish")


@pytest.fixture(scope="module")
def sent(sb: Sandbox, client: KsefClient, access: str) -> Sent:
    """Two invoices in an online session and three in a batch, all accepted."""
    symmetric = pem(client, m.PublicKeyCertificateUsage.SYMMETRICKEYENCRYPTION)
    session = OnlineSessionWorkflow(client.sessions).open_session(
        form_code=FA3, public_certificate=symmetric, access_token=access
    )
    online = [with_number(sample(1), f"TP/ONLINE/{i}") for i in (1, 2)]
    refs = [session.send_invoice(data, access_token=access).reference_number for data in online]
    session.close(access_token=access)
    archive = io.BytesIO()
    batch = [with_number(sample(1), f"TP/BATCH/{i}") for i in (1, 2, 3)]
    with zipfile.ZipFile(archive, "w") as zipped:
        for i, data in enumerate(batch, 1):
            zipped.writestr(f"faktura-{i}.xml", data)
    batch_ref = BatchSessionWorkflow(client.sessions, client.http_client).open_upload_and_close(
        form_code=FA3,
        zip_bytes=archive.getvalue(),
        public_certificate=symmetric,
        access_token=access,
    )
    assert sb.wait_idle()
    files: dict[str, bytes] = {}
    for ref, data in zip(refs, online, strict=True):
        status = session.get_invoice_status(ref, access_token=access)
        assert status.status.code == 200, status.status
        assert status.ksef_number is not None
        files[status.ksef_number] = data
    by_hash = {sha256_b64(data): data for data in batch}
    for item in client.sessions.get_session_invoices(batch_ref, access_token=access).invoices:
        assert item.status.code == 200, item.status
        assert item.ksef_number is not None
        assert item.invoice_hash is not None
        files[item.ksef_number] = by_hash[item.invoice_hash]
    assert len(files) == 5
    return Sent(session.reference_number, batch_ref, files)


def test_token_login_refresh_and_session_list(sb: Sandbox, client: KsefClient) -> None:
    result = AuthCoordinator(client.auth).authenticate_with_ksef_token(
        token=sb.tokens[SELLER],
        public_certificate=pem(client, m.PublicKeyCertificateUsage.KSEFTOKENENCRYPTION),
        context_identifier_type="nip",
        context_identifier_value=SELLER,
        poll_interval_seconds=0.02,
        max_attempts=500,
    )
    refreshed = client.auth.refresh_access_token(result.refresh_token)
    assert refreshed.access_token.token != result.access_token
    sessions = client.auth.get_active_sessions(access_token=refreshed.access_token.token)
    assert result.reference_number in [s.reference_number for s in sessions.items]
    with pytest.raises(RuntimeError, match="Authentication failed: 450"):
        AuthCoordinator(client.auth).authenticate_with_ksef_token(
            token=sb.tokens[SELLER][:-4] + "0000",
            public_certificate=pem(client, m.PublicKeyCertificateUsage.KSEFTOKENENCRYPTION),
            context_identifier_type="nip",
            context_identifier_value=SELLER,
            poll_interval_seconds=0.02,
            max_attempts=500,
        )


@pytest.fixture(scope="module")
def signed_in(client: KsefClient) -> str:
    """An access token from a login by signature. The client builds the AuthTokenRequest
    and submits it; it signs with xmlsec (an extra we do not install), so signxml signs."""
    challenge = client.auth.get_challenge()
    unsigned = build_auth_token_request_xml(
        challenge=challenge.challenge,
        context_identifier_type="nip",
        context_identifier_value=SELLER,
    )
    root = etree.fromstring(unsigned.encode("utf-8"))
    signed = sign(root, taxpayer(SELLER)).decode("utf-8")
    init = client.auth.submit_xades_auth_request(signed)
    assert init is not None
    token = init.authentication_token.token
    for _ in range(500):
        status = client.auth.get_auth_status(init.reference_number, token)
        if status.status.code != 100:
            break
        time.sleep(0.02)
    assert status.status.code == 200, status.status
    return client.auth.redeem_token(token).access_token.token


def test_signature_login(client: KsefClient, signed_in: str) -> None:
    limits = client.certificates.get_limits(access_token=signed_in)
    assert limits.can_request is True  # certificates are for signature logins only


def test_verification_links(sb: Sandbox, client: KsefClient, signed_in: str, sent: Sent) -> None:
    """KOD I and KOD II made by the client's VerificationLinkService, with an Offline
    certificate enrolled through the client (its CSR, the Sandbox's CA), are confirmed by
    the Sandbox's verification pages."""
    data = client.certificates.get_enrollment_data(access_token=signed_in)
    made = generate_csr_ec(data.to_dict())
    enrolment = client.certificates.send_enrollment(
        m.EnrollCertificateRequest(
            certificate_name="Offline ksef-client",
            certificate_type=m.KsefCertificateType.OFFLINE,
            csr=made.csr_base64,
        ),
        access_token=signed_in,
    )
    status = client.certificates.get_enrollment_status(
        enrolment.reference_number, access_token=signed_in
    )
    assert status.status.code == 200, status.status
    serial = status.certificate_serial_number
    assert serial is not None
    key = serialization.load_der_private_key(base64.b64decode(made.private_key_base64), None)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    port = urlsplit(sb.server_url).port
    links = VerificationLinkService(
        replace(options_for(sb), base_qr_url=f"http://{HOST}:{port}/qr")
    )
    number, file = next(iter(sent.files.items()))
    kod1 = links.build_invoice_verification_url(SELLER, "2026-02-15", sha256_b64(file))
    kod2 = links.build_certificate_verification_url(
        seller_nip=SELLER,
        context_identifier_type="Nip",
        context_identifier_value=SELLER,
        certificate_serial=serial,
        invoice_hash=sha256_b64(file),
        private_key_pem=key_pem,
    )
    with httpx.Client(proxy=sb.server_url) as web:
        page = web.get(kod1)
        assert page.status_code == 200, page.text
        assert number in page.text
        page = web.get(kod2)
        assert page.status_code == 200, page.text
        assert "Wystawca faktury potwierdzony" in page.text
        # The same link for another invoice hash: the signature no longer holds.
        other = kod2.replace(links_hash(file), links_hash(file + b" "), 1)
        assert web.get(other).status_code == 422


def links_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")


def test_online_session_and_upo(client: KsefClient, access: str, sent: Sent) -> None:
    status = _wait_session(client, sent.online_ref, access)
    assert (status.status.code, status.invoice_count, status.successful_invoice_count) == (
        200,
        2,
        0 + 2,
    )
    invoices = client.sessions.get_session_invoices(sent.online_ref, access_token=access).invoices
    for item in invoices:
        assert item.ksef_number is not None
        upo = client.sessions.get_session_invoice_upo_by_ksef(
            sent.online_ref, item.ksef_number, access_token=access
        )
        root = etree.fromstring(upo)
        assert root.tag == f"{{{UPO_NAMESPACE}}}Potwierdzenie"
        assert item.ksef_number.encode() in upo
        assert sha256_b64(sent.files[item.ksef_number]).encode() in upo
    # The session's UPO, through the client's own handling of a pre-signed URL.
    assert status.upo is not None
    (page,) = status.upo.pages
    download = client.http_client.request("GET", page.download_url, skip_auth=True)
    assert download.headers["x-ms-meta-hash"] == sha256_b64(download.content)
    assert etree.fromstring(download.content).tag == f"{{{UPO_NAMESPACE}}}Potwierdzenie"
    by_api = client.sessions.get_session_upo(
        sent.online_ref, page.reference_number, access_token=access
    )
    assert by_api == download.content


def test_batch_session(client: KsefClient, access: str, sent: Sent) -> None:
    status = _wait_session(client, sent.batch_ref, access)
    assert (status.status.code, status.invoice_count, status.successful_invoice_count) == (
        200,
        3,
        3,
    )
    failed = client.sessions.get_session_failed_invoices(sent.batch_ref, access_token=access)
    assert failed.invoices == []


def test_metadata_query_and_download(client: KsefClient, access: str, sent: Sent) -> None:
    found = list(
        client.invoices.iter_invoice_metadata_by_date_range(
            subject_type=m.InvoiceQuerySubjectType.SUBJECT1,
            date_type=m.InvoiceQueryDateType.ISSUE,
            date_from=ISSUED_FROM,
            date_to=ISSUED_TO,
            access_token=access,
            page_size=10,
        )
    )
    assert {invoice.ksef_number for invoice in found} == set(sent.files)
    number, data = next(iter(sent.files.items()))
    content = client.invoices.get_invoice_bytes(number, access_token=access)
    assert content.content == data
    assert content.sha256_base64 == sha256_b64(data)


def test_export(sb: Sandbox, client: KsefClient, access: str, sent: Sent) -> None:
    encryption = build_encryption_data(
        pem(client, m.PublicKeyCertificateUsage.SYMMETRICKEYENCRYPTION)
    )
    assert encryption.encryption_info is not None
    request = m.InvoiceExportRequest(
        encryption=encryption.encryption_info,
        filters=m.InvoiceQueryFilters(
            subject_type=m.InvoiceQuerySubjectType.SUBJECT1,
            date_range=m.InvoiceQueryDateRange(
                date_type=m.InvoiceQueryDateType.ISSUE, from_=ISSUED_FROM, to=ISSUED_TO
            ),
        ),
    )
    ref = client.invoices.export_invoices(request, access_token=access).reference_number
    for _ in range(500):
        status = client.invoices.get_export_status(ref, access_token=access)
        if status.status.code != 100:
            break
        time.sleep(0.02)
    assert status.status.code == 200, status.status
    assert status.package is not None
    assert status.package.compression_type is not None  # 2.9.0
    result = ExportWorkflow(client.invoices, client.http_client).download_and_process_package(
        status.package, encryption
    )
    assert {item["ksefNumber"] for item in result.metadata_summaries} == set(sent.files)
    assert {name.removesuffix(".xml") for name in result.invoice_xml_files} == set(sent.files)
    for name, text in result.invoice_xml_files.items():
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        assert digest == hashlib.sha256(sent.files[name.removesuffix(".xml")]).digest()


def test_collective_identifiers(client: KsefClient, access: str, sent: Sent) -> None:
    numbers = sorted(sent.files)[:3]
    made = client.collective_identifiers.generate_for_ksef_numbers(
        numbers, access_token=access, descriptions=["pierwsza", None, "trzecia"]
    )
    identifier = made.collective_identifier_number
    listed = client.collective_identifiers.list_invoices([identifier], access_token=access)
    assert sorted(item.ksef_number for item in listed.invoices) == numbers
    assert {item.collective_identifier_number for item in listed.invoices} == {identifier}
    mine = list(client.collective_identifiers.iter_by_ksef_number(numbers[0], access_token=access))
    assert identifier in [item.collective_identifier_number for item in mine]
    now = datetime.now(UTC)
    queried = client.collective_identifiers.query_by_created_range(
        (now - timedelta(hours=1)).isoformat(),
        (now + timedelta(hours=1)).isoformat(),
        access_token=access,
        invoice_count_from=3,
    )
    found = [item.collective_identifier_number for item in queried.collective_identifiers]
    assert identifier in found


def test_rate_limit_groups_of_2_9_0() -> None:
    """The published (production) limits, session closes in their own groups."""
    with (
        Sandbox(SandboxConfig(**{**DEFAULTS, "rate_limit_scale": 1.0})) as production,
        KsefClient(options_for(production)) as ksef,
    ):
        access = (
            AuthCoordinator(ksef.auth)
            .authenticate_with_ksef_token(
                token=production.tokens[SELLER],
                public_certificate=pem(ksef, m.PublicKeyCertificateUsage.KSEFTOKENENCRYPTION),
                context_identifier_type="nip",
                context_identifier_value=SELLER,
                poll_interval_seconds=0.02,
                max_attempts=500,
            )
            .access_token
        )
        limits = ksef.rate_limits.get_rate_limits(access)
        context = ksef.limits.get_context_limits(access)
    published = {
        RateLimitGroup.ONLINE_SESSION_CLOSE: (20, 60, 240),
        RateLimitGroup.BATCH_SESSION_CLOSE: (20, 40, 120),
    }
    assert set(published) == SESSION_CLOSE_GROUPS
    for group, values in published.items():
        info = get_rate_limit(limits, group)
        assert info is not None, group
        assert (info.per_second, info.per_minute, info.per_hour) == values
    for group in (RateLimitGroup.ONLINE_SESSION, RateLimitGroup.ANONYMOUS, RateLimitGroup.GLOBAL):
        assert get_rate_limit(limits, group) is not None, group
    assert context.collective_identifier is not None
    assert context.collective_identifier.max_invoices > 0


def test_latarnia_announcements(sb: Sandbox, client: KsefClient) -> None:
    assert client.lighthouse.get_status().status == m.LighthouseKsefStatus.AVAILABLE
    start = datetime.now(UTC) + timedelta(days=2)
    announced = httpx.post(
        f"{sb.server_url}/_sandbox/maintenance",
        json={"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()},
    )
    assert announced.status_code == 200, announced.text
    try:
        (message,) = client.lighthouse.get_messages()
        assert message.type == m.LighthouseMessageType.MAINTENANCE_ANNOUNCEMENT
        assert client.lighthouse.get_status().status == m.LighthouseKsefStatus.AVAILABLE
    finally:
        httpx.post(f"{sb.server_url}/_sandbox/maintenance/end")


def test_too_many_requests_carries_retry_after() -> None:
    """A hundredth of the published limits: the second challenge within a second is 429,
    which the client turns into its KsefRateLimitError with the server's Retry-After."""
    with (
        Sandbox(SandboxConfig(**{**DEFAULTS, "rate_limit_scale": 0.01})) as tight,
        KsefClient(options_for(tight)) as ksef,
    ):
        refused: KsefRateLimitError | None = None
        for _ in range(5):  # sliding one-second window: five in a row cannot all pass
            try:
                ksef.auth.get_challenge()
            except KsefRateLimitError as exc:
                refused = exc
                break
    assert refused is not None
    assert refused.status_code == 429
    assert refused.retry_after is not None
    assert refused.retry_after >= 1
