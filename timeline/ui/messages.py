"""Every message of the timeline app, in one place: what widgets send up to their screen,
and what the loader thread sends to the app.

Widgets only report what the user did; the screen decides what follows, using the core's
pure functions. Each message carries plain values (ids, positions, a `Filter`, loaded
data), never widgets, so tests can record and compare them.

They are plain classes rather than dataclasses: the timeline widget imports this module
before the first frame, and generating the dataclasses' methods slowed that. `_Fields`
gives them the dataclass's `__init__`, `repr` and field-wise `==` from their annotations.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, ClassVar, dataclass_transform

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
    "FilterEdited",
    "LoadProgress",
    "MonthChosen",
    "SearchFinished",
]


@dataclass_transform(eq_default=True)
class _Fields(Message):
    """A message whose values are the fields its class annotates, in order."""

    _fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **options: Any) -> None:
        super().__init_subclass__(**options)
        cls._fields = tuple(inspect.get_annotations(cls))

    def __init__(self, *values: Any, **named: Any) -> None:
        given = dict(zip(self._fields, values, strict=False)) | named
        if len(values) + len(named) != len(self._fields) or given.keys() != set(self._fields):
            raise TypeError(f"{type(self).__name__} takes {', '.join(self._fields)}")
        for name, value in given.items():
            setattr(self, name, value)
        super().__init__()

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


class EventChosen(_Fields):
    """The user pressed Enter (or clicked again) on an event: open its first quote."""

    position: int


class ArticleRequested(_Fields):
    """The user chose one quote of an event: open its article at that excerpt."""

    event_id: str
    quote_index: int


class FilterEdited(_Fields):
    """The user changed a filter control; `changes` are `Filter` fields and new values."""

    changes: dict[str, Any]


class MonthChosen(_Fields):
    """The user clicked the overview strip: move the timeline to this running month."""

    month: int


class SearchFinished(_Fields):
    """A search thread finished: the events that pass `filter`."""

    filter: Filter
    result: SearchResult


class DatasetLoaded(_Fields):
    """The loader thread finished: the dataset and its index, ready to show.

    `initial` is True for the load at start-up, False for a reload.
    """

    loaded: Loaded
    index: EventIndex
    initial: bool


class DatasetFailed(_Fields):
    """The loader thread found the dataset invalid; `diagnostics` say why."""

    diagnostics: tuple[Diagnostic, ...]
    initial: bool


class LoadProgress(_Fields):
    """The loader thread got this far (0.0 to 1.0)."""

    fraction: float

    def can_replace(self, message: Message) -> bool:
        """Only the newest fraction matters."""
        return isinstance(message, LoadProgress)
