"""The JPK marks an invoice carries in FA(3): GTU codes and procedures on its lines, and
the related-parties marker (TP) on the invoice.

FA(3) keeps them where the JPK_V7M register needs them (``jpk.fa3_facts`` reads them back):
``FaWiersz/GTU`` (TGTU) and ``FaWiersz/Procedura`` (TOznaczenieProcedury), on an advance
invoice's order ``ZamowienieWiersz/GTUZ`` and ``ProceduraZ`` (TOznaczenieProceduryZ: the
same list without I_42 and I_63), and ``Fa/TP`` (TWybor1). The values are FA(3)'s,
verbatim (schemat_FA(3)_v1-0E.xsd). Their meaning is that of § 10 ust. 3 (GTU) and § 10
ust. 4 (procedures, TP) of the regulation of the Minister of Finance of 15 October 2019 on
the detailed scope of data in VAT returns and records (the "JPK regulation"); the short
explanations below follow it. Which mark fits which line is checked in ``domain.checks``.
"""

from __future__ import annotations

from enum import StrEnum

from ksef_desktop.i18n import N_


class GtuCode(StrEnum):
    """TGTU: the group of goods and services of § 10 ust. 3 of the JPK regulation."""

    GTU_01 = "GTU_01"
    GTU_02 = "GTU_02"
    GTU_03 = "GTU_03"
    GTU_04 = "GTU_04"
    GTU_05 = "GTU_05"
    GTU_06 = "GTU_06"
    GTU_07 = "GTU_07"
    GTU_08 = "GTU_08"
    GTU_09 = "GTU_09"
    GTU_10 = "GTU_10"
    GTU_11 = "GTU_11"
    GTU_12 = "GTU_12"
    GTU_13 = "GTU_13"


#: GTU_01 … GTU_13 in schema order.
GTU_CODES: tuple[str, ...] = tuple(code.value for code in GtuCode)


class LineProcedure(StrEnum):
    """TOznaczenieProcedury: the procedure of a line (§ 10 ust. 4 of the JPK regulation)."""

    WSTO_EE = "WSTO_EE"  # pkt 2a
    IED = "IED"  # pkt 2b
    TT_D = "TT_D"  # pkt 5
    I_42 = "I_42"  # pkt 8
    I_63 = "I_63"  # pkt 9
    B_SPV = "B_SPV"  # pkt 10
    B_SPV_DOSTAWA = "B_SPV_DOSTAWA"  # pkt 11
    B_MPV_PROWIZJA = "B_MPV_PROWIZJA"  # pkt 12


#: TOznaczenieProceduryZ: what an advance invoice's order line (ZamowienieWiersz) may carry.
ORDER_PROCEDURES: tuple[LineProcedure, ...] = tuple(
    p for p in LineProcedure if p not in (LineProcedure.I_42, LineProcedure.I_63)
)

#: The procedures that are an intra-Community supply of goods after import (0% WDT).
AFTER_IMPORT = frozenset({LineProcedure.I_42, LineProcedure.I_63})

GTU_MEANINGS: dict[GtuCode, str] = {
    GtuCode.GTU_01: N_("Alcoholic beverages (beer, wine, spirits and other excise drinks)"),
    GtuCode.GTU_02: N_("Motor fuels and other goods of art. 103 ust. 5aa of the VAT act"),
    GtuCode.GTU_03: N_("Heating oil and lubricating oils and preparations"),
    GtuCode.GTU_04: N_("Tobacco products, dried tobacco, e-cigarette liquids and novel products"),
    GtuCode.GTU_05: N_("Waste (items 79–91 of annex 15 to the VAT act)"),
    GtuCode.GTU_06: N_("Electronic devices and their parts and materials (annex 15)"),
    GtuCode.GTU_07: N_("Vehicles and car parts (CN 8701–8708)"),
    GtuCode.GTU_08: N_("Precious and base metals (annexes 12 and 15), jewellery"),
    GtuCode.GTU_09: N_("Medicines and medical devices (art. 37av of the Pharmaceutical Law)"),
    GtuCode.GTU_10: N_("Buildings, structures and land, and parts of them"),
    GtuCode.GTU_11: N_("Services of transferring greenhouse-gas emission allowances"),
    GtuCode.GTU_12: N_(
        "Intangible services: advisory, accounting, legal, management, training, marketing, "
        "head-office, advertising, market research, research and development"
    ),
    GtuCode.GTU_13: N_("Transport and warehousing services (PKWiU 49.4, 52.1)"),
}

PROCEDURE_MEANINGS: dict[LineProcedure, str] = {
    LineProcedure.WSTO_EE: N_(
        "Intra-EU distance sale of goods, or telecommunications, broadcasting or electronic "
        "services, to non-taxpayers in another EU country (art. 2 pkt 22a, art. 28k)"
    ),
    LineProcedure.IED: N_(
        "Supply of goods by a taxpayer facilitating it through an electronic interface "
        "(art. 7a ust. 1 and 2)"
    ),
    LineProcedure.TT_D: N_(
        "Supply of goods outside Poland by the second taxpayer of a simplified triangular "
        "transaction"
    ),
    LineProcedure.I_42: N_("Intra-EU supply of goods following import under customs procedure 42"),
    LineProcedure.I_63: N_("Intra-EU supply of goods following import under customs procedure 63"),
    LineProcedure.B_SPV: N_(
        "Transfer of a single-purpose voucher by a taxpayer acting in its own name (art. 8a ust. 1)"
    ),
    LineProcedure.B_SPV_DOSTAWA: N_(
        "Supply of the goods or services a single-purpose voucher is for, to the taxpayer who "
        "issued the voucher (art. 8a ust. 4)"
    ),
    LineProcedure.B_MPV_PROWIZJA: N_(
        "Intermediary and other services relating to the transfer of a multi-purpose voucher "
        "(art. 8b ust. 2)"
    ),
}

RELATED_PARTIES_MEANING = N_(
    "TP: there are links between the buyer and the supplier of the goods or services, "
    "within the meaning of art. 32 ust. 2 pkt 1 of the VAT act: § 10 ust. 4 pkt 3 of the JPK "
    "regulation. "
    "Not for links that come only from being owned by the State Treasury or a local "
    "government (§ 10 ust. 4b)."
)
GTU_EXPLANATION = N_(
    "GTU: the group of goods or services of § 10 ust. 3 of the JPK regulation that the line "
    "belongs to, reported in JPK_V7M. Most lines have none."
)
PROCEDURE_EXPLANATION = N_(
    "Procedure: the marking of § 10 ust. 4 of the JPK regulation that applies to the line, "
    "reported in JPK_V7M. Most lines have none."
)


class MarkError(ValueError):
    """Text that is no GTU code or procedure; ``msgid`` and ``params`` say why (gettext)."""

    def __init__(self, msgid: str, **params: str) -> None:
        super().__init__(msgid.format(**params))
        self.msgid = msgid
        self.params = params

    def text(self) -> str:
        from ksef_desktop.i18n import _

        return _(self.msgid).format(**self.params)


def read_gtu(text: str | None) -> GtuCode | None:
    """The GTU code ``text`` names ("GTU_06", also "gtu_06", "06" or "6"); None for empty.

    ``MarkError`` for anything else."""
    value = (text or "").strip().upper().replace("-", "_").replace(" ", "_")
    if not value:
        return None
    if value.isascii() and value.isdigit() and 1 <= int(value) <= 13:
        value = f"GTU_{int(value):02d}"
    try:
        return GtuCode(value)
    except ValueError:
        raise MarkError(
            N_("“{code}” is not a GTU code (GTU_01 to GTU_13)."), code=_shown(text or "")
        ) from None


def read_procedure(text: str | None) -> LineProcedure | None:
    """The procedure ``text`` names (FA(3)'s value, in any case); None for empty.

    ``MarkError`` for anything else."""
    value = (text or "").strip().upper()
    if not value:
        return None
    try:
        return LineProcedure(value)
    except ValueError:
        raise MarkError(
            N_("“{code}” is not a procedure FA(3) knows ({codes})."),
            code=_shown(text or ""),
            codes=", ".join(p.value for p in LineProcedure),
        ) from None


def procedures_for(advance: bool) -> tuple[LineProcedure, ...]:
    """The procedures a line may carry: an advance invoice's order line fewer."""
    return ORDER_PROCEDURES if advance else tuple(LineProcedure)


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"
