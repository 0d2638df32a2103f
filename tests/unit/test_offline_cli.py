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


# -- the whole rule: the issue moment and the announced events (issue 15, item 1) ------------

_FRIDAY_10 = "2026-12-04T10:00+01:00"  # Friday 4 December 2026, 10:00 CET


@pytest.mark.parametrize(
    ("args", "events", "expected"),
    [
        # A failure over at 09:00, an offline24 invoice at 10:00: the next business day,
        # Monday 07.12.2026 (the day-based code printed 2026-12-15).
        (
            ["--mode", "offline24", "--issued", _FRIDAY_10],
            ["--event", "failure:2026-12-04T08:00+01:00/2026-12-04T09:00+01:00"],
            "2026-12-07",
        ),
        # A total failure over at 09:00: still an obligation, 07.12.2026.
        (
            ["--mode", "offline24", "--issued", _FRIDAY_10],
            ["--event", "total-failure:2026-12-04T08:00+01:00/2026-12-04T09:00+01:00"],
            "2026-12-07",
        ),
        # Over at 10:01 (written in UTC): 7 business days after Friday -> 15.12.2026.
        (
            ["--mode", "offline24", "--issued", _FRIDAY_10],
            ["--event", "failure:2026-12-04T07:00Z/2026-12-04T09:01Z"],
            "2026-12-15",
        ),
        # An awaria invoice during a failure not yet over: waiting for its end.
        (
            ["--mode", "awaria", "--issued", _FRIDAY_10],
            ["--event", "failure:2026-12-04T08:00+01:00"],
            "waiting",
        ),
        # An offline invoice during an unavailability (next business day after its end),
        # then a total failure announced within the term: no obligation.
        (
            ["--mode", "offline", "--issued", _FRIDAY_10],
            ["--event", "unavailability:2026-12-04T08:00+01:00/2026-12-04T12:00+01:00"],
            "2026-12-07",
        ),
        (
            ["--mode", "offline", "--issued", _FRIDAY_10],
            [
                "--event=unavailability:2026-12-04T08:00+01:00/2026-12-04T12:00+01:00",
                "--event=total-failure:2026-12-05T09:00+01:00",
            ],
            "none",
        ),
        # A date alone is enough when no event starts or ends that day.
        (
            ["--mode", "offline24", "--issued", "2026-12-04"],
            ["--event", "failure:2026-12-01T08:00+01:00/2026-12-02T09:00+01:00"],
            "2026-12-07",
        ),
        # Autumn DST: issued at the second 02:00 (01:00 UTC); the failure was over at the
        # first 02:59 (00:59 UTC): offline24, Monday 26.10.2026.
        (
            ["--mode", "offline24", "--issued", "2026-10-25T02:00+01:00"],
            ["--event", "failure:2026-10-24T22:00+02:00/2026-10-25T02:59+02:00"],
            "2026-10-26",
        ),
    ],
)
def test_deadline_from_the_issue_moment_and_events(
    args: list[str], events: list[str], expected: str
) -> None:
    out = ksef_desktop("deadline", *args, *events)
    assert (out.returncode, out.stdout, out.stderr) == (0, expected + "\n", "")


@pytest.mark.parametrize(
    ("args", "polish", "english"),
    [
        # The hour decides (the failure ended that day): the command asks for it.
        (
            ["--mode", "offline24", "--issued", "2026-12-04", "--event",
             "failure:2026-12-04T08:00+01:00/2026-12-04T09:00+01:00"],
            "zależy od godziny",
            "depends on the time",
        ),
        (
            ["--mode", "awaria", "--issued", _FRIDAY_10, "--event",
             "failure:2026-12-04T08:00+01:00/2026-12-04T09:59+01:00"],
            "trwające w chwili",
            "going on at the moment",
        ),
        (["--mode", "offline24", "--issued", _FRIDAY_10, "--event", "outage:" + _FRIDAY_10],
         "RODZAJ", "KIND"),
        (["--mode", "offline24", "--issued", _FRIDAY_10, "--event", "failure"], "RODZAJ", "KIND"),
        (["--mode", "offline24", "--issued", _FRIDAY_10, "--event", "failure:2026-12-04T08:00"],
         "nie jest chwilą", "not a moment"),
        (["--mode", "offline24", "--issued", "2026-12-04T10:00", "--event",
          "failure:" + _FRIDAY_10], "nie jest chwilą", "not a moment"),
        (["--mode", "offline24", "--issued", "2026-12-04T10:00+25:00"], "strefy", "time zone"),
        (["--mode", "offline24", "--issued", "2026-12-04T25:00+01:00"], "godzinę", "time of day"),
        (["--mode", "offline24", "--issued", _FRIDAY_10, "--event",
          "failure:2026-12-04T09:00+01:00/2026-12-04T08:00+01:00"],
         "kończy się, zanim", "ends before"),
        (["--mode", "offline24", "--event", "failure:" + _FRIDAY_10], "wymaga --issued",
         "needs --issued"),
        (["--mode", "awaria", "--issued", _FRIDAY_10, "--ended", "2026-12-05"], "samo", "alone"),
        (["--mode", "awaria-calkowita", "--issued", _FRIDAY_10], "nie przyjmuje daty", "no date"),
    ],
)  # fmt: skip
def test_bad_moments_and_events_get_a_message_and_exit_2(
    args: list[str], polish: str, english: str
) -> None:
    for lang_args, fragment in (([], polish), (["--lang", "en"], english)):
        out = ksef_desktop(*lang_args, "deadline", *args)
        assert out.returncode == 2, out
        assert out.stdout == ""
        assert fragment in out.stderr, out.stderr
        assert out.stderr.startswith("ksef-desktop deadline: ")
        assert "Traceback" not in out.stderr


_EVENT_TEXT = st.builds(
    lambda kind, start, end: f"{kind}:{start}" + ("" if end is None else f"/{end}"),
    st.sampled_from(["failure", "total-failure", "unavailability", "crash", ""]),
    st.text(max_size=30) | st.just("2026-12-04T08:00+01:00"),
    st.none() | st.text(max_size=30) | st.just("2026-12-04T09:00+01:00"),
)


@settings(max_examples=200)
@given(
    st.sampled_from(["offline24", "offline", "awaria", "awaria-calkowita"]),
    st.text(max_size=30) | st.just(_FRIDAY_10) | st.just("2026-12-04"),
    st.lists(_EVENT_TEXT, max_size=3),
)
def test_any_moment_and_events_give_an_answer_or_a_message(
    mode: str, issued: str, events: list[str]
) -> None:
    code, out, err = _run_in_process(
        "--mode", mode, f"--issued={issued}", *(f"--event={e}" for e in events)
    )
    if code == 0:
        assert out in ("none\n", "waiting\n") or _DAY_LINE.fullmatch(out), out
        assert err == ""
    else:
        assert code == 2
        assert out == ""
        assert err.strip()
        assert "Traceback" not in err
