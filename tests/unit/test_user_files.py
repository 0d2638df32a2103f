"""Bad files never crash a command (issue 22, item 5).

What the user names on the command line may be a device, a FIFO, a folder or a huge
file: each is refused with a sentence, never read into memory, never waited on. And
``qr``/``pdf`` refuse what ``validate`` refuses in a file's bytes, with the same words.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ksef_desktop import cli, i18n
from ksef_desktop.store import open_store
from ksef_desktop.userfiles import MAX_INVOICE_FILE, UnreadableFile, read_user_file
from tests.conftest import DATA, OFFICIAL_SAMPLES

ROOT = Path(__file__).resolve().parents[2]
PREFLIGHT = DATA / "preflight"
posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["--lang", "en", *argv])
    return code, out.getvalue(), err.getvalue()


def _subprocess(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A real process with a deadline: a command that waits on a FIFO fails the test."""
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--lang", "en", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(autouse=True)
def _english() -> None:
    i18n.set_language("en")  # the suite's reset puts it back afterwards


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "invoice.xml"
    os.mkfifo(path)
    return path


# --- read_user_file ---------------------------------------------------------------------


@posix_only
def test_a_device_is_refused_not_read() -> None:
    with pytest.raises(UnreadableFile) as caught:
        read_user_file(Path("/dev/zero"), MAX_INVOICE_FILE)
    assert "not a regular file" in caught.value.reason


@posix_only
def test_a_fifo_is_refused_without_waiting_for_a_writer(fifo: Path) -> None:
    result: list[BaseException] = []

    def read() -> None:
        with pytest.raises(UnreadableFile) as caught:
            read_user_file(fifo, 100)
        result.append(caught.value)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "read_user_file waited on a FIFO"
    assert "not a regular file" in str(result[0])


def test_a_file_over_the_limit_is_refused_and_one_at_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    with path.open("wb") as fh:
        fh.truncate(1001)  # sparse: no disk space used
    with pytest.raises(UnreadableFile) as caught:
        read_user_file(path, 1000)
    assert "larger than" in caught.value.reason
    assert read_user_file(path, 1001) == b"\0" * 1001


def test_missing_files_and_folders_get_sentences(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile) as caught:
        read_user_file(tmp_path / "missing.xml", 100)
    assert caught.value.reason == "the file does not exist."
    with pytest.raises(UnreadableFile) as caught:
        read_user_file(tmp_path, 100)
    assert caught.value.reason == "this is a folder, not a file."


def test_an_invoice_reads_whole() -> None:
    assert read_user_file(OFFICIAL_SAMPLES[0], MAX_INVOICE_FILE) == OFFICIAL_SAMPLES[0].read_bytes()


# --- the commands ---------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize(
    "argv",
    [
        ("validate", "{f}"),
        ("qr", "{f}", "--env", "test"),
        ("pdf", "{f}", "-o", "{out}"),
        ("send", "{f}", "--base-url", "http://127.0.0.1:9/v2", "--nip", "5265877635"),
    ],
    ids=lambda a: a[0],
)
def test_no_command_waits_on_a_fifo(fifo: Path, tmp_path: Path, argv: tuple[str, ...]) -> None:
    args = [a.format(f=fifo, out=tmp_path / "out.pdf") for a in argv]
    done = _subprocess(*args, env={"KSEF_TOKEN": "not-used"})
    assert done.returncode in (1, 2)
    assert "not a regular file" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


@posix_only
@pytest.mark.parametrize(
    "argv",
    [
        ("sandbox", "--state-file", "{f}", "--port", "0"),
        ("--data-dir", "{data}", "verify", "--against", "{f}"),
        ("--data-dir", "{data}", "backup", "restore", "{f}"),
    ],
    ids=lambda a: "-".join(x for x in a if not x.startswith(("{", "-"))),
)
def test_commands_that_open_other_files_do_not_wait_on_a_fifo(
    fifo: Path, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    data = tmp_path / "data"
    open_store(data).close()
    done = _subprocess(*(a.format(f=fifo, data=data) for a in argv))
    assert done.returncode in (1, 2), done.stdout + done.stderr
    assert f"{fifo} is not a file." in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


@posix_only
@pytest.mark.parametrize("command", ["validate", "qr", "pdf"])
def test_no_command_reads_dev_zero(tmp_path: Path, command: str) -> None:
    extra = {"validate": [], "qr": ["--env", "test"], "pdf": ["-o", str(tmp_path / "o.pdf")]}
    code, out, err = _run(command, "/dev/zero", *extra[command])
    assert code in (1, 2)
    assert "/dev/zero: " in out + err
    assert "not a regular file" in out + err
    assert not (tmp_path / "o.pdf").exists()


def test_qr_and_pdf_refuse_a_huge_file_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    with path.open("wb") as fh:
        fh.truncate(MAX_INVOICE_FILE + 1)
    for argv in (("qr", str(path), "--env", "test"), ("pdf", str(path), "-o", str(tmp_path / "o"))):
        code, _out, err = _run(*argv)
        assert code == 2
        assert "larger than 16 MB" in err


# Files KSeF refuses for their bytes: qr and pdf refuse them as validate does.
BYTE_LEVEL = [
    "bom.xml",
    "not-utf8-utf16.xml",
    "not-utf8.xml",
    "encoding.xml",
    "xml-version.xml",
    "processing-instruction.xml",
    "dtd.xml",
    "forbidden-char.xml",
    "too-large.xml",
    "not-xml.xml",
]


@pytest.mark.parametrize("name", BYTE_LEVEL)
def test_qr_and_pdf_refuse_what_validate_refuses_in_the_bytes(tmp_path: Path, name: str) -> None:
    path = PREFLIGHT / name
    code, said, _ = _run("validate", str(path))
    assert code == 1
    # validate also reports the semantic warnings; qr and pdf refuse on the errors alone.
    expected = [line for line in said.splitlines() if ": warning: " not in line]
    assert expected
    out = tmp_path / "out.pdf"
    for argv in (("qr", str(path), "--env", "test"), ("pdf", str(path), "-o", str(out))):
        code, stdout, stderr = _run(*argv)
        assert code == 1, argv
        assert stdout == ""
        assert stderr.splitlines() == expected, argv
    assert not out.exists()


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_refusal_speaks_the_users_language(lang: str) -> None:
    path = PREFLIGHT / "bom.xml"
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        cli.main(["--lang", lang, "qr", str(path), "--env", "test"])
    word = {"pl": "Plik zaczyna się", "en": "The file starts with"}[lang]
    assert word in err.getvalue()


# --- send: KSeF's nonsense is a message, not a traceback ------------------------------------


class _Nonsense(BaseHTTPRequestHandler):
    """Answers every request with 200 and a body that is not what KSeF sends."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = b"<html>not json</html>"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def nonsense_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Nonsense)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v2"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_send_reports_a_protocol_error_without_a_traceback(nonsense_server: str) -> None:
    done = _subprocess(
        "send",
        str(OFFICIAL_SAMPLES[0]),
        "--base-url",
        nonsense_server,
        "--nip",
        "9999999999",
        env={"KSEF_TOKEN": "test-token-not-secret"},
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip()
    assert "Traceback" not in done.stderr
