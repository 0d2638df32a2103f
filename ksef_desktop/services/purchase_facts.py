"""What a buyer reads from a received FA(3) file beyond KSeF's metadata: the seller's
name, the due date, the bank account, the invoices a correction corrects, and the
semantic warnings (issue 25). Never raises: a file this cannot read gives the
metadata's facts alone (KSeF accepted the file; the buyer still gets to see it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from ksef_desktop.fa3.semantic import SemanticWarning, semantic_warnings
from ksef_desktop.fa3.xmlsafe import UnsafeXmlError, parse_untrusted
from ksef_desktop.ksef.receiving import ReceivedMetadata
from ksef_desktop.store.purchases import ReceivedInvoice

_NS = {"f": "http://crd.gov.pl/wzor/2025/06/25/13775/"}


@dataclass(frozen=True)
class XmlFacts:
    seller_name: str = ""
    kind: str = ""
    due_date: date | None = None
    bank_account: str = ""
    corrects: tuple[dict[str, str], ...] = ()


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None


def read_facts(xml: bytes) -> XmlFacts:
    try:
        root = parse_untrusted(xml)
    except (etree.XMLSyntaxError, UnsafeXmlError, ValueError):
        return XmlFacts()
    name = root.findtext("f:Podmiot1/f:DaneIdentyfikacyjne/f:Nazwa", "", _NS).strip()
    kind = root.findtext("f:Fa/f:RodzajFaktury", "", _NS).strip()
    dues = [
        d
        for d in (
            _date(t.text) for t in root.findall("f:Fa/f:Platnosc/f:TerminPlatnosci/f:Termin", _NS)
        )
        if d is not None
    ]
    account = root.findtext("f:Fa/f:Platnosc/f:RachunekBankowy/f:NrRB", "", _NS).strip()
    corrects = tuple(
        {
            "number": item.findtext("f:NrFaKorygowanej", "", _NS).strip(),
            "ksef_number": item.findtext("f:NrKSeFFaKorygowanej", "", _NS).strip(),
            "issue_date": item.findtext("f:DataWystFaKorygowanej", "", _NS).strip(),
        }
        for item in root.findall("f:Fa/f:DaneFaKorygowanej", _NS)
    )
    return XmlFacts(name, kind, min(dues) if dues else None, account, corrects)


def warning_record(warning: SemanticWarning) -> dict[str, str]:
    """A warning as the store keeps it: translatable later (msgid + params)."""
    return {
        "code": warning.code,
        "path": warning.path,
        "msgid": warning.msgid,
        "params": "\x1f".join(f"{k}\x1e{v}" for k, v in warning.params.items()),
    }


def warning_from_record(record: dict[str, str]) -> SemanticWarning:
    params = dict(
        item.split("\x1e", 1) for item in record.get("params", "").split("\x1f") if "\x1e" in item
    )
    return SemanticWarning(record["code"], record["path"], record["msgid"], params)


def received_invoice(meta: ReceivedMetadata, xml: bytes, subject: str) -> ReceivedInvoice:
    """The row to keep for one invoice: KSeF's metadata, completed from its XML."""
    facts = read_facts(xml)
    return ReceivedInvoice(
        ksef_number=meta.ksef_number,
        seller_nip=meta.seller_nip,
        seller_name=facts.seller_name or meta.seller_name,
        number=meta.invoice_number,
        kind=facts.kind or meta.invoice_type.upper(),
        issue_date=meta.issue_date,
        acquired_at=meta.acquisition_date,
        stored_at=meta.permanent_storage_date,
        net=meta.net,
        vat=meta.vat,
        gross=meta.gross,
        currency=meta.currency,
        xml=xml,
        subject=subject,
        due_date=facts.due_date,
        bank_account=facts.bank_account,
        invoicing_mode=meta.invoicing_mode,
        corrected_hash=meta.hash_of_corrected,
        corrects=facts.corrects,
        warnings=tuple(warning_record(w) for w in semantic_warnings(xml)),
    )
