"""Invoice export (KSEF-PROTOCOL.md §4): POST /invoices/exports, GET /invoices/exports/{ref}
and the pre-signed part downloads.

The package is a ZIP (or tar.gz) of ``{ksefNumber}.xml`` files plus ``_metadata.json``
(``{"invoices": [InvoiceMetadata...]}``), invoices taken ascending by the filter's date,
at most 10 000 (then ``isTruncated``); split into parts of at most 50 MB, each encrypted
with the client's AES key (AES-256-CBC, PKCS#7). Exports live in memory only.
"""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.crypto import aes_cbc_encrypt
from ksef_desktop.sandbox.errors import ApiError, gone
from ksef_desktop.sandbox.helpers import parse_json_object, session_key, signed, storage_error
from ksef_desktop.sandbox.metadata import TECHNICAL_CAP, Filters, metadata_json, sort_key
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.state import InvoiceRecord
from ksef_desktop.sandbox.util import (
    Request,
    Response,
    iso,
    json_response,
    reference_number,
    sha256_b64,
)

READ = ("InvoiceRead",)
PART_SIZE = 50_000_000
RETENTION = timedelta(days=7)
STATUS = {
    100: "Eksport faktur w toku",
    200: "Eksport faktur zakończony sukcesem",
    415: "Błąd odszyfrowania dostarczonego klucza",
}


@dataclass
class Export:
    reference: str
    nip: str
    created: datetime
    ready_at: datetime
    status: int
    package: dict[str, Any] | None = None
    parts: list[bytes] = field(default_factory=list)


def _archive(invoices: list[InvoiceRecord], only_metadata: bool, compression: str) -> bytes:
    files: list[tuple[str, bytes]] = []
    if not only_metadata:
        files = [(f"{i.ksef_number}.xml", i.content) for i in invoices]
    meta = {"invoices": [metadata_json(i) for i in invoices]}
    files.append(("_metadata.json", json.dumps(meta, ensure_ascii=False).encode("utf-8")))
    buffer = io.BytesIO()
    if compression == "TarGz":
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for name, data in files:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    else:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files:
                zf.writestr(name, data)
    return buffer.getvalue()


def start_export(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    key, iv = session_key(core, body)
    filters_body = body.get("filters")
    if not isinstance(filters_body, dict):
        raise ApiError(21405, "Pole 'filters' jest wymagane.")
    now = core.now()
    filters = Filters(filters_body, now)
    only_metadata = body.get("onlyMetadata", False)
    compression = body.get("compressionType") or "Zip"
    if not isinstance(only_metadata, bool) or compression not in ("Zip", "TarGz"):
        raise ApiError(21405, "Pola 'onlyMetadata' i 'compressionType' mają złą wartość.")
    ref = reference_number("EH", now)
    ready = now + timedelta(seconds=core.config.processing_delay)
    export = Export(ref, req.context_nip or "", now, ready, 200 if key else 415)
    if key is not None:
        with core.state.lock:
            found = [
                i
                for i in core.state.invoices.values()
                if i.status_code == 200
                and filters.visible(i, req.context_nip)
                and filters.matches(i)
            ]
            found.sort(key=lambda i: sort_key(i, filters.field))
            truncated = len(found) > TECHNICAL_CAP
            found = found[:TECHNICAL_CAP]
            archive = _archive(found, only_metadata, compression)
        _package(core, export, archive, found, truncated, key, iv, compression)
    with core.state.lock:
        core.exports[ref] = export
    return json_response(201, {"referenceNumber": ref})


def _package(
    core: SandboxCore,
    export: Export,
    archive: bytes,
    invoices: list[InvoiceRecord],
    truncated: bool,
    key: bytes,
    iv: bytes,
    compression: str,
) -> None:
    suffix = "tar.gz" if compression == "TarGz" else "zip"
    parts = []
    for index, start in enumerate(range(0, max(len(archive), 1), PART_SIZE), start=1):
        plain = archive[start : start + PART_SIZE]
        encrypted = aes_cbc_encrypt(key, iv, plain)
        export.parts.append(encrypted)
        parts.append(
            {
                "ordinalNumber": index,
                "partName": f"{export.reference}-{index:03d}.{suffix}.aes",
                "method": "GET",
                "partSize": len(plain),
                "partHash": sha256_b64(plain),
                "encryptedPartSize": len(encrypted),
                "encryptedPartHash": sha256_b64(encrypted),
            }
        )
    last = invoices[-1] if invoices else None
    export.package = {
        "invoiceCount": len(invoices),
        "size": len(archive),
        "parts": parts,
        "isTruncated": truncated,
        "lastIssueDate": last.issue_date if last else None,
        "lastInvoicingDate": iso(last.invoicing_date) if last else None,
        "lastPermanentStorageDate": (
            iso(last.permanent_storage_date) if last and last.permanent_storage_date else None
        ),
        "permanentStorageHwmDate": iso(core.now()),
        "compressionType": compression,
    }


def export_status(core: SandboxCore, req: Request) -> Response:
    ref = req.params["referenceNumber"]
    with core.state.lock:
        export = core.exports.get(ref)
    if export is None or export.nip != req.context_nip:
        raise ApiError(21175, f"Wynik zapytania o identyfikatorze {ref} nie istnieje.")
    now = core.now()
    if now - export.created > RETENTION:
        raise gone()
    code = export.status if now >= export.ready_at else 100
    out: dict[str, Any] = {"status": {"code": code, "description": STATUS[code]}}
    if code == 200 and export.package is not None:
        package = dict(export.package)
        package["parts"] = []
        for part in export.package["parts"]:
            url, expires = core.presign(
                f"/storage/exports/{export.reference}/{part['ordinalNumber']}"
            )
            package["parts"].append({**part, "url": url, "expirationDate": iso(expires)})
        out.update(
            completedDate=iso(export.ready_at),
            packageExpirationDate=iso(export.created + RETENTION),
            package={k: v for k, v in package.items() if v is not None},
        )
    return json_response(200, out)


def download_part(core: SandboxCore, req: Request) -> Response:
    if not signed(core, req):
        return storage_error(403, "AuthenticationFailed", "Signature invalid or expired.")
    with core.state.lock:
        export = core.exports.get(req.params["reference"])
    number = req.params["number"]
    if export is None or not number.isdigit() or not 1 <= int(number) <= len(export.parts):
        return storage_error(404, "BlobNotFound", "The specified blob does not exist.")
    part = export.parts[int(number) - 1]
    # Like every pre-signed download (KSEF-PROTOCOL.md §13 item 9): the stored blob's hash,
    # i.e. of the encrypted part, the same as the package's encryptedPartHash.
    return Response(200, part, "application/octet-stream", {"x-ms-meta-hash": sha256_b64(part)})


ROUTES = [
    Route("POST", "/invoices/exports", start_export, "invoiceExport", permissions=READ),
    Route(
        "GET",
        "/invoices/exports/{referenceNumber}",
        export_status,
        "invoiceExportStatus",
        permissions=READ,
    ),
]
STORAGE_ROUTES = [
    Route("GET", "/storage/exports/{reference}/{number}", download_part, auth=AUTH_NONE),
]
