"""Every message the timeline's widgets send up to their screen, in one place.

Widgets only report what the user did; the screen decides what follows, using the core's
pure functions. Each message carries plain values (ids, positions, a `Filter`), never
widgets, so tests can record and compare them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

__all__ = [
    "ArticleRequested",
    "EventChosen",
    "EventHighlighted",
    "FilterEdited",
    "MonthChosen",
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
