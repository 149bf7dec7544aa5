"""The free-text index (`TextIndex`): each distinct word of the events' search texts,
made in batches (`search_text_batches`), with its events.
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect_right
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from functools import partial
from itertools import accumulate, islice, repeat
from operator import contains

import msgspec

from timeline.model import Event
from timeline.query.counts import flags_to_mask, positions_to_mask
from timeline.query.filter import event_search_text
from timeline.text import _fold

__all__ = ["SearchTables", "TextIndex", "search_text_batches"]

_PART_SEPARATOR = "\x00"
_EVENT_SEPARATOR = "\x01"
_BATCH = 1024
"""Events whose search texts are made together: one `normalize` over a batch costs far
less than one per event, but a bigger batch's copies of its text raise the peak memory."""
_SPACED_SEPARATORS = tuple(
    (spaced, separator)
    for separator in (_PART_SEPARATOR, _EVENT_SEPARATOR)
    for spaced in (" " + separator, separator + " ")
)


DetailTexts = Callable[[Sequence[Event]], list[tuple[str, ...]]]
"""`Dataset.detail_texts`: the summary and quote texts of events, read in bulk."""


def search_text_batches(events: Sequence[Event], details: DetailTexts) -> Iterator[list[str]]:
    """`event_search_text` of every event, `_BATCH` events at a time: the same strings.

    A batch's texts are joined by separators and normalised at once, far quicker than one
    by one. The separators (NUL, SOH) are neither whitespace nor anything NFC composes
    with, so the parts normalise exactly as they would apart; a batch whose text holds a
    separator itself is done one event at a time instead.
    """
    for start in range(0, len(events), _BATCH):
        batch = events[start : start + _BATCH]
        # Read in bulk: the details of events loaded without them are in the store.
        texts = details(batch)
        parts = [
            _PART_SEPARATOR.join([event.title, *event_texts])
            for event, event_texts in zip(batch, texts, strict=True)
        ]
        blob = _EVENT_SEPARATOR.join(parts)
        part_separators = sum(map(len, texts))  # the summary and each quote
        # A batch's text is big: keep no more copies alive than the step at hand needs.
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


def _normalize_blob(text: str) -> str:
    """`timeline.text.normalize`, rewritten for one long string.

    The same steps, done with `str.replace`, which scans a megabyte in microseconds,
    where a regex substitution visits every character in Python-level machinery.
    """
    if not text.isascii():
        text = _fold(text)
    for space in _OTHER_WHITESPACE:
        if space in text:
            text = text.replace(space, " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip(" ")


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
per window rather than once per batch. Its flags take a byte per event and character."""


class SearchTables(msgspec.Struct, frozen=True):
    """A text index (`TextIndex`) as plain values, for a store to keep between runs:
    `EventIndex.search_tables` gives them, `EventIndex.load_search_tables` takes them.

    A bitset is the little-endian bytes, `(size + 7) // 8` of them, of an int whose bit i
    stands for the event at position i in date order. Only what costs much to rebuild is
    here: loading rebuilds the date index and the words' lookup offsets.
    """

    size: int
    """How many events were indexed."""
    words: Sequence[str]
    """The distinct words of the events' search texts."""
    positions: Sequence[bytes]
    """For each word, the positions of the events that hold it: the bytes of an
    `array("I")` (this machine's byte order), ascending; empty for a word in `dense`."""
    dense: Mapping[int, bytes]
    """Word (its index in `words`) -> bitset of its events, for the words in many events
    (such as "the"): fewer bytes than their positions, and far quicker to read back."""
    chars: Mapping[str, bytes]
    """Character -> bitset of the events whose search text holds it (rebuilding these
    takes the texts, and so the whole build)."""


def _add_flags(chars: dict[str, int], window: dict[str, list[bytes]], start: int) -> None:
    """OR the flags gathered in `window` (one byte per event, 1 where the character is
    in the text; the window's first event at `start`) into `chars`, and empty it."""
    for char, kept in window.items():
        flags = b"".join(kept)
        if 1 in flags:
            chars[char] |= flags_to_mask(flags) << start
    window.clear()


class TextIndex(msgspec.Struct, frozen=True):
    """Where each search term occurs, built once by `EventIndex.prepare_search` (or read
    back from its `SearchTables`).

    A term holds no whitespace (`Filter.terms` splits on it), so it occurs in a search
    text exactly when it occurs in one of the text's words (`str.split()`). The index
    is therefore a list of the distinct words with, for each, the events holding it:
    a term's events are the union over the words it occurs in, found by one scan of
    the word list instead of the whole text. A single character would match most words,
    so each character also has its bitset, built from the texts while they exist. The
    texts themselves are never kept: the index answers every term exactly.
    """

    size: int
    chars: dict[str, int]
    """Character -> bitset of the events whose search text holds it."""
    words: str
    """The distinct words, joined by newlines (which no word or term contains)."""
    starts: array[int]
    """Where each word starts in `words`, and one past the end."""
    postings: tuple[bytes, ...]
    """Each word's event positions, as in `SearchTables.positions`: immutable, so a loaded
    index uses the stored bytes in place, in a tuple, which the garbage collector stops
    tracking (a list it would walk at every full collection)."""
    dense: dict[int, int]
    """Word id -> bitset, for the words in many events, as in `SearchTables.dense`."""
    memo: dict[str, int] = msgspec.field(default_factory=dict)
    """Bitsets of short terms already asked for: typing or deleting back to one is free."""

    @classmethod
    def build(cls, events: Sequence[Event], details: DetailTexts) -> TextIndex:
        """Index the search texts of `events` (in their order), batch by batch."""
        size = len(events)
        by_word: defaultdict[str, array[int]] = defaultdict(partial(array, "I"))
        word_postings = by_word.__getitem__
        append = array.append
        alphabet: dict[str, None] = {}  # the characters that get a bitset, in order met
        chars: dict[str, int] = {}
        window: dict[str, list[bytes]] = {}  # each character's flags, batch by batch
        window_start = start = seen_words = 0
        for texts in search_text_batches(events, details):
            # Every (word, event) pair once, appended in C: a loop per word costs far more.
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
                        if char not in alphabet and len(alphabet) < _MASKED_CHARS:
                            alphabet[char] = None
                seen_words = len(by_word)
            for char in alphabet:
                # `in` on one character is a memchr: quick over all the batch's texts.
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
        words, starts = _joined(by_word)
        # Each word's array is let go as its bytes are made: no position is held twice.
        pending = deque(by_word.values())
        by_word.clear()
        postings: list[bytes] = []
        dense: dict[int, int] = {}
        while pending:
            positions = pending.popleft()
            if len(positions) * _DENSE_WORD > size:
                dense[len(postings)] = positions_to_mask(positions, size)
                postings.append(b"")
            else:
                postings.append(positions.tobytes())
        return cls(size, chars, words, starts, tuple(postings), dense)

    @classmethod
    def from_tables(cls, tables: SearchTables) -> TextIndex:
        """The index that `tables` hold.

        Raises ValueError (TypeError for a value of the wrong type) unless every
        position is below `tables.size` and each word's are in ascending order, every
        bitset is one of `size` bits, each dense word is a word without positions, and
        each masked character is one character.
        """
        size = tables.size
        postings = tuple(tables.positions)
        dense = {word: _bitset(bits, size) for word, bits in tables.dense.items()}
        chars = {char: _bitset(bits, size) for char, bits in tables.chars.items()}
        if (
            len(tables.words) != len(postings)
            or any(len(char) != 1 for char in chars)
            or any(not 0 <= word < len(postings) or postings[word] for word in dense)
            or not all(_ascending_below(positions, size) for positions in postings)
        ):
            raise ValueError("not the tables of a whole text index")
        words, starts = _joined(tables.words)
        if words.count("\n") != max(len(postings) - 1, 0):
            raise ValueError("a word holds a newline")  # `words` could not be split again
        return cls(size, chars, words, starts, postings, dense)

    def tables(self) -> SearchTables:
        """This index as plain values (sharing its bytes: they never change)."""
        width = (self.size + 7) // 8
        return SearchTables(
            self.size,
            self.words.split("\n") if self.postings else [],
            self.postings,
            {word: bits.to_bytes(width, "little") for word, bits in self.dense.items()},
            {char: bits.to_bytes(width, "little") for char, bits in self.chars.items()},
        )

    def term_mask(self, term: str) -> int:
        """The bitset of the events whose search text holds `term` (no whitespace)."""
        memo = self.memo
        found = self.chars.get(term, memo.get(term))  # a character's own, else remembered
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
        positions = array("I")
        deque(map(positions.frombytes, map(self.postings.__getitem__, listed)), maxlen=0)
        mask |= positions_to_mask(positions, self.size)
        if len(term) <= 2:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()  # one step, safe from any thread; the next ones refill it
            memo[term] = mask
        return mask


def _joined(words: Collection[str]) -> tuple[str, array[int]]:
    """`words` joined by newlines, and where each starts (`TextIndex.words`, `starts`)."""
    return "\n".join(words), array("q", accumulate((len(w) + 1 for w in words), initial=0))


def _bitset(data: bytes, size: int) -> int:
    """The bitset `data` holds; ValueError unless it is one of `size` bits."""
    bits = int.from_bytes(data, "little")
    if len(data) != (size + 7) // 8 or bits >> size:
        raise ValueError("not a bitset of the events")
    return bits


def _ascending_below(data: bytes, size: int) -> bool:
    """Whether `data` holds positions (`array("I")`) in ascending order, below `size`."""
    positions = memoryview(data).cast("I").tolist()  # TypeError unless whole items
    # A sort of sorted data is one pass in C, half the cost of comparing pair by pair;
    # a position listed twice (which it lets through) only sets its bit twice.
    return positions == sorted(positions) and (not positions or positions[-1] < size)
