"""The child of the crash campaign: one run of the program's own sending path, reporting
each step on standard output so that the parent can kill it at a step it chose.

    python -m tests.integration.crash_child DATA_DIR BASE_URL ISSUE UNDO_MS

with the token in ``KSEF_TOKEN``. It does what the window does, in its order:
1. at start, queue what an earlier run left issued but not queued (``requeue_stranded``);
2. issue ``ISSUE`` invoices the way the editor issues them — each queued in its issuing
   transaction with ``UNDO_MS`` of undo window as its "not before" moment — and a draft
   left by a killed run first;
3. when the undo windows are over, drain the outbox with the profile's client (online for
   a few, batch for a backlog, at the rate limits the Sandbox enforces).
Each step prints one line (``ready``, ``requeued``, ``draft``, ``issued``, ``drain``, and
``> METHOD PATH`` / ``< STATUS PATH`` for every HTTP request and answer); ``done`` at the end.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(data_dir: str, base_url: str, issue: int, undo_ms: int) -> int:
    from contextlib import contextmanager

    import httpx

    from ksef_desktop.ksef.environments import sandbox as sandbox_environment
    from ksef_desktop.ksef.transport import RetryPolicy
    from ksef_desktop.ksef.workflows import KsefClient
    from ksef_desktop.services.issue import issue_invoice, requeue_stranded
    from ksef_desktop.services.submit import Submitter
    from ksef_desktop.store import open_store
    from ksef_desktop.store.invoices import create_draft
    from ksef_desktop.store.numbering import create_series, list_series
    from ksef_desktop.store.outbox import Backoff
    from ksef_desktop.store.profiles import ensure_profile
    from tests.unit.test_store_support import SELLER_NIP, sample_invoice

    def now() -> datetime:
        return datetime.now(UTC)

    store = open_store(Path(data_dir), lock="crash-child", wait=30)
    say("ready")
    with store.db.transaction() as conn:
        profile = ensure_profile(conn, "sandbox", SELLER_NIP, now=now())
        series = [s for s in list_series(conn, profile_id=profile.id) if s.name == "FV"]
        series_id = (
            series[0].id
            if series
            else create_series(conn, "FV", "FV/{n}", profile_id=profile.id, now=now())
        )
    if requeue_stranded(store.db, store.archive, now=now):
        say("requeued")
    conn = store.db.connection()
    drafts = [
        int(r[0])
        for r in conn.execute(
            "SELECT id FROM invoices WHERE state = 'draft' AND profile_id = ? ORDER BY id",
            (profile.id,),
        )
    ]
    base = sample_invoice()
    undo = timedelta(milliseconds=undo_ms)
    for i in range(issue + len(drafts)):
        if drafts:
            draft = drafts.pop(0)
        else:
            stamp = f"{os.getpid()}-{i}-{time.monotonic_ns()}"
            invoice = replace(
                base, lines=tuple(replace(line, name=f"{line.name} {stamp}") for line in base.lines)
            )
            with store.db.transaction() as tx:
                draft = create_draft(tx, invoice, profile_id=profile.id, now=now())
            say("draft")
        issue_invoice(
            store.db, store.archive, draft, profile_id=profile.id, now=now,
            series_id=series_id, mode=None, deadline=None, not_before=now() + undo,
        )  # fmt: skip
        say("issued")
    time.sleep(undo_ms / 1000)  # the undo windows end: now they are due
    say("drain")

    def request(req: httpx.Request) -> None:
        say(f"> {req.method} {req.url.path}")

    def response(resp: httpx.Response) -> None:
        say(f"< {resp.status_code} {resp.request.url.path}")

    @contextmanager
    def client() -> Any:
        hooks: dict[str, list[Any]] = {"request": [request], "response": [response]}
        with httpx.Client(timeout=httpx.Timeout(30.0), event_hooks=hooks) as http:
            yield KsefClient(
                http, sandbox_environment(base_url), profile.nip, os.environ["KSEF_TOKEN"],
                now=now, retry=RetryPolicy(base_delay=0.05, max_delay=1.0),
            )  # fmt: skip

    sender = Submitter(
        store.db, store.archive, client, profile=profile, now=now,
        backoff=Backoff(base=timedelta(milliseconds=50), cap=timedelta(milliseconds=500)),
    )  # fmt: skip
    for _ in range(600):
        if not sender.outbox.pending():
            say("done")
            store.close()
            return 0
        report = sender.drain()
        if report.unreachable or report.deferred:
            time.sleep(0.1)
    store.close()
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
