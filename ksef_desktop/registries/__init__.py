"""Clients of the public registers an invoice needs: the VAT white list, VIES, NBP rates.

Each client takes an injected ``httpx.Client``, a base URL (the real service's or the
Sandbox's imitation) and a ``PublicCache``; answers are cached, so a look-up repeated
offline is answered from the cache and the services' daily limits are obeyed. Written
apart from the Sandbox's imitations (no shared code), so that each checks the other.
"""

from __future__ import annotations

WHITELIST_URL = "https://wl-api.mf.gov.pl"
VIES_URL = "https://ec.europa.eu/taxation_customs/vies/rest-api"
NBP_URL = "https://api.nbp.pl"
