"""Hostile input, by property: any bytes or text in any file of a dataset either load or
raise `DatasetError`, never anything else and never a hang; every diagnostic and every
CLI output is sanitised text. (The TUI's own hostile-text tests are in test_tui.py.)
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from timeline.cli import main
from timeline.diagnostics import DatasetError, Diagnostic, Severity, format_diagnostic
from timeline.loader import Loaded, bundled_dataset_path, load_dataset
from timeline.text import normalize, sanitize

UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters (C0 but tab and newline, DEL, C1) that must never reach a terminal."""
HEAD = re.compile(r"^[^\n]*:\d+:\d+: (?:error|warning) \[[a-z]+(?:-[a-z]+)*\] ")

SOURCE = """---
id: "src"
title: "Leaders meet"
outlet: "The Example Times"
published: "2023-01-14"
kind: "report"
---
The two leaders met in Washington on Friday and agreed to deepen their alliance.
"""
EVENTS = """version: "1"
themes:
  alliance:
    label: "Alliance"
    description: "Summits."
events:
  - id: "summit"
    date: "2023-01-13"
    title: {title}
    summary: {summary}
    themes: ["alliance"]
    actors: [{actor}]
    status: "occurred"
    sources:
      - source: "src"
        quote: "The two leaders met in Washington on Friday and agreed"
"""

# YAML's own vocabulary, so random text reaches past the first line of the parser.
YAML_TOKENS = st.sampled_from(
    [
        "version: ", '"1"', "themes:", "events:", "\n", "\n  ", "\n    ", "- ", ": ", "? ",
        "[", "]", "{", "}", ",", "&a ", "*a", "!!python/object:os.system ", "!x ", "<<: ",
        "'", '"', "\\", '"\\ud800"', "#", "|", ">", "---", "...", "%YAML 1.1", "\t", "~",
        "id", "date", "2023-02-30", "NO", "1:30", "\x85", "\x1b[2J", "\u202e", "\ufeff",
        "\x00", "quote", "source", "src", "x",
    ]
)  # fmt: skip
yamlish = st.lists(YAML_TOKENS | st.text(max_size=4), max_size=40).map("".join)

FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextmanager
def dataset(events: bytes | None = None, source: bytes | None = None) -> Iterator[Path]:
    """A throwaway dataset folder with the given events file and article bytes."""
    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    try:
        (folder / "sources").mkdir()
        (folder / "sources" / "src.txt").write_bytes(SOURCE.encode() if source is None else source)
        filled = EVENTS.format(title='"t"', summary='"s"', actor='"a"')
        (folder / "events.yaml").write_bytes(filled.encode() if events is None else events)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load_or_error(folder: Path) -> Loaded | DatasetError:
    """Load; any exception but DatasetError fails the test (pytest shows it)."""
    try:
        return load_dataset(folder)
    except DatasetError as error:
        return error


def check_outcome(outcome: Loaded | DatasetError) -> None:
    """Whatever came back is well formed and safe to print."""
    diagnostics: tuple[Diagnostic, ...]
    if isinstance(outcome, DatasetError):
        diagnostics = outcome.diagnostics
        assert any(d.severity is Severity.ERROR for d in diagnostics)
        assert all(d.code != "internal" for d in diagnostics), diagnostics
    else:
        diagnostics = outcome.warnings
        assert all(d.severity is Severity.WARNING for d in diagnostics)
        for event in outcome.dataset.events:
            for quote in event.quotes:
                text = outcome.dataset.source(quote.source_id).text
                assert normalize(text[quote.span.start : quote.span.end]) == normalize(quote.text)
    for diagnostic in diagnostics:
        assert diagnostic.line >= 1 and diagnostic.column >= 1
        # The line exists in the file as an editor counts lines (a lone CR once made
        # libyaml's count run ahead).
        path = Path(diagnostic.file)
        if path.is_file():
            assert diagnostic.line <= path.read_bytes().count(b"\n") + 1, diagnostic
        printed = format_diagnostic(diagnostic)
        assert not UNSAFE.search(printed), repr(printed)
        first, *hint = printed.split("\n")
        assert HEAD.match(first), first
        assert all(line.startswith("    ") for line in hint)  # a hint cannot pose as a diagnostic


# -- the loader, for any input ------------------------------------------------------------


@FAST
@given(st.binary(max_size=400))
@example(b"\xef\xbb\xbf")
@example(b"\xed\xa0\x80")
@example(b"[" * 5000)
def test_any_bytes_as_events_file(data: bytes) -> None:
    with dataset(events=data) as folder:
        check_outcome(load_or_error(folder))


@FAST
@given(st.text(max_size=300) | yamlish)
@example("version: 1\nthemes: {}\nevents: []\n")
@example('a: "\\ud800"')
@example("- " * 3000)
def test_any_text_as_events_file(text: str) -> None:
    with dataset(events=text.encode("utf-8", "surrogatepass")) as folder:
        check_outcome(load_or_error(folder))


@FAST
@given(st.binary(max_size=400) | (st.text(max_size=300) | yamlish).map(str.encode))
@example(b"---\n---\n")
@example(b"---\r\nid: src\r\n---\r\n")
@example(SOURCE.replace("---\n", "", 1).encode())
def test_any_bytes_as_a_source_file(data: bytes) -> None:
    with dataset(source=data) as folder:
        check_outcome(load_or_error(folder))


@FAST
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=10_000))
def test_any_bytes_spliced_into_the_bundled_dataset(chunk: bytes, at: int) -> None:
    original = (bundled_dataset_path() / "events.yaml").read_bytes()
    at %= len(original)
    with dataset(events=original[:at] + chunk + original[at:]) as folder:
        shutil.rmtree(folder / "sources")
        shutil.copytree(bundled_dataset_path() / "sources", folder / "sources")
        check_outcome(load_or_error(folder))


# -- display: diagnostics and sanitising --------------------------------------------------


@given(st.text(), st.text(), st.text() | st.none(), st.text())
def test_any_diagnostic_formats_to_safe_text(
    file: str, message: str, hint: str | None, code: str
) -> None:
    printed = format_diagnostic(Diagnostic(file, 3, 7, Severity.ERROR, code, message, hint))
    assert not UNSAFE.search(printed)
    lines = printed.split("\n")
    assert len(lines) == 1 + (len(sanitize(hint, keep_newlines=True).split("\n")) if hint else 0)
    assert all(line.startswith("    ") for line in lines[1:])


@given(st.text())
def test_sanitize_leaves_no_control_character(text: str) -> None:
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", sanitize(text))
    assert not UNSAFE.search(sanitize(text, keep_newlines=True))


# -- the CLI shows exactly the sanitised text -------------------------------------------


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar for any text: escapes for everything a file may not
    hold raw (controls, DEL, C1, line separators, BOM, non-characters)."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\x{code:02x}")
        elif char in "\u2028\u2029\ufeff\ufffe\uffff":
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


hostile = st.text(
    st.characters(exclude_categories=["Cs"]) | st.sampled_from("\x1b\x9b\x07\x00\r\n\t\u202e[]@\\"),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip())


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(title=hostile, summary=hostile, actor=hostile)
@example(
    title="\x1b[2J\x1b]52;c;aGk=\x07[@click=app.quit]x[/]",
    summary="\x9b31m[link=file:///etc/passwd]y",
    actor=":smile: \u202e",
)
def test_cli_outputs_show_exactly_the_sanitised_text(
    title: str,
    summary: str,
    actor: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    events = EVENTS.format(
        title=yaml_string(title), summary=yaml_string(summary), actor=yaml_string(actor)
    )
    with dataset(events=events.encode()) as folder:
        loaded = load_dataset(folder)  # it must load: every field is valid text
        event = loaded.dataset.events[0]
        assert (event.title, event.summary, event.actors) == (title, summary, (actor,))

        assert main(["show", "summit", str(folder)]) == 0
        out, err = capsys.readouterr()
        assert not UNSAFE.search(out + err), repr(out + err)
        assert out.split("\n")[0] == sanitize(title)

        assert main(["list", str(folder), "--format", "plain"]) == 0
        out, err = capsys.readouterr()
        assert not UNSAFE.search(out + err), repr(out + err)
        assert out.rstrip("\n").split("\t")[-1] == sanitize(title)

        for form in ("table", "csv"):
            assert main(["list", str(folder), "--format", form]) == 0
            out, err = capsys.readouterr()
            out = out.replace("\r\n", "\n")  # CSV's RFC 4180 row ends, not data
            assert not UNSAFE.search(out + err), repr(out + err)

        # A broken copy: the hostile text now sits in an unknown key and a bad theme.
        broken = events.replace('["alliance"]', f"[{yaml_string(actor)}]").replace(
            "    status:", f"    {yaml_string(title)}: x\n    status:"
        )
        (folder / "events.yaml").write_text(broken, encoding="utf-8")
        assert main(["check", str(folder)]) == 1
        out, err = capsys.readouterr()
        assert not UNSAFE.search(out + err), repr(out + err)
        assert f"'{sanitize(actor)}'" in out


@given(st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=())))
@example("\udcff\x1b[2J.txt")
def test_sanitized_text_can_always_be_printed(text: str) -> None:
    """Even lone surrogates (a file name that is not UTF-8) cannot make printing raise."""
    for keep in (False, True):
        sanitize(text, keep_newlines=keep).encode("utf-8")


def test_a_source_file_name_that_is_not_utf8_is_reported_printably(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import os

    with dataset() as folder:
        os.rename(folder / "sources" / "src.txt", os.fsencode(folder / "sources") + b"/\xff.txt")
        assert main(["check", str(folder)]) == 1
        out, _ = capsys.readouterr()
        out.encode("utf-8")  # no lone surrogate reached the output
        assert "\ufffd.txt" in out


# -- the fuzz harness still runs, and can fail ------------------------------------------


def _fuzz_module() -> Any:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "fuzz" / "fuzz_load.py"
    spec = importlib.util.spec_from_file_location("fuzz_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fuzz_harness_runs_clean_for_a_moment(tmp_path: Path) -> None:
    fuzz_load = _fuzz_module()
    assert fuzz_load.main(["--seconds", "1", "--seed", "1", "--out", str(tmp_path)]) == 0
    assert not list(tmp_path.glob("crash-*"))


def test_the_fuzz_harness_reports_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fuzz_load = _fuzz_module()

    def crash(path: object) -> None:
        raise KeyError("a loader bug")

    monkeypatch.setattr(fuzz_load, "load_dataset", crash)
    assert fuzz_load.main(["--seconds", "1", "--seed", "1", "--out", str(tmp_path)]) == 1
    report = next(tmp_path.glob("crash-*")).read_text()
    assert "KeyError" in report and "a loader bug" in report
