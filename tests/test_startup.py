"""Start-up: one screen from the first frame, rows from the store, keys that work at once.

`timeline` on a dataset with a fresh store reaches its first frame without PyYAML or the
loader: the main screen shows the store's rows while the data loads from it, then fills
in place. A small dataset without a store is checked (and stored) before the TUI starts,
so the next start is warm however soon this one ends. Timings live in `benchmarks/`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.widgets import Input, SelectionList
from tui_support import bundled, damage_store, make_app, notifications

import timeline.cli
import timeline.ui
import timeline.ui.app
from timeline.model import Loaded, ProgressCallback
from timeline.query import EventIndex, Filter
from timeline.store import Store, open_dataset, store_path
from timeline.ui.app import TimelineApp
from timeline.ui.screens.article import ArticleScreen
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.detail_pane import DetailPane
from timeline.ui.widgets.key_bar import KeyBar
from timeline.ui.widgets.overview import OverviewStrip
from timeline.ui.widgets.sidebar import FacetList, FilterSidebar
from timeline.ui.widgets.timeline_view import TimelineView

ROOT = Path(__file__).resolve().parents[1]
FULL = (160, 50)
"""Wide enough for the sidebar to show at start (`layout.SIDEBAR_WIDTH`)."""


def _run_python(code: str, cache: Path) -> dict[str, Any]:
    """Run `code` in a fresh interpreter with its own store folder; it prints JSON."""
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
import timeline.ui
after_cli = sorted(sys.modules)
from timeline.store import Store, open_dataset, store_path
store = Store.open(store_path(None), None)
rows = None if store is None else [store.rows().event_id(n) for n in range(3)]
loaded = open_dataset(None, details=False)
print(json.dumps({
    "after_cli": after_cli,
    "after_load": sorted(sys.modules),
    "rows": rows,
    "events": [e.id for e in loaded.dataset.events],
    "warnings": len(loaded.warnings),
}))
"""


def test_a_warm_start_imports_neither_pyyaml_nor_the_loader(tmp_path: Path) -> None:
    cold = _run_python(_WARM_START, tmp_path)  # writes the store: the loader runs
    assert "yaml" in cold["after_load"] and cold["rows"] is None
    warm = _run_python(_WARM_START, tmp_path)
    # The same dataset, read back from the store without the YAML stack.
    assert warm["events"] == cold["events"] == [e.id for e in bundled().dataset.events]
    assert warm["warnings"] == cold["warnings"]
    in_date_order = [e.id for e in EventIndex(bundled().dataset).events]
    assert warm["rows"] == in_date_order[:3]
    for module in ("yaml", "timeline.loader", "timeline.strictyaml", "timeline.provenance"):
        assert module not in warm["after_load"], module
    # The CLI itself imports only what every command needs.
    for module in ("timeline.store", "timeline.query", "textual", "rich", "csv", "difflib"):
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


def test_quitting_at_once_still_leaves_a_warm_start(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start that ends at once (the app never even runs) has written the store: what
    makes the next start warm never waits for the TUI to live long enough."""
    started: list[TimelineApp] = []
    monkeypatch.setattr(timeline.ui, "run_app", lambda app: started.append(app) or 0)
    db = store_path(dataset_copy)
    assert db is not None
    for count in range(1, 4):
        assert timeline.cli.main([str(dataset_copy)]) == 0
        assert len(started) == count
        assert Store.open(db, dataset_copy) is not None  # the next start is warm


@pytest.mark.parametrize(
    "table", ["events", "themes", "events_in_date_order", "sqlite_autoindex_events_1"]
)
def test_a_store_damaged_where_the_first_frame_reads_still_opens_the_tui(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    started: list[TimelineApp] = []
    monkeypatch.setattr(timeline.ui, "run_app", lambda app: started.append(app) or 0)
    open_dataset(dataset_copy)
    db = store_path(dataset_copy)
    assert db is not None
    damage_store(db, table)
    event = bundled().dataset.events[-1].id  # looked up by its id, through that index
    assert timeline.cli.main([str(dataset_copy), "--event", event]) == 0
    assert len(started) == 1
    store = Store.open(db, dataset_copy)  # rebuilt: the next start is warm again
    assert store is not None and store.loaded(details=True) == open_dataset(dataset_copy)
    store.close()


@pytest.mark.parametrize("table", ["sources", "warnings"])
async def test_a_store_damaged_past_the_first_frame_loads_the_files_instead(
    dataset_copy: Path, table: str
) -> None:
    open_dataset(dataset_copy)
    db = store_path(dataset_copy)
    assert db is not None
    damage_store(db, table)
    store = Store.open(db, dataset_copy)
    assert store is not None
    app = TimelineApp(load=open_dataset, preview=store.rows())  # as `timeline` starts it
    async with app.run_test(size=FULL) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.failure == ()
        assert _main(app).dataset is not None
        assert len(_main(app).dataset.sources) == len(bundled().dataset.sources)
    reopened = Store.open(db, dataset_copy)  # rebuilt for the next start
    assert reopened is not None
    assert reopened.loaded(details=True) == open_dataset(dataset_copy)
    reopened.close()


def _app_on_a_store_damaged_once_open(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[TimelineApp, list[str]]:
    """An app started as `timeline` starts it on `folder`'s fresh store, whose quotes are
    then damaged, and what it notifies. The events' texts are what a lean load leaves
    in the store: the search index reads them (in a worker, after the first frame), and
    the quote pane reads an event's when it shows it."""
    open_dataset(folder)
    db = store_path(folder)
    assert db is not None
    store = Store.open(db, folder)
    assert store is not None
    app = TimelineApp(load=open_dataset, preview=store.rows())
    said = notifications(app, monkeypatch)
    damage_store(db, "quotes")
    return app, said


async def test_a_store_damaged_after_it_was_opened_fails_a_search_not_the_app(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, said = _app_on_a_store_damaged_once_open(dataset_copy, monkeypatch)
    async with app.run_test(size=FULL) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("slash", *"japan")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
        assert any(m.startswith("Could not search the events' texts") for m in said), said
        # `r` reads the dataset again (the damaged store is rebuilt): the search works.
        await pilot.press("escape", "r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        main = _main(app)
        assert main.shown_filter.text == "japan"
        assert 0 < len(main.query_one(TimelineView).rows.positions) < len(bundled().dataset.events)


async def test_an_event_whose_quotes_cannot_be_read_is_said_once_not_per_result(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, said = _app_on_a_store_damaged_once_open(dataset_copy, monkeypatch)

    def failures() -> int:
        return sum(m.startswith("Could not read this event's quotes") for m in said)

    async with app.run_test(size=FULL) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert failures() == 1
        # A new result that keeps every event, and the cursor where it is.
        _main(app).set_filter(Filter(date_from=-(10**6)))
        await pilot.pause()
        assert len(_main(app).query_one(TimelineView).rows.positions) == len(
            bundled().dataset.events
        )
        assert failures() == 1
        await pilot.press("j")  # another event: read, and said, again
        await pilot.pause()
        assert failures() == 2


async def test_the_quote_pane_says_the_events_quotes_could_not_be_read(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = _app_on_a_store_damaged_once_open(dataset_copy, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane = _main(app).query_one(DetailPane)
        text = " ".join(pane.text_lines)
        assert "No event selected" not in text
        assert "Could not read this event's quotes" in text
        assert "Press r to read the dataset again" in text
        await pilot.press("r")  # the damaged store is rebuilt: the event is shown
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.event is not None
        assert "Could not read this event's quotes" not in " ".join(pane.text_lines)


def _gated_store_app(
    folder: Path, **kwargs: Any
) -> tuple[TimelineApp, threading.Event, list[Loaded]]:
    """An app on `folder`'s fresh store whose data load waits for the returned gate."""
    open_dataset(folder)  # writes the store
    db = store_path(folder)
    assert db is not None
    store = Store.open(db, folder)
    assert store is not None
    rows = store.rows()
    gate = threading.Event()
    delivered: list[Loaded] = []
    original = rows.loaded

    def slow(*, progress: ProgressCallback | None = None) -> Loaded:
        gate.wait(10)
        delivered.append(original(progress=progress))
        return delivered[-1]

    rows.loaded = slow  # type: ignore[method-assign]
    return TimelineApp(load=open_dataset, preview=rows, **kwargs), gate, delivered


async def test_the_first_frame_shows_the_store_rows_and_keys_work_on_them(
    dataset_copy: Path,
) -> None:
    app, gate, _ = _gated_store_app(dataset_copy)
    index = EventIndex(bundled().dataset)
    try:
        async with app.run_test(size=FULL) as pilot:
            main = _main(app)  # the one screen, from the start
            timeline_view = main.query_one(TimelineView)
            assert list(timeline_view.rows.positions) == list(range(len(index)))
            assert not timeline_view.loading
            waiting = [main.query_one(w) for w in (FilterSidebar, OverviewStrip, DetailPane)]
            assert all(widget.loading for widget in waiting)
            await pilot.press("j", "j", "j")
            assert main.selected_event_id == index.events[3].id
            await pilot.press("slash", *"japan")
            assert main.query_one("#search", Input).value == "japan"
            gate.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen is main
            assert not any(widget.loading for widget in waiting)
            # The search typed meanwhile is applied, the cursor kept where it could be.
            assert main.filter.text == "japan"
            assert list(timeline_view.rows.positions) == index.apply(Filter(text="japan"))
            assert main.query_one(DetailPane).event is not None
    finally:
        gate.set()


class _KeysBeforeTheScreen(TimelineApp):
    """An app that gets "/kish" before its screen is mounted and "ida" one by one after,
    as a terminal delivers what was typed while the app started: Textual calls this
    `on_mount` before the app's own, which loads the data."""

    CSS_PATH = Path(timeline.ui.app.__file__).with_name("app.tcss")  # not beside the tests
    keys_came_first = False

    def on_mount(self) -> None:
        self.keys_came_first = not self.screen.is_mounted
        for key, character in [("slash", "/"), *((c, c) for c in "kish")]:
            self.post_message(events.Key(key, character))
        self.run_worker(self._type_on(), exit_on_error=False)

    async def _type_on(self) -> None:
        for character in "ida":
            await asyncio.sleep(0.005)
            self.post_message(events.Key(character, character))


async def test_letters_typed_as_the_app_starts_reach_the_search_box_in_order(
    dataset_copy: Path,
) -> None:
    open_dataset(dataset_copy)  # writes the store
    store = Store.open(store_path(dataset_copy), dataset_copy)
    assert store is not None
    app = _KeysBeforeTheScreen(load=open_dataset, preview=store.rows())
    async with app.run_test(size=FULL) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        assert app.keys_came_first
        main = _main(app)
        search = main.query_one("#search", Input)
        assert app.focused is search and search.value == "kishida"
        assert main.filter.text == "kishida"
        wanted = EventIndex(bundled().dataset).apply(Filter(text="kishida"))
        timeline_view = main.query_one(TimelineView)
        for _ in range(100):  # the search may still be running in its worker
            if list(timeline_view.rows.positions) == wanted:
                break
            await app.workers.wait_for_complete()
            await pilot.pause(0.02)
        assert list(timeline_view.rows.positions) == wanted
        assert search.select_on_focus  # as for any later focus


class _MovesBeforeTheScreen(TimelineApp):
    """An app that gets Esc, Tab and Shift+Tab before its screen is mounted: priority
    keys, whose actions run as they arrive."""

    CSS_PATH = _KeysBeforeTheScreen.CSS_PATH

    def on_mount(self) -> None:
        for key, character in [("escape", "\x1b"), ("tab", "\t"), ("shift+tab", None)]:
            self.post_message(events.Key(key, character))


async def test_esc_and_tab_as_the_app_starts_leave_the_keyboard_on_the_timeline() -> None:
    app = _MovesBeforeTheScreen(bundled())
    async with app.run_test(size=FULL) as pilot:  # an action that failed would raise here
        await pilot.pause(0.1)
        assert isinstance(app.focused, TimelineView)


async def test_the_key_bar_offers_enter_once_a_loading_timeline_has_its_rows(
    dataset_copy: Path,
) -> None:
    gate = threading.Event()

    def load(*, progress: ProgressCallback | None = None) -> Loaded:
        gate.wait(10)
        return open_dataset(dataset_copy, details=False)

    app = TimelineApp(load=load)  # no store yet: the timeline itself waits for the data
    try:
        async with app.run_test(size=FULL) as pilot:
            main = _main(app)
            timeline_view = main.query_one(TimelineView)
            await pilot.pause()
            bar = main.query_one(KeyBar)
            # The screen's focus stays on the timeline; a loading widget offers no keys.
            assert timeline_view.loading and main.focused is timeline_view
            assert "Open" not in bar.render_line(0).text  # what is drawn, not what would be
            gate.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert not timeline_view.loading and main.focused is timeline_view
            assert bar.render_line(0).text.startswith(" ⏎ Open ")
    finally:
        gate.set()


async def test_enter_on_a_store_row_opens_the_article_once_the_data_is_in(
    dataset_copy: Path,
) -> None:
    app, gate, _ = _gated_store_app(dataset_copy)
    index = EventIndex(bundled().dataset)
    wanted = next(n for n, e in enumerate(index.events) if e.quotes)
    try:
        async with app.run_test(size=FULL) as pilot:
            await pilot.press(*"j" * wanted, "enter")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)  # nothing to open yet, nothing lost
            gate.set()
            await app.workers.wait_for_complete()
            for _ in range(50):
                if isinstance(app.screen, ArticleScreen):
                    break
                await pilot.pause(0.02)
            await pilot.pause()
            assert isinstance(app.screen, ArticleScreen)
            assert app.screen.event.id == index.events[wanted].id
    finally:
        gate.set()


async def test_a_deep_linked_event_is_selected_on_the_store_rows(dataset_copy: Path) -> None:
    index = EventIndex(bundled().dataset)
    app, gate, _ = _gated_store_app(dataset_copy, event=index.events[7].id)
    try:
        async with app.run_test(size=FULL) as pilot:
            await pilot.pause()
            assert _main(app).selected_event_id == index.events[7].id
            gate.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert _main(app).selected_event_id == index.events[7].id
    finally:
        gate.set()


def _skip_first_fill(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the screen's own fill (after its first frame) do nothing, so that the
    sidebar is still empty when the test presses its first key."""
    original = FilterSidebar.fill
    skipped: set[int] = set()
    data: dict[int, Any] = {}

    async def fill(self: FilterSidebar, dataset: Any = None) -> None:
        if id(self) not in skipped:
            skipped.add(id(self))
            data[id(self)] = dataset
            return
        await original(self, dataset or data[id(self)])

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
        await pilot.press(*"summit")
        await pilot.pause()
        assert main.filter.text == "summit"
        index = EventIndex(bundled().dataset)
        assert list(main.query_one(TimelineView).rows.positions) == index.apply(
            Filter(text="summit")
        )


async def test_t_before_the_sidebar_is_filled_still_reaches_the_themes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _skip_first_fill(monkeypatch)
    app = make_app()
    theme = bundled().dataset.themes[0].id
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        main = _main(app)
        sidebar = main.query_one(FilterSidebar)

        async def fill_soon() -> None:
            await asyncio.sleep(0.05)  # after `t` was pressed
            await sidebar.fill()

        filling = asyncio.create_task(fill_soon())
        await pilot.press("t")
        await filling
        await pilot.pause()
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
        assert main.query_one("#search", Input).value == "japan"  # there from the start
        await sidebar.fill()
        await pilot.pause()
        assert main.query_one("#themes", SelectionList).selected == [theme]
        assert main.date_texts == ("2023", "2024-12")
        assert main.filter == wanted  # showing it did not report edits back up
        assert main.query_one("#themes", FacetList).counts == index.counts(result).themes
        assert list(main.query_one(TimelineView).rows.positions) == list(result.positions)
        assert main.selected_event_id == event.id


async def test_the_sidebar_fills_by_itself_right_after_start() -> None:
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        sidebar = _main(app).query_one(FilterSidebar)
        assert sidebar.filled
        # The controls sit in the focus chain where they always were: Shift+Tab from
        # the timeline goes back to the sidebar's last box (the as-of date).
        timeline_view: object = _main(app).query_one(TimelineView)
        assert app.focused is timeline_view
        await pilot.press("shift+tab")
        as_of: object = sidebar.query_one("#as-of", Input)
        assert app.focused is as_of


async def test_a_reload_fills_the_same_screen_in_place(dataset_copy: Path) -> None:
    loaded = open_dataset(dataset_copy, details=False)
    app = TimelineApp(loaded, load=lambda progress=None: open_dataset(dataset_copy, details=False))
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        main = _main(app)
        await pilot.press("j", "j", "j", "j")
        chosen = main.selected_event_id
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is main and main.selected_event_id == chosen
        assert main.dataset is not loaded.dataset  # the new data, on the same screen


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


_FREEZE_ONCE = """
import asyncio, gc, json
from timeline.store import open_dataset
from timeline.ui.app import TimelineApp

def load(progress=None):
    return open_dataset(None, details=False)

async def main():
    before = gc.get_freeze_count()
    app = TimelineApp(load(), load=load)
    built = gc.get_freeze_count()
    async with app.run_test(size=(160, 50)) as pilot:
        sidebar = app.screen.query_one("#sidebar")
        await sidebar.fill()
        await pilot.pause()
        started = gc.get_freeze_count()
        for _ in range(3):
            await pilot.press("r")
            await app.workers.wait_for_complete()
            await pilot.pause()
        print(json.dumps({
            "before": before,
            "built": built,
            "started": started,
            "reloaded": gc.get_freeze_count(),
            "tracked": len(gc.get_objects()),
        }))

asyncio.run(main())
"""


def test_what_the_imports_and_the_first_screen_hold_is_frozen_once(tmp_path: Path) -> None:
    # What the imports made leaves the collector's passes before the first frame, and
    # the first screen's objects once it is up (benchmarks/RESULTS.md: 20-50 ms before
    # the first frame and 65-150 ms pauses while browsing otherwise). A reload freezes
    # nothing more, so a replaced screen's cycles can still be collected.
    counts = _run_python(_FREEZE_ONCE, tmp_path)
    assert counts["before"] == 0
    assert counts["built"] > 20_000  # the modules' classes, functions and constants
    assert counts["started"] > counts["built"] + 10_000  # widgets, styles and strips
    assert counts["reloaded"] <= counts["started"]
    assert counts["tracked"] < counts["started"]
