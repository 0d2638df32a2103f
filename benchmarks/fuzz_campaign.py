"""The fuzz campaign of issue 22: mutated official samples through validate, qr and pdf.

The same strategy (tests/fa3_mutations.py) and the same contract as the CI slice
(tests/unit/test_fuzz_commands.py), run over many more inputs and never stopping at a
failure: every input is counted, every failure recorded. The figures go to
docs/FUZZ.md (``--write``).

    .venv/bin/python -m benchmarks.fuzz_campaign --inputs 10000 --write

Exit 0 when no input crashed a command, 1 otherwise (the first failures are printed).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.fa3_mutations import COMMANDS, mutated_invoices, run_commands

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "FUZZ.md"


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def _commit() -> str:
    import subprocess

    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def _peak_mb() -> int:
    """The peak resident memory of this process so far (MB; Linux reports kB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def campaign(
    inputs: int, run_seed: int, folder: Path, save: Path | None = None
) -> dict[str, object]:
    codes: dict[str, collections.Counter[int]] = {c: collections.Counter() for c in COMMANDS}
    failures: list[tuple[str, bytes]] = []
    failing_inputs = 0
    digests: set[bytes] = set()
    sizes: list[int] = []

    @seed(run_seed)
    @settings(
        max_examples=inputs,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(mutated_invoices())
    def one(data: bytes) -> None:
        nonlocal failing_inputs
        outcome = run_commands(data, folder)
        digests.add(hashlib.sha256(data).digest())
        sizes.append(len(data))
        for command, code in outcome.codes.items():
            codes[command][code] += 1
        if outcome.failures:
            failing_inputs += 1
            failures.extend((f, data) for f in outcome.failures)
            digest = hashlib.sha256(data).hexdigest()
            for failure in outcome.failures:
                print(f"FAILURE {failure} (input sha256 {digest})", file=sys.stderr, flush=True)
            if save is not None:
                save.mkdir(parents=True, exist_ok=True)
                (save / f"{digest}.xml").write_bytes(data)
        done = len(sizes)
        if done % 500 == 0:
            print(
                f"{done} inputs, {failing_inputs} failing, peak {_peak_mb()} MB",
                file=sys.stderr,
                flush=True,
            )

    start = time.perf_counter()
    one()
    elapsed = time.perf_counter() - start
    return {
        "inputs": len(sizes),
        "distinct": len(digests),
        "largest": max(sizes, default=0),
        "codes": codes,
        "failing_inputs": failing_inputs,
        "failures": failures,
        "elapsed": elapsed,
        "peak_mb": _peak_mb(),
    }


def _report(result: dict[str, object], command: str, run_seed: int) -> str:
    codes = result["codes"]
    assert isinstance(codes, dict)
    failures = result["failures"]
    assert isinstance(failures, list)
    by_command = collections.Counter(f.split(":", 1)[0] for f, _ in failures)
    rows = "\n".join(
        f"| `{c}` | {codes[c][0]} | {codes[c][1]} | {codes[c][2]} | {by_command[c]} |"
        for c in COMMANDS
    )
    elapsed = float(result["elapsed"])  # type: ignore[arg-type]
    inputs = int(result["inputs"])  # type: ignore[call-overload]
    return f"""# Fuzzing validate, qr and pdf

Issue 22, acceptance: a fuzz campaign of structure-aware mutations of the official FA(3)
samples through the three commands that read an invoice file. Strategy:
`tests/fa3_mutations.py` (one of the 26 official samples; 1-8 tree mutations: hostile
element texts — exponents, NaN, 400-digit numbers, 100 000-character words, control and
non-characters, impossible dates —, deletion, duplication, repetition up to 300 times,
reordering, nesting up to 3 000 levels, unknown elements and attributes; then one
byte-level change in about two inputs of three: BOM, UTF-16, ISO-8859-2, XML 1.1, a processing
instruction, a DOCTYPE, raw control bytes, NUL, truncation). A failure is an exception
out of a command, a traceback printed, an exit code other than 0/1/2, a failure
without a message, or `qr`/`pdf` accepting (or wording differently) a file that
`validate` refuses in its bytes. The CI runs a slice of the same test on every run
(`tests/unit/test_fuzz_commands.py`, `KSEF_FUZZ_EXAMPLES`, default 25).

Command: `{command}` (hypothesis seed {run_seed}; code at commit {_commit()}); machine:
{_machine()};
date: {datetime.now(UTC):%Y-%m-%d}; {elapsed / 60:.1f} minutes
({1000 * elapsed / max(1, inputs):.0f} ms per input for the three commands).

| | figure |
|---|---|
| inputs | {inputs} |
| distinct inputs | {result["distinct"]} |
| largest input | {result["largest"]} bytes |
| peak memory of the campaign process | {result["peak_mb"]} MB |
| inputs with a failure | **{result["failing_inputs"]}** |
| failures (crashes, tracebacks, wrong refusals) | **{len(failures)}** |

Exit codes (0: valid / link printed / PDF written; 1: refused with a message; 2: usage
or an unreadable file):

| command | exit 0 | exit 1 | exit 2 | failures |
|---|---|---|---|---|
{rows}

Before the fixes of issue 22 an independent audit's 12 000 fuzzed invoices crashed
`qr` 11 times and `pdf` 153 times; the first 2 000 inputs of this strategy crashed them
with `decimal.InvalidOperation`/`Overflow` (fa3/parse.py → domain/money.py),
`ValueError` (amount_words.py, reportlab tables) and reportlab's `LayoutError`. Those
inputs, reduced, are regression tests in `tests/unit/test_fuzz_commands.py`.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--write", action="store_true", help=f"write {REPORT.name}")
    parser.add_argument("--save", type=Path, help="keep each failing input in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        result = campaign(args.inputs, args.seed, Path(folder), args.save)
    failures = result["failures"]
    assert isinstance(failures, list)
    print(
        f"{result['inputs']} inputs, {result['failing_inputs']} with a failure, "
        f"{len(failures)} failures, {float(result['elapsed']):.0f} s"  # type: ignore[arg-type]
    )
    for failure, data in failures[:20]:
        digest = hashlib.sha256(data).hexdigest()
        print(f"  {failure} (input of {len(data)} bytes, sha256 {digest})")
    if args.write:
        command = "python -m benchmarks.fuzz_campaign " + " ".join(
            sys.argv[1:] if argv is None else argv
        )
        REPORT.write_text(_report(result, command.strip(), args.seed), encoding="utf-8")
        print(f"written to {REPORT.relative_to(ROOT)}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
