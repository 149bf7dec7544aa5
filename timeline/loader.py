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

import gc
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from timeline.dates import EdtfDate, EdtfError, parse_edtf
from timeline.diagnostics import DatasetError, Diagnostic, Severity
from timeline.model import Dataset, Event, Quote, Source, SourceKind, Span, Status, Theme
from timeline.provenance import ArticleText, Match
from timeline.strictyaml import Located, YMap, YSeq, YValue, did_you_mean, parse_strict
from timeline.text import INVISIBLE_NAMES, invisible_characters, normalize

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MIN_QUOTE_LENGTH",
    "Loaded",
    "bundled_dataset_path",
    "load_dataset",
    "resolve_dataset",
]

DEFAULT_MAX_BYTES = 1 << 30
"""The largest events file read (1 GiB, about a million events); raise it with the
`TIMELINE_MAX_BYTES` environment variable."""
MAX_SOURCE_BYTES = 64 << 20
"""The largest article read: 64 MiB is far beyond any news article."""
MIN_QUOTE_LENGTH = 40
"""Shorter quotes get a warning (unless they are a whole line of the article)."""
MAX_ID_LENGTH = 200

ProgressCallback = Callable[[float], None]
"""Called now and then with the fraction of the work done, from 0.0 to 1.0."""

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


@dataclass(frozen=True, slots=True)
class Loaded:
    """A dataset that loaded, with the warnings found on the way."""

    dataset: Dataset
    warnings: tuple[Diagnostic, ...]


def bundled_dataset_path() -> Path:
    """The folder of the bundled Japan–U.S. dataset, inside the installed package."""
    return Path(__file__).resolve().parent / "data"


def resolve_dataset(path: str | Path | None) -> tuple[Path, Path]:
    """The dataset folder and its events file, for a folder, an events file, or None
    (the bundled dataset). Nothing is checked here; `load_dataset` reports problems."""
    if path is None:
        root = bundled_dataset_path()
        return root, root / "events.yaml"
    given = Path(path)
    if given.is_dir():
        return given, given / "events.yaml"
    return given.parent, given


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
    # Loading builds millions of small objects and frees none: collection passes would
    # only rescan them (pausing gc makes a large load about 3x faster).
    was_enabled = gc.isenabled()
    gc.disable()
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
                f"unexpected {type(exc).__name__} while loading: {exc}",
            )
        )
        dataset = None
    finally:
        if was_enabled:
            gc.enable()
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


def _max_bytes(given: int | None) -> int:
    if given is not None:
        return given
    configured = os.environ.get("TIMELINE_MAX_BYTES", "")
    return int(configured) if configured.isdigit() else DEFAULT_MAX_BYTES


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
        self.file = str(events_file)
        self.diagnostics = diagnostics
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
            self.error(None, "missing-file", f"no such file: {path}", file=file)
            return None
        except (OSError, ValueError) as exc:
            self.error(None, "read-error", f"cannot read {path}: {exc}", file=file)
            return None
        if not stat.S_ISREG(info.st_mode):
            # Opening a FIFO or a device could block forever: never open one.
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            self.error(None, "not-a-file", f"{path} is {what}", file=file)
            return None
        if info.st_size > limit:
            self.error(
                None,
                "too-large",
                f"{path} is {info.st_size:,} bytes, over the limit of {limit:,}"
                " (raise it with TIMELINE_MAX_BYTES)",
                file=file,
            )
            return None
        try:
            data = path.read_bytes()[: limit + 1]
        except OSError as exc:
            self.error(None, "read-error", f"cannot read {path}: {exc}", file=file)
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
        size = max(len(text), 1)
        root = parse_strict(
            text,
            self.file,
            self.diagnostics,
            progress=lambda offset: self._progress(0.7 * offset / size),
        )
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
        if "version" in root.items and version != "1":
            self.error(
                root.value_at["version"],
                "bad-version",
                f"unsupported version {version!r}: this tool reads version 1",
            )
        themes = self.themes(root)
        sources = self.sources()
        self._progress(0.75)
        events = self.events(root, {t.id for t in themes}, sources)
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
            if key not in allowed:
                self.error(
                    node.key_at[key],
                    "unknown-key",
                    f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}",
                    file=file,
                )
        for key in required:
            if key not in node.key_at:
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
            if not isinstance(item, str) or not item.strip():
                self.error(
                    item_at,
                    "wrong-type",
                    f"each of '{key}' of {what} must be non-empty text, not {_kind(item)}",
                )
                continue
            found.append((item, item_at))
        return found

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
                except (OSError, RuntimeError) as exc:
                    self.error(
                        None,
                        "source-path",
                        f"{entry.name} is a broken link or a link loop ({exc})",
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
        text = self.read_text(path, file, MAX_SOURCE_BYTES)
        if text is None:
            return None
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
            try:
                kind = SourceKind(fields["kind"])
            except ValueError:
                choices = [k.value for k in SourceKind]
                self.error(
                    node.value_at["kind"],
                    "bad-value",
                    f"kind {fields['kind']!r} is not one of {', '.join(choices)}"
                    f"{did_you_mean(fields['kind'], choices)}",
                    file=file,
                )
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
        try:
            return parse_edtf(value)
        except EdtfError as exc:
            self.error(
                at,
                "bad-date",
                f"{exc} (use EDTF: 2023-01-13, 2023-05, 2024, "
                "2023-05-19/2023-05-21, 2024-04-10/..)",
                file=file,
            )
            return None

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
        for number, (item, at) in enumerate(zip(node.items, node.item_at, strict=True), 1):
            if not number & 0x3FF:
                self._progress(0.75 + 0.25 * number / total)
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
        raw_id = node.items.get("id")
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
            try:
                status = Status(status_text)
            except ValueError:
                choices = [s.value for s in Status]
                self.error(
                    node.value_at["status"],
                    "bad-value",
                    f"status {status_text!r} of {what} is not one of "
                    f"{', '.join(choices)}{did_you_mean(status_text, choices)}",
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
        return Event(
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

    def _errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

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
                "wrong-type" if value is not None else "empty-value",
                f"'sources' of {what} must be a list of {{source, quote}} with at least one entry",
            )
            return []
        quotes = []
        for item, item_at in zip(value.items, value.item_at, strict=True):
            if not isinstance(item, YMap):
                self.error(
                    item_at,
                    "wrong-type",
                    f"each of 'sources' of {what} must be a mapping of source "
                    f"and quote, not {_kind(item)}",
                )
                continue
            self.check_keys(item, _CITATION_KEYS, _CITATION_KEYS, f"a citation of {what}")
            source_id = self.text_field(item, "source", f"a citation of {what}")
            if "quote" not in item.key_at:
                continue
            quote_at = item.value_at.get("quote", item.key_at["quote"])
            quote_text = item.items.get("quote")
            if isinstance(quote_text, YMap | YSeq):
                self.error(
                    quote_at,
                    "wrong-type",
                    f"the quote of a citation of {what} must be text, not {_kind(quote_text)}",
                )
                continue
            if quote_text is None or not normalize(quote_text):
                self.error(quote_at, "quote-empty", f"a quote of {what} is empty")
                continue
            if source_id is None:
                continue
            if source_id not in sources:
                self.error(
                    item.value_at["source"],
                    "unknown-source",
                    f"{what} cites source '{source_id[:80]}', which is not in "
                    f"sources/{did_you_mean(source_id, set(sources))}",
                )
                continue
            quote = self.quote(quote_text, quote_at, what, *sources[source_id])
            if quote is not None:
                quotes.append(quote)
        return quotes

    def quote(
        self, text: str, at: Located, what: str, source: Source, article: ArticleText
    ) -> Quote | None:
        """Find one quote in its article; report it if it is not there."""
        for offset, name in invisible_characters(text)[:3]:
            self.warn(
                at,
                "invisible-char",
                f"a quote of {what} contains {name} at character {offset + 1}: "
                "it can hide or reorder text",
            )
        match = article.find(text)
        if match is None:
            hint = None
            near = article.nearest(text)
            if near is not None:
                passage = near.passage if len(near.passage) <= 200 else near.passage[:197] + "…"
                hint = (
                    f"closest passage, {near.similarity:.0f}% similar, at "
                    f"{source.path}:{source.body_line + near.line - 1}:{near.column}: "
                    f"“{passage}”"
                )
                if near.nfkc_only:
                    hint = (
                        "it matches only after NFKC compatibility folding (ligatures, "
                        "full-width or other compatibility characters differ); " + hint
                    )
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
        if len(normalize(text)) < MIN_QUOTE_LENGTH and not _whole_line(article.text, match):
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


def _at(node: YValue) -> Located | None:
    return node.at if isinstance(node, YMap | YSeq) else None


def _kind(value: object) -> str:
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YSeq):
        return "a list"
    if value is None:
        return "nothing"
    return "text"


# Kept for the invisible-character check's docs: which characters are flagged.
FLAGGED_CHARACTERS = INVISIBLE_NAMES
