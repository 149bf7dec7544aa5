"""The rows snapshot (`timeline.snapshot`) and the preview the app shows from it.

The snapshot must give exactly the rows the loaded data gives, be refused whenever the
files changed or the snapshot file is damaged or foreign, write nothing when caching is
off, and the app must show it at once and hand over to the main screen on the same event.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import DATE_POOL, make_event
from tui_support import copy_bundled, screen_lines

import timeline.cache
import timeline.loader
from timeline import snapshot as snap
from timeline.loader import Loaded, ProgressCallback, load_dataset
from timeline.model import Dataset, Event, Status, Theme
from timeline.query import EventIndex
from timeline.snapshot import (
    RowsSnapshot,
    SnapshotStore,
    build_snapshot,
    dataset_stamp,
    decode_snapshot,
    encode_snapshot,
)
from timeline.ui.app import TimelineApp
from timeline.ui.screens.loading import LoadingScreen
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.timeline_view import EventRows, TimelineView
from timeline.views import build_rows, group_keys

STAMP = bytes(range(32))
HOSTILE = "\x1b[2J\x00\x07[@click=app.quit]x[/]\u202e\ud800\t\r\n\x9b31m"


def _expected_rows(events: list[Event]) -> list[Any]:
    rows = EventRows(events)
    return [rows.timeline_row(p) for p in range(len(events))]


def _rows_of(snapshot: RowsSnapshot) -> list[Any]:
    return [snapshot.timeline_row(p) for p in range(snapshot.count)]


def _normalised(rows: list[Any]) -> list[Any]:
    # Theme ids come back as tuples either way; make the comparison exact about that.
    return [(d, t, s, tuple(themes), n) for d, t, s, themes, n in rows]


_hostile_text = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=()),  # lone surrogates and control characters too
        st.sampled_from(list(HOSTILE)),
    ),
    max_size=40,
)


@st.composite
def _datasets(draw: st.DrawFn) -> tuple[list[Event], list[Theme]]:
    theme_ids = draw(st.lists(_hostile_text.filter(bool), unique=True, max_size=6))
    themes = [Theme(t, draw(_hostile_text), "") for t in theme_ids]
    ids = draw(
        st.lists(_hostile_text.filter(lambda s: s and "\0" not in s), unique=True, max_size=12)
    )
    events = [
        make_event(
            event_id,
            draw(st.sampled_from(DATE_POOL)),
            title=draw(_hostile_text),
            themes=draw(st.lists(st.sampled_from(theme_ids), max_size=7)) if theme_ids else (),
            status=draw(st.sampled_from(Status)),
            quotes=[("src", "q")] * draw(st.integers(0, 3)),
        )
        for event_id in ids
    ]
    index = EventIndex(Dataset(root="r", themes=tuple(themes), sources=(), events=tuple(events)))
    return list(index.events), themes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_datasets())
def test_round_trip_gives_exactly_the_rows_of_the_loaded_events(
    data: tuple[list[Event], list[Theme]],
) -> None:
    events, themes = data
    built = build_snapshot(events, themes)
    assert built is not None
    read = decode_snapshot(encode_snapshot(built, STAMP), STAMP)
    assert read is not None
    assert read.count == len(events)
    assert _normalised(_rows_of(read)) == _normalised(_expected_rows(events))
    assert [read.event_id(p) for p in range(len(events))] == [e.id for e in events]
    assert all(read.position_of(e.id) == p for p, e in enumerate(events))
    assert read.theme_ids == tuple(t.id for t in themes)
    assert len(read.theme_labels) == len(themes)
    expected = build_rows(range(len(events)), group_keys(events))
    assert (read.rows, read.row_of) == (expected.rows, expected.row_of)
    assert list(read.keys) == group_keys(events)
    assert read.marker_slots == max((len(e.themes) for e in events), default=0)
    # Nothing that reaches the screen holds a control character.
    for date, title, *_ in _rows_of(read):
        assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in date + title)


def test_an_empty_dataset_round_trips() -> None:
    built = build_snapshot([], [])
    assert built is not None
    read = decode_snapshot(encode_snapshot(built, STAMP), STAMP)
    assert read is not None and read.count == 0 and read.rows == [] and read.theme_ids == ()


def test_an_event_whose_theme_is_unknown_gives_no_snapshot() -> None:
    assert build_snapshot([make_event("a", themes=["nowhere"])], []) is None


# -- damage ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled_snapshot() -> tuple[bytes, RowsSnapshot]:
    index = EventIndex(load_dataset().dataset)
    built = build_snapshot(index.events, index.dataset.themes)
    assert built is not None
    return encode_snapshot(built, STAMP), built


def test_truncated_files_are_refused(bundled_snapshot: tuple[bytes, RowsSnapshot]) -> None:
    data, _ = bundled_snapshot
    assert decode_snapshot(data, STAMP) is not None
    for cut in {0, 1, 8, 40, 52, 60, len(data) // 2, len(data) - 1}:
        assert decode_snapshot(data[:cut], STAMP) is None, cut
    assert decode_snapshot(data + b"\0", STAMP) is None


def test_damaged_foreign_or_other_data_files_are_refused(
    bundled_snapshot: tuple[bytes, RowsSnapshot],
) -> None:
    data, _ = bundled_snapshot
    for at in range(0, len(data), max(1, len(data) // 97)):
        damaged = bytearray(data)
        damaged[at] ^= 0x5A
        assert decode_snapshot(bytes(damaged), STAMP) is None, at
    assert decode_snapshot(data, bytes(32)) is None  # another dataset's (or older) stamp
    assert decode_snapshot(b"", STAMP) is None
    assert decode_snapshot(b"TLCACHE\n" + data[8:], STAMP) is None
    assert decode_snapshot(os.urandom(len(data)), STAMP) is None


def test_a_crafted_file_with_a_valid_checksum_cannot_break_the_timeline(
    bundled_snapshot: tuple[bytes, RowsSnapshot],
) -> None:
    _, built = bundled_snapshot
    fields = {f: getattr(built, f) for f in built.__slots__}
    # A row naming an event that is not there: refused.
    bad_rows = dict(fields, rows=[*built.rows[:-1], built.count])
    assert decode_snapshot(encode_snapshot(RowsSnapshot(**bad_rows), STAMP), STAMP) is None
    # An unknown status: refused.
    bad_status = dict(fields, statuses=b"\x09" + built.statuses[1:])
    assert decode_snapshot(encode_snapshot(RowsSnapshot(**bad_status), STAMP), STAMP) is None
    # A theme reference out of range and a control character: drawn without them.
    refs = built.theme_refs.__copy__()
    refs[0] = 999
    blob = bytes(built.blob)
    title_at = built.offsets[2 * built.count]
    blob = blob[:title_at] + b"\x1b" + blob[title_at + 1 :]
    crafted = dict(fields, theme_refs=refs, blob=blob)
    read = decode_snapshot(encode_snapshot(RowsSnapshot(**crafted), STAMP), STAMP)
    assert read is not None
    assert len(read.themes(0)) == len(built.themes(0)) - 1
    assert "\x1b" not in read.title(0) and "␛" in read.title(0)


# -- the files: where, when valid, when off ---------------------------------------------


def _write(folder: Path) -> tuple[SnapshotStore, EventIndex]:
    store = SnapshotStore(folder)
    stamp = store.stamp()
    assert stamp is not None
    index = EventIndex(load_dataset(folder).dataset)
    assert store.write(index.events, index.dataset.themes, stamp)
    return store, index


def test_a_snapshot_lives_beside_the_cache_entry_of_the_same_dataset(dataset_copy: Path) -> None:
    store, index = _write(dataset_copy)
    file = store.file()
    assert file is not None and file.parent == timeline.cache.cache_dir()
    assert file.name == f"{timeline.cache.slot_name(dataset_copy)}.tlrows"
    read = store.read()
    assert read is not None and read.count == len(index)
    # Writing it again replaces it whole (no temporary file is left behind).
    assert store.write(index.events, index.dataset.themes, store.stamp() or b"")
    assert sorted(p.name for p in file.parent.iterdir()) == [file.name]


@pytest.mark.parametrize(
    "change",
    ["events size", "events mtime", "article mtime", "article added", "article removed"],
)
def test_a_stale_snapshot_is_ignored(dataset_copy: Path, change: str) -> None:
    store, _ = _write(dataset_copy)
    assert store.read() is not None
    events = dataset_copy / "events.yaml"
    article = sorted((dataset_copy / "sources").iterdir())[0]
    if change == "events size":
        with events.open("a", encoding="utf-8") as file:
            file.write("\n")
        info = events.stat()
    elif change == "events mtime":
        info = events.stat()
        os.utime(events, ns=(info.st_atime_ns, info.st_mtime_ns + 1))
    elif change == "article mtime":
        info = article.stat()
        os.utime(article, ns=(info.st_atime_ns, info.st_mtime_ns + 1))
    elif change == "article added":
        (dataset_copy / "sources" / "zzz-new.txt").write_text("new\n", encoding="utf-8")
    else:
        article.unlink()
    assert store.read() is None


def test_the_stamp_holds_without_changes_and_needs_an_events_file(tmp_path: Path) -> None:
    folder = copy_bundled(tmp_path)
    assert dataset_stamp(folder) == dataset_stamp(folder) == dataset_stamp(folder / "events.yaml")
    assert dataset_stamp(tmp_path / "missing") is None


def test_no_cache_writes_and_reads_nothing(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, index = _write(dataset_copy)
    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")
    assert store.file() is None and store.read() is None
    cache = Path(os.environ["TIMELINE_CACHE_DIR"])
    before = sorted(cache.iterdir())
    for file in before:
        file.unlink()
    assert not store.write(index.events, index.dataset.themes, bytes(32))
    assert list(cache.iterdir()) == []


@pytest.mark.parametrize("env", [{}, {"TIMELINE_NO_CACHE": "1"}, {"TIMELINE_NO_CACHE": "0"}])
def test_the_snapshot_sits_beside_the_cache_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    # One slot per dataset path, shared with the cache entry; no file when caching is off.
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    copy_bundled(tmp_path)
    folder = timeline.cache.cache_dir()
    for path in (None, tmp_path, tmp_path / "events.yaml", tmp_path / "nope", "rel/x.yaml"):
        file = snap.SnapshotStore(path).file()
        if folder is None:
            assert file is None
        else:
            assert file == folder / f"{timeline.cache.slot_name(path)}.tlrows"
    assert (folder is None) == (env.get("TIMELINE_NO_CACHE") == "1")


# -- the app: the preview and the hand-over ---------------------------------------------

SMALL = (120, 20)
"""Short enough that the bundled dataset's rows scroll."""


def _gated_loader(folder: Path) -> tuple[Any, threading.Event]:
    gate = threading.Event()

    def load(*, progress: ProgressCallback | None = None) -> Loaded:
        if progress is not None:
            progress(0.25)
        assert gate.wait(20)
        return load_dataset(folder)

    return load, gate


async def _wait_for(pilot: Any, condition: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("timed out")


async def test_the_preview_shows_the_rows_and_hands_over_on_the_same_event(
    dataset_copy: Path,
) -> None:
    store, index = _write(dataset_copy)
    load, gate = _gated_loader(dataset_copy)
    app = TimelineApp(load=load, snapshot=lambda: store)
    async with app.run_test(size=SMALL) as pilot:
        screen = app.screen
        assert isinstance(screen, LoadingScreen)
        await _wait_for(pilot, lambda: screen.snapshot is not None)
        preview = screen.query_one(TimelineView)
        assert app.focused is preview
        assert preview.rows.positions == list(range(len(index)))
        shown = "\n".join(screen_lines(preview))
        assert index.events[0].title in shown
        # The progress is still on screen, and says what is not there yet.
        assert screen.query_one("#loading-note").display
        for key in ["j", "j", "pagedown", "j", "k"]:
            await pilot.press(key)
        await pilot.pause()
        position, row = preview.cursor_position, preview.cursor_row
        assert position is not None and row is not None and position > 3
        line = row - int(preview.scroll_offset.y)
        assert int(preview.scroll_offset.y) > 0  # it scrolled: the line is worth keeping
        gate.set()
        await _wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        main = app.screen
        assert isinstance(main, MainScreen)
        await _wait_for(pilot, lambda: main.selected_event_id is not None)
        assert main.selected_event_id == index.events[position].id
        timeline = main.query_one(TimelineView)

        def cursor_line() -> int | None:
            row, height = timeline.cursor_row, timeline.scrollable_content_region.height
            if row is None or height <= 0:
                return None
            return row - int(timeline.scroll_offset.y) if row >= timeline.scroll_offset.y else -1

        # The screen settles over a few refreshes (layout, then the scroll).
        await _wait_for(pilot, lambda: cursor_line() == min(line, timeline.size.height - 1))
        assert app.focused is timeline


async def test_keys_during_the_preview_say_what_waits_and_never_crash(
    dataset_copy: Path,
) -> None:
    store, index = _write(dataset_copy)
    load, gate = _gated_loader(dataset_copy)
    app = TimelineApp(load=load, snapshot=lambda: store)
    async with app.run_test(size=SMALL) as pilot:
        screen = app.screen
        assert isinstance(screen, LoadingScreen)
        await _wait_for(pilot, lambda: screen.snapshot is not None)
        preview = screen.query_one(TimelineView)
        for key in ["slash", "t", "f", "c", "enter", "r"]:
            await pilot.press(key)
        await pilot.pause()
        said = [n.message for n in app._notifications]
        for what in ("Search", "theme filter", "filters", "Clearing", "quotes", "still loading"):
            assert any(what in message for message in said), what
        assert app.screen is screen and app.focused is preview
        # Month and year moves work on the preview.
        first_month = index.events[0].date.anchor_point.month
        await pilot.press("right_square_bracket")
        moved = preview.cursor_position
        assert moved is not None
        assert index.events[moved].date.anchor_point.month != first_month or moved == 0
        for key in ["left_square_bracket", "right_curly_bracket", "G", "g", "escape"]:
            await pilot.press(key)
        # Help opened over the preview closes when the data arrives.
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen is not screen
        gate.set()
        await _wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.pause()
        assert app.is_running
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["MainScreen"]


async def test_a_deep_linked_event_is_selected_in_the_preview(dataset_copy: Path) -> None:
    store, index = _write(dataset_copy)
    load, gate = _gated_loader(dataset_copy)
    app = TimelineApp(load=load, snapshot=lambda: store, event=index.events[7].id)
    async with app.run_test(size=SMALL) as pilot:
        screen = app.screen
        assert isinstance(screen, LoadingScreen)
        await _wait_for(pilot, lambda: screen.snapshot is not None)
        assert screen.query_one(TimelineView).cursor_position == 7
        gate.set()
        await _wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        main = app.screen
        assert isinstance(main, MainScreen)
        # Pushed is not yet composed: its timeline may not be there for a moment.
        await _wait_for(
            pilot, lambda: bool(main.query(TimelineView)) and main.selected_event_id is not None
        )
        assert main.selected_event_id == index.events[7].id
        await pilot.pause()


async def test_the_app_writes_the_snapshot_and_shows_it_next_time(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from timeline import ui

    previews: list[int] = []
    original = LoadingScreen.show_preview

    async def recorded(self: LoadingScreen, snapshot: RowsSnapshot, *args: Any) -> None:
        previews.append(snapshot.count)
        await original(self, snapshot, *args)

    monkeypatch.setattr(LoadingScreen, "show_preview", recorded)
    store = SnapshotStore(dataset_copy)
    for run in range(2):
        app = ui.lazy_app(dataset_copy)
        async with app.run_test(size=SMALL) as pilot:
            await _wait_for(pilot, lambda app=app: isinstance(app.screen, MainScreen))
            # Written off the UI thread once the main screen is up.
            await _wait_for(pilot, lambda: store.read() is not None)
            await app.workers.wait_for_complete()
            await pilot.pause()  # let the new screen settle before the app exits
        assert previews == ([] if run == 0 else [25])
    # A changed dataset: no preview from the old snapshot, and a new one is written.
    events = dataset_copy / "events.yaml"
    info = events.stat()
    os.utime(events, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))
    assert store.read() is None
    app = ui.lazy_app(dataset_copy)
    async with app.run_test(size=SMALL) as pilot:
        await _wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await _wait_for(pilot, lambda: store.read() is not None)
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert previews == [25]


async def test_the_app_with_caching_off_writes_no_snapshot(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from timeline import ui

    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")
    app = ui.lazy_app(dataset_copy)
    async with app.run_test(size=SMALL) as pilot:
        await _wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.pause(0.2)  # time enough for a snapshot worker to have started
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app._snapshot is not None and app._snapshot.file() is None
    cache = Path(os.environ["TIMELINE_CACHE_DIR"])
    assert not cache.exists() or list(cache.iterdir()) == []
