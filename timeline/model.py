"""The domain types: themes, sources, quotes, events and the dataset that holds them.

Everything here is a frozen, slotted dataclass built once by the loader and never changed,
so the UI and the query layer can share them without copying or locking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from timeline.dates import EdtfDate

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "Dataset",
    "Event",
    "Quote",
    "Source",
    "SourceKind",
    "Span",
    "Status",
    "Theme",
]


class Status(StrEnum):
    """Whether an event happened, is fixed for a date, or is only intended."""

    OCCURRED = "occurred"
    SCHEDULED = "scheduled"
    PLANNED = "planned"


class SourceKind(StrEnum):
    """What an article is: a preview of an upcoming event, a report, or an analysis."""

    PREVIEW = "preview"
    REPORT = "report"
    ANALYSIS = "analysis"


@dataclass(frozen=True, slots=True)
class Theme:
    """A theme from the dataset's vocabulary, such as `security` or `space`."""

    id: str
    label: str
    description: str


@dataclass(frozen=True, slots=True)
class Span:
    """Where a quote sits in its article.

    `start` and `end` are character offsets into `Source.text` (end exclusive); `line`
    and `column` are 1-based and count in the source *file*, front matter included, so an
    editor opened at `path:line:column` lands on the excerpt.
    """

    start: int
    end: int
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Source:
    """One article: its metadata (from the file's front matter) and its verbatim text.

    `path` is relative to the dataset folder, such as `sources/yomiuri-2023-01-14.txt`.
    `text` is the article body after the front matter; `body_line` is the file line on
    which that body starts. `origin` names the raw file the text came from and `notes`
    says what was removed from it (page furniture), where the front matter gives them.
    """

    id: str
    title: str
    outlet: str
    published: EdtfDate
    published_basis: str | None
    kind: SourceKind
    byline: str | None
    credit: str | None
    path: str
    text: str
    body_line: int
    origin: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """A verbatim excerpt of a source that reports an event, and where it was found."""

    source_id: str
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Event:
    """One dated event, with the quotes of every article that reports it."""

    id: str
    date: EdtfDate
    title: str
    summary: str
    themes: tuple[str, ...]
    actors: tuple[str, ...]
    places: tuple[str, ...]
    status: Status
    date_basis: str | None
    quotes: tuple[Quote, ...]

    @property
    def source_ids(self) -> tuple[str, ...]:
        """The ids of the articles that report this event, each once, in quote order."""
        return tuple(dict.fromkeys(q.source_id for q in self.quotes))


@dataclass(frozen=True, slots=True)
class Dataset:
    """A loaded, verified dataset: themes, sources and events in file order.

    `root` is the dataset folder as given to the loader (a string, so the type stays
    hashable and printable); use `timeline.query` for date order and filtering.
    """

    root: str
    themes: tuple[Theme, ...]
    sources: tuple[Source, ...]
    events: tuple[Event, ...]
    _theme_index: Mapping[str, Theme] = field(init=False, repr=False, compare=False)
    _source_index: Mapping[str, Source] = field(init=False, repr=False, compare=False)
    _event_index: Mapping[str, Event] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lookup tables are derived, read-only views; setattr on a frozen instance is the
        # documented way to fill derived fields.
        object.__setattr__(self, "_theme_index", MappingProxyType({t.id: t for t in self.themes}))
        object.__setattr__(self, "_source_index", MappingProxyType({s.id: s for s in self.sources}))
        object.__setattr__(self, "_event_index", MappingProxyType({e.id: e for e in self.events}))

    def theme(self, theme_id: str) -> Theme:
        """The theme with this id; KeyError if there is none."""
        return self._theme_index[theme_id]

    def source(self, source_id: str) -> Source:
        """The source with this id; KeyError if there is none."""
        return self._source_index[source_id]

    def event(self, event_id: str) -> Event:
        """The event with this id; KeyError if there is none."""
        return self._event_index[event_id]

    def has_event(self, event_id: str) -> bool:
        """Whether an event with this id exists."""
        return event_id in self._event_index
