"""The printed labels of the invoice visualisation, in Polish and English.

These are not gettext messages: a bilingual invoice needs both languages at once
("Sprzedawca / Seller") whatever the program's own language is, and the wording follows
the official KSeF visualisation, not the UI. ``Labels(lang)`` picks ``pl``, ``en`` or
``pl+en``.
"""

from __future__ import annotations

from ksef_desktop.domain.invoice import InvoiceKind, PaymentMethod

LANGS = ("pl", "en", "pl+en")

_LABELS: dict[str, tuple[str, str]] = {
    "title": ("Krajowy System e-Faktur", "National e-Invoicing System"),
    "number": ("Numer faktury", "Invoice number"),
    "ksef_number": ("Numer KSeF", "KSeF number"),
    "offline_note": ("Wystawiona w trybie offline", "Issued in offline mode"),
    "ksef_pending": ("Numer KSeF: w trakcie nadawania", "KSeF number: pending"),
    "ksef_pending_note": (
        "Przesyłana do KSeF; numer KSeF zostanie nadany po przyjęciu faktury",
        "Being sent to KSeF; the KSeF number is given once KSeF accepts it",
    ),
    "total_failure_note": (
        "Wystawiona w czasie awarii całkowitej KSeF",
        "Issued during a total failure of KSeF",
    ),
    "total_failure_text": (
        "Faktura wystawiona poza KSeF w czasie ogłoszonej awarii całkowitej KSeF; "
        "nie zawiera kodów QR.",
        "Invoice issued outside KSeF during an announced total failure of KSeF; "
        "it carries no QR codes.",
    ),
    "seller": ("Sprzedawca", "Seller"),
    "buyer": ("Nabywca", "Buyer"),
    "third_party": ("Podmiot trzeci", "Third party"),
    "nip": ("NIP", "Tax ID (NIP)"),
    "eu_vat": ("Numer VAT UE", "EU VAT number"),
    "other_id": ("Identyfikator podatkowy", "Tax identifier"),
    "no_id": ("Brak identyfikatora", "No tax identifier"),
    "name": ("Nazwa", "Name"),
    "address": ("Adres", "Address"),
    "contact": ("Dane kontaktowe", "Contact"),
    "details": ("Szczegóły", "Details"),
    "issue_date": ("Data wystawienia", "Issue date"),
    "issue_place": ("Miejsce wystawienia", "Place of issue"),
    "sale_date": (
        "Data dokonania lub zakończenia dostawy towarów lub wykonania usługi",
        "Date of supply of goods or services",
    ),
    "sale_period": ("Okres, którego dotyczy faktura", "Period covered by the invoice"),
    "currency": ("Kod waluty", "Currency"),
    "exchange_rate": ("Kurs waluty", "Exchange rate"),
    "exchange_rate_date": ("Data kursu waluty", "Exchange rate date"),
    "lines": ("Pozycje", "Items"),
    "order_lines": ("Zamówienie lub umowa", "Order or contract"),
    "order_value": ("Wartość zamówienia lub umowy brutto", "Gross value of the order"),
    "col_no": ("Lp.", "No."),
    "col_name": ("Nazwa towaru lub usługi", "Goods or services"),
    "col_qty": ("Ilość", "Qty"),
    "col_unit": ("Miara", "Unit"),
    "col_price_net": ("Cena jedn. netto", "Unit price net"),
    "col_price_gross": ("Cena jedn. brutto", "Unit price gross"),
    "col_discount": ("Rabat", "Discount"),
    "col_rate": ("Stawka", "VAT rate"),
    "col_fx": ("Kurs waluty", "Exchange rate"),
    "col_value_net": ("Wartość netto", "Net value"),
    "col_value_gross": ("Wartość brutto", "Gross value"),
    "before": ("przed korektą", "before correction"),
    "after": ("po korekcie", "after correction"),
    "amount_due": ("Kwota należności ogółem", "Total amount due"),
    "amount_words": ("Słownie", "In words (Polish)"),
    "vat_summary": ("Podsumowanie stawek podatku", "VAT summary"),
    "col_net": ("Kwota netto", "Net amount"),
    "col_vat": ("Kwota podatku", "VAT amount"),
    "col_gross": ("Kwota brutto", "Gross amount"),
    "col_vat_pln": ("Podatek w PLN", "VAT in PLN"),
    "total": ("Razem", "Total"),
    "annotations": ("Adnotacje", "Annotations"),
    "split_payment": ("Mechanizm podzielonej płatności", "Split payment"),
    "cash_accounting": ("Metoda kasowa", "Cash accounting"),
    "self_billing": ("Samofakturowanie", "Self-billing"),
    "reverse_charge": ("Odwrotne obciążenie", "Reverse charge"),
    "exemption": ("Zwolnienie z podatku", "VAT exemption"),
    "margin": ("Procedura marży", "Margin scheme"),
    "payment": ("Płatność", "Payment"),
    "payment_method": ("Forma płatności", "Payment method"),
    "due_date": ("Termin płatności", "Due date"),
    "bank_account": ("Numer rachunku bankowego", "Bank account"),
    "bank_name": ("Nazwa banku", "Bank"),
    "paid": ("Zapłacono", "Paid"),
    "paid_date": ("Data zapłaty", "Payment date"),
    "payment_link": ("Link do płatności", "Payment link"),
    "ipksef": ("Identyfikator płatności KSeF", "KSeF payment identifier"),
    "corrected": ("Dane faktury korygowanej", "Corrected invoice"),
    "corrected_number": ("Numer faktury korygowanej", "Corrected invoice number"),
    "corrected_date": ("Data wystawienia faktury korygowanej", "Corrected invoice date"),
    "corrected_ksef": ("Numer KSeF faktury korygowanej", "KSeF number of corrected invoice"),
    "outside_ksef": ("wystawiona poza KSeF", "issued outside KSeF"),
    "correction_reason": ("Przyczyna korekty", "Reason for correction"),
    "corrected_buyer": (
        "Nabywca na fakturze korygowanej",
        "Buyer on the corrected invoice",
    ),
    "correction_effect": ("Typ skutku korekty", "Correction effect"),
    "advance_invoices": ("Faktury zaliczkowe", "Advance invoices"),
    "notes": ("Dodatkowe informacje", "Additional information"),
    "footer_info": ("Stopka faktury", "Invoice footer"),
    "attachment": ("Załącznik", "Attachment"),
    "attachment_note": (
        "Faktura zawiera załącznik, który jest częścią pliku XML faktury w KSeF.",
        "The invoice has an attachment, which is part of the invoice's XML file in KSeF.",
    ),
    "verification": ("Weryfikacja faktury", "Invoice verification"),
    "kod1_caption": (
        "Sprawdź, czy Twoja faktura znajduje się w KSeF!",
        "Check that your invoice is in KSeF!",
    ),
    "kod2_caption": ("Zweryfikuj dostawcę faktury", "Verify the invoice's issuer"),
    "kod1_hint": (
        "Zeskanuj kod lub otwórz link",
        "Scan the code or open the link",
    ),
    "generated": ("Wygenerowano w", "Generated with"),
    "yes": ("tak", "yes"),
    "role": ("Rola", "Role"),
}

_KINDS: dict[InvoiceKind, tuple[str, str]] = {
    InvoiceKind.VAT: ("Faktura podstawowa", "Invoice"),
    InvoiceKind.KOR: ("Faktura korygująca", "Corrective invoice"),
    InvoiceKind.ZAL: ("Faktura zaliczkowa", "Advance payment invoice"),
    InvoiceKind.ROZ: ("Faktura rozliczeniowa", "Settlement invoice"),
    InvoiceKind.UPR: ("Faktura uproszczona", "Simplified invoice"),
    InvoiceKind.KOR_ZAL: (
        "Faktura korygująca fakturę zaliczkową",
        "Correction of an advance payment invoice",
    ),
    InvoiceKind.KOR_ROZ: (
        "Faktura korygująca fakturę rozliczeniową",
        "Correction of a settlement invoice",
    ),
}

_PAYMENT_METHODS: dict[PaymentMethod, tuple[str, str]] = {
    PaymentMethod.CASH: ("Gotówka", "Cash"),
    PaymentMethod.CARD: ("Karta", "Card"),
    PaymentMethod.VOUCHER: ("Bon", "Voucher"),
    PaymentMethod.CHEQUE: ("Czek", "Cheque"),
    PaymentMethod.CREDIT: ("Kredyt", "Credit"),
    PaymentMethod.TRANSFER: ("Przelew", "Bank transfer"),
    PaymentMethod.MOBILE: ("Płatność mobilna", "Mobile payment"),
}

_CORRECTION_EFFECTS: dict[int, tuple[str, str]] = {
    1: ("w dacie ujęcia faktury pierwotnej", "as of the original invoice's date"),
    2: ("w dacie wystawienia faktury korygującej", "as of the correction's issue date"),
    3: (
        "w dacie innej, w tym gdy dla różnych pozycji faktury korygującej daty te są różne",
        "as of another date",
    ),
}

_MARGIN: dict[str, tuple[str, str]] = {
    "P_PMarzy_2": ("biura podróży", "travel agencies"),
    "P_PMarzy_3_1": ("towary używane", "second-hand goods"),
    "P_PMarzy_3_2": ("dzieła sztuki", "works of art"),
    "P_PMarzy_3_3": (
        "przedmioty kolekcjonerskie i antyki",
        "collectors' items and antiques",
    ),
}

#: The rate a P_13_x group stands for when the lines do not say (declared totals only).
_GROUP_RATES: dict[str, tuple[str, str]] = {
    "1": ("23% / 22%", "23% / 22%"),
    "2": ("8% / 7%", "8% / 7%"),
    "3": ("5%", "5%"),
    "4": ("4% / 3%", "4% / 3%"),
    "5": ("procedura OSS", "OSS scheme"),
    "6_1": ("0% (kraj)", "0% (domestic)"),
    "6_2": ("0% WDT", "0% intra-EU supply"),
    "6_3": ("0% eksport", "0% export"),
    "7": ("zw", "exempt"),
    "8": ("np I", "np I (outside Poland)"),
    "9": ("np II", "np II (EU services)"),
    "10": ("oo", "reverse charge"),
    "11": ("marża", "margin"),
}


class Labels:
    """``labels("seller")`` → "Sprzedawca", "Seller" or "Sprzedawca / Seller"."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"unsupported invoice language {lang!r}; choose one of {LANGS}")
        self.lang = lang

    def pick(self, pair: tuple[str, str]) -> str:
        pl, en = pair
        if self.lang == "pl":
            return pl
        if self.lang == "en":
            return en
        return pl if pl == en else f"{pl} / {en}"

    def __call__(self, key: str) -> str:
        return self.pick(_LABELS[key])

    def page_of(self, page: int, total: int) -> str:
        if self.lang == "pl":
            return f"Strona {page} z {total}"
        if self.lang == "en":
            return f"Page {page} of {total}"
        return f"Strona / Page {page}/{total}"

    def kind(self, kind: InvoiceKind) -> str:
        return self.pick(_KINDS[kind])

    def payment_method(self, method: PaymentMethod) -> str:
        return self.pick(_PAYMENT_METHODS[method])

    def correction_effect(self, effect: int) -> str:
        return self.pick(_CORRECTION_EFFECTS.get(effect, (str(effect), str(effect))))

    def margin(self, element: str) -> str:
        return self.pick(_MARGIN.get(element, ("", "")))

    def group_rate(self, group: str) -> str:
        return self.pick(_GROUP_RATES.get(group, (group, group)))
