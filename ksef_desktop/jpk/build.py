"""The JPK_V7M(3) file: ``build_jpk`` makes it, checks it against the official schema
set and returns its bytes; ``summarize`` reads back what the command line prints.

Element names, their order and the fixed attributes are the schema's. Amounts of the
register (TKwotowy) are written with two decimals, those of the declaration (TKwotaC)
as whole numbers. Nothing invalid is returned: a file the schema rejects raises
``JpkSchemaError`` (that would be a bug of ours, the input having been checked first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from lxml import etree

from ksef_desktop.domain.identifiers import nip_is_valid
from ksef_desktop.i18n import N_
from ksef_desktop.jpk import declaration as decl
from ksef_desktop.jpk.errors import JpkError, JpkSchemaError
from ksef_desktop.jpk.model import (
    GTU_CODES,
    ZERO,
    DeclarationInputs,
    Marker,
    NaturalPerson,
    Organisation,
    Period,
    Procedure,
    PurchaseDocument,
    SalesDocument,
    Taxpayer,
)
from ksef_desktop.jpk.register import (
    NOT_XML,
    PURCHASE_FIELDS,
    PURCHASE_PAIRS,
    SALES_FIELDS,
    SALES_PAIRS,
    check_purchase,
    check_sales,
    tax_deductible,
    tax_due,
    written_fields,
)
from ksef_desktop.jpk.schema import (
    DECLARATION_FORM_CODE,
    DECLARATION_SYSTEM_CODE,
    DECLARATION_VARIANT,
    ETD_NAMESPACE,
    FORM_CODE,
    FORM_VARIANT,
    JPK_NAMESPACE,
    SCHEMA_VERSION,
    SYSTEM_CODE,
    schema_errors,
    tax_offices,
)

_T = f"{{{JPK_NAMESPACE}}}"
_E = f"{{{ETD_NAMESPACE}}}"
_NSMAP = {"tns": JPK_NAMESPACE, "etd": ETD_NAMESPACE}
SYSTEM_NAME = "KSeF Desktop"
#: TDataCzas of the header: not before 2026-02-01T00:00:00Z.
_EARLIEST = datetime(2026, 2, 1, tzinfo=UTC)
#: The schema's order of the procedure markers.
_PROCEDURES = tuple(Procedure)


def _el(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child: etree._Element = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _amount(value: Decimal) -> str:
    """TKwotowy: two decimals (the value was checked to be whole grosze)."""
    return f"{value:.2f}"


def check_taxpayer(taxpayer: Taxpayer) -> None:
    """Podmiot1 and KodUrzedu as the schema accepts them (``JpkError`` otherwise)."""
    texts = {"Email": taxpayer.email, "Telefon": taxpayer.phone or ""}
    if isinstance(taxpayer, NaturalPerson):
        texts |= {"ImiePierwsze": taxpayer.first_name, "Nazwisko": taxpayer.last_name}
    else:
        texts["PelnaNazwa"] = taxpayer.name
    for name, value in texts.items():
        if NOT_XML.search(value):
            raise JpkError(
                N_("{document}: {field} contains a control character."),
                document="Podmiot1",
                field=name,
            )
    if not nip_is_valid(taxpayer.nip):
        raise JpkError(N_("The taxpayer's NIP {nip} is not valid."), nip=taxpayer.nip)
    if taxpayer.tax_office not in tax_offices():
        raise JpkError(
            N_("{code} is not the code of a tax office (KodUrzedu)."), code=taxpayer.tax_office
        )
    email = " ".join(taxpayer.email.split())
    if not 3 <= len(email) <= 255 or "@" not in email.strip("@"):
        raise JpkError(N_("{value} is not an e-mail address."), value=taxpayer.email)
    if taxpayer.phone is not None and not 1 <= len(taxpayer.phone.strip()) <= 16:
        raise JpkError(
            N_("{value} is not a telephone number (at most 16 characters)."), value=taxpayer.phone
        )
    if isinstance(taxpayer, NaturalPerson):
        for value, limit in ((taxpayer.first_name, 30), (taxpayer.last_name, 81)):
            if not 1 <= len(" ".join(value.split())) <= limit:
                raise JpkError(
                    N_("The taxpayer's name {value} must have 1 to {limit} characters."),
                    value=value,
                    limit=limit,
                )
    elif not 1 <= len(" ".join(taxpayer.name.split())) <= 240:
        raise JpkError(
            N_("The taxpayer's name {value} must have 1 to {limit} characters."),
            value=taxpayer.name,
            limit=240,
        )


def _header(
    root: etree._Element, period: Period, taxpayer: Taxpayer, correction: bool, created: datetime
) -> None:
    head = _el(root, _T + "Naglowek")
    form = _el(head, _T + "KodFormularza", FORM_CODE)
    form.set("kodSystemowy", SYSTEM_CODE)
    form.set("wersjaSchemy", SCHEMA_VERSION)
    _el(head, _T + "WariantFormularza", FORM_VARIANT)
    _el(head, _T + "DataWytworzeniaJPK", created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    _el(head, _T + "NazwaSystemu", SYSTEM_NAME)
    _el(head, _T + "CelZlozenia", "2" if correction else "1").set("poz", "P_7")
    _el(head, _T + "KodUrzedu", taxpayer.tax_office)
    _el(head, _T + "Rok", str(period.year))
    _el(head, _T + "Miesiac", str(period.month))


def _subject(root: etree._Element, taxpayer: Taxpayer) -> None:
    subject = _el(root, _T + "Podmiot1")
    subject.set("rola", "Podatnik")
    if isinstance(taxpayer, NaturalPerson):
        # etd:TIdentyfikatorOsobyFizycznej2 puts its elements in the etd namespace.
        person = _el(subject, _T + "OsobaFizyczna")
        _el(person, _E + "NIP", taxpayer.nip)
        _el(person, _E + "ImiePierwsze", " ".join(taxpayer.first_name.split()))
        _el(person, _E + "Nazwisko", " ".join(taxpayer.last_name.split()))
        _el(person, _E + "DataUrodzenia", taxpayer.birth_date.isoformat())
    else:
        assert isinstance(taxpayer, Organisation)
        person = _el(subject, _T + "OsobaNiefizyczna")
        _el(person, _T + "NIP", taxpayer.nip)
        _el(person, _T + "PelnaNazwa", " ".join(taxpayer.name.split()))
    _el(person, _T + "Email", " ".join(taxpayer.email.split()))
    if taxpayer.phone is not None:
        _el(person, _T + "Telefon", taxpayer.phone.strip())


def _declaration(
    root: etree._Element, fields: dict[str, Decimal], inputs: DeclarationInputs, correction: bool
) -> None:
    node = _el(root, _T + "Deklaracja")
    head = _el(node, _T + "Naglowek")
    form = _el(head, _T + "KodFormularzaDekl", DECLARATION_FORM_CODE)
    form.set("kodSystemowy", DECLARATION_SYSTEM_CODE)
    form.set("kodPodatku", "VAT")
    form.set("rodzajZobowiazania", "Z")
    form.set("wersjaSchemy", SCHEMA_VERSION)
    _el(head, _T + "WariantFormularzaDekl", DECLARATION_VARIANT)
    items = _el(node, _T + "PozycjeSzczegolowe")
    for name, value in decl.written(fields).items():
        _el(items, _T + name, str(int(value)))
        if name == "P_60" and inputs.refund is not None:
            _el(items, _T + "P_61", " ".join((inputs.refund.credit_for or "").split()))
    if correction and inputs.correction_reason:
        _el(items, _T + "P_ORDZU", inputs.correction_reason.strip())
    _el(node, _T + "Pouczenia", "1")


def _status(row: etree._Element, ksef: str) -> None:
    if isinstance(ksef, Marker):
        _el(row, _T + ksef.value, "1")
    else:
        _el(row, _T + "NrKSeF", ksef)


def _party(row: etree._Element, country: str | None, number: str, name_tag: str, name: str) -> None:
    if country is not None:
        _el(row, _T + "KodKrajuNadaniaTIN", country)
    _el(
        row,
        _T + ("NrKontrahenta" if name_tag == "NazwaKontrahenta" else "NrDostawcy"),
        number.strip(),
    )
    _el(row, _T + name_tag, " ".join(name.split()))


def _sales_row(parent: etree._Element, number: int, doc: SalesDocument) -> None:
    row = _el(parent, _T + "SprzedazWiersz")
    _el(row, _T + "LpSprzedazy", str(number))
    party = doc.counterparty
    _party(row, party.country, party.number, "NazwaKontrahenta", party.name)
    _el(row, _T + "DowodSprzedazy", " ".join(doc.number.split()))
    _el(row, _T + "DataWystawienia", doc.issue_date.isoformat())
    if doc.sale_date is not None:
        _el(row, _T + "DataSprzedazy", doc.sale_date.isoformat())
    _status(row, doc.ksef)
    if doc.doc_type is not None:
        _el(row, _T + "TypDokumentu", doc.doc_type.value)
    if doc.gtu:
        for code in GTU_CODES:
            if code in doc.gtu:
                _el(row, _T + code, "1")
    if doc.procedures:
        for procedure in _PROCEDURES:
            if procedure in doc.procedures:
                _el(row, _T + procedure.value, "1")
    if doc.bad_debt is not None:
        _el(row, _T + "KorektaPodstawyOpodt", "1")
        _el(row, _T + doc.bad_debt.kind.value, doc.bad_debt.day.isoformat())
    for name, value in written_fields(doc.amounts, SALES_FIELDS, SALES_PAIRS):
        _el(row, _T + name, _amount(value))
    if doc.margin_gross is not None:
        _el(row, _T + "SprzedazVAT_Marza", _amount(doc.margin_gross))


def _purchase_row(parent: etree._Element, number: int, doc: PurchaseDocument) -> None:
    row = _el(parent, _T + "ZakupWiersz")
    _el(row, _T + "LpZakupu", str(number))
    party = doc.counterparty
    _party(row, party.country, party.number, "NazwaDostawcy", party.name)
    _el(row, _T + "DowodZakupu", " ".join(doc.number.split()))
    _el(row, _T + "DataZakupu", doc.issue_date.isoformat())
    if doc.received_date is not None:
        _el(row, _T + "DataWplywu", doc.received_date.isoformat())
    _status(row, doc.ksef)
    if doc.doc_type is not None:
        _el(row, _T + "DokumentZakupu", doc.doc_type.value)
    if doc.imp:
        _el(row, _T + "IMP", "1")
    for name, value in written_fields(doc.amounts, PURCHASE_FIELDS, PURCHASE_PAIRS):
        _el(row, _T + name, _amount(value))
    if doc.margin_purchase is not None:
        _el(row, _T + "ZakupVAT_Marza", _amount(doc.margin_purchase))


def _register(
    root: etree._Element, sales: Sequence[SalesDocument], purchases: Sequence[PurchaseDocument]
) -> None:
    node = _el(root, _T + "Ewidencja")
    for number, sale in enumerate(sales, start=1):
        _sales_row(node, number, sale)
    control = _el(node, _T + "SprzedazCtrl")
    _el(control, _T + "LiczbaWierszySprzedazy", str(len(sales)))
    _el(control, _T + "PodatekNalezny", _amount(tax_due(sales)))
    for number, purchase in enumerate(purchases, start=1):
        _purchase_row(node, number, purchase)
    control = _el(node, _T + "ZakupCtrl")
    _el(control, _T + "LiczbaWierszyZakupow", str(len(purchases)))
    _el(control, _T + "PodatekNaliczony", _amount(tax_deductible(purchases)))


def build_jpk(
    month: Period,
    seller: Taxpayer,
    sales: Sequence[SalesDocument],
    purchases: Sequence[PurchaseDocument],
    declaration_inputs: DeclarationInputs | None,
    correction: bool = False,
    *,
    created_at: datetime | None = None,
) -> bytes:
    """The JPK_V7M(3) file of ``month``: the register of ``sales`` and ``purchases`` (in
    the order given, numbered from 1) and the declaration.

    ``declaration_inputs`` None leaves the declaration out, which only a correction of
    the register alone may do (CelZlozenia 2). Raises ``JpkError`` for input that cannot
    make a correct file and ``JpkSchemaError`` if the file does not validate.
    """
    check_taxpayer(seller)
    for sale in sales:
        check_sales(sale)
    for purchase in purchases:
        check_purchase(purchase)
    if declaration_inputs is None and not correction:
        raise JpkError(N_("A first filing (CelZlozenia 1) must include the declaration."))
    created = created_at or datetime.now(UTC)
    if created.tzinfo is None or created < _EARLIEST:
        raise JpkError(N_("The file's creation time must be an aware time from February 2026."))
    root = etree.Element(_T + "JPK", nsmap=_NSMAP)
    _header(root, month, seller, correction, created)
    _subject(root, seller)
    if declaration_inputs is not None:
        fields = decl.compute(sales, purchases, declaration_inputs, correction=correction)
        _declaration(root, fields, declaration_inputs, correction)
    _register(root, sales, purchases)
    errors = schema_errors(root)
    if errors:
        raise JpkSchemaError(
            N_("The JPK_V7M file made does not match the official schema: {details}"), errors
        )
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


@dataclass(frozen=True)
class JpkSummary:
    """What a JPK_V7M file says in a few numbers (read back from its XML)."""

    period: Period
    correction: bool
    sales_rows: int  # LiczbaWierszySprzedazy
    purchase_rows: int  # LiczbaWierszyZakupow
    tax_due: Decimal  # PodatekNalezny
    tax_deductible: Decimal  # PodatekNaliczony
    to_pay: Decimal | None  # P_51 (None without a declaration)
    carried_forward: Decimal | None  # P_62
    surplus_carried: Decimal | None = None  # P_39: the previous month's surplus it used


def summarize(data: bytes) -> JpkSummary:
    """The summary of a file ``build_jpk`` made (trusted input: our own bytes)."""
    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    ns = {"t": JPK_NAMESPACE}

    def text(path: str) -> str | None:
        value = root.findtext(path, namespaces=ns)
        return value.strip() if value is not None else None

    def amount(path: str) -> Decimal | None:
        value = text(path)
        return Decimal(value) if value is not None else None

    items = "t:Deklaracja/t:PozycjeSzczegolowe/"
    return JpkSummary(
        period=Period(int(text("t:Naglowek/t:Rok") or 0), int(text("t:Naglowek/t:Miesiac") or 0)),
        correction=text("t:Naglowek/t:CelZlozenia") == "2",
        sales_rows=int(text("t:Ewidencja/t:SprzedazCtrl/t:LiczbaWierszySprzedazy") or 0),
        purchase_rows=int(text("t:Ewidencja/t:ZakupCtrl/t:LiczbaWierszyZakupow") or 0),
        tax_due=amount("t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny") or ZERO,
        tax_deductible=amount("t:Ewidencja/t:ZakupCtrl/t:PodatekNaliczony") or ZERO,
        to_pay=amount(items + "t:P_51"),
        carried_forward=amount(items + "t:P_62"),
        surplus_carried=amount(items + "t:P_39"),
    )
