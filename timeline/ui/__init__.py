"""The Textual user interface. Nothing in the core imports this package."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from timeline.loader import Loaded

__all__ = ["run_app"]


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
    TimelineApp(loaded, event=event, initial_filter=initial).run()
    return 0
