"""Batch sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ksef_desktop.sandbox.routing import Route

if TYPE_CHECKING:
    from ksef_desktop.sandbox.core import SandboxCore

ROUTES: list[Route] = []
STORAGE_ROUTES: list[Route] = []


def process_batch(core: SandboxCore, reference: str) -> None:
    raise NotImplementedError
