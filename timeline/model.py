"""The domain types: themes, sources, quotes, events and the dataset that holds them.

Built once by the loader (or read from the store) and never changed, so the UI and the
query layer share them without copying or locking. The types that a dataset holds by
the hundred thousand (events, dates, quotes) are msgspec structs that the garbage
collector does not track: a full collection never walks the data.

`Loaded` (a dataset with its warnings), where a dataset's files are (`resolve_dataset`)
and the size limits live here too rather than in `timeline.loader`, so that the store
can use them without importing the loader (PyYAML, the strict YAML reader). The loader
re-exports every one of these names.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

import msgspec

from timeline.dates import EdtfDate
from timeline.diagnostics import Diagnostic

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_SOURCE_BYTES",
    "Dataset",
    "DetailReader",
    "DetailsNotLoaded",
    "Event",
    "EventDetails",
    "Loaded",
    "ProgressCallback",
    "Quote",
    "Source",
    "SourceKind",
    "Span",
    "Status",
    "Theme",
    "bundled_dataset_path",
    "dataset_title",
    "detail_texts_in_memory",
    "max_events_bytes",
    "resolve_dataset",
    "sort_by_date",
]

DEFAULT_MAX_BYTES = 2 << 30
"""The largest events file read (2 GiB: a million events take about 1.1 GB); raise it
with the `TIMELINE_MAX_BYTES` environment variable."""
MAX_SOURCE_BYTES = 8 << 20
"""The largest article read: 8 MiB is a long book, far beyond any news article."""

ProgressCallback = Callable[[float], None]
"""Called now and then with the fraction of the work done, from 0.0 to 1.0."""


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


class Theme(msgspec.Struct, frozen=True, gc=False):
    """A theme from the dataset's vocabulary, such as `security` or `space`."""

    id: str
    label: str
    description: str


class Span(msgspec.Struct, frozen=True, gc=False):
    """Where a quote sits in its article.

    `start` and `end` are character offsets into `Source.text` (end exclusive); `line`
    and `column` are 1-based and count in the source *file*, front matter included, so an
    editor opened at `path:line:column` lands on the excerpt.
    """

    start: int
    end: int
    line: int
    column: int


class DetailReader(Protocol):
    """Where the details of events loaded without them are kept (`timeline.store.Store`)."""

    def event_details(self, event_id: str) -> EventDetails:
        """The summary, date basis and quotes of one event, by its id."""

    def detail_texts(self, event_ids: Sequence[str]) -> list[tuple[str, ...]]:
        """The summary and quote texts of each of these events, for search."""


class Source(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """One article: its metadata (from the file's front matter) and its verbatim text.

    `path` is relative to the dataset folder, such as `sources/yomiuri-2023-01-14.txt`.
    `text` is the article body after the front matter; `body_line` is the file line on
    which that body starts. `origin` names the raw file the text came from and `notes`
    says what was removed from it (page furniture), where the front matter gives them.
    `ignore` holds the file lines that the front matter marks as page furniture (its
    `ignore:` entries name them by their text), which `timeline.coverage` does not count.
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
    ignore: tuple[int, ...] = ()


class Quote(msgspec.Struct, frozen=True, gc=False):
    """A verbatim excerpt of a source that reports an event, and where it was found."""

    source_id: str
    text: str
    span: Span


class EventDetails(msgspec.Struct, frozen=True, gc=False):
    """What an event's own panel shows and a timeline row does not: most of its memory."""

    summary: str
    date_basis: str | None
    quotes: tuple[Quote, ...]


class DetailsNotLoaded(LookupError):
    """An event's details were asked of an event loaded without them: ask its dataset
    (`Dataset.full`), which reads them from the store."""


class Event(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """One dated event, with the quotes of every article that reports it.

    Build one with `Event.new(...)`. The fields are what a timeline row and the filters
    need; `details` holds the summary, date basis and quotes, or is None for an event
    read from the store without them (a big dataset in the TUI): `Dataset.full(event)`
    then reads them by the event's id, where they are shown.
    """

    id: str
    date: EdtfDate
    title: str
    themes: tuple[str, ...]
    actors: tuple[str, ...]
    places: tuple[str, ...]
    status: Status
    source_ids: tuple[str, ...]
    """The ids of the articles that report this event, each once, in quote order."""
    details: EventDetails | None = None

    @classmethod
    def new(
        cls,
        *,
        id: str,
        date: EdtfDate,
        title: str,
        summary: str,
        themes: tuple[str, ...],
        actors: tuple[str, ...],
        places: tuple[str, ...],
        status: Status,
        date_basis: str | None,
        quotes: tuple[Quote, ...],
    ) -> Event:
        """An event with its details, its `source_ids` taken from its quotes."""
        return cls(
            id=id,
            date=date,
            title=title,
            themes=themes,
            actors=actors,
            places=places,
            status=status,
            source_ids=tuple(dict.fromkeys(q.source_id for q in quotes)),
            details=EventDetails(summary, date_basis, quotes),
        )

    def _details(self) -> EventDetails:
        if self.details is None:
            raise DetailsNotLoaded(f"event {self.id!r} was loaded without its details")
        return self.details

    @property
    def summary(self) -> str:
        """A few sentences on what happened."""
        return self._details().summary

    @property
    def date_basis(self) -> str | None:
        """Why the event has this date, when the dataset says."""
        return self._details().date_basis

    @property
    def quotes(self) -> tuple[Quote, ...]:
        """The quotes of the articles that report the event, in dataset order."""
        return self._details().quotes


def detail_texts_in_memory(events: Sequence[Event]) -> list[tuple[str, ...]]:
    """`(summary, *quote_texts)` of each event, whose details are in memory."""
    return [(e.summary, *(q.text for q in e.quotes)) for e in events]


def sort_by_date(events: Iterable[Event]) -> tuple[Event, ...]:
    """Events in timeline order (`EdtfDate.sort_key`: anchor day, then latest day);
    ties keep their order."""
    return tuple(sorted(events, key=lambda e: e.date.sort_key))


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
    store: DetailReader | None = field(default=None, compare=False, repr=False)
    """Where the details of events loaded without them are read (None: all in memory)."""
    title: str | None = None
    """The dataset's name, from the `title` of its events file, if it has one."""
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

    def actors(self) -> tuple[str, ...]:
        """Every actor the events name, each once, in the order first named."""
        return tuple(dict.fromkeys(actor for event in self.events for actor in event.actors))

    def full(self, event: Event) -> Event:
        """`event` with its details, read from the store if it was loaded without them.

        Raises `OSError` (`timeline.store.StoreError`) if the store cannot be read.
        """
        if event.details is not None or self.store is None:
            return event
        return msgspec.structs.replace(event, details=self.store.event_details(event.id))

    def detail_texts(self, events: Sequence[Event]) -> list[tuple[str, ...]]:
        """`(summary, *quote_texts)` of each event, in order: what free-text search reads.
        Events loaded without their details are read from the store in one go."""
        if self.store is None or all(e.details is not None for e in events):
            return detail_texts_in_memory(events)
        return self.store.detail_texts([e.id for e in events])


class Loaded(msgspec.Struct, frozen=True):
    """A dataset that loaded, with the warnings found on the way."""

    dataset: Dataset
    warnings: tuple[Diagnostic, ...]


# -- where a dataset's files are -------------------------------------------------------


def bundled_dataset_path() -> Path:
    """The folder of the bundled Japan–U.S. dataset, inside the installed package."""
    return Path(__file__).resolve().parent / "data"


def resolve_dataset(path: str | Path | None) -> tuple[Path, Path]:
    """The dataset folder and its events file, for a folder, an events file, or None
    (the bundled dataset). Nothing is checked here; `load_dataset` reports problems."""
    if path is None:
        root = bundled_dataset_path()
        return root, root / "events.yaml"
    given = Path(path)
    # A name too long to look up is not a folder: load_dataset reports it as unreadable.
    if is_dir(given):
        return given, given / "events.yaml"
    return given.parent, given


def max_events_bytes(given: int | None = None) -> int:
    """The largest events file to read: `given`, else `TIMELINE_MAX_BYTES`, else
    `DEFAULT_MAX_BYTES`."""
    if given is not None:
        return given
    configured = os.environ.get("TIMELINE_MAX_BYTES", "")
    return int(configured) if configured.isdigit() else DEFAULT_MAX_BYTES


def is_dir(path: Path) -> bool:
    """`path.is_dir()`, False for a name the system cannot even look up."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def dataset_title(dataset: Dataset) -> str:
    """What to call the dataset: its title, else its folder's name."""
    return dataset.title or PurePath(dataset.root).name or dataset.root
