"""Faults while writing, against the real commands: an export or import that is
interrupted (SIGINT, `kill -9`), hits a size limit (`ulimit -f`, as a full disk does), or
is aimed at the dataset it reads never loses what was there. See docs/faults.md."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tui_support import copy_bundled

from timeline.cli import main

# The store is off: these tests are about the files the commands write, not its cache.
ENV = {**os.environ, "TIMELINE_NO_CACHE": "1"}

SLOW_WRITES = """
import os, sys, time

real_write = os.write

def slow_write(fd, data):
    written = real_write(fd, data[: max(1, len(data) // 2)])  # half of it is written...
    sys.stderr.write("WRITING\\n")
    sys.stderr.flush()
    time.sleep(60)  # ...when the test's signal arrives
    return written

os.write = slow_write
from timeline.cli import main
sys.exit(main(sys.argv[1:]))
"""
"""`timeline ARGS` whose file writes stop halfway, say so on stderr, and wait."""


def _size_limit(size: int) -> Callable[[], None]:
    def limit() -> None:
        # A write past the limit fails with EFBIG, as one on a full disk does with ENOSPC;
        # ignored, SIGXFSZ would otherwise kill the process instead.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def _timeline(*argv: str | bytes, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "timeline", *argv],
        capture_output=True,
        text=True,
        env=ENV,
        preexec_fn=None if limit is None else _size_limit(limit),
        timeout=120,
        check=False,
    )


def _signals_as_from_a_terminal() -> None:
    for number in (signal.SIGINT, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)


def _interrupted(sig: signal.Signals, *argv: str) -> tuple[int, str]:
    """Run `timeline ARGS`, send `sig` while it is halfway through writing a file, and
    return its exit code and stderr."""
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITES, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        # As from a terminal: a suite started in the background of a script (as CI runs
        # one) ignores SIGINT, one started under `nohup` SIGHUP, and a child inherits
        # that (the CLI rightly leaves an ignored signal ignored).
        preexec_fn=_signals_as_from_a_terminal,
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        assert first == "WRITING\n", first + process.stderr.read()
        process.send_signal(sig)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, err


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "ds"
    folder.mkdir()
    return copy_bundled(folder)


def _contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# -- export -o ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "ds/events.yaml",
        "ds/sources/yomiuri-2023-01-14-summit-report.txt",
        "ds/sources/new.txt",  # a file that would join the dataset's articles
        "ds/sources/../events.yaml",
        "events-link.yaml",  # a symbolic link to the events file
        "events-hard.yaml",  # a hard link to it: only the inode says so
    ],
)
def test_export_onto_the_dataset_it_reads_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, dataset: Path, target: str
) -> None:
    (tmp_path / "events-link.yaml").symlink_to(dataset / "events.yaml")
    os.link(dataset / "events.yaml", tmp_path / "events-hard.yaml")
    before = _contents(dataset)
    code = main(["export", str(dataset), "--format", "json", "-o", str(tmp_path / target)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "a file of the dataset being exported" in err
    assert _contents(dataset) == before
    assert main(["check", str(dataset)]) == 0


def test_export_past_the_size_limit_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("the previous export")
    result = _timeline("export", "--format", "json", "-o", str(target), limit=20_000)
    assert result.returncode == 2
    assert "cannot write" in result.stderr and "File too large" in result.stderr
    assert "Traceback" not in result.stderr
    assert target.read_text() == "the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary left


INTERRUPTIONS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL]
"""Ctrl+C; `kill`, `timeout` or a service manager stopping the command; its terminal
closing; `kill -9`. Only the last leaves anything behind."""


@pytest.mark.parametrize("sig", INTERRUPTIONS, ids=lambda sig: sig.name)
def test_an_export_interrupted_while_writing_keeps_the_old_file(
    tmp_path: Path, sig: signal.Signals
) -> None:
    target = tmp_path / "out.json"
    target.write_text("the previous export")
    code, err = _interrupted(sig, "export", "--format", "json", "-o", str(target))
    assert target.read_text() == "the previous export"
    others = [p.name for p in tmp_path.iterdir() if p != target]
    if sig != signal.SIGKILL:
        assert (code, others) == (128 + sig, [])  # the shell's code for that signal
        assert "Traceback" not in err
    else:  # nothing runs after kill -9: at most the hidden temporary stays behind
        assert code == -signal.SIGKILL
        assert all(name.startswith(".out.json.") for name in others)


@pytest.mark.parametrize("fmt", ["json", "timelinejs"])
def test_export_of_a_folder_whose_name_is_not_utf8(tmp_path: Path, fmt: str) -> None:
    folder = os.fsencode(tmp_path) + b"/ds\xff"
    os.mkdir(folder)
    copy_bundled(Path(os.fsdecode(folder)))
    target = tmp_path / "out.json"
    target.write_text("the previous export")
    result = _timeline("export", folder, "--format", fmt, "-o", str(target))
    assert result.returncode == 0, result.stderr
    # The name's byte is written as the escape JSON has for it, and reads back the same.
    document = json.loads(target.read_bytes())
    name = document["name"] if fmt == "json" else document["title"]["text"]["headline"]
    assert name == "ds\udcff"


def test_export_to_a_device_writes_straight_to_it() -> None:
    result = _timeline("export", "--format", "csv", "-o", "/dev/stdout")
    assert result.returncode == 0
    assert result.stdout.startswith("id,date,")


def test_add_source_past_the_size_limit_is_an_error_and_writes_nothing(
    tmp_path: Path, dataset: Path
) -> None:
    article = tmp_path / "article.md"
    article.write_text("The leaders met in Tokyo and agreed to work together. " * 40)
    before = _contents(dataset)
    result = _timeline(
        "add-source", str(article), str(dataset), "--title", "Leaders meet", "--outlet", "AP",
        "--published", "2023-01-14", "--kind", "report", limit=1_000,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "timeline add-source: error: cannot check the new source in a temporary folder: "
        "File too large\n"
    )
    assert _contents(dataset) == before


# -- import -----------------------------------------------------------------------------

TIMELINE = {
    "title": {"text": {"headline": "A timeline"}},
    "events": [
        {
            "start_date": {"year": "2023", "month": "1", "day": "13"},
            "text": {"headline": f"Slide {n}", "text": "<p>What happened.</p>"},
            "media": {"caption": f"A caption long enough to quote, number {n}.", "credit": "AP"},
        }
        for n in range(20)
    ],
}


@pytest.fixture
def timeline_json(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "timeline.json"
    path.parent.mkdir()
    path.write_text(json.dumps(TIMELINE))
    return path


def _imports_cleanly(source: Path, target: Path) -> None:
    result = _timeline("import", "timelinejs", str(source), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert _timeline("check", str(target)).returncode == 0


@pytest.mark.parametrize("sig", INTERRUPTIONS, ids=lambda sig: sig.name)
def test_an_import_interrupted_while_writing_leaves_no_half_dataset(
    tmp_path: Path, timeline_json: Path, sig: signal.Signals
) -> None:
    target = tmp_path / "out" / "imported"
    code, err = _interrupted(sig, "import", "timelinejs", str(timeline_json), "-o", str(target))
    assert not target.exists()
    leftovers = [p.name for p in target.parent.iterdir()]
    if sig != signal.SIGKILL:
        assert (code, leftovers) == (128 + sig, [])
        assert "Traceback" not in err
    else:  # after kill -9 the hidden half folder stays, and is never taken for the dataset
        assert code == -signal.SIGKILL
        (leftover,) = leftovers
        assert leftover.startswith(".imported.") and leftover.endswith(".part")
        assert _timeline("check", str(target)).returncode == 2
    _imports_cleanly(timeline_json, target)


def test_an_import_past_the_size_limit_leaves_nothing_and_can_be_retried(
    tmp_path: Path, timeline_json: Path
) -> None:
    target = tmp_path / "out" / "imported"
    argv = ("import", "timelinejs", str(timeline_json), "-o", str(target))
    result = _timeline(*argv, limit=1_000)
    assert result.returncode == 2
    assert "cannot write" in result.stderr and "File too large" in result.stderr
    assert list(target.parent.iterdir()) == []
    _imports_cleanly(timeline_json, target)


def test_an_import_never_replaces_a_folder_with_something_in_it(
    tmp_path: Path, timeline_json: Path
) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = _timeline("import", "timelinejs", str(timeline_json), "-o", str(target))
    assert result.returncode == 2 and "is not empty" in result.stderr
    assert _contents(target) == {"notes.txt": b"mine"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "mine"]


# -- the environment: locale, closed streams, hostile values, no terminal -----------------


def _run_cli(*args: str, env: dict[str, str] | None = None, **kwargs: Any) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "timeline", *args],
        capture_output=kwargs.pop("capture_output", True),
        text=True,
        timeout=60,
        env={**ENV, **(env or {})},
        **kwargs,
    )


ASCII = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0", "PYTHONIOENCODING": ""}


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--format", "csv"],
        ["list", "--format", "table"],
        ["show", "summit-2023-01-13-washington"],
        ["export", "--format", "markdown"],
        ["export", "--format", "json"],
    ],
)
def test_an_ascii_locale_gets_escapes_not_a_traceback(args: list[str]) -> None:
    done = _run_cli(*args, env=ASCII)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and done.stdout.isascii()
    if args[-1] == "json":
        json.loads(done.stdout)  # the escapes JSON itself understands: the same text


def test_closed_streams_end_quietly_with_the_usual_codes() -> None:
    def close(fd: int) -> Any:
        return lambda: os.close(fd)

    listed = _run_cli("list", preexec_fn=close(1))
    assert listed.returncode == 0 and listed.stderr == ""
    missing = _run_cli("show", "nope", preexec_fn=close(2))
    assert missing.returncode == 2 and missing.stdout == ""  # the error is not on stdout
    checked = _run_cli("check", "/nonexistent", preexec_fn=close(1))
    assert checked.returncode == 2


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "PYTHONUNBUFFERED"])
@pytest.mark.parametrize(
    "args", [["list"], ["check"], ["export", "--format", "json"], ["schema"], ["--version"]]
)
def test_output_to_a_full_disk_is_an_error_not_a_traceback(
    args: list[str], unbuffered: str
) -> None:
    with open("/dev/full", "w") as full:
        done = _run_cli(
            *args, env={"PYTHONUNBUFFERED": unbuffered}, stdout=full, stderr=subprocess.PIPE,
            capture_output=False,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr == "timeline: error: cannot write the output: No space left on device\n"


def test_output_past_the_size_limit_is_an_error_even_unbuffered(tmp_path: Path) -> None:
    # Unbuffered, Python drops what a short write leaves out and reports nothing: the
    # export would stop at the limit and the command still exit 0.
    with open(tmp_path / "out.json", "w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "timeline", "export", "--format", "json"],
            stdout=out, stderr=subprocess.PIPE, text=True, check=False, timeout=60,
            env={**ENV, "PYTHONUNBUFFERED": "1"}, preexec_fn=_size_limit(4096),
        )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == "timeline: error: cannot write the output: File too large\n"


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", "-1", "0", "1e9", "٣"])
def test_a_hostile_size_limit_is_a_usage_error(value: str) -> None:
    done = _run_cli("check", env={"TIMELINE_MAX_BYTES": value})
    assert done.returncode == 2
    assert "TIMELINE_MAX_BYTES" in done.stderr and "Traceback" not in done.stderr


def test_the_tui_without_a_terminal_exits_at_once() -> None:
    done = _run_cli("--search", "", stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "needs a terminal" in done.stderr and done.stdout == ""
    dumb = _run_cli(env={"TERM": "dumb"}, stdin=subprocess.DEVNULL)
    assert dumb.returncode == 2


def _read_until(fd: int, output: bytearray, wanted: bytes, seconds: float) -> None:
    """Read `fd` into `output` until `wanted` is in it, the other end closes, or time is up."""
    deadline = time.monotonic() + seconds
    while wanted not in output and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed its end
                return
            if not chunk:
                return
            output += chunk


@contextlib.contextmanager
def _tui_on_a_terminal() -> Iterator[tuple[subprocess.Popen[bytes], int, bytearray]]:
    """`timeline` on a real pseudo-terminal, in a session of its own, once its first
    frame is drawn: the process, the terminal's other end and what it has drawn."""
    leader, follower = os.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "timeline"],
        stdin=follower, stdout=follower, stderr=follower, start_new_session=True,
        env={**ENV, "TERM": "xterm-256color"},
    )  # fmt: skip
    os.close(follower)
    try:
        output = bytearray()
        _read_until(leader, output, b"25 of 25 events", 60)  # the first frame is up
        assert b"25 of 25 events" in output
        yield child, leader, output
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        with contextlib.suppress(OSError):  # closed by the test
            os.close(leader)


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda sig: sig.name
)
def test_the_tui_ended_by_a_signal_puts_the_terminal_back(sig: signal.Signals) -> None:
    """`kill` (or `kill -INT`, or a terminal that goes away) ends the TUI as `q` does:
    out of the alternate screen, mouse reporting off, the cursor shown; not a killed
    process that leaves the shell in a screen it cannot use."""
    with _tui_on_a_terminal() as (child, leader, output):
        drawn = len(output)
        child.send_signal(sig)
        _read_until(leader, output, b"\x1b[?25h", 30)
        assert child.wait(30) == 128 + sig
        restored = bytes(output[drawn:])
        assert b"\x1b[?1049l" in restored and b"\x1b[?1000l" in restored  # screen, mouse


def test_ctrl_c_in_the_tui_is_a_key_that_says_how_to_quit() -> None:
    """The terminal is in raw mode, so Ctrl+C sends no SIGINT: Textual takes the key and
    says how to quit, and the app runs on (only `kill -INT` ends it, with 130)."""
    with _tui_on_a_terminal() as (child, leader, output):
        drawn = len(output)
        os.write(leader, b"\x03")
        _read_until(leader, output, b"to quit the app", 30)
        assert b"to quit the app" in output[drawn:]
        assert child.poll() is None


def test_the_tui_ends_when_its_terminal_goes_without_a_hangup_signal() -> None:
    """A terminal can close with no SIGHUP for the app (here: the app leads a session of
    its own, so the terminal is not its controlling one; a dropped connection can do the
    same). Textual's input thread would then spin on the end of its input for good; the
    app notices the terminal is gone and ends, with SIGHUP's exit code."""
    with _tui_on_a_terminal() as (child, leader, _):
        os.close(leader)
        assert child.wait(20) == 128 + signal.SIGHUP
