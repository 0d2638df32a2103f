"""Invoices: download by KSeF number and the metadata query."""

from __future__ import annotations

from ksef_desktop.sandbox.routing import Route

ROUTES: list[Route] = []
