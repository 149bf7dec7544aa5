"""A rows snapshot: what each timeline row shows, small enough to read before the data.

Reading a 100,000-event dataset back from `timeline.cache` takes about a second (hash
the files, unpickle every event). The timeline's first screen only needs, for each event
in date order, the line it draws: the date label, the title, the status, the theme
markers and the number of sources, plus the year and month headings. This module writes
exactly that, after a successful load, and reads it back in a few milliseconds, so the
app can show the rows while the real load runs behind them.

**The file** (`<slot>.tlrows` beside the cache entry of the same dataset path, in
`timeline.cache.cache_dir()`; `TIMELINE_NO_CACHE=1` turns it off too) is a fixed header
(magic, format, the dataset's stamp, a CRC-32 and the length of the body) and a body of
flat little-endian `array` columns plus one UTF-8 blob holding every string end to end
(ids, date labels, sanitized titles, theme ids and labels) with an offsets column. No
object is built per event when it is read: `RowsSnapshot` slices the blob only for the
rows on screen. A file whose magic, format, stamp, lengths, checksum or index ranges do
not all check out is ignored; its text is sanitized again when shown, so even a crafted
file cannot put a control character on the terminal.

**The stamp** is checkable without reading the dataset: a SHA-256 over the format, the
package version, the resolved dataset paths, and the size, modification time (ns) and
inode of `events.yaml` and of every entry of `sources/`. It says "probably the same
data", not "the same bytes" (that is the cache's content hash): the app always runs the
full load afterwards and replaces the preview with its result, so a stale snapshot is
never left on screen, and a snapshot is only written when the stamp did not change
while the data loaded.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import timeline
from timeline.binfile import U32, ColumnReader, le_bytes, write_atomically
from timeline.cache import cache_dir, slot_name
from timeline.model import Event, Status, Theme, resolve_dataset
from timeline.text import sanitize

__all__ = [
    "SNAPSHOT_FORMAT",
    "RowsSnapshot",
    "SnapshotStore",
    "build_snapshot",
    "dataset_stamp",
    "decode_snapshot",
    "encode_snapshot",
]

SNAPSHOT_FORMAT = 1
"""Bumped whenever the file layout or what a row holds changes."""

_MAGIC = b"TLROWS\n\0"
_SUFFIX = ".tlrows"
_HEAD = len(_MAGIC) + 4 + 32 + 4 + 8
"""Magic, format (u32), stamp (32 bytes), CRC-32 of the body (u32), body length (u64)."""
_COUNTS = 7
"""The body starts with this many u64 counts (see `encode_snapshot`)."""

_STATUSES: tuple[Status, ...] = tuple(Status)
_STATUS_CODE = {status: code for code, status in enumerate(_STATUSES)}

# Fixed-width column types. `array` sizes are the platform's C sizes: pick the codes
# that are 4 and 8 bytes here (every platform CPython supports has them).
_I64 = "q"


@dataclass(frozen=True, slots=True)
class RowsSnapshot:
    """Every event's timeline row, in date order, as read from a snapshot file.

    Position `i` is the event's position in `EventIndex.events` of the same data. The
    `rows`/`row_of` pair is `views.build_rows` over every event; `keys` are
    `views.group_keys`. Strings are decoded (and sanitized) only when asked for.
    """

    count: int
    theme_ids: tuple[str, ...]
    theme_labels: tuple[str, ...]
    marker_slots: int
    rows: list[int]
    row_of: list[int]
    keys: array[int]
    statuses: bytes
    source_counts: array[int]
    theme_start: array[int]
    theme_refs: array[int]
    offsets: array[int]
    blob: bytes | memoryview

    def __len__(self) -> int:
        """The number of events."""
        return self.count

    def _text(self, index: int) -> str:
        offsets = self.offsets
        return _decode_text(self.blob[offsets[index] : offsets[index + 1]])

    def event_id(self, position: int) -> str:
        """The id of the event at `position`."""
        return self._text(position)

    def date_label(self, position: int) -> str:
        """`dates.describe` of the event's date."""
        return sanitize(self._text(self.count + position))

    def title(self, position: int) -> str:
        """The event's title, sanitized."""
        return sanitize(self._text(2 * self.count + position))

    def themes(self, position: int) -> tuple[str, ...]:
        """The event's theme ids, in the event's order."""
        start, end = self.theme_start[position], self.theme_start[position + 1]
        ids = self.theme_ids
        # Checked here rather than on reading: a range check over every reference
        # would cost more than drawing the few rows on screen ever will.
        return tuple(ids[ref] for ref in self.theme_refs[start:end] if ref < len(ids))

    def status(self, position: int) -> Status:
        """The event's status."""
        return _STATUSES[self.statuses[position]]

    def timeline_row(self, position: int) -> tuple[str, str, Status, Sequence[str], int]:
        """What the timeline draws for the event at `position`: date label, title,
        status, theme ids and number of sources."""
        return (
            self.date_label(position),
            self.title(position),
            self.status(position),
            self.themes(position),
            self.source_counts[position],
        )

    def position_of(self, event_id: str) -> int | None:
        """The position of the event with this id, or None (a linear scan: once only)."""
        wanted = event_id.encode("utf-8", "surrogatepass")
        offsets, blob = self.offsets, self.blob
        for position in range(self.count):
            if blob[offsets[position] : offsets[position + 1]] == wanted:
                return position
        return None


def _decode_text(data: bytes | memoryview) -> str:
    """Text as written (ids may hold lone surrogates, kept by "surrogatepass"); bytes
    that were never UTF-8 (a damaged file) become U+FFFD."""
    try:
        return str(data, "utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return str(data, "utf-8", "replace")


def build_snapshot(events: Sequence[Event], themes: Sequence[Theme]) -> RowsSnapshot | None:
    """The snapshot of `events` (in date order, as `EventIndex.events`) and the dataset's
    `themes`; None if an event cannot be represented (an id holding NUL, or a theme
    missing from `themes`; the loader lets neither through)."""
    from timeline.dates import describe
    from timeline.views import build_rows, group_keys

    theme_ids = tuple(theme.id for theme in themes)
    theme_index = {theme_id: i for i, theme_id in enumerate(theme_ids)}
    count = len(events)
    ids: list[str] = []
    labels: list[str] = []
    titles: list[str] = []
    statuses = bytearray()
    source_counts = array(U32)
    theme_start = array(U32, [0])
    theme_refs = array(U32)
    described: dict[object, str] = {}  # dates repeat a lot: describe each once
    try:
        for event in events:
            ids.append(event.id)
            label = described.get(event.date)
            if label is None:
                label = described[event.date] = sanitize(describe(event.date))
            labels.append(label)
            titles.append(sanitize(event.title))
            statuses.append(_STATUS_CODE[event.status])
            source_counts.append(len(event.source_ids))
            theme_refs.extend(theme_index[theme] for theme in event.themes)
            theme_start.append(len(theme_refs))
    except KeyError:
        return None
    keys = group_keys(events)
    rows = build_rows(range(count), keys)
    strings = [*ids, *labels, *titles, *theme_ids, *(sanitize(t.label) for t in themes)]
    encoded = [text.encode("utf-8", "surrogatepass") for text in strings]
    offsets = array(U32, [0])
    total = 0
    for piece in encoded:
        total += len(piece)
        offsets.append(total)
    slots = max((len(event.themes) for event in events), default=0)
    return RowsSnapshot(
        count=count,
        theme_ids=theme_ids,
        theme_labels=tuple(strings[3 * count + len(theme_ids) :]),
        marker_slots=slots,
        rows=rows.rows,
        row_of=rows.row_of,
        keys=array(_I64, keys),
        statuses=bytes(statuses),
        source_counts=source_counts,
        theme_start=theme_start,
        theme_refs=theme_refs,
        offsets=offsets,
        blob=b"".join(encoded),
    )


def encode_snapshot(snapshot: RowsSnapshot, stamp: bytes) -> bytes:
    """The file's bytes for `snapshot`, valid for data with this `stamp` (32 bytes)."""
    themes = len(snapshot.theme_ids)
    counts = array(
        _I64,
        [
            snapshot.count,
            themes,
            len(snapshot.rows),
            len(snapshot.theme_refs),
            len(snapshot.blob),
            snapshot.marker_slots,
            len(snapshot.offsets),
        ],
    )
    body = b"".join(
        [
            le_bytes(counts),
            le_bytes(array(_I64, snapshot.rows)),
            le_bytes(array(U32, snapshot.row_of)),
            le_bytes(snapshot.keys),
            snapshot.statuses,
            le_bytes(snapshot.source_counts),
            le_bytes(snapshot.theme_start),
            le_bytes(snapshot.theme_refs),
            le_bytes(snapshot.offsets),
            snapshot.blob,
        ]
    )
    return b"".join(
        [
            _MAGIC,
            SNAPSHOT_FORMAT.to_bytes(4, "little"),
            stamp,
            zlib.crc32(body).to_bytes(4, "little"),
            len(body).to_bytes(8, "little"),
            body,
        ]
    )


def decode_snapshot(data: bytes, stamp: bytes) -> RowsSnapshot | None:
    """The snapshot in `data` if it is whole, of this format and for this `stamp`;
    None for anything else (never raises)."""
    try:
        return _decode(data, stamp)
    except Exception:  # any damage at all means "no snapshot": the loading screen shows
        return None


def _decode(data: bytes, stamp: bytes) -> RowsSnapshot | None:
    magic = len(_MAGIC)
    if (
        len(data) < _HEAD
        or data[:magic] != _MAGIC
        or int.from_bytes(data[magic : magic + 4], "little") != SNAPSHOT_FORMAT
        or data[magic + 4 : magic + 36] != stamp
        or int.from_bytes(data[magic + 40 : _HEAD], "little") != len(data) - _HEAD
    ):
        return None
    view = memoryview(data)[_HEAD:]
    if zlib.crc32(view) != int.from_bytes(data[magic + 36 : magic + 40], "little"):
        return None
    reader = ColumnReader(view)
    count, themes, row_count, refs, blob_size, slots, offset_count = reader.column(_I64, _COUNTS)
    if offset_count != 3 * count + 2 * themes + 1 or min(count, themes, slots) < 0:
        return None
    rows = reader.column(_I64, row_count)
    row_of = reader.column(U32, count)
    keys = reader.column(_I64, count)
    statuses = bytes(reader.raw(count))
    source_counts = reader.column(U32, count)
    theme_start = reader.column(U32, count + 1)
    theme_refs = reader.column(U32, refs)
    offsets = reader.column(U32, offset_count)
    blob = reader.raw(blob_size)
    if reader.at != len(view):
        return None
    # Every index a row is drawn through must land in range, so that no file, however
    # made, can make the timeline raise while it draws. (Offsets out of order only
    # slice short strings, and theme references are checked as they are drawn.)
    row_list, row_of_list = rows.tolist(), row_of.tolist()
    if (
        offsets[0] != 0
        or offsets[-1] != blob_size
        or theme_start[0] != 0
        or theme_start[-1] != refs
        or statuses.translate(None, bytes(range(len(_STATUSES))))
        or (count and max(row_of_list) >= row_count)
        or (row_count and max(row_list) >= count)
    ):
        return None
    strings = [
        _decode_text(blob[offsets[i] : offsets[i + 1]]) for i in range(3 * count, offset_count - 1)
    ]
    return RowsSnapshot(
        count=count,
        theme_ids=tuple(strings[:themes]),
        theme_labels=tuple(sanitize(label) for label in strings[themes:]),
        marker_slots=slots,
        rows=row_list,
        row_of=row_of_list,
        keys=keys,
        statuses=statuses,
        source_counts=source_counts,
        theme_start=theme_start,
        theme_refs=theme_refs,
        offsets=offsets,
        blob=blob,
    )


# -- where it lives and when it is valid ------------------------------------------------


def dataset_stamp(path: str | Path | None) -> bytes | None:
    """The 32-byte stamp of the dataset at `path` (see the module docstring), or None
    when its events file is missing or not a regular file."""
    root, events_file = resolve_dataset(path)
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            data = os.fsencode(part) if isinstance(part, str | Path) else str(part).encode()
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)

    def add_stat(info: os.stat_result) -> None:
        add(stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)

    try:
        add(SNAPSHOT_FORMAT, timeline.__version__, os.path.realpath(root))
        add(os.path.realpath(events_file), os.environ.get("TIMELINE_MAX_BYTES", ""))
        info = os.stat(events_file)
        if not stat.S_ISREG(info.st_mode):
            return None
        add_stat(info)
        sources = root / "sources"
        try:
            entries = sorted(os.scandir(sources), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            add("no sources")
            return digest.digest()
        add(os.path.realpath(sources))
        add_stat(os.stat(sources))
        for entry in entries:
            add(entry.name)
            if entry.is_symlink():
                add(os.readlink(entry.path))
            try:
                add_stat(os.stat(entry.path))
            except OSError as error:  # a broken link: its state is what counts
                add("unreadable", error.errno)
    except (OSError, ValueError):
        return None
    return digest.digest()


class SnapshotStore:
    """The rows snapshot of one dataset path: read it, or write it after a load.

    Building one does no I/O. Every method swallows errors: a snapshot is an
    optimisation and never stops the app from loading the real data.
    """

    def __init__(self, path: str | Path | None) -> None:
        """The snapshot of the dataset at `path` (None: the bundled dataset)."""
        self.path = path

    def file(self) -> Path | None:
        """Where the snapshot lives, or None when caching is turned off."""
        folder = cache_dir()
        if folder is None:
            return None
        return folder / f"{slot_name(self.path)}{_SUFFIX}"

    def stamp(self) -> bytes | None:
        """The dataset's current stamp (None: it cannot have a snapshot)."""
        return dataset_stamp(self.path)

    def read(self, stamp: bytes | None = None) -> RowsSnapshot | None:
        """The snapshot, if there is one and it matches the dataset as it is now."""
        try:
            file = self.file()
            stamp = stamp or self.stamp()
            if file is None or stamp is None:
                return None
            with open(file, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return None
                data = handle.read()
        except (OSError, ValueError):
            return None
        return decode_snapshot(data, stamp)

    def write(self, events: Sequence[Event], themes: Sequence[Theme], stamp: bytes) -> bool:
        """Store the snapshot of `events` (date order) for data with `stamp`,
        atomically; False if it could not be (nothing is left half-written)."""
        try:
            file = self.file()
            if file is None:
                return False
            snapshot = build_snapshot(events, themes)
            if snapshot is None:
                return False
            write_atomically(file, [encode_snapshot(snapshot, stamp)], suffix=_SUFFIX)
        except Exception:  # a snapshot that cannot be written must never fail a load
            return False
        return True
