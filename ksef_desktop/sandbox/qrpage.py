"""The verification page behind KOD I: GET /qr/invoice/{nip}/{DD-MM-YYYY}/{hash}."""

from __future__ import annotations

from ksef_desktop.sandbox.routing import Route

ROUTES: list[Route] = []
