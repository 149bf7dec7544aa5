"""`EventIndex`: a dataset's events in date order, with what filtering needs precomputed."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from timeline.model import Dataset, Event, Status, sort_by_date
from timeline.query.counts import LazyCounts, count_all, mask_to_positions, positions_to_mask
from timeline.query.date_index import DateIndex
from timeline.query.filter import FacetCounts, Filter
from timeline.query.text_index import SearchTables, TextIndex

__all__ = ["EventIndex", "SearchResult"]


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The events that passed a filter: `positions` ascending, and the same as a bitset."""

    positions: list[int]
    mask: int

    def __len__(self) -> int:
        return len(self.positions)


@dataclass(slots=True)
class EventIndex:
    """A dataset's events in date order, with what filtering needs precomputed.

    Each facet value (theme, actor, source, status) has a bitset over date order, a
    Python int whose bit i stands for `events[i]`: combining facets is a few big-int
    ANDs and ORs, and a facet count is one AND and a popcount. Free text and dates
    have bitsets too, built by `prepare_search` (in a background thread: seconds at
    100,000 events); the first search builds them if nothing has yet.
    Build it once per dataset; it is never changed afterwards, but for
    `prepare_search`, which publishes what it builds in one assignment.
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

    def __len__(self) -> int:
        return len(self.events)

    def prepare_search(self) -> None:
        """Build the text and date indexes now, if no search has built them yet.

        Safe to call from any thread while others search: each index is published by
        one assignment, and a second caller waits for the first one's build instead of
        doing it again.
        """
        if self._text_index is not None:
            return
        with self._prepare_lock:
            if self._date_index is None:
                self._date_index = DateIndex.build(self._lower, self._upper)
            if self._text_index is None:
                self._text_index = TextIndex.build(self.events, self.dataset.detail_texts)

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
        with self._prepare_lock:
            if self._date_index is None:
                self._date_index = DateIndex.build(self._lower, self._upper)
            if self._text_index is None:
                self._text_index = text
        return True

    def search(self, filt: Filter, within: SearchResult | None = None) -> SearchResult:
        """The events that pass `filt`.

        `within`, when given, is a previous result known to contain the answer (the user
        typed one more letter); the answer is the same with or without it.
        """
        mask = self._all if within is None else within.mask
        if filt.themes:
            groups = [self._theme_masks.get(theme, 0) for theme in filt.themes]
            if filt.all_themes:
                for group in groups:
                    mask &= group
            else:
                mask &= _union(groups)
        for values, masks in (
            (filt.actors, self._actor_masks),
            (filt.sources, self._source_masks),
            (filt.statuses, self._status_masks),
        ):
            if values:
                mask &= _union(masks.get(value, 0) for value in values)  # type: ignore[call-overload]
        dates = self._date_index
        if dates is not None:
            if filt.date_from is not None and mask:
                mask &= dates.since(filt.date_from)
            if filt.date_to is not None and mask:
                mask &= dates.until(filt.date_to)
        elif filt.date_from is not None or filt.date_to is not None:
            mask = self._dates_by_scan(mask, filt.date_from, filt.date_to)
        terms = filt.terms
        if terms and mask:
            text = self._text_index
            if text is None:
                self.prepare_search()
                text = self._text_index
                assert text is not None
            for term in terms:
                mask &= text.term_mask(term)
                if not mask:
                    break
        return SearchResult(mask_to_positions(mask), mask)

    def _dates_by_scan(self, mask: int, date_from: int | None, date_to: int | None) -> int:
        """The date range by a loop over the events, before `prepare_search` has run."""
        positions = mask_to_positions(mask)
        if date_from is not None:
            upper = self._upper
            positions = [i for i in positions if upper[i] >= date_from]
        if date_to is not None:
            lower = self._lower
            positions = [i for i in positions if lower[i] <= date_to]
        return positions_to_mask(positions, len(self.events))

    def apply(self, filt: Filter, within: Sequence[int] | None = None) -> list[int]:
        """Positions of the events that pass `filt`, ascending (date order)."""
        previous = None
        if within is not None:
            previous = SearchResult(list(within), positions_to_mask(within, len(self.events)))
        return self.search(filt, previous).positions

    def counts(self, result: SearchResult) -> FacetCounts:
        """Facet counts over a result: one AND and a popcount per facet value."""
        mask = result.mask
        return FacetCounts(
            count_all(self._theme_masks, mask),
            count_all(self._actor_masks, mask),
            count_all(self._source_masks, mask),
            count_all(self._status_masks, mask),
            len(result.positions),
        )

    def lazy_counts(self, result: SearchResult) -> FacetCounts:
        """The same counts as `counts`, but actors and sources counted as looked up.

        For a screen that shows a few dozen of the thousands of actors and sources: at
        1,000,000 events `counts` costs over half a second, almost all of it in
        them. Themes and statuses, a handful each, are counted at once.
        """
        mask = result.mask
        return FacetCounts(
            count_all(self._theme_masks, mask),
            LazyCounts(self._actor_masks, mask),
            LazyCounts(self._source_masks, mask),
            count_all(self._status_masks, mask),
            len(result.positions),
        )

    def facet_counts(self, positions: Iterable[int]) -> FacetCounts:
        """Facet counts over the events at `positions`."""
        listed = list(positions)
        return self.counts(SearchResult(listed, positions_to_mask(listed, len(self.events))))

    def position_of(self, event_id: str) -> int | None:
        """Where the event with this id stands in date order, or None."""
        return self.positions.get(event_id)


def _union(masks: Iterable[int]) -> int:
    combined = 0
    for bits in masks:
        combined |= bits
    return combined
