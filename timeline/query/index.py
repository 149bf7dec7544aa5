"""`EventIndex`: a dataset's events in date order, with what filtering needs precomputed."""

from __future__ import annotations

import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from timeline.binfile import LITTLE_ENDIAN, U32, ColumnReader, le_bytes
from timeline.gcpause import paused_gc
from timeline.model import Dataset, Event, Status, sort_by_date
from timeline.query.counts import LazyCounts, count_all, mask_to_positions, positions_to_mask
from timeline.query.date_index import DateIndex
from timeline.query.filter import FacetCounts, Filter
from timeline.query.text_index import TextIndex, _FlatPostings

__all__ = ["SEARCH_STATE_FORMAT", "EventIndex", "SearchResult"]


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The events that passed a filter: `positions` ascending, and the same as a bitset."""

    positions: list[int]
    mask: int

    def __len__(self) -> int:
        return len(self.positions)


SEARCH_STATE_FORMAT = 1
"""The layout of `EventIndex.search_state`; bumped whenever it or what it holds changes.

The bytes are, little-endian: `_STATE_COUNTS` 64-bit counts, then sections each padded to
8 bytes: the words (UTF-8), their starts, the postings' starts (i64), the flat postings
and the dense word ids (u32), the dense words' bitsets, the masked characters (UTF-8)
and their bitsets, the date index's sorted days (i64) and orders (u32) for each side,
and its stored bitsets. Each bitset is `(size + 7) // 8` bytes. Arrays and one string:
reading it builds a few hundred objects, not one per word or event, and the postings
(most of it) are used in place.
"""
_STATE_COUNTS = 12


@dataclass(frozen=True, slots=True)
class _StatePieces:
    """A state's bytes as consecutive pieces (`EventIndex.search_state_parts`). Each
    iteration makes them afresh, one at a time, so that writing them out never holds
    the whole state, nor all of a built index's postings, at once."""

    text: TextIndex
    dates: DateIndex

    def __iter__(self) -> Iterator[bytes | memoryview]:
        """The pieces, in order: written end to end they are the whole state."""
        return _encode_state(self.text, self.dates)


def _encode_state(text: TextIndex, dates: DateIndex) -> Iterator[bytes | memoryview]:
    """`EventIndex.search_state`'s bytes, in pieces made as they are reached (see
    `SEARCH_STATE_FORMAT`)."""
    size = text.size
    width = (size + 7) // 8
    words = text.words.encode("utf-8", "surrogatepass")
    chars = "".join(text.chars)
    char_bytes = chars.encode("utf-8", "surrogatepass")
    dense_ids = array(U32, sorted(text.dense))
    posting_starts = text.postings.offsets
    flat_n = posting_starts[-1]

    def masks(values: Iterable[int]) -> Iterator[bytes]:
        return (bits.to_bytes(width, "little") for bits in values)

    def section(pieces: Iterable[bytes | memoryview]) -> Iterator[bytes | memoryview]:
        length = 0
        for piece in pieces:
            length += len(piece)
            yield piece
        if length % 8:
            yield bytes(-length % 8)

    counts = array(
        "q",
        [
            size,
            len(text.starts) - 1,
            len(words),
            flat_n,
            len(dense_ids),
            len(chars),
            len(char_bytes),
            dates.step,
            len(dates.from_masks),
            len(dates.to_masks),
            width,
            0,
        ],
    )
    yield from section([le_bytes(counts)])
    yield from section([words])
    yield from section([le_bytes(text.starts)])
    yield from section([le_bytes(posting_starts)])
    yield from section(text.postings.pieces())
    yield from section([le_bytes(dense_ids)])
    yield from section(masks(text.dense[word] for word in dense_ids))
    yield from section([char_bytes])
    yield from section(masks(text.chars.values()))
    for column in (dates.uppers, dates.upper_order, dates.lowers, dates.lower_order):
        yield from section([le_bytes(column)])
    yield from section(masks(dates.from_masks))
    yield from section(masks(dates.to_masks))


class _StateReader(ColumnReader):
    """Takes the sections of a saved state off its bytes (each padded to 8 bytes)."""

    def __init__(self, data: bytes | memoryview) -> None:
        super().__init__(data, align=8)

    def masks(self, count: int, width: int) -> list[int]:
        """The next `count` bitsets of `width` bytes each, little-endian."""
        chunk = self.raw(count * width)
        return [int.from_bytes(chunk[i * width : (i + 1) * width], "little") for i in range(count)]


def _ascending(column: array[int]) -> bool:
    """Whether a column never decreases (a sort of sorted data is one C pass)."""
    listed = column.tolist()
    return listed == sorted(listed)


def _decode_state(data: bytes | memoryview, size: int) -> tuple[TextIndex, DateIndex] | None:
    """The indexes in `data` if it is a whole state for `size` events, else None."""
    reader = _StateReader(data)
    counts = reader.column("q", _STATE_COUNTS)
    stored, words_n, words_bytes, flat_n, dense_n, chars_n, char_bytes, step = counts[:8]
    from_n, to_n, width = counts[8:11]
    if stored != size or width != (size + 7) // 8 or min(counts) < 0 or step < 1:
        return None
    words = str(reader.raw(words_bytes), "utf-8", "surrogatepass")
    starts = reader.column("q", words_n + 1)
    posting_starts = reader.column("q", words_n + 1)
    if LITTLE_ENDIAN:
        postings = reader.raw(flat_n * 4)  # used in place: no copy of the bulk
    else:
        postings = memoryview(reader.column(U32, flat_n)).cast("B")
    dense_ids = reader.column(U32, dense_n)
    dense_masks = reader.masks(dense_n, width)
    chars = str(reader.raw(char_bytes), "utf-8", "surrogatepass")
    char_masks = reader.masks(chars_n, width)
    uppers = reader.column("q", size)
    upper_order = reader.column(U32, size)
    lowers = reader.column("q", size)
    lower_order = reader.column(U32, size)
    from_masks = reader.masks(from_n, width)
    to_masks = reader.masks(to_n, width)
    # Every index a lookup goes through must land in range, so that no file, however
    # made, can make a search raise or loop (bisection needs the starts in order;
    # positions past the end are dropped by `term_mask`).
    expected_words_end = len(words) + 1 if words_n else 0
    if (
        reader.at != len(reader.view)
        or len(chars) != chars_n
        or starts[0] != 0
        or starts[-1] != expected_words_end
        or words.count("\n") != max(words_n - 1, 0)
        or posting_starts[0] != 0
        or posting_starts[-1] != flat_n
        or not _ascending(starts)
        or not _ascending(posting_starts)
        or (dense_n and max(dense_ids) >= words_n)
        or from_n != size // step + 2
        or to_n != size // step + 2
        or (size and max(max(upper_order), max(lower_order)) >= size)
    ):
        return None
    text = TextIndex(
        size,
        dict(zip(chars, char_masks, strict=True)),
        words,
        starts,
        _FlatPostings(postings, posting_starts),
        dict(zip(dense_ids, dense_masks, strict=True)),
    )
    dates = DateIndex(size, step, uppers, upper_order, from_masks, lowers, lower_order, to_masks)
    return text, dates


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
        # Building the index makes a few hundred thousand objects that all survive:
        # collection passes meanwhile would only rescan them (and the whole dataset).
        with paused_gc():
            self._build()

    def _build(self) -> None:
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
            # No gc pause here, unlike the build: what this makes is mostly strings and
            # arrays, which the collector does not track, and pausing it from a thread
            # would let the UI thread's garbage pile up into one long collection.
            if self._date_index is None:
                self._date_index = DateIndex.build(self._lower, self._upper)
            if self._text_index is None:
                self._text_index = TextIndex.build(self.events)

    @property
    def search_ready(self) -> bool:
        """Whether `prepare_search` has finished (until then a text search waits for it)."""
        return self._text_index is not None

    def search_state(self) -> bytes | None:
        """The text and date indexes as bytes, for `load_search_state` on the same events
        (None until `prepare_search` has run). See `SEARCH_STATE_FORMAT` for the layout."""
        parts = self.search_state_parts()
        return None if parts is None else b"".join(parts)

    def search_state_parts(self) -> Iterable[bytes | memoryview] | None:
        """`search_state` as consecutive pieces, to be written one after another; each
        iteration yields them afresh. The postings (most of it, hundreds of megabytes
        at 1,000,000 events) are never copied whole: a read index gives its buffer, a
        built one its arrays joined about a megabyte at a time."""
        text, dates = self._text_index, self._date_index
        if text is None or dates is None:
            return None
        return _StatePieces(text, dates)

    def load_search_state(self, data: bytes | memoryview) -> bool:
        """Adopt indexes saved by `search_state`, instead of building them.

        `data` must come from an index of the same events in the same order: the caller
        keys it to the data (`timeline.cache` stores it under the dataset's content key).
        Every length and range an index lookup relies on is checked; False, and nothing
        changed, for bytes that do not hold a whole state for this many events. Safe
        from any thread, as `prepare_search` is.
        """
        try:
            decoded = _decode_state(data, len(self.events))
        except Exception:  # any damage means "not adopted": the caller builds instead
            return False
        if decoded is None:
            return False
        with self._prepare_lock:
            if self._text_index is None:
                self._date_index, self._text_index = decoded[1], decoded[0]
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
