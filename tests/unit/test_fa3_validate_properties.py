"""hypothesis: validate never raises, and its byte-level verdicts hold for any input."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ksef_desktop.fa3.defect import Defect
from ksef_desktop.fa3.validate import validate
from tests.conftest import OFFICIAL_SAMPLES

TODAY = date(2026, 11, 24)
SAMPLES = [p.read_bytes() for p in OFFICIAL_SAMPLES]
FORBIDDEN = (
    [chr(c) for c in range(0x7F, 0x85)]
    + [chr(c) for c in range(0x86, 0xA0)]
    + [chr(c) for c in range(0xFDD0, 0xFDF0)]
    + [chr(p * 0x10000 + low) for p in range(1, 17) for low in (0xFFFE, 0xFFFF)]
)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(defects: list[Defect]) -> None:
    """Whatever came back is well-formed: both languages render, every placeholder filled."""
    assert isinstance(defects, list)
    for defect in defects:
        assert isinstance(defect, Defect)
        for lang in ("pl", "en"):
            text = defect.text(lang)
            assert text
            if not any("{" in value for value in defect.params.values()):
                assert "{" not in text


@st.composite
def mutated_sample(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "duplicate"]))
        at = draw(st.integers(0, len(data)))
        if op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif op == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[at:]
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
    return bytes(data)


@FAST
@given(mutated_sample())
def test_mutated_samples_never_raise(data: bytes) -> None:
    _check(validate(data, today=TODAY))


@FAST
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _check(validate(data, today=TODAY))


XML_TOKENS = [*"<>/?!-=\"' &;#x[]abcFaktur:123\n\t", "<!DOCTYPE", "<?xml", "<!--", "-->"]


@FAST
@given(st.lists(st.sampled_from(XML_TOKENS), max_size=120).map("".join))
def test_xml_looking_noise_never_raises(text: str) -> None:
    _check(validate(text.encode("utf-8"), today=TODAY))


@FAST
@given(st.binary(min_size=1, max_size=500), st.sampled_from(SAMPLES), st.data())
def test_invalid_utf8_always_gives_not_utf8(
    noise: bytes, sample: bytes, data: st.DataObject
) -> None:
    at = data.draw(st.integers(0, len(sample)))
    candidate = sample[:at] + noise + sample[at:]
    try:
        candidate.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        assume(False)
    assert "not-utf8" in [d.code for d in validate(candidate, today=TODAY)]


@FAST
@given(st.sampled_from(SAMPLES), st.sampled_from(FORBIDDEN), st.data())
def test_inserting_a_forbidden_character_always_gives_forbidden_char(
    sample: bytes, char: str, data: st.DataObject
) -> None:
    text = sample.decode("utf-8")
    at = data.draw(st.integers(0, len(text)))
    candidate = (text[:at] + char + text[at:]).encode("utf-8")
    defects = validate(candidate, today=TODAY)
    hits = [d for d in defects if d.code == "forbidden-char"]
    assert [d.params["char"] for d in hits] == [f"U+{ord(char):04X}"]
    assert hits[0].line == text[:at].count("\n") + 1


@FAST
@given(st.sampled_from(SAMPLES), st.integers(0, 10_000))
def test_truncated_samples_are_never_valid_and_never_raise(sample: bytes, cut: int) -> None:
    assume(cut < len(sample.rstrip()))
    defects = validate(sample[:cut], today=TODAY)
    assert defects
    _check(defects)
