"""The details section of a cache entry: long texts kept on disk and read on demand.

At 100,000 events the summaries, quotes and articles are about three quarters of a
loaded dataset's memory, yet a screen shows one event's details at a time. A cache
entry (`timeline.cache`) therefore keeps them in a section of its own, and the events
and articles it rebuilds hold only a `model.DetailRef` (a record number) to them;
`DetailStore` reads one record when a property such as `Event.summary` asks for it.

**The layout** (all integers little-endian), from the section's first byte:

- `u64` event count E, `u64` source count S;
- `u64` offsets, E + 1 of them, then S + 1 more: where each record starts and ends,
  relative to the end of the offsets (each list starts at 0 and never decreases);
- the event records, then the source records, end to end.

An event record is a head (`u32` summary length in bytes, `i32` date-basis length or
-1 for none, `u32` quote count), a head per quote (`u32` source-id length, `u32` text
length, `i64` start, end, line and column), then the UTF-8 texts in that order:
summary, date basis, and each quote's source id and text. A source record is the
article's text in UTF-8. Strings are encoded with `surrogatepass`, so any `str` the
loader made reads back unchanged.

**Reading** uses `os.pread` (a lock, a seek and a read where there is none) on a file
descriptor the store keeps open for its whole life: the cache replaces an entry by
renaming a new file over it, so the open inode never changes underneath. It never
maps the file (touched mapped pages would count in the process's memory). The whole
section's SHA-256 is checked once, when the store is opened, a chunk at a time, so a
damaged file is refused before any record is trusted. A few recently read records are
kept (an LRU): the detail pane asks for the same event several times per frame. The
store is safe to use from several threads (the loading worker and the UI thread).
"""

from __future__ import annotations

import hashlib
import os
import struct
import threading
import weakref
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate, pairwise
from typing import Generic, TypeVar

from timeline.binfile import ColumnReader, le_bytes
from timeline.diagnostics import Diagnostic, file_error
from timeline.model import EventDetails, Quote, Span

__all__ = ["DetailStore", "DetailsChanged", "encode_details", "read_at"]

_COUNTS = struct.Struct("<QQ")
_EVENT_HEAD = struct.Struct("<IiI")
_QUOTE_HEAD = struct.Struct("<IIqqqq")
_ENCODING = "utf-8"
_ERRORS = "surrogatepass"
_CHUNK = 1 << 20
"""How much of the section is read at a time to check its digest."""
_Value = TypeVar("_Value")

_EVENT_CACHE = 256
"""Event records kept decoded: a screen's worth and more, a few hundred kilobytes."""
_SOURCE_CACHE = 4
"""Article texts kept: articles can be long (up to `model.MAX_SOURCE_BYTES`)."""


def _event_record(summary: str, date_basis: str | None, quotes: Sequence[Quote]) -> bytes:
    """One event record (see the module's docstring)."""
    summary_bytes = summary.encode(_ENCODING, _ERRORS)
    basis_bytes = b"" if date_basis is None else date_basis.encode(_ENCODING, _ERRORS)
    parts = [
        _EVENT_HEAD.pack(
            len(summary_bytes), -1 if date_basis is None else len(basis_bytes), len(quotes)
        )
    ]
    texts = [summary_bytes, basis_bytes]
    for quote in quotes:
        source_id = quote.source_id.encode(_ENCODING, _ERRORS)
        text = quote.text.encode(_ENCODING, _ERRORS)
        span = quote.span
        parts.append(
            _QUOTE_HEAD.pack(
                len(source_id), len(text), span.start, span.end, span.line, span.column
            )
        )
        texts += (source_id, text)
    return b"".join(parts + texts)


def encode_details(
    events: Iterable[tuple[str, str | None, Sequence[Quote]]], sources: Iterable[str]
) -> list[bytes]:
    """The details section for `events` (summary, date basis, quotes of each, in the
    order their records are numbered) and `sources` (each article's text), as parts to
    be written one after another."""
    event_records = [_event_record(*details) for details in events]
    source_records = [text.encode(_ENCODING, _ERRORS) for text in sources]
    # Each list of offsets starts at 0: the source records' at the end of the events'.
    offsets = array("Q", accumulate(map(len, event_records), initial=0))
    offsets.extend(accumulate(map(len, source_records), initial=0))
    counts = _COUNTS.pack(len(event_records), len(source_records))
    return [counts, le_bytes(offsets), *event_records, *source_records]


def _decode_event(data: bytes) -> EventDetails:
    """An event record's summary, date basis and quotes; ValueError if it is malformed."""
    summary_length, basis_length, count = _EVENT_HEAD.unpack_from(data, 0)
    at = _EVENT_HEAD.size
    heads = []
    for _ in range(count):
        heads.append(_QUOTE_HEAD.unpack_from(data, at))
        at += _QUOTE_HEAD.size
    view = memoryview(data)

    def text(length: int) -> str:
        nonlocal at
        if at + length > len(data):
            raise ValueError("a record's text runs past its end")
        value = str(view[at : at + length], _ENCODING, _ERRORS)
        at += length
        return value

    summary = text(summary_length)
    date_basis = None if basis_length < 0 else text(basis_length)
    quotes = []
    for source_length, text_length, start, end, line, column in heads:
        source_id = text(source_length)
        quotes.append(Quote(source_id, text(text_length), Span(start, end, line, column)))
    if at != len(data):
        raise ValueError("a record is longer than its contents")
    return summary, date_basis, tuple(quotes)


def _decode_texts(data: bytes) -> tuple[str, ...]:
    """An event record's summary and quote texts (`DetailStore.detail_texts`)."""
    summary_length, basis_length, count = _EVENT_HEAD.unpack_from(data, 0)
    at = _EVENT_HEAD.size + count * _QUOTE_HEAD.size
    texts = [str(data[at : at + summary_length], _ENCODING, _ERRORS)]
    at += summary_length + max(basis_length, 0)
    for head in range(
        _EVENT_HEAD.size, _EVENT_HEAD.size + count * _QUOTE_HEAD.size, _QUOTE_HEAD.size
    ):
        source_length, text_length = _QUOTE_HEAD.unpack_from(data, head)[:2]
        at += source_length
        texts.append(str(data[at : at + text_length], _ENCODING, _ERRORS))
        at += text_length
    if at != len(data):
        raise ValueError("a record is longer than its contents")
    return tuple(texts)


class _Recent(Generic[_Value]):
    """The last few records read, by record number: a small LRU, safe across threads
    (a record is read outside the lock, so two threads may both read it once)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[int, _Value] = OrderedDict()

    def get(self, index: int, read: Callable[[int], _Value]) -> _Value:
        """Record `index`, kept or read with `read` (and then kept)."""
        with self._lock:
            found = self._kept.get(index)
            if found is not None:
                self._kept.move_to_end(index)
                return found
        value = read(index)
        with self._lock:
            self._kept[index] = value
            if len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return value


class DetailsChanged(OSError):
    """A record no longer reads back as it was written: the cache file was cut short or
    overwritten in place while a dataset read from it was in use. (`timeline.cache`
    only ever replaces an entry whole, which an open store never sees.) Its `filename`
    is the cache file, when the store knows it."""

    def diagnostic(self) -> Diagnostic:
        """The error as the app and the CLI report it: reading again from the dataset's
        files (the damaged entry no longer matches its digest) is the way out."""
        return file_error(
            str(self.filename or "the dataset cache"),
            "cache-changed",
            f"{self.strerror}; run timeline again to read the dataset afresh",
        )


class DetailStore:
    """The details section of one cache entry, read a record at a time.

    Implements `model.DetailReader`. Open one with `DetailStore.open`; it owns the file
    descriptor from then on and closes it when the store is collected (or by `close`).
    """

    def __init__(
        self,
        fd: int,
        start: int,
        event_offsets: array[int],
        source_offsets: array[int],
        path: str | None = None,
    ) -> None:
        """A store over `fd` (the file at `path`, for messages), whose records start at
        byte `start` (see `open`)."""
        self._fd = fd
        self.path = path
        self._start = start
        self._event_offsets = event_offsets
        self._source_offsets = source_offsets
        self._sources_start = start + event_offsets[-1]
        self._events: _Recent[EventDetails] = _Recent(_EVENT_CACHE)
        self._sources: _Recent[str] = _Recent(_SOURCE_CACHE)
        self._closer = weakref.finalize(self, os.close, fd)

    @classmethod
    def open(
        cls, fd: int, start: int, length: int, digest: bytes, path: str | None = None
    ) -> DetailStore:
        """Check and open the section of `length` bytes at `start` in the file `fd` (the
        file at `path`, named in `DetailsChanged` errors).

        The section's SHA-256 must be `digest`, and its offsets must describe records
        that fit in it. On success the store owns `fd`; on failure (`ValueError`, or
        `OSError` from reading) the caller still does.
        """
        sha = hashlib.sha256()
        at, end = start, start + length
        while at < end:
            chunk = read_at(fd, min(_CHUNK, end - at), at)
            if not chunk:
                raise ValueError("the details section is cut short")
            sha.update(chunk)
            at += len(chunk)
        if sha.digest() != digest:
            raise ValueError("the details section does not match its digest")
        counts = read_at(fd, _COUNTS.size, start)
        if len(counts) != _COUNTS.size:
            raise ValueError("the details section is cut short")
        events, sources = _COUNTS.unpack(counts)
        offsets_size = 8 * (events + sources + 2)
        if _COUNTS.size + offsets_size > length:
            raise ValueError("the details section is cut short")
        reader = ColumnReader(read_at(fd, offsets_size, start + _COUNTS.size))
        event_offsets = reader.column("Q", events + 1)
        source_offsets = reader.column("Q", sources + 1)
        records = length - _COUNTS.size - offsets_size
        for offsets in (event_offsets, source_offsets):
            if offsets[0] != 0 or any(a > b for a, b in pairwise(offsets)):
                raise ValueError("the details offsets are not in order")
        if event_offsets[-1] + source_offsets[-1] != records:
            raise ValueError("the details records do not fill the section")
        return cls(fd, start + _COUNTS.size + offsets_size, event_offsets, source_offsets, path)

    @property
    def event_count(self) -> int:
        """How many event records the section holds."""
        return len(self._event_offsets) - 1

    @property
    def source_count(self) -> int:
        """How many article records the section holds."""
        return len(self._source_offsets) - 1

    @property
    def closed(self) -> bool:
        """Whether the file descriptor has been closed."""
        return not self._closer.alive

    def close(self) -> None:
        """Close the file now (collecting the store does it too); reads then fail."""
        self._closer()

    def event_details(self, index: int) -> EventDetails:
        """The summary, date basis and quotes of event record `index`.

        Raises `IndexError` for a record the section does not hold, `DetailsChanged` if
        the file changed since it was opened, `OSError` if it can no longer be read.
        """
        return self._events.get(index, self._read_event)

    def detail_texts(self, indices: Sequence[int]) -> list[tuple[str, ...]]:
        """The summary and quote texts, `(summary, *quote_texts)`, of each of these
        event records: for a reader of many (the search index), so neither looked up in
        nor added to the recent records, and no `Quote` objects are built."""
        record = self._record
        start, offsets = self._start, self._event_offsets
        try:
            return [_decode_texts(record(start, offsets, index)) for index in indices]
        except (ValueError, struct.error) as error:
            raise self._changed("an event record no longer decodes") from error

    def source_text(self, index: int) -> str:
        """The text of article record `index` (`IndexError`, `OSError` as above)."""
        return self._sources.get(index, self._read_source)

    def _read_event(self, index: int) -> EventDetails:
        record = self._record(self._start, self._event_offsets, index)
        try:
            return _decode_event(record)
        except (ValueError, struct.error) as error:  # UnicodeDecodeError is a ValueError
            raise self._changed(f"event record {index} no longer decodes") from error

    def _read_source(self, index: int) -> str:
        record = self._record(self._sources_start, self._source_offsets, index)
        try:
            return str(record, _ENCODING, _ERRORS)
        except ValueError as error:
            raise self._changed(f"article record {index} no longer decodes") from error

    def _changed(self, what: str) -> DetailsChanged:
        return DetailsChanged(0, f"{what}: the cache file changed while in use", self.path)

    def _record(self, base: int, offsets: array[int], index: int) -> bytes:
        if not 0 <= index < len(offsets) - 1:
            raise IndexError(f"no details record {index}")
        start, end = offsets[index], offsets[index + 1]
        data = read_at(self._fd, end - start, base + start)
        if len(data) != end - start:
            raise self._changed(f"details record {index} is cut short")
        return data


_seek_lock = threading.Lock()


def read_at(fd: int, length: int, offset: int) -> bytes:
    """Up to `length` bytes of `fd` at `offset` (fewer only at the end of the file)."""
    pread = getattr(os, "pread", None)
    chunks: list[bytes] = []
    while length > 0:
        if pread is not None:
            chunk = pread(fd, length, offset)
        else:  # Windows: no pread; one lock keeps a seek and its read together
            with _seek_lock:
                os.lseek(fd, offset, os.SEEK_SET)
                chunk = os.read(fd, length)
        if not chunk:
            break
        chunks.append(chunk)
        length -= len(chunk)
        offset += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
