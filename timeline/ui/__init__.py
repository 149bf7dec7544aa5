"""The Textual user interface. Nothing in the core imports this package."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from timeline.model import Loaded
    from timeline.store import StoredRows
    from timeline.ui.app import TimelineApp

__all__ = ["make_app", "run_app", "terminal_problem"]


def terminal_problem() -> str | None:
    """Why the TUI cannot be drawn here, if it cannot: no terminal on stdin or stdout
    (a pipe, a file, /dev/null), or `TERM=dumb`. A textual-serve session talks over
    pipes by design, with its own driver (`TEXTUAL_DRIVER`)."""
    import os
    import sys

    if "TEXTUAL_DRIVER" in os.environ:
        return None
    terminal = all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))
    if terminal and os.environ.get("TERM") != "dumb":
        return None
    return (
        f"the TUI needs a terminal that can draw it (this one is "
        f"{'dumb' if terminal else 'not a terminal'}); for text output use "
        "`timeline list`, `timeline show ID` or `timeline export`"
    )


def make_app(
    path: str | Path | None = None,
    *,
    loaded: Loaded | None = None,
    preview: StoredRows | None = None,
    event: str | None = None,
    themes: tuple[str, ...] = (),
    search: str | None = None,
    as_of: int | None = None,
) -> TimelineApp:
    """The app for the dataset at `path` (None: the bundled one), which a reload opens
    again; it starts on `loaded`, else on `preview`, as `TimelineApp` describes.

    `themes`, `search` and `as_of` (a day number) are the filter to open with.
    """
    from functools import partial

    from timeline.store import open_dataset
    from timeline.ui.app import TimelineApp

    initial = None
    if themes or search or as_of is not None:
        from timeline.query import Filter

        initial = Filter(themes=frozenset(themes), text=search or "", as_of=as_of)
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
    import sys

    problem = terminal_problem()
    if problem is not None:
        print(f"timeline: error: {problem}", file=sys.stderr)
        return 2
    app.run()
    if app.failure:
        from timeline.diagnostics import format_diagnostic

        for diagnostic in app.failure:
            print(format_diagnostic(diagnostic), file=sys.stderr)
        return 1
    return app.return_code or 0
