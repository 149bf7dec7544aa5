"""Provenance: prove that each quote is in its article, and say where.

A quote counts as verbatim when its matching form (`text.normalize`: NFC, quotes and
dashes folded, whitespace collapsed) occurs in the article's matching form. The offset
map from `text.normalize_with_map` turns the match back into a span of the original
article, so the article screen highlights exactly the words quoted.

A quote that is not found is never accepted: the closest passage (by RapidFuzz's
`partial_ratio_alignment`, in C) is offered as a hint, with its line, column and how
similar it is. A match that holds only under NFKC (ligatures, full-width letters) is
named as such, since those characters differ from the article's.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TypeAlias

from timeline.model import Dataset, Event, Quote
from timeline.text import OffsetMap, normalize, normalize_with_offsets

__all__ = [
    "ArticleText",
    "NearMiss",
    "citations_of",
]


PROBE_LENGTH = 200
"""How much of a quote that is not found is aligned against its article for a hint."""

MAX_OCCURRENCES = 100
"""Occurrences of a quote are counted up to this many ("occurs 100 times")."""

GRAM = 16
"""The index of an article holds the piece of this many characters at every `GRAM`th
offset. Any occurrence of a quote of `INDEXED_LENGTH` characters or more covers one
whole indexed piece, at one of `GRAM` offsets into the quote: looking those up gives
every place the quote can start, each then checked with `str.startswith`."""

INDEXED_LENGTH = 2 * GRAM - 1
"""Quotes at least this long are found through the index; shorter ones by a scan."""

INDEX_FROM_LENGTH = 1 << 15
"""Articles shorter than this (in matching form) are always scanned: below about 32,000
characters a scan finds a quote sooner than the index's `GRAM` lookups do (measured in
`benchmarks/RESULTS.md`, issue 14's ninth session), and most news articles are."""

INDEX_AFTER = 64
"""Searches in one article before its index is built (it costs about a hundred scans):
an article cited by a few quotes never pays for it, and one cited by many pays once."""

_CANDIDATE_LIMIT = 1024
"""More candidate places than this (a quote made of pieces the article repeats very
often) and the scan is cheaper than checking each."""

_Grams: TypeAlias = "dict[int, int | list[int]]"  # a piece's hash to where it stands


@dataclass(frozen=True, slots=True)
class NearMiss:
    """The closest passage to a quote that is not in the article.

    `similarity` is 0–100 (RapidFuzz's partial ratio); `nfkc_only` is True when the
    quote does match once both sides are NFKC-normalised (compatibility characters).
    """

    start: int
    end: int
    line: int
    column: int
    similarity: float
    passage: str
    nfkc_only: bool


@dataclass(slots=True)
class ArticleText:
    """An article prepared for matching, once for all the quotes that cite it: its
    matching form, the offset map back to the original, and where each line starts (made
    on first use, so an article no quote cites costs nothing but its text)."""

    text: str
    # Caches, filled on first use: two articles are equal when their texts are.
    _prepared: tuple[str, OffsetMap] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _line_starts: list[int] | None = field(default=None, init=False, repr=False, compare=False)
    _nfkc: str | None = field(default=None, init=False, repr=False, compare=False)
    # What each needle gave, so the same quote is searched for once.
    _located: dict[str, tuple[int, int, int, int, int] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _searches: int = field(default=0, init=False, repr=False, compare=False)
    _grams: _Grams | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def normalized(self) -> str:
        """The article's matching form (`text.normalize` of it)."""
        return self._prepare()[0]

    def _prepare(self) -> tuple[str, OffsetMap]:
        if self._prepared is None:
            self._prepared = normalize_with_offsets(self.text)
        return self._prepared

    def line_column(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column (in characters) of an offset into `text`."""
        if self._line_starts is None:
            self._line_starts = [0, *(match.end() for match in re.finditer("\n", self.text))]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def locate(self, needle: str) -> tuple[int, int, int, int, int] | None:
        """Where a quote in matching form (`text.normalize`) is in the article, or None:
        `(start, end, line, column, occurrences)`, the offsets in the original text, the
        1-based line and column of `start` in the article body, and how many times it
        occurs (more than one makes the citation ambiguous). A plain tuple: the loader
        calls it for every quote of a large file, and normalises each quote once. The
        same needle is searched for once; a long one, after `INDEX_AFTER` searches,
        through the index (see `GRAM`), so the time for all the quotes of an article
        grows with their number plus its length.
        """
        if not needle:
            return None
        if needle in self._located:
            return self._located[needle]
        at, occurrences = self._occurrences(needle)
        found = None
        if at != -1:
            start, end = self._prepare()[1].span(at, at + len(needle) - 1)
            line, column = self.line_column(start)
            found = (start, end, line, column, occurrences)
        self._located[needle] = found
        return found

    def _occurrences(self, needle: str) -> tuple[int, int]:
        """Where `needle` first occurs in the matching form (-1: nowhere), and how many
        times it occurs (counted up to `MAX_OCCURRENCES`)."""
        normalized = self.normalized
        if len(needle) >= INDEXED_LENGTH and len(normalized) >= INDEX_FROM_LENGTH:
            self._searches += 1
            if self._grams is None and self._searches > INDEX_AFTER:
                self._grams = _grams(normalized)
            if self._grams is not None:
                found = _indexed(normalized, needle, self._grams)
                if found is not None:
                    return found
        at = normalized.find(needle)
        if at == -1:
            return -1, 0
        occurrences = 1
        again = normalized.find(needle, at + 1)
        while again != -1 and occurrences < MAX_OCCURRENCES:
            occurrences += 1
            again = normalized.find(needle, again + 1)
        return at, occurrences

    def nearest(self, quote: str) -> NearMiss | None:
        """The passage most like `quote`, for a hint when `find` fails.

        Only the quote's first `PROBE_LENGTH` characters are aligned: the alignment's cost
        grows much faster than the quote's length, and the start is what places a passage.
        """
        # Imported here: only a quote that is not found needs it, and a valid dataset
        # then starts without loading RapidFuzz at all.
        from rapidfuzz import fuzz

        needle = normalize(quote)
        if not needle or not self.normalized:
            return None
        if self._nfkc is None:
            self._nfkc = unicodedata.normalize("NFKC", self.normalized)
        nfkc_only = unicodedata.normalize("NFKC", needle) in self._nfkc
        probe = needle[:PROBE_LENGTH]
        alignment = fuzz.partial_ratio_alignment(probe, self.normalized)
        if alignment is None or alignment.dest_end <= alignment.dest_start:
            return None
        dest_start, dest_end, score = alignment.dest_start, alignment.dest_end, alignment.score
        if len(needle) > len(probe):
            dest_end = min(dest_start + len(needle), len(self.normalized))
            score = fuzz.ratio(needle, self.normalized[dest_start:dest_end])
        start, end = self._prepare()[1].span(dest_start, dest_end - 1)
        # The alignment is as long as the quote, so it can cut a word in half (more
        # so when the article has extra characters, as in a hyphenated line break):
        # widen it to whole words, which is what a reader looks for.
        text = self.text
        # An alignment can start or end on a collapsed whitespace run (a line break):
        # the passage, and its line:col, begin at the first word.
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
            start -= 1
        while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
            end += 1
        line, column = self.line_column(start)
        return NearMiss(start, end, line, column, score, text[start:end], nfkc_only)

    def search_cost(self, quote: str) -> int:
        """About how much work `nearest` does for this quote (characters compared)."""
        return min(len(quote), PROBE_LENGTH) * max(len(self.normalized), 1)


def _grams(normalized: str) -> _Grams:
    """The index of `locate`: the hash of each `GRAM`-character piece at an offset that
    is a multiple of `GRAM`, to that offset, or to the ascending list of them when the
    piece repeats. Hashes and plain offsets keep it small; a hash shared by two different
    pieces only adds a candidate, and every candidate is checked.
    """
    grams: _Grams = {}
    for offset in range(0, len(normalized) - GRAM + 1, GRAM):
        key = hash(normalized[offset : offset + GRAM])
        known = grams.setdefault(key, offset)
        if known != offset:
            if isinstance(known, int):
                grams[key] = [known, offset]
            else:
                known.append(offset)
    return grams


def _indexed(normalized: str, needle: str, grams: _Grams) -> tuple[int, int] | None:
    """`_occurrences` through the index (for a needle of at least `INDEXED_LENGTH`
    characters); None when there are too many candidates to check."""
    # An occurrence at `p` covers the indexed piece at the next multiple of GRAM, which
    # is `shift = -p mod GRAM` characters into the needle: one shift per occurrence.
    candidates: list[tuple[int, list[int]]] = []
    total = 0
    for shift in range(GRAM):
        found = grams.get(hash(needle[shift : shift + GRAM]))
        if found is None:
            continue
        offsets = [found] if isinstance(found, int) else found
        total += len(offsets)
        if total > _CANDIDATE_LIMIT:
            return None
        candidates.append((shift, offsets))
    last = len(normalized) - len(needle)
    places = sorted(
        place
        for shift, offsets in candidates
        for offset in offsets
        if 0 <= (place := offset - shift) <= last and normalized.startswith(needle, place)
    )
    if not places:
        return -1, 0
    return places[0], min(len(places), MAX_OCCURRENCES)


def citations_of(dataset: Dataset, source_id: str) -> list[tuple[Event, Quote]]:
    """Every (event, quote) that cites the source, in the order the quotes stand in it."""
    # `source_ids` is always in memory: only the events that cite the source have their
    # details read (from the store, for events loaded without them).
    found = [
        (full, quote)
        for event in dataset.events
        if source_id in event.source_ids
        for full in (dataset.full(event),)
        for quote in full.quotes
        if quote.source_id == source_id
    ]
    found.sort(key=lambda pair: (pair[1].span.start, pair[1].span.end))
    return found
