"""Every message of the timeline app, in one place: what widgets send up to their screen,
and what the loader thread sends to the app.

Widgets only report what the user did; the screen decides what follows, using the core's
pure functions. Each message carries plain values (ids, positions, a `Filter`, loaded
data), never widgets, so tests can record and compare them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from timeline.diagnostics import Diagnostic
    from timeline.loader import Loaded
    from timeline.query import EventIndex, Filter, SearchResult

__all__ = [
    "ArticleRequested",
    "DatasetFailed",
    "DatasetLoaded",
    "EventChosen",
    "EventHighlighted",
    "FilterEdited",
    "LoadProgress",
    "MonthChosen",
    "SearchFinished",
    "ViewportChanged",
]


@dataclass
class EventHighlighted(Message):
    """The timeline's cursor moved onto an event (a position in `EventIndex.events`)."""

    position: int


@dataclass
class EventChosen(Message):
    """The user pressed Enter (or clicked again) on an event: open its first quote."""

    position: int


@dataclass
class ArticleRequested(Message):
    """The user chose one quote of an event: open its article at that excerpt."""

    event_id: str
    quote_index: int


@dataclass
class FilterEdited(Message):
    """The user changed a filter control; `changes` are `Filter` fields and new values."""

    changes: dict[str, Any]


@dataclass
class ViewportChanged(Message):
    """The timeline scrolled: the running months (see `views.month_index`) on screen."""

    first_month: int | None
    last_month: int | None

    def can_replace(self, message: Message) -> bool:
        """Only the newest viewport matters while the user scrolls fast."""
        return isinstance(message, ViewportChanged)


@dataclass
class MonthChosen(Message):
    """The user clicked the overview strip: move the timeline to this running month."""

    month: int


@dataclass
class SearchFinished(Message):
    """A search thread finished: the events that pass `filter`."""

    filter: Filter
    result: SearchResult


@dataclass
class DatasetLoaded(Message):
    """The loader thread finished: the dataset and its index, ready to show.

    `initial` is True for the load at start-up, False for a reload.
    """

    loaded: Loaded
    index: EventIndex
    initial: bool
    stamp: bytes | None = None
    """The files' `timeline.snapshot` stamp, when they did not change during the load."""


@dataclass
class DatasetFailed(Message):
    """The loader thread found the dataset invalid; `diagnostics` say why."""

    diagnostics: tuple[Diagnostic, ...]
    initial: bool


@dataclass
class LoadProgress(Message):
    """The loader thread got this far (0.0 to 1.0)."""

    fraction: float

    def can_replace(self, message: Message) -> bool:
        """Only the newest fraction matters."""
        return isinstance(message, LoadProgress)
