"""The public registers' clients for a data folder: real services or a Sandbox's imitations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from ksef_desktop.registries import NBP_URL, VIES_URL, WHITELIST_URL
from ksef_desktop.registries.cache import PublicCache
from ksef_desktop.registries.nbp import NbpClient
from ksef_desktop.registries.vies import ViesClient
from ksef_desktop.registries.whitelist import WhiteListClient


@dataclass(frozen=True)
class RegisterUrls:
    whitelist: str = WHITELIST_URL
    vies: str = VIES_URL
    nbp: str = NBP_URL


@dataclass
class Registers:
    whitelist: WhiteListClient
    vies: ViesClient
    nbp: NbpClient


def open_registers(
    http: httpx.Client, folder: Path, urls: RegisterUrls, now: Callable[[], datetime]
) -> Registers:
    cache = PublicCache.in_folder(folder)
    return Registers(
        WhiteListClient(http, urls.whitelist, cache, now),
        ViesClient(http, urls.vies, cache, now),
        NbpClient(http, urls.nbp, cache, now),
    )
