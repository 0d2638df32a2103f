"""Receiving invoices (KSEF-PROTOCOL.md §4): the metadata query with the permanent-storage
high-water mark, and the invoice export (an encrypted package of XML files).

Additive to ``api_invoices`` (which the sending side uses): these functions read every
field a buyer needs (net, VAT, seller name, permanent storage date, the HWM) and keep
amounts exact (JSON numbers read as Decimal). The export's parts are fetched from their
pre-signed URLs (no token, no rate limit), checked against the announced hashes,
decrypted with our own key and unpacked (ZIP or tar.gz) in memory.
"""

from __future__ import annotations

import io
import logging
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ksef_desktop.ksef.auth import UNKNOWN_KEY, Certificates
from ksef_desktop.ksef.crypto import SessionKey, sha256_b64
from ksef_desktop.ksef.errors import ProtocolError, RequestRejected
from ksef_desktop.ksef.models import _opt_str, _req, _str, parse_datetime
from ksef_desktop.ksef.online import encryption_for
from ksef_desktop.ksef.transport import EXPORT_PART_ANSWER, Transport, decode_json

log = logging.getLogger("ksef_desktop.ksef")

PAGE_SIZE = 250  # the largest page POST /invoices/query/metadata gives
EXPORT_DONE = 200
EXPORT_RUNNING = 100
EXPORT_BEYOND_HWM = 420
#: An archive larger than this when unpacked is refused (a package holds ≤ 10 000
#: invoices of ≤ 3 MB each, and a hostile "zip bomb" must not fill the memory).
MAX_UNPACKED = 4_000_000_000


def _decimal_json(content: bytes) -> Any:
    """JSON with exact amounts, read as hardened as every answer (``decode_json``)."""
    return decode_json(content, parse_float=Decimal)


def _amount(data: Any, key: str) -> Decimal:
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        return Decimal(0)
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise ProtocolError(f"{key} is not a number") from None


@dataclass(frozen=True)
class ReceivedMetadata:
    """InvoiceMetadata as a buyer reads it."""

    ksef_number: str
    invoice_number: str
    issue_date: date
    acquisition_date: datetime
    permanent_storage_date: datetime
    seller_nip: str
    seller_name: str
    net: Decimal
    vat: Decimal
    gross: Decimal
    currency: str
    invoice_type: str
    invoicing_mode: str
    invoice_hash: str
    hash_of_corrected: str | None

    @classmethod
    def from_json(cls, data: Any) -> ReceivedMetadata:
        try:
            seller = _req(data, "seller")
            return cls(
                _str(data, "ksefNumber"),
                _str(data, "invoiceNumber"),
                date.fromisoformat(_str(data, "issueDate")[:10]),
                parse_datetime(_req(data, "acquisitionDate")),
                parse_datetime(_req(data, "permanentStorageDate")),
                _str(seller, "nip"),
                str(seller.get("name") or ""),
                _amount(data, "netAmount"),
                _amount(data, "vatAmount"),
                _amount(data, "grossAmount"),
                _str(data, "currency"),
                _str(data, "invoiceType"),
                _str(data, "invoicingMode"),
                _str(data, "invoiceHash"),
                _opt_str(data, "hashOfCorrectedInvoice"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"invoice metadata is malformed: {exc}") from None


def storage_filters(
    subject: str, date_from: datetime, date_to: datetime | None = None
) -> dict[str, Any]:
    """InvoiceQueryFilters for an incremental download: by permanent storage date, capped
    at KSeF's high-water mark (hwm.md); ``date_to`` None lets KSeF take its own "now"."""
    date_range: dict[str, Any] = {
        "dateType": "PermanentStorage",
        "from": date_from.isoformat(),
        "restrictToPermanentStorageHwmDate": True,
    }
    if date_to is not None:
        date_range["to"] = date_to.isoformat()
    return {"subjectType": subject, "dateRange": date_range}


@dataclass(frozen=True)
class MetadataPage:
    has_more: bool
    is_truncated: bool
    hwm: datetime | None
    invoices: tuple[ReceivedMetadata, ...]


def query_page(
    t: Transport, filters: dict[str, Any], page_offset: int, page_size: int = PAGE_SIZE
) -> MetadataPage:
    """POST /invoices/query/metadata, ascending; one page."""
    response = t.request(
        "POST",
        "/invoices/query/metadata",
        params={"pageOffset": page_offset, "pageSize": page_size, "sortOrder": "Asc"},
        json=filters,
        access=True,
        group="invoiceMetadata",
    )
    data = _decimal_json(response.content)
    try:
        hwm_text = data.get("permanentStorageHwmDate")
        return MetadataPage(
            bool(_req(data, "hasMore")),
            bool(_req(data, "isTruncated")),
            parse_datetime(hwm_text) if hwm_text else None,
            tuple(ReceivedMetadata.from_json(i) for i in _req(data, "invoices")),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ProtocolError(f"the metadata answer is malformed: {exc}") from None


# --- exports --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportStatus:
    code: int
    description: str
    invoice_count: int = 0
    is_truncated: bool = False
    last_storage: datetime | None = None
    hwm: datetime | None = None
    compression: str = "Zip"
    parts: tuple[dict[str, Any], ...] = ()


@dataclass
class Package:
    """What an export delivered: the metadata and the XML of each invoice by KSeF number."""

    status: ExportStatus
    metadata: list[ReceivedMetadata] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict, repr=False)


def start_export(
    t: Transport, certificates: Certificates, key: SessionKey, filters: dict[str, Any]
) -> str:
    """POST /invoices/exports (the package encrypted with ``key``); its reference number."""
    for attempt in (1, 2):
        body = {
            "encryption": encryption_for(certificates, key).to_json(),
            "filters": filters,
            "compressionType": "Zip",
        }
        try:
            data = t.json(
                "POST", "/invoices/exports", json=body, access=True, expect=(201, 202),
                group="invoiceExport",
            )  # fmt: skip
        except RequestRejected as exc:
            if UNKNOWN_KEY not in exc.codes or attempt == 2:
                raise
            certificates.invalidate()
            continue
        if not isinstance(data, dict) or not isinstance(data.get("referenceNumber"), str):
            raise ProtocolError("the export answer has no referenceNumber")
        return str(data["referenceNumber"])
    raise AssertionError("unreachable")


def export_status(t: Transport, reference: str) -> ExportStatus:
    data = t.json("GET", f"/invoices/exports/{reference}", access=True, group="invoiceExportStatus")
    try:
        status = _req(data, "status")
        code = int(_req(status, "code"))
        package = data.get("package") or {}
        last = package.get("lastPermanentStorageDate")
        hwm = package.get("permanentStorageHwmDate")
        return ExportStatus(
            code,
            str(status.get("description") or ""),
            int(package.get("invoiceCount") or 0),
            bool(package.get("isTruncated")),
            parse_datetime(last) if last else None,
            parse_datetime(hwm) if hwm else None,
            str(package.get("compressionType") or "Zip"),
            tuple(package.get("parts") or ()),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProtocolError(f"the export status is malformed: {exc}") from None


def wait_for_export(
    t: Transport,
    reference: str,
    *,
    sleep: Callable[[float], None],
    check: Callable[[], None],
    interval: float = 1.0,
    attempts: int = 600,
) -> ExportStatus:
    """Poll the export until it is no longer running (``check`` may cancel between polls)."""
    for _attempt in range(attempts):
        check()
        status = export_status(t, reference)
        if status.code != EXPORT_RUNNING:
            return status
        sleep(interval)
    raise ProtocolError(f"export {reference} did not finish")


def download_package(t: Transport, key: SessionKey, status: ExportStatus) -> Package:
    """Fetch, check, decrypt and unpack every part of a finished export."""
    chunks: list[bytes] = []
    for part in sorted(status.parts, key=lambda p: int(p.get("ordinalNumber", 0))):
        url = part.get("url")
        if not isinstance(url, str):
            raise ProtocolError("an export part has no URL")
        encrypted = t.request("GET", url, absolute=True, answer=EXPORT_PART_ANSWER).content
        announced = part.get("encryptedPartHash")
        if announced and sha256_b64(encrypted) != announced:
            raise ProtocolError("an export part does not match its hash")
        try:
            plain = key.decrypt(encrypted)
        except ValueError:
            raise ProtocolError("an export part cannot be decrypted") from None
        if part.get("partHash") and sha256_b64(plain) != part["partHash"]:
            raise ProtocolError("a decrypted export part does not match its hash")
        chunks.append(plain)
    files = unpack(b"".join(chunks), status.compression)
    package = Package(status)
    meta = files.pop("_metadata.json", None)
    if meta is not None:
        data = _decimal_json(meta)
        items = data.get("invoices") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ProtocolError("_metadata.json has no invoice list")
        package.metadata = [ReceivedMetadata.from_json(i) for i in items]
    package.files = {name.removesuffix(".xml"): body for name, body in files.items()}
    return package


def unpack(archive: bytes, compression: str) -> dict[str, bytes]:
    """Every regular file of a ZIP or tar.gz package by its base name."""
    if not archive:
        return {}
    files: dict[str, bytes] = {}
    total = 0
    try:
        if compression == "TarGz":
            with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
                for member in tar:
                    if not member.isfile():
                        continue
                    total += member.size
                    if total > MAX_UNPACKED:
                        raise ProtocolError("the export package is too large")
                    handle = tar.extractfile(member)
                    if handle is not None:
                        files[member.name.rsplit("/", 1)[-1]] = handle.read()
        else:
            with zipfile.ZipFile(io.BytesIO(archive)) as zf:
                for info in zf.infolist():
                    if info.is_dir():
                        continue
                    total += info.file_size
                    if total > MAX_UNPACKED:
                        raise ProtocolError("the export package is too large")
                    files[info.filename.rsplit("/", 1)[-1]] = zf.read(info)
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as exc:
        raise ProtocolError(f"the export package cannot be unpacked: {exc}") from None
    return files
