"""The dataset store: a validated dataset kept in one SQLite database, so that a second
start skips YAML parsing and quote checks.

`open_dataset(path)` is the one way the CLI and the TUI open a dataset. It returns what
`timeline.loader.load_dataset(path)` returns (the dataset and its warnings), from the
store when the dataset's files are unchanged, else from the loader, and then writes the
store for the next time. A dataset with errors is never stored: the loader raises
`DatasetError` every time.

**Where**: one database per dataset path, `<16 hex digits>.sqlite` in `store_dir()`.
docs/speed.md describes its tables; `sqlite3 FILE .schema` shows them.

**Fresh or not** is decided as `git` and `make` do: the size, modification time and
inode of the events file and of every entry of `sources/` must be what the store
recorded; a file whose numbers disagree (or were recorded within a second or two of
its last change, when the clock cannot be trusted) is hashed, and only a SHA-256 that
differs makes the store stale. The package's code, the Python version and the size
limit are recorded too. A store that is stale, of another `user_version`, damaged,
foreign or not a regular file of the user's is rebuilt, never trusted.

**Writing** happens in one transaction (SQLite's own journal makes it all or nothing;
nothing else is written beside it), and only for data read from files that did not
change while the loader read them.

**Reading** is read-only. A reader keeps one read transaction open for as long as it
holds the dataset, so the details it reads later (by event id, when an event is shown)
always belong to the events it loaded, even if another process wants to rebuild the
store meanwhile: that writer waits briefly, then goes on without storing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as url_quote

import msgspec

import timeline
from timeline.dates import describe, parse_edtf
from timeline.diagnostics import Diagnostic, Severity
from timeline.model import (
    MAX_SOURCE_BYTES,
    Dataset,
    Event,
    EventDetails,
    Loaded,
    Quote,
    Source,
    SourceKind,
    Span,
    Status,
    Theme,
    max_events_bytes,
    resolve_dataset,
    sort_by_date,
)
from timeline.query.text_index import SearchTables
from timeline.text import sanitize, sanitize_cells
from timeline.views import group_keys

if TYPE_CHECKING:
    from timeline.model import ProgressCallback

__all__ = [
    "STORE_VERSION",
    "Store",
    "StoreError",
    "StoredRows",
    "open_dataset",
    "store_dir",
    "store_path",
]

STORE_VERSION = 2
"""`PRAGMA user_version` of the layout below; bumped whenever it changes."""

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, inode INTEGER,
    sha256 BLOB) WITHOUT ROWID;
CREATE TABLE themes (position INTEGER PRIMARY KEY, id TEXT, label TEXT, description TEXT);
CREATE TABLE sources (position INTEGER PRIMARY KEY, id TEXT UNIQUE, title TEXT,
    outlet TEXT, published TEXT, published_basis TEXT, kind TEXT, byline TEXT,
    credit TEXT, path TEXT, text TEXT, body_line INTEGER, origin TEXT, notes TEXT,
    ignore_lines TEXT);
CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT UNIQUE, date TEXT,
    title TEXT, themes TEXT, actors TEXT, places TEXT, status TEXT, source_ids TEXT,
    summary TEXT, date_basis TEXT, rank INTEGER, heading INTEGER);
-- Covering the first frame's read of every heading in date order (`Store.rows`): a
-- scan of this index alone, not a look-up of each event's row.
CREATE UNIQUE INDEX events_in_date_order ON events (rank, heading);
CREATE TABLE quotes (event INTEGER, position INTEGER, source_id TEXT, text TEXT,
    start INTEGER, "end" INTEGER, line INTEGER, "column" INTEGER,
    PRIMARY KEY (event, position)) WITHOUT ROWID;
CREATE TABLE warnings (position INTEGER PRIMARY KEY, file TEXT, line INTEGER,
    "column" INTEGER, code TEXT, message TEXT, hint TEXT);
CREATE TABLE search_words (position INTEGER PRIMARY KEY, word TEXT, events BLOB,
    dense BLOB);
CREATE TABLE search_chars (char TEXT PRIMARY KEY, events BLOB) WITHOUT ROWID;
"""

_RACY_NS = 2_000_000_000
"""A file changed this close to the moment its numbers were recorded may change again
within the same clock tick: its numbers prove nothing, and it is hashed instead."""
_BUSY_SECONDS = 0.2
"""How long a writer waits for a reader's lock before it goes on without storing."""


class StoreError(OSError):
    """The store could not be read after it was opened (a disk error)."""


# -- where ---------------------------------------------------------------------------


def store_dir() -> Path | None:
    """The folder of the stores, or None when the store is turned off.

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


def store_path(path: str | Path | None) -> Path | None:
    """The store of the dataset at `path` (None: the bundled one), or None when off."""
    folder = store_dir()
    if folder is None:
        return None
    root, events_file = resolve_dataset(path)
    identity = f"{os.path.abspath(root)}\0{os.path.abspath(events_file)}"
    name = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return folder / f"{name}.sqlite"


# -- the one entry point ---------------------------------------------------------------


def open_dataset(
    path: str | Path | None = None,
    *,
    details: bool = True,
    progress: ProgressCallback | None = None,
) -> Loaded:
    """Load a dataset as `timeline.loader.load_dataset` does, from its store when fresh.

    Args:
        path: A dataset folder, its events file, or None for the bundled dataset.
        details: Whether the events come with their details in memory. Without, they are
            read from the store when asked (`Dataset.full`): what the TUI does, so that a
            big dataset takes a fraction of the memory.
        progress: Called now and then with the fraction done (0.0 to 1.0).

    Raises:
        DatasetError: with every diagnostic, when the dataset is invalid (never stored).
    """
    db = store_path(path)
    store = Store.open(db, path) if db is not None else None
    if store is not None:
        try:
            loaded = store.loaded(details=details)
        except StoreError:  # damaged where opening it does not look: read the files
            store.close()
        else:
            if details:
                store.close()
            return loaded
    from timeline.loader import load_dataset  # only now: PyYAML and the loader

    before = file_stamps(path)
    loaded = load_dataset(path, progress=progress)
    if db is None or before is None:
        return loaded
    if not save(db, path, loaded, before) or details:
        return loaded
    store = Store.open(db, path)
    return store.loaded(details=False) if store is not None else loaded


# -- freshness -------------------------------------------------------------------------

FileStamp = tuple[int, int, int]
"""A file's size, modification time (ns) and inode."""


def file_stamps(path: str | Path | None) -> dict[str, FileStamp] | None:
    """The numbers of every file the loader's result depends on, by path; None when
    one is unusual (missing, not a regular file, over its size limit): the loader will
    say what is wrong."""
    root, events_file = resolve_dataset(path)
    stamps: dict[str, FileStamp] = {}

    def add(name: str, file: str, limit: int) -> bool:
        info = os.stat(file)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return False
        stamps[name] = (info.st_size, info.st_mtime_ns, info.st_ino)
        return True

    try:
        if not add(os.path.abspath(events_file), str(events_file), max_events_bytes()):
            return None
        sources = root / "sources"
        if not sources.is_dir():
            return stamps
        for entry in os.scandir(sources):
            name = f"sources/{entry.name}"
            if entry.is_symlink():
                # The loader accepts a link only if it stays inside sources/.
                name += " -> " + os.path.realpath(entry.path)
            if not entry.name.endswith(".txt") or entry.name.startswith("."):
                stamps[name] = (-1, -1, -1)  # never read, but its name counts
            elif not add(name, entry.path, MAX_SOURCE_BYTES):
                return None
    except (OSError, RuntimeError, ValueError):
        return None
    return stamps


def _sha256(file: str) -> bytes | None:
    try:
        with open(file, "rb") as stream:
            return hashlib.file_digest(stream, "sha256").digest()
    except OSError:
        return None


def _file_of(root: Path, name: str) -> str:
    """The file a stamp's name stands for."""
    if name.startswith("sources/"):
        return str(root / name.split(" -> ", 1)[0])
    return name


@cache
def _code_digest() -> str:
    """What the loaded result depends on besides the files: this code, Python, limits."""
    digest = hashlib.sha256()
    package = Path(timeline.__file__).parent
    for file in sorted(package.rglob("*.py")):
        if "ui" not in file.relative_to(package).parts[:1]:
            digest.update(file.read_bytes())
    extra = f"{timeline.__version__}\0{sys.version}\0{MAX_SOURCE_BYTES}\0{STORE_VERSION}"
    digest.update(extra.encode())
    return digest.hexdigest()


# -- writing ---------------------------------------------------------------------------


def save(db: Path, path: str | Path | None, loaded: Loaded, before: dict[str, FileStamp]) -> bool:
    """Write `loaded` to the store `db` in one transaction, if the files it was loaded
    from (`before`: their numbers before the load) are unchanged; whether it was written.
    Never raises: a store that cannot be written is skipped."""
    root = resolve_dataset(path)[0]
    hashes = {}
    for name, numbers in before.items():
        hashes[name] = _sha256(_file_of(root, name)) if numbers[0] >= 0 else b""
    if file_stamps(path) != before or None in hashes.values():
        return False  # changed while read: the result belongs to neither version
    try:
        db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _safe_folder(db.parent):
            return False
        with contextlib.suppress(FileExistsError):
            os.close(os.open(db, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        if not _regular_and_mine(db):
            return False
        try:
            _write(db, loaded, before, hashes)
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError):
                return False  # locked by a reader, or the disk is full: skip
            db.unlink()  # damaged or foreign: start afresh
            _write(db, loaded, before, hashes)
    except (OSError, sqlite3.Error, UnicodeError):
        return False  # UnicodeError: a path that is not UTF-8, which SQLite text cannot hold
    return True


@contextlib.contextmanager
def _transaction(db: Path) -> Iterator[sqlite3.Connection]:
    """A connection to `db` in one write transaction, committed when the block ends
    (rolled back if it raises), then closed."""
    connection = sqlite3.connect(db, timeout=_BUSY_SECONDS, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield connection
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()


def _write(
    db: Path, loaded: Loaded, stamps: dict[str, FileStamp], hashes: dict[str, bytes | None]
) -> None:
    """Replace whatever the store `db` holds with `loaded`, in one transaction."""
    with _transaction(db) as connection:
        # Dropping a table drops its indexes too.
        old = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        for (name,) in old:
            connection.execute(f'DROP TABLE "{name}"')
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)
        dataset, encode = loaded.dataset, msgspec.json.encode
        meta = {
            "generation": os.urandom(8).hex(),
            "code": _code_digest(),
            "root": dataset.root,
            "max_bytes": max_events_bytes(),
            "written_ns": time.time_ns(),
            "title": dataset.title,
        }
        connection.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        connection.executemany(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?)",
            ((name, *numbers, hashes[name]) for name, numbers in stamps.items()),
        )
        connection.executemany(
            "INSERT INTO themes VALUES (?, ?, ?, ?)",
            ((n, t.id, t.label, t.description) for n, t in enumerate(dataset.themes)),
        )
        connection.executemany(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (n, s.id, s.title, s.outlet, s.published.text, s.published_basis, str(s.kind),
                 s.byline, s.credit, s.path, s.text, s.body_line, s.origin, s.notes,
                 encode(s.ignore))
                for n, s in enumerate(dataset.sources)
            ),
        )  # fmt: skip
        in_date_order = sort_by_date(dataset.events)
        rank = {event.id: n for n, event in enumerate(in_date_order)}
        headings = dict(zip(rank, group_keys(in_date_order), strict=True))
        connection.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (n, e.id, e.date.text, e.title, encode(e.themes), encode(e.actors),
                 encode(e.places), str(e.status), encode(e.source_ids), e.summary, e.date_basis,
                 rank[e.id], headings[e.id])
                for n, e in enumerate(dataset.events)
            ),
        )  # fmt: skip
        connection.executemany(
            "INSERT INTO quotes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (n, k, q.source_id, q.text, q.span.start, q.span.end, q.span.line, q.span.column)
                for n, e in enumerate(dataset.events)
                for k, q in enumerate(e.quotes)
            ),
        )
        connection.executemany(
            "INSERT INTO warnings VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (n, d.file, d.line, d.column, d.code, d.message, d.hint)
                for n, d in enumerate(loaded.warnings)
            ),
        )
        connection.execute(f"PRAGMA user_version = {STORE_VERSION}")


def _safe_folder(folder: Path) -> bool:
    """Whether `folder` is the user's own and no one else can write to it."""
    try:
        info = os.stat(folder)
    except OSError:
        return False
    if stat.S_ISDIR(info.st_mode) and _mine(info) and not info.st_mode & 0o022:
        return True
    if folder not in _REFUSED:
        # Anyone who can write there could plant a store that `list` would show while
        # `check` says ok. Said once: the data still loads, only slower.
        _REFUSED.add(folder)
        print(
            f"timeline: not using the store folder {sanitize(str(folder))}: it must be "
            "yours and writable by no one else (the data is read without it)",
            file=sys.stderr,
        )
    return False


_REFUSED: set[Path] = set()
"""Store folders refused in this process, so that each is reported once."""


def _regular_and_mine(db: Path) -> bool:
    """Whether `db` is a regular file (not a link, FIFO or device) of the user's."""
    try:
        info = os.lstat(db)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and _mine(info)


def _mine(info: os.stat_result) -> bool:
    """Whether the file is the user's (always, where the system has no owners)."""
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


# -- reading ---------------------------------------------------------------------------


class Store:
    """A fresh store, open read-only inside one read transaction (see the module's
    docstring): the dataset it holds, and the details of its events by id."""

    def __init__(self, db: Path, connection: sqlite3.Connection, path: str | Path | None) -> None:
        self._db = db
        self._connection = connection
        self.path = path
        """The dataset it holds: the folder or events file it was opened for."""
        self._lock = threading.Lock()  # one connection, used from workers and the UI
        self._generation = self._query("SELECT value FROM meta WHERE key = 'generation'")

    @classmethod
    def open(cls, db: Path, path: str | Path | None) -> Store | None:
        """The store `db` of the dataset at `path`, if it is fresh; else None."""
        if not _regular_and_mine(db) or not _safe_folder(db.parent):
            return None
        try:
            connection = sqlite3.connect(
                f"file:{url_quote(str(db))}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error:
            return None
        with contextlib.suppress(sqlite3.Error):
            connection.execute("BEGIN")
            verdict = _fresh(connection, path)
            if verdict:
                # Files proved unchanged by their hashes: record their numbers now, so
                # that the next start trusts them without hashing.
                connection.execute("COMMIT")
                _record_numbers(db, verdict)
                connection.execute("BEGIN")
                verdict = _fresh(connection, path)
            if verdict is not None:
                return cls(db, connection, path)
        connection.close()
        return None

    def close(self) -> None:
        """End the read transaction and close the database."""
        with self._lock:
            self._connection.close()

    def event_ids(self) -> list[str]:
        """Every event's id, in date order."""
        return [event_id for (event_id,) in self._query("SELECT id FROM events ORDER BY rank")]

    def rows(self) -> StoredRows:
        """What each timeline row shows, read as it is drawn: the first frame's rows."""
        keys = [key for (key,) in self._query("SELECT heading FROM events ORDER BY rank")]
        themes = self._query("SELECT id, label FROM themes ORDER BY position")
        # Every event's row is read for this, so damage there raises here, not on screen.
        slots = self._query("SELECT max(json_array_length(themes)) FROM events")[0][0] or 0
        return StoredRows(self, keys, themes, slots)  # sqlite3 rows are (id, label) tuples

    def _query(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        try:
            with self._lock:
                return self._connection.execute(sql, parameters).fetchall()
        except sqlite3.Error as error:
            raise self._failure(error) from error

    def _each(self, sql: str, parameters: Sequence[Any] = ()) -> Iterator[Any]:
        """The rows of `sql` a batch at a time: a whole table's rows at once would
        take memory that the allocator keeps after they are gone."""
        try:
            with self._lock:
                cursor = self._connection.execute(sql, parameters)
            while True:
                with self._lock:
                    batch = cursor.fetchmany(4096)
                if not batch:
                    return
                yield from batch
        except sqlite3.Error as error:
            raise self._failure(error) from error

    def _failure(self, error: Exception) -> StoreError:
        """What to raise for `error`. A store found damaged (SQLite says so, or a value
        is not what was written: a decoding error, Python's or ours) is removed (this
        reader still holds it), so that the next start rebuilds it instead of meeting
        the damage. A store closed under this reader, or busy, is not damaged."""
        reason = getattr(error, "sqlite_errorname", None)
        if reason in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or (
            reason is None and not isinstance(error, sqlite3.ProgrammingError)
        ):
            with contextlib.suppress(OSError):
                self._db.unlink()
        return StoreError(f"the dataset store could not be read: {error}")

    def search_tables(self) -> SearchTables | None:
        """The search index saved for this data (`save_search_tables`), if any and if it
        can be read (else the index is built, as without it)."""
        try:
            size = self._query("SELECT value FROM meta WHERE key = 'search_size'")
            if not size:
                return None
            rows = self._query(
                "SELECT position, word, events, dense FROM search_words ORDER BY position"
            )
            chars = dict(self._query("SELECT char, events FROM search_chars"))
        except StoreError:
            return None
        words = [word for _, word, _, _ in rows]
        positions = [events for _, _, events, _ in rows]
        dense = {n: bits for n, _, _, bits in rows if bits is not None}
        return SearchTables(size[0][0], words, positions, dense, chars)

    def save_search_tables(self, tables: SearchTables) -> bool:
        """Keep the search index built for this data, so the next start need not build
        it; whether it was written (never raises).

        The write needs this reader's lock released for a moment: if another process
        rebuilt the store in that moment, this store no longer holds the events loaded
        from it, and reading details from it raises `StoreError` from then on.
        """
        with self._lock:
            try:
                self._connection.execute("COMMIT")
                written = _write_search_tables(self._db, self._generation, tables)
                self._connection.execute("BEGIN")
                now = self._connection.execute(
                    "SELECT value FROM meta WHERE key = 'generation'"
                ).fetchall()
            except sqlite3.Error:
                return False
            if now != self._generation:
                self._connection.close()  # another dataset's now: every read fails
            return written

    def loaded(self, *, details: bool) -> Loaded:
        """The stored dataset and its warnings; its events' details in memory or not.

        Raises:
            StoreError: the store cannot be read, or holds values this code never writes
                (damage that SQLite itself does not notice, such as a page of zeros in
                the middle of a long row).
        """
        try:
            return self._loaded(details)
        except (ValueError, TypeError, KeyError, msgspec.DecodeError) as error:
            raise self._failure(error) from error

    def _loaded(self, details: bool) -> Loaded:
        date = cache(parse_edtf)
        # One tuple per distinct list and one str per distinct name: many events name
        # the same actors, places and sources, so sharing them saves much memory.
        names: dict[str, str] = {}
        decode = msgspec.json.decode

        @cache
        def strings(text: str) -> tuple[str, ...]:
            return tuple([names.setdefault(n, n) for n in decode(text, type=list[str])])

        meta = dict(self._query("SELECT key, value FROM meta"))
        themes = tuple(
            Theme(*row)
            for row in self._query("SELECT id, label, description FROM themes ORDER BY position")
        )
        sources = tuple(
            Source(
                id=r[0], title=r[1], outlet=r[2], published=date(r[3]), published_basis=r[4],
                kind=SourceKind(r[5]), byline=r[6], credit=r[7], path=r[8], text=r[9],
                body_line=r[10], origin=r[11], notes=r[12],
                ignore=decode(r[13], type=tuple[int, ...]),
            )
            for r in self._query(
                "SELECT id, title, outlet, published, published_basis, kind, byline, credit,"
                " path, text, body_line, origin, notes, ignore_lines FROM sources ORDER BY position"
            )
        )  # fmt: skip
        quotes = self._quotes() if details else {}
        statuses = {str(s): s for s in Status}
        events = tuple(
            Event(
                id=r[0], date=date(r[1]), title=r[2], themes=strings(r[3]),
                actors=strings(r[4]), places=strings(r[5]),
                status=statuses[r[6]], source_ids=strings(r[7]),
                details=EventDetails(r[8], r[9], quotes.get(r[10], ())) if details else None,
            )
            for r in self._each(
                "SELECT id, date, title, themes, actors, places, status, source_ids"
                + (", summary, date_basis, position" if details else "")
                + " FROM events ORDER BY position"
            )
        )  # fmt: skip
        warnings = tuple(
            Diagnostic(r[0], r[1], r[2], Severity.WARNING, r[3], r[4], r[5])
            for r in self._query(
                'SELECT file, line, "column", code, message, hint FROM warnings ORDER BY position'
            )
        )
        store = None if details else self
        dataset = Dataset(meta["root"], themes, sources, events, store, meta.get("title"))
        return Loaded(dataset, warnings)

    def _quotes(
        self, where: str = "", parameters: Sequence[Any] = ()
    ) -> dict[int, tuple[Quote, ...]]:
        """The quotes of the events (by position) that `where` selects; all without it."""
        found: dict[int, list[Quote]] = {}
        for r in self._each(
            'SELECT event, source_id, text, start, "end", line, "column" FROM quotes'
            f" {where} ORDER BY event, position",
            parameters,
        ):
            found.setdefault(r[0], []).append(Quote(r[1], r[2], Span(r[3], r[4], r[5], r[6])))
        return {event: tuple(quotes) for event, quotes in found.items()}

    def event_details(self, event_id: str) -> EventDetails:
        """The summary, date basis and quotes of the event with this id."""
        rows = self._query(
            "SELECT summary, date_basis, position FROM events WHERE id = ?", (event_id,)
        )
        if not rows:
            raise StoreError(f"the dataset store has no event {event_id!r}")
        summary, date_basis, position = rows[0]
        quotes = self._quotes("WHERE event = ?", (position,)).get(position, ())
        return EventDetails(summary, date_basis, quotes)

    def detail_texts(self, event_ids: Sequence[str]) -> list[tuple[str, ...]]:
        """`(summary, *quote_texts)` for each of these events, in order: read through the
        ids' index, so a batch costs its own size, whatever the dataset's."""
        texts: dict[str, list[str]] = {}
        for event_id, summary, text in self._query(
            "SELECT e.id, e.summary, q.text FROM json_each(?) AS w JOIN events AS e"
            " ON e.id = w.value LEFT JOIN quotes AS q ON q.event = e.position"
            " ORDER BY e.position, q.position",
            (msgspec.json.encode(event_ids).decode(),),
        ):
            found = texts.setdefault(event_id, [summary])
            if text is not None:
                found.append(text)
        return [tuple(texts[event_id]) for event_id in event_ids]


def _write_search_tables(db: Path, generation: list[Any], tables: SearchTables) -> bool:
    words = zip(tables.words, tables.positions, strict=True)
    rows = ((n, word, events, tables.dense.get(n)) for n, (word, events) in enumerate(words))
    try:
        with _transaction(db) as connection:
            now = connection.execute("SELECT value FROM meta WHERE key = 'generation'")
            if now.fetchall() != generation:
                return False  # rebuilt by another process: these tables are not its index
            connection.execute("DELETE FROM search_words")
            connection.execute("DELETE FROM search_chars")
            connection.executemany("INSERT INTO search_words VALUES (?, ?, ?, ?)", rows)
            connection.executemany("INSERT INTO search_chars VALUES (?, ?)", tables.chars.items())
            connection.execute(
                "INSERT OR REPLACE INTO meta VALUES ('search_size', ?)", (tables.size,)
            )
    except sqlite3.Error:
        return False
    return True


def _fresh(connection: sqlite3.Connection, path: str | Path | None) -> dict[str, FileStamp] | None:
    """Whether the store open on `connection` holds the dataset at `path` as it is now:
    None if not, else the files whose numbers changed though their bytes did not."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version != STORE_VERSION:
        return None
    meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("code") != _code_digest() or meta.get("max_bytes") != max_events_bytes():
        return None
    stamps = file_stamps(path)
    if stamps is None:
        return None
    recorded = {
        row[0]: (tuple(row[1:4]), row[4])
        for row in connection.execute("SELECT path, size, mtime_ns, inode, sha256 FROM files")
    }
    if recorded.keys() != stamps.keys():
        return None
    written = meta.get("written_ns", 0)
    root = resolve_dataset(path)[0]
    renumbered = {}
    for name, numbers in stamps.items():
        old_numbers, digest = recorded[name]
        if numbers[0] < 0 or (numbers == old_numbers and numbers[1] < written - _RACY_NS):
            continue  # a name only (it is there, as recorded), or numbers to trust
        if numbers[0] != old_numbers[0] or _sha256(_file_of(root, name)) != digest:
            return None
        renumbered[name] = numbers
    return renumbered


def _record_numbers(db: Path, stamps: dict[str, FileStamp]) -> None:
    """Record new numbers for files whose bytes were proved unchanged (best effort)."""
    with contextlib.suppress(sqlite3.Error), _transaction(db) as connection:
        connection.executemany(
            "UPDATE files SET size = ?, mtime_ns = ?, inode = ? WHERE path = ?",
            ((*numbers, name) for name, numbers in stamps.items()),
        )
        connection.execute("UPDATE meta SET value = ? WHERE key = 'written_ns'", (time.time_ns(),))


class StoredRows:
    """The timeline's rows from the store, before the dataset is loaded: a
    `timeline.ui.widgets.timeline_view.RowSource`, with the heading key of every event
    (`keys`) and its id, by position in date order. Rows are read a page at a time, as
    they are drawn."""

    _PAGE = 128

    def __init__(
        self, store: Store, keys: list[int], themes: list[tuple[str, str]], marker_slots: int
    ) -> None:
        self.store = store
        self.keys = keys
        """`timeline.views.group_keys` of the events, in date order."""
        self.themes = themes
        """The theme vocabulary, in order: each theme's id and label."""
        self.marker_slots = marker_slots
        """The most themes any event has."""
        self._rows: dict[int, tuple[str, tuple[str, str, Status, tuple[str, ...], int]]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def loaded(self, *, progress: ProgressCallback | None = None) -> Loaded:
        """The stored dataset, its events without their details (a `Loader`); read from
        the files if the store turns out damaged past these rows."""
        try:
            return self.store.loaded(details=False)
        except StoreError:
            return open_dataset(self.store.path, details=False, progress=progress)

    def _row(self, position: int) -> tuple[str, tuple[str, str, Status, tuple[str, ...], int]]:
        row = self._rows.get(position)
        if row is None:
            if len(self._rows) > 32 * self._PAGE:
                self._rows.clear()  # only what was on screen recently
            first = position - position % self._PAGE
            strings = tuple[str, ...]
            decode = msgspec.json.decode
            for r in self.store._query(
                "SELECT rank, id, date, title, status, themes, json_array_length(source_ids)"
                " FROM events WHERE rank >= ? AND rank < ?",
                (first, first + self._PAGE),
            ):
                fields = (describe(parse_edtf(r[2])), sanitize_cells(r[3]), Status(r[4]),
                          decode(r[5], type=strings), r[6])  # fmt: skip
                self._rows[r[0]] = (r[1], fields)
            row = self._rows[position]
        return row

    def timeline_row(self, position: int) -> tuple[str, str, Status, tuple[str, ...], int]:
        """Date label, title, status, theme ids and source count of the row."""
        return self._row(position)[1]

    def event_id(self, position: int) -> str:
        """The id of the event at `position`."""
        return self._row(position)[0]

    def position_of(self, event_id: str) -> int | None:
        """The position of the event with this id, if there is one."""
        found = self.store._query("SELECT rank FROM events WHERE id = ?", (event_id,))
        return found[0][0] if found else None
