"""Load a dataset folder: strict YAML, schema validation, and quote verification.

A dataset is a folder holding `events.yaml` and `sources/`, one `<id>.txt` per article
with YAML front matter between `---` lines. `load_dataset` reads it all, collects
**every** problem as a `Diagnostic` located at `file:line:col`, and either returns a
`Loaded` dataset (with its warnings) or raises `DatasetError` with the full list. It
never raises anything else: a bug of ours becomes an `internal` diagnostic, not a
traceback.

Files are read as bytes and decoded as strict UTF-8 (a BOM is fine); YAML goes through
`timeline.strictyaml`, so every scalar stays a string and nothing is ever constructed.
Source files are found by listing `sources/`; a link that leads outside it, a link loop,
a FIFO or a device is reported and never opened, so nothing can block or escape.
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Collection
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

from timeline.dates import EdtfDate, EdtfError, parse_edtf
from timeline.diagnostics import DatasetError, Diagnostic, Severity
from timeline.model import (
    DEFAULT_MAX_BYTES,
    MAX_SOURCE_BYTES,
    Dataset,
    Event,
    Loaded,
    ProgressCallback,
    Quote,
    Source,
    SourceKind,
    Span,
    Status,
    Theme,
    bundled_dataset_path,
    resolve_dataset,
)
from timeline.model import is_dir as _is_dir
from timeline.model import max_events_bytes as _max_bytes
from timeline.provenance import ArticleText, NearMiss
from timeline.strictyaml import Located, YMap, YSeq, YValue, did_you_mean, parse_strict
from timeline.text import invisible_characters, normalize

# `Loaded`, `ProgressCallback`, `resolve_dataset`, `bundled_dataset_path` and the size
# limits live in `timeline.model` (the cache needs them without PyYAML); they are
# re-exported here, where they have always been imported from.
__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_SOURCE_BYTES",
    "MIN_QUOTE_LENGTH",
    "Loaded",
    "ProgressCallback",
    "bundled_dataset_path",
    "load_dataset",
    "resolve_dataset",
]

MAX_SOURCES_TOTAL_BYTES = 256 << 20
"""The most article text read for one dataset, so a folder of huge files cannot exhaust
memory (an article takes 2-8 bytes per character: its text and its matching form)."""
MIN_QUOTE_LENGTH = 40
"""Shorter quotes get a warning (unless they are a whole line of the article)."""
MAX_ID_LENGTH = 200
HINT_BUDGET = 10_000_000_000
"""Characters compared, over one load, to find the closest passage to quotes that are
not found (a few seconds of work); past it, errors carry no hint, so a file of long
wrong quotes against a huge article cannot stall."""
_TOP_KEYS = ("version", "themes", "events")
_TOP_KEY_SET = frozenset((*_TOP_KEYS, "title"))  # the title is optional


def load_dataset(
    path: str | Path | None = None,
    *,
    progress: ProgressCallback | None = None,
    max_bytes: int | None = None,
    events_text: str | None = None,
) -> Loaded:
    """Load and verify a dataset folder (or an `events.yaml` file inside one).

    `events_text`, when given, is read in place of the events file's contents (its
    sources are still read from the folder): an edit is checked before it is written.

    Raises:
        DatasetError: with every diagnostic found, when any of them is an error.
    """
    root, events_file = resolve_dataset(path)
    diagnostics: list[Diagnostic] = []
    checks = _Checks(str(events_file), diagnostics)
    try:
        dataset = _Loader(root, checks, progress).load(events_file, max_bytes, events_text)
    except Exception as exc:  # the promise: nothing but DatasetError escapes
        checks.error(
            None,
            "internal",
            f"unexpected {type(exc).__name__} while loading: {exc} (a bug in timeline, "
            "not in your data: please report it with the dataset)",
        )
        dataset = None
    if dataset is None or any(d.severity is Severity.ERROR for d in diagnostics):
        if not any(d.severity is Severity.ERROR for d in diagnostics):
            checks.error(None, "internal", "the dataset could not be built")
        raise DatasetError(_in_order(diagnostics))
    return Loaded(dataset, tuple(_in_order(diagnostics)))


def _in_order(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    # Files in the order met, then by position, so output reads top to bottom.
    files = {d.file: i for i, d in reversed(list(enumerate(diagnostics)))}
    return sorted(diagnostics, key=lambda d: (files[d.file], d.line, d.column))


class _Loader:
    """One load: the steps in order, each event checked as soon as it is parsed."""

    def __init__(self, root: Path, checks: _Checks, progress: ProgressCallback | None) -> None:
        self.root = root
        self.checks = checks
        self.progress = progress
        # Events built while the file is parsed (by index in `events`), each with its
        # id's line and column in a plain tuple, which the collector stops tracking (a
        # `Located` never is: 100,000 of them made every full collection of a load walk
        # them); and the `themes` mapping whose ids they were checked against.
        self._early: dict[int, tuple[Event, int, int]] = {}
        self._declared: YValue = None

    def _progress(self, fraction: float) -> None:
        if self.progress is not None:
            self.progress(min(max(fraction, 0.0), 1.0))

    def load(self, events_file: Path, max_bytes: int | None, text: str | None) -> Dataset | None:
        """Run every step (on `text` rather than `events_file`, if given); the dataset,
        or None when it could not be built at all."""
        checks = self.checks
        if text is None:
            text = _read_text(checks, events_file, _max_bytes(max_bytes), events_file=True)
        if text is None:
            return None
        self._progress(0.0)
        # The articles are read first, so that each event can be checked as soon as it
        # is parsed, while its nodes are still in the CPU's cache. Their diagnostics
        # wait, and join the others where they always stood: after the top-level checks.
        source_diagnostics: list[Diagnostic] = []
        sources, broken = _read_sources(self.root, source_diagnostics, checks.dates)
        self.events = _Events(checks, _Citations(checks, sources, broken))
        size = max(len(text), 1)
        root = parse_strict(
            text,
            checks.file,
            checks.diagnostics,
            progress=lambda offset: self._progress(0.7 * offset / size),
            on_item=("events", self._valid_event),
        )
        # The file's text (2 GB for a million events) is not needed past the parse.
        del text
        if root is None:
            if not checks.diagnostics:
                checks.error(
                    None,
                    "empty",
                    "the file is empty: a dataset is a mapping with version, themes and events",
                )
            return None
        if not isinstance(root, YMap):
            checks.error(
                root.at if isinstance(root, YSeq) else None,
                "wrong-type",
                f"the top level must be a mapping (version, themes, events), not {_kind(root)}",
            )
            return None
        checks.keys(root, _TOP_KEY_SET, _TOP_KEYS, "the dataset")
        version = root.items.get("version")
        if isinstance(version, YMap | YSeq):
            checks.error(
                root.value_at["version"],
                "wrong-type",
                f"'version' must be text (\"1\"), not {_kind(version)}",
            )
        elif "version" in root.items and version != "1":
            checks.error(
                root.value_at["version"],
                "bad-version",
                f"unsupported version '{_clip(version or '')}': this tool reads version 1",
            )
        themes = self.events.themes(root)
        checks.diagnostics.extend(source_diagnostics)
        self._progress(0.75)
        self._theme_ids(root)
        events = self.checked_events(root)
        self._progress(1.0)
        title = checks.text(root, "title", "the dataset", required=False)
        return Dataset(
            str(self.root),
            tuple(themes),
            tuple(source for source, _ in sources.values()),
            tuple(events),
            title=title.strip() if title else None,
        )

    def _theme_ids(self, root: YMap) -> None:
        """Let events name the keys of `themes` (as far as it has been parsed)."""
        declared = root.items.get("themes")
        if declared is not self._declared:
            self._declared = declared
            ids = declared.key_at if isinstance(declared, YMap) else ()
            self.events.theme_ids = frozenset(ids)

    def _valid_event(self, root: YMap, node: YMap, index: int) -> bool:
        """The fast path, as each event is parsed: build it if it is plainly valid (the
        same checks as the full ones, given up at the first problem, reporting nothing);
        whether it was built. `checked_events` checks the others once the parse is over."""
        self._theme_ids(root)
        self.checks.quiet = True
        try:
            event = self.events.event(node, index + 1)
        except _Quiet:
            return False
        finally:
            self.checks.quiet = False
        if event is None:
            return False
        self._early[index] = (event, *node.value_at["id"])
        return True

    def checked_events(self, root: YMap) -> list[Event]:
        """Every event: those built early, and the others checked field by field."""
        checks = self.checks
        node = root.items.get("events")
        if node is None:  # no `events`, or nothing under it: no events
            return []
        if not isinstance(node, YSeq):
            checks.error(
                root.value_at.get("events", root.key_at["events"]),
                "wrong-type",
                f"'events' must be a list, not {_kind(node)}",
            )
            return []
        events: list[Event] = []
        first_line: dict[str, int] = {}
        total = max(len(node.items), 1)
        for number, (item, at) in enumerate(zip(node.items, node.item_at, strict=True), 1):
            if not number & 0x3FF:
                self._progress(0.75 + 0.25 * number / total)
            built = self._early.get(number - 1)
            if built is not None:
                event, line, column = built
            elif not isinstance(item, YMap):
                message = f"event {number} must be a mapping, not {_kind(item)}"
                checks.error(at, "wrong-type", message)
                continue
            else:
                checked = self.events.event(item, number)
                if checked is None:
                    continue
                event, (line, column) = checked, item.value_at["id"]
            if event.id in first_line:
                checks.error(
                    Located(line, column),
                    "duplicate-id",
                    f"event id '{event.id}' is already used at line {first_line[event.id]}",
                )
                continue
            first_line[event.id] = line
            events.append(event)
        return events


# -- files ---------------------------------------------------------------------------


_Article = tuple[Source, ArticleText]
"""A source and its text ready for finding quotes in."""

_SOURCE_REQUIRED = ("id", "title", "outlet", "published", "kind")
_SOURCE_OPTIONAL = ("published_basis", "byline", "credit", "origin", "sha256", "notes")
_SOURCE_KEYS = (*_SOURCE_REQUIRED, *_SOURCE_OPTIONAL)
_SOURCE_KEY_SET = frozenset((*_SOURCE_KEYS, "ignore"))
_KINDS = {kind.value: kind for kind in SourceKind}


def _read_text(checks: _Checks, path: Path, limit: int, *, events_file: bool = False) -> str | None:
    """A regular file's text as strict UTF-8, or None after reporting why not."""
    try:
        info = path.stat()
    except FileNotFoundError:
        message = f"no such file: {path}"
        if events_file and _is_dir(path.parent):
            message = (
                f"no events file: {path} does not exist (a dataset is a folder "
                "holding events.yaml and sources/)"
            )
        checks.error(None, "missing-file", message)
        return None
    except (OSError, ValueError) as exc:
        checks.error(None, "read-error", f"cannot read {path}: {_reason(exc)}")
        return None
    if _refused(checks, path, info.st_mode, info.st_size, limit):
        return None
    try:
        # O_NONBLOCK, and the type checked again on the open file: if the path was
        # swapped for a FIFO after the check above, opening must still not block.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            data = handle.read(limit + 1) if stat.S_ISREG(mode) else b""
    except (OSError, ValueError) as exc:
        checks.error(None, "read-error", f"cannot read {path}: {_reason(exc)}")
        return None
    if _refused(checks, path, mode, len(data), limit):  # swapped, or grown, since measured
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8-sig", errors="replace")
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        checks.error(
            Located(line, column),
            "encoding",
            f"the file is not UTF-8: byte 0x{data[exc.start]:02X} cannot be "
            "decoded (save the file as UTF-8)",
        )
        return None


def _read_sources(
    root: Path, diagnostics: list[Diagnostic], dates: dict[str, EdtfDate]
) -> tuple[dict[str, _Article], set[str]]:
    """Every `sources/*.txt`, read safely, by id; and the ids (file stems) of those that
    exist but could not be loaded (their own diagnostics say why, so citing them is not
    reported again). At most `MAX_SOURCES_TOTAL_BYTES` characters of them are read."""
    folder = root / "sources"
    found: dict[str, _Article] = {}
    broken: set[str] = set()
    if not folder.is_dir():
        return found, broken
    try:
        real_folder = folder.resolve(strict=True)
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except (OSError, RuntimeError) as exc:
        checks = _Checks(str(folder), diagnostics, dates)
        checks.error(None, "read-error", f"cannot list {folder}: {exc}")
        return found, broken
    read = 0
    for entry in entries:
        if not entry.name.endswith(".txt") or entry.name.startswith("."):
            continue
        path = folder / entry.name
        checks = _Checks(str(path), diagnostics, dates)
        if entry.is_symlink() and not _stays_inside(checks, path, real_folder):
            continue
        text = None
        if read >= MAX_SOURCES_TOTAL_BYTES:
            checks.error(
                None,
                "too-large",
                f"not read: the articles before it in sources/ already add up to over "
                f"{MAX_SOURCES_TOTAL_BYTES:,} bytes, the most one dataset may hold",
            )
        else:
            text = _read_text(checks, path, MAX_SOURCE_BYTES)
        loaded = None if text is None else _article(checks, path, text)
        read += len(text or "")
        if loaded is None:
            broken.add(path.stem)
        else:
            found[path.stem] = loaded
    return found, broken


def _stays_inside(checks: _Checks, path: Path, folder: Path) -> bool:
    """Whether a link in `sources/` leads to a file inside it; reports it if not."""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        checks.error(None, "source-path", f"{path.name} is a link to a file that does not exist")
        return False
    except (OSError, RuntimeError) as exc:
        # Python 3.11 raises RuntimeError for a loop, 3.13 OSError(ELOOP).
        looped = isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP
        checks.error(
            None,
            "source-path",
            f"{path.name} is a link that loops back on itself"
            if looped
            else f"{path.name} is a link that cannot be followed: {_reason(exc)}",
        )
        return False
    if not target.is_relative_to(folder):
        checks.error(
            None,
            "source-path",
            f"{path.name} links outside sources/ (to {target}); "
            "sources must stay inside the dataset",
        )
        return False
    return True


def _article(checks: _Checks, path: Path, text: str) -> _Article | None:
    """One article: front matter checked, body kept verbatim."""
    lines = text.split("\n", 1)
    if lines[0].rstrip("\r") != "---":
        checks.error(
            None,
            "front-matter",
            "a source starts with YAML front matter between '---' lines "
            "(id, title, outlet, published, kind)",
        )
        return None
    front_start = len(lines[0]) + 1
    closing = re.search(r"^---\r?$\n?", text[front_start:], re.MULTILINE)  # and its line end
    if closing is None:
        checks.error(
            Located(1, 1), "front-matter", "the front matter is never closed by a '---' line"
        )
        return None
    front = text[front_start : front_start + closing.start()]
    body_start = front_start + closing.end()
    body = text[body_start:]
    node = parse_strict(front, checks.file, checks.diagnostics, line_offset=1)
    if not isinstance(node, YMap):
        if node is not None or not any(d.file == checks.file for d in checks.diagnostics):
            checks.error(
                Located(2, 1),
                "front-matter",
                "the front matter must be a mapping of id, title, outlet, published and kind",
            )
        return None
    what = "the source"
    checks.keys(node, _SOURCE_KEY_SET, _SOURCE_REQUIRED, what)
    fields = {
        key: checks.text(node, key, what, required=key in _SOURCE_REQUIRED) for key in _SOURCE_KEYS
    }
    source_id = fields["id"]
    if source_id is not None:
        at = node.value_at["id"]
        if checks.slug(source_id, at, "source id") is None:
            return None
        if source_id != path.stem:
            checks.error(
                at, "source-id", f"the id '{source_id}' must match the file name '{path.stem}.txt'"
            )
            return None
    published: EdtfDate | None = None
    kind: SourceKind | None = None
    if fields["published"] is not None:
        published = checks.date(node.value_at["published"], fields["published"])
    if fields["kind"] is not None:
        kind = checks.choice(_KINDS, fields["kind"], node.value_at["kind"], "kind")
    if source_id is None or not fields["title"] or not fields["outlet"]:
        return None
    body_line = text.count("\n", 0, body_start) + 1
    ignore = _ignored_lines(checks, node, body, body_line)
    if published is None or kind is None or ignore is None:
        return None
    source = Source(
        id=source_id,
        title=fields["title"],
        outlet=fields["outlet"],
        published=published,
        published_basis=fields["published_basis"],
        kind=kind,
        byline=fields["byline"],
        credit=fields["credit"],
        path=f"sources/{path.name}",
        text=body,
        body_line=body_line,
        origin=fields["origin"],
        notes=fields["notes"],
        ignore=ignore,
    )
    return source, ArticleText(body)


def _ignored_lines(
    checks: _Checks, node: YMap, body: str, body_line: int
) -> tuple[int, ...] | None:
    """The file lines that the front matter's `ignore:` entries name, each entry the
    whole text of one or more lines of the article (page furniture such as a byline);
    None after reporting every entry that names no line."""
    seq = node.items.get("ignore")
    if seq is None:
        return ()
    entries = checks.texts(node, "ignore", "the source")
    if not isinstance(seq, YSeq):
        return None
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(body.split("\n")):
        lines.setdefault(line.strip(), []).append(body_line + number)
    ok = len(entries) == len(seq.items)
    found: list[int] = []
    for entry, at in zip(seq.items, seq.item_at, strict=True):
        if not isinstance(entry, str) or not entry.strip():
            continue  # `texts` reported it
        numbers = lines.get(entry.strip())
        if numbers is None:
            checks.error(
                at,
                "bad-ignore",
                f"ignore entry {_clip(entry)!r} is not the whole text of any line of the "
                "article (copy the line, such as a byline or a photo credit, as it is)",
            )
            ok = False
        else:
            found += numbers
    return tuple(sorted(set(found))) if ok else None


def _refused(checks: _Checks, path: Path, mode: int, size: int, limit: int) -> bool:
    """Whether the file is not a regular one or is over `limit` bytes; reports it if so."""
    if not stat.S_ISREG(mode):
        # Opening a FIFO or a device could block forever: never open one.
        kind = _FILE_KINDS.get(stat.S_IFMT(mode), "not a regular file")
        checks.error(None, "not-a-file", f"{path} is {kind}")
    elif size > limit:
        checks.error(
            None,
            "too-large",
            f"{path} is {size:,} bytes, over the limit of {limit:,} bytes "
            "(raise it with the TIMELINE_MAX_BYTES environment variable)",
        )
    else:
        return False
    return True


_NEVER_OPENED = "not a regular file; it is never opened"
_FILE_KINDS = {
    stat.S_IFDIR: "a folder, not a file",
    stat.S_IFIFO: f"a named pipe (FIFO), {_NEVER_OPENED}",
    stat.S_IFCHR: f"a device, {_NEVER_OPENED}",
    stat.S_IFBLK: f"a device, {_NEVER_OPENED}",
    stat.S_IFSOCK: f"a socket, {_NEVER_OPENED}",
}


def _reason(exc: BaseException) -> str:
    """An OS error's reason without the path it repeats."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


# -- reporting, and the checks every part shares -------------------------------------


_Choice = TypeVar("_Choice", bound=StrEnum)
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


class _Quiet(Exception):
    """Raised by a quiet `_Checks` where it would report: the caller gives up and runs
    the checks again, loudly, to say what is wrong."""


class _Checks:
    """One file's diagnostics, and the field checks that add to them.

    `dates` (new if not given) is shared by a load's files: a large file repeats each
    date many times, and an `EdtfDate` is immutable, so the events can share one.
    """

    def __init__(
        self, file: str, diagnostics: list[Diagnostic], dates: dict[str, EdtfDate] | None = None
    ) -> None:
        self.file = file
        self.diagnostics = diagnostics
        self.dates: dict[str, EdtfDate] = {} if dates is None else dates
        self.quiet = False

    def report(
        self,
        severity: Severity,
        at: Located | None,
        code: str,
        message: str,
        hint: str | None = None,
    ) -> None:
        """Add a diagnostic (at 1:1 when no position is known); raise `_Quiet` if quiet."""
        if self.quiet:
            raise _Quiet
        line, column = (at.line, at.column) if at is not None else (1, 1)
        self.diagnostics.append(Diagnostic(self.file, line, column, severity, code, message, hint))

    def error(self, at: Located | None, code: str, message: str, hint: str | None = None) -> None:
        """Add an error."""
        self.report(Severity.ERROR, at, code, message, hint)

    def warn(self, at: Located | None, code: str, message: str) -> None:
        """Add a warning."""
        self.report(Severity.WARNING, at, code, message)

    def keys(
        self,
        node: YMap,
        allowed: Collection[str],
        required: tuple[str, ...],
        what: str,
    ) -> None:
        """Report unknown keys (with a suggestion) and missing required ones."""
        for key in node.key_at:
            if key == "<<":
                self.error(
                    node.key_at[key],
                    "unknown-key",
                    f"merge keys ('<<') are not allowed in {what}: write each key out",
                )
            elif key not in allowed:
                self.error(
                    node.key_at[key],
                    "unknown-key",
                    f"unknown key '{_clip(key)}' in {what}{did_you_mean(key, allowed)}",
                )
        for key in required:
            if key not in node.key_at and "<<" not in node.key_at:
                self.error(node.at, "missing-key", f"{what} has no '{key}'")

    def text(self, node: YMap, key: str, what: str, required: bool = True) -> str | None:
        """A string field: None (reported if required) when absent, empty or not text."""
        value = node.items.get(key)
        if type(value) is str and value.strip():
            return value
        if key not in node.key_at:
            return None  # `keys` reported it
        at = node.value_at.get(key, node.key_at[key])
        if isinstance(value, YMap | YSeq):
            self.error(at, "wrong-type", f"'{key}' of {what} must be text, not {_kind(value)}")
        elif required:
            self.error(at, "empty-value", f"'{key}' of {what} is empty")
        return None

    def texts(self, node: YMap, key: str, what: str) -> tuple[str, ...]:
        """A list of strings (none when absent or empty); bad entries are reported and
        left out."""
        value = node.items.get(key)
        if value is None:
            return ()
        if not isinstance(value, YSeq):
            self.error(
                node.value_at.get(key, node.key_at[key]),
                "wrong-type",
                f"'{key}' of {what} must be a list, not {_kind(value)}"
                + (f' (write ["{value}"])' if isinstance(value, str) else ""),
            )
            return ()
        found: list[str] = []
        for item, item_at in zip(value.items, value.item_at, strict=True):
            if type(item) is str and item.strip():
                found.append(item)
            elif isinstance(item, str):
                self.error(item_at, "empty-value", f"an entry of '{key}' of {what} is empty")
            else:
                message = f"each of '{key}' of {what} must be text, not {_kind(item)}"
                self.error(item_at, "wrong-type", message)
        return tuple(found)

    def choice(
        self, members: dict[str, _Choice], value: str, at: Located, name: str, of: str = ""
    ) -> _Choice | None:
        """The member whose value is `value`, or None after reporting that there is none
        (the message starts "`name` 'value'", then " of `of`" if given)."""
        member = members.get(value)
        if member is None:
            self.error(
                at,
                "bad-value",
                f"{name} {value!r}{f' of {of}' if of else ''} is not one of "
                f"{', '.join(members)}{did_you_mean(value, members)}",
            )
        return member

    def slug(self, value: str, at: Located, what: str) -> str | None:
        """`value` if it is a valid id (a slug), else None after reporting it."""
        if len(value) <= MAX_ID_LENGTH and _ID.match(value):
            return value
        self.error(
            at,
            "bad-id",
            f"{what} {value[:80]!r} is not a valid id: use letters, digits, '.', '_' and "
            f"'-', starting with a letter or digit, at most {MAX_ID_LENGTH} characters",
        )
        return None

    def date(self, at: Located, value: str) -> EdtfDate | None:
        """An EDTF date, or None after reporting why it is not one."""
        date = self.dates.get(value)
        if date is not None:
            return date
        try:
            date = self.dates[value] = parse_edtf(value)
        except EdtfError as exc:
            self.error(
                at,
                "bad-date",
                f"{exc} (use EDTF: 2023-01-13, 2023-05, 2024, "
                "2023-05-19/2023-05-21, 2024-04-10/..)",
            )
        return date


def _clip(text: str, limit: int = 80) -> str:
    """Text cut to `limit` characters (with an ellipsis), for quoting in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: object) -> str:
    """What a parsed value is, in a message's words ("a mapping", "text", …)."""
    return _KINDS_OF_VALUE.get(type(value), "text")


_KINDS_OF_VALUE = {YMap: "a mapping", YSeq: "a list", type(None): "an empty value"}


# -- events: the schema, written once ------------------------------------------------


_THEME_KEYS = ("label", "description")
_STATUSES = {status.value: status for status in Status}


class _Field(NamedTuple):
    """One key of an event, and how its value is read."""

    key: str
    required: bool
    shape: Literal["text", "texts", "citations"]
    """Text, a list of texts, or a list of {source, quote}."""
    convert: Callable[[_Events, Any, YMap, str], Any] | None = None
    """The value made from the text (or texts): `(events, text, event, what)`, None after
    reporting why there is none."""


def _id(events: _Events, value: str, node: YMap, what: str) -> str | None:
    return events.checks.slug(value, node.value_at["id"], "event id")


def _date(events: _Events, value: str, node: YMap, what: str) -> EdtfDate | None:
    return events.checks.date(node.value_at["date"], value)


def _status(events: _Events, value: str, node: YMap, what: str) -> Status | None:
    return events.checks.choice(_STATUSES, value, node.value_at["status"], "status", what)


def _themes(
    events: _Events, value: tuple[str, ...], node: YMap, what: str
) -> tuple[str, ...] | None:
    """The themes, if all are in the vocabulary; each other one is reported."""
    known = events.theme_ids
    if known.issuperset(value):
        return value
    listed = node.items["themes"]
    assert isinstance(listed, YSeq)
    for theme, at in zip(listed.items, listed.item_at, strict=True):
        if isinstance(theme, str) and theme in value and theme not in known:
            events.checks.error(
                at,
                "unknown-theme",
                f"{what} has theme '{theme}', which is not in 'themes'{did_you_mean(theme, known)}",
            )
    return None


_FIELDS = (
    _Field("id", True, "text", _id),
    _Field("date", True, "text", _date),
    _Field("title", True, "text"),
    _Field("summary", True, "text"),
    _Field("themes", True, "texts", _themes),
    _Field("actors", False, "texts"),
    _Field("places", False, "texts"),
    _Field("status", True, "text", _status),
    _Field("date_basis", False, "text"),
    _Field("sources", True, "citations"),
)
"""Every key an event may have (`sources` becomes `Event.new`'s `quotes`)."""
_PARAMETERS = tuple("quotes" if field.key == "sources" else field.key for field in _FIELDS)
"""`Event.new`'s parameter for each field."""
_KEY_SET = frozenset(field.key for field in _FIELDS)
_REQUIRED = tuple(field.key for field in _FIELDS if field.required)
_REQUIRED_SET = frozenset(_REQUIRED)


class _Events:
    """Checks events against `_FIELDS`, and builds them.

    `theme_ids` are the themes an event may name: those declared so far, while parsing.
    """

    def __init__(self, checks: _Checks, citations: _Citations) -> None:
        self.checks = checks
        self.citations = citations
        self.theme_ids: frozenset[str] = frozenset()

    def event(self, node: YMap, number: int) -> Event | None:
        """Event `number` (1-based), or None when an error in it was reported."""
        raw_id = node.items.get("id")
        what = f"event '{raw_id}'" if isinstance(raw_id, str) else f"event {number}"
        checks = self.checks
        reported = len(checks.diagnostics)
        keys = node.key_at.keys()
        if not (keys <= _KEY_SET and keys >= _REQUIRED_SET):  # else nothing to report
            checks.keys(node, _KEY_SET, _REQUIRED, what)
        items = node.items
        values: list[Any] = []
        for key, required, shape, convert in _FIELDS:
            value: Any
            if shape == "text":
                value = items.get(key)
                # Plain text is taken as it is, without a call: most values are.
                if type(value) is not str or not value.strip():
                    value = checks.text(node, key, what, required)
            elif shape == "texts":
                value = checks.texts(node, key, what)
            else:
                value = self.citations.citations(node, what)
            if convert is not None and value is not None:
                value = convert(self, value, node, what)
            values.append(value)
        diagnostics = checks.diagnostics
        if len(diagnostics) > reported and any(
            d.severity is Severity.ERROR for d in diagnostics[reported:]
        ):
            return None
        return Event.new(**dict(zip(_PARAMETERS, values, strict=True)))

    def themes(self, root: YMap) -> list[Theme]:
        """The theme vocabulary."""
        checks = self.checks
        node = root.items.get("themes")
        if "themes" not in root.key_at:
            return []
        if not isinstance(node, YMap):
            checks.error(
                root.value_at.get("themes", root.key_at["themes"]),
                "wrong-type",
                f"'themes' must be a mapping of theme id to label and description, "
                f"not {_kind(node)}",
            )
            return []
        themes = []
        for theme_id, body in node.items.items():
            at = node.key_at[theme_id]
            ok = checks.slug(theme_id, at, "theme")
            what = f"theme '{theme_id}'"
            if not isinstance(body, YMap):
                checks.error(
                    node.value_at.get(theme_id, at),
                    "wrong-type",
                    f"{what} must be a mapping with label and description, not {_kind(body)}",
                )
                continue
            checks.keys(body, _THEME_KEYS, _THEME_KEYS, what)
            label = checks.text(body, "label", what)
            description = checks.text(body, "description", what)
            if ok and label is not None and description is not None:
                themes.append(Theme(theme_id, label, description))
        return themes


# -- quotes --------------------------------------------------------------------------


_CITATION_KEYS = ("source", "quote")
_HYPHEN_BREAK = re.compile(r"\w[-\u00ad\u2010][ \t]*\r?\n\s*\w")


class _Citations:
    """Finds the quotes of a load's events in their articles, reporting each problem (but
    not a quote of a `broken` article: see `_read_sources`)."""

    def __init__(self, checks: _Checks, sources: dict[str, _Article], broken: set[str]) -> None:
        self.checks = checks
        self.sources = sources
        self.broken = broken
        self.budget = HINT_BUDGET

    def citations(self, node: YMap, what: str) -> tuple[Quote, ...]:
        """An event's `sources`: the quote of each citation, found in its article."""
        value = node.items.get("sources")
        if type(value) is not YSeq or not value.items:
            if "sources" in node.key_at:
                self.checks.error(
                    node.value_at.get("sources", node.key_at["sources"]),
                    "wrong-type" if isinstance(value, YMap | str) else "empty-value",
                    f"'sources' of {what} must be a list of {{source, quote}} with at least "
                    "one entry",
                )
            return ()
        quotes = []
        citation = f"a citation of {what}"  # made once: it is only read in messages
        for item, item_at in zip(value.items, value.item_at, strict=True):
            quote = self.citation(item, item_at, what, citation)
            if quote is not None:
                quotes.append(quote)
        return tuple(quotes)

    def citation(self, item: YValue, item_at: Located, what: str, citation: str) -> Quote | None:
        """One entry of an event's `sources`: its quote found in its article, or None
        after reporting why not."""
        checks = self.checks
        if type(item) is not YMap:
            checks.error(
                item_at,
                "wrong-type",
                f"each of 'sources' of {what} must be a mapping of source and quote, "
                f"not {_kind(item)}",
            )
            return None
        keys = item.key_at
        if len(keys) != 2 or "source" not in keys or "quote" not in keys:
            # Exactly `source` and `quote` (nearly every citation) is nothing to report.
            checks.keys(item, _CITATION_KEYS, _CITATION_KEYS, citation)
        source_id = checks.text(item, "source", citation)
        if "quote" not in keys:
            return None
        at = item.value_at.get("quote", keys["quote"])
        text = item.items.get("quote")
        if isinstance(text, YMap | YSeq):
            checks.error(
                at,
                "wrong-type",
                f"the quote of a citation of {what} must be text, not {_kind(text)}",
            )
            return None
        # The matching form, made once: finding the quote and the length check use it.
        needle = normalize(text) if text is not None else ""
        if text is None or not needle:
            checks.error(at, "quote-empty", f"a quote of {what} is empty")
            return None
        if source_id is None:
            return None
        cited = self.sources.get(source_id)
        if cited is None:
            if source_id not in self.broken:
                checks.error(
                    item.value_at["source"],
                    "unknown-source",
                    f"{what} cites source '{_clip(source_id)}', which is not in "
                    f"sources/{_source_advice(source_id, set(self.sources))}",
                )
            return None
        return self.quote(text, needle, at, what, *cited)

    def quote(
        self, text: str, needle: str, at: Located, what: str, source: Source, article: ArticleText
    ) -> Quote | None:
        """Find one quote (`needle` is its matching form) in its article; report it if
        it is not there."""
        checks = self.checks
        for offset, name in invisible_characters(text)[:3]:
            checks.warn(
                at,
                "invisible-char",
                f"a quote of {what} contains {name} at character {offset + 1}: "
                "it can hide or reorder text",
            )
        found = article.locate(needle)
        if found is None:
            if checks.quiet:
                raise _Quiet  # before the hint: its search is costly, and spends the budget
            checks.error(
                at,
                "quote-not-found",
                f"a quote of {what} is not in {source.path}; quotes must be verbatim",
                self._hint(text, source, article),
            )
            return None
        start, end, line, column, occurrences = found
        if occurrences > 1:
            checks.warn(
                at,
                "quote-ambiguous",
                f"a quote of {what} occurs {occurrences} times in {source.path}; "
                "lengthen it so it points at one place (the first is used)",
            )
        if len(needle) < MIN_QUOTE_LENGTH and not _whole_line(article.text, start, end):
            checks.warn(
                at,
                "quote-short",
                f"a quote of {what} is under {MIN_QUOTE_LENGTH} characters; longer "
                "quotes are unambiguous",
            )
        return Quote(source.id, text, Span(start, end, source.body_line + line - 1, column))

    def _hint(self, text: str, source: Source, article: ArticleText) -> str | None:
        """The closest passage to a quote that is not found, while the budget lasts."""
        cost = article.search_cost(text)
        if cost > self.budget:
            return (
                "no closest passage shown: so many quotes are not found that searching "
                "for each would take too long"
            )
        self.budget -= cost
        near = article.nearest(text)
        return None if near is None else _near_miss_hint(text, near, source)


def _whole_line(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` is a whole line of the article (a headline, a soundbite)."""
    before = text.rfind("\n", 0, start)
    after = text.find("\n", end)
    line = text[before + 1 : after if after != -1 else len(text)]
    return normalize(line) == normalize(text[start:end])


def _near_miss_hint(quote: str, near: NearMiss, source: Source) -> str:
    """Where the closest passage is and how it differs, for a quote that is not found."""
    # The passage is shown on one line: the hint must not look like more diagnostics.
    passage = _clip(" ".join(near.passage.split()), 200)
    hint = (
        # Rounding never makes a near miss "100% similar" (one wrong character in 5,000).
        f"closest passage, {min(near.similarity, 99):.0f}% similar, at "
        f"{source.path}:{source.body_line + near.line - 1}:{near.column}: “{passage}”"
    )
    difference = _first_difference(normalize(quote), normalize(near.passage))
    if difference:
        hint += "\n" + difference
    if near.nfkc_only:
        names = [
            f"‘{char}’ {unicodedata.name(char, f'U+{ord(char):04X}')}"
            for char in dict.fromkeys(near.passage + quote)
            if unicodedata.normalize("NFKC", char) != char and not char.isspace()
        ]
        hint += (
            "\nthe quote matches only if compatibility characters are replaced by plain "
            f"ones ({', '.join(names[:3]) or 'ligatures or full-width letters'}): "
            "copy the article's own characters"
        )
    elif _HYPHEN_BREAK.search(near.passage):
        hint += (
            "\nthe article breaks a word across two lines with a hyphen here: quote it "
            "as printed, hyphen included, or end the quote before that word"
        )
    return hint


def _first_difference(quote: str, passage: str) -> str | None:
    """Where a quote first departs from the closest passage, in words a reader can act on
    ("the quote has ‘а’ (CYRILLIC SMALL LETTER A) where the article has ‘a’")."""
    # Both start at the same place, so the difference is past their common start:
    # difflib (quadratic) then only aligns a window around it, for a quote of any length.
    pairs = enumerate(zip(quote, passage, strict=False))
    same = next((i for i, (a, b) in pairs if a != b), min(len(quote), len(passage)))
    start = max(0, same - _DIFF_CONTEXT)
    window = same + 4 * _DIFF_CONTEXT
    matcher = difflib.SequenceMatcher(None, quote[start:window], passage[start:window], False)
    for tag, q1, q2, p1, p2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        q1, q2, p1, p2 = q1 + start, q2 + start, p1 + start, p2 + start
        # The passage was widened to whole words, so text only at its edges is context.
        if tag == "insert" and (q1 == 0 or q1 == len(quote)):
            continue
        ours, theirs = _shown(quote[q1:q2]), _shown(passage[p1:p2])
        before = " ".join(quote[:q1].split()[-3:])
        where = f"after “{_clip(before, 40)}”" if before else "at the start"
        if q1 > 200:  # in a long quote, a few words do not say where
            where += f" (character {q1 + 1} of the quote)"
        if tag == "replace":
            return f"first difference, {where}: the quote has {ours} where the article has {theirs}"
        if tag == "delete":
            return f"first difference, {where}: the quote has {ours}, which the article does not"
        return f"first difference, {where}: the article has {theirs}, which the quote does not"
    return None


_DIFF_CONTEXT = 100
"""Characters before the first difference that difflib also aligns (four times as many
after it), so a moved word is still seen as one."""


def _shown(fragment: str) -> str:
    """A fragment in quotes; a single unusual character also by its Unicode name."""
    clipped = _clip(fragment, 30)
    if len(fragment) == 1 and not fragment.isascii():
        name = unicodedata.name(fragment, f"U+{ord(fragment):04X}")
        return f"‘{clipped}’ ({name})"
    return f"‘{clipped}’"


def _source_advice(cited: str, known: set[str]) -> str:
    """A "did you mean", or how sources are cited when the reference looks like a path."""
    stem = cited.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".txt")
    if stem != cited:
        suggestion = f" (did you mean '{stem}'?)" if stem in known else ""
        return (
            f": cite a source by its id, the file name in sources/ without '.txt', "
            f"never by a path{suggestion}"
        )
    return did_you_mean(cited, known)
