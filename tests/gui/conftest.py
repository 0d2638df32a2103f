"""Fixtures of the GUI tests: a running worker that is always stopped afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ksef_desktop.worker.runner import Runner


@pytest.fixture
def runner(qapp: object) -> Iterator[Runner]:
    r = Runner()
    yield r
    assert r.stop(), "the worker thread did not stop"
