"""How fast the sandbox accepts invoices (not a test; results go to docs/BENCHMARKS.md).

1. Online: one session, N invoices sent one after another over one keep-alive
   connection, limits off; time from the first send until the last verdict.
2. Batch: a 1 000-invoice ZIP in one part, end to end (open, upload, close, verdicts).

Baseline measured in the same run: ``ksef_desktop.fa3.validate`` on the same invoices
in-process (what the sandbox runs per invoice: its floor), so the figures read as a
ratio that travels between machines. The bare XSD validation is printed too.

Run: .venv/bin/python -m benchmarks.sandbox_throughput [--invoices 300] [--batch 1000]
"""

from __future__ import annotations

import argparse
import platform
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ksef_desktop.fa3.schema import fa3_schema
from ksef_desktop.fa3.validate import validate
from ksef_desktop.fa3.xmlsafe import parse_untrusted
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.contract.rawksef import authenticate, make_zip, open_batch, open_online

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "fa3-official"
SELLER = "9999999999"


def invoices(count: int, prefix: str) -> list[bytes]:
    base = (SAMPLE / "FA_3_Przykład_1.xml").read_bytes()
    return [
        re.sub(rb"<P_2>[^<]*</P_2>", f"<P_2>{prefix}/{n}</P_2>".encode(), base, count=1)
        for n in range(count)
    ]


def xsd_only(docs: list[bytes]) -> float:
    schema = fa3_schema()
    began = time.perf_counter()
    for data in docs:
        assert schema.validate(parse_untrusted(data).getroottree())
    return len(docs) / (time.perf_counter() - began)


def baseline(docs: list[bytes]) -> float:
    today = datetime.now(UTC).date()
    began = time.perf_counter()
    for data in docs:
        assert validate(data, today=today) == []
    return len(docs) / (time.perf_counter() - began)


def online(sb: Sandbox, docs: list[bytes]) -> float:
    with httpx.Client(base_url=sb.base_url, timeout=60) as client:
        access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        _, session = open_online(client, access)
        assert session is not None
        bodies = [session.invoice_body(d) for d in docs]  # client-side crypto not timed
        began = time.perf_counter()
        refs = [session.send_body(b).json()["referenceNumber"] for b in bodies]
        assert sb.wait_idle(600)
        elapsed = time.perf_counter() - began
        assert session.status(refs[-1])["status"]["code"] == 200
    return len(docs) / elapsed


def batch(sb: Sandbox, docs: list[bytes]) -> tuple[float, int]:
    archive = make_zip({f"{n:04d}.xml": d for n, d in enumerate(docs)})
    with httpx.Client(base_url=sb.base_url, timeout=600) as client:
        access = authenticate(client, SELLER, sb.tokens[SELLER])["accessToken"]["token"]
        began = time.perf_counter()
        _, upload = open_batch(client, access, archive)
        assert upload is not None
        upload.put_all()
        assert upload.close().status_code == 204
        assert sb.wait_idle(600)
        elapsed = time.perf_counter() - began
        status = client.get(
            f"/sessions/{upload.reference}", headers={"Authorization": f"Bearer {access}"}
        ).json()
        assert status["successfulInvoiceCount"] == len(docs), status
    return elapsed, len(archive)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    config = SandboxConfig(nips=(SELLER,), rate_limit_scale=0)
    xsd_rate = baseline(invoices(args.invoices, "BASE"))
    bare_rate = xsd_only(invoices(args.invoices, "BARE"))
    with Sandbox(config) as sb:
        online_rate = online(sb, invoices(args.invoices, "ONLINE"))
        batch_seconds, zip_size = batch(sb, invoices(args.batch, "BATCH"))
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"baseline: fa3.validate in-process: {xsd_rate:.0f} invoices/s")
    print(f"(bare XSD validation in-process: {bare_rate:.0f} invoices/s)")
    print(
        f"online: {args.invoices} invoices through one session: {online_rate:.0f} invoices/s "
        f"({online_rate / xsd_rate:.2f} x baseline)"
    )
    batch_rate = args.batch / batch_seconds
    print(
        f"batch: {args.batch} invoices ({zip_size} B zip) end to end: {batch_seconds:.2f} s "
        f"= {batch_rate:.0f} invoices/s ({batch_rate / xsd_rate:.2f} x baseline)"
    )


if __name__ == "__main__":
    main()
