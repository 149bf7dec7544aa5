"""Filtering, facet counts and date order: pure functions over a loaded dataset.

`Filter` is one immutable value describing everything the user asked for. `filter_events`
is the plain reference implementation (`filter`); `EventIndex` (`index`) precomputes
bitsets per facet value (`counts`), per date bound (`date_index`) and per character, and
the events of every word of the case-folded search text (`text_index`), so that applying
a filter to 100,000 events costs a few big-int operations instead of a scan. Both give
the same answer, and a property test holds them to it.
"""

from timeline.model import sort_by_date
from timeline.query.counts import LazyCounts
from timeline.query.filter import (
    FacetCounts,
    Filter,
    event_search_text,
    facet_counts,
    filter_events,
    matches,
)
from timeline.query.index import EventIndex, SearchResult
from timeline.query.text_index import SearchTables

__all__ = [
    "EventIndex",
    "FacetCounts",
    "Filter",
    "LazyCounts",
    "SearchResult",
    "SearchTables",
    "event_search_text",
    "facet_counts",
    "filter_events",
    "matches",
    "sort_by_date",
]
