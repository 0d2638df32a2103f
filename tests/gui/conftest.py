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


@pytest.fixture
def make_shell(qapp: object, tmp_path):
    """``make_shell(lang=None, data_dir=None, setup=True)``: a program with the demo setup."""
    from ksef_desktop.ui.app import Shell

    shells: list[Shell] = []

    def make(lang: str | None = None, data_dir=None, setup: bool = True) -> Shell:
        shell = Shell(data_dir or tmp_path / f"data{len(shells)}", lang=lang)
        shells.append(shell)
        if setup:
            shell.apply_setup(shell.demo_setup())
            shell.open_main()
        return shell

    yield make
    for shell in shells:
        shell.close()
