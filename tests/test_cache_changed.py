"""A cache file changed under the running app: a clear diagnostic and exit 1, never a
traceback. (A dataset read from the cache reads its summaries, quotes and articles
from the file on demand; `timeline.cache` only ever replaces a file whole, but a user
or another program may still cut it short in place.)"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from textual.worker import WorkerFailed
from tui_support import bundled, copy_bundled

import timeline.cli
import timeline.ui
from timeline.cache import load_with_cache
from timeline.details import DetailsChanged
from timeline.model import Loaded
from timeline.ui.app import TimelineApp

pytestmark = pytest.mark.usefixtures("private_cache")

FULL = (120, 40)


def _from_cache(tmp_path: Path, cache: Path) -> tuple[Loaded, Path]:
    folder = tmp_path / "data"
    folder.mkdir()
    copy_bundled(folder)
    load_with_cache(folder)  # fills the cache
    loaded = load_with_cache(folder)  # read back: details on demand
    [entry] = cache.glob("*.tlcache")
    return loaded, entry


async def _until_failed(app: TimelineApp) -> None:
    for _ in range(200):
        if app.failure:
            return
        await asyncio.sleep(0.01)


async def test_moving_onto_an_event_after_the_file_was_cut_short_ends_with_a_diagnostic(
    tmp_path: Path, private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded, entry = _from_cache(tmp_path, private_cache)
    app = TimelineApp(loaded)
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        os.truncate(entry, 1000)
        # Not pilot.press: it waits for the screen, whose handler has just failed.
        app.simulate_key("j")
        await _until_failed(app)
    assert app.return_code == 1
    [diagnostic] = app.failure
    assert (diagnostic.code, diagnostic.file, diagnostic.line) == ("cache-changed", str(entry), 1)
    assert "run timeline again" in diagnostic.message
    # What the CLI prints after the app has closed (`timeline.ui.run_app`).
    assert timeline.ui._exit_code(app) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{entry}:1:1: error [cache-changed] ")
    assert "Traceback" not in err


def _waiting_app(gate: threading.Event) -> TimelineApp:
    """An app whose load waits for `gate` (the tests below need no data)."""

    def load(*, progress: object = None) -> Loaded:
        gate.wait(10)
        return bundled()  # once the app has closed: it goes nowhere

    return TimelineApp(load=load)


async def test_a_worker_that_meets_a_changed_file_ends_the_app_the_same_way() -> None:
    changed = DetailsChanged(0, "details record 3 is cut short", "/cache/x.tlcache")
    gate = threading.Event()
    app = _waiting_app(gate)
    async with app.run_test(size=FULL):
        app._handle_exception(WorkerFailed(changed))
        await _until_failed(app)
    gate.set()
    assert [d.code for d in app.failure] == ["cache-changed"]
    assert app.failure[0].file == "/cache/x.tlcache"
    assert app.return_code == 1


async def test_any_other_error_still_goes_to_textual() -> None:
    gate = threading.Event()
    app = _waiting_app(gate)
    with pytest.raises(RuntimeError, match="not a cache problem"):
        async with app.run_test(size=FULL):
            app._handle_exception(RuntimeError("not a cache problem"))
    gate.set()
    assert app.failure == ()


def test_a_command_that_meets_a_changed_file_reports_it_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def cut_short(*args: object) -> None:
        raise DetailsChanged(0, "details record 7 is cut short", "/cache/y.tlcache")

    monkeypatch.setattr(timeline.cli, "selected_events", cut_short)
    assert timeline.cli.main(["list", "--format", "plain"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[0].startswith("/cache/y.tlcache:1:1: error [cache-changed] ")


def test_other_os_errors_are_not_taken_for_a_changed_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fails(*args: object) -> None:
        raise PermissionError(13, "denied")

    monkeypatch.setattr(timeline.cli, "selected_events", fails)
    with pytest.raises(PermissionError):
        timeline.cli.main(["list", "--format", "plain"])
