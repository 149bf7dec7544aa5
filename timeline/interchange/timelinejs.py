"""Import a TimelineJS3 JSON file into a dataset folder (`events.yaml` + `sources/`).

The input is what Knight Lab's TimelineJS reads: a `title` slide, `events` (slides) and
`eras`, as its authoring tool and its Google Sheet template produce it. Date parts may be
numbers or strings and are often empty strings; text is HTML.

* HTML becomes plain text through the standard library's `html.parser`: tags are dropped
  (block tags become line breaks), entities are decoded, `<script>`/`<style>` bodies are
  discarded. Nothing is ever evaluated.
* Dates become EDTF at the precision given: a year alone is `2023`, a year and month
  `2023-05`, an empty or missing `end_date` means a single date, and an end gives an
  interval `2023-05-19/2023-05-21`. Times of day are dropped (the slide's date is kept).
* Each `group` becomes a theme; an event's group is its theme.
* Each event quotes its slide's line in a source made of the file (a line per slide)
  and, if the slide has one, its media caption (or a `<blockquote>` given as its media),
  which becomes a source of its own credited to the media credit: the dataset passes
  `timeline check`. Media with no quotable text (an image URL, a credit) is named in the
  notes of the file's source.

A slide exported by `timeline export --format timelinejs` also carries the event's own
fields in a `timeline` object (`export.timelinejs_document`); what of it is valid wins
over what the TimelineJS fields can say, so an export and import round trip keeps
qualifiers like `~` and every theme, not only the first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from timeline.atomic import new_folder, write_atomically
from timeline.dates import EdtfError, from_day_number, parse_edtf

__all__ = [
    "Conversion",
    "TimelineJSError",
    "convert",
    "html_to_text",
    "import_timelinejs",
    "write_dataset",
]

MAX_INPUT_BYTES = 50 * 1024 * 1024
"""A TimelineJS file larger than this is refused before parsing (no real one comes close)."""


class TimelineJSError(ValueError):
    """The input is not a TimelineJS3 document this importer can convert.

    The message says where (`events[3].start_date.year`, also in `where`) and why;
    `code` is the diagnostic code (`wrong-type`, `bad-date`, `encoding`, … as `timeline
    check` uses them, and `json-syntax`); `import_timelinejs` sets `line` and `column`
    (1-based) to where the value is in the JSON text.
    """

    def __init__(self, message: str, *, where: str = "", code: str = "wrong-type") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.code = code
        self.line = 1
        self.column = 1


# -- HTML to plain text --------------------------------------------------------------

_PARAGRAPH_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "div", "dl", "figcaption", "figure",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol",
        "p", "pre", "section", "table", "ul",
    }
)  # fmt: skip
_LINE, _PARAGRAPH = 1, 2
_BREAKS = dict.fromkeys(_PARAGRAPH_TAGS, _PARAGRAPH) | dict.fromkeys(
    ("br", "dd", "dt", "li", "tr"), _LINE
)
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "iframe", "object"})


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, with the line and paragraph breaks that
    its block tags imply. `<p/>` is read as `<p></p>` (HTMLParser's default): a second
    break in a row changes nothing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str | int] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BREAKS:
            self.parts.append(_BREAKS[tag])

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BREAKS and tag != "br":  # </br> is read as <br>; one break is enough
            self.parts.append(_BREAKS[tag])

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}\Z")
"""The loader's id rule: a letter or digit, then letters, digits, '.', '_' or '-'."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
"""HTML collapses ASCII white space only; a no-break space stays."""


def html_to_text(fragment: str) -> str:
    """Plain text from an HTML fragment: tags dropped, entities decoded, block tags as
    line or paragraph breaks (a blank line between paragraphs), white space collapsed as
    a browser would, control characters removed. Nothing in it is ever run or fetched."""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    out: list[str] = []
    pending = 0
    for part in parser.parts:
        if isinstance(part, int):
            pending = max(pending, part)
            continue
        text = _HTML_SPACE.sub(" ", _CONTROL.sub(" ", part))
        if pending:
            if not text.strip():
                continue  # white space between blocks is not content
            if out:
                out.append("\n" if pending == _LINE else "\n\n")
            pending = 0
            text = text.lstrip(" ")
        out.append(text)
    lines = [line.strip(" ") for line in "".join(out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _flat(text: str) -> str:
    """Text on one line: line breaks become spaces. Other white space was collapsed by
    `html_to_text` as HTML does, so a no-break space stays one."""
    return re.sub(r" *\n+ *", " ", text)


def _one_line(fragment: str) -> str:
    return _flat(html_to_text(fragment))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(document: object) -> str | None:
    """Where (`events[2].text.headline`) the first string holding a lone surrogate is,
    key or value; None if there is none."""
    stack: list[tuple[str, object]] = [("", document)]
    while stack:  # not recursive: a deep document cannot exhaust the stack
        where, value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return where
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                place = f"{where}.{key}" if where else key
                stack += [(place, item), (place, key)]
        elif isinstance(value, list):
            stack += reversed([(f"{where}[{n}]", item) for n, item in enumerate(value)])
    return None


# -- the conversion ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conversion:
    """A converted dataset, ready to write: `events.yaml` and each source file's text by
    its path relative to the dataset folder, with notes on what could not be kept."""

    events_yaml: str
    sources: Mapping[str, str]
    notes: tuple[str, ...] = ()


# libyaml's emitter when PyYAML has it: the pure-Python one is most of an import's time.
_SafeDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_SafeDumper):  # type: ignore[valid-type,misc]
    """Every string double-quoted (the loader reads every scalar as a string, and this
    keeps YAML 1.1 readers from seeing `NO` or `2023-01-13` as anything else), keys in
    the order given, and no anchors or aliases (the loader refuses them)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


_PLAIN_KEYS = frozenset(
    {
        "version", "themes", "events", "id", "date", "title", "summary", "actors", "places",
        "status", "date_basis", "sources", "source", "quote", "label", "description",
        "outlet", "published", "published_basis", "kind", "credit", "origin", "notes",
    }
)  # fmt: skip


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Field names are written plain, as people write them; every value is double-quoted.
    style = None if value in _PLAIN_KEYS else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _dump(value: object) -> str:
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100_000)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60].strip("-")


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _part(parts: Mapping[str, Any], key: str, where: str) -> int | None:
    """One date part as an int; None when missing or empty (the Sheet gives "")."""
    value, where = parts.get(key), f"{where}.{key}"
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise TimelineJSError(f"expected a number, got {type(value).__name__}", where=where)
    if isinstance(value, float) and not value.is_integer():
        raise _bad_date(f"{value!r} is not a whole number", where)
    try:
        return int(value) if isinstance(value, float) else int(str(value).strip())
    except ValueError:
        raise _bad_date(f"{str(value)[:40]!r} is not a number", where) from None


def _bad_date(message: str, where: str) -> TimelineJSError:
    return TimelineJSError(message, where=where, code="bad-date")


def _edtf_year(year: int) -> str:
    if -9999 <= year <= 9999:
        return f"-{abs(year):04d}" if year < 0 else f"{year:04d}"
    return f"Y{year}"


def _edtf_point(parts: object, where: str) -> str | None:
    """The EDTF text for TimelineJS date parts; None when no year is given."""
    if parts is None or parts == "" or parts == {}:
        return None
    if not isinstance(parts, Mapping):
        raise TimelineJSError("expected an object with year, month and day", where=where)
    year, month, day = (_part(parts, key, where) for key in ("year", "month", "day"))
    if year is None:
        if month is not None or day is not None:
            raise _bad_date("a month or day is given without a year", where)
        return None
    if month is None and day is not None:
        raise _bad_date("a day is given without a month", where)
    if month is not None and not 1 <= month <= 12:
        raise _bad_date(f"{month} is not a month (1–12)", f"{where}.month")
    text = _edtf_year(year)
    if month is not None:
        if abs(year) > 9999:
            raise _bad_date("a year beyond ±9999 cannot have a month", where)
        text += f"-{month:02d}"
        if day is not None:
            text += f"-{day:02d}"
    return text


def _edtf(slide: Mapping[str, Any], where: str) -> str:
    at = f"{where}.start_date"
    start = _edtf_point(slide.get("start_date"), at)
    if start is None:
        raise TimelineJSError(
            "a slide needs a start date with a year", where=at, code="missing-key"
        )
    end = _edtf_point(slide.get("end_date"), f"{where}.end_date")
    text = start if end is None or end == start else f"{start}/{end}"
    try:
        parse_edtf(text)
    except EdtfError as error:
        raise _bad_date(str(error), where) from None
    return text


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: object) -> Mapping[str, Any]:
    """An object of the document, or an empty one in place of any other value."""
    return value if isinstance(value, Mapping) else {}


def _string_list(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


@dataclass(slots=True)
class _Themes:
    """The theme vocabulary being built: from the export's own list, then from groups."""

    by_id: dict[str, dict[str, str]] = field(default_factory=dict)
    by_label: dict[str, str] = field(default_factory=dict)

    def add(self, theme_id: str, label: str, description: str) -> str:
        self.by_id[theme_id] = {"label": label, "description": description}
        self.by_label[label] = theme_id
        return theme_id

    def for_group(self, group: str) -> str:
        if group in self.by_label:
            return self.by_label[group]
        theme_id = _unique(_slug(group) or "group", set(self.by_id))
        return self.add(theme_id, group, f"Slides in the TimelineJS group “{group}”.")


def _declared_themes(document: Mapping[str, Any], themes: _Themes) -> None:
    items = _mapping(document.get("timeline")).get("themes")
    for item in map(_mapping, items if isinstance(items, list) else []):
        theme_id, label = item.get("id"), _string(item.get("label"))
        description = _string(item.get("description"))
        if not isinstance(theme_id, str) or theme_id in themes.by_id:
            continue
        if _slug(theme_id) == theme_id and label.strip():
            themes.add(theme_id, label, description if description.strip() else label)


_STATUSES = ("occurred", "scheduled", "planned")


def convert(document: object, *, origin: str = "timeline.json") -> Conversion:
    """Convert a parsed TimelineJS3 document into a dataset (see the module docstring).

    `origin` names the input file in each source's front matter.

    Raises:
        TimelineJSError: the document is not a TimelineJS3 timeline, or a slide's date
            cannot be read.
    """
    if not isinstance(document, Mapping):
        raise TimelineJSError("the top level must be an object with an 'events' list")
    slides = document.get("events")
    if slides is None:
        raise TimelineJSError("the top level has no 'events' list", code="missing-key")
    if not isinstance(slides, list):
        raise TimelineJSError(f"expected a list, got {type(slides).__name__}", where="events")
    eras = document.get("eras")
    if not isinstance(eras, list | None):
        raise TimelineJSError(f"expected a list, got {type(eras).__name__}", where="eras")
    surrogate = _lone_surrogate(document)
    if surrogate is not None:
        # No UTF-8 file can hold one, and guessing what it stood for would change the text.
        raise TimelineJSError(
            "a lone surrogate escape (half of a UTF-16 pair, such as \\ud800) is not text; "
            "fix or remove it",
            where=surrogate,
            code="encoding",
        )
    themes = _Themes()
    _declared_themes(document, themes)
    event_ids: set[str] = set()
    source_ids: set[str] = set()
    events: list[dict[str, Any]] = []
    media_sources: dict[str, str] = {}  # each media text as a source file of its own
    lines: list[str] = []  # what each slide says, one line each: the file's own article
    media_notes: list[str] = []
    notes: list[str] = []
    for n, slide in enumerate(slides):
        if not isinstance(slide, Mapping):
            raise TimelineJSError("expected an object", where=f"events[{n}]")
        event, line = _event(slide, n, themes, event_ids, notes)
        lines.append(line)
        caption, quote, credit, note = _media(slide, n)
        if caption:
            source_id = _unique(f"{event['id']}-media", source_ids)
            event["sources"].append({"source": source_id, "quote": quote})
            front = {
                "id": source_id,
                "title": f"{event['title']} (TimelineJS media)",
                "outlet": credit or "TimelineJS slide",
                "published": _side(event["date"]),
                "published_basis": "TimelineJS gives no date for media; the slide's own "
                "date is used.",
                "kind": "report",
                **({"credit": credit} if credit else {}),
                "origin": origin,
                "notes": f"The media of slide {n + 1}: its quote or caption, as plain text.",
            }
            media_sources[f"sources/{source_id}.txt"] = f"---\n{_dump(front)}---\n{caption}\n"
        elif note:
            media_notes.append(note)
        events.append(event)
    if any(isinstance(item, Mapping) for item in eras or []):
        notes.append("eras are not imported (the dataset has no eras)")

    sources: dict[str, str] = {}
    if events:
        title = _one_line(
            _string(_mapping(_mapping(document.get("title")).get("text")).get("headline"))
        )
        document_id = _unique(_slug(title) or "timelinejs", source_ids)
        body = "\n".join(lines)
        for event, line in zip(events, lines, strict=True):
            event["sources"].insert(0, {"source": document_id, "quote": line})
        front = {
            "id": document_id,
            "title": title or "TimelineJS timeline",
            "outlet": "TimelineJS",
            "published": _latest_day(events),
            "published_basis": "A TimelineJS file carries no publication date; this is the "
            "latest day any of its slides names, so the file is no older than that.",
            "kind": "analysis",
            "origin": origin,
            "notes": "The slides of the TimelineJS file, one line each: the date as shown and "
            "the headline. "
            + (" ".join(media_notes) if media_notes else "No media without a caption."),
        }
        sources[f"sources/{document_id}.txt"] = f"---\n{_dump(front)}---\n{body}\n"
        sources.update(media_sources)

    return Conversion(_events_yaml(themes, events), sources, tuple(notes))


def _event(
    slide: Mapping[str, Any], n: int, themes: _Themes, event_ids: set[str], notes: list[str]
) -> tuple[dict[str, Any], str]:
    """Slide `n` as an event mapping, and its line in the file's own article."""
    where = f"events[{n}]"
    extra = _mapping(slide.get("timeline"))
    date = _edtf(slide, where)
    if isinstance(extra.get("date"), str):
        try:
            parse_edtf(extra["date"])
            date = extra["date"]
        except EdtfError:
            notes.append(f"{where}: ignored the invalid timeline.date {extra['date'][:40]!r}")

    text = _mapping(slide.get("text"))
    headline = _one_line(_string(text.get("headline")))
    summary = _one_line(_string(text.get("text")))  # paragraphs join into one line
    display = _one_line(_string(slide.get("display_date")))
    title = next((t for t in (headline, summary[:120]) if t.strip()), f"Untitled slide {n + 1}")

    unique = _string(slide.get("unique_id")).strip()
    if not _ID.match(unique):
        unique = _slug(unique)
    event_id = _unique(unique or _slug(f"{title} {date}") or f"event-{n + 1}", event_ids)

    group = _one_line(_string(slide.get("group")))
    event_themes: list[str] = []
    declared = _string_list(extra.get("themes"))
    if declared is not None and all(t in themes.by_id for t in declared):
        event_themes = declared
    elif group:
        event_themes = [themes.for_group(group)]

    status = extra.get("status") if extra.get("status") in _STATUSES else "occurred"
    basis = extra.get("date_basis")
    if not (isinstance(basis, str) and basis.strip()):
        basis = "From the TimelineJS slide's start and end date"
        basis += f", shown there as “{display}”" if display else ""
    event: dict[str, Any] = {
        "id": event_id,
        "date": date,
        "title": title,
        "summary": summary if summary.strip() else title,
        "themes": event_themes,
        "actors": _string_list(extra.get("actors")) or [],
        "places": _string_list(extra.get("places")) or [],
        "status": status,
        "date_basis": basis,
        "sources": [],
    }
    return event, f"Slide {n + 1}, {display or date}: {title}"


def _media(slide: Mapping[str, Any], n: int) -> tuple[str, str, str, str]:
    """A slide's quotable media text (a blockquote given as media, then the caption),
    the passage to quote from it (the blockquote, else the caption's first paragraph),
    its credit, and a note on media that has no quotable text (an image URL, a credit)."""
    media = _mapping(slide.get("media"))
    url = _string(media.get("url")).strip()
    credit = _one_line(_string(media.get("credit")))
    caption = html_to_text(_string(media.get("caption")))
    quoted = html_to_text(url) if url.lower().startswith("<blockquote") else ""
    quote = _flat((quoted or caption).split("\n\n", 1)[0])
    if quoted and quote in _flat(caption):
        quoted = ""  # the caption already holds the quote: once keeps it unambiguous
    text = "\n\n".join(part for part in (quoted, caption) if part)
    if text or not (url or credit):
        return text, quote, credit, ""
    # No text, so nothing was quoted and `quote` is empty: the note names URL and credit.
    at = f" at {' '.join(url.split())[:200]}" if url else ""
    by = f", credited to {credit[:200]}" if credit else ""
    return text, quote, credit, f"Slide {n + 1}: the media{at}{by}."


def _side(date: str, *, last: bool = False) -> str:
    """A date's first (or `last`) known side, as a single EDTF date (`2023-05-19/..` →
    `2023-05-19`)."""
    first, _, second = date.partition("/")
    if last:
        first, second = second, first
    return first if first not in ("", "..") else second


def _latest_day(events: list[dict[str, Any]]) -> str:
    latest = max((parse_edtf(_side(e["date"], last=True)).upper for e in events), default=0)
    year, month, day = from_day_number(latest)
    return f"{_edtf_year(year)}-{month:02d}-{day:02d}" if abs(year) <= 9999 else _edtf_year(year)


def _events_yaml(themes: _Themes, events: list[dict[str, Any]]) -> str:
    lines = [
        "# Imported from TimelineJS by `timeline import timelinejs`.",
        'version: "1"',
        "",
        _dump({"themes": themes.by_id}).rstrip("\n") if themes.by_id else "themes: {}",
        "",
        "events:",
    ]
    for event in events:
        lines += [*("  " + line for line in _dump([event]).rstrip("\n").split("\n")), ""]
    return "\n".join(lines)


def import_timelinejs(data: bytes | str, *, origin: str = "timeline.json") -> Conversion:
    """Parse TimelineJS3 JSON (bytes are read as UTF-8, a BOM is fine) and convert it.

    Raises:
        TimelineJSError: the input is too large, not UTF-8, not JSON, or not a timeline;
            its `line` and `column` say where.
    """
    if isinstance(data, bytes):
        if len(data) > MAX_INPUT_BYTES:
            raise TimelineJSError(
                f"the file is larger than {MAX_INPUT_BYTES:,} bytes", code="too-large"
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            failure = TimelineJSError(f"byte {error.start}: the file is not UTF-8", code="encoding")
            # Latin-1 keeps one character per byte, so the column counts bytes.
            raise _located(failure, data.decode("latin-1"), error.start) from None
    else:
        text = data
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        failure = TimelineJSError(f"not JSON ({error.msg})", code="json-syntax")
        failure.line, failure.column = error.lineno, error.colno
        raise failure from None
    except RecursionError:
        raise TimelineJSError("the JSON is nested too deeply", code="too-deep") from None
    try:
        return convert(document, origin=origin)
    except TimelineJSError as error:
        _located(error, text, _offset(text, error.where))
        raise


def _located(error: TimelineJSError, text: str, offset: int) -> TimelineJSError:
    """`error` with its `line` and `column` set to where `offset` is in `text`."""
    error.line = text.count("\n", 0, offset) + 1
    error.column = offset - text.rfind("\n", 0, offset)
    return error


def _offset(text: str, where: str) -> int:
    """Where the value at `where` (`events[3].start_date.year`) starts in the JSON text,
    or the innermost value on the way there that can be found (0 for the top level)."""
    decoder = json.JSONDecoder()
    offset = _space(text, 0)
    for step in re.findall(r"\[\d+\]|[^.\[\]]+", where):
        try:
            offset = _child(decoder, text, offset, step)
        except (LookupError, ValueError):  # not there as written: this is as near as it gets
            break
    return offset


def _child(decoder: json.JSONDecoder, text: str, at: int, step: str) -> int:
    """Where the member `step` (a key, or `[n]`) of the object or array at `at` starts."""
    index = int(step[1:-1]) if step.startswith("[") else None
    if text[at] != ("{" if index is None else "["):
        raise LookupError(step)
    found, n = None, 0
    at = _space(text, at + 1)
    while text[at] not in "]}":
        if index is None:
            key, at = decoder.raw_decode(text, at)
            at = _space(text, _space(text, at) + 1)  # past the colon
            if key == step:
                found = at  # the last one counts, as in json.loads
        elif n == index:
            return at
        at = _space(text, decoder.raw_decode(text, at)[1])
        if text[at] == ",":
            at = _space(text, at + 1)
        n += 1
    if found is None:
        raise LookupError(step)
    return found


def _space(text: str, at: int) -> int:
    """The first offset from `at` that is not JSON white space."""
    while at < len(text) and text[at] in " \t\n\r":
        at += 1
    return at


def write_dataset(conversion: Conversion, directory: Path) -> None:
    """Write a conversion as a dataset folder, which appears only when complete
    (`timeline.atomic.new_folder`). It may exist only if it is empty, so an import never
    overwrites a dataset.

    Raises:
        TimelineJSError: the folder exists and is not empty, or is not a folder.
        OSError: the folder cannot be written; nothing was left behind.
    """
    if directory.exists():
        if not directory.is_dir():
            raise TimelineJSError(f"{directory} exists and is not a folder")
        if any(directory.iterdir()):
            raise TimelineJSError(f"{directory} is not empty; choose a new folder")
    files = {"events.yaml": conversion.events_yaml, **conversion.sources}
    with new_folder(directory) as building:
        (building / "sources").mkdir()
        for relative, text in files.items():
            write_atomically(building / relative, text)
