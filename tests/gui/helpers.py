"""Small helpers shared by the GUI tests."""

from __future__ import annotations

from ksef_desktop.ui.app import Shell


def wait_ready(qtbot, shell: Shell, timeout: int = 30_000) -> None:
    """Until KSeF's state is known and the worker has nothing left to do."""
    controller = shell.controller
    assert controller is not None
    qtbot.waitUntil(lambda: controller.state.checked and shell.runner.is_idle(), timeout=timeout)


#: The built-in Sandbox's own server state: what KSeF itself would keep (the tokens it
#: issued, its CA key), not the program's data.
SANDBOX_STATE = "sandbox-state.json"


def assert_no_secret_in(folder, secrets: list[str]) -> None:
    """No secret (nor any line of a PEM one) in any file under ``folder``, the built-in
    Sandbox's own state excepted (and the file it is being written to, if the scan meets
    one: it becomes that state the moment it is complete)."""
    from ksef_desktop.sandbox.persist import TEMP_PREFIX

    needles = []
    for secret in secrets:
        needles.append(secret.encode())
        needles += [ln.encode() for ln in secret.splitlines() if ln and not ln.startswith("-----")]
    files = [
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name != SANDBOX_STATE and not p.name.startswith(TEMP_PREFIX)
    ]
    assert files, "nothing to search"
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"a secret reached {path}"
