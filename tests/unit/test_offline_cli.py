"""``ksef-desktop deadline`` (DESIGN.md §9) through a real process, and fuzzed in-process."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ksef_desktop import cli
from ksef_desktop.domain.calendar import is_business_day


def ksef_desktop(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # The official example (tryby-offline.md): offline24 of 2025-07-08 is due 07-09 ...
        (["--mode", "offline24", "--issued", "2025-07-08"], "2025-07-09"),
        # ... and a failure ending on Saturday 2025-07-12 moves it to Tuesday 07-22.
        (["--mode", "awaria", "--ended", "2025-07-12"], "2025-07-22"),
        (["--mode", "offline24", "--issued", "08.07.2025"], "2025-07-09"),  # Polish habit
        (["--mode", "offline24", "--issued", "8.7.2025"], "2025-07-09"),
        (["--mode", "offline24", "--issued", "2025-12-23"], "2025-12-29"),  # Wigilia 2025
        (["--mode", "offline24", "--issued", "2024-12-23"], "2024-12-24"),  # not yet in 2024
        (["--mode", "offline", "--ended", "2025-08-14"], "2025-08-18"),  # 15 August
        (["--mode", "offline", "--ended", "2025-07-12T22:30:00Z"], "2025-07-14"),
        (["--mode", "awaria", "--ended", "2025-12-23"], "2026-01-08"),
        (["--mode", "awaria", "--ended", "2025-07-14T23:30:00+02:00"], "2025-07-23"),
        # 23:30 UTC on Monday 14 is Tuesday 15 in Warsaw: the count starts on the 16th.
        (["--mode", "awaria", "--ended", "2025-07-14T23:30:00Z"], "2025-07-24"),
        (["--mode", "awaria", "--ended", "14.07.2025 18:00"], "2025-07-23"),
        (["--mode", "awaria-calkowita"], "none"),
    ],
)
def test_deadline_prints_the_day(args: list[str], expected: str) -> None:
    out = ksef_desktop("deadline", *args)
    assert (out.returncode, out.stdout, out.stderr) == (0, expected + "\n", "")


@pytest.mark.parametrize(
    ("args", "polish", "english"),
    [
        ([], "Brak opcji --mode", "--mode is missing"),
        (["--mode", "online"], "Nieznany tryb 'online'", "Unknown mode 'online'"),
        (["--mode", "offline24"], "wymaga --issued", "needs --issued"),
        (["--mode", "offline24", "--ended", "2025-07-08"], "użyj --issued", "use --issued"),
        (["--mode", "offline", "--issued", "2025-07-08"], "użyj --ended", "use --ended"),
        (["--mode", "awaria"], "wymaga --ended", "needs --ended"),
        (["--mode", "awaria-calkowita", "--ended", "2025-07-08"], "nie przyjmuje daty", "no date"),
        (["--mode", "offline24", "--issued", "2025-02-29"], "nie istnieje", "not a day"),
        (["--mode", "offline24", "--issued", "jutro"], "nie jest datą", "not a date"),
        (["--mode", "offline24", "--issued", "07/08/2025"], "nie jest datą", "not a date"),
        (["--mode", "offline24", "--issued", "20250708"], "nie jest datą", "not a date"),
        (["--mode", "offline24", "--issued", "0001-01-01"], "rok musi być", "year must be"),
        (["--mode", "awaria", "--ended", "2025-07-12T24:00"], "niepoprawną godzinę", "time of day"),
        (["--mode", "awaria", "--ended", "2025-07-12T10:00+25:00"], "strefy", "time zone"),
    ],
)
def test_bad_input_gets_a_message_and_exit_2(args: list[str], polish: str, english: str) -> None:
    for lang_args, fragment in (([], polish), (["--lang", "en"], english)):
        out = ksef_desktop(*lang_args, "deadline", *args)
        assert out.returncode == 2, out
        assert out.stdout == ""
        assert fragment in out.stderr
        assert out.stderr.startswith("ksef-desktop deadline: ")
        assert "Traceback" not in out.stderr


def test_an_option_without_its_value_is_refused_by_argparse_with_exit_2() -> None:
    out = ksef_desktop("deadline", "--mode", "offline24", "--issued")
    assert out.returncode == 2
    assert out.stdout == ""
    assert "--issued" in out.stderr
    assert "Traceback" not in out.stderr


def test_help_documents_the_modes() -> None:
    out = ksef_desktop("deadline", "--help")
    assert out.returncode == 0
    for word in ("--mode", "--issued", "--ended", "offline24", "awaria-calkowita"):
        assert word in out.stdout


def _run_in_process(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(["deadline", *args])
        except SystemExit as exc:  # argparse's own refusals, e.g. a value starting with '-'
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


_DAY_LINE = re.compile(r"\d{4}-\d{2}-\d{2}\n")


@settings(max_examples=300)
@given(
    st.sampled_from(["offline24", "offline", "awaria", "awaria-calkowita", "AWARIA", "x"]),
    st.sampled_from(["--issued", "--ended"]),
    st.text(max_size=40) | st.dates().map(str) | st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
)
def test_any_input_gives_a_day_or_a_message_never_a_traceback(
    mode: str, option: str, value: str
) -> None:
    code, out, err = _run_in_process("--mode", mode, f"{option}={value}")
    if code == 0:
        assert _DAY_LINE.fullmatch(out), out
        assert is_business_day(date.fromisoformat(out.strip()))
        assert err == ""
    else:
        assert code == 2
        assert out == ""
        assert err.strip()
        assert "Traceback" not in err
