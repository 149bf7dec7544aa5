"""The first start on a dataset: what runs before the first frame and what waits.

The cache entry of a dataset loaded before the TUI's first frame is written after it
(`timeline.cache.load_storing_later`), and a big dataset's loading screen is the app's
first screen rather than one pushed over Textual's blank default.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from tui_support import bundled

import timeline.cache
import timeline.ui
from timeline.cache import load_storing_later, load_with_cache
from timeline.diagnostics import DatasetError
from timeline.query import sort_by_date
from timeline.snapshot import build_snapshot
from timeline.ui.app import TimelineApp
from timeline.ui.screens.loading import LoadingScreen
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.timeline_view import TimelineView

FULL = (160, 50)


def _entries(cache: Path) -> list[tuple[str, int, int]]:
    """The cache entries: name, inode and mtime (a rewrite changes the inode)."""
    found = []
    for entry in sorted(cache.glob("*.tlcache")):
        info = entry.stat()
        found.append((entry.name, info.st_ino, info.st_mtime_ns))
    return found


def _no_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the loader ran: the data did not come from the cache")

    monkeypatch.setattr(timeline.cache, "load_dataset", refuse)


def test_a_fresh_load_is_stored_only_when_asked_and_only_once(
    dataset_copy: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded, store = load_storing_later(dataset_copy)
    assert _entries(private_cache) == []  # nothing written before the first frame
    store()
    written = _entries(private_cache)
    assert len(written) == 1
    store()
    assert _entries(private_cache) == written  # not written again
    _no_loader(monkeypatch)
    again = load_with_cache(dataset_copy)
    assert [e.id for e in again.dataset.events] == [e.id for e in loaded.dataset.events]
    assert [e.summary for e in again.dataset.events] == [e.summary for e in loaded.dataset.events]
    assert again.warnings == loaded.warnings
    # A hit has nothing to store: the entry stays as it is.
    _, nothing = load_storing_later(dataset_copy)
    nothing()
    assert _entries(private_cache) == written


def test_stores_from_two_threads_write_once(dataset_copy: Path, private_cache: Path) -> None:
    _, store = load_storing_later(dataset_copy)
    threads = [threading.Thread(target=store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(_entries(private_cache)) == 1
    assert not list(private_cache.glob(".tmp-*"))


def test_data_changed_during_the_load_is_never_stored(
    dataset_copy: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = timeline.cache.load_dataset

    def load_then_edit(path: Any, **kwargs: Any) -> Any:
        result = original(path, **kwargs)
        with open(dataset_copy / "events.yaml", "a", encoding="utf-8") as file:
            file.write("\n# edited while it loaded\n")
        return result

    monkeypatch.setattr(timeline.cache, "load_dataset", load_then_edit)
    _, store = load_storing_later(dataset_copy)
    store()
    assert _entries(private_cache) == []


def test_no_store_with_caching_off(
    dataset_copy: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")
    loaded, store = load_storing_later(dataset_copy)
    store()
    assert loaded.dataset.events
    assert not private_cache.exists() or _entries(private_cache) == []


def test_invalid_data_raises_and_stores_nothing(dataset_copy: Path, private_cache: Path) -> None:
    events = dataset_copy / "events.yaml"
    events.write_text(events.read_text(encoding="utf-8") + "\n  bad: [\n", encoding="utf-8")
    with pytest.raises(DatasetError) as raised:
        load_storing_later(dataset_copy)
    assert raised.value.diagnostics
    assert _entries(private_cache) == []


async def test_the_app_stores_the_data_off_its_thread_once_the_main_screen_shows() -> None:
    loaded = bundled()
    rows = build_snapshot(sort_by_date(loaded.dataset.events), loaded.dataset.themes)
    calls: list[tuple[bool, bool]] = []
    app: TimelineApp | None = None

    def store() -> None:
        assert app is not None
        calls.append(
            (threading.current_thread() is threading.main_thread(), app.main_screen is not None)
        )

    app = TimelineApp(loaded, rows=rows, store=store)
    async with app.run_test(size=FULL) as pilot:
        for _ in range(100):
            if calls:
                break
            await pilot.pause(0.02)
        await app.workers.wait_for_complete()
    assert calls == [(False, True)]  # once, in a worker, after the main screen


def test_run_app_stores_at_exit_if_the_app_closed_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(TimelineApp, "run", lambda self, *a, **k: calls.append("run"))
    try:
        assert timeline.ui.run_app(bundled(), store=lambda: calls.append("store")) == 0
    finally:
        import gc

        gc.unfreeze()
    assert calls == ["run", "store"]


async def test_a_loading_screen_is_the_first_screen_and_is_emptied_under_the_main_one(
    tmp_path: Path,
) -> None:
    gate = threading.Event()
    loaded = bundled()

    def load(*, progress: object = None) -> Any:
        gate.wait(10)
        return loaded

    app = TimelineApp(load=load)
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        assert [type(s) for s in app.screen_stack] == [LoadingScreen]  # nothing under it
        gate.set()
        for _ in range(200):
            if isinstance(app.screen, MainScreen):
                break
            await pilot.pause(0.02)
        await pilot.pause()
        loading, main = app.screen_stack
        assert isinstance(loading, LoadingScreen) and main is app.main_screen
        assert not loading.children and loading.snapshot is None  # let go of
        # A reload swaps the main screen; the loading screen stays below, empty.
        app.action_reload()
        await app.workers.wait_for_complete()
        for _ in range(100):
            if app.main_screen is not main:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        assert app.screen_stack == [loading, app.main_screen]
        assert app.main_screen is not main
        assert app.screen.query_one(TimelineView).rows.positions


@pytest.mark.parametrize("valid", [True, False])
def test_the_cli_load_pauses_the_collector_only_while_it_loads(
    dataset_copy: Path, valid: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    import gc
    from types import SimpleNamespace

    import timeline.cli

    if not valid:
        events = dataset_copy / "events.yaml"
        events.write_text(events.read_text(encoding="utf-8") + "\n  bad: [\n", encoding="utf-8")
    args = SimpleNamespace(path=str(dataset_copy), command="open")
    assert gc.isenabled()
    if valid:
        loaded, _ = timeline.cli._load_quietly(args)  # type: ignore[arg-type]
        assert loaded.dataset.events
    else:
        with pytest.raises(timeline.cli.CommandFailed):
            timeline.cli._load_quietly(args)  # type: ignore[arg-type]
        assert "events.yaml:" in capsys.readouterr().err  # file:line:col diagnostics
    assert gc.isenabled()
