"""How much of each article the events cite, and the passages that none of them quotes.

An article is counted in sentences: each non-blank line is a paragraph, split into
sentences at a full stop, question or exclamation mark (and any closing quote or
bracket) followed by a space and a capital letter or an opening quote, except after an
abbreviation such as `U.S.` or `Aug.`. A sentence is cited when some quote overlaps it.
Lines that the source's front matter names in `ignore:` (page furniture: headlines,
bylines, photo credits) are not counted at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from timeline.model import Dataset, Source

__all__ = ["ArticleCoverage", "Passage", "article_coverage", "coverage", "sentences"]

_BREAK = re.compile(r"[.!?][”’\"')\]]*\s+(?=[A-Z“‘\"'(])")
# Words, not a list literal: ruff format would put each of them on a line of its own.
_ABBREVIATIONS = frozenset(
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Md Mr Mrs Ms Dr St No Gen Gov Sen "  # noqa: SIM905
    "Rep Lt Col Jr Sr Inc Co Corp Prof vs".split()
)
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+")  # U.S., U.K.: taken as never a sentence end
_FIRST_WORDS = 8


@dataclass(frozen=True, slots=True)
class Passage:
    """An uncited stretch of an article: a whole paragraph or one sentence of it.

    `start`/`end` are offsets into `Source.text`; `line` and `column` are 1-based in the
    source file, as a quote's `Span` is, so `path:line:column` opens the passage.
    """

    kind: str
    """"paragraph" or "sentence"."""
    start: int
    end: int
    line: int
    column: int
    text: str

    @property
    def first_words(self) -> str:
        """The passage's first few words, with an ellipsis if there are more."""
        words = self.text.split()
        more = "…" if len(words) > _FIRST_WORDS else ""
        return " ".join(words[:_FIRST_WORDS]) + more


@dataclass(frozen=True, slots=True)
class ArticleCoverage:
    """One article's sentences, how many of them some event quotes, and the rest."""

    source_id: str
    path: str
    sentences: int
    cited: int
    ignored_lines: int
    uncited: tuple[Passage, ...]

    @property
    def share(self) -> float:
        """The cited share of the counted sentences (1.0 for an article with none)."""
        return self.cited / self.sentences if self.sentences else 1.0


def sentences(paragraph: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the sentences of one paragraph, spaces trimmed."""
    found: list[tuple[int, int]] = []
    start = 0
    for match in _BREAK.finditer(paragraph):
        words = paragraph[start : match.start()].split()
        last = words[-1].lstrip("(“‘\"'") if words else ""
        if last in _ABBREVIATIONS or _INITIALS.fullmatch(last + "."):
            continue
        found.append((start, match.end()))
        start = match.end()
    found.append((start, len(paragraph)))
    return [_trim(paragraph, a, b) for a, b in found if paragraph[a:b].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    part = text[start:end]  # never blank: `sentences` leaves blank parts out first
    return end - len(part.lstrip()), start + len(part.rstrip())


def article_coverage(source: Source, spans: Iterable[tuple[int, int]]) -> ArticleCoverage:
    """The coverage of `source` by quotes at `spans` (offsets into its text)."""
    quoted = sorted(spans)
    ignored = frozenset(source.ignore)
    text = source.text
    counted = cited = skipped = 0
    uncited: list[Passage] = []
    offset = 0
    for number, line in enumerate(text.split("\n")):
        file_line = source.body_line + number
        here, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        if file_line in ignored:
            skipped += 1
            continue
        parts = [(here + a, here + b) for a, b in sentences(line)]
        missing = [(a, b) for a, b in parts if not any(q < b and a < e for q, e in quoted)]
        counted += len(parts)
        cited += len(parts) - len(missing)
        whole = (parts[0][0], parts[-1][1])
        if missing == parts:  # nothing in the paragraph is cited: report it once
            missing = [whole]
        kind = "paragraph" if missing == [whole] else "sentence"
        for a, b in missing:
            uncited.append(Passage(kind, a, b, file_line, a - here + 1, text[a:b]))
    return ArticleCoverage(source.id, source.path, counted, cited, skipped, tuple(uncited))


def coverage(dataset: Dataset) -> tuple[ArticleCoverage, ...]:
    """The coverage of every article of `dataset`, in dataset order."""
    spans: dict[str, list[tuple[int, int]]] = {s.id: [] for s in dataset.sources}
    for event in dataset.events:
        for quote in dataset.full(event).quotes:
            spans[quote.source_id].append((quote.span.start, quote.span.end))
    return tuple(article_coverage(s, spans[s.id]) for s in dataset.sources)
