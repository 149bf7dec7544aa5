"""Every message of the timeline app, in one place: what widgets send up to their screen,
and what the loader thread sends to the app.

Widgets only report what the user did; the screen decides what follows, using the core's
pure functions. Each message carries plain values (ids, positions, a `Filter`, loaded
data), never widgets, so tests can record and compare them.

They are plain classes with an `__init__` rather than dataclasses: the timeline widget
imports this module before the first frame, and generating the dataclasses' methods
took about 2 ms of it. `_Fields` gives them the dataclass's `repr` and field-wise `==`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

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


class _Fields(Message):
    """A message whose values are the attributes named in `_fields`."""

    _fields: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        """`Name(field=value, ...)`, as a dataclass shows itself."""
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({values})"

    def __eq__(self, other: object) -> bool:
        """Equal when of the same class with equal values, as dataclasses compare."""
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._fields)

    __hash__ = None  # type: ignore[assignment]  # compared by value, as a dataclass


class EventHighlighted(_Fields):
    """The timeline's cursor moved onto an event (a position in `EventIndex.events`)."""

    _fields = ("position",)

    def __init__(self, position: int) -> None:
        self.position = position
        super().__init__()


class EventChosen(_Fields):
    """The user pressed Enter (or clicked again) on an event: open its first quote."""

    _fields = ("position",)

    def __init__(self, position: int) -> None:
        self.position = position
        super().__init__()


class ArticleRequested(_Fields):
    """The user chose one quote of an event: open its article at that excerpt."""

    _fields = ("event_id", "quote_index")

    def __init__(self, event_id: str, quote_index: int) -> None:
        self.event_id = event_id
        self.quote_index = quote_index
        super().__init__()


class FilterEdited(_Fields):
    """The user changed a filter control; `changes` are `Filter` fields and new values."""

    _fields = ("changes",)

    def __init__(self, changes: dict[str, Any]) -> None:
        self.changes = changes
        super().__init__()


class ViewportChanged(_Fields):
    """The timeline scrolled: the running months (see `views.month_index`) on screen."""

    _fields = ("first_month", "last_month")

    def __init__(self, first_month: int | None, last_month: int | None) -> None:
        self.first_month = first_month
        self.last_month = last_month
        super().__init__()

    def can_replace(self, message: Message) -> bool:
        """Only the newest viewport matters while the user scrolls fast."""
        return isinstance(message, ViewportChanged)


class MonthChosen(_Fields):
    """The user clicked the overview strip: move the timeline to this running month."""

    _fields = ("month",)

    def __init__(self, month: int) -> None:
        self.month = month
        super().__init__()


class SearchFinished(_Fields):
    """A search thread finished: the events that pass `filter`."""

    _fields = ("filter", "result")

    def __init__(self, filter: Filter, result: SearchResult) -> None:
        self.filter = filter
        self.result = result
        super().__init__()


class DatasetLoaded(_Fields):
    """The loader thread finished: the dataset and its index, ready to show.

    `initial` is True for the load at start-up, False for a reload.
    """

    _fields = ("loaded", "index", "initial")

    def __init__(self, loaded: Loaded, index: EventIndex, initial: bool) -> None:
        self.loaded = loaded
        self.index = index
        self.initial = initial
        super().__init__()


class DatasetFailed(_Fields):
    """The loader thread found the dataset invalid; `diagnostics` say why."""

    _fields = ("diagnostics", "initial")

    def __init__(self, diagnostics: tuple[Diagnostic, ...], initial: bool) -> None:
        self.diagnostics = diagnostics
        self.initial = initial
        super().__init__()


class LoadProgress(_Fields):
    """The loader thread got this far (0.0 to 1.0)."""

    _fields = ("fraction",)

    def __init__(self, fraction: float) -> None:
        self.fraction = fraction
        super().__init__()

    def can_replace(self, message: Message) -> bool:
        """Only the newest fraction matters."""
        return isinstance(message, LoadProgress)
