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
from pathlib import Path
from typing import Literal, TypeVar

from timeline.dates import EdtfDate, EdtfError, parse_edtf
from timeline.diagnostics import DatasetError, Diagnostic, Severity
from timeline.gcpause import paused_gc
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
from timeline.provenance import ArticleText, Match, NearMiss
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
memory: an article takes 2-8 bytes per character, its text and its matching form (the
offset map back from it is a few entries per paragraph). A million generated events
cite 10,000 articles, 120 MB."""
MIN_QUOTE_LENGTH = 40
"""Shorter quotes get a warning (unless they are a whole line of the article)."""
MAX_ID_LENGTH = 200
HINT_BUDGET = 10_000_000_000
"""Characters compared, over one load, to find the closest passage to quotes that are
not found (about 2-3 s of work); past it, errors carry no hint. The bundled dataset
would use under 0.1%."""

_Choice = TypeVar("_Choice", SourceKind, Status)

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_TOP_KEYS = ("version", "themes", "events")
_THEME_KEYS = ("label", "description")
_EVENT_KEYS = (
    "id",
    "date",
    "title",
    "summary",
    "themes",
    "actors",
    "places",
    "status",
    "date_basis",
    "sources",
)
_EVENT_REQUIRED = ("id", "date", "title", "summary", "themes", "status", "sources")
_EVENT_KEY_SET = frozenset(_EVENT_KEYS)
_EVENT_REQUIRED_SET = frozenset(_EVENT_REQUIRED)
_ID_MATCH = _ID.match
_STATUS_BY_VALUE = {status.value: status for status in Status}
_CITATION_KEYS = ("source", "quote")
_SOURCE_KEYS = (
    "id",
    "title",
    "outlet",
    "published",
    "published_basis",
    "kind",
    "byline",
    "credit",
    "origin",
    "notes",
)
_SOURCE_REQUIRED = ("id", "title", "outlet", "published", "kind")


def load_dataset(
    path: str | Path | None = None,
    *,
    progress: ProgressCallback | None = None,
    max_bytes: int | None = None,
) -> Loaded:
    """Load and verify a dataset folder (or an `events.yaml` file inside one).

    Raises:
        DatasetError: with every diagnostic found, when any of them is an error.
    """
    root, events_file = resolve_dataset(path)
    diagnostics: list[Diagnostic] = []
    # Loading builds millions of small objects and frees none (see `timeline.gcpause`).
    with paused_gc():
        try:
            dataset = _Loader(root, events_file, diagnostics, progress, max_bytes).load()
        except Exception as exc:  # the promise: nothing but DatasetError escapes
            diagnostics.append(
                Diagnostic(
                    str(events_file),
                    1,
                    1,
                    Severity.ERROR,
                    "internal",
                    f"unexpected {type(exc).__name__} while loading: {exc} (a bug in timeline, "
                    "not in your data: please report it with the dataset)",
                )
            )
            dataset = None
    if dataset is None or any(d.severity is Severity.ERROR for d in diagnostics):
        if not any(d.severity is Severity.ERROR for d in diagnostics):
            diagnostics.append(
                Diagnostic(
                    str(events_file),
                    1,
                    1,
                    Severity.ERROR,
                    "internal",
                    "the dataset could not be built",
                )
            )
        raise DatasetError(_in_order(diagnostics))
    return Loaded(dataset, tuple(_in_order(diagnostics)))


def _in_order(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    # Files in the order met, then by position, so output reads top to bottom.
    files = {d.file: i for i, d in reversed(list(enumerate(diagnostics)))}
    return sorted(diagnostics, key=lambda d: (files[d.file], d.line, d.column))


class _Loader:
    """One load: the state shared by the steps, and the diagnostics they add."""

    def __init__(
        self,
        root: Path,
        events_file: Path,
        diagnostics: list[Diagnostic],
        progress: ProgressCallback | None,
        max_bytes: int | None,
    ) -> None:
        self.root = root
        self.events_file = events_file
        # Ids (file stems) of sources/ files that exist but could not be loaded: their
        # own diagnostics say why, so citing them is not reported again as unknown.
        self.broken_sources: set[str] = set()
        self._counted = 0
        self._error_total = 0
        # Near-miss hints cost (quote probe x article) comparisons each; a hostile file
        # of long wrong quotes against a huge article must not stall the load.
        self._hint_budget = HINT_BUDGET
        self._source_chars = 0
        # Parsed dates by their text: a large file repeats each date many times, and an
        # EdtfDate is immutable, so the events can share one.
        self._dates: dict[str, EdtfDate] = {}
        # Events built while the file is parsed (by index in `events`), each with where
        # its id stands; and what that needs: the articles, and the theme ids.
        self._early: dict[int, tuple[Event, Located]] = {}
        self._early_sources: dict[str, tuple[Source, ArticleText]] | None = None
        self._early_themes: tuple[YValue, set[str]] = (None, set())
        self.file = str(events_file)
        self.diagnostics = diagnostics
        self._all_diagnostics = diagnostics
        self.progress = progress
        self.max_bytes = _max_bytes(max_bytes)

    # -- reporting -------------------------------------------------------------------

    def report(
        self,
        severity: Severity,
        at: Located | None,
        code: str,
        message: str,
        *,
        file: str | None = None,
        hint: str | None = None,
    ) -> None:
        """Add a diagnostic (at 1:1 when no position is known)."""
        line, column = (at.line, at.column) if at is not None else (1, 1)
        self.diagnostics.append(
            Diagnostic(file or self.file, line, column, severity, code, message, hint)
        )

    def error(self, at: Located | None, code: str, message: str, **kw: str | None) -> None:
        """Add an error."""
        self.report(Severity.ERROR, at, code, message, **kw)

    def warn(self, at: Located | None, code: str, message: str, **kw: str | None) -> None:
        """Add a warning."""
        self.report(Severity.WARNING, at, code, message, **kw)

    def _progress(self, fraction: float) -> None:
        if self.progress is not None:
            self.progress(min(max(fraction, 0.0), 1.0))

    # -- files -----------------------------------------------------------------------

    def read_text(self, path: Path, file: str, limit: int) -> str | None:
        """A regular file's text as strict UTF-8, or None after reporting why not."""
        try:
            info = path.stat()
        except FileNotFoundError:
            message = f"no such file: {path}"
            if path == self.events_file and _is_dir(path.parent):
                message = (
                    f"no events file: {path} does not exist (a dataset is a folder "
                    "holding events.yaml and sources/)"
                )
            self.error(None, "missing-file", message, file=file)
            return None
        except (OSError, ValueError) as exc:
            self.error(None, "read-error", f"cannot read {path}: {_reason(exc)}", file=file)
            return None
        if not stat.S_ISREG(info.st_mode):
            # Opening a FIFO or a device could block forever: never open one.
            self.error(None, "not-a-file", f"{path} is {_file_kind(info.st_mode)}", file=file)
            return None
        if info.st_size > limit:
            self.error(None, "too-large", _too_large(path, info.st_size, limit), file=file)
            return None
        try:
            # O_NONBLOCK, and the type checked again on the open file: if the path was
            # swapped for a FIFO after the check above, opening must still not block.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
            with open(fd, "rb") as handle:
                opened = os.fstat(handle.fileno())
                if not stat.S_ISREG(opened.st_mode):
                    what = _file_kind(opened.st_mode)
                    self.error(None, "not-a-file", f"{path} is {what}", file=file)
                    return None
                data = handle.read(limit + 1)
        except (OSError, ValueError) as exc:
            self.error(None, "read-error", f"cannot read {path}: {_reason(exc)}", file=file)
            return None
        if len(data) > limit:
            # The file grew after it was measured.
            self.error(None, "too-large", _too_large(path, len(data), limit), file=file)
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            good = data[: exc.start].decode("utf-8-sig", errors="replace")
            line = good.count("\n") + 1
            column = len(good) - (good.rfind("\n") + 1) + 1
            self.error(
                Located(line, column),
                "encoding",
                f"the file is not UTF-8: byte 0x{data[exc.start]:02X} cannot be "
                "decoded (save the file as UTF-8)",
                file=file,
            )
            return None

    # -- the whole load --------------------------------------------------------------

    def load(self) -> Dataset | None:
        """Run every step; the dataset, or None when it could not be built at all."""
        text = self.read_text(self.events_file, self.file, self.max_bytes)
        if text is None:
            return None
        self._progress(0.0)
        # The articles are read first, so that each event can be checked as soon as it
        # is parsed, while its nodes are still in the CPU's cache (walking the finished
        # tree of a large file afterwards was a third of the load). Their diagnostics
        # wait, and join the others where they always stood: after the top-level checks.
        source_diagnostics: list[Diagnostic] = []
        self.diagnostics = source_diagnostics
        try:
            sources = self.sources()
        finally:
            self.diagnostics = diagnostics = self._all_diagnostics
        self._early_sources = sources
        size = max(len(text), 1)
        root = parse_strict(
            text,
            self.file,
            diagnostics,
            progress=lambda offset: self._progress(0.7 * offset / size),
            on_item=("events", self._early_event),
        )
        # The file's text (2 GB for a million events) is not needed past the parse.
        del text
        if root is None:
            if not self.diagnostics:
                self.error(
                    None,
                    "empty",
                    "the file is empty: a dataset is a mapping with version, themes and events",
                )
            return None
        if not isinstance(root, YMap):
            self.error(
                _at(root),
                "wrong-type",
                f"the top level must be a mapping (version, themes, events), not {_kind(root)}",
            )
            return None
        self.check_keys(root, _TOP_KEYS, ("version", "themes", "events"), "the dataset")
        version = root.items.get("version")
        if isinstance(version, YMap | YSeq):
            self.error(
                root.value_at["version"],
                "wrong-type",
                f"'version' must be text (\"1\"), not {_kind(version)}",
            )
        elif "version" in root.items and version != "1":
            self.error(
                root.value_at["version"],
                "bad-version",
                f"unsupported version '{_clip(version or '')}': this tool reads version 1",
            )
        themes = self.themes(root)
        diagnostics.extend(source_diagnostics)
        self._progress(0.75)
        declared = root.items.get("themes")
        theme_ids = set(declared.key_at) if isinstance(declared, YMap) else set()
        events = self.events(root, theme_ids | {t.id for t in themes}, sources)
        self._progress(1.0)
        return Dataset(
            str(self.root),
            tuple(themes),
            tuple(source for source, _ in sources.values()),
            tuple(events),
        )

    # -- schema helpers --------------------------------------------------------------

    def check_keys(
        self,
        node: YMap,
        allowed: tuple[str, ...],
        required: tuple[str, ...],
        what: str,
        file: str | None = None,
    ) -> None:
        """Report unknown keys (with a suggestion) and missing required ones."""
        for key in node.key_at:
            if key == "<<":
                self.error(
                    node.key_at[key],
                    "unknown-key",
                    f"merge keys ('<<') are not allowed in {what}: write each key out",
                    file=file,
                )
            elif key not in allowed:
                self.error(
                    node.key_at[key],
                    "unknown-key",
                    f"unknown key '{_clip(key)}' in {what}{did_you_mean(key, allowed)}",
                    file=file,
                )
        for key in required:
            if key not in node.key_at and "<<" not in node.key_at:
                self.error(node.at, "missing-key", f"{what} has no '{key}'", file=file)

    def text_field(
        self, node: YMap, key: str, what: str, *, required: bool = True, file: str | None = None
    ) -> str | None:
        """A string field: None (reported if required) when absent, empty or not text."""
        if key not in node.key_at:
            return None  # check_keys reported it
        value = node.items.get(key)
        at = node.value_at.get(key, node.key_at[key])
        if isinstance(value, YMap | YSeq):
            self.error(
                at, "wrong-type", f"'{key}' of {what} must be text, not {_kind(value)}", file=file
            )
            return None
        if value is None or not value.strip():
            if required:
                self.error(at, "empty-value", f"'{key}' of {what} is empty", file=file)
            return None
        return value

    def text_list(self, node: YMap, key: str, what: str) -> list[tuple[str, Located]]:
        """A list of strings with their positions; problems are reported and skipped."""
        if key not in node.key_at:
            return []
        value = node.items.get(key)
        at = node.value_at.get(key, node.key_at[key])
        if value is None:
            return []
        if not isinstance(value, YSeq):
            self.error(
                at,
                "wrong-type",
                f"'{key}' of {what} must be a list, not {_kind(value)}"
                + (f' (write ["{value}"])' if isinstance(value, str) else ""),
            )
            return []
        found: list[tuple[str, Located]] = []
        for item, item_at in zip(value.items, value.item_at, strict=True):
            if isinstance(item, str) and not item.strip():
                self.error(item_at, "empty-value", f"an entry of '{key}' of {what} is empty")
                continue
            if not isinstance(item, str):
                self.error(
                    item_at,
                    "wrong-type",
                    f"each of '{key}' of {what} must be text, not {_kind(item)}",
                )
                continue
            found.append((item, item_at))
        return found

    def choice(
        self,
        kind: type[_Choice],
        value: str,
        at: Located,
        named: str,
        file: str | None = None,
    ) -> _Choice | None:
        """`value` as a member of the string enum `kind`, or None after reporting that
        it is not one (`named` starts the message: "kind 'x'", "status 'x' of …")."""
        try:
            return kind(value)
        except ValueError:
            choices = [member.value for member in kind]
            self.error(
                at,
                "bad-value",
                f"{named} is not one of {', '.join(choices)}{did_you_mean(value, choices)}",
                file=file,
            )
            return None

    def check_id(self, value: str, at: Located, what: str, file: str | None = None) -> bool:
        """Whether `value` is a valid id (a slug); reports it if not."""
        if len(value) > MAX_ID_LENGTH or not _ID.match(value):
            self.error(
                at,
                "bad-id",
                f"{what} {value[:80]!r} is not a valid id: use letters, digits, "
                f"'.', '_' and '-', starting with a letter or digit, at most "
                f"{MAX_ID_LENGTH} characters",
                file=file,
            )
            return False
        return True

    # -- themes ----------------------------------------------------------------------

    def themes(self, root: YMap) -> list[Theme]:
        """The theme vocabulary."""
        node = root.items.get("themes")
        if "themes" not in root.key_at:
            return []
        if not isinstance(node, YMap):
            self.error(
                root.value_at.get("themes", root.key_at["themes"]),
                "wrong-type",
                f"'themes' must be a mapping of theme id to label and description, "
                f"not {_kind(node)}",
            )
            return []
        themes = []
        for theme_id, body in node.items.items():
            at = node.key_at[theme_id]
            ok = self.check_id(theme_id, at, "theme")
            what = f"theme '{theme_id}'"
            if not isinstance(body, YMap):
                self.error(
                    node.value_at.get(theme_id, at),
                    "wrong-type",
                    f"{what} must be a mapping with label and description, not {_kind(body)}",
                )
                continue
            self.check_keys(body, _THEME_KEYS, _THEME_KEYS, what)
            label = self.text_field(body, "label", what)
            description = self.text_field(body, "description", what)
            if ok and label is not None and description is not None:
                themes.append(Theme(theme_id, label, description))
        return themes

    # -- sources ---------------------------------------------------------------------

    def sources(self) -> dict[str, tuple[Source, ArticleText]]:
        """Every `sources/*.txt`, read safely, by id."""
        folder = self.root / "sources"
        found: dict[str, tuple[Source, ArticleText]] = {}
        if not folder.is_dir():
            return found
        try:
            real_folder = folder.resolve(strict=True)
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except (OSError, RuntimeError) as exc:
            self.error(None, "read-error", f"cannot list {folder}: {exc}", file=str(folder))
            return found
        for entry in entries:
            if not entry.name.endswith(".txt") or entry.name.startswith("."):
                continue
            path = folder / entry.name
            file = str(path)
            if entry.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except FileNotFoundError:
                    self.error(
                        None,
                        "source-path",
                        f"{entry.name} is a link to a file that does not exist",
                        file=file,
                    )
                    continue
                except (OSError, RuntimeError) as exc:
                    # Python 3.11 raises RuntimeError for a loop, 3.13 OSError(ELOOP).
                    looped = isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP
                    self.error(
                        None,
                        "source-path",
                        f"{entry.name} is a link that loops back on itself"
                        if looped
                        else f"{entry.name} is a link that cannot be followed: {_reason(exc)}",
                        file=file,
                    )
                    continue
                if not target.is_relative_to(real_folder):
                    self.error(
                        None,
                        "source-path",
                        f"{entry.name} links outside sources/ (to {target}); "
                        "sources must stay inside the dataset",
                        file=file,
                    )
                    continue
            loaded = self.source(path, file)
            if loaded is None:
                self.broken_sources.add(path.stem)
                continue
            source, _article = loaded
            if source.id in found:
                self.error(
                    None,
                    "duplicate-id",
                    f"source id '{source.id}' is also used by {found[source.id][0].path}",
                    file=file,
                )
                continue
            found[source.id] = loaded
        return found

    def source(self, path: Path, file: str) -> tuple[Source, ArticleText] | None:
        """One article: front matter checked, body kept verbatim."""
        if self._source_chars >= MAX_SOURCES_TOTAL_BYTES:
            self.error(
                None,
                "too-large",
                f"not read: the articles before it in sources/ already add up to over "
                f"{MAX_SOURCES_TOTAL_BYTES:,} bytes, the most one dataset may hold",
                file=file,
            )
            return None
        text = self.read_text(path, file, MAX_SOURCE_BYTES)
        if text is None:
            return None
        self._source_chars += len(text)
        lines = text.split("\n", 1)
        if lines[0].rstrip("\r") != "---":
            self.error(
                None,
                "front-matter",
                "a source starts with YAML front matter between '---' lines "
                "(id, title, outlet, published, kind)",
                file=file,
            )
            return None
        closing = re.search(r"^---\r?$", text[len(lines[0]) + 1 :], re.MULTILINE)
        if closing is None:
            self.error(
                Located(1, 1),
                "front-matter",
                "the front matter is never closed by a '---' line",
                file=file,
            )
            return None
        front_start = len(lines[0]) + 1
        front = text[front_start : front_start + closing.start()]
        body_start = front_start + closing.end()
        if text.startswith("\r\n", body_start):
            body_start += 2
        elif text.startswith("\n", body_start):
            body_start += 1
        body_line = text.count("\n", 0, body_start) + 1
        body = text[body_start:]
        node = parse_strict(front, file, self.diagnostics, line_offset=1)
        if not isinstance(node, YMap):
            if node is not None or not any(d.file == file for d in self.diagnostics):
                self.error(
                    Located(2, 1),
                    "front-matter",
                    "the front matter must be a mapping of id, title, outlet, published and kind",
                    file=file,
                )
            return None
        what = "the source"
        self.check_keys(node, _SOURCE_KEYS, _SOURCE_REQUIRED, what, file=file)
        fields = {
            key: self.text_field(node, key, what, required=key in _SOURCE_REQUIRED, file=file)
            for key in _SOURCE_KEYS
        }
        source_id = fields["id"]
        if source_id is not None:
            at = node.value_at["id"]
            if not self.check_id(source_id, at, "source id", file=file):
                return None
            if source_id != path.stem:
                self.error(
                    at,
                    "source-id",
                    f"the id '{source_id}' must match the file name '{path.stem}.txt'",
                    file=file,
                )
                return None
        published = None
        if fields["published"] is not None:
            published = self.date(node.value_at["published"], fields["published"], file)
        kind = None
        if fields["kind"] is not None:
            text = fields["kind"]
            kind = self.choice(SourceKind, text, node.value_at["kind"], f"kind {text!r}", file)
        if None in (source_id, fields["title"], fields["outlet"], published, kind):
            return None
        assert source_id is not None and published is not None and kind is not None
        relative = f"sources/{path.name}"
        source = Source(
            id=source_id,
            title=fields["title"] or "",
            outlet=fields["outlet"] or "",
            published=published,
            published_basis=fields["published_basis"],
            kind=kind,
            byline=fields["byline"],
            credit=fields["credit"],
            path=relative,
            text=body,
            body_line=body_line,
            origin=fields["origin"],
            notes=fields["notes"],
        )
        return source, ArticleText(body)

    def date(self, at: Located, value: str, file: str | None = None) -> EdtfDate | None:
        """An EDTF date, or None after reporting why it is not one."""
        cached = self._dates.get(value)
        if cached is not None:
            return cached
        try:
            date = parse_edtf(value)
        except EdtfError as exc:
            self.error(
                at,
                "bad-date",
                f"{exc} (use EDTF: 2023-01-13, 2023-05, 2024, "
                "2023-05-19/2023-05-21, 2024-04-10/..)",
                file=file,
            )
            return None
        self._dates[value] = date
        return date

    # -- events ----------------------------------------------------------------------

    def events(
        self, root: YMap, theme_ids: set[str], sources: dict[str, tuple[Source, ArticleText]]
    ) -> list[Event]:
        """Every event, checked field by field, with its quotes found in their articles."""
        if "events" not in root.key_at:
            return []
        node = root.items.get("events")
        if node is None:
            return []
        if not isinstance(node, YSeq):
            self.error(
                root.value_at.get("events", root.key_at["events"]),
                "wrong-type",
                f"'events' must be a list, not {_kind(node)}",
            )
            return []
        events: list[Event] = []
        first_at: dict[str, Located] = {}
        total = max(len(node.items), 1)
        early = self._early
        for number, (item, at) in enumerate(zip(node.items, node.item_at, strict=True), 1):
            if not number & 0x3FF:
                self._progress(0.75 + 0.25 * number / total)
            built = early.get(number - 1)
            if built is not None:
                ready, id_at = built
                if ready.id in first_at:
                    line = first_at[ready.id].line
                    self.error(
                        id_at,
                        "duplicate-id",
                        f"event id '{ready.id}' is already used at line {line}",
                    )
                    continue
                first_at[ready.id] = id_at
                events.append(ready)
                continue
            if not isinstance(item, YMap):
                self.error(at, "wrong-type", f"event {number} must be a mapping, not {_kind(item)}")
                continue
            event = self.event(item, number, theme_ids, sources)
            if event is None:
                continue
            if event.id in first_at:
                self.error(
                    item.value_at["id"],
                    "duplicate-id",
                    f"event id '{event.id}' is already used at line {first_at[event.id].line}",
                )
                continue
            first_at[event.id] = item.value_at["id"]
            events.append(event)
        return events

    def event(
        self,
        node: YMap,
        number: int,
        theme_ids: set[str],
        sources: dict[str, tuple[Source, ArticleText]],
    ) -> Event | None:
        """One event, or None when an error in it was reported."""
        items = node.items
        keys = node.key_at.keys()
        # The common case first: every key known, every required one there, and each
        # field of the right type. It reports nothing before the quotes, so when any
        # check fails the full checks below run from the start and say what is wrong.
        if keys <= _EVENT_KEY_SET and keys >= _EVENT_REQUIRED_SET:
            event = self._valid_event(node, items, theme_ids, sources)
            if event is not False:
                return event
        raw_id = items.get("id")
        what = f"event '{raw_id}'" if isinstance(raw_id, str) else f"event {number}"
        errors_before = self._errors()
        self.check_keys(node, _EVENT_KEYS, _EVENT_REQUIRED, what)
        event_id = self.text_field(node, "id", what)
        if event_id is not None:
            self.check_id(event_id, node.value_at["id"], "event id")
        date_text = self.text_field(node, "date", what)
        date = self.date(node.value_at["date"], date_text) if date_text is not None else None
        title = self.text_field(node, "title", what)
        summary = self.text_field(node, "summary", what)
        date_basis = self.text_field(node, "date_basis", what, required=False)
        status = None
        status_text = self.text_field(node, "status", what)
        if status_text is not None:
            status = self.choice(
                Status, status_text, node.value_at["status"], f"status {status_text!r} of {what}"
            )
        themes = []
        for theme, at in self.text_list(node, "themes", what):
            if theme not in theme_ids:
                self.error(
                    at,
                    "unknown-theme",
                    f"{what} has theme '{theme}', which is not in 'themes'"
                    f"{did_you_mean(theme, theme_ids)}",
                )
            themes.append(theme)
        actors = [actor for actor, _ in self.text_list(node, "actors", what)]
        places = [place for place, _ in self.text_list(node, "places", what)]
        quotes = self.quotes(node, what, sources)
        if self._errors() > errors_before:
            return None
        assert event_id and date and title and summary and status
        return Event.new(
            id=event_id,
            date=date,
            title=title,
            summary=summary,
            themes=tuple(themes),
            actors=tuple(actors),
            places=tuple(places),
            status=status,
            date_basis=date_basis,
            quotes=tuple(quotes),
        )

    def _early_event(self, root: YMap, node: YMap, index: int) -> bool:
        """Build an event as soon as it is parsed, if it is valid (reporting nothing);
        whether it was built. `events` checks the others once the parse is over."""
        sources = self._early_sources
        if sources is None:
            return False
        keys = node.key_at.keys()
        if not (keys <= _EVENT_KEY_SET and keys >= _EVENT_REQUIRED_SET):
            return False
        # The theme ids as `load` finds them: the keys of `themes`, when it comes first.
        declared = root.items.get("themes")
        if declared is not self._early_themes[0]:
            ids = set(declared.key_at) if isinstance(declared, YMap) else set()
            self._early_themes = (declared, ids)
        event = self._valid_event(node, node.items, self._early_themes[1], sources, early=True)
        if not event:
            return False
        self._early[index] = (event, node.value_at["id"])
        return True

    def _valid_event(
        self,
        node: YMap,
        items: dict[str, YValue],
        theme_ids: set[str],
        sources: dict[str, tuple[Source, ArticleText]],
        *,
        early: bool = False,
    ) -> Event | Literal[False] | None:
        """`event` for an event whose fields all pass their checks; False (having
        reported nothing) as soon as one does not. With `early`, also False for a
        citation that would need its full checks, so nothing is ever reported."""
        event_id = items.get("id")
        if type(event_id) is not str or len(event_id) > MAX_ID_LENGTH or not _ID_MATCH(event_id):
            return False
        date_text = items.get("date")
        if type(date_text) is not str:
            return False
        date = self._dates.get(date_text)
        if date is None:
            if not date_text.strip():
                return False
            try:
                date = parse_edtf(date_text)
            except EdtfError:
                return False
            self._dates[date_text] = date
        title = items.get("title")
        summary = items.get("summary")
        if type(title) is not str or type(summary) is not str:
            return False
        if not title.strip() or not summary.strip():
            return False
        status_text = items.get("status")
        if type(status_text) is not str:
            return False
        status = _STATUS_BY_VALUE.get(status_text)
        if status is None:
            return False
        date_basis = items.get("date_basis")
        if date_basis is not None:
            if type(date_basis) is not str:
                return False
            if not date_basis.strip():
                date_basis = None
        lists: list[tuple[str, ...]] = []
        for key in ("themes", "actors", "places"):
            value = items.get(key)
            if value is None:
                lists.append(())
                continue
            if type(value) is not YSeq:
                return False
            entries = value.items
            for entry in entries:
                if type(entry) is not str or not entry.strip():
                    return False
            if key == "themes" and not theme_ids.issuperset(entries):
                return False
            lists.append(tuple(entries))  # type: ignore[arg-type]
        cites = items.get("sources")
        if type(cites) is not YSeq or not cites.items:
            return False
        diagnostics = self.diagnostics
        reported = len(diagnostics)
        quotes = []
        what = None
        for item, item_at in zip(cites.items, cites.item_at, strict=True):
            # A plain citation of a known source, whose quote is there once, long
            # enough and free of invisible characters, is built here; anything else
            # goes through `citation`, which reports what it finds.
            if type(item) is YMap and len(item.key_at) == 2:
                fields = item.items
                text = fields.get("quote")
                source_id = fields.get("source")
                cited = sources.get(source_id) if type(source_id) is str else None
                if (
                    cited is not None
                    and type(text) is str
                    and (text.isascii() or not invisible_characters(text))
                ):
                    needle = normalize(text)
                    source, article = cited
                    found = article.locate(needle)
                    if found is not None and found[4] == 1 and len(needle) >= MIN_QUOTE_LENGTH:
                        start, end, line, column, _ = found
                        span = Span(start, end, source.body_line + line - 1, column)
                        quotes.append(Quote(source.id, text, span))
                        continue
            if early:
                return False
            if what is None:
                what = f"event '{event_id}'"
            quote = self.citation(item, item_at, what, f"a citation of {what}", sources)
            if quote is not None:
                quotes.append(quote)
        if len(diagnostics) > reported and any(
            d.severity is Severity.ERROR for d in diagnostics[reported:]
        ):
            return None
        return Event.new(
            id=event_id,
            date=date,
            title=title,
            summary=summary,
            themes=lists[0],
            actors=lists[1],
            places=lists[2],
            status=status,
            date_basis=date_basis,
            quotes=tuple(quotes),
        )

    def _errors(self) -> int:
        # Counted incrementally: recounting the whole list per event made a large file
        # full of errors quadratic (20,000 bad events took 45 s).
        fresh = self.diagnostics[self._counted :]
        self._error_total += sum(1 for d in fresh if d.severity is Severity.ERROR)
        self._counted = len(self.diagnostics)
        return self._error_total

    def quotes(
        self, node: YMap, what: str, sources: dict[str, tuple[Source, ArticleText]]
    ) -> list[Quote]:
        """An event's citations, each quote found in its article (or reported)."""
        if "sources" not in node.key_at:
            return []
        value = node.items.get("sources")
        at = node.value_at.get("sources", node.key_at["sources"])
        if not isinstance(value, YSeq) or not value.items:
            self.error(
                at,
                "wrong-type" if isinstance(value, YMap | str) else "empty-value",
                f"'sources' of {what} must be a list of {{source, quote}} with at least one entry",
            )
            return []
        quotes = []
        citation = f"a citation of {what}"  # made once: it is only read in messages
        for item, item_at in zip(value.items, value.item_at, strict=True):
            quote = self.citation(item, item_at, what, citation, sources)
            if quote is not None:
                quotes.append(quote)
        return quotes

    def citation(
        self,
        item: YValue,
        item_at: Located,
        what: str,
        citation: str,
        sources: dict[str, tuple[Source, ArticleText]],
    ) -> Quote | None:
        """One entry of an event's `sources`: its quote found in its article, or None
        after reporting why not."""
        if not isinstance(item, YMap):
            self.error(
                item_at,
                "wrong-type",
                f"each of 'sources' of {what} must be a mapping of source "
                f"and quote, not {_kind(item)}",
            )
            return None
        keys = item.key_at
        if len(keys) != 2 or "source" not in keys or "quote" not in keys:
            # Exactly `source` and `quote` (nearly every citation) is nothing to report.
            self.check_keys(item, _CITATION_KEYS, _CITATION_KEYS, citation)
        source_id = self.text_field(item, "source", citation)
        if "quote" not in item.key_at:
            return None
        quote_at = item.value_at.get("quote", item.key_at["quote"])
        quote_text = item.items.get("quote")
        if isinstance(quote_text, YMap | YSeq):
            self.error(
                quote_at,
                "wrong-type",
                f"the quote of a citation of {what} must be text, not {_kind(quote_text)}",
            )
            return None
        # The matching form, made once: finding the quote and the length check use it.
        needle = normalize(quote_text) if quote_text is not None else ""
        if quote_text is None or not needle:
            self.error(quote_at, "quote-empty", f"a quote of {what} is empty")
            return None
        if source_id is None:
            return None
        cited = sources.get(source_id)
        if cited is None and source_id in self.broken_sources:
            return None  # the source's own errors are reported; this quote waits
        if cited is None:
            self.error(
                item.value_at["source"],
                "unknown-source",
                f"{what} cites source '{_clip(source_id)}', which is not in "
                f"sources/{_source_advice(source_id, set(sources))}",
            )
            return None
        return self.quote(quote_text, quote_at, what, *cited, needle=needle)

    def quote(
        self,
        text: str,
        at: Located,
        what: str,
        source: Source,
        article: ArticleText,
        *,
        needle: str | None = None,
    ) -> Quote | None:
        """Find one quote in its article; report it if it is not there.

        `needle` is the quote's matching form (`normalize(text)`) when the caller has it.
        """
        if needle is None:
            needle = normalize(text)
        for offset, name in invisible_characters(text)[:3]:
            self.warn(
                at,
                "invisible-char",
                f"a quote of {what} contains {name} at character {offset + 1}: "
                "it can hide or reorder text",
            )
        match = article.find_normalized(needle)
        if match is None:
            hint = None
            cost = article.search_cost(text)
            if cost > self._hint_budget:
                hint = (
                    "no closest passage shown: so many quotes are not found that searching "
                    "for each would take too long"
                )
            else:
                self._hint_budget -= cost
                near = article.nearest(text)
                if near is not None:
                    hint = _near_miss_hint(text, near, source)
            self.error(
                at,
                "quote-not-found",
                f"a quote of {what} is not in {source.path}; quotes must be verbatim",
                hint=hint,
            )
            return None
        if match.occurrences > 1:
            self.warn(
                at,
                "quote-ambiguous",
                f"a quote of {what} occurs {match.occurrences} times in {source.path}; "
                "lengthen it so it points at one place (the first is used)",
            )
        if len(needle) < MIN_QUOTE_LENGTH and not _whole_line(article.text, match):
            self.warn(
                at,
                "quote-short",
                f"a quote of {what} is under {MIN_QUOTE_LENGTH} characters; longer "
                "quotes are unambiguous",
            )
        span = Span(match.start, match.end, source.body_line + match.line - 1, match.column)
        return Quote(source.id, text, span)


def _whole_line(text: str, match: Match) -> bool:
    """Whether the match is a whole line of the article (a headline, a soundbite)."""
    start, end = match.start, match.end
    before = text.rfind("\n", 0, start)
    after = text.find("\n", end)
    line = text[before + 1 : after if after != -1 else len(text)]
    return normalize(line) == normalize(text[start:end])


def _near_miss_hint(quote: str, near: NearMiss, source: Source) -> str:
    """Where the closest passage is and how it differs, for a quote that is not found."""
    # The passage is shown on one line: the hint must not look like more diagnostics.
    passage = _clip(" ".join(near.passage.split()), 200)
    hint = (
        f"closest passage, {near.similarity:.0f}% similar, at "
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
    if len(quote) > 2000 or len(passage) > 4000:
        return None  # difflib is quadratic; a hint is not worth a long wait
    matcher = difflib.SequenceMatcher(None, quote, passage, autojunk=False)
    for tag, q1, q2, p1, p2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # The passage was widened to whole words, so text only at its edges is context.
        if tag == "insert" and (q1 == 0 or q1 == len(quote)):
            continue
        ours, theirs = _shown(quote[q1:q2]), _shown(passage[p1:p2])
        before = " ".join(quote[:q1].split()[-3:])
        where = f"after “{_clip(before, 40)}”" if before else "at the start"
        if tag == "replace":
            return f"first difference, {where}: the quote has {ours} where the article has {theirs}"
        if tag == "delete":
            return f"first difference, {where}: the quote has {ours}, which the article does not"
        return f"first difference, {where}: the article has {theirs}, which the quote does not"
    return None


def _shown(fragment: str) -> str:
    """A fragment in quotes; a single unusual character also by its Unicode name."""
    clipped = _clip(fragment, 30)
    if len(fragment) == 1 and not fragment.isascii():
        name = unicodedata.name(fragment, f"U+{ord(fragment):04X}")
        return f"‘{clipped}’ ({name})"
    return f"‘{clipped}’"


_HYPHEN_BREAK = re.compile(r"\w[-\u00ad\u2010][ \t]*\r?\n\s*\w")


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


def _clip(text: str, limit: int = 80) -> str:
    """Text cut to `limit` characters (with an ellipsis), for quoting in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a regular file; it is never opened"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a regular file; it is never opened"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file; it is never opened"
    return "not a regular file"


def _too_large(path: Path, size: int, limit: int) -> str:
    return (
        f"{path} is {size:,} bytes, over the limit of {limit:,} bytes "
        "(raise it with the TIMELINE_MAX_BYTES environment variable)"
    )


def _reason(exc: BaseException) -> str:
    """An OS error's reason without the path it repeats."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def _at(node: YValue) -> Located | None:
    return node.at if isinstance(node, YMap | YSeq) else None


def _kind(value: object) -> str:
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YSeq):
        return "a list"
    if value is None:
        return "an empty value"
    return "text"
