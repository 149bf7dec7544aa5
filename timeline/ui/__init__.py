"""The Textual user interface. Nothing in the core imports this package."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from timeline.model import Loaded
    from timeline.store import StoredRows
    from timeline.ui.app import TimelineApp

__all__ = ["make_app", "run_app"]


def make_app(
    path: str | Path | None = None,
    *,
    loaded: Loaded | None = None,
    preview: StoredRows | None = None,
    event: str | None = None,
    themes: tuple[str, ...] = (),
    search: str | None = None,
) -> TimelineApp:
    """The app for the dataset at `path` (None: the bundled one).

    It starts on `loaded` if given (data the caller has checked), else on the rows of
    `preview` (the dataset's fresh store) while the data loads from it, else in its
    loading state while the dataset is opened in a thread worker. A reload always opens
    `path` again (`timeline.store.open_dataset`).
    """
    from functools import partial

    from timeline.store import open_dataset
    from timeline.ui.app import TimelineApp

    initial = None
    if themes or search:
        from timeline.query import Filter

        initial = Filter(themes=frozenset(themes), text=search or "")
    return TimelineApp(
        loaded,
        load=partial(open_dataset, path, details=False),
        preview=preview,
        event=event,
        initial_filter=initial,
    )


def run_app(app: TimelineApp) -> int:
    """Run the app and return the process exit code. If the dataset turned out invalid
    (or unreadable) at start, the app closes, its diagnostics are printed to stderr and
    the code is 1, as the CLI does for bad data. Without a terminal that can draw it
    (no tty, or `TERM=dumb`), it does not start: a message, and exit code 2."""
    import os
    import sys

    served = "TEXTUAL_DRIVER" in os.environ  # textual-serve's sessions talk over pipes
    terminal = all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))
    if not served and (not terminal or os.environ.get("TERM") == "dumb"):
        print(
            "timeline: error: the TUI needs a terminal that can draw it (this one is "
            f"{'dumb' if terminal else 'not a terminal'}); for text output use "
            "`timeline list`, `timeline show ID` or `timeline export`",
            file=sys.stderr,
        )
        return 2
    app.run()
    if app.failure:
        from timeline.diagnostics import format_diagnostic

        for diagnostic in app.failure:
            print(format_diagnostic(diagnostic), file=sys.stderr)
        return 1
    return app.return_code or 0
