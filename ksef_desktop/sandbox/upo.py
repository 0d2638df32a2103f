"""UPO v4-3 (Urzędowe Poświadczenie Odbioru) documents for invoices and sessions.

Valid against upo-v4-3.xsd except NazwaPodmiotuPrzyjmujacego, which carries the
environment suffix the way the test environments do ("... - środowisko testowe (TE)").
A session's UPO has pages of at most UPO_PAGE_SIZE invoices.
"""

from __future__ import annotations

from lxml import etree

from ksef_desktop.fa3.schema import UPO_NAMESPACE
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.state import InvoiceRecord, SessionRecord
from ksef_desktop.sandbox.util import Response, iso_warsaw, sha256_b64

STRUCTURE_NAME = "Schemat_FA(3)_v1-0E.xsd"


def receiver_name(suffix: str) -> str:
    return f"Ministerstwo Finansów - środowisko testowe ({suffix})"


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node: etree._Element = etree.SubElement(parent, f"{{{UPO_NAMESPACE}}}{name}")
    if text is not None:
        node.text = text
    return node


def build_upo(
    session: SessionRecord,
    invoices: list[InvoiceRecord],
    suffix: str,
    page: tuple[int, int, int, int, int] | None = None,
) -> bytes:
    """UPO for ``invoices`` (all accepted); ``page`` = (page, pages, from, to, total)."""
    root = etree.Element(f"{{{UPO_NAMESPACE}}}Potwierdzenie", nsmap={None: UPO_NAMESPACE})
    _sub(root, "NazwaPodmiotuPrzyjmujacego", receiver_name(suffix))
    _sub(root, "NumerReferencyjnySesji", session.reference_number)
    auth = _sub(root, "Uwierzytelnienie")
    context = _sub(auth, "IdKontekstu")
    _sub(context, "Nip", session.nip)
    if session.token_reference:
        _sub(auth, "NumerReferencyjnyTokenaKSeF", session.token_reference)
    else:
        _sub(auth, "NumerReferencyjnyTokenaKSeF", session.auth_reference)
    if page is not None:
        desc = _sub(root, "OpisPotwierdzenia")
        for name, value in zip(
            ("Strona", "LiczbaStron", "ZakresDokumentowOd", "ZakresDokumentowDo"),
            page,
            strict=False,
        ):
            _sub(desc, name, str(value))
        _sub(desc, "CalkowitaLiczbaDokumentow", str(page[4]))
    _sub(root, "NazwaStrukturyLogicznej", STRUCTURE_NAME)
    _sub(root, "KodFormularza", session.form_code["systemCode"])
    for invoice in invoices:
        assert invoice.ksef_number
        assert invoice.acquisition_date
        doc = _sub(root, "Dokument")
        _sub(doc, "NipSprzedawcy", invoice.nip)
        _sub(doc, "NumerKSeFDokumentu", invoice.ksef_number)
        _sub(doc, "NumerFaktury", invoice.invoice_number or "")
        _sub(doc, "DataWystawieniaFaktury", invoice.issue_date or "")
        _sub(doc, "DataPrzeslaniaDokumentu", iso_warsaw(invoice.invoicing_date))
        _sub(doc, "DataNadaniaNumeruKSeF", iso_warsaw(invoice.acquisition_date))
        _sub(doc, "SkrotDokumentu", invoice.invoice_hash)
        _sub(doc, "TrybWysylki", invoice.invoicing_mode or "Online")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


UPO_PAGE_SIZE = 10_000


def xml_response(data: bytes) -> Response:
    return Response(
        200, data, "application/xml; charset=utf-8", {"x-ms-meta-hash": sha256_b64(data)}
    )


def invoice_upo_bytes(core: SandboxCore, invoice: InvoiceRecord) -> bytes:
    if invoice.status_code != 200:
        raise ApiError(21178, f"Brak UPO dla faktury {invoice.reference_number}.")
    session = core.state.sessions[invoice.session_reference]
    return build_upo(session, [invoice], core.config.environment_suffix)


def session_upo_bytes(core: SandboxCore, session: SessionRecord, upo_ref: str) -> bytes:
    if upo_ref not in session.upo_pages:
        raise ApiError(21178, f"Brak UPO o numerze {upo_ref}.")
    index = session.upo_pages.index(upo_ref)
    good = [
        core.state.invoices[r]
        for r in session.invoice_refs
        if core.state.invoices[r].status_code == 200
    ]
    chunk = good[index * UPO_PAGE_SIZE : (index + 1) * UPO_PAGE_SIZE]
    first = index * UPO_PAGE_SIZE + 1
    page = (index + 1, len(session.upo_pages), first, first + len(chunk) - 1, len(good))
    return build_upo(session, chunk, core.config.environment_suffix, page)
