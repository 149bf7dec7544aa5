"""Start-up: what the first frame waits for, and that what comes after it still works.

`timeline` with no arguments (the bundled dataset, from a warm cache) must reach its
first frame without PyYAML or the loader, and the main screen paints the events before
the sidebar's controls are mounted (`FilterSidebar.fill`, right after). These tests check
that the deferral is invisible: same layout, keys that work at once, deep links applied.
From the second start on, a small dataset's rows snapshot is painted as the first frame,
in the main screen's place, and the keys pressed before the main screen reach it.
Timings themselves live in `benchmarks/`, not here.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Input, SelectionList
from tui_support import bundled, make_app, screen_lines

import timeline.cli
import timeline.prefill
from timeline.query import EventIndex, Filter
from timeline.snapshot import build_snapshot
from timeline.ui.app import TimelineApp
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.sidebar import FacetList, FilterSidebar
from timeline.ui.widgets.timeline_view import TimelineView

ROOT = Path(__file__).resolve().parents[1]
FULL = (160, 50)
"""Wide enough for the sidebar to show at start (`layout.SIDEBAR_WIDTH`)."""


def _run_python(code: str, cache: Path) -> dict[str, Any]:
    """Run `code` in a fresh interpreter with its own cache folder; it prints JSON."""
    env = {**os.environ, "TIMELINE_CACHE_DIR": str(cache)}
    env.pop("TIMELINE_NO_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


_WARM_START = """
import json, sys
import timeline.cli
after_cli = sorted(sys.modules)
from timeline.cache import load_with_cache
loaded = load_with_cache(None)
print(json.dumps({
    "after_cli": after_cli,
    "after_load": sorted(sys.modules),
    "events": [e.id for e in loaded.dataset.events],
    "warnings": len(loaded.warnings),
}))
"""


def test_a_warm_start_imports_neither_pyyaml_nor_the_loader(tmp_path: Path) -> None:
    cold = _run_python(_WARM_START, tmp_path)  # fills the cache: the loader runs
    assert "yaml" in cold["after_load"]
    warm = _run_python(_WARM_START, tmp_path)
    # The same dataset, read back from the cache without the YAML stack.
    assert warm["events"] == cold["events"] == [e.id for e in bundled().dataset.events]
    assert warm["warnings"] == cold["warnings"]
    for module in ("yaml", "timeline.loader", "timeline.strictyaml", "timeline.provenance"):
        assert module not in warm["after_load"], module
    # The CLI itself imports only what every command needs.
    for module in ("timeline.cache", "timeline.query", "textual", "rich", "csv", "difflib"):
        assert module not in warm["after_cli"], module


def test_the_loader_still_exports_what_moved_to_the_model() -> None:
    import timeline.loader as loader
    import timeline.model as model

    for name in (
        "Loaded",
        "ProgressCallback",
        "bundled_dataset_path",
        "resolve_dataset",
        "DEFAULT_MAX_BYTES",
        "MAX_SOURCE_BYTES",
    ):
        assert getattr(loader, name) is getattr(model, name), name
        assert name in loader.__all__
    assert isinstance(loader.load_dataset(), model.Loaded)


def _main(app: App[Any]) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def test_the_first_frame_shows_the_events_and_the_sidebar_keeps_its_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At the first frame the rows are there and the sidebar is its empty panel, at the
    width it keeps once the controls are mounted: nothing moves."""
    first: list[tuple[bool, int, Any, Any]] = []
    original = App._display

    def display(app: App[Any], screen: Any, renderable: Any) -> None:
        original(app, screen, renderable)
        painted = renderable is not None and not app._batch_count
        if painted and not first and isinstance(screen, MainScreen):
            sidebar = screen.query_one(FilterSidebar)
            timeline = screen.query_one(TimelineView)
            rows = len(timeline.rows.rows)
            first.append((sidebar.filled, rows, sidebar.region, timeline.region))

    monkeypatch.setattr(App, "_display", display)
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        main = _main(app)
        sidebar = main.query_one(FilterSidebar)
        assert first, "no frame was painted"
        filled_then, rows_then, sidebar_then, timeline_then = first[0]
        assert not filled_then  # the controls came after the first frame ...
        assert rows_then > 0  # ... which already showed the events
        await sidebar.fill()
        await pilot.pause()
        assert sidebar.filled
        assert sidebar.query_one("#search", Input)
        assert len(sidebar.query(FacetList)) == 4
        # Same place and size before and after: the layout did not jump.
        assert sidebar.region == sidebar_then
        assert main.query_one(TimelineView).region == timeline_then


def _skip_first_fill(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the screen's own fill (after its first frame) do nothing, so that the
    sidebar is still empty when the test presses its first key."""
    original = FilterSidebar.fill
    skipped: set[int] = set()

    async def fill(self: FilterSidebar) -> None:
        if id(self) not in skipped:
            skipped.add(id(self))
            return
        await original(self)

    monkeypatch.setattr(FilterSidebar, "fill", fill)


async def test_slash_before_the_sidebar_is_filled_still_reaches_the_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _skip_first_fill(monkeypatch)
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        main = _main(app)
        assert not main.query_one(FilterSidebar).filled
        await pilot.press("slash")
        search = main.query_one("#search", Input)
        assert app.focused is search
        await pilot.pause()
        # Focused once placed: the sidebar did not scroll to where the box was not yet.
        assert main.query_one(FilterSidebar).scroll_y == 0
        await pilot.press(*"summit")
        await pilot.pause()
        assert main.filter.text == "summit"
        index = EventIndex(bundled().dataset)
        assert main.query_one(TimelineView).rows.positions == index.apply(Filter(text="summit"))


async def test_t_before_the_sidebar_is_filled_still_reaches_the_themes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _skip_first_fill(monkeypatch)
    app = make_app()
    theme = bundled().dataset.themes[0].id
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        main = _main(app)
        await pilot.press("t")
        themes = main.query_one("#themes", SelectionList)
        assert app.focused is themes
        await pilot.press("space")
        await pilot.pause()
        assert main.filter.themes == frozenset({theme})


async def test_deep_links_reach_the_sidebar_filled_after_the_first_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A filter and date texts given before the controls exist are shown once they are,
    with the counts of the filtered result; until then `date_texts` reports them."""
    _skip_first_fill(monkeypatch)
    dataset = bundled().dataset
    index = EventIndex(dataset)
    theme = dataset.themes[0].id
    wanted = Filter(themes=frozenset({theme}), text="japan")
    result = index.search(wanted)
    assert len(result.positions) > 1
    event = index.events[result.positions[-1]]  # one the filter shows, not the first
    app = make_app(event=event.id, initial_filter=wanted, date_texts=("2023", "2024-12"))
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        main = _main(app)
        sidebar = main.query_one(FilterSidebar)
        assert not sidebar.filled
        assert main.date_texts == ("2023", "2024-12")
        await sidebar.fill()
        await pilot.pause()
        assert main.query_one("#search", Input).value == "japan"
        assert main.query_one("#themes", SelectionList).selected == [theme]
        assert main.date_texts == ("2023", "2024-12")
        assert main.filter == wanted  # showing it did not report edits back up
        assert main.query_one("#themes", FacetList).counts == index.counts(result).themes
        assert main.query_one(TimelineView).rows.positions == result.positions
        assert main.selected_event_id == event.id


async def test_the_sidebar_fills_by_itself_right_after_start() -> None:
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        sidebar = _main(app).query_one(FilterSidebar)
        assert sidebar.filled
        # The controls sit in the focus chain where they always were: Shift+Tab from
        # the timeline goes back to the sidebar's last box.
        timeline: object = _main(app).query_one(TimelineView)
        assert app.focused is timeline
        await pilot.press("shift+tab")
        date_to: object = sidebar.query_one("#date-to", Input)
        assert app.focused is date_to


# -- a small dataset with a rows snapshot: its rows are the first frame ------------------


@pytest.fixture
def captured_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[TimelineApp]]:
    """The apps the CLI starts, kept instead of run (the test runs them headless), with
    a cache folder of their own. The CLI's apps freeze the garbage collector's objects
    and raise its thresholds: undone afterwards."""
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TIMELINE_NO_CACHE", raising=False)
    apps: list[TimelineApp] = []
    monkeypatch.setattr(TimelineApp, "run", lambda self, *a, **k: apps.append(self))
    thresholds = gc.get_threshold()
    try:
        yield apps
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


async def _until_main(app: TimelineApp, pilot: Any) -> MainScreen:
    for _ in range(200):
        if isinstance(app.screen, MainScreen) and app.main_screen is not None:
            break
        await pilot.pause(0.02)
    await pilot.pause()
    return _main(app)


Frame = tuple[str, Any, list[str]]
"""A painted frame: its screen's class name, its timeline's region and lines."""


def _record_frames(monkeypatch: pytest.MonkeyPatch) -> list[Frame]:
    frames: list[Frame] = []
    original = App._display

    def display(app: App[Any], screen: Any, renderable: Any) -> None:
        original(app, screen, renderable)
        if renderable is None or app._batch_count:
            return
        found = screen.query(TimelineView)
        timeline_view = found.first() if found else None
        if timeline_view is None:
            frames.append((type(screen).__name__, None, []))
        else:
            frames.append(
                (type(screen).__name__, timeline_view.region, screen_lines(timeline_view))
            )

    monkeypatch.setattr(App, "_display", display)
    return frames


async def test_plain_timeline_paints_the_rows_first_then_the_main_screen(
    captured_runs: list[TimelineApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`timeline` on the bundled dataset, as the command starts it. The first frame
    painted is the events' rows, exactly where the main screen shows them (same region,
    same lines), and the main screen follows. The first start loads the data before the
    app and writes the rows snapshot once its main screen is up; the next one paints
    the rows from that snapshot and loads the data behind them. (This is the first
    start on one core; with two, a child process writes the snapshot before the first
    frame instead: see test_prefill.py.)"""
    monkeypatch.setattr(timeline.prefill.Prefill, "start", lambda path: None)
    cache = Path(os.environ["TIMELINE_CACHE_DIR"])
    for start in ("first", "warm"):
        frames = _record_frames(monkeypatch)
        assert timeline.cli.main([]) == 0
        app = captured_runs[-1]
        assert (app._loaded is not None) == (start == "first")  # handed over loaded, or not
        async with app.run_test(size=FULL) as pilot:
            main = await _until_main(app, pilot)
            events = main.index.events
            await app.workers.wait_for_complete()
        name, region, lines = frames[0]
        assert name == "LoadingScreen", start  # the rows' screen, before the main one
        assert region is not None
        assert any(events[0].title[:20] in line for line in lines), "no event shown"
        assert sum(" src" in line for line in lines) == len(events)  # all fit at 160x50
        # The main screen's first frame: the same rows, in the same place.
        first_main = next(frame for frame in frames if frame[0] == "MainScreen")
        assert first_main[1:] == (region, lines)
        assert list(cache.glob("*.tlrows")), "no rows snapshot was written"


def _rows_first_app(gate: threading.Event) -> TimelineApp:
    """An app that paints the bundled rows first and loads only once `gate` is set."""
    loaded = bundled()
    index = EventIndex(loaded.dataset)
    rows = build_snapshot(index.events, loaded.dataset.themes)

    def load(*, progress: object = None) -> Any:
        gate.wait(10)
        return loaded

    return TimelineApp(load=load, rows=rows, rows_stamp=b"\0" * 32)


@pytest.mark.parametrize(
    ("keys", "search", "themes", "cursor"),
    [
        (["slash", "k", "i", "s", "h"], "kish", set(), None),  # `/` moves the focus first
        (["t", "space"], "", {"security"}, None),
        (["j", "j", "j"], "", set(), 3),
    ],
)
async def test_keys_pressed_before_the_main_screen_reach_it_in_order(
    keys: list[str], search: str, themes: set[str], cursor: int | None
) -> None:
    gate = threading.Event()
    app = _rows_first_app(gate)
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "LoadingScreen"
        preview = app.screen.query_one(TimelineView)
        await pilot.press(*keys)
        assert preview.cursor_position == 0  # held, not acted on by the rows' screen
        gate.set()
        main = await _until_main(app, pilot)
        for _ in range(100):
            if app._held_keys is None:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        assert main.filter.text == search
        assert main.filter.themes == themes
        assert main.query_one("#search", Input).value == search
        if cursor is not None:
            assert main.query_one(TimelineView).cursor_position == cursor


async def test_keys_go_to_the_rows_screen_if_the_main_screen_is_late(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("timeline.ui.app._HOLD_KEYS_LIMIT", 0.1)
    gate = threading.Event()
    app = _rows_first_app(gate)
    try:
        async with app.run_test(size=FULL) as pilot:
            await pilot.pause()
            preview = app.screen.query_one(TimelineView)
            await pilot.press("j")
            await pilot.pause(0.3)
            assert preview.cursor_position == 1  # the limit passed: the rows moved
            await pilot.press("j")
            await pilot.pause()
            assert preview.cursor_position == 2  # and no longer held
            gate.set()
            main = await _until_main(app, pilot)
            assert main.selected_event_id == main.index.events[2].id  # kept on handover
    finally:
        gate.set()


@pytest.mark.parametrize(
    "argv", [[], ["data"], ["./check"], ["my data/events.yaml"], ["chec"], [""], ["é 1"]]
)
def test_plain_timeline_reads_its_arguments_as_the_parser_would(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`timeline` and `timeline PATH` skip argparse (milliseconds of the first frame),
    with the very arguments the parser gives."""
    parsed, extras = timeline.cli.build_parser(only="open").parse_known_args(["open", *argv])
    assert extras == []
    seen: list[Any] = []

    def run(args: Any) -> int:
        seen.append(args)
        return 0

    monkeypatch.setattr(timeline.cli, "_run", run)
    monkeypatch.setattr(timeline.cli, "build_parser", _no_parser)
    assert timeline.cli.main(argv) == 0
    assert [vars(args) for args in seen] == [vars(parsed)]


def _no_parser(**_: object) -> None:
    raise AssertionError("the shortcut builds no parser")


@pytest.mark.parametrize("argv", [["check"], ["-h"], ["--version"], ["-x"], ["a", "b"]])
def test_anything_else_goes_through_the_parser(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline.cli, "build_parser", _no_parser)
    with pytest.raises(AssertionError, match="builds no parser"):
        timeline.cli.main(argv)


@pytest.mark.parametrize("size", [FULL, (149, 40), (120, 35), (100, 30), (80, 24)])
async def test_the_rows_shown_first_sit_where_the_main_screen_shows_them(
    size: tuple[int, int],
) -> None:
    """Same region and same lines before and after the handover, with and without the
    sidebar's room and in the narrow layout, and after a resize while they show."""
    gate = threading.Event()
    app = _rows_first_app(gate)
    async with app.run_test(size=FULL if size != FULL else (100, 30)) as pilot:
        await pilot.pause()
        await pilot.resize_terminal(*size)
        await pilot.pause()
        preview = app.screen.query_one(TimelineView)
        before = (preview.region, screen_lines(preview))
        gate.set()
        main = await _until_main(app, pilot)
        timeline_view = main.query_one(TimelineView)
        assert (timeline_view.region, screen_lines(timeline_view)) == before
        assert before[0].height > 5 and any(" src" in line for line in before[1])
