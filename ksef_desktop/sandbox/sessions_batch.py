"""Batch sessions (KSEF-PROTOCOL.md §3.4): open with declared parts, PUT each encrypted
part to a pre-signed /storage URL (no bearer, ``x-ms-blob-type: BlockBlob`` -> 201),
close, then the worker decrypts, reassembles, unpacks (Zip or TarGz) and verifies every
invoice on its own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.helpers import (
    SESSION_LIFETIME,
    find_session,
    form_code,
    parse_json_object,
    session_key,
    signed,
    storage_error,
)
from ksef_desktop.sandbox.processing import (
    set_session_status,
)
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.state import SessionRecord
from ksef_desktop.sandbox.util import (
    Request,
    Response,
    iso,
    json_response,
    parse_iso,
    reference_number,
    sha256_b64,
)

MAX_PARTS = 50
MAX_PART_PLAIN = 100_000_000
MAX_FILE = 5_000_000_000
PART_TIME = timedelta(minutes=20)
BATCH_WRITE = ("InvoiceWrite", "EnforcementOperations")


def _positive_int(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ApiError(21405, f"Pole '{name}' musi być dodatnią liczbą całkowitą.")
    return value


def _declared_file(body: dict[str, Any]) -> dict[str, Any]:
    batch = body.get("batchFile")
    if not isinstance(batch, dict):
        raise ApiError(21405, "Pole 'batchFile' jest wymagane.")
    size = _positive_int(batch.get("fileSize"), "batchFile.fileSize")
    if size > MAX_FILE:
        raise ApiError(21405, "Paczka może mieć najwyżej 5 GB.")
    file_hash = batch.get("fileHash")
    if not isinstance(file_hash, str) or len(file_hash) != 44:
        raise ApiError(21405, "Pole 'batchFile.fileHash' jest wymagane.")
    compression = batch.get("compressionType") or "Zip"
    if compression not in ("Zip", "TarGz"):
        raise ApiError(21405, "Obsługiwane typy kompresji: Zip, TarGz.")
    parts = batch.get("fileParts")
    if not isinstance(parts, list) or not parts:
        raise ApiError(21405, "Pole 'batchFile.fileParts' jest wymagane.")
    if len(parts) > MAX_PARTS:
        raise ApiError(21161, f"Paczka może mieć najwyżej {MAX_PARTS} części.")
    declared: list[dict[str, Any]] = []
    numbers: list[int] = []
    for part in parts:
        if not isinstance(part, dict):
            raise ApiError(21405, "Każda część to obiekt.")
        number = _positive_int(part.get("ordinalNumber"), "ordinalNumber")
        part_size = _positive_int(part.get("fileSize"), "fileSize")
        part_hash = part.get("fileHash")
        if not isinstance(part_hash, str) or len(part_hash) != 44:
            raise ApiError(21405, "Pole 'fileHash' części jest wymagane.")
        if part_size > MAX_PART_PLAIN + 16:
            raise ApiError(21157, f"Część {number} przekracza 100 MB.")
        declared.append({"ordinalNumber": number, "fileSize": part_size, "fileHash": part_hash})
        numbers.append(number)
    if sorted(numbers) != list(range(1, len(declared) + 1)):
        raise ApiError(21405, "Numery części muszą być kolejnymi liczbami od 1.")
    return {
        "fileSize": size,
        "fileHash": file_hash,
        "compressionType": compression,
        "parts": sorted(declared, key=lambda p: p["ordinalNumber"]),
    }


def _part_path(session_ref: str, number: int) -> str:
    return f"/storage/batch/{session_ref}/parts/{number}"


def open_batch(core: SandboxCore, req: Request) -> Response:
    body = parse_json_object(req)
    code = form_code(body)
    declared = _declared_file(body)
    key, iv = session_key(core, body)
    offline = body.get("offlineMode", False)
    if not isinstance(offline, bool):
        raise ApiError(21405, "Pole 'offlineMode' musi być wartością logiczną.")
    now = core.now()
    ref = reference_number("SB", now)
    deadline = now + PART_TIME * len(declared["parts"])
    declared["uploadDeadline"] = iso(deadline)
    principal = req.principal
    with core.state.lock:
        op = core.state.auth_operations.get(principal.auth_reference)
        session = SessionRecord(
            reference_number=ref,
            kind="Batch",
            nip=principal.nip,
            auth_reference=principal.auth_reference,
            token_reference=op.token_reference if op else None,
            form_code=code,
            key=key,
            iv=iv,
            created=now,
            updated=now,
            valid_until=now + SESSION_LIFETIME,
            status_code=100,
            status_description="",
            offline_mode=offline,
            batch=declared,
        )
        set_session_status(session, 100)
        core.state.sessions[ref] = session
        core.state.touch()
        core.batch_parts[ref] = {}
    uploads = []
    for part in declared["parts"]:
        url, _ = core.presign(_part_path(ref, part["ordinalNumber"]), deadline - now)
        uploads.append(
            {
                "ordinalNumber": part["ordinalNumber"],
                "method": "PUT",
                "url": url,
                "headers": {"x-ms-blob-type": "BlockBlob"},
            }
        )
    return json_response(201, {"referenceNumber": ref, "partUploadRequests": uploads})


def upload_part(core: SandboxCore, req: Request) -> Response:
    if not signed(core, req):
        return storage_error(403, "AuthenticationFailed", "Signature invalid or expired.")
    if (req.header("x-ms-blob-type") or "") != "BlockBlob":
        return storage_error(400, "MissingRequiredHeader", "x-ms-blob-type: BlockBlob is required.")
    ref = req.params["sessionRef"]
    number = int(req.params["number"]) if req.params["number"].isdigit() else 0
    with core.state.lock:
        session = core.state.sessions.get(ref)
        parts = core.batch_parts.get(ref)
        if session is None or parts is None or session.status_code != 100 or session.batch is None:
            return storage_error(403, "AuthorizationFailure", "The upload window is closed.")
        if core.now() > parse_iso(session.batch["uploadDeadline"]):
            return storage_error(403, "AuthorizationFailure", "The upload time has passed.")
        if not any(p["ordinalNumber"] == number for p in session.batch["parts"]):
            return storage_error(400, "InvalidUri", "No such part.")
        parts[number] = req.body
        session.updated = core.now()
        core.state.touch()
    return Response(201, b"", None, {"ETag": f'"{sha256_b64(req.body)}"'})


def close_batch(core: SandboxCore, req: Request) -> Response:
    session = find_session(core, req, "Batch")
    with core.state.lock:
        if session.status_code != 100:
            raise ApiError(
                21180, f"Status sesji {session.status_code} uniemożliwia jej zamknięcie."
            )
        assert session.batch is not None
        now = core.now()
        if now > parse_iso(session.batch["uploadDeadline"]):
            set_session_status(session, 440, ["Przekroczono czas wysyłki"])
            session.updated = now
            core.batch_parts.pop(session.reference_number, None)
            core.state.touch()
            raise ApiError(21208, "Sesja anulowana, przekroczony czas wysyłki.")
        parts = core.batch_parts.get(session.reference_number, {})
        for part in session.batch["parts"]:
            number = part["ordinalNumber"]
            if number not in parts:
                raise ApiError(21205, f"Nie przesłano zadeklarowanej '{number}' części pliku.")
            if len(parts[number]) != part["fileSize"]:
                raise ApiError(
                    21157, f"Zadeklarowany rozmiar części '{number}' nie zgadza się z rzeczywistym."
                )
        session.closed = now
        session.updated = now
        set_session_status(session, 150)
        core.state.touch()
    core.worker.submit("batch", session.reference_number)
    return Response(204)


ROUTES = [
    Route("POST", "/sessions/batch", open_batch, "batchSession", permissions=BATCH_WRITE),
    Route(
        "POST",
        "/sessions/batch/{referenceNumber}/close",
        close_batch,
        "batchSessionClose",
        permissions=BATCH_WRITE,
    ),
]
STORAGE_ROUTES = [
    Route("PUT", "/storage/batch/{sessionRef}/parts/{number}", upload_part, auth=AUTH_NONE),
]
