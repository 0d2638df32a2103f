"""How the UI writes dates, moments and amounts (DESIGN.md §8): DD.MM.YYYY, ``1 234,56 zł``
(``1,234.56 PLN`` in the English interface)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ksef_desktop import i18n
from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.domain.money import format_amount, round_money

_CURRENCY_SIGNS = {"PLN": "zł"}


def fmt_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def fmt_moment(moment: datetime) -> str:
    """An aware moment as Polish wall-clock time: ``24.11.2026 23:59``."""
    return moment.astimezone(WARSAW).strftime("%d.%m.%Y %H:%M")


def fmt_amount(amount: Decimal) -> str:
    """An amount the way the user's language writes it: ``1 234,56`` in Polish,
    ``1,234.56`` in English (rounded to grosze either way)."""
    if i18n.current_language() == "en":
        return f"{round_money(amount):,.2f}"
    return format_amount(amount)


def fmt_money(amount: Decimal, currency: str = "PLN") -> str:
    """``Decimal("1234.56")`` → ``"1 234,56 zł"`` in Polish, ``"1,234.56 PLN"`` in
    English; other currencies keep their code."""
    if i18n.current_language() == "en":
        return f"{fmt_amount(amount)} {currency}"
    return f"{format_amount(amount)} {_CURRENCY_SIGNS.get(currency, currency)}"


def fmt_nip(nip: str) -> str:
    """A NIP as it is usually printed: ``526-587-76-35`` (digits only in, as given out)."""
    if len(nip) == 10 and nip.isdigit():
        return f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}"
    return nip
