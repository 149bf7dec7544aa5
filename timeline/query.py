"""Filtering, facet counts and date order: pure functions over a loaded dataset.

`Filter` is one immutable value describing everything the user asked for. `filter_events`
is the plain reference implementation; `EventIndex` precomputes per-facet sets and
case-folded search text once, so that applying a filter to 100,000 events costs a few
set operations instead of a scan. Both give the same answer, and a property test holds
them to it.
"""

from __future__ import annotations

import gc
import unicodedata
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import compress, repeat
from typing import Any, Self

from timeline.model import Dataset, Event, Status
from timeline.text import _FOLD_TABLE, fold_case

__all__ = [
    "EventIndex",
    "FacetCounts",
    "Filter",
    "SearchResult",
    "event_search_text",
    "facet_counts",
    "filter_events",
    "mask_to_positions",
    "matches",
    "positions_to_mask",
    "search_texts",
    "sort_by_date",
]


@dataclass(frozen=True, slots=True)
class Filter:
    """What the user asked to see. The empty `Filter()` matches every event.

    Within a facet, values are alternatives (any actor of `actors`); across facets, all
    must hold. Themes match any of `themes`, or all of them when `all_themes` is set.
    `date_from`/`date_to` are day numbers (`timeline.dates.day_number`) and an event
    counts when its EDTF bounds overlap them. `text` is split into words, each of which
    must occur, case-insensitively, in the title, summary or a quote.
    """

    themes: frozenset[str] = frozenset()
    all_themes: bool = False
    actors: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    statuses: frozenset[Status] = frozenset()
    date_from: int | None = None
    date_to: int | None = None
    text: str = ""

    @property
    def is_empty(self) -> bool:
        """True when the filter lets every event through."""
        return self == Filter(all_themes=self.all_themes)

    def but(self, **changes: object) -> Self:
        """A copy with the given fields replaced (the value itself never changes)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def terms(self) -> tuple[str, ...]:
        """The search words, case-folded, in the order typed."""
        return tuple(fold_case(self.text).split())


def sort_by_date(events: Iterable[Event]) -> tuple[Event, ...]:
    """Events in timeline order (`EdtfDate.sort_key`: anchor day, then latest day).

    The anchor is the first day, except for an interval open at its start, which is
    filed under its end ("by Mar 2025" sits in March 2025). Ties keep their order.
    """
    return tuple(sorted(events, key=lambda e: e.date.sort_key))


def event_search_text(event: Event) -> str:
    """The case-folded text that free-text search looks in: title, summary and quotes."""
    parts = [event.title, event.summary, *(q.text for q in event.quotes)]
    return "\n".join(fold_case(part) for part in parts)


_PART_SEPARATOR = "\x00"
_EVENT_SEPARATOR = "\x01"
_BATCH = 2048
_SPACED_SEPARATORS = tuple(
    (spaced, separator)
    for separator in (_PART_SEPARATOR, _EVENT_SEPARATOR)
    for spaced in (" " + separator, separator + " ")
)


def search_texts(events: Sequence[Event]) -> list[str]:
    """`event_search_text` of every event, computed in batches: the same strings, faster.

    Normalising 400,000 short strings one by one costs seconds at 100,000 events; one
    `normalize` over a batch joined by separators costs a fraction of that. The
    separators (NUL, SOH) are neither whitespace nor anything NFC composes with, so the
    parts normalise exactly as they would apart; a batch whose text holds a separator
    itself is done one event at a time instead.
    """
    texts: list[str] = []
    for start in range(0, len(events), _BATCH):
        batch = events[start : start + _BATCH]
        parts = [
            _PART_SEPARATOR.join([event.title, event.summary, *(q.text for q in event.quotes)])
            for event in batch
        ]
        blob = _EVENT_SEPARATOR.join(parts)
        part_separators = sum(1 + len(event.quotes) for event in batch)
        if (
            blob.count(_PART_SEPARATOR) != part_separators
            or blob.count(_EVENT_SEPARATOR) != len(batch) - 1
        ):
            texts.extend(event_search_text(event) for event in batch)
            continue
        blob = _normalize_blob(blob)
        # Whitespace runs are now single spaces; a part's own leading or trailing one
        # sits next to a separator and goes, as `normalize`'s strip would drop it.
        for spaced, separator in _SPACED_SEPARATORS:
            if spaced in blob:  # a miss costs far less than a replace that finds nothing
                blob = blob.replace(spaced, separator)
        texts.extend(blob.casefold().replace(_PART_SEPARATOR, "\n").split(_EVENT_SEPARATOR))
    return texts


# Every character `str.isspace` (and so the regex `\s` that `normalize` uses) accepts,
# but the space itself; a test holds this list to the Unicode database.
_OTHER_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_FOLDS = tuple((chr(code), str(folded)) for code, folded in _FOLD_TABLE.items())


def _normalize_blob(text: str) -> str:
    """`timeline.text.normalize`, rewritten for one long string.

    The same steps, done with `str.replace`, which scans a megabyte in microseconds,
    where `str.translate` with a dict and a regex substitution visit every character
    in Python-level machinery (about 20 times slower on a batch of events).
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        for char, folded in _FOLDS:  # folds map to ASCII, so the order cannot matter
            if char in text:
                text = text.replace(char, folded)
    for space in _OTHER_WHITESPACE:
        if space in text:
            text = text.replace(space, " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip(" ")


def matches(event: Event, filt: Filter, search_text: str | None = None) -> bool:
    """Whether one event passes the filter (the reference rule all fast paths follow)."""
    if filt.themes:
        if filt.all_themes:
            if not filt.themes.issubset(event.themes):
                return False
        elif filt.themes.isdisjoint(event.themes):
            return False
    if filt.actors and filt.actors.isdisjoint(event.actors):
        return False
    if filt.sources and filt.sources.isdisjoint(q.source_id for q in event.quotes):
        return False
    if filt.statuses and event.status not in filt.statuses:
        return False
    if filt.date_from is not None and event.date.upper < filt.date_from:
        return False
    if filt.date_to is not None and event.date.lower > filt.date_to:
        return False
    terms = filt.terms
    if terms:
        haystack = event_search_text(event) if search_text is None else search_text
        return all(term in haystack for term in terms)
    return True


def filter_events(events: Iterable[Event], filt: Filter) -> list[Event]:
    """The events that pass `filt`, in the order given."""
    return [event for event in events if matches(event, filt)]


@dataclass(frozen=True, slots=True)
class FacetCounts:
    """How many of a set of events carry each theme, actor, source and status."""

    themes: dict[str, int]
    actors: dict[str, int]
    sources: dict[str, int]
    statuses: dict[Status, int]
    total: int


def facet_counts(events: Iterable[Event]) -> FacetCounts:
    """Count themes, actors, sources and statuses over `events`."""
    themes: Counter[str] = Counter()
    actors: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    statuses: Counter[Status] = Counter()
    total = 0
    for event in events:
        total += 1
        # Each event counts once per value, even if a value is listed twice.
        themes.update(dict.fromkeys(event.themes).keys())
        actors.update(dict.fromkeys(event.actors).keys())
        sources.update(event.source_ids)
        statuses[event.status] += 1
    return FacetCounts(dict(themes), dict(actors), dict(sources), dict(statuses), total)


_BIT_OFFSETS = tuple(tuple(i for i in range(8) if byte >> i & 1) for byte in range(256))
# A dense bitset goes to and from one byte per event through its binary digits, every
# step in C (at 100,000 events, 3-6 ms instead of 7-10); a sparse one is quicker bit by
# bit, since that costs per set bit rather than per event.
_DIGIT_TO_FLAG = bytes.maketrans(b"01", b"\x00\x01")
_FLAG_TO_DIGIT = bytes.maketrans(b"\x00\x01", b"01")
_SPARSE = 16
"""Below one set bit in this many, the bit-by-bit conversions are used."""


def mask_to_positions(mask: int) -> list[int]:
    """The set bits of `mask`, ascending: bit i stands for the event at position i."""
    if mask <= 0:
        return []
    if mask.bit_count() * _SPARSE < mask.bit_length():
        positions: list[int] = []
        extend = positions.extend
        data = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
        for byte_index, byte in enumerate(data):
            if byte:
                base = byte_index * 8
                extend([base + offset for offset in _BIT_OFFSETS[byte]])
        return positions
    # Binary digits, least significant first: flag i is bit i.
    flags = format(mask, "b")[::-1].encode("ascii").translate(_DIGIT_TO_FLAG)
    return list(compress(range(len(flags)), flags))


def positions_to_mask(positions: Iterable[int], size: int) -> int:
    """The bitset with the bits at `positions` set (`size` is the number of events)."""
    if size <= 0:
        return 0
    listed = positions if isinstance(positions, Sequence) else list(positions)
    if len(listed) * _SPARSE < size:
        bits = bytearray((size + 7) // 8)
        for position in listed:
            bits[position >> 3] |= 1 << (position & 7)
        return int.from_bytes(bits, "little")
    flags = bytearray(size)
    deque(map(flags.__setitem__, listed, repeat(1)), maxlen=0)  # flags[p] = 1, in C
    return int(flags.translate(_FLAG_TO_DIGIT)[::-1], 2)


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
    ANDs and ORs, and a facet count is one AND and a popcount. Free text is checked
    per event on case-folded text, and a previous result can narrow the scan.
    Build it once per dataset; it is never changed afterwards.
    """

    dataset: Dataset
    events: tuple[Event, ...] = field(init=False)
    positions: dict[str, int] = field(init=False)
    _search_text: list[str] | None = field(init=False, repr=False)
    _theme_masks: dict[str, int] = field(init=False, repr=False)
    _actor_masks: dict[str, int] = field(init=False, repr=False)
    _source_masks: dict[str, int] = field(init=False, repr=False)
    _status_masks: dict[Status, int] = field(init=False, repr=False)
    _lower: list[int] = field(init=False, repr=False)
    _upper: list[int] = field(init=False, repr=False)
    _all: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Building the index makes a few hundred thousand objects that all survive:
        # collection passes meanwhile would only rescan them (and the whole dataset).
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._build()
        finally:
            if was_enabled:
                gc.enable()

    def _build(self) -> None:
        self.events = sort_by_date(self.dataset.events)
        self.positions = {event.id: i for i, event in enumerate(self.events)}
        self._search_text = None
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

    def prepare_search(self) -> list[str]:
        """Build the case-folded search text now, if no search has built it yet."""
        texts = self._search_text
        if texts is None:
            # No gc pause here, unlike the build: strings are not tracked by the
            # collector, and pausing it from a thread would let the UI thread's garbage
            # pile up into one long collection afterwards.
            texts = search_texts(self.events)
            self._search_text = texts  # one assignment: safe to race with another thread
        return texts

    def search(self, filt: Filter, within: SearchResult | None = None) -> SearchResult:
        """The events that pass `filt`.

        `within`, when given, is a previous result known to contain the answer (the user
        typed one more letter), so only its events are examined for the text.
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
        checks = filt.date_from is not None or filt.date_to is not None or bool(filt.terms)
        if not checks:
            return SearchResult(mask_to_positions(mask), mask)
        positions = mask_to_positions(mask)
        lower, upper = self._lower, self._upper
        if filt.date_from is not None:
            start = filt.date_from
            positions = [i for i in positions if upper[i] >= start]
        if filt.date_to is not None:
            end = filt.date_to
            positions = [i for i in positions if lower[i] <= end]
        texts = self.prepare_search() if filt.terms else []
        for term in filt.terms:
            positions = [i for i in positions if term in texts[i]]
        return SearchResult(positions, positions_to_mask(positions, len(self.events)))

    def apply(self, filt: Filter, within: Sequence[int] | None = None) -> list[int]:
        """Positions of the events that pass `filt`, ascending (date order)."""
        previous = None
        if within is not None:
            previous = SearchResult(list(within), positions_to_mask(within, len(self.events)))
        return self.search(filt, previous).positions

    def counts(self, result: SearchResult) -> FacetCounts:
        """Facet counts over a result: one AND and a popcount per facet value."""
        mask = result.mask

        def count(masks: dict[Any, int]) -> dict[Any, int]:
            found = {value: (mask & bits).bit_count() for value, bits in masks.items()}
            return {value: n for value, n in found.items() if n}

        return FacetCounts(
            count(self._theme_masks),
            count(self._actor_masks),
            count(self._source_masks),
            count(self._status_masks),
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
