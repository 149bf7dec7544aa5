"""Start-up: what the first frame waits for, and that what comes after it still works.

`timeline` with no arguments (the bundled dataset, from a warm cache) must reach its
first frame without PyYAML or the loader, and the main screen paints the events before
the sidebar's controls are mounted (`FilterSidebar.fill`, right after). These tests check
that the deferral is invisible: same layout, keys that work at once, deep links applied.
Timings themselves live in `benchmarks/`, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Input, SelectionList
from tui_support import bundled, make_app

from timeline.query import EventIndex, Filter
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
