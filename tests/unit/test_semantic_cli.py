"""`ksef-desktop validate` prints semantic warnings after the defects (a real process)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import DATA
from tests.unit.test_fa3_validate_cli import _run

SEMANTIC = DATA / "semantic"
PREFLIGHT = DATA / "preflight"
CLEAN = DATA / "fa3-official" / "FA_3_Przykład_9.xml"


def test_warnings_alone_do_not_fail(tmp_path: Path) -> None:
    total = SEMANTIC / "total.xml"
    result = _run("--lang", "en", "validate", CLEAN, total)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        f"{total}: warning: line 71: Fa/P_15: P_15 is 2761, but the sum of the amounts per "
        "rate (P_13_x and P_14_x) is 2760.00."
    ]


def test_strict_fails_on_warnings() -> None:
    assert _run("validate", "--strict", CLEAN).returncode == 0
    result = _run("validate", "--strict", SEMANTIC / "total.xml")
    assert result.returncode == 1
    assert result.stdout.startswith(f"{SEMANTIC / 'total.xml'}: ostrzeżenie: linia 71: Fa/P_15: ")


def test_warnings_follow_the_errors_of_their_file(tmp_path: Path) -> None:
    # A wrong seller NIP (a defect KSeF refuses) and a wrong P_15 (a warning) in one file.
    both = tmp_path / "both.xml"
    data = (PREFLIGHT / "nip-checksum.xml").read_bytes()
    both.write_bytes(data.replace(b"<P_15>2051</P_15>", b"<P_15>2052</P_15>"))
    result = _run("--lang", "en", "validate", both, SEMANTIC / "timing.xml")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{both}: line 12: The seller's NIP 9999999990 (Podmiot1) has a wrong check digit."
    )
    assert lines[1].startswith(f"{both}: warning: line 53: Fa/P_15: P_15 is 2052, ")
    assert lines[2].startswith(f"{SEMANTIC / 'timing.xml'}: warning: line 1: Fa/P_6: ")
    assert len(lines) == 3


def test_a_file_that_is_not_xml_has_errors_only() -> None:
    result = _run("--lang", "en", "validate", PREFLIGHT / "not-xml.xml")
    assert result.returncode == 1
    assert "warning" not in result.stdout
