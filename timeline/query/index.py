"""`EventIndex`: a dataset's events in date order, with what filtering needs precomputed."""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

import msgspec

from timeline.asof import event_as_of, sources_known
from timeline.model import Dataset, Event, Status, sort_by_date
from timeline.query.counts import LazyCounts, count_all, mask_to_positions, positions_to_mask
from timeline.query.date_index import DateIndex
from timeline.query.filter import FacetCounts, Filter, event_search_text
from timeline.query.text_index import SearchTables, TextIndex

__all__ = ["AsOfView", "EventIndex", "SearchResult"]


class SearchResult(msgspec.Struct, frozen=True):
    """The events that passed a filter: `positions` ascending, and the same as a bitset.

    `as_of` is the filter's as-of day, which the facet counts of the result follow."""

    positions: array[int]
    mask: int
    as_of: int | None = None

    def __len__(self) -> int:
        return len(self.positions)


@dataclass(slots=True)
class EventIndex:
    """A dataset's events in date order, with what filtering needs precomputed.

    Each facet value (theme, actor, source, status) has a bitset over date order
    (`timeline.query.counts`): combining facets and counting are big-int operations.
    Free text and dates have bitsets too, built by `prepare_search` (in a background
    thread); the first search builds them if nothing has yet. Build it once per dataset;
    it is never changed afterwards, but for `prepare_search`, which publishes what it
    builds in one assignment.
    """

    dataset: Dataset
    events: tuple[Event, ...] = field(init=False)
    positions: dict[str, int] = field(init=False)
    _text_index: TextIndex | None = field(init=False, repr=False, compare=False)
    _date_index: DateIndex | None = field(init=False, repr=False, compare=False)
    _prepare_lock: threading.Lock = field(init=False, repr=False, compare=False)
    _theme_masks: dict[str, int] = field(init=False, repr=False)
    _actor_masks: dict[str, int] = field(init=False, repr=False)
    _source_masks: dict[str, int] = field(init=False, repr=False)
    _status_masks: dict[Status, int] = field(init=False, repr=False)
    _lower: list[int] = field(init=False, repr=False)
    _upper: list[int] = field(init=False, repr=False)
    _all: int = field(init=False, repr=False)
    _as_of_views: dict[int, AsOfView] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.events = sort_by_date(self.dataset.events)
        self.positions = {event.id: i for i, event in enumerate(self.events)}
        self._text_index = None
        self._date_index = None
        self._prepare_lock = threading.Lock()
        by_theme: dict[str, list[int]] = {}
        by_actor: dict[str, list[int]] = {}
        by_source: dict[str, list[int]] = {}
        by_status: dict[Status, list[int]] = {}
        for i, event in enumerate(self.events):
            for theme in dict.fromkeys(event.themes):
                by_theme.setdefault(theme, []).append(i)
            for actor in dict.fromkeys(event.actors):
                by_actor.setdefault(actor, []).append(i)
            for source in event.source_ids:
                by_source.setdefault(source, []).append(i)
            by_status.setdefault(event.status, []).append(i)
        size = len(self.events)
        self._theme_masks = {k: positions_to_mask(v, size) for k, v in by_theme.items()}
        self._actor_masks = {k: positions_to_mask(v, size) for k, v in by_actor.items()}
        self._source_masks = {k: positions_to_mask(v, size) for k, v in by_source.items()}
        self._status_masks = {k: positions_to_mask(v, size) for k, v in by_status.items()}
        self._lower = [event.date.lower for event in self.events]
        self._upper = [event.date.upper for event in self.events]
        self._all = (1 << size) - 1
        self._as_of_views = {}

    def __len__(self) -> int:
        return len(self.events)

    def prepare_search(self) -> None:
        """Build the text and date indexes now, if no search has built them yet.

        Safe to call from any thread while others search: each index is published by
        one assignment, and a second caller waits for the first one's build instead of
        doing it again.
        """
        if self._text_index is None:
            self._publish(lambda: TextIndex.build(self.events, self.dataset.detail_texts))

    @property
    def search_ready(self) -> bool:
        """Whether `prepare_search` has finished (until then a text search waits for it)."""
        return self._text_index is not None

    def search_tables(self) -> SearchTables | None:
        """The text index as plain values, for `load_search_tables` on the same events
        (None until `prepare_search` has run)."""
        text = self._text_index
        return None if text is None else text.tables()

    def load_search_tables(self, tables: SearchTables) -> bool:
        """Adopt a text index from `search_tables` instead of building it, and build the
        date index (a small part of `prepare_search`'s work).

        `tables` must come from an index of the same events in the same order: the
        caller keys them to the data. Every count, range and order a lookup relies on is
        checked (`TextIndex.from_tables`); False, and nothing changed, for tables that
        do not hold a whole index of this many events. Safe from any thread, as
        `prepare_search` is.
        """
        try:
            if tables.size != len(self.events):
                return False
            text = TextIndex.from_tables(tables)
        except Exception:  # any damage means "not adopted": the caller builds instead
            return False
        self._publish(lambda: text)
        return True

    def _publish(self, text_index: Callable[[], TextIndex]) -> None:
        """Build the date index and make the text index, unless another thread has."""
        with self._prepare_lock:
            if self._date_index is None:
                self._date_index = DateIndex.build(self._lower, self._upper)
            if self._text_index is None:
                self._text_index = text_index()

    def search(self, filt: Filter, within: SearchResult | None = None) -> SearchResult:
        """The events that pass `filt`.

        `within`, when given, is a previous result known to contain the answer (the user
        typed one more letter); the answer is the same with or without it.
        """
        mask = self._all if within is None else within.mask
        source_masks, status_masks = self._source_masks, self._status_masks
        view = None if filt.as_of is None else self.as_of_view(filt.as_of)
        if view is not None:
            mask &= view.reach
            source_masks, status_masks = view.source_masks, view.status_masks
        if filt.themes:
            groups = [self._theme_masks.get(theme, 0) for theme in filt.themes]
            if filt.all_themes:
                for group in groups:
                    mask &= group
            else:
                mask &= _union(groups)
        for values, masks in (
            (filt.actors, self._actor_masks),
            (filt.sources, source_masks),
            (filt.statuses, status_masks),
        ):
            if values:
                mask &= _union(masks.get(value, 0) for value in values)  # type: ignore[call-overload]
        if filt.date_from is not None or filt.date_to is not None:
            mask = self._in_dates(mask, filt.date_from, filt.date_to)
        terms = filt.terms
        if terms and mask:
            if self._text_index is None:
                self.prepare_search()
            text = self._text_index
            assert text is not None
            for term in terms:
                mask &= text.term_mask(term)
                if not mask:
                    break
            if view is not None and mask & view.partial:
                mask = self._recheck_partial(mask, view, terms)
        return SearchResult(mask_to_positions(mask), mask, filt.as_of)

    def as_of_view(self, day: int) -> AsOfView:
        """The bitsets of the dataset as known on `day` (`timeline.asof`), built from
        the per-source bitsets once per day and kept: stepping back and forth through
        the publication days costs nothing after the first visit."""
        view = self._as_of_views.get(day)
        if view is not None:
            return view
        known = sources_known(self.dataset.sources, day)
        source_masks = {s: m for s, m in self._source_masks.items() if s in known}
        reach = _union(source_masks.values())
        partial = reach & _union(m for s, m in self._source_masks.items() if s not in known)
        later = self._all & ~self._in_dates(self._all, None, day)
        occurred = self._status_masks.get(Status.OCCURRED, 0)
        status_masks = {s: m & reach for s, m in self._status_masks.items()}
        status_masks[Status.OCCURRED] = occurred & reach & ~later
        status_masks[Status.SCHEDULED] = (
            self._status_masks.get(Status.SCHEDULED, 0) | occurred & later
        ) & reach
        view = AsOfView(day, known, reach, partial, source_masks, status_masks)
        self._as_of_views[day] = view
        return view

    def _recheck_partial(self, mask: int, view: AsOfView, terms: tuple[str, ...]) -> int:
        """Drop the events that matched the words only in quotes not yet published: the
        few events with some sources unknown on the day are searched again as then."""
        for i in mask_to_positions(mask & view.partial):
            seen = event_as_of(self.dataset.full(self.events[i]), view.known, view.day)
            haystack = "" if seen is None else event_search_text(seen)
            if not all(term in haystack for term in terms):
                mask &= ~(1 << i)
        return mask

    def event_as_of(self, position: int, day: int | None) -> Event:
        """The event at `position` as shown on `day` (None: as it is): only the quotes
        and status known then, its details loaded if they were not."""
        event = self.dataset.full(self.events[position])
        if day is None:
            return event
        seen = event_as_of(event, self.as_of_view(day).known, day)
        return event if seen is None else seen

    def _in_dates(self, mask: int, date_from: int | None, date_to: int | None) -> int:
        """The events of `mask` in the date range: by the date index, or by a loop over
        the events before `prepare_search` has built it."""
        dates = self._date_index
        if dates is not None:
            if date_from is not None and mask:
                mask &= dates.since(date_from)
            if date_to is not None and mask:
                mask &= dates.until(date_to)
            return mask
        positions: Sequence[int] = mask_to_positions(mask)
        if date_from is not None:
            upper = self._upper
            positions = [i for i in positions if upper[i] >= date_from]
        if date_to is not None:
            lower = self._lower
            positions = [i for i in positions if lower[i] <= date_to]
        return positions_to_mask(positions, len(self.events))

    def apply(self, filt: Filter, within: Sequence[int] | None = None) -> list[int]:
        """Positions of the events that pass `filt`, ascending (date order)."""
        previous = None if within is None else self._result(within)
        return self.search(filt, previous).positions.tolist()

    def _result(self, positions: Iterable[int]) -> SearchResult:
        listed = array("I", positions)
        return SearchResult(listed, positions_to_mask(listed, len(self.events)))

    def counts(self, result: SearchResult) -> FacetCounts:
        """Facet counts over a result: one AND and a popcount per facet value."""
        return self._counts(result, count_all)

    def lazy_counts(self, result: SearchResult) -> FacetCounts:
        """The same counts as `counts`, but actors and sources counted as looked up.

        For a screen that shows a few dozen of the thousands of actors and sources;
        themes and statuses, a handful each, are counted at once.
        """
        return self._counts(result, LazyCounts)

    def _counts(
        self, result: SearchResult, count: Callable[[dict[str, int], int], Mapping[str, int]]
    ) -> FacetCounts:
        """The counts over `result`, with actors and sources counted by `count`."""
        mask = result.mask
        sources, statuses = self._source_masks, self._status_masks
        if result.as_of is not None:
            view = self.as_of_view(result.as_of)
            sources, statuses = view.source_masks, view.status_masks
        return FacetCounts(
            count_all(self._theme_masks, mask),
            count(self._actor_masks, mask),
            count(sources, mask),
            count_all(statuses, mask),
        )

    def position_of(self, event_id: str) -> int | None:
        """Where the event with this id stands in date order, or None."""
        return self.positions.get(event_id)


class AsOfView(msgspec.Struct, frozen=True):
    """The bitsets of an `EventIndex` as known on `day`: `reach` the events that the
    `known` sources report, `partial` those of them that unknown sources report too,
    and the source and status bitsets of the events as then seen."""

    day: int
    known: frozenset[str]
    reach: int
    partial: int
    source_masks: dict[str, int]
    status_masks: dict[Status, int]


def _union(masks: Iterable[int]) -> int:
    return reduce(or_, masks, 0)
