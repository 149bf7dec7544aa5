"""Text rules shared by provenance, search and display.

Two jobs live here, both pure:

* **Matching normalisation** (`normalize`, `normalize_with_map`): Unicode NFC, curly and
  straight quotes folded, dashes folded, runs of whitespace collapsed. A quote counts as
  verbatim when its normalised form occurs in the normalised article; the map turns a
  match back into a span of the original text.
* **Display sanitising** (`sanitize`, `invisible_characters`): control characters become
  visible symbols (ESC shows as ␛) so no data can move the cursor, clear the screen, set
  the clipboard or open links in a terminal; bidi overrides and zero-width characters
  are reported so a quote that hides text can be flagged.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "INVISIBLE_NAMES",
    "fold_case",
    "invisible_characters",
    "normalize",
    "normalize_with_map",
    "sanitize",
    "sanitize_keeping_offsets",
]

_QUOTE_FOLD = {
    **dict.fromkeys(map(ord, "‘’‚‛′‹›"), "'"),
    **dict.fromkeys(map(ord, "“”„‟″«»"), '"'),
}
# U+2010..U+2015 hyphens and dashes, minus sign, small and full-width hyphen-minus.
_DASH_FOLD = dict.fromkeys(map(ord, "‐‑‒–—―−﹘﹣－"), "-")
_FOLD_TABLE = str.maketrans({**_QUOTE_FOLD, **_DASH_FOLD})
_WHITESPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """The matching form of a text: NFC, quotes and dashes folded, whitespace collapsed.

    Leading and trailing whitespace is dropped. Case and everything else are kept: a
    quote is verbatim or it is not.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).translate(_FOLD_TABLE)
    return _WHITESPACE.sub(" ", text).strip()


def normalize_with_map(text: str) -> tuple[str, list[int], list[int]]:
    """Normalise `text` as `normalize` does, and map every output character back.

    Returns `(normalised, starts, ends)`: character `i` of `normalised` came from
    `text[starts[i]:ends[i]]`. A collapsed whitespace run maps to the whole run, and a
    character composed by NFC maps to all the characters it was composed from.
    """
    if unicodedata.is_normalized("NFC", text):
        return _map_nfc_text(text)
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for chunk_start, chunk_end in _nfc_chunks(text):
        chunk = text[chunk_start:chunk_end]
        if chunk.isspace():
            # Whitespace runs (including NBSP, em space, NEL, line breaks) become one space.
            if pieces and pieces[-1] != " ":
                pieces.append(" ")
                starts.append(chunk_start)
                ends.append(chunk_end)
            elif pieces:
                ends[-1] = chunk_end
            continue
        folded = unicodedata.normalize("NFC", chunk).translate(_FOLD_TABLE)
        for char in folded:
            if char.isspace():
                # Folding never makes spaces, but NFC of odd input might; treat as a run.
                if pieces and pieces[-1] != " ":
                    pieces.append(" ")
                    starts.append(chunk_start)
                    ends.append(chunk_end)
                continue
            pieces.append(char)
            starts.append(chunk_start)
            ends.append(chunk_end)
    if pieces and pieces[-1] == " ":
        pieces.pop()
        starts.pop()
        ends.pop()
    return "".join(pieces), starts, ends


def _map_nfc_text(text: str) -> tuple[str, list[int], list[int]]:
    """The fast path of `normalize_with_map` for text already in NFC (nearly all of it):
    folding is one character for one, so only whitespace runs move offsets."""
    folded = text.translate(_FOLD_TABLE)
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for run in _WHITESPACE.finditer(folded):
        run_start, run_end = run.span()
        if run_start > position:
            pieces.append(folded[position:run_start])
            starts.extend(range(position, run_start))
            ends.extend(range(position + 1, run_start + 1))
        if starts and run_end < len(folded):
            pieces.append(" ")
            starts.append(run_start)
            ends.append(run_end)
        position = run_end
    if position < len(folded):
        pieces.append(folded[position:])
        starts.extend(range(position, len(folded)))
        ends.extend(range(position + 1, len(folded) + 1))
    return "".join(pieces), starts, ends


def _nfc_chunks(text: str) -> list[tuple[int, int]]:
    """Split text into runs that normalise independently: whitespace runs, and runs of
    other characters that each start where NFC cannot reach back across.

    A run starts at a character that NFC leaves alone (combining class 0, unchanged by
    NFC) and that does not compose with the end of the run before it. Combining class
    alone is not enough: Hangul jamo (U+1100 U+1161 → U+AC00) and some Indic vowel signs
    (U+0B47 U+0B3E → U+0B4B) have class 0 yet compose with the character before them.
    """
    chunks: list[tuple[int, int]] = []
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
        chunks.append((i, j))
        i = j
    return chunks


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
_SANITIZE_TABLE = str.maketrans(_CONTROL_PICTURES)
_SANITIZE_KEEP_NEWLINES = str.maketrans(
    {code: pic for code, pic in _CONTROL_PICTURES.items() if code not in (0x0A,)}
)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]")

INVISIBLE_NAMES = {
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
    "\u00ad": "SOFT HYPHEN",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u061c": "ARABIC LETTER MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
}
"""Characters that change how text looks without being seen: bidi controls and
zero-width characters. Quotes containing them are flagged."""
_INVISIBLE = re.compile("[" + "".join(INVISIBLE_NAMES) + "]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def sanitize(text: str, *, keep_newlines: bool = False) -> str:
    """Make text safe to print to a terminal.

    Control characters (C0, DEL, C1) become visible symbols, so an escape sequence in the
    data is shown as `␛[2J` rather than obeyed. Tabs become spaces. Bidi override and
    isolate characters, which can make text read differently from what it is, are shown
    as `⟪U+202E⟫`. With `keep_newlines`, line feeds survive for multi-line text.
    """
    if text.isascii() and _UNSAFE.search(text) is None:
        return text
    text = text.replace("\t", "    ")
    if keep_newlines:
        text = text.replace("\r\n", "\n").translate(_SANITIZE_KEEP_NEWLINES)
    else:
        text = text.translate(_SANITIZE_TABLE)
    return _BIDI_CONTROLS.sub(lambda m: f"⟪U+{ord(m.group()):04X}⟫", text)


_LINE_BREAKS_TO_SHOW = str.maketrans(
    {**_CONTROL_PICTURES, 0x0A: "\n", 0x2028: "⏎", 0x2029: "¶"}
)
_BIDI_AND_INVISIBLE = str.maketrans(
    {ord(c): "�" for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"}
)


def sanitize_keeping_offsets(text: str) -> str:
    """Like `sanitize(keep_newlines=True)`, but one character out for each one in.

    The article screen shows the source through this, so a quote's span indexes the
    shown text too. CRLF shows as a space then a newline; other line and paragraph
    separators and control characters become visible symbols; bidi controls become �.
    """
    text = text.replace("\r\n", " \n")
    return text.translate(_LINE_BREAKS_TO_SHOW).translate(_BIDI_AND_INVISIBLE)


def invisible_characters(text: str) -> list[tuple[int, str]]:
    """The offsets and names of bidi controls and zero-width characters in `text`."""
    return [(m.start(), INVISIBLE_NAMES[m.group()]) for m in _INVISIBLE.finditer(text)]
