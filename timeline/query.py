"""Filtering, facet counts and date order: pure functions over a loaded dataset.

`Filter` is one immutable value describing everything the user asked for. `filter_events`
is the plain reference implementation; `EventIndex` precomputes bitsets per facet value,
per date bound and per character, and the events of every word of the case-folded search
text, so that applying a filter to 100,000 events costs a few big-int operations
instead of a scan. Both give the same answer, and a property test holds
them to it.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import accumulate, compress, islice, repeat
from operator import contains
from typing import Self, TypeVar, overload

from timeline.binfile import LITTLE_ENDIAN, U32, ColumnReader, le_bytes
from timeline.gcpause import paused_gc
from timeline.model import Dataset, Event, Status, sort_by_date
from timeline.text import _FOLD_TABLE, fold_case

__all__ = [
    "SEARCH_STATE_FORMAT",
    "EventIndex",
    "FacetCounts",
    "Filter",
    "LazyCounts",
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


def event_search_text(event: Event) -> str:
    """The case-folded text that free-text search looks in: title, summary and quotes."""
    parts = [event.title, event.summary, *(q.text for q in event.quotes)]
    return "\n".join(fold_case(part) for part in parts)


_PART_SEPARATOR = "\x00"
_EVENT_SEPARATOR = "\x01"
_BATCH = 1024
"""Events whose search texts are made together. One `normalize` over a batch costs far
less than one per event, but each copy of a batch's text is about a megabyte, and a few
are alive at once: at 2,048 they raised the index build's peak memory by 5 MB more."""
_SPACED_SEPARATORS = tuple(
    (spaced, separator)
    for separator in (_PART_SEPARATOR, _EVENT_SEPARATOR)
    for spaced in (" " + separator, separator + " ")
)


DetailTexts = Callable[[Sequence[Event]], list[tuple[str, ...]]]
"""`Dataset.detail_texts`: the summary and quote texts of events, read in bulk."""


def _in_memory(events: Sequence[Event]) -> list[tuple[str, ...]]:
    return [(e.summary, *(q.text for q in e.quotes)) for e in events]


def search_texts(events: Sequence[Event], details: DetailTexts = _in_memory) -> list[str]:
    """`event_search_text` of every event, computed in batches: the same strings, faster.

    Normalising 400,000 short strings one by one costs seconds at 100,000 events; one
    `normalize` over a batch joined by separators costs a fraction of that. The
    separators (NUL, SOH) are neither whitespace nor anything NFC composes with, so the
    parts normalise exactly as they would apart; a batch whose text holds a separator
    itself is done one event at a time instead.
    """
    texts: list[str] = []
    for batch in _search_text_batches(events, details):
        texts.extend(batch)
    return texts


def _search_text_batches(events: Sequence[Event], details: DetailTexts) -> Iterator[list[str]]:
    """`search_texts` one batch of `_BATCH` events at a time (each batch's texts)."""
    for start in range(0, len(events), _BATCH):
        batch = events[start : start + _BATCH]
        # Read in bulk: the details of events loaded without them are in the store.
        texts = details(batch)
        parts = [
            _PART_SEPARATOR.join([event.title, *details])
            for event, details in zip(batch, texts, strict=True)
        ]
        blob = _EVENT_SEPARATOR.join(parts)
        part_separators = sum(map(len, texts))  # the summary and each quote
        # Each copy of a batch's text is a megabyte or more: keep no more of them alive
        # than the step at hand needs (6 MB off the index build's peak at 100,000).
        del texts, parts
        if (
            blob.count(_PART_SEPARATOR) != part_separators
            or blob.count(_EVENT_SEPARATOR) != len(batch) - 1
        ):
            yield [event_search_text(event) for event in batch]
            continue
        blob = _normalize_blob(blob)
        # Whitespace runs are now single spaces; a part's own leading or trailing one
        # sits next to a separator and goes, as `normalize`'s strip would drop it.
        for spaced, separator in _SPACED_SEPARATORS:
            if spaced in blob:  # a miss costs far less than a replace that finds nothing
                blob = blob.replace(spaced, separator)
        blob = blob.casefold().replace(_PART_SEPARATOR, "\n")
        searched = blob.split(_EVENT_SEPARATOR)
        del blob
        yield searched
        del searched  # before the next batch's texts are read


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
        haystack = event_search_text(event) if search_text is None else search_text
        return all(term in haystack for term in terms)
    return True


def filter_events(events: Iterable[Event], filt: Filter) -> list[Event]:
    """The events that pass `filt`, in the order given."""
    return [event for event in events if matches(event, filt)]


@dataclass(frozen=True, slots=True)
class FacetCounts:
    """How many of a set of events carry each theme, actor, source and status.

    Each mapping holds the values carried by at least one of the events; `counts` and
    `facet_counts` give dicts, `EventIndex.lazy_counts` gives `LazyCounts` for the big
    facets.
    """

    themes: Mapping[str, int]
    actors: Mapping[str, int]
    sources: Mapping[str, int]
    statuses: Mapping[Status, int]
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


_K = TypeVar("_K")
_D = TypeVar("_D")


class LazyCounts(Mapping[_K, int]):
    """One facet's counts over a result, each counted when first looked up.

    Reads as the dict `EventIndex.counts` gives for the facet (the values carried by at
    least one event of the result, with their counts), but a lookup costs one AND and
    a popcount of that value's bitset, done once: at 1,000,000 events counting all
    10,000 sources took over half a second, and a sidebar shows some forty of them.
    Iterating, `len` and comparing with another mapping count every value.

    Two `LazyCounts` over the same bitsets and equal result masks compare equal without
    counting anything (`same_result`), so an unchanged result is seen as such cheaply.
    Not thread-safe, and not meant to be: one screen reads it.
    """

    __slots__ = ("_found", "_mask", "_masks")

    def __init__(self, masks: Mapping[_K, int], mask: int) -> None:
        """The counts of each value of `masks` (value → bitset) within bitset `mask`."""
        self._masks = masks
        self._mask = mask
        self._found: dict[_K, int] = {}

    def _count(self, value: _K) -> int:
        found = self._found.get(value)
        if found is None:
            bits = self._masks.get(value)
            found = 0 if bits is None else (self._mask & bits).bit_count()
            self._found[value] = found
        return found

    def __getitem__(self, value: _K) -> int:
        """The count of `value`; KeyError when no event of the result carries it."""
        found = self._count(value)
        if not found:
            raise KeyError(value)
        return found

    @overload
    def get(self, value: _K, /) -> int | None: ...
    @overload
    def get(self, value: _K, default: int | _D, /) -> int | _D: ...
    def get(self, value: _K, default: object = None, /) -> object:
        """The count of `value`, or `default` when no event of the result carries it."""
        # Without the KeyError `Mapping.get` would raise and catch for every zero.
        return self._count(value) or default

    def __contains__(self, value: object) -> bool:
        """Whether an event of the result carries `value`."""
        try:
            return bool(self._count(value))  # type: ignore[arg-type]
        except TypeError:  # unhashable: never a facet value
            return False

    def _all(self) -> dict[_K, int]:
        """Every value carried, in the bitsets' order (as `EventIndex.counts` lists them)."""
        count = self._count
        return {value: n for value in self._masks if (n := count(value))}

    def __iter__(self) -> Iterator[_K]:
        """The values carried by at least one event of the result."""
        return iter(self._all())

    def __len__(self) -> int:
        """How many values at least one event of the result carries."""
        return len(self._all())

    def same_result(self, other: object) -> bool:
        """Whether `other` counts the same bitsets within an equal mask (no counting)."""
        return (
            isinstance(other, LazyCounts)
            and other._masks is self._masks
            and (other._mask is self._mask or other._mask == self._mask)
        )

    def __eq__(self, other: object) -> bool:
        """Equal to any mapping with the same counts (as the eager dict would be)."""
        if self.same_result(other):
            return True
        if not isinstance(other, Mapping):
            return NotImplemented
        return self._all() == dict(other.items())

    __hash__ = None  # type: ignore[assignment]  # a mapping, like dict

    def __repr__(self) -> str:
        """The counts looked up so far (repr must not count the rest)."""
        return f"LazyCounts({len(self._masks)} values, looked up {self._found!r})"


_MASKED_CHARS = 256
"""At most this many characters get a bitset of their own (the first ones met); a rarer
one, in a text of many scripts, is looked up through the word list like longer terms."""
_DENSE_WORD = 32
"""A word in more than one event in this many keeps a bitset instead of positions."""
_YIELD_EVERY = 64
"""Events indexed between two offers of the GIL to other threads (about a millisecond)."""
_MEMO_LIMIT = 512
"""Term bitsets kept for reuse (1-2 characters: the costly ones to rebuild)."""
_CHAR_WINDOW = 8192
"""Events whose per-character flags are gathered before they join the characters'
bitsets: each joining costs a pass over a bitset of all the events, so it is done once
per window rather than once per (small) batch. A window's flags take a byte per event
and character (about 2 MB at most)."""
_PIECE = 1 << 18
"""Positions per piece when a built index's postings are written out (1 MB)."""


class _FlatPostings:
    """Every word's event positions end to end in one buffer: a saved index, read back.

    `data` holds native unsigned 32-bit integers (`U32`), and is used in place: reading
    a saved index builds no object per word. Word w's positions are
    `offsets[w]:offsets[w + 1]` (counted in positions).
    """

    __slots__ = ("data", "offsets")

    def __init__(self, data: memoryview, offsets: array[int]) -> None:
        self.data = data
        self.offsets = offsets

    def gather(self, words: Iterable[int]) -> array[int]:
        """The positions of `words` (ids of words not in `dense`), end to end."""
        positions: array[int] = array(U32)
        add, data, first = positions.frombytes, self.data, self.offsets
        for word in words:
            add(data[first[word] * 4 : first[word + 1] * 4])  # a memcpy
        return positions

    def pieces(self) -> Iterator[bytes | memoryview]:
        """The positions as the saved state stores them (little-endian)."""
        if LITTLE_ENDIAN:
            yield self.data
        else:
            swapped = array(U32)
            swapped.frombytes(self.data)
            yield le_bytes(swapped)


class _WordPostings:
    """Each word's event positions in an array of its own: a freshly built index.

    Copying them end to end into one buffer, as a saved index holds them, would hold
    every position twice at the end of the build (the freed small arrays are not memory
    the one big buffer can reuse): 40 MB more at the peak, at 100,000 events. So they
    stay as built, and are joined only piece by piece when written out.

    `arrays[w]` is word w's positions (`U32`, ascending), empty for a word in `dense`.
    """

    __slots__ = ("arrays",)

    def __init__(self, arrays: list[array[int]]) -> None:
        self.arrays = arrays

    @property
    def offsets(self) -> array[int]:
        """Where each word's positions would start end to end, and one past the end."""
        return array("q", accumulate(map(len, self.arrays), initial=0))

    def gather(self, words: Iterable[int]) -> array[int]:
        """The positions of `words` (ids of words not in `dense`), end to end."""
        positions: array[int] = array(U32)
        deque(map(positions.extend, map(self.arrays.__getitem__, words)), maxlen=0)
        return positions

    def pieces(self) -> Iterator[bytes]:
        """The positions end to end as `_FlatPostings.data` would hold them (little-
        endian), about `_PIECE` at a time: never all of them copied at once."""
        group: list[array[int]] = []
        count = 0
        for positions in self.arrays:
            group.append(positions)
            count += len(positions)
            if count >= _PIECE:
                yield self._joined(group)
                group, count = [], 0
        if group:
            yield self._joined(group)

    @staticmethod
    def _joined(group: list[array[int]]) -> bytes:
        if LITTLE_ENDIAN:
            return b"".join(group)
        joined = array(U32)
        deque(map(joined.extend, group), maxlen=0)
        return le_bytes(joined)


def _add_flags(chars: dict[str, int], window: dict[str, list[bytes]], start: int) -> None:
    """OR the flags gathered in `window` (one byte per event, 1 where the character is
    in the text; the window's first event at `start`) into `chars`, and empty it."""
    for char, kept in window.items():
        flags = b"".join(kept)
        if 1 in flags:
            chars[char] |= int(flags.translate(_FLAG_TO_DIGIT)[::-1], 2) << start
    window.clear()


@dataclass(frozen=True, slots=True)
class _TextIndex:
    """Where each search term occurs, built once by `EventIndex.prepare_search`.

    A term holds no whitespace (`Filter.terms` splits on it), so it occurs in a search
    text exactly when it occurs in one of the text's words (`str.split()`). The index
    is therefore a list of the distinct words with, for each, the events holding it:
    a term's events are the union over the words it occurs in, found by one scan of
    the word list (a few hundred kilobytes) instead of the whole text (75 MB at 100,000
    events). A single character would match most words, so each character also has
    its bitset, built from the texts while they exist. The texts themselves are never
    kept: the index answers every term exactly.
    """

    size: int
    chars: dict[str, int]
    """Character -> bitset of the events whose search text holds it."""
    words: str
    """The distinct words, joined by newlines (which no word or term contains)."""
    starts: array[int]
    """Where each word starts in `words`, and one past the end."""
    postings: _FlatPostings | _WordPostings
    """Each word's event positions (a word in `dense` has none): one buffer for a saved
    index, read back without building an object per word (see `EventIndex.search_state`);
    an array per word for a built one, which thereby never holds them twice."""
    dense: dict[int, int]
    """Word id -> bitset, for words in more than 1 event in 32 (such as "the"): smaller
    than their positions, and a union of them is one OR each."""
    memo: dict[str, int] = field(default_factory=dict)
    """Bitsets of short terms already asked for: typing or deleting back to one is free."""

    @classmethod
    def build(cls, events: Sequence[Event], details: DetailTexts) -> _TextIndex:
        """Index the search texts of `events` (in their order), batch by batch."""
        size = len(events)
        by_word: defaultdict[str, array[int]] = defaultdict(partial(array, U32))
        word_postings = by_word.__getitem__
        append = array.append
        alphabet: list[str] = []
        known: set[str] = set()
        chars: dict[str, int] = {}
        window: dict[str, list[bytes]] = {}  # each character's flags, batch by batch
        window_start = start = seen_words = 0
        for texts in _search_text_batches(events, details):
            # Every (word, event) pair once, appended in C: a Python loop per word costs
            # several times more (10 million pairs at 100,000 events).
            for position, text in enumerate(texts, start):
                distinct = dict.fromkeys(text.split())
                deque(map(append, map(word_postings, distinct), repeat(position)), maxlen=0)
                if not position % _YIELD_EVERY:
                    # This runs in a thread beside the UI's: hand the GIL over often,
                    # or each of the UI thread's waits for it can last the whole 5 ms
                    # switch interval, and a frame needs many.
                    time.sleep(0)
            # A character first met in this batch was in no earlier one, so its bitset
            # starts here; new characters come only with new words.
            if len(by_word) > seen_words:
                for word in islice(by_word, seen_words, None):
                    for char in word:
                        if char not in known and len(known) < _MASKED_CHARS:
                            known.add(char)
                            alphabet.append(char)
                seen_words = len(by_word)
            for char in alphabet:
                # `in` on one character is a memchr: 100,000 texts in about 10 ms.
                flags = bytes(map(contains, texts, repeat(char)))
                if 1 in flags and char not in chars:
                    chars[char] = 0  # in the order first met, whatever the window
                kept = window.get(char)
                if kept is None:  # first met in this window: not in its earlier events
                    window[char] = kept = [bytes(start - window_start)]
                kept.append(flags)
            start += len(texts)
            if start - window_start >= _CHAR_WINDOW:
                _add_flags(chars, window, window_start)
                window_start = start
            del texts  # before the next batch's are made
        _add_flags(chars, window, window_start)
        offsets = array("q", accumulate((len(word) + 1 for word in by_word), initial=0))
        joined = "\n".join(by_word)
        arrays = list(by_word.values())
        by_word.clear()
        dense: dict[int, int] = {}
        for word_id, positions in enumerate(arrays):
            if len(positions) * _DENSE_WORD > size:
                dense[word_id] = positions_to_mask(positions, size)
                del positions[:]
        return cls(size, chars, joined, offsets, _WordPostings(arrays), dense)

    def term_mask(self, term: str) -> int:
        """The bitset of the events whose search text holds `term` (no whitespace)."""
        if len(term) == 1:
            found = self.chars.get(term)
            if found is not None:
                return found
        memo = self.memo
        found = memo.get(term)
        if found is not None:
            return found
        listed: list[int] = []  # the words holding `term` that keep positions
        starts, words, dense = self.starts, self.words, self.dense
        mask = 0
        hit = words.find(term)
        while hit >= 0:
            word = bisect_right(starts, hit) - 1
            bits = dense.get(word)
            if bits is None:
                listed.append(word)
            else:
                mask |= bits
            hit = words.find(term, starts[word + 1])  # on from the next word
        positions = self.postings.gather(listed)
        try:
            mask |= positions_to_mask(positions, self.size)
        except IndexError:
            # Only a loaded state made by hand (its digest checked out) can hold a
            # position past the end; checking 10 million on loading would cost more than
            # the load. Such positions match nothing rather than crash the search.
            mask |= positions_to_mask([p for p in positions if p < self.size], self.size)
        if len(term) <= 2:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()  # one step, safe from any thread; the next ones refill it
            memo[term] = mask
        return mask


_DATE_STEPS = 64
"""Precomputed date bitsets per bound: a range costs at most 1/64 of the events in
Python, the rest in one big-int operation."""


@dataclass(frozen=True, slots=True)
class _DateIndex:
    """Date-range bitsets without a Python loop over the events.

    `upper_order` lists positions by their latest day (`uppers` the sorted days), and
    `from_masks[j]` is the bitset of `upper_order[j * step:]`: the events that pass
    "from day d" are a suffix of that order, found by bisection and built from the
    nearest stored suffix and at most `step` positions. `lower_order`, `lowers` and
    `to_masks[j]` (bitset of `lower_order[:j * step]`) do the same for "to day d".
    """

    size: int
    step: int
    uppers: array[int]
    upper_order: array[int]
    from_masks: list[int]
    lowers: array[int]
    lower_order: array[int]
    to_masks: list[int]

    @classmethod
    def build(cls, lower: Sequence[int], upper: Sequence[int]) -> _DateIndex:
        """Sort the bounds and store `_DATE_STEPS` bitsets per side."""
        size = len(lower)
        step = max(1, -(-size // _DATE_STEPS))
        upper_order = array("I", sorted(range(size), key=upper.__getitem__))
        lower_order = array("I", sorted(range(size), key=lower.__getitem__))
        from_masks = [0] * (size // step + 2)
        for j in range(len(from_masks) - 2, -1, -1):
            chunk = upper_order[j * step : (j + 1) * step]
            from_masks[j] = from_masks[j + 1] | positions_to_mask(chunk, size)
        to_masks = [0] * (size // step + 2)
        for j in range(1, len(to_masks)):
            chunk = lower_order[(j - 1) * step : j * step]
            to_masks[j] = to_masks[j - 1] | positions_to_mask(chunk, size)
        return cls(
            size,
            step,
            array("q", (upper[i] for i in upper_order)),
            upper_order,
            from_masks,
            array("q", (lower[i] for i in lower_order)),
            lower_order,
            to_masks,
        )

    def since(self, day: int) -> int:
        """The bitset of the events whose latest day is on or after `day`."""
        first = bisect_left(self.uppers, day)
        j = first // self.step
        # Stored suffix from j * step on, less the few before `first`.
        extra = self.upper_order[j * self.step : first]
        return self.from_masks[j] ^ positions_to_mask(extra, self.size)

    def until(self, day: int) -> int:
        """The bitset of the events whose earliest day is on or before `day`."""
        end = bisect_right(self.lowers, day)
        j = end // self.step
        extra = self.lower_order[j * self.step : end]
        return self.to_masks[j] | positions_to_mask(extra, self.size)


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

    text: _TextIndex
    dates: _DateIndex

    def __iter__(self) -> Iterator[bytes | memoryview]:
        """The pieces, in order: written end to end they are the whole state."""
        return _encode_state(self.text, self.dates)


def _encode_state(text: _TextIndex, dates: _DateIndex) -> Iterator[bytes | memoryview]:
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


def _decode_state(data: bytes | memoryview, size: int) -> tuple[_TextIndex, _DateIndex] | None:
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
    text = _TextIndex(
        size,
        dict(zip(chars, char_masks, strict=True)),
        words,
        starts,
        _FlatPostings(postings, posting_starts),
        dict(zip(dense_ids, dense_masks, strict=True)),
    )
    dates = _DateIndex(size, step, uppers, upper_order, from_masks, lowers, lower_order, to_masks)
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
    _text_index: _TextIndex | None = field(init=False, repr=False, compare=False)
    _date_index: _DateIndex | None = field(init=False, repr=False, compare=False)
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
                self._date_index = _DateIndex.build(self._lower, self._upper)
            if self._text_index is None:
                self._text_index = _TextIndex.build(self.events, self.dataset.detail_texts)

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
            _count_all(self._theme_masks, mask),
            _count_all(self._actor_masks, mask),
            _count_all(self._source_masks, mask),
            _count_all(self._status_masks, mask),
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
            _count_all(self._theme_masks, mask),
            LazyCounts(self._actor_masks, mask),
            LazyCounts(self._source_masks, mask),
            _count_all(self._status_masks, mask),
            len(result.positions),
        )

    def facet_counts(self, positions: Iterable[int]) -> FacetCounts:
        """Facet counts over the events at `positions`."""
        listed = list(positions)
        return self.counts(SearchResult(listed, positions_to_mask(listed, len(self.events))))

    def position_of(self, event_id: str) -> int | None:
        """Where the event with this id stands in date order, or None."""
        return self.positions.get(event_id)


def _count_all(masks: dict[_K, int], mask: int) -> dict[_K, int]:
    """The count within `mask` of each value of `masks` carried at all, in their order."""
    found = {value: (mask & bits).bit_count() for value, bits in masks.items()}
    return {value: n for value, n in found.items() if n}


def _union(masks: Iterable[int]) -> int:
    combined = 0
    for bits in masks:
        combined |= bits
    return combined
