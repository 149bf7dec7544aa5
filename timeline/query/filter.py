"""What the user asked to see (`Filter`), and the plain rule it is judged by (`matches`,
`filter_events`): a loop over the events, simple enough to be obviously right, that
property tests hold the fast `EventIndex` to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Self

import msgspec

from timeline.model import Event, Status
from timeline.text import fold_case

__all__ = [
    "FacetCounts",
    "Filter",
    "event_search_text",
    "facet_counts",
    "filter_events",
    "matches",
]


class Filter(msgspec.Struct, frozen=True, gc=False):
    """What the user asked to see. The empty `Filter()` matches every event.

    Within a facet, values are alternatives (any actor of `actors`); across facets, all
    must hold. Themes match any of `themes`, or all of them when `all_themes` is set.
    `date_from`/`date_to` are day numbers (`timeline.dates.day_number`) and an event
    counts when its EDTF bounds overlap them. `text` is split into words, each of which
    must occur, case-insensitively, in the title, summary or a quote.

    `as_of`, a day number, shows the dataset as it was known that day
    (`timeline.asof`): only the events that sources published by then report, with
    their status as it then stood. The other fields apply to the events so seen; the
    reference for it is `timeline.asof.dataset_as_of` followed by `filter_events`.
    """

    themes: frozenset[str] = frozenset()
    all_themes: bool = False
    actors: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    statuses: frozenset[Status] = frozenset()
    date_from: int | None = None
    date_to: int | None = None
    text: str = ""
    as_of: int | None = None

    @property
    def is_empty(self) -> bool:
        """True when the filter lets every event through."""
        return self == Filter(all_themes=self.all_themes)

    def but(self, **changes: object) -> Self:
        """A copy with the given fields replaced (the value itself never changes)."""
        return msgspec.structs.replace(self, **changes)

    @property
    def terms(self) -> tuple[str, ...]:
        """The search words, case-folded, in the order typed."""
        return tuple(fold_case(self.text).split())


def event_search_text(event: Event) -> str:
    """The case-folded text that free-text search looks in: title, summary and quotes."""
    parts = [event.title, event.summary, *(q.text for q in event.quotes)]
    return "\n".join(fold_case(part) for part in parts)


def matches(event: Event, filt: Filter) -> bool:
    """Whether one event passes the filter (the reference rule all fast paths follow)."""
    if filt.all_themes and not filt.themes.issubset(event.themes):
        return False
    if filt.themes and not filt.all_themes and filt.themes.isdisjoint(event.themes):
        return False
    if filt.actors and filt.actors.isdisjoint(event.actors):
        return False
    if filt.sources and filt.sources.isdisjoint(event.source_ids):
        return False
    if filt.statuses and event.status not in filt.statuses:
        return False
    if filt.date_from is not None and event.date.upper < filt.date_from:
        return False
    if filt.date_to is not None and event.date.lower > filt.date_to:
        return False
    terms = filt.terms
    if terms:
        haystack = event_search_text(event)
        return all(term in haystack for term in terms)
    return True


def filter_events(events: Iterable[Event], filt: Filter) -> list[Event]:
    """The events that pass `filt`, in the order given."""
    return [event for event in events if matches(event, filt)]


class FacetCounts(msgspec.Struct, frozen=True):
    """How many of a set of events carry each theme, actor, source and status.

    Each mapping holds the values carried by at least one of the events; `counts` and
    `facet_counts` give dicts, `EventIndex.lazy_counts` gives `LazyCounts` for the big
    facets.
    """

    themes: Mapping[str, int]
    actors: Mapping[str, int]
    sources: Mapping[str, int]
    statuses: Mapping[Status, int]


def facet_counts(events: Iterable[Event]) -> FacetCounts:
    """Count themes, actors, sources and statuses over `events`."""
    listed = list(events)
    # Each event counts once per theme or actor, even if it lists one twice.
    return FacetCounts(
        dict(Counter(theme for e in listed for theme in dict.fromkeys(e.themes))),
        dict(Counter(actor for e in listed for actor in dict.fromkeys(e.actors))),
        dict(Counter(source for e in listed for source in e.source_ids)),
        dict(Counter(e.status for e in listed)),
    )
