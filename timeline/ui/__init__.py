"""The Textual user interface. Nothing in the core imports this package."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from timeline.loader import Loaded, ProgressCallback
    from timeline.snapshot import RowsSnapshot, SnapshotStore
    from timeline.ui.app import TimelineApp

__all__ = ["lazy_app", "preload", "read_rows", "run_app", "run_app_lazy"]


def preload() -> None:
    """Import Textual and the app now (about 110 ms): for a caller that has something
    running meanwhile on another core (`timeline.prefill`)."""
    import timeline.ui.app  # noqa: F401


def read_rows(path: str | Path | None) -> tuple[RowsSnapshot | None, bytes | None]:
    """The dataset's current rows snapshot (None if it has none) and its stamp (None
    when the files cannot have one: caching off, or no events file)."""
    from timeline.snapshot import SnapshotStore

    store = SnapshotStore(path)
    if store.file() is None:
        return None, None
    stamp = store.stamp()
    if stamp is None:
        return None, None
    return store.read(stamp), stamp


def run_app(
    loaded: Loaded,
    *,
    event: str | None = None,
    themes: tuple[str, ...] = (),
    search: str | None = None,
    path: str | Path | None = None,
    rows_stamp: bytes | None = None,
    store: Callable[[], None] | None = None,
) -> int:
    """Run the TUI on a loaded dataset, optionally opened on an event or a filter.

    Without a deep link, the first frame shows the timeline's rows alone, in the main
    screen's place, and the main screen follows once they are painted (its modules and
    its drawing cost more than a hello-world app's whole first frame).

    `rows_stamp` is the `timeline.snapshot` stamp of the dataset at `path` (None: the
    bundled one), taken before `loaded` was read from it: once the main screen shows, a
    rows snapshot is written for it if none is current, so that the next start paints
    the rows without loading first (`read_rows`, `run_app_lazy`).

    `store` (from `timeline.cache.load_storing_later`) writes `loaded` to the cache: it
    is called in a thread worker once the main screen shows, or at exit at the latest.
    Returns the process exit code.
    """
    from functools import partial

    from timeline.model import sort_by_date
    from timeline.snapshot import build_snapshot
    from timeline.ui.app import TimelineApp, _shown_at_once

    initial = None
    if themes or search:
        # Only then: the query module (about 5 ms) is otherwise imported after the
        # first frame, for the main screen.
        from timeline.query import Filter

        initial = Filter(themes=frozenset(themes), text=search or "")
    rows = None
    dataset = loaded.dataset
    plain = initial is None or initial.is_empty
    if event is None and plain and _shown_at_once(loaded):
        rows = build_snapshot(sort_by_date(dataset.events), dataset.themes)
    snapshot = partial(_snapshot_store, path) if rows_stamp is not None else None
    app = TimelineApp(
        loaded,
        event=event,
        initial_filter=initial,
        freeze_gc=True,
        snapshot=snapshot,
        rows=rows,
        rows_stamp=rows_stamp,
        store=store,
    )
    try:
        app.run()
    finally:
        if store is not None:
            store()  # if the app closed before its worker did it (it runs once)
    return _exit_code(app)


def run_app_lazy(
    path: str | Path | None = None,
    *,
    event: str | None = None,
    themes: tuple[str, ...] = (),
    search: str | None = None,
    rows: RowsSnapshot | None = None,
    rows_stamp: bytes | None = None,
) -> int:
    """Run the TUI at once and load the dataset at `path` (None: the bundled one) in a
    thread worker, behind a loading screen with a progress bar.

    The dataset comes from the cache when its files are unchanged (`timeline.cache`);
    meanwhile the loading screen shows the timeline's rows from the dataset's rows
    snapshot (`timeline.snapshot`), if it has a current one. Given `rows` (that
    snapshot, read with `read_rows`, and its stamp `rows_stamp`), the first frame shows
    them in the main screen's layout instead of a loading screen: for small datasets,
    whose main screen then follows within a few frames.

    If the dataset is invalid (or its cache file changes under it), the app closes, the
    diagnostics are printed to stderr and the exit code is 1, as the CLI does for bad
    data. Returns the process exit code.
    """
    app = lazy_app(
        path, event=event, themes=themes, search=search, rows=rows, rows_stamp=rows_stamp
    )
    app.run()
    return _exit_code(app)


def _exit_code(app: TimelineApp) -> int:
    """The exit code of an app that has closed, once what ended it is printed: the
    diagnostics of data that could not be loaded or read (`TimelineApp.failure`)."""
    if app.failure:
        import sys

        from timeline.diagnostics import format_diagnostic

        for diagnostic in app.failure:
            print(format_diagnostic(diagnostic), file=sys.stderr)
        return 1
    return app.return_code or 0


def lazy_app(
    path: str | Path | None = None,
    *,
    event: str | None = None,
    themes: tuple[str, ...] = (),
    search: str | None = None,
    rows: RowsSnapshot | None = None,
    rows_stamp: bytes | None = None,
) -> TimelineApp:
    """The app `run_app_lazy` runs: it paints a loading screen, shows the rows from the
    dataset's rows snapshot if it has a current one, then loads `path` (through the
    cache) in a thread worker. The benchmarks start it the same way."""
    from functools import partial

    from timeline.ui.app import TimelineApp

    initial = None
    if themes or search:
        # Only then: the query module is not otherwise needed before the first frame.
        from timeline.query import Filter

        initial = Filter(themes=frozenset(themes), text=search or "")
    return TimelineApp(
        load=partial(_load_cached, path),
        event=event,
        initial_filter=initial,
        freeze_gc=True,
        loading_label="the bundled dataset" if path is None else str(path),
        snapshot=partial(_snapshot_store, path),
        rows=rows,
        rows_stamp=rows_stamp,
    )


def _snapshot_store(path: str | Path | None) -> SnapshotStore:
    """The dataset's rows snapshot, imported after the first frame."""
    from timeline.snapshot import SnapshotStore

    return SnapshotStore(path)


def _load_cached(path: str | Path | None, *, progress: ProgressCallback | None = None) -> Loaded:
    """`timeline.cache.load_with_cache`, imported in the loading thread: the cache and the
    loader (PyYAML, rapidfuzz) are not needed for the first frame."""
    from timeline.cache import load_with_cache

    return load_with_cache(path, progress=progress)
