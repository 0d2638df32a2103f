"""The verification pages behind the QR codes (KSEF-PROTOCOL.md §6).

KOD I, GET /qr/invoice/{nip}/{DD-MM-YYYY}/{hash}: ``hash`` is Base64URL (no padding) of
SHA-256 of the invoice file. The page says whether that invoice is in the sandbox, like
the official verification tool: 200 with the KSeF number when it is (a rejected file whose
technical correction was accepted leads to the correction), 404 when it is not, 400 for a
malformed link.

KOD II, GET /qr/certificate/{contextType}/{contextValue}/{sellerNip}/{serial}/{hash}/
{signature}: the issuer of an offline invoice (kod2.py checks it): 200 when the
certificate's signature and rights hold, 404 when the sandbox never issued that
certificate, 422 with the reasons when a check fails, 400 for a malformed link.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from datetime import date

from ksef_desktop.sandbox import kod2
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.routing import AUTH_NONE, Route
from ksef_desktop.sandbox.state import InvoiceRecord
from ksef_desktop.sandbox.util import Request, Response, b64

_HASH = re.compile(r"[A-Za-z0-9_-]{43}")
_DAY = re.compile(r"(\d{2})-(\d{2})-(\d{4})")


def _page(status: int, title: str, rows: list[tuple[str, str]]) -> Response:
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    body = (
        '<!DOCTYPE html><html lang="pl"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        "<p>Krajowy System e-Faktur — środowisko testowe (Sandbox)</p>"
        f"<h1>{html.escape(title)}</h1><table>{cells}</table></body></html>"
    )
    return Response(status, body.encode("utf-8"), "text/html; charset=utf-8")


def _find(core: SandboxCore, nip: str, day: date, digest: str) -> InvoiceRecord | None:
    state = core.state
    for invoice in state.invoices.values():
        if invoice.nip != nip or invoice.invoice_hash != digest:
            continue
        if invoice.status_code == 200 and invoice.issue_date == day.isoformat():
            return invoice
        corrected = state.corrections.get(digest)
        if corrected is not None:
            return state.invoices[corrected]
    return None


def invoice_page(core: SandboxCore, req: Request) -> Response:
    nip, day_text, url_hash = req.params["nip"], req.params["day"], req.params["hash"]
    match = _DAY.fullmatch(day_text)
    if not re.fullmatch(r"\d{10}", nip) or match is None or not _HASH.fullmatch(url_hash):
        return _page(400, "Nieprawidłowy link weryfikacyjny", [])
    try:
        day = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        digest = b64(base64.urlsafe_b64decode(url_hash + "="))
    except (ValueError, binascii.Error):
        return _page(400, "Nieprawidłowy link weryfikacyjny", [])
    with core.state.lock:
        invoice = _find(core, nip, day, digest)
        if invoice is None:
            return _page(
                404,
                "Nie znaleziono faktury w KSeF",
                [("NIP sprzedawcy", nip), ("Data wystawienia", day_text)],
            )
        return _page(
            200,
            "Faktura znajduje się w KSeF",
            [
                ("Numer KSeF", invoice.ksef_number or ""),
                ("Numer faktury", invoice.invoice_number or ""),
                ("NIP sprzedawcy", invoice.nip),
                ("Data wystawienia", invoice.issue_date or ""),
                ("Tryb", invoice.invoicing_mode or ""),
                ("Skrót pliku (SHA-256)", invoice.invoice_hash),
            ],
        )


def certificate_page(core: SandboxCore, req: Request) -> Response:
    link = kod2.parse_link(req.params)
    if link is None:
        return _page(400, "Nieprawidłowy link weryfikacyjny", [])
    # The signed text is the link without its scheme and signature, on the host called.
    host = req.header("Host") or core.server_url.removeprefix("http://")
    signed_text = host + req.path.rsplit("/", 1)[0]
    with core.state.lock:
        record = core.state.certificates.get(link.serial)
        if record is None:
            return _page(
                404,
                "Certyfikat nie istnieje w KSeF",
                [("Numer seryjny certyfikatu", link.serial)],
            )
        problems = kod2.problems(core, link, record, signed_text)
        in_ksef = any(
            i.nip == link.seller_nip and i.invoice_hash == link.invoice_hash and i.ksef_number
            for i in core.state.invoices.values()
        )
    rows = [
        ("Numer seryjny certyfikatu", record.serial),
        ("Nazwa certyfikatu", record.name),
        ("Właściciel certyfikatu", record.common_name),
        ("Kontekst", f"{link.context_type} {link.context_value}"),
        ("NIP sprzedawcy", link.seller_nip),
        ("Ważny od", record.valid_from.date().isoformat()),
        ("Ważny do", record.valid_to.date().isoformat()),
        ("Faktura w KSeF", "tak" if in_ksef else "nie (jeszcze nie przesłana)"),
    ]
    if problems:
        reasons = [("Powód", reason) for reason in problems]
        return _page(422, "Nie potwierdzono wystawcy faktury", [*reasons, *rows])
    return _page(200, "Wystawca faktury potwierdzony", rows)


ROUTES = [
    Route("GET", "/qr/invoice/{nip}/{day}/{hash}", invoice_page, auth=AUTH_NONE),
    Route(
        "GET",
        "/qr/certificate/{contextType}/{contextValue}/{sellerNip}/{serial}/{hash}/{signature}",
        certificate_page,
        auth=AUTH_NONE,
    ),
]
