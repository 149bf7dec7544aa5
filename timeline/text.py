"""Text rules shared by provenance, search and display.

Two jobs live here, both pure:

* **Matching normalisation** (`normalize`, `normalize_with_map`): Unicode NFC, curly and
  straight quotes folded, dashes folded, runs of whitespace collapsed. A quote counts as
  verbatim when its normalised form occurs in the normalised article; the map turns a
  match back into a span of the original text.
* **Display sanitising** (`sanitize`, `invisible_characters`): control characters become
  visible symbols (ESC shows as ␛) so no data can move the cursor, clear the screen, set
  the clipboard or open links in a terminal; bidi overrides and zero-width characters
  are reported so a quote that hides text can be flagged. `sanitize_cells` also takes
  apart the emoji sequences terminals give different widths, for text laid out in cells.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from array import array
from collections.abc import Iterator

__all__ = [
    "INVISIBLE_NAMES",
    "OffsetMap",
    "fold_case",
    "invisible_characters",
    "normalize",
    "normalize_with_map",
    "normalize_with_offsets",
    "sanitize",
    "sanitize_cells",
    "sanitize_keeping_offsets",
]

_QUOTE_FOLD = {
    **dict.fromkeys(map(ord, "‘’‚‛′‹›"), "'"),
    **dict.fromkeys(map(ord, "“”„‟″«»"), '"'),
}
# U+2010..U+2015 hyphens and dashes, minus sign, small and full-width hyphen-minus.
_DASH_FOLD = dict.fromkeys(map(ord, "‐‑‒–—―−﹘﹣－"), "-")
_FOLD_TABLE = str.maketrans({**_QUOTE_FOLD, **_DASH_FOLD})
# The same folds as (char, replacement) pairs for `str.replace`: `str.translate` with a
# dict visits every character through a dict lookup, which is slower.
_FOLDS = tuple((chr(code), str(folded)) for code, folded in _FOLD_TABLE.items())
_WORD = re.compile(r"\S+")  # the words of `str.split()`, which splits where `\s` matches
# Whitespace runs that collapse to fewer characters: only these move offsets.
_LONG_WHITESPACE = re.compile(r"\s\s+")


def _fold(text: str) -> str:
    """NFC, then quotes and dashes folded (`_FOLD_TABLE`), for non-ASCII text."""
    text = unicodedata.normalize("NFC", text)
    for char, folded in _FOLDS:  # folds map to ASCII, so their order cannot matter
        if char in text:  # a miss costs far less than a replace that finds nothing
            text = text.replace(char, folded)
    return text


def normalize(text: str) -> str:
    """The matching form of a text: NFC, quotes and dashes folded, whitespace collapsed.

    Leading and trailing whitespace is dropped. Case and everything else are kept: a
    quote is verbatim or it is not.
    """
    if not text.isascii():
        text = _fold(text)
    # `str.split()` splits on exactly the characters `\s` and `str.strip` take
    # (`str.isspace`), so this is `re.sub(r"\s+", " ", text).strip()`, but quicker.
    return " ".join(text.split())


class OffsetMap:
    """The map of `normalize_with_map`, kept compact: from a character of the normalised
    text back to the span of the original it came from.

    Most characters map one for one, shifted by how much whitespace was collapsed before
    them. Only the others are stored ("marks": a collapsed run of two or more whitespace
    characters, a character NFC composed or decomposed), each with its span and the
    shift of the characters after it. News copy has a few marks per paragraph.
    """

    __slots__ = ("_deltas", "_lead", "_mark_ends", "_mark_starts", "_marks")

    def __init__(
        self,
        lead: int,
        marks: list[int],
        mark_starts: list[int],
        mark_ends: list[int],
    ) -> None:
        """Marks at normalised offsets `marks` (ascending) map to
        `text[mark_starts[k]:mark_ends[k]]`; the characters after mark `k` (and before
        the next) follow straight on from it, and those before every mark map to
        `text[i + lead]`."""
        self._lead = lead
        # Packed: a hostile article that is all marks (decomposed throughout) then
        # costs 32 bytes per character, not four lists of Python ints.
        self._marks = array("q", marks)
        self._mark_starts = array("q", mark_starts)
        self._mark_ends = array("q", mark_ends)
        # A character `i` after mark `k` maps to `text[i + deltas[k]]`.
        self._deltas = array("q", [end - at - 1 for at, end in zip(marks, mark_ends, strict=True)])

    @classmethod
    def from_lists(cls, starts: list[int], ends: list[int]) -> OffsetMap:
        """Compress the per-character lists of `normalize_with_map`."""
        marks: list[int] = []
        mark_starts: list[int] = []
        mark_ends: list[int] = []
        lead = starts[0] if starts else 0
        delta = lead
        for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
            if start == i + delta and end == start + 1:
                continue
            marks.append(i)
            mark_starts.append(start)
            mark_ends.append(end)
            delta = end - i - 1  # as `__init__` maps the characters after a mark
        return cls(lead, marks, mark_starts, mark_ends)

    def start(self, index: int) -> int:
        """Where in the original text character `index` of the normalised text begins."""
        return self._map(index, self._mark_starts, 0)

    def end(self, index: int) -> int:
        """Where in the original text character `index` of the normalised text ends."""
        return self._map(index, self._mark_ends, 1)

    def _map(self, index: int, at_mark: array[int], past: int) -> int:
        k = bisect.bisect_right(self._marks, index) - 1
        if k < 0:
            return index + self._lead + past
        if self._marks[k] == index:
            return at_mark[k]
        return index + self._deltas[k] + past

    def span(self, first: int, last: int) -> tuple[int, int]:
        """The span of the original text that characters `first` to `last` (inclusive)
        of the normalised text came from: `(start(first), end(last))` in one call."""
        return self.start(first), self.end(last)


def normalize_with_offsets(text: str) -> tuple[str, OffsetMap]:
    """`normalize_with_map` with the map as a compact `OffsetMap`, built without a
    Python object per character: the fast form for whole articles."""
    if not unicodedata.is_normalized("NFC", text):
        normalised, starts, ends = normalize_with_map(text)
        return normalised, OffsetMap.from_lists(starts, ends)
    # NFC text: folding is one character for one, so only whitespace moves offsets.
    folded = _fold(text) if not text.isascii() else text
    lead = len(folded) - len(folded.lstrip())
    keep = len(folded.rstrip())
    marks: list[int] = []
    mark_starts: list[int] = []
    mark_ends: list[int] = []
    delta = lead
    if keep > lead:
        # Leading and trailing runs are dropped; a lone whitespace character becomes
        # one space in place, so only runs of two or more inside the text are marks.
        for run in _LONG_WHITESPACE.finditer(folded, lead, keep):
            run_start, run_end = run.span()
            at = run_start - delta
            marks.append(at)
            mark_starts.append(run_start)
            mark_ends.append(run_end)
            delta = run_end - at - 1
    return " ".join(folded.split()), OffsetMap(lead, marks, mark_starts, mark_ends)


def normalize_with_map(text: str) -> tuple[str, list[int], list[int]]:
    """Normalise `text` as `normalize` does, and map every output character back.

    Returns `(normalised, starts, ends)`: character `i` of `normalised` came from
    `text[starts[i]:ends[i]]`. A collapsed whitespace run maps to the whole run, and a
    character composed by NFC maps to all the characters it was composed from.
    """
    starts: list[int] = []
    ends: list[int] = []
    if unicodedata.is_normalized("NFC", text):
        # The fast path, for nearly all text: folding is one character for one, so each
        # word maps one for one and the whitespace since the word before to one space.
        folded = text.translate(_FOLD_TABLE)
        for word in _WORD.finditer(folded):
            start, end = word.span()
            if starts:
                starts.append(ends[-1])
                ends.append(start)
            starts.extend(range(start, end))
            ends.extend(range(start + 1, end + 1))
        return " ".join(folded.split()), starts, ends
    pieces: list[str] = []
    for chunk_start, chunk_end in _nfc_chunks(text):
        chunk = text[chunk_start:chunk_end]
        # A whitespace run (NBSP, em space, NEL, line breaks) becomes one space, as does a
        # space that NFC makes of odd input (folding never makes one).
        run = chunk.isspace()
        for char in " " if run else unicodedata.normalize("NFC", chunk).translate(_FOLD_TABLE):
            if char.isspace():
                if pieces and pieces[-1] == " " and run:
                    ends[-1] = chunk_end  # a run right after a space NFC made joins it
                if not pieces or pieces[-1] == " ":
                    continue
                char = " "
            pieces.append(char)
            starts.append(chunk_start)
            ends.append(chunk_end)
    if pieces and pieces[-1] == " ":
        pieces.pop()
        starts.pop()
        ends.pop()
    return "".join(pieces), starts, ends


def _nfc_chunks(text: str) -> Iterator[tuple[int, int]]:
    """Split text into runs that normalise independently: whitespace runs, and runs of
    other characters that each start where NFC cannot reach back across.

    A run starts at a character that NFC leaves alone (combining class 0, unchanged by
    NFC) and that does not compose with the end of the run before it. Combining class
    alone is not enough: Hangul jamo (U+1100 U+1161 → U+AC00) and some Indic vowel signs
    (U+0B47 U+0B3E → U+0B4B) have class 0 yet compose with the character before them.
    """
    i = 0
    length = len(text)
    while i < length:
        j = i + 1
        if text[i].isspace():
            while j < length and text[j].isspace():
                j += 1
        else:
            while j < length and not text[j].isspace() and not _starts_run(text, i, j):
                j += 1
        yield i, j
        i = j


def _starts_run(text: str, run_start: int, position: int) -> bool:
    """Whether NFC can be applied separately before and from `position`, given that the
    run before it began at `run_start`."""
    char = text[position]
    if unicodedata.combining(char) or not unicodedata.is_normalized("NFC", char):
        return False
    last = unicodedata.normalize("NFC", text[run_start:position])[-1]
    return unicodedata.is_normalized("NFC", last + char)


def fold_case(text: str) -> str:
    """The form used for free-text search: the matching form, case-folded."""
    return normalize(text).casefold()


# C0 controls show as the Unicode "control pictures" (U+2400 block); DEL as ␡; C1
# controls (U+0080–U+009F), which some terminals obey like ESC sequences, as ⍰.
_CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_CONTROL_PICTURES[0x7F] = "␡"
_CONTROL_PICTURES.update(dict.fromkeys(range(128, 160), "⍰"))
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Embeddings, overrides and isolates: they can make text read other than it is."""
_SURROGATES = dict.fromkeys(range(0xD800, 0xE000), "\ufffd")
_SANITIZE = {**_CONTROL_PICTURES, **_SURROGATES, **{ord(c): f"⟪U+{ord(c):04X}⟫" for c in _BIDI}}
_SANITIZE_TABLE = str.maketrans(_SANITIZE)
_SANITIZE_KEEP_NEWLINES = str.maketrans({**_SANITIZE, 0x0A: "\n"})

INVISIBLE_NAMES = {
    char: unicodedata.name(char)
    for char in "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u061c" + _BIDI
}
"""Characters that change how text looks without being seen: bidi controls and
zero-width characters. Quotes containing them are flagged."""
_INVISIBLE = re.compile("[" + "".join(INVISIBLE_NAMES) + "]")


def sanitize(text: str, *, keep_newlines: bool = False) -> str:
    """Make text safe to print to a terminal.

    Control characters (C0, DEL, C1) become visible symbols, so an escape sequence in the
    data is shown as `␛[2J` rather than obeyed. Tabs become spaces. Bidi override and
    isolate characters, which can make text read differently from what it is, are shown
    as `⟪U+202E⟫`. Lone surrogates (from file names that are not UTF-8) become �, so
    the result can always be encoded. With `keep_newlines`, line feeds survive for
    multi-line text.
    """
    if text.isascii() and _UNSAFE.search(text) is None:
        return text
    text = text.replace("\t", "    ")
    if keep_newlines:
        return text.replace("\r\n", "\n").translate(_SANITIZE_KEEP_NEWLINES)
    return text.translate(_SANITIZE_TABLE)


# Regional-indicator letters: a pair is a flag (🇯🇵), one alone shows as a letter in a box.
_FLAG = re.compile("[\U0001f1e6-\U0001f1ff]{1,2}")
# Skin tones, VS16 (emoji presentation), tag characters (subdivision flags), and a ZWJ
# after an emoji, a skin tone or VS16 (the joins of 👨‍👩‍👧 and 🏳️‍🌈).
_EMOJI_JOINS = re.compile(
    "[\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]"
    "|(?<=[\u2000-\u2bff\ufe0f\U0001f000-\U0001faff])\u200d"
)


def _flag_letters(match: re.Match[str]) -> str:
    return "[" + "".join(chr(ord(char) - 0x1F1E6 + ord("A")) for char in match.group()) + "]"


def sanitize_cells(text: str) -> str:
    """`sanitize`, for text laid out in terminal cells (a row, a table, a wrapped pane):
    emoji sequences whose width terminals disagree on are taken apart.

    A flag (two regional indicators) becomes its country code (🇯🇵 → `[JP]`); skin-tone
    modifiers, VS16, tag characters and the zero-width joiners between emoji are
    dropped (👍🏽 → 👍, 👨‍👩‍👧 → 👨👩👧, ❤️ → ❤). What is left has one width per code
    point that Rich and terminals agree on (tmux 3.3 draws 👍🏽 four cells wide and ❤️ one,
    where Rich counts two each). Only for display: the data keeps its exact text.
    """
    text = sanitize(text)
    if text.isascii():
        return text
    return _EMOJI_JOINS.sub("", _FLAG.sub(_flag_letters, text))


_SHOWN_IN_PLACE = str.maketrans(
    {
        **_CONTROL_PICTURES,
        0x0A: "\n",
        0x2028: "⏎",
        0x2029: "¶",
        **_SURROGATES,
        **dict.fromkeys(map(ord, _BIDI), "\ufffd"),
    }
)


def sanitize_keeping_offsets(text: str) -> str:
    """Like `sanitize(keep_newlines=True)`, but one character out for each one in.

    The article screen shows the source through this, so a quote's span indexes the
    shown text too. CRLF shows as a space then a newline; other line and paragraph
    separators and control characters become visible symbols; bidi controls and lone
    surrogates become �.
    """
    return text.replace("\r\n", " \n").translate(_SHOWN_IN_PLACE)


def invisible_characters(text: str) -> list[tuple[int, str]]:
    """The offsets and names of bidi controls and zero-width characters in `text`."""
    if text.isascii():  # they are all outside ASCII; most quotes are checked this fast
        return []
    return [(m.start(), INVISIBLE_NAMES[m.group()]) for m in _INVISIBLE.finditer(text)]
