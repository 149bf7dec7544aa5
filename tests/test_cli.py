"""The command line, through `main(argv)`: check, list, show, usage errors, the TUI entry.

Expected results come from the core (`EventIndex`, `Filter`) and from the files on disk,
never from hard-coded lists, so the tests follow the dataset as it grows.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import timeline.ui
from timeline.cli import main
from timeline.dates import day_number
from timeline.loader import Loaded, bundled_dataset_path, load_dataset
from timeline.model import Event, Status
from timeline.query import EventIndex, Filter
from timeline.text import normalize

ROOT = Path(__file__).resolve().parents[1]
DIAGNOSTIC = re.compile(r"^(?P<file>\S+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning) \[")
# Anything a terminal would act on: C0 controls (but the tab and newline the CLI writes
# itself), DEL and C1 controls.
TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@cache
def bundled() -> Loaded:
    return load_dataset()


@pytest.fixture
def index() -> EventIndex:
    return EventIndex(bundled().dataset)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ids_of(index: EventIndex, filt: Filter) -> list[str]:
    return [index.events[p].id for p in index.apply(filt)]


def list_ids(capsys: pytest.CaptureFixture[str], *flags: str) -> list[str]:
    code, out, err = run(capsys, "list", "--format", "json", *flags)
    assert code == 0, err
    return [event["id"] for event in json.loads(out)]


def copy_bundled(tmp_path: Path) -> Path:
    """A writable copy of the bundled dataset (the links in the package are followed)."""
    target = tmp_path / "data"
    source = bundled_dataset_path()
    target.mkdir()
    shutil.copyfile(source / "events.yaml", target / "events.yaml")
    shutil.copytree(source / "sources", target / "sources")
    return target


# -- a small dataset written from scratch -------------------------------------------------

ARTICLE = (
    "Alpha Ministers met in Lisbon on Tuesday to sign the harbour agreement after "
    "months of talks.\n"
    "The harbour agreement will be reviewed by the parliament in the spring of next year.\n"
)
ARTICLE_QUOTE = "Ministers met in Lisbon on Tuesday to sign the harbour agreement"


def front_matter(source_id: str, title: str = "Harbour pact signed") -> str:
    return (
        "---\n"
        f'id: "{source_id}"\n'
        f'title: "{title}"\n'
        'outlet: "The Test Gazette"\n'
        'published: "2023-03-15"\n'
        'published_basis: "printed in the dateline"\n'
        'kind: "report"\n'
        "---\n"
    )


def event_yaml(
    event_id: str = "harbour-pact",
    *,
    title: str = "Harbour pact signed",
    quote: str = ARTICLE_QUOTE,
    themes: str = '["trade"]',
    actors: str = '["Alpha"]',
    extra: str = "",
) -> str:
    return (
        f'  - id: "{event_id}"\n'
        '    date: "2023-03-14"\n'
        f'    title: "{title}"\n'
        '    summary: "The ministers signed the harbour agreement."\n'
        f"    themes: {themes}\n"
        f"    actors: {actors}\n"
        '    places: ["Lisbon"]\n'
        '    status: "occurred"\n'
        "    date_basis: \"'on Tuesday' before the 15 March report\"\n"
        f"{extra}"
        "    sources:\n"
        '      - source: "gazette"\n'
        f'        quote: "{quote}"\n'
    )


def write_dataset(
    folder: Path,
    events: str,
    *,
    article: str = ARTICLE,
    source_title: str = "Harbour pact signed",
    theme_label: str = "Trade",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources").mkdir(exist_ok=True)
    (folder / "sources" / "gazette.txt").write_text(
        front_matter("gazette", source_title) + article, encoding="utf-8"
    )
    (folder / "events.yaml").write_text(
        'version: "1"\n'
        "themes:\n"
        "  trade:\n"
        f'    label: "{theme_label}"\n'
        '    description: "Trade and harbours."\n'
        "events:\n" + events,
        encoding="utf-8",
    )
    return folder


# -- check --------------------------------------------------------------------------------


def test_check_bundled_dataset_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check")
    dataset = bundled().dataset
    assert code == 0, out + err
    assert out.splitlines()[-1].startswith(f"ok: {len(dataset.events)} events")
    assert not any(DIAGNOSTIC.match(line) and " error [" in line for line in out.splitlines())


def test_check_json_on_bundled_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert report["ok"] is True
    assert report["errors"] == 0
    assert report["warnings"] == len(bundled().warnings) == len(report["diagnostics"])


def break_copy(tmp_path: Path) -> tuple[Path, list[int]]:
    """A copy of the bundled dataset with a changed quote and an unknown theme; returns
    the folder and the events.yaml lines of the two problems."""
    folder = copy_bundled(tmp_path)
    events = folder / "events.yaml"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    quote_line = next(i for i, line in enumerate(lines) if line.strip().startswith("quote:"))
    lines[quote_line] = lines[quote_line].replace('quote: "', 'quote: "Nobody wrote this: ', 1)
    theme_line = next(
        i for i, line in enumerate(lines) if i > quote_line and line.strip().startswith("themes:")
    )
    lines[theme_line] = lines[theme_line].replace("themes: [", 'themes: ["no-such-theme", ', 1)
    events.write_text("".join(lines), encoding="utf-8")
    return folder, [quote_line + 1, theme_line + 1]


def test_check_broken_copy_reports_every_problem_at_file_line_col(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder, problem_lines = break_copy(tmp_path)
    code, out, _ = run(capsys, "check", str(folder))
    assert code == 1
    errors = [m for m in map(DIAGNOSTIC.match, out.splitlines()) if m and m["sev"] == "error"]
    assert {int(m["line"]) for m in errors if m["file"].endswith("events.yaml")} >= set(
        problem_lines
    )
    assert out.splitlines()[-1].startswith(f"{len(errors)} error")


def test_check_broken_copy_as_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder, problem_lines = break_copy(tmp_path)
    code, out, _ = run(capsys, "check", str(folder), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["ok"] is False
    errors = [d for d in report["diagnostics"] if d["severity"] == "error"]
    assert report["errors"] == len(errors) >= 2
    assert report["warnings"] == len(report["diagnostics"]) - len(errors)
    assert {d["line"] for d in errors} >= set(problem_lines)
    assert all({"file", "line", "column", "code", "message", "hint"} <= d.keys() for d in errors)


def test_check_accepts_the_events_file_itself(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(bundled_dataset_path() / "events.yaml"))
    assert code == 0
    assert out.splitlines()[-1].startswith("ok:")


def test_check_warnings_alone_exit_zero_and_are_printed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The quote occurs twice in the article: a warning, not an error.
    folder = write_dataset(
        tmp_path / "ds",
        event_yaml(quote="The harbour agreement will be reviewed by the parliament"),
        article=ARTICLE + ARTICLE.splitlines(keepends=True)[1],
    )
    code, out, _ = run(capsys, "check", str(folder))
    warnings = [m for m in map(DIAGNOSTIC.match, out.splitlines()) if m]
    assert code == 0, out
    assert warnings
    assert all(m["sev"] == "warning" for m in warnings)
    code, out, _ = run(capsys, "check", str(folder), "--format", "json")
    report = json.loads(out)
    assert (code, report["ok"], report["errors"]) == (0, True, 0)
    assert report["warnings"] == len(warnings)


def test_check_missing_path_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "check", str(tmp_path / "nowhere"))
    assert code == 2
    assert out == ""
    assert "error: no dataset at" in err
    assert "Traceback" not in err


def test_check_folder_without_events_file_is_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert code == 1
    assert any(DIAGNOSTIC.match(line) for line in out.splitlines())


# -- list ---------------------------------------------------------------------------------


def most_common_actor() -> str:
    counts = Counter(a for e in bundled().dataset.events for a in e.actors)
    return counts.most_common(1)[0][0]


def filter_cases() -> list[tuple[list[str], Filter]]:
    """(flags, the Filter they mean), built from the bundled data and written out by hand
    (day numbers from calendar dates, not from the CLI's own EDTF parsing)."""
    dataset = bundled().dataset
    first, second = dataset.themes[0].id, dataset.themes[1].id
    actor = most_common_actor()
    word = next(w for w in dataset.events[0].title.split() if len(w) > 4)
    return [
        (["--theme", first], Filter(themes=frozenset({first}))),
        (["--theme", first, "--theme", second], Filter(themes=frozenset({first, second}))),
        (
            ["--theme", first, "--theme", second, "--match-all-themes"],
            Filter(themes=frozenset({first, second}), all_themes=True),
        ),
        (["--actor", actor], Filter(actors=frozenset({actor}))),
        (["--source", dataset.sources[0].id], Filter(sources=frozenset({dataset.sources[0].id}))),
        (["--status", "planned"], Filter(statuses=frozenset({Status.PLANNED}))),
        (
            ["--status", "planned", "--status", "scheduled"],
            Filter(statuses=frozenset({Status.PLANNED, Status.SCHEDULED})),
        ),
        (["--from", "2024"], Filter(date_from=day_number(2024, 1, 1))),
        (["--to", "2023-05"], Filter(date_to=day_number(2023, 5, 31))),
        (["--to", "2022"], Filter(date_to=day_number(2022, 12, 31))),  # the year's last day
        (
            ["--from", "2023-05-19", "--to", "2023-05-21"],
            Filter(date_from=day_number(2023, 5, 19), date_to=day_number(2023, 5, 21)),
        ),
        (["--search", word.upper()], Filter(text=word)),
        (
            ["--theme", first, "--status", "occurred", "--from", "2023"],
            Filter(
                themes=frozenset({first}),
                statuses=frozenset({Status.OCCURRED}),
                date_from=day_number(2023, 1, 1),
            ),
        ),
    ]


def test_list_each_filter_flag_matches_the_core(
    capsys: pytest.CaptureFixture[str], index: EventIndex
) -> None:
    for flags, filt in filter_cases():
        expected = ids_of(index, filt)
        assert list_ids(capsys, *flags) == expected, flags


def test_filters_select_something_and_not_everything(index: EventIndex) -> None:
    # Guards the test above against filters that trivially match all or nothing.
    sizes = [len(index.apply(filt)) for _, filt in filter_cases()]
    assert all(0 < size < len(index) for size in sizes), sizes


def test_list_without_filters_is_every_event_in_date_order(
    capsys: pytest.CaptureFixture[str], index: EventIndex
) -> None:
    ids = list_ids(capsys)
    assert ids == [e.id for e in index.events]
    keys = [bundled().dataset.event(i).date.sort_key for i in ids]
    assert keys == sorted(keys)


def test_list_values_are_matched_case_insensitively(
    capsys: pytest.CaptureFixture[str], index: EventIndex
) -> None:
    actor = most_common_actor()
    assert list_ids(capsys, "--actor", actor.swapcase(), "--status", "PLANNED") == ids_of(
        index, Filter(actors=frozenset({actor}), statuses=frozenset({Status.PLANNED}))
    )


def test_list_json_carries_the_events(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--format", "json", "--status", "planned")
    assert code == 0
    for record in json.loads(out):
        event = bundled().dataset.event(record["id"])
        assert record["date"]["edtf"] == event.date.text
        assert record["title"] == event.title
        assert record["themes"] == list(event.themes)
        assert [q["text"] for q in record["quotes"]] == [q.text for q in event.quotes]


def test_list_plain_is_the_default_when_piped(
    capsys: pytest.CaptureFixture[str], index: EventIndex
) -> None:
    theme = bundled().dataset.themes[2].id
    code, out, _ = run(capsys, "list", "--theme", theme)
    expected = [index.events[p] for p in index.apply(Filter(themes=frozenset({theme})))]
    rows = [line.split("\t") for line in out.splitlines()]
    assert code == 0
    assert [row[1] for row in rows] == [e.id for e in expected]
    assert [row[0] for row in rows] == [e.date.text for e in expected]
    assert all(row[4] == e.title for row, e in zip(rows, expected, strict=True))
    assert all(len(row) == 5 for row in rows)


def test_list_csv(capsys: pytest.CaptureFixture[str], index: EventIndex) -> None:
    code, out, _ = run(capsys, "list", "--format", "csv", "--from", "2024")
    rows = list(csv.DictReader(io.StringIO(out)))
    expected = [index.events[p] for p in index.apply(Filter(date_from=day_number(2024, 1, 1)))]
    assert code == 0
    assert [r["id"] for r in rows] == [e.id for e in expected]
    assert [r["title"] for r in rows] == [e.title for e in expected]
    assert [r["sources"] for r in rows] == ["\n".join(e.source_ids) for e in expected]
    assert out.endswith("\r\n")  # RFC 4180 row ends


@pytest.mark.parametrize(
    "flags", [[], ["--theme", "space"], ["--search", "summit", "--to", "2023"]]
)
def test_list_and_export_give_the_same_record_per_event(
    capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    _, listed, _ = run(capsys, "list", "--format", "json", *flags)
    _, exported, _ = run(capsys, "export", "--format", "json", *flags)
    records = json.loads(listed)
    assert records == json.loads(exported)["events"]
    assert 0 < len(records) <= len(bundled().dataset.events)
    assert bool(flags) == (len(records) < len(bundled().dataset.events))  # the filters hold

    _, listed, _ = run(capsys, "list", "--format", "csv", *flags)
    _, exported, _ = run(capsys, "export", "--format", "csv", *flags)
    assert listed == exported  # same header, rows, list separator and line ends
    rows = list(csv.DictReader(io.StringIO(listed, newline="")))
    assert [row["id"] for row in rows] == [record["id"] for record in records]


def test_list_table(
    capsys: pytest.CaptureFixture[str], index: EventIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # wide enough that no title wraps
    source = bundled().dataset.sources[0].id
    code, out, _ = run(capsys, "list", "--format", "table", "--source", source)
    expected = [index.events[p] for p in index.apply(Filter(sources=frozenset({source})))]
    assert code == 0
    assert f"{len(expected)} of {len(index)} events" in out
    for event in expected:
        assert event.title in out
        assert event.id in out
    others = [e for e in index.events if e not in expected]
    assert not any(e.id in out.split() for e in others)


# -- show ---------------------------------------------------------------------------------


def located_text(source_path: Path, line: int, column: int, length: int) -> str:
    """`length` characters of the file from 1-based line:column."""
    text = source_path.read_text(encoding="utf-8").removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    offset = sum(len(x) for x in lines[: line - 1]) + column - 1
    return text[offset : offset + length]


def event_with_most_quotes() -> Event:
    return max(bundled().dataset.events, key=lambda e: len(e.quotes))


def test_show_text_lists_each_quote_where_it_sits(capsys: pytest.CaptureFixture[str]) -> None:
    event = event_with_most_quotes()
    code, out, _ = run(capsys, "show", event.id)
    assert code == 0
    assert out.splitlines()[0] == event.title
    for quote in event.quotes:
        source = bundled().dataset.source(quote.source_id)
        assert f"{source.path}:{quote.span.line}:{quote.span.column}\n" in out
        assert quote.text in out
        assert source.outlet in out


def test_show_json_spans_match_the_source_text(capsys: pytest.CaptureFixture[str]) -> None:
    dataset = bundled().dataset
    root = Path(dataset.root)
    for event in dataset.events:
        code, out, _ = run(capsys, "show", event.id, "--format", "json")
        record = json.loads(out)
        assert code == 0
        assert record["id"] == event.id
        assert len(record["quotes"]) == len(event.quotes)
        for q in record["quotes"]:
            source = dataset.source(q["source"])
            span = q["span"]
            excerpt = source.text[span["start"] : span["end"]]
            assert normalize(excerpt) == normalize(q["text"])
            # The line:col points into the file at the same excerpt.
            path = (
                root / source.path if (root / source.path).exists() else root.parent / source.path
            )
            assert located_text(path, span["line"], span["column"], len(excerpt)) == excerpt


def test_show_unknown_event_suggests_close_ids(capsys: pytest.CaptureFixture[str]) -> None:
    event = bundled().dataset.events[3]
    typo = event.id[:-1] + ("x" if event.id[-1] != "x" else "y")
    code, out, err = run(capsys, "show", typo)
    assert code == 2
    assert out == ""
    assert "unknown event" in err
    assert f"did you mean '{event.id}'" in err


# -- usage errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["list", "--from", "2023-13"], "--from"),
        (["list", "--to", "May 2023"], "--to"),
        (["list", "--from", "2024", "--to", "2023"], "after"),
        (["list", "--status", "happened"], "unknown status"),
        (["list", "--format", "yaml"], "invalid choice"),
        (["check", "--format", "xml"], "invalid choice"),
        (["list", "--no-such-flag"], "unrecognized arguments"),
        (["show"], "required"),
        (["show", "an-id", "a-path", "one-too-many"], "unrecognized arguments"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_unknown_theme_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    theme = max(bundled().dataset.themes, key=lambda t: len(t.id)).id
    typo = theme[0] + theme[2] + theme[1] + theme[3:]  # two letters swapped
    code, _, err = run(capsys, "list", "--theme", typo)
    assert code == 2
    assert f"unknown theme '{typo}'; did you mean '{theme}'" in err


def test_unknown_actor_and_source_suggest_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    actor = most_common_actor()
    code, _, err = run(capsys, "list", "--actor", actor[:-1])
    assert code == 2
    assert f"did you mean '{actor}'" in err
    source = bundled().dataset.sources[0].id
    code, _, err = run(capsys, "list", "--source", source + "s")
    assert code == 2
    assert f"did you mean '{source}'" in err


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert all(name in out for name in ("check", "list", "show", "open"))
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith("timeline ")


# -- hostile data -------------------------------------------------------------------------

HOSTILE_TITLE = r"[@click=app.quit]Click[/] [bold]not bold[/] \e[2J\e]52;c;aGk=\a :smile: \x9b31m"
"""As written in YAML (double-quoted escapes): markup, an emoji code, a clear-screen, an
OSC 52 clipboard write and a C1 CSI."""
HOSTILE_MARKUP = ("[@click=app.quit]Click[/]", "[bold]not bold[/]", ":smile:")


def hostile_folder(tmp_path: Path) -> Path:
    return write_dataset(
        tmp_path / "hostile",
        event_yaml(
            title=HOSTILE_TITLE,
            actors=r'["[link=https://x]Alpha[/link] \e[31m"]',
        ),
        source_title=r"[red]Gazette[/red] \e]8;;http://x\e\\",
        theme_label=r"[blink]Trade[/] \x9b",
    )


def assert_safe(output: str) -> None:
    assert TERMINAL_CONTROLS.search(output) is None, repr(output)


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--format", "plain"],
        ["list", "--format", "table"],
        ["list", "--format", "csv"],
        ["show", "harbour-pact"],
    ],
)
def test_hostile_text_is_shown_literally_and_sanitised(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    folder = hostile_folder(tmp_path)
    code, out, err = run(capsys, *argv, str(folder))
    assert code == 0, err
    # CSV rows end in CRLF (RFC 4180): a CR right before the LF moves nothing on screen.
    assert_safe(out.replace("\r\n", "\n") + err)
    for markup in HOSTILE_MARKUP:
        assert markup in out
    assert "😄" not in out
    assert "␛[2J" in out  # the escape is visible, not obeyed
    assert "⍰31m" in out  # C1 CSI made visible


@pytest.mark.parametrize("argv", [["list", "--format", "json"], ["show", "harbour-pact"]])
def test_hostile_json_round_trips_and_is_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    folder = hostile_folder(tmp_path)
    dataset = load_dataset(folder).dataset
    code, out, _ = run(capsys, *argv, "--format", "json", str(folder))
    assert code == 0
    assert_safe(out)
    data: Any = json.loads(out)
    record = data[0] if isinstance(data, list) else data
    event = dataset.event("harbour-pact")
    assert record["title"] == event.title  # the exact data, escapes and all
    assert "\x1b[2J" in record["title"] and "\x9b" in record["title"]
    assert record["actors"] == list(event.actors)


def test_hostile_diagnostics_are_sanitised(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = write_dataset(tmp_path / "bad", event_yaml(themes=r'["[bold]x\e[2J\x9b"]'))
    for argv in (["check", str(folder)], ["list", str(folder)], [str(folder)]):
        code, out, err = run(capsys, *argv)
        assert code == 1
        assert_safe(out + err)
        assert any(DIAGNOSTIC.match(line) for line in (out + err).splitlines())


def test_hostile_usage_error_is_sanitised(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list", "--theme", "\x1b[2J[bold]x")
    assert code == 2
    assert_safe(err)
    assert "␛[2J[bold]x" in err


# -- the TUI entry ------------------------------------------------------------------------


@pytest.fixture
def tui_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace the TUI with a recorder: the tests never start Textual. Each call records
    the app's arguments, with `loaded` the data it starts on (handed over checked, or
    loaded from the store its preview rows come from); `how` says which."""
    calls: list[dict[str, Any]] = []

    def fake_make_app(path: Any, **kwargs: Any) -> None:
        loaded, preview = kwargs.pop("loaded", None), kwargs.pop("preview", None)
        how = "checked" if loaded is not None else "store" if preview is not None else "lazy"
        if preview is not None:
            loaded = preview.loaded()
        calls.append({"path": path, "loaded": loaded, "how": how, **kwargs})

    monkeypatch.setattr(timeline.ui, "make_app", fake_make_app)
    monkeypatch.setattr(timeline.ui, "run_app", lambda app: 0)
    return calls


def test_no_command_opens_the_tui_on_the_bundled_dataset(
    capsys: pytest.CaptureFixture[str], tui_calls: list[dict[str, Any]]
) -> None:
    code, _, _ = run(capsys)
    assert code == 0
    [call] = tui_calls
    dataset = call["loaded"].dataset
    assert tuple(map(dataset.full, dataset.events)) == bundled().dataset.events
    assert (call["event"], call["themes"], call["search"]) == (None, (), None)


def test_deep_link_flags_reach_the_tui(
    capsys: pytest.CaptureFixture[str], tui_calls: list[dict[str, Any]]
) -> None:
    dataset = bundled().dataset
    event = dataset.events[-1].id
    first, second = dataset.themes[0].id, dataset.themes[1].id
    argv = ["--event", event, "--theme", first, "--theme", second, "--search", "summit"]
    assert run(capsys, *argv)[0] == 0
    assert run(capsys, "open", *argv)[0] == 0
    for call in tui_calls:
        assert call["event"] == event
        assert call["themes"] == (first, second)
        assert call["search"] == "summit"
    assert len(tui_calls) == 2


def test_tui_path_and_a_folder_named_like_a_command(
    capsys: pytest.CaptureFixture[str],
    tui_calls: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = write_dataset(tmp_path / "check", event_yaml())
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "./check", "--event", "harbour-pact")[0] == 0
    assert run(capsys, "--", "check")[0] == 0
    assert [c["loaded"].dataset.event("harbour-pact").title for c in tui_calls] == [
        "Harbour pact signed"
    ] * 2
    assert tui_calls[0]["event"] == "harbour-pact"
    # As the first argument, `check` is the command (on the bundled data), not the folder.
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert f"{len(bundled().dataset.events)} events" in out
    assert len(tui_calls) == 2
    assert folder.is_dir()


def test_tui_usage_errors_exit_2_before_the_tui(
    capsys: pytest.CaptureFixture[str], tui_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    event = bundled().dataset.events[0].id
    cases = [
        (["--event", event[:-1]], f"did you mean '{event}'"),
        (["--theme", "no-such-theme"], "unknown theme"),
        ([str(tmp_path / "missing")], "no dataset at"),
        (["--event", event, "list"], "put it first"),
        (["lsit"], "did you mean the command 'list'?"),  # a typo, not a folder
    ]
    for argv, message in cases:
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        assert message in err
    assert tui_calls == []


def test_broken_dataset_exits_1_before_the_tui(
    capsys: pytest.CaptureFixture[str], tui_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    folder, problem_lines = break_copy(tmp_path)
    # `timeline PATH` alone takes a shortcut past argparse: the same checks.
    for flags in (["--event", bundled().dataset.events[0].id], []):
        code, out, err = run(capsys, str(folder), *flags)
        assert code == 1
        assert tui_calls == []
        assert out == ""
        lines = {int(m["line"]) for m in map(DIAGNOSTIC.match, err.splitlines()) if m}
        assert lines >= set(problem_lines)


# -- the real entry points ----------------------------------------------------------------


@pytest.mark.parametrize("entry", [["-m", "timeline"], [str(ROOT / "app.py")]])
def test_entry_points_run_check(entry: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, *entry, "check"],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # away from the checkout: the bundled data must still be found
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("ok:")


def test_a_large_events_file_opens_the_tui_at_once_and_loads_behind_it(
    capsys: pytest.CaptureFixture[str],
    tui_calls: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")  # no store, whose rows would come first
    folder = write_dataset(tmp_path / "big", event_yaml())
    size = (folder / "events.yaml").stat().st_size
    monkeypatch.setattr(timeline.cli, "LAZY_OPEN_BYTES", size + 1)
    assert run(capsys, str(folder))[0] == 0
    assert [c["how"] for c in tui_calls] == ["checked"]  # under the threshold: eager

    monkeypatch.setattr(timeline.cli, "LAZY_OPEN_BYTES", size)
    assert run(capsys, str(folder), "--event", "harbour-pact", "--search", "pact")[0] == 0
    call = tui_calls[1]
    assert (call["how"], Path(call["path"])) == ("lazy", folder)
    assert (call["event"], call["themes"], call["search"]) == ("harbour-pact", (), "pact")


def test_a_fresh_store_opens_the_tui_on_its_rows(
    capsys: pytest.CaptureFixture[str], tui_calls: list[dict[str, Any]], dataset_copy: Path
) -> None:
    assert run(capsys, str(dataset_copy))[0] == 0  # the first start writes the store
    assert run(capsys, str(dataset_copy), "--theme", "space")[0] == 0
    assert [c["how"] for c in tui_calls] == ["checked", "store"]
    first, second = (c["loaded"].dataset for c in tui_calls)
    assert tuple(map(second.full, second.events)) == tuple(map(first.full, first.events))
    assert tui_calls[1]["themes"] == ("space",)
    # Unknown deep links are usage errors before any TUI, from the store as from the data.
    code, _, err = run(capsys, str(dataset_copy), "--theme", "spac")
    assert code == 2 and "spac" in err
    code, _, err = run(capsys, str(dataset_copy), "--event", "nope")
    assert code == 2 and "nope" in err
    assert len(tui_calls) == 2


@pytest.mark.parametrize("path", ["x" * 5000, "a\x00b"])
def test_an_impossible_path_is_a_usage_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], path: str
) -> None:
    code, _, err = run(capsys, "check", path)
    assert code == 2
    assert "no dataset at" in err
    assert "\x00" not in err
