"""The domain types: themes, sources, quotes, events and the dataset that holds them.

Everything here is a frozen, slotted dataclass built once by the loader and never changed,
so the UI and the query layer can share them without copying or locking. Events and
articles read back from the cache keep their long texts in the cache file and read them
when asked (`Event`, `Source`, `timeline.details`); their API is the same.

`Loaded` (a dataset with its warnings), where a dataset's files are (`resolve_dataset`)
and the size limits live here too rather than in `timeline.loader`: the cache reads a
`Loaded` back and keys it by those files and limits, and importing the loader (PyYAML,
the strict YAML reader) for that would cost a warm start about 10 ms. The loader
re-exports every one of these names.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar, Protocol, cast

from timeline.dates import EdtfDate
from timeline.diagnostics import Diagnostic

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_SOURCE_BYTES",
    "Dataset",
    "DetailReader",
    "DetailRef",
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
    "detail_texts",
    "event_from_store",
    "max_events_bytes",
    "resolve_dataset",
    "sort_by_date",
    "source_from_store",
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


class DetailReader(Protocol):
    """Reads the details a cache entry keeps on disk (`timeline.details.DetailStore`):
    what a lazily read `Event` or `Source` asks for its long texts."""

    def event_details(self, index: int) -> EventDetails:
        """The summary, date basis and quotes of the entry's event number `index`."""
        ...

    def source_text(self, index: int) -> str:
        """The text of the entry's article number `index`."""
        ...

    def detail_texts(self, indices: Sequence[int]) -> list[tuple[str, ...]]:
        """The summary and quote texts of each of these events, for a reader of many."""
        ...


EventDetails = tuple[str, str | None, tuple["Quote", ...]]
"""An event's details: its summary, its date basis and its quotes."""


class DetailRef:
    """Where the details of a lazily read event or article are: a reader and a record
    number in it. Two references are equal when they name the same record."""

    __slots__ = ("index", "reader")

    def __init__(self, reader: DetailReader, index: int) -> None:
        """Name record `index` of `reader`."""
        self.reader = reader
        self.index = index

    def __eq__(self, other: object) -> bool:
        """Same reader (by identity), same record."""
        if not isinstance(other, DetailRef):
            return NotImplemented
        return self.reader is other.reader and self.index == other.index

    def __hash__(self) -> int:
        """Consistent with `__eq__`."""
        return hash((id(self.reader), self.index))


class _PublicFields:
    """What `Source` and `Event` share, whose long texts may stay on disk: the hash,
    repr and pickling a plain dataclass would generate from its public fields
    (`_FIELDS`), which here are partly properties."""

    __slots__ = ()
    _FIELDS: ClassVar[tuple[str, ...]]
    id: str

    def __hash__(self) -> int:
        """The id's hash: equal values have equal ids."""
        return hash(self.id)

    def __repr__(self) -> str:
        """As the generated dataclass repr, long texts included."""
        fields_ = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._FIELDS)
        return f"{type(self).__qualname__}({fields_})"

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        """Pickled (and copied) with its long texts, through the public constructor."""
        return type(self), tuple(getattr(self, name) for name in self._FIELDS)


_SOURCE_FIELDS = (
    "id",
    "title",
    "outlet",
    "published",
    "published_basis",
    "kind",
    "byline",
    "credit",
    "path",
    "text",
    "body_line",
    "origin",
    "notes",
)
_SOURCE_METADATA = tuple(name for name in _SOURCE_FIELDS if name != "text")


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False, match_args=False)
class Source(_PublicFields):
    """One article: its metadata (from the file's front matter) and its verbatim text.

    `path` is relative to the dataset folder, such as `sources/yomiuri-2023-01-14.txt`.
    `text` is the article body after the front matter; `body_line` is the file line on
    which that body starts. `origin` names the raw file the text came from and `notes`
    says what was removed from it (page furniture), where the front matter gives them.

    Built as `Source(id=..., title=..., ..., text=..., body_line=..., origin=...,
    notes=...)`, as a plain dataclass would be. `text` is a property over the private
    slot `_text`, which holds either the text itself or, for an article read back from
    the cache (`timeline.cache`), a `DetailRef` to it in the cache file: the text is
    read when asked for, and not kept. Equality compares every public field, text
    included; the hash is the id's, so it is consistent with equality.
    """

    _FIELDS: ClassVar[tuple[str, ...]] = _SOURCE_FIELDS
    # A class that defines `__eq__` gets `__hash__ = None` unless it names one itself.
    __hash__ = _PublicFields.__hash__

    id: str
    title: str
    outlet: str
    published: EdtfDate
    published_basis: str | None
    kind: SourceKind
    byline: str | None
    credit: str | None
    path: str
    body_line: int
    origin: str | None
    notes: str | None
    _text: str | DetailRef

    def __init__(
        self,
        id: str,
        title: str,
        outlet: str,
        published: EdtfDate,
        published_basis: str | None,
        kind: SourceKind,
        byline: str | None,
        credit: str | None,
        path: str,
        text: str,
        body_line: int,
        origin: str | None = None,
        notes: str | None = None,
    ) -> None:
        """An article whose text is held in memory."""
        set_ = object.__setattr__  # frozen: the documented way to fill the slots
        set_(self, "id", id)
        set_(self, "title", title)
        set_(self, "outlet", outlet)
        set_(self, "published", published)
        set_(self, "published_basis", published_basis)
        set_(self, "kind", kind)
        set_(self, "byline", byline)
        set_(self, "credit", credit)
        set_(self, "path", path)
        set_(self, "body_line", body_line)
        set_(self, "origin", origin)
        set_(self, "notes", notes)
        set_(self, "_text", text)

    @property
    def text(self) -> str:
        """The article body after the front matter."""
        text = self._text
        if isinstance(text, DetailRef):
            return text.reader.source_text(text.index)
        return text

    def __eq__(self, other: object) -> bool:
        """Equal when every public field is (a lazily read article equals the same
        article read from its file)."""
        if self is other:
            return True
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Source)
        mine, theirs = self._text, other._text
        # The same record of the same file holds the same text: no need to read it.
        same_record = isinstance(mine, DetailRef) and mine == theirs
        names = _SOURCE_METADATA if same_record else _SOURCE_FIELDS
        return all(getattr(self, n) == getattr(other, n) for n in names)


def source_from_store(
    id: str,
    title: str,
    outlet: str,
    published: EdtfDate,
    published_basis: str | None,
    kind: SourceKind,
    byline: str | None,
    credit: str | None,
    path: str,
    body_line: int,
    origin: str | None,
    notes: str | None,
    reader: DetailReader,
    index: int,
) -> Source:
    """An article whose text stays in `reader` (record `index`), read when asked for.

    `timeline.cache` rebuilds the articles of a cache entry with this (a few thousand at
    most, so through the constructor; the text placeholder is replaced at once).
    """
    source = Source(
        id, title, outlet, published, published_basis, kind, byline, credit, path,
        "", body_line, origin, notes,
    )  # fmt: skip
    object.__setattr__(source, "_text", DetailRef(reader, index))
    return source


@dataclass(frozen=True, slots=True)
class Quote:
    """A verbatim excerpt of a source that reports an event, and where it was found."""

    source_id: str
    text: str
    span: Span


_EVENT_FIELDS = (
    "id",
    "date",
    "title",
    "summary",
    "themes",
    "actors",
    "places",
    "status",
    "date_basis",
    "quotes",
)
_EVENT_SKELETON = ("id", "date", "title", "themes", "actors", "places", "status", "source_ids")


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False, match_args=False)
class Event(_PublicFields):
    """One dated event, with the quotes of every article that reports it.

    Built as `Event(id=..., date=..., title=..., summary=..., themes=..., actors=...,
    places=..., status=..., date_basis=..., quotes=...)`, as a plain dataclass would be.

    `summary`, `date_basis` and `quotes` (the *details*: most of an event's memory) are
    properties over the private slot `_details`, which holds either the three values
    (an event built by the loader or by hand) or, for an event read back from the cache
    (`timeline.cache`), a `DetailRef` to its record in the cache file: the details are
    read when asked for (`timeline.details` keeps a few recent ones), and not kept.
    `source_ids` is stored, so what needs only the articles an event cites (facets,
    `provenance.citations_of`) never reads details. Equality compares every public
    field, details included (a lazily read event equals the same event parsed from
    YAML); the hash is the id's, so it is consistent with equality. The details are not
    dataclass fields, so `dataclasses.replace` does not apply: build a new `Event`.
    """

    _FIELDS: ClassVar[tuple[str, ...]] = _EVENT_FIELDS
    __hash__ = _PublicFields.__hash__  # as in `Source`

    id: str
    date: EdtfDate
    title: str
    themes: tuple[str, ...]
    actors: tuple[str, ...]
    places: tuple[str, ...]
    status: Status
    source_ids: tuple[str, ...]
    """The ids of the articles that report this event, each once, in quote order."""
    _details: EventDetails | DetailRef

    def __init__(
        self,
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
    ) -> None:
        """An event whose details are held in memory."""
        set_ = object.__setattr__  # frozen: the documented way to fill the slots
        set_(self, "id", id)
        set_(self, "date", date)
        set_(self, "title", title)
        set_(self, "themes", themes)
        set_(self, "actors", actors)
        set_(self, "places", places)
        set_(self, "status", status)
        set_(self, "source_ids", tuple(dict.fromkeys(q.source_id for q in quotes)))
        set_(self, "_details", (summary, date_basis, quotes))

    def details(self) -> EventDetails:
        """The summary, date basis and quotes at once (one read for a lazy event)."""
        details = self._details
        if isinstance(details, DetailRef):
            return details.reader.event_details(details.index)
        return details

    @property
    def summary(self) -> str:
        """A few sentences on what happened."""
        return self.details()[0]

    @property
    def date_basis(self) -> str | None:
        """Why the event has this date, when the dataset says."""
        return self.details()[1]

    @property
    def quotes(self) -> tuple[Quote, ...]:
        """The quotes of the articles that report the event, in dataset order."""
        return self.details()[2]

    def __eq__(self, other: object) -> bool:
        """Equal when every public field is (a lazily read event equals the same
        event parsed from YAML)."""
        if self is other:
            return True
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Event)
        if any(getattr(self, n) != getattr(other, n) for n in _EVENT_SKELETON):
            return False
        mine, theirs = self._details, other._details
        # The same record of the same file holds the same details: no need to read it.
        return (
            mine is theirs
            or (isinstance(mine, DetailRef) and mine == theirs)
            or (self.details() == other.details())
        )


def sort_by_date(events: Iterable[Event]) -> tuple[Event, ...]:
    """Events in timeline order (`EdtfDate.sort_key`: anchor day, then latest day).

    The anchor is the first day, except for an interval open at its start, which is
    filed under its end ("by Mar 2025" sits in March 2025). Ties keep their order.
    """
    return tuple(sorted(events, key=lambda e: e.date.sort_key))


def detail_texts(events: Sequence[Event]) -> list[tuple[str, ...]]:
    """The summary and the quote texts of each event, `(summary, *quote_texts)`, in order.

    What free-text search indexes: for events read back from the cache this reads their
    records in bulk, without building `Quote` objects or filling the recent-records cache
    (about a third of the cost of asking each event for its details).
    """
    texts: list[tuple[str, ...] | None] = []
    lazy: dict[int, tuple[DetailReader, list[int], list[int]]] = {}
    for position, event in enumerate(events):
        details = event._details
        if isinstance(details, DetailRef):
            group = lazy.setdefault(id(details.reader), (details.reader, [], []))
            group[1].append(position)
            group[2].append(details.index)
            texts.append(None)
        else:
            texts.append((details[0], *(quote.text for quote in details[2])))
    for reader, positions, indices in lazy.values():
        for position, found in zip(positions, reader.detail_texts(indices), strict=True):
            texts[position] = found
    return cast("list[tuple[str, ...]]", texts)  # every None was filled above


def event_from_store(
    id: str,
    date: EdtfDate,
    title: str,
    themes: tuple[str, ...],
    actors: tuple[str, ...],
    places: tuple[str, ...],
    status: Status,
    source_ids: tuple[str, ...],
    reader: DetailReader,
    index: int,
) -> Event:
    """An event whose details stay in `reader` (record `index`), read when asked for.

    `timeline.cache` rebuilds the events of a cache entry with this: 100,000 calls on
    a warm start, so it fills the slots directly rather than through `__init__`.
    """
    event = object.__new__(Event)
    set_ = object.__setattr__
    set_(event, "id", id)
    set_(event, "date", date)
    set_(event, "title", title)
    set_(event, "themes", themes)
    set_(event, "actors", actors)
    set_(event, "places", places)
    set_(event, "status", status)
    set_(event, "source_ids", source_ids)
    set_(event, "_details", DetailRef(reader, index))
    return event


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


@dataclass(frozen=True, slots=True)
class Loaded:
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
