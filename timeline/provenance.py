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
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from timeline.model import Dataset, Event, Quote, Source
from timeline.text import normalize, normalize_with_map

__all__ = [
    "ArticleText",
    "Match",
    "NearMiss",
    "citations_of",
    "find_quote",
]


@dataclass(frozen=True, slots=True)
class Match:
    """Where a quote was found: `start`/`end` offsets in the original article text, the
    1-based `line`/`column` of `start` within the article body, and how many times the
    quote occurs (more than one makes the citation ambiguous)."""

    start: int
    end: int
    line: int
    column: int
    occurrences: int


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
    """An article prepared for matching: its matching form, the offset map back to the
    original, and where each line starts. Build one per source and reuse it for every
    quote that cites it."""

    text: str
    normalized: str = field(init=False)
    _starts: list[int] = field(init=False, repr=False)
    _ends: list[int] = field(init=False, repr=False)
    _line_starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.normalized, self._starts, self._ends = normalize_with_map(self.text)
        starts = [0]
        find = self.text.find
        position = find("\n")
        while position != -1:
            starts.append(position + 1)
            position = find("\n", position + 1)
        self._line_starts = starts

    def line_column(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column (in characters) of an offset into `text`."""
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def find(self, quote: str) -> Match | None:
        """Find `quote` (after normalisation); None when it is not in the article."""
        needle = normalize(quote)
        if not needle:
            return None
        at = self.normalized.find(needle)
        if at == -1:
            return None
        occurrences = 1
        again = self.normalized.find(needle, at + 1)
        while again != -1 and occurrences < 100:
            occurrences += 1
            again = self.normalized.find(needle, again + 1)
        start = self._starts[at]
        end = self._ends[at + len(needle) - 1]
        line, column = self.line_column(start)
        return Match(start, end, line, column, occurrences)

    def nearest(self, quote: str) -> NearMiss | None:
        """The passage most like `quote`, for a hint when `find` fails."""
        needle = normalize(quote)
        if not needle or not self.normalized:
            return None
        nfkc_only = unicodedata.normalize("NFKC", needle) in unicodedata.normalize(
            "NFKC", self.normalized
        )
        alignment = fuzz.partial_ratio_alignment(needle, self.normalized)
        if alignment is None or alignment.dest_end <= alignment.dest_start:
            return None
        start = self._starts[alignment.dest_start]
        end = self._ends[alignment.dest_end - 1]
        line, column = self.line_column(start)
        return NearMiss(start, end, line, column, alignment.score, self.text[start:end], nfkc_only)


def find_quote(article: str, quote: str) -> Match | None:
    """Find one quote in one article's text (a convenience over `ArticleText`)."""
    return ArticleText(article).find(quote)


def citations_of(dataset: Dataset, source_id: str) -> list[tuple[Event, Quote]]:
    """Every (event, quote) that cites the source, in the order the quotes stand in it."""
    found = [
        (event, quote)
        for event in dataset.events
        for quote in event.quotes
        if quote.source_id == source_id
    ]
    found.sort(key=lambda pair: (pair[1].span.start, pair[1].span.end))
    return found


def source_line(source: Source, body_line: int) -> int:
    """The file line of a line of the article body (the front matter comes first)."""
    return source.body_line + body_line - 1
