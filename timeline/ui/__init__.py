"""The Textual user interface. Nothing in the core imports this package."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from timeline.loader import Loaded, ProgressCallback
    from timeline.snapshot import SnapshotStore
    from timeline.ui.app import TimelineApp

__all__ = ["lazy_app", "run_app", "run_app_lazy"]


def run_app(
    loaded: Loaded,
    *,
    event: str | None = None,
    themes: tuple[str, ...] = (),
    search: str | None = None,
) -> int:
    """Run the TUI on a loaded dataset, optionally opened on an event or a filter.

    Returns the process exit code.
    """
    from timeline.query import Filter
    from timeline.ui.app import TimelineApp

    initial = Filter(themes=frozenset(themes), text=search or "")
    app = TimelineApp(loaded, event=event, initial_filter=initial, freeze_gc=True)
    app.run()
    return app.return_code or 0


def run_app_lazy(
    path: str | Path | None = None,
    *,
    event: str | None = None,
    themes: tuple[str, ...] = (),
    search: str | None = None,
) -> int:
    """Run the TUI at once and load the dataset at `path` (None: the bundled one) in a
    thread worker, behind a loading screen with a progress bar.

    The dataset comes from the cache when its files are unchanged (`timeline.cache`);
    meanwhile the loading screen shows the timeline's rows from the dataset's rows
    snapshot (`timeline.snapshot`), if it has a current one.

    If the dataset is invalid, the app closes, the diagnostics are printed to stderr and
    the exit code is 1, as the CLI does for bad data. Returns the process exit code.
    """
    import sys

    app = lazy_app(path, event=event, themes=themes, search=search)
    app.run()
    if app.failure:
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
