"""Model builders and hypothesis strategies shared by the tests.

Builders make one valid model object with sensible defaults, so a test names only what it
is about. Strategies draw small random datasets and filters from little vocabularies, so
that random filters actually hit: themes, actors and sources repeat across events, and
titles, summaries and quotes mix case, accents (precomposed and decomposed), curly quotes
and dashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from typing import Any
from unittest.mock import patch

from hypothesis import strategies as st

from timeline.dates import day_number, parse_edtf
from timeline.model import Dataset, Event, Quote, Source, SourceKind, Span, Status, Theme
from timeline.query import Filter, date_index, text_index

__all__ = [
    "ACTORS",
    "DATE_POOL",
    "SOURCE_IDS",
    "THEMES",
    "WORDS",
    "datasets",
    "events",
    "events_of_text",
    "filters",
    "index_settings",
    "make_dataset",
    "make_event",
    "make_quote",
    "make_source",
    "patch_index",
]

THEMES = ("security", "economy", "space", "climate", "trade")
ACTORS = ("Kishida", "Biden", "Ishiba", "Trump", "NATO")
SOURCE_IDS = ("yomiuri-2023", "nhk-2024", "ap-2024", "reuters-2025")

DATE_POOL = (
    "2023-01-13",
    "2023-01-11",
    "2023-01",
    "2023",
    "2023-05",
    "2023-05-31",
    "2023-06-01",
    "2023-05-19/2023-05-21",
    "2023-12~",
    "2023?",
    "2024-02-29",
    "2024-04-10",
    "2024-04-10/..",
    "2024-04/2025-03",
    "2024-23",
    "2023-24",
    "../2025-03",
    "../2023",
    "/2024-06",
    "2022-12/",
    "201X",
    "20XX",
    "2024-XX",
    "1985-04-12T23:20:30Z",
    "-0044-03-15",
)
"""EDTF strings of every shape the query layer must handle: days, months, years,
seasons, qualified and unspecified dates, closed, open and unknown-ended intervals."""

WORDS = (
    "summit",
    "Summit",
    "SUMMIT",
    "alliance",
    "Tōkyō",
    "Straße",
    "STRASSE",
    "café",
    "Cafe\u0301",  # decomposed: NFC makes it "Café"
    "naïve",
    "İstanbul",
    "‘deterrence’",
    "'deterrence'",
    "“missile”",
    '"missile"',
    "Japan–U.S.",
    "Japan-U.S.",
    "G7",
    "g7",
    "東京",
    "Ελλάδα",
)
"""Words for titles, summaries and quotes: case variants, accents, typographic quotes
and dashes, and non-Latin scripts."""


def make_quote(source_id: str, text: str) -> Quote:
    """A quote of `text` from `source_id`, placed at the start of its article."""
    return Quote(source_id=source_id, text=text, span=Span(0, len(text), 1, 1))


def make_event(
    event_id: str,
    date: str = "2023-01-13",
    *,
    title: str | None = None,
    summary: str = "",
    themes: Iterable[str] = (),
    actors: Iterable[str] = (),
    places: Iterable[str] = (),
    status: Status = Status.OCCURRED,
    quotes: Iterable[Quote | tuple[str, str]] = (),
) -> Event:
    """An event; `quotes` may be `Quote`s or `(source_id, text)` pairs."""
    return Event.new(
        id=event_id,
        date=parse_edtf(date),
        title=event_id if title is None else title,
        summary=summary,
        themes=tuple(themes),
        actors=tuple(actors),
        places=tuple(places),
        status=status,
        date_basis=None,
        quotes=tuple(q if isinstance(q, Quote) else make_quote(*q) for q in quotes),
    )


def make_source(source_id: str, text: str = "", published: str = "2023-01-14") -> Source:
    """An article with the given id and body."""
    return Source(
        id=source_id,
        title=f"Article {source_id}",
        outlet="Outlet",
        published=parse_edtf(published),
        published_basis=None,
        kind=SourceKind.REPORT,
        byline=None,
        credit=None,
        path=f"sources/{source_id}.txt",
        text=text,
        body_line=1,
    )


def make_dataset(events: Sequence[Event], root: str = "test-data") -> Dataset:
    """A dataset holding `events`, with every theme and source they refer to."""
    theme_ids = dict.fromkeys(t for e in events for t in e.themes)
    source_texts: dict[str, list[str]] = {}
    for event in events:
        for quote in event.quotes:
            source_texts.setdefault(quote.source_id, []).append(quote.text)
    return Dataset(
        root=root,
        themes=tuple(Theme(t, t.title(), f"The {t} theme") for t in theme_ids),
        sources=tuple(make_source(s, "\n".join(texts)) for s, texts in source_texts.items()),
        events=tuple(events),
    )


_texts = st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join)


@st.composite
def events(draw: st.DrawFn, event_id: str = "e0") -> Event:
    """One random event. Themes and actors may repeat within an event, which the query
    layer must count once."""
    return make_event(
        event_id,
        draw(st.sampled_from(DATE_POOL)),
        title=draw(_texts),
        summary=draw(_texts),
        themes=draw(st.lists(st.sampled_from(THEMES), max_size=3)),
        actors=draw(st.lists(st.sampled_from(ACTORS), max_size=2)),
        status=draw(st.sampled_from(Status)),
        quotes=draw(st.lists(st.tuples(st.sampled_from(SOURCE_IDS), _texts), max_size=2)),
    )


@st.composite
def datasets(draw: st.DrawFn, max_events: int = 8) -> Dataset:
    """A dataset of up to `max_events` random events with unique ids, in random order."""
    count = draw(st.integers(0, max_events))
    return make_dataset([draw(events(f"e{i}")) for i in range(count)])


def _pool_days() -> list[int]:
    """Day numbers on and next to every bound in `DATE_POOL`, where filters bite."""
    days = {day_number(1900, 1, 1), day_number(2030, 6, 15)}
    for text in DATE_POOL:
        date = parse_edtf(text)
        for point in (date.start, date.end):
            if point is not None:
                days.update((point.lower - 1, point.lower, point.upper, point.upper + 1))
    return sorted(days)


_DAYS = _pool_days()

_search_words = st.one_of(
    st.sampled_from(WORDS),
    # A prefix of a word: what the user has typed so far.
    st.sampled_from(WORDS).flatmap(lambda w: st.integers(1, len(w)).map(lambda n: w[:n])),
    st.sampled_from(("summit", "missile", "deterrence", "strasse")).map(str.upper),
    st.sampled_from(("zzz", "'", "“", "-", "–")),
)


@st.composite
def filters(draw: st.DrawFn) -> Filter:
    """A random filter over the vocabularies above, each facet often left empty."""

    def subset(values: Sequence[str]) -> frozenset[str]:
        return frozenset(draw(st.lists(st.sampled_from(values), max_size=2)))

    words = draw(st.lists(_search_words, max_size=2))
    separator = draw(st.sampled_from((" ", "  ", "\t", "\u00a0")))
    return Filter(
        themes=subset((*THEMES, "unknown-theme")),
        all_themes=draw(st.booleans()),
        actors=subset((*ACTORS, "Nobody")),
        sources=subset((*SOURCE_IDS, "no-such-source")),
        statuses=frozenset(draw(st.lists(st.sampled_from(Status), max_size=2))),
        date_from=draw(st.none() | st.sampled_from(_DAYS)),
        date_to=draw(st.none() | st.sampled_from(_DAYS)),
        text=separator.join(words),
    )


@st.composite
def index_settings(draw: st.DrawFn) -> dict[str, Any]:
    """Thresholds of `timeline.query`'s search index (patch them in with
    `patch_index(settings)`), from "everything a bitset" to
    "nothing a bitset", with batches small enough that characters are first met late."""
    return {
        "_DENSE_WORD": draw(st.sampled_from([1, 2, 32, 10**9])),
        "_MASKED_CHARS": draw(st.sampled_from([0, 2, 256])),
        "_DATE_STEPS": draw(st.sampled_from([1, 3, 64])),
        "_MEMO_LIMIT": draw(st.sampled_from([1, 512])),
        "_BATCH": draw(st.sampled_from([1, 3, 2048])),
    }


@st.composite
def events_of_text(draw: st.DrawFn, text: st.SearchStrategy[str], count: int) -> list[Event]:
    """`count` events whose title, summary and quotes (0-2, from the first two sources)
    are drawn from `text`, with at most one of the first two themes: small alphabets
    make 1-3 character searches hit many words."""
    return [
        make_event(
            f"e{i}",
            draw(st.sampled_from(DATE_POOL)),
            title=draw(text),
            summary=draw(text),
            themes=draw(st.lists(st.sampled_from(THEMES[:2]), max_size=1)),
            quotes=draw(st.lists(st.tuples(st.sampled_from(SOURCE_IDS[:2]), text), max_size=2)),
        )
        for i in range(count)
    ]


def patch_index(settings: dict[str, Any]) -> ExitStack:
    """A context that patches the search index's module constants (`index_settings`, or
    any others) into the `timeline.query` modules that define them."""
    stack = ExitStack()
    found: set[str] = set()
    for module in (text_index, date_index):
        mine = {name: value for name, value in settings.items() if hasattr(module, name)}
        if mine:
            stack.enter_context(patch.multiple(module, **mine))
            found |= mine.keys()
    assert found == settings.keys(), f"no such setting: {settings.keys() - found}"
    return stack
