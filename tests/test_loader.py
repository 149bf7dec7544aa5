"""The loader: the golden corpus of diagnostics, good files, and the cases around them.

Every case folder in `tests/fixtures/diagnostics/` is loaded and its diagnostics compared
line for line with its `expected.txt` (see `diagnostics_corpus.py`, which also rebuilds
`docs/diagnostics.md`). The tests after it check what a golden file cannot show on its
own: that values load as the right strings, that spans and hints point at the right
text, and that bombs are refused.
"""

from __future__ import annotations

import gc
import re
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from diagnostics_corpus import (
    CODES,
    CORPUS,
    DOCS,
    about,
    cases,
    docs_text,
    expected,
    render,
    run_case,
)

import timeline.loader
from timeline.diagnostics import DatasetError, Diagnostic, Severity, format_diagnostic
from timeline.loader import bundled_dataset_path, load_dataset
from timeline.strictyaml import YMap, YSeq, parse_strict
from timeline.text import normalize

ROOT = Path(__file__).resolve().parent.parent
CASES = cases()
HEAD = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?:error|warning) \[(?P<code>[a-z-]+)\] "
)


# -- the golden corpus -------------------------------------------------------------------


def test_the_corpus_is_there() -> None:
    assert len(CASES) >= 50
    for name in CASES:
        assert about(name), name
        assert (CORPUS / name / "expected.txt").is_file(), name


@pytest.mark.parametrize("name", CASES)
def test_golden_diagnostics(name: str, tmp_path: Path) -> None:
    diagnostics, loaded = run_case(name, tmp_path)
    assert render(diagnostics, tmp_path / name) == expected(name)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    # A dataset loads exactly when it has no error; "valid-" cases have no diagnostic.
    assert loaded == (not errors)
    if name.startswith("valid-"):
        assert diagnostics == []
    else:
        assert diagnostics, "a broken case must say what is wrong"


@pytest.mark.parametrize("name", CASES)
def test_every_position_is_inside_its_file(name: str, tmp_path: Path) -> None:
    """`file:line:col` must land on a real line and column (or 1:1 for a whole file)."""
    diagnostics, _ = run_case(name, tmp_path)
    for diagnostic in diagnostics:
        path = Path(diagnostic.file)
        assert diagnostic.line >= 1 and diagnostic.column >= 1
        if (diagnostic.line, diagnostic.column) == (1, 1) or not path.is_file():
            continue
        lines = path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
        split = lines.split("\n")
        assert diagnostic.line <= len(split), format_diagnostic(diagnostic)
        assert diagnostic.column <= len(split[diagnostic.line - 1]) + 1, format_diagnostic(
            diagnostic
        )


def test_the_docs_are_generated_from_the_corpus() -> None:
    """docs/diagnostics.md is what `python tests/diagnostics_corpus.py` writes now."""
    outputs = {name: expected(name) for name in CASES}
    assert DOCS.read_text(encoding="utf-8") == docs_text(outputs)


CALL = re.compile(
    r'\b(?:error|warn|Diagnostic)\((?:[^()\[\]"]|\([^()]*\)|\[[^\[\]]*\])*?'
    r'"([a-z]+(?:-[a-z]+)*)"',
    re.S,
)
"""The first string literal in a call that makes a diagnostic: its code."""


def _codes_in_source() -> set[str]:
    """Every diagnostic code the loader can emit, read from its source."""
    found: set[str] = set()
    for module in ("loader", "strictyaml", "provenance"):
        source = (ROOT / "timeline" / f"{module}.py").read_text(encoding="utf-8")
        found |= set(CALL.findall(source))
    return found


def test_every_code_is_documented_and_has_a_fixture() -> None:
    emitted = _codes_in_source()
    assert emitted - set(CODES) == set(), "a code the docs do not list"
    assert set(CODES) - emitted == set(), "a documented code the loader no longer emits"
    used = {
        match["code"]
        for name in CASES
        for line in expected(name).splitlines()
        if (match := HEAD.match(line))
    }
    # `internal` is the safety net for our own bugs: it has its own test below.
    assert set(CODES) - used == {"internal"}
    for code in CODES:
        assert f"### `{code}`" in DOCS.read_text(encoding="utf-8")


def test_five_different_errors_in_one_file_are_all_reported(tmp_path: Path) -> None:
    diagnostics, loaded = run_case("schema-all-at-once", tmp_path)
    assert not loaded
    assert len({d.code for d in diagnostics}) == 5
    assert len(diagnostics) == 5


# -- what loads, loads as it should -------------------------------------------------------


def test_yaml_1_1_implicit_types_stay_strings(tmp_path: Path) -> None:
    run_case("valid-yaml11-strings", tmp_path)
    event = load_dataset(tmp_path / "valid-yaml11-strings").dataset.events[0]
    assert event.id == "2023-01-13"
    assert event.title == "NO"
    assert event.summary == "on"
    assert event.actors == (
        "yes", "1:30", "0755", "1.10", "0x1F", "1e3", "2023-01-13", "null", "~", ".inf",
    )  # fmt: skip
    assert event.places == ("Off", "NO")
    assert all(type(value) is str for value in (*event.actors, *event.places))


def test_bom_is_dropped_and_tabs_in_strings_are_kept(tmp_path: Path) -> None:
    run_case("valid-bom-and-tabs", tmp_path)
    dataset = load_dataset(tmp_path / "valid-bom-and-tabs").dataset
    assert dataset.events[0].title == "Leaders\tmeet in Washington"
    source = dataset.sources[0]
    assert not source.text.startswith("\ufeff")
    assert source.text.startswith("Leaders meet in Washington")


def test_normalised_quotes_point_at_the_article_text(tmp_path: Path) -> None:
    run_case("valid-quotes-normalised", tmp_path)
    dataset = load_dataset(tmp_path / "valid-quotes-normalised").dataset
    source = dataset.sources[0]
    file_lines = (tmp_path / "valid-quotes-normalised" / source.path).read_text().split("\n")
    quotes = dataset.events[0].quotes
    assert len(quotes) == 4
    for quote in quotes:
        original = source.text[quote.span.start : quote.span.end]
        assert normalize(original) == normalize(quote.text)
        assert original != quote.text  # each one needed normalising
        # line:col is in the source *file*, front matter included
        line = file_lines[quote.span.line - 1]
        assert line[quote.span.column - 1 :].startswith(original.split("\n")[0])
    wrapped = source.text[quotes[1].span.start : quotes[1].span.end]
    assert "\n" in wrapped
    nfd = source.text[quotes[3].span.start : quotes[3].span.end]
    assert "e\u0301" in nfd and "—" in nfd


@pytest.mark.parametrize(
    ("name", "passage"),
    [
        ("quote-hyphenated", "said the two coun-"),
        ("quote-nfkc-only", "The ﬁnal communiqué"),
        ("quote-fuzzy", "The two leaders met in Washington"),
    ],
)
def test_near_miss_hints_point_at_the_passage(name: str, passage: str, tmp_path: Path) -> None:
    diagnostics, loaded = run_case(name, tmp_path)
    assert not loaded
    misses = [d for d in diagnostics if d.code == "quote-not-found"]
    assert misses
    for miss in misses:
        assert miss.hint is not None
        where = re.search(r"at (sources/[\w.-]+):(\d+):(\d+): “(.*?)”\n", miss.hint + "\n")
        assert where is not None, miss.hint
        lines = (tmp_path / name / where[1]).read_text(encoding="utf-8").split("\n")
        line, column, shown = int(where[2]), int(where[3]), where[4]
        from_there = "\n".join([lines[line - 1][column - 1 :], *lines[line:]])
        # The passage shown (on one line) is the file's text from line:col on.
        assert " ".join(from_there.split()).startswith(shown.removesuffix("…"))
    first = re.search(r":(\d+):(\d+): “", misses[0].hint or "")
    assert first is not None
    lines = (tmp_path / name / "sources" / "src.txt").read_text(encoding="utf-8").split("\n")
    assert lines[int(first[1]) - 1][int(first[2]) - 1 :].startswith(passage)


def test_the_fuzzy_hint_names_the_lookalike(tmp_path: Path) -> None:
    diagnostics, _ = run_case("quote-fuzzy", tmp_path)
    hint = diagnostics[0].hint or ""
    assert "CYRILLIC SMALL LETTER A" in hint


def test_front_matter_positions_are_file_lines(tmp_path: Path) -> None:
    """Front matter starts on line 2 of the file: positions must say so."""
    diagnostics, _ = run_case("source-id-mismatch", tmp_path)
    mismatch = next(d for d in diagnostics if d.code == "source-id")
    line = (
        (tmp_path / "source-id-mismatch/sources/src.txt").read_text().split("\n")[mismatch.line - 1]
    )
    assert line[mismatch.column - 1 :].startswith('"source-one"')


def test_a_broken_source_is_not_also_an_unknown_one(tmp_path: Path) -> None:
    diagnostics, _ = run_case("schema-wrong-types-source", tmp_path)
    assert not any(d.code == "unknown-source" for d in diagnostics)


def test_the_bundled_dataset_loads_clean() -> None:
    loaded = load_dataset(bundled_dataset_path())
    assert loaded.warnings == ()
    assert len(loaded.dataset.events) >= 20


# -- limits ------------------------------------------------------------------------------


def _dataset(tmp_path: Path, events: str | bytes) -> Path:
    folder = tmp_path / "ds"
    (folder / "sources").mkdir(parents=True)
    data = events.encode("utf-8") if isinstance(events, str) else events
    (folder / "events.yaml").write_bytes(data)
    return folder


def test_max_bytes_parameter_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _dataset(tmp_path, 'version: "1"\nthemes: {}\nevents: []\n')
    with pytest.raises(DatasetError) as caught:
        load_dataset(folder, max_bytes=10)
    assert [d.code for d in caught.value.diagnostics] == ["too-large"]
    assert "TIMELINE_MAX_BYTES" in caught.value.diagnostics[0].message
    monkeypatch.setenv("TIMELINE_MAX_BYTES", "10")
    with pytest.raises(DatasetError):
        load_dataset(folder)
    monkeypatch.setenv("TIMELINE_MAX_BYTES", "100000")
    assert load_dataset(folder).dataset.events == ()


BOMBS = {
    "flow-lists": "[" * 1_000_000,
    "flow-mappings": "{a: " * 200_000,
    "block-lists": "".join(" " * i + "-\n" for i in range(3000)),
    "block-mappings": "".join(" " * i + "k:\n" for i in range(3000)),
    "inline-dashes": "- " * 100_000 + "x\n",
}


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_nesting_bombs_are_refused(bomb: str, tmp_path: Path) -> None:
    """Run in a child process, so a regression (a hang, a C stack overflow in libyaml)
    fails this test instead of taking the whole suite down.

    The code is `too-deep` whichever stops first: our cap of 64 levels, or the cap of
    1,000 flow levels that libyaml has had since PyYAML 6.0.3's wheels (it can see a
    run of `[` before the parser hands us the 65th level)."""
    folder = _dataset(tmp_path, BOMBS[bomb])
    script = textwrap.dedent(
        f"""
        from timeline.loader import load_dataset
        from timeline.diagnostics import DatasetError
        try:
            load_dataset({str(folder)!r})
        except DatasetError as error:
            print(sorted({{d.code for d in error.diagnostics}}))
            print(*(f"{{d.line}}:{{d.column}}" for d in error.diagnostics))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    codes, where = done.stdout.splitlines()
    assert codes == "['too-deep']"
    # Located inside the file (the events file is the bomb itself), never at 1:1 by default.
    line, column = map(int, where.split(":"))
    lines = BOMBS[bomb].split("\n")
    assert 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1
    assert (line, column) != (1, 1)


def test_an_internal_error_becomes_a_diagnostic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _dataset(tmp_path, 'version: "1"\nthemes: {}\nevents: []\n')

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(timeline.loader, "parse_strict", broken)
    with pytest.raises(DatasetError) as caught:
        load_dataset(folder)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "internal"
    assert "RuntimeError" in diagnostic.message and "a bug" in diagnostic.message


def test_a_fifo_events_file_never_blocks(tmp_path: Path) -> None:
    """A FIFO with no writer: opening it for reading would wait forever. Covered by the
    corpus too; here on its own, so a regression is named plainly."""
    import os

    folder = tmp_path / "ds"
    (folder / "sources").mkdir(parents=True)
    os.mkfifo(folder / "events.yaml")
    with pytest.raises(DatasetError) as caught:
        load_dataset(folder)
    assert [d.code for d in caught.value.diagnostics] == ["not-a-file"]


def _wrong_quotes(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "many"
    (folder / "sources").mkdir(parents=True)
    (folder / "sources" / "src.txt").write_text(
        '---\nid: "src"\ntitle: "t"\noutlet: "o"\npublished: "2023"\nkind: "report"\n---\n'
        "The two leaders met in Washington on Friday and agreed to deepen their alliance.\n",
        encoding="utf-8",
    )
    quotes = "".join(
        f'      - source: "src"\n        quote: "The two leaders met in Washington on Monday {i}"\n'
        for i in range(count)
    )
    (folder / "events.yaml").write_text(
        'version: "1"\nthemes: {}\nevents:\n  - id: "e"\n    date: "2023"\n    title: "t"\n'
        f'    summary: "s"\n    themes: []\n    status: "occurred"\n    sources:\n{quotes}',
        encoding="utf-8",
    )
    return folder


def test_hints_stop_when_their_search_budget_is_spent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of many wrong quotes against a huge article must not stall the load:
    past a budget of work, the errors come without a closest passage."""
    folder = _wrong_quotes(tmp_path, 4)
    article_cost = len(normalize("The two leaders met in Washington on Monday 0")) * 80
    monkeypatch.setattr(timeline.loader, "HINT_BUDGET", 2 * article_cost + 100)
    with pytest.raises(DatasetError) as caught:
        load_dataset(folder)
    hints = [d.hint or "" for d in caught.value.diagnostics if d.code == "quote-not-found"]
    assert len(hints) == 4
    assert [h.startswith("closest passage") for h in hints] == [True, True, False, False]
    assert "would take too long" in hints[3]


def test_a_long_wrong_quote_still_gets_a_hint(tmp_path: Path) -> None:
    folder = _wrong_quotes(tmp_path, 0)
    article = "Officials met. " + "The talks covered trade, security and space. " * 300
    source = folder / "sources" / "src.txt"
    front_matter = source.read_text().rsplit("---\n", 1)[0]
    source.write_text(f"{front_matter}---\n{article}")
    long_quote = "Officials met. " + "The talks covered trade, security and spice. " * 100
    events = (folder / "events.yaml").read_text() + (
        f'      - source: "src"\n        quote: "{long_quote}"\n'
    )
    (folder / "events.yaml").write_text(events)
    with pytest.raises(DatasetError) as caught:
        load_dataset(folder)
    (miss,) = caught.value.diagnostics
    assert miss.hint is not None and "sources/src.txt:8:1: “Officials met." in miss.hint


def test_articles_beyond_the_total_limit_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _wrong_quotes(tmp_path, 0)
    text = (folder / "sources" / "src.txt").read_text()
    for name in ("b", "c"):
        (folder / "sources" / f"{name}.txt").write_text(text.replace('id: "src"', f'id: "{name}"'))
    monkeypatch.setattr(timeline.loader, "MAX_SOURCES_TOTAL_BYTES", len(text) + 1)
    with pytest.raises(DatasetError) as caught:
        load_dataset(folder)
    (diagnostic,) = [d for d in caught.value.diagnostics if d.code == "too-large"]
    assert diagnostic.file.endswith("src.txt")  # b and c were read first, in name order
    assert "not read" in diagnostic.message


@pytest.mark.parametrize("name", ["\x00", "a" * 5000, "a/" * 3000, "/dev/null"])
def test_impossible_paths_are_diagnostics_not_tracebacks(name: str) -> None:
    with pytest.raises(DatasetError) as caught:
        load_dataset(name)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code in {"read-error", "not-a-file"}


def test_the_tree_keeps_nested_values_and_drops_refused_ones() -> None:
    """Mappings and lists inside lists and as values are kept where they stand; the
    value of a duplicate key, and of a key that is itself a list, is dropped."""
    text = "a: [x, {b: c}]\na: [2]\n? [k]\n: {d: e}\nf:\n  - g: [h]\n    i: {}\n"
    diagnostics: list[Diagnostic] = []
    root = parse_strict(text, "x.yaml", diagnostics)
    assert isinstance(root, YMap) and list(root.items) == ["a", "f"]
    a, f = root.items["a"], root.items["f"]
    assert isinstance(a, YSeq) and root.value_at["a"] == a.at == (1, 4)
    assert a.items[0] == "x" and a.item_at == [(1, 5), (1, 8)]
    assert isinstance(a.items[1], YMap) and a.items[1].items == {"b": "c"}
    assert isinstance(f, YSeq) and f.at == (6, 3)
    item = f.items[0]
    assert isinstance(item, YMap) and item.at == (6, 5)
    g, i = item.items["g"], item.items["i"]
    assert isinstance(g, YSeq) and g.items == ["h"] and item.value_at["g"] == (6, 8)
    assert isinstance(i, YMap) and i.items == {} and item.value_at["i"] == (7, 8)
    assert [(d.line, d.code) for d in diagnostics] == [(2, "duplicate-key"), (3, "yaml-key")]


def _objects_tracked_after_parsing(folder: Path) -> int:
    """How many objects the collector tracks once the events are parsed (and checked as
    they were parsed), after a full collection has untracked whatever it can."""
    counts: list[int] = []

    def progress(fraction: float) -> None:
        if fraction == 0.75 and not counts:  # the parse is over: the events are built
            gc.collect()
            counts.append(len(gc.get_objects()))

    load_dataset(folder, progress=progress)
    return counts[0]


def test_parsed_events_leave_the_collector_nothing_per_event(tmp_path: Path) -> None:
    """Each full collection during a load walks what the collector tracks: were a
    position or a tuple kept per event (a `Located` is never untracked), the collections
    of a 100,000-event load walked them all, again and again (1.5 s of 36 s)."""
    generate = runpy.run_path(str(ROOT / "benchmarks" / "generate.py"))["generate"]
    generate(300, tmp_path / "small", seed=5)
    generate(3000, tmp_path / "large", seed=5)
    small = _objects_tracked_after_parsing(tmp_path / "small")
    large = _objects_tracked_after_parsing(tmp_path / "large")
    assert large - small < 500, f"{small} objects tracked at 300 events, {large} at 3,000"
