"""A cache of validated datasets, so a second start skips YAML parsing and quote checks.

`load_with_cache(path)` returns exactly what `timeline.loader.load_dataset(path)` returns
(the dataset and its warnings). The first load of a dataset runs the loader and stores
the result; later loads of the *same bytes* read it back instead. Errors are never
cached: a dataset that fails raises `DatasetError` from the loader every time.
`load_storing_later` is the same load with the store left for later: the TUI's first
frame does not wait for it.

**The key** is a SHA-256 over everything the loader's result depends on: the bytes of
`events.yaml`; the name of every entry of `sources/`, the bytes of every article the
loader reads and where each link points; the dataset paths (they appear in the result
and its diagnostics); the size limit; the cache format, the package version, the Python
version, and the source code of the loading modules (so a changed rule is never hidden
by an old cache). Anything unusual (a FIFO, an unreadable file, a file over the limit)
skips the cache and lets the loader report it. The key is computed again after a load
and the result is stored only if nothing changed meanwhile.

**The file** is `MAGIC`, the format number, the key, the length and SHA-256 of the
skeleton, the length and SHA-256 of the details section, then the skeleton and the
details. The *skeleton* is a pickle of the `Loaded` value without the long texts: each
event and article is pickled as a call to `model.event_from_store` /
`model.source_from_store` with a record number, and the details store itself is a
persistent id, never pickled. The *details section* (`timeline.details`: a binary layout
of our own, no pickle) holds every event's summary, date basis and quotes and every
article's text. A warm load reads only the skeleton into memory; the events and
articles it returns read their details from the file when asked (`DetailStore`, which
keeps the file open), so 100,000 events take about 200 MB less memory. A cold load
returns the dataset the loader built, details in memory.

The file is used only if the magic, the format, the key, both lengths and both digests
match (the details' digest is checked a chunk at a time, so the check costs no memory),
and the skeleton is read with an unpickler that can build nothing but the dataset's own
types (a fixed allowlist), so a corrupt, truncated or foreign file is ignored and
rebuilt, never trusted. Why pickle at all: it rebuilds the frozen dataclasses in C far
faster than any re-validation, and the cache directory is the user's own
(`platformdirs.user_cache_dir("timeline")`, created 0700): whoever can write there can
already run code as the user, and the allowlist keeps even such a file from building
anything but plain data. Writes are atomic (a temporary file, then `os.replace`, so an
open entry's inode never changes under its reader), and each dataset path keeps one
entry, so the directory does not grow.

**The search index** (`EventIndex.search_state`, seconds of CPU to build at 100,000
events) is kept beside the entry, in `<slot>.tlsearch`, written after the first build
(`SearchStateFile`). Its header holds the magic, `query.SEARCH_STATE_FORMAT`, the entry's
content key, a digest of the query package's source, the body's length and its SHA-256:
it is read only for the very data the key describes, built by the same code, and whole;
anything else is ignored and the index is built again.

Environment: `TIMELINE_CACHE_DIR` moves the cache; `TIMELINE_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import hashlib
import io
import os
import pickle
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import timeline
from timeline import dates, diagnostics, model
from timeline.binfile import write_atomically
from timeline.details import DetailStore, encode_details, read_at
from timeline.gcpause import paused_gc
from timeline.model import MAX_SOURCE_BYTES, Loaded, max_events_bytes, resolve_dataset

# The loader (PyYAML, the strict YAML reader) is imported only when a dataset has to be
# loaded: a warm start reads the cache without it, about 10 ms sooner.
if TYPE_CHECKING:
    from timeline.model import ProgressCallback

__all__ = [
    "CACHE_FORMAT",
    "SearchStateFile",
    "cache_dir",
    "cache_key",
    "load_storing_later",
    "load_with_cache",
    "search_state_file",
]

CACHE_FORMAT = 3
"""Bumped whenever the file layout or the pickled types change (2: `Loaded` moved from
`timeline.loader` to `timeline.model`; 3: the skeleton and the details section)."""

_MAGIC = b"TLCACHE\n"
_HEADER = len(_MAGIC) + 4 + 32 + (8 + 32) * 2
"""Magic, format (u32), key, skeleton length (u64) and SHA-256, details length and SHA-256."""
_SUFFIX = ".tlcache"
_DETAILS_ID = "details"
"""The persistent id that stands for the entry's `DetailStore` in the skeleton."""

# Every type a cache file may build. Anything else in a file makes it foreign.
_TYPES: tuple[type, ...] = (
    Loaded,
    model.Dataset,
    model.Theme,
    model.SourceKind,
    model.Status,
    dates.EdtfDate,
    dates.DatePoint,
    dates.Precision,
    diagnostics.Diagnostic,
    diagnostics.Severity,
)
_ALLOWED: dict[tuple[str, str], Any] = {(t.__module__, t.__qualname__): t for t in _TYPES}
_ALLOWED.update(
    {(f.__module__, f.__qualname__): f for f in (model.event_from_store, model.source_from_store)}
)

# The modules whose code decides what a load returns: their source is part of the key.
_CODE_MODULES = (
    "cache",
    "dates",
    "diagnostics",
    "loader",
    "model",
    "provenance",
    "strictyaml",
    "text",
)


def cache_dir() -> Path | None:
    """Where cache files live, or None when caching is turned off.

    `TIMELINE_NO_CACHE=1` turns it off; `TIMELINE_CACHE_DIR` overrides the default,
    `platformdirs.user_cache_dir("timeline")`.
    """
    if os.environ.get("TIMELINE_NO_CACHE", "") not in ("", "0"):
        return None
    configured = os.environ.get("TIMELINE_CACHE_DIR", "")
    if configured:
        return Path(configured)
    import platformdirs  # only here: most commands never need it

    return Path(platformdirs.user_cache_dir("timeline"))


def load_with_cache(
    path: str | Path | None = None, *, progress: ProgressCallback | None = None
) -> Loaded:
    """Load a dataset as `load_dataset` does, from the cache when its bytes are unchanged.

    Args:
        path: A dataset folder, its events file, or None for the bundled dataset.
        progress: Called now and then with the fraction done (0.0 to 1.0).

    Raises:
        DatasetError: with every diagnostic, when the dataset is invalid (never cached).
    """
    loaded, store = load_storing_later(path, progress=progress)
    store()
    return loaded


def load_storing_later(
    path: str | Path | None = None, *, progress: ProgressCallback | None = None
) -> tuple[Loaded, Callable[[], None]]:
    """`load_with_cache`, but a dataset that had to be loaded is stored in the cache only
    when the returned function is called: the TUI calls it after its first frame.

    The function does nothing after its first call, and nothing when the result came
    from the cache, caching is off, or a file changed while the loader read it. It is
    thread-safe and never raises (a cache that cannot be written is skipped).

    Raises:
        DatasetError: with every diagnostic, when the dataset is invalid (never cached).
    """
    folder = cache_dir()
    key = cache_key(path) if folder is not None else None
    if folder is None or key is None:
        return load_dataset(path, progress=progress), _nothing
    entry = folder / f"{slot_name(path)}-{key.hex()}{_SUFFIX}"
    if progress is not None:
        progress(0.0)
    cached = _read(entry, key)
    if cached is not None:
        if progress is not None:
            progress(1.0)
        _remember(cached, entry, key)
        return cached, _nothing
    loaded = load_dataset(path, progress=progress)
    # Store only what was loaded from the bytes the key describes: if a file changed
    # while the loader read it, the result belongs to neither version.
    if cache_key(path) != key:
        return loaded, _nothing
    _remember(loaded, entry, key)
    return loaded, _StoreOnce(folder, entry, key, loaded)


def _nothing() -> None:
    """Nothing to store."""


class _StoreOnce:
    """Writes a freshly loaded dataset's cache entry on its first call (see
    `load_storing_later`), then lets go of the data."""

    def __init__(self, folder: Path, entry: Path, key: bytes, loaded: Loaded) -> None:
        import threading

        self._lock = threading.Lock()
        self._job: tuple[Path, Path, bytes, Loaded] | None = (folder, entry, key, loaded)

    def __call__(self) -> None:
        with self._lock:
            job, self._job = self._job, None
            if job is not None:
                _write(*job)  # never raises: a cache that cannot be written is skipped


def load_dataset(path: str | Path | None, *, progress: ProgressCallback | None = None) -> Loaded:
    """`timeline.loader.load_dataset`, imported only when a dataset has to be loaded."""
    from timeline import loader

    return loader.load_dataset(path, progress=progress)


def cache_key(path: str | Path | None = None) -> bytes | None:
    """The 32-byte content key of a dataset, or None when it cannot be cached.

    None means "let the loader look at it": a missing or irregular file, an article over
    the size limit, or anything that cannot be read.
    """
    root, events_file = resolve_dataset(path)
    limit = max_events_bytes()
    digest = hashlib.sha256()

    def add(data: bytes) -> None:
        # Length-prefixed, so no two different inputs can run together into one.
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)

    try:
        for part in (
            str(CACHE_FORMAT),
            timeline.__version__,
            sys.version,
            str(root),
            str(events_file),
            str(limit),
            str(MAX_SOURCE_BYTES),
        ):
            add(part.encode("utf-8", "surrogateescape"))
        add(_code_digest())
        if not _add_file(digest, events_file, limit):
            return None
        sources = root / "sources"
        if not sources.is_dir():
            add(b"\0no sources")
            return digest.digest()
        add(os.fsencode(os.path.realpath(sources)))
        for entry in sorted(os.scandir(sources), key=lambda e: e.name):
            add(os.fsencode(entry.name))
            if entry.is_symlink():
                # The loader accepts a link only if it stays inside sources/.
                add(os.fsencode(os.readlink(entry.path)))
                add(os.fsencode(os.path.realpath(entry.path)))
            if not entry.name.endswith(".txt") or entry.name.startswith("."):
                continue  # the loader never reads it
            if not _add_file(digest, Path(entry.path), MAX_SOURCE_BYTES):
                return None
    except (OSError, RuntimeError, ValueError):
        return None
    return digest.digest()


_CHUNK = 1 << 20


def _add_file(digest: Any, path: Path, limit: int) -> bool:
    """Hash a regular file's size and bytes into `digest`, a chunk at a time (a 100 MB
    events file is never held whole); False for anything the loader would refuse."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        return False  # never open a FIFO or a device; let the loader say why
    digest.update(info.st_size.to_bytes(8, "little"))
    seen = 0
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            seen += len(chunk)
            if seen > info.st_size:
                return False  # it grew while we read: let the loader look at it
            digest.update(chunk)
    return seen == info.st_size


@cache
def _code_digest() -> bytes:
    """A digest of the loading modules' source, computed once per process."""
    digest = hashlib.sha256()
    package = Path(timeline.__file__).parent
    for name in _CODE_MODULES:
        digest.update((package / f"{name}.py").read_bytes())
    return digest.digest()


def slot_name(path: str | Path | None) -> str:
    """A short name for one dataset path: each path keeps a single cache entry, and the
    side files of that entry (the rows snapshot, the search index) share the name."""
    root, events_file = resolve_dataset(path)
    identity = f"{os.path.abspath(root)}\0{os.path.abspath(events_file)}"
    return hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:16]


# -- reading -------------------------------------------------------------------------


class _Unpickler(pickle.Unpickler):
    """An unpickler that builds only the dataset's own types, its events and articles
    reading their details from `store`."""

    def __init__(self, file: io.BytesIO, store: DetailStore) -> None:
        super().__init__(file)
        self._store = store

    def find_class(self, module: str, name: str) -> Any:
        """Resolve a class reference, refusing everything outside the allowlist."""
        found = _ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not a dataset type")
        return found

    def persistent_load(self, pid: Any) -> Any:
        """The details store, the one object the skeleton refers to by id."""
        if pid != _DETAILS_ID:
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        return self._store


def _read(entry: Path, key: bytes) -> Loaded | None:
    """The cached value for `key`, or None if there is none or it cannot be trusted.

    Its events and articles read their details from the entry, which the returned
    dataset's `DetailStore` keeps open.
    """
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(entry, flags)
    except (OSError, ValueError):
        return None
    store: DetailStore | None = None
    value: object = None
    try:
        found = _read_skeleton(fd, key)
        if found is not None:
            skeleton, details_length, details_digest = found
            skeleton_end = _HEADER + len(skeleton)
            store = DetailStore.open(
                fd, skeleton_end, details_length, details_digest, path=str(entry)
            )
            value = _unpickle(skeleton, store)
    except Exception:  # any damage at all means "not cached": the loader runs instead
        value = None
    if isinstance(value, Loaded):
        return value
    if store is None:
        os.close(fd)
    else:
        store.close()  # it owns the descriptor now
    return None


def _read_skeleton(fd: int, key: bytes) -> tuple[bytes, int, bytes] | None:
    """The skeleton of the entry open as `fd`, with the details section's length and
    SHA-256 from the header, if the header is for `key`, its lengths add up to the
    file's and the skeleton matches its digest; None otherwise."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size < _HEADER:
        return None
    header = read_at(fd, _HEADER, 0)
    at = len(_MAGIC)
    if (
        len(header) != _HEADER
        or header[:at] != _MAGIC
        or int.from_bytes(header[at : at + 4], "little") != CACHE_FORMAT
        or header[at + 4 : at + 36] != key
    ):
        return None
    at += 36
    skeleton_length = int.from_bytes(header[at : at + 8], "little")
    details_length = int.from_bytes(header[at + 40 : at + 48], "little")
    if _HEADER + skeleton_length + details_length != info.st_size:
        return None
    # Only the skeleton is read whole (a few megabytes per 100,000 events); the details
    # are checked a chunk at a time by `DetailStore.open`.
    skeleton = read_at(fd, skeleton_length, _HEADER)
    if hashlib.sha256(skeleton).digest() != header[at + 8 : at + 40]:
        return None
    return skeleton, details_length, header[at + 48 : at + 80]


def _unpickle(skeleton: bytes, store: DetailStore) -> object:
    """The `Loaded` value a skeleton holds, its events and articles reading from `store`."""
    # BytesIO over the bytes object shares its buffer (a memoryview would be copied).
    stream = io.BytesIO(skeleton)
    # Unpickling builds a few hundred thousand objects that all survive.
    with paused_gc():
        return _Unpickler(stream, store).load()


# -- writing -------------------------------------------------------------------------


def _write(folder: Path, entry: Path, key: bytes, loaded: Loaded) -> None:
    """Store `loaded` under `key` atomically; a cache that cannot be written is skipped."""
    try:
        skeleton = _dumps(loaded)
        dataset = loaded.dataset
        details = encode_details(
            (event.details() for event in dataset.events),
            (source.text for source in dataset.sources),
        )
        details_digest = hashlib.sha256()
        for part in details:
            details_digest.update(part)
        header = b"".join(
            [
                _MAGIC,
                CACHE_FORMAT.to_bytes(4, "little"),
                key,
                len(skeleton).to_bytes(8, "little"),
                hashlib.sha256(skeleton).digest(),
                sum(map(len, details)).to_bytes(8, "little"),
                details_digest.digest(),
            ]
        )
        write_atomically(entry, [header, skeleton, *details], suffix=_SUFFIX)
        slot = entry.name.split("-", 1)[0]
        for old in folder.glob(f"{slot}-*{_SUFFIX}"):
            if old != entry:
                with contextlib.suppress(OSError):
                    old.unlink()
    except Exception:  # a cache that cannot be written must never fail a good load
        return


class _DetailsMark:
    """Stands for the entry's details store in the skeleton (pickled as a persistent id)."""


_DETAILS = _DetailsMark()


class _Pickler(pickle.Pickler):
    """Writes the skeleton: `_DETAILS` becomes a persistent id."""

    def persistent_id(self, obj: Any) -> Any:
        """`_DETAILS_ID` for the store's stand-in, None (pickle it) for anything else."""
        return _DETAILS_ID if obj is _DETAILS else None


def _dumps(loaded: Loaded) -> bytes:
    """Pickle the skeleton of `loaded`, rebuilding each dataclass through its constructor
    and each event and article through `model.*_from_store` with its record number."""
    buffer = io.BytesIO()
    pickler = _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, **_reducers(loaded.dataset)}
    pickler.dump(loaded)
    return buffer.getvalue()


def _reducers(dataset: model.Dataset) -> dict[type, Callable[[Any], tuple[Any, ...]]]:
    """How each dataclass is pickled: its class and its constructor arguments.

    Events and articles are pickled without their details, as a call that refers to
    their record in the details section (numbered in dataset order, as `_write` writes
    them). Equal immutable values (dates, theme and actor tuples, source ids) are shared,
    so pickle writes each once and the loaded dataset builds (and holds) each once. They
    are frozen values, so sharing one object between events changes nothing visible.
    """
    interned: dict[object, object] = {}
    event_records = {id(event): index for index, event in enumerate(dataset.events)}
    source_records = {id(source): index for index, source in enumerate(dataset.sources)}

    def share(value: Any) -> Any:
        return interned.setdefault(value, value)

    def positional(cls: type) -> Callable[[Any], tuple[Any, ...]]:
        # Only constructor fields: derived ones (the dataset's lookup tables) are rebuilt.
        names = [f.name for f in dataclasses.fields(cls) if f.init]

        def reduce(obj: Any) -> tuple[Any, ...]:
            return cls, tuple(getattr(obj, name) for name in names)

        return reduce

    def event(e: model.Event) -> tuple[Any, ...]:
        return model.event_from_store, (
            e.id,
            share(e.date),
            e.title,
            share(e.themes),
            share(e.actors),
            share(e.places),
            e.status,
            share(e.source_ids),
            _DETAILS,
            event_records[id(e)],
        )

    def source(s: model.Source) -> tuple[Any, ...]:
        return model.source_from_store, (
            s.id,
            s.title,
            s.outlet,
            share(s.published),
            s.published_basis,
            s.kind,
            s.byline,
            s.credit,
            s.path,
            s.body_line,
            s.origin,
            s.notes,
            _DETAILS,
            source_records[id(s)],
        )

    table: dict[type, Callable[[Any], tuple[Any, ...]]] = {
        t: positional(t) for t in _TYPES if dataclasses.is_dataclass(t)
    }
    table[model.Event] = event
    table[model.Source] = source
    return table


# -- the search index beside an entry ---------------------------------------------------

_SEARCH_MAGIC = b"TLINDEX\n"
_SEARCH_SUFFIX = ".tlsearch"
_SEARCH_HEADER = len(_SEARCH_MAGIC) + 4 + 32 + 32 + 8 + 32
"""Magic, state format (u32), content key, code digest, body length (u64), body SHA-256."""

_last_load: tuple[model.Dataset, Path, bytes] | None = None
"""The dataset `load_with_cache` last returned, its entry and its content key: what
`search_state_file` needs, without hashing the files again. One value, replaced in one
assignment, so a reload lets the previous dataset go."""


def _remember(loaded: Loaded, entry: Path, key: bytes) -> None:
    global _last_load
    _last_load = (loaded.dataset, entry, key)


@dataclass(frozen=True, slots=True)
class SearchStateFile:
    """Where the search index of one cached dataset is kept, and under which key.

    Every method swallows errors: the file is an optimisation, and a missing, damaged,
    foreign or stale one only means that the index is built again.
    """

    path: Path
    """The side file: `<slot>.tlsearch`, beside the slot's `.tlcache` entry."""
    key: bytes
    """The dataset's content key (`cache_key`)."""

    def read(self) -> memoryview | None:
        """The stored state, if the file is whole and was written for this key by the
        same query code; None otherwise."""
        try:
            with open(self.path, "rb") as file:
                if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                    return None
                blob = file.read()
        except (OSError, ValueError):
            return None
        if len(blob) < _SEARCH_HEADER:
            return None
        expected = self._header(len(blob) - _SEARCH_HEADER, b"")
        if blob[: len(expected)] != expected:
            return None  # another format, dataset, query code or length
        body = memoryview(blob)[_SEARCH_HEADER:]
        if hashlib.sha256(body).digest() != blob[len(expected) : _SEARCH_HEADER]:
            return None
        # A view, not a copy: the decoded index uses the postings in place.
        return body

    def write(self, state: bytes | Iterable[bytes | memoryview]) -> bool:
        """Store `state` (`EventIndex.search_state`, or its `search_state_parts`)
        atomically; False if it could not be (nothing is left half-written).

        The parts are gone through twice, for the header's digest and then to write
        them: `search_state_parts` makes its big pieces afresh each time rather than
        hold them all. A one-shot iterator is kept in a list first."""
        try:
            if isinstance(state, bytes | memoryview):
                parts: Iterable[bytes | memoryview] = (state,)
            else:
                parts = list(state) if iter(state) is state else state
            digest = hashlib.sha256()
            length = 0
            for part in parts:
                digest.update(part)
                length += memoryview(part).nbytes
            header = self._header(length, digest.digest())
            write_atomically(self.path, chain([header], parts), suffix=_SEARCH_SUFFIX)
        except Exception:  # an index that cannot be stored must never fail the app
            return False
        return True

    def _header(self, length: int, digest: bytes) -> bytes:
        from timeline.query import SEARCH_STATE_FORMAT

        return b"".join(
            [
                _SEARCH_MAGIC,
                SEARCH_STATE_FORMAT.to_bytes(4, "little"),
                self.key,
                _query_digest(),
                max(length, 0).to_bytes(8, "little"),
                digest,
            ]
        )


@cache
def _query_digest() -> bytes:
    """A digest of the index's code, the query package: a changed build is never hidden
    by an old file (the text folding and date rules are already in the content key)."""
    code = sorted((Path(timeline.__file__).parent / "query").glob("*.py"))
    return hashlib.sha256(b"".join(path.read_bytes() for path in code)).digest()


def search_state_file(dataset: model.Dataset) -> SearchStateFile | None:
    """Where the search index of `dataset` is kept, if `dataset` is what
    `load_with_cache` last returned (from or into the cache); None otherwise, and
    when caching is off."""
    last = _last_load
    if last is None or last[0] is not dataset or cache_dir() is None:
        return None
    entry, key = last[1], last[2]
    return SearchStateFile(entry.with_name(entry.name.split("-", 1)[0] + _SEARCH_SUFFIX), key)
