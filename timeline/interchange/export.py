"""Exports: the selected events as JSON, CSV, Markdown, iCalendar, TimelineJS or HTML.

Every format is built from the model alone, so what the TUI shows and what leaves the
terminal cannot disagree. Text that people will read (Markdown, iCalendar, HTML) goes
through `sanitize`, so control characters and bidi overrides are shown, not obeyed; the
data formats (JSON, CSV, TimelineJS) keep the text exactly as it is in the dataset, except
that a CSV cell a spreadsheet would run as a formula starts with `'` (see `csv_text`).
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from base64 import b64encode
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from importlib import resources
from itertools import groupby, pairwise
from pathlib import PurePath
from typing import Any

from msgspec import structs

from timeline.dates import (
    MAX_DAY,
    MIN_DAY,
    DatePoint,
    EdtfDate,
    Precision,
    describe,
    from_day_number,
)
from timeline.model import Dataset, Event, Quote, Source
from timeline.query import sort_by_date
from timeline.text import sanitize, sanitize_keeping_offsets

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "ExportError",
    "csv_text",
    "event_record",
    "export",
    "timelinejs_document",
]


FORMATS = ("json", "csv", "markdown", "ics", "timelinejs", "html")
"""Every format name, in the order the CLI lists them."""

EXPORT_VERSION = 1
"""The version of this package's own JSON export layout (`format: timeline-export`)."""


class ExportError(ValueError):
    """The events cannot be written in this format; the message says which and why."""


def export(
    dataset: Dataset,
    events: Iterable[Event],
    fmt: str,
    *,
    now: datetime | None = None,
    raw: bool = False,
) -> str:
    """The given events of `dataset` as one file in the format `fmt`, in date order.

    `now` is iCalendar's DTSTAMP (default: the current time); `raw` is for CSV only (see
    `csv_text`).

    Raises:
        ExportError: `fmt` is not a known format, or an event cannot be written in it
            (an iCalendar date outside the years 1–9999).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    ordered = sort_by_date(events)
    writers: dict[str, Callable[[], str]] = {
        "json": lambda: _json(dataset, ordered),
        "csv": lambda: csv_text(ordered, raw=raw),
        "markdown": lambda: _markdown(dataset, ordered),
        "ics": lambda: _ics(dataset, ordered, now or datetime.now(UTC)),
        "timelinejs": lambda: _json_text(timelinejs_document(dataset, ordered)),
        "html": lambda: _html(dataset, ordered),
    }
    return writers[fmt]()


# -- shared helpers ------------------------------------------------------------------


def _dataset_name(dataset: Dataset) -> str:
    """A human name for the dataset: its folder's name (the bundled one says so)."""
    name = PurePath(dataset.root).name
    return "timeline" if name in ("", "data") else name


def _cited_sources(dataset: Dataset, events: Sequence[Event]) -> list[Source]:
    """The sources the events quote, in dataset order (exports carry no unused article)."""
    cited = {source_id for e in events for source_id in e.source_ids}
    return [s for s in dataset.sources if s.id in cited]


def _iso(day: int) -> str | None:
    """`YYYY-MM-DD`, or None for the open bound of an interval."""
    if day in (MIN_DAY, MAX_DAY):
        return None
    year, month, dom = from_day_number(day)
    sign = "-" if year < 0 else ""
    return f"{sign}{abs(year):04d}-{month:02d}-{dom:02d}"


def _theme_label(dataset: Dataset, theme_id: str) -> str:
    # The loader guarantees every theme id is in the vocabulary; exports of a hand-built
    # dataset still should not crash on one that is not.
    try:
        return dataset.theme(theme_id).label
    except KeyError:
        return theme_id


def _source_of(dataset: Dataset, quote: Quote) -> Source | None:
    try:
        return dataset.source(quote.source_id)
    except KeyError:
        return None


def _outlet(dataset: Dataset, quote: Quote) -> str:
    source = _source_of(dataset, quote)
    return source.outlet if source is not None else quote.source_id


def _citation(dataset: Dataset, quote: Quote) -> str:
    """`Outlet, “Title”, 14 Jan 2023` for a quote's source (plain text)."""
    source = _source_of(dataset, quote)
    if source is None:
        return quote.source_id
    return f"{source.outlet}, “{source.title}”, {describe(source.published)}"


def _location(dataset: Dataset, quote: Quote) -> str:
    """`sources/x.txt:12:4`, where the quote sits in its article file."""
    source = _source_of(dataset, quote)
    path = source.path if source is not None else quote.source_id
    return f"{path}:{quote.span.line}:{quote.span.column}"


# -- JSON ----------------------------------------------------------------------------


def _date_json(date: EdtfDate) -> dict[str, object]:
    return {
        "edtf": date.text,
        "display": describe(date),
        "precision": str(date.precision),
        "approximate": date.approximate,
        "uncertain": date.uncertain,
        "earliest": _iso(date.lower),
        "latest": _iso(date.upper),
    }


def event_record(event: Event) -> dict[str, Any]:
    """An event as every command writes it: an item of the JSON export's `events`, and
    one `timeline list`/`show --format json` record; `csv_text` flattens it to a row.

    The text is the data as it is (not sanitised). `date` holds the EDTF text, the date
    as shown, its precision and qualifiers and its first and last days (`YYYY-MM-DD`, None
    at an open end); each quote its source id, text and span (`start`/`end` in the
    article text, `line`/`column` in the file).
    """
    return {
        "id": event.id,
        "date": _date_json(event.date),
        "title": event.title,
        "summary": event.summary,
        "themes": list(event.themes),
        "actors": list(event.actors),
        "places": list(event.places),
        "status": str(event.status),
        "date_basis": event.date_basis,
        "quotes": [
            {
                "source": q.source_id,
                "text": q.text,
                "span": structs.asdict(q.span),
            }
            for q in event.quotes
        ],
    }


_SOURCE_KEYS = (
    "id", "title", "outlet", "published", "published_basis", "kind", "byline", "credit",
    "path", "origin", "notes", "body_line", "text",
)  # fmt: skip
"""A source's fields in the JSON export, in order (`published` is written as a date)."""


def _json(dataset: Dataset, events: Sequence[Event]) -> str:
    document = {
        "format": "timeline-export",
        "version": EXPORT_VERSION,
        "name": _dataset_name(dataset),
        "themes": [structs.asdict(t) for t in dataset.themes],
        "sources": [
            {**{key: getattr(s, key) for key in _SOURCE_KEYS}, "published": _date_json(s.published)}
            for s in _cited_sources(dataset, events)
        ],
        "events": [event_record(e) for e in events],
    }
    return _json_text(document) + "\n"


def _json_text(value: object) -> str:
    r"""JSON with readable Unicode, except that a lone surrogate (a folder or file name
    that is not UTF-8) is written as its `\udcff` escape: the same JSON, which unlike the
    bare character can be written as UTF-8 (it only occurs inside strings)."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# -- CSV -----------------------------------------------------------------------------

CSV_COLUMNS = (
    "id", "date", "display_date", "earliest", "latest", "title", "summary", "themes",
    "actors", "places", "status", "date_basis", "sources", "quotes",
)  # fmt: skip
"""The CSV header. List fields hold one value per line inside their cell."""


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet cell may start with to be run as a formula (OWASP's CSV injection
list): `=HYPERLINK(...)` can send a cell's neighbours anywhere, `=cmd|...` (DDE) can run
a program."""


def csv_text(
    events: Iterable[Event], cell: Callable[[str], str] | None = None, *, raw: bool = False
) -> str:
    """The CSV export: `CSV_COLUMNS`, then each event's `event_record` as one row.

    Rows end in CRLF (RFC 4180, the csv module's default). A value that starts with a
    character in `_FORMULA_STARTS` gets a leading `'`, which spreadsheets take as "this is
    text", unless `raw`; so a negative year (`-0044`) is written `'-0044`. `cell`, if
    given, then rewrites every value: `timeline list` sanitises them.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        record = event_record(event)
        date, quotes = record["date"], record["quotes"]
        # Lists go one item per line inside a quoted cell: any separator character could
        # occur in a name, a newline in a name is far less likely, and spreadsheets show it.
        row = [
            record["id"],
            date["edtf"],
            date["display"],
            date["earliest"] or "",
            date["latest"] or "",
            record["title"],
            record["summary"],
            "\n".join(record["themes"]),
            "\n".join(record["actors"]),
            "\n".join(record["places"]),
            record["status"],
            record["date_basis"] or "",
            "\n".join(dict.fromkeys(q["source"] for q in quotes)),
            "\n".join(f"{q['source']}: {q['text']}" for q in quotes),
        ]
        if not raw:
            row = [f"'{value}" if value.startswith(_FORMULA_STARTS) else value for value in row]
        writer.writerow(row if cell is None else [cell(value) for value in row])
    return out.getvalue()


# -- Markdown ------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MD_BLOCK_START = re.compile(r"^(\d+)([.)])")
_MD_CLOSING_HASHES = re.compile(r"(\s)(#+)$")


def _md(text: str) -> str:
    """Data as inert Markdown: sanitised, on one line, with every character that could start
    emphasis, a link, an image, HTML, a table cell or a heading backslash-escaped.

    Only those: `(` can only make a link after a `]`, which is escaped, and `&` only
    an entity when a name and `;` follow, so `Security & defence` and `(Yomiuri
    report)` stay as they read."""
    text = " ".join(sanitize(text, keep_newlines=True).split())  # every space run as one
    text = _MD_ENTITY.sub("&amp;", text)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_BLOCK_START.sub(r"\1\\\2", text)
    if text.startswith(("-", "=", "#", "+")):
        text = "\\" + text
    return _MD_CLOSING_HASHES.sub(r"\1\\\2", text)  # not a heading's closing #s


def _markdown(dataset: Dataset, events: Sequence[Event]) -> str:
    sources = _cited_sources(dataset, events)
    lines = [
        f"# {_md(dataset.title or _dataset_name(dataset))}",
        "",
        f"{len(events)} event{'s' if len(events) != 1 else ''} "
        f"from {len(sources)} article{'s' if len(sources) != 1 else ''}. "
        "Each quote is in the footnotes with its article and where it sits in it.",
        "",
    ]
    footnotes: list[str] = []
    for heading, group in groupby(events, lambda event: _year_heading(event.date)):
        lines += [f"## {_md(heading)}", ""]
        for event in group:
            lines += [f"### {_md(describe(event.date))}: {_md(event.title)}", ""]
            facts = [f"*Status:* {_md(str(event.status))}"]
            if event.themes:
                themes = ", ".join(_md(_theme_label(dataset, t)) for t in event.themes)
                facts.insert(0, f"*Themes:* {themes}")
            if event.actors:
                facts.append(f"*Actors:* {', '.join(_md(a) for a in event.actors)}")
            if event.places:
                facts.append(f"*Places:* {', '.join(_md(p) for p in event.places)}")
            lines += [" · ".join(facts), "", _md(event.summary), ""]
            if event.date_basis:
                lines += [f"*Date:* {_md(event.date_basis)}", ""]
            refs = []
            for quote in event.quotes:
                footnotes.append(
                    f"[^{len(footnotes) + 1}]: “{_md(quote.text)}” — "
                    f"{_md(_citation(dataset, quote))}, `{_md(_location(dataset, quote))}`"
                )
                refs.append(f"{_md(_outlet(dataset, quote))}[^{len(footnotes)}]")
            if refs:
                lines += [f"Reported by {', '.join(refs)}.", ""]
    if footnotes:
        lines += [*footnotes, ""]
    return "\n".join(lines)


def _year_heading(date: EdtfDate) -> str:
    """The year an event is filed under in the brief (as the TUI's year headings)."""
    year, _, _ = from_day_number(date.anchor)
    return str(year) if year > 0 else f"{1 - year} BCE"


# -- iCalendar (RFC 5545) --------------------------------------------------------------


def _ics_text(text: str) -> str:
    """An RFC 5545 TEXT value: control characters made visible (TEXT allows none but
    HTAB), then backslash, semicolon, comma and newline escaped (section 3.3.11)."""
    text = sanitize(text, keep_newlines=True)
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (section 3.1), never inside a UTF-8 character."""
    parts, size = [""], 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            parts.append("")
            size = 1  # continuation lines start with one space
        parts[-1] += char
        size += width
    return "\r\n ".join(parts)


def _ics_day(day: int, event: Event) -> str:
    year, month, dom = from_day_number(day)
    if not 1 <= year <= 9999:
        raise ExportError(
            f"event {event.id!r}: its date {event.date.text!r} falls outside the years "
            "1–9999 that iCalendar can write; leave it out with --from/--to"
        )
    return f"{year:04d}{month:02d}{dom:02d}"


def _ics_range(event: Event) -> tuple[int, int]:
    """First and last day (inclusive) of an event in a calendar: its whole known span.

    A month or year becomes the whole month or year. An interval with an open or unknown
    side keeps only its known side: a calendar has no entry without both ends.
    """
    date = event.date
    if date.is_interval and (date.start is None or date.end is None):
        return date.anchor_point.lower, date.anchor_point.upper
    return date.lower, date.upper


def _ics(dataset: Dataset, events: Sequence[Event], now: datetime) -> str:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//timeline//timeline export//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_ics_text(_dataset_name(dataset))}",
    ]
    for event in events:
        first, last = _ics_range(event)
        description = [event.summary, "", f"Date: {describe(event.date)} ({event.date.text})"]
        if event.date_basis:
            description.append(f"Date basis: {event.date_basis}")
        if event.quotes:
            description += ["", "Sources:"]
            description += [
                f"“{q.text}” — {_citation(dataset, q)} ({_location(dataset, q)})"
                for q in event.quotes
            ]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_ics_text(event.id)}@timeline",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_ics_day(first, event)}",
            # DTEND of an all-day event is exclusive: the day after the last one.
            f"DTEND;VALUE=DATE:{_ics_day(last + 1, event)}",
            f"SUMMARY:{_ics_text(event.title)}",
            f"DESCRIPTION:{_ics_text(chr(10).join(description))}",
            "STATUS:" + ("TENTATIVE" if str(event.status) == "planned" else "CONFIRMED"),
        ]
        if event.themes:
            labels = ",".join(_ics_text(_theme_label(dataset, t)) for t in event.themes)
            lines.append(f"CATEGORIES:{labels}")
        if event.places:
            lines.append(f"LOCATION:{_ics_text('; '.join(event.places))}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


# -- TimelineJS3 ---------------------------------------------------------------------


def _tl_parts(point: DatePoint, *, last: bool) -> dict[str, str]:
    """TimelineJS date parts for one EDTF point, as precise as the point itself.

    A season, decade or century has no TimelineJS part of its own, so it is given by
    its first (or, with `last`, its final) month or year.
    """
    year, month, day = from_day_number(point.upper if last else point.lower)
    if point.precision is Precision.DAY:
        return {"year": str(year), "month": str(month), "day": str(day)}
    if point.precision in (Precision.MONTH, Precision.SEASON):
        return {"year": str(year), "month": str(month)}
    return {"year": str(year)}


_COARSE = (Precision.SEASON, Precision.DECADE, Precision.CENTURY)


def _tl_dates(date: EdtfDate) -> tuple[dict[str, str], dict[str, str] | None]:
    """TimelineJS `start_date` and `end_date` (None when it has no end) for a date."""
    # "By 9 Apr 2024": TimelineJS needs a start, so the slide sits at the known end.
    first = date.start or date.end
    last = date.end if date.start is not None else None
    assert first is not None
    if not date.is_interval and first.precision in _COARSE:
        last = first
    return _tl_parts(first, last=False), None if last is None else _tl_parts(last, last=True)


def timelinejs_document(dataset: Dataset, events: Sequence[Event]) -> dict[str, object]:
    """The TimelineJS3 JSON document for these events, as a dict (see `export`).

    TimelineJS ignores keys it does not know, so each slide also carries a `timeline`
    object with the exact EDTF date, all themes, status, actors, places and date basis,
    which `timeline import timelinejs` reads back; the top-level `timeline.themes` keeps
    the theme vocabulary.
    """
    slides: list[dict[str, object]] = []
    for event in events:
        start, end = _tl_dates(event.date)
        slide: dict[str, object] = {"start_date": start}
        if end is not None:
            slide["end_date"] = end
        slide["display_date"] = describe(event.date)
        slide["text"] = {
            "headline": html.escape(event.title),
            "text": f"<p>{html.escape(event.summary)}</p>",
        }
        if event.themes:
            # TimelineJS writes group labels into the page as HTML, so they are escaped too.
            slide["group"] = html.escape(_theme_label(dataset, event.themes[0]))
        slide["unique_id"] = event.id
        if event.quotes:
            outlets = dict.fromkeys(_outlet(dataset, q) for q in event.quotes)
            caption = "".join(
                f"<p>“{html.escape(q.text)}” — "
                f"<cite>{html.escape(_citation(dataset, q))}</cite></p>"
                for q in event.quotes
            )
            slide["media"] = {
                "url": f"<blockquote>{html.escape(event.quotes[0].text)}</blockquote>",
                "credit": html.escape("; ".join(outlets)),
                "caption": caption,
            }
        record = event_record(event)  # the extension's fields as every export writes them
        fields = ("themes", "status", "actors", "places", "date_basis")
        slide["timeline"] = {"date": event.date.text, **{key: record[key] for key in fields}}
        slides.append(slide)
    sources = _cited_sources(dataset, events)
    return {
        "title": {
            "text": {
                "headline": html.escape(_dataset_name(dataset)),
                "text": f"<p>{len(events)} events from {len(sources)} articles</p>",
            }
        },
        "events": slides,
        "timeline": {
            "version": EXPORT_VERSION,
            "themes": [structs.asdict(t) for t in dataset.themes],
        },
    }


# -- HTML ----------------------------------------------------------------------------


def _page_asset(name: str) -> str:
    """The HTML export's stylesheet or script (`page.css`, `page.js` beside this module):
    CSS and JavaScript in files of their own, where editors and linters read them."""
    return resources.files("timeline.interchange").joinpath(name).read_text(encoding="utf-8")


def _esc(text: str) -> str:
    """Data as HTML text or attribute value: sanitised, then every special escaped."""
    return html.escape(sanitize(text, keep_newlines=True), quote=True)


def _article_html(source: Source, spans: list[tuple[int, int, str]]) -> str:
    """An article's text with each quoted passage marked.

    Quotes may overlap, so the text is cut at every span edge and each piece is marked
    with the ids of all the quotes covering it; an empty anchor at each quote's start is
    what the quote's link points at.
    """
    text = sanitize_keeping_offsets(source.text)  # one char per char: spans still index it
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    starts: dict[int, list[tuple[str, int]]] = {}
    ends: dict[int, list[str]] = {}
    for start, end, qid in spans:
        starts.setdefault(start, []).append((qid, end))
        ends.setdefault(end, []).append(qid)
    # One sweep over the cuts, keeping the quotes open at each point (dicts keep order),
    # so an article cited by thousands of events still costs one pass.
    active: dict[str, None] = {}
    pieces: list[str] = []
    for left, right in pairwise(cuts):
        for qid in ends.get(left, []):
            active.pop(qid, None)
        for qid, end in starts.get(left, []):
            pieces.append(f'<span class="anchor" id="{qid}"></span>')
            if end > left:
                active[qid] = None
        chunk = html.escape(text[left:right], quote=True)
        pieces.append(f'<mark data-q="{" ".join(active)}">{chunk}</mark>' if active else chunk)
    return "".join(pieces)


def _html(dataset: Dataset, events: Sequence[Event]) -> str:
    # Every id in the page is generated here (e-3, s-0, q-3-1, t-2), never taken from the
    # data, so no dataset value ever lands in an id, a selector or a URL.
    sources = _cited_sources(dataset, events)
    theme_ids = {t.id: f"t-{n}" for n, t in enumerate(dataset.themes)}
    spans: dict[str, list[tuple[int, int, str]]] = {s.id: [] for s in sources}

    counts = Counter(theme for event in events for theme in event.themes)

    body: list[str] = []
    numbered = groupby(enumerate(events), lambda item: _year_heading(item[1].date))
    for heading, group in numbered:
        body.append(f'<section class="year"><h2>{_esc(heading)}</h2>')
        for n, event in group:
            themes = " ".join(theme_ids[t] for t in event.themes if t in theme_ids)
            body.append(
                f'<article class="event status-{_esc(str(event.status))}" id="e-{n}"'
                f' data-themes="{themes}">'
            )
            body.append(
                f'<p class="date">{_esc(describe(event.date))}'
                f" · {_esc(str(event.status))}</p><h3>{_esc(event.title)}</h3>"
            )
            if event.themes:
                chips = "".join(f"<li>{_esc(_theme_label(dataset, t))}</li>" for t in event.themes)
                body.append(f'<ul class="chips">{chips}</ul>')
            body.append(f"<p>{_esc(event.summary)}</p>")
            facts = []
            if event.actors:
                facts.append(f"Actors: {_esc(', '.join(event.actors))}")
            if event.places:
                facts.append(f"Places: {_esc(', '.join(event.places))}")
            if event.date_basis:
                facts.append(f"Date: {_esc(event.date_basis)}")
            if facts:
                body.append(f'<p class="meta">{"<br>".join(facts)}</p>')
            for m, quote in enumerate(event.quotes):
                qid = f"q-{n}-{m}"
                if quote.source_id in spans:
                    spans[quote.source_id].append((quote.span.start, quote.span.end, qid))
                body.append(
                    f'<blockquote><a class="quote" href="#{qid}">“{_esc(quote.text)}”</a>'
                    f"<cite>{_esc(_citation(dataset, quote))}</cite></blockquote>"
                )
            body.append("</article>")
        body.append("</section>")

    articles: list[str] = []
    for n, source in enumerate(sources):
        meta = [source.outlet, describe(source.published), source.kind, source.path]
        if source.byline:
            meta.insert(1, source.byline)
        articles.append(
            f'<article class="source" id="s-{n}">'
            f"<h2>{_esc(source.title)}</h2>"
            f'<p class="meta">{" · ".join(_esc(str(part)) for part in meta)}</p>'
            f'<div class="text">{_article_html(source, spans[source.id])}</div></article>'
        )

    buttons = "".join(
        f'<button type="button" class="theme" data-theme="{theme_ids[t.id]}"'
        f' aria-pressed="false" title="{_esc(t.description)}">{_esc(t.label)}'
        f" ({counts[t.id]})</button>"
        for t in dataset.themes
        if counts[t.id]
    )
    name = _esc(dataset.title or _dataset_name(dataset))
    script = _page_asset("page.js")
    script_hash = b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    # The policy lets nothing load from anywhere and runs only this page's own script, so
    # even text that slipped past escaping could neither fetch nor execute anything.
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{script_hash}'; img-src data:; base-uri 'none'; form-action 'none'"
    )
    total = len(events)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{name}</title>",
            f"<style>{_page_asset('page.css')}</style>",
            "</head>",
            '<body id="top">',
            f'<header><h1>{name}</h1><p id="count">{total} of {total} events</p></header>',
            '<nav><input type="search" id="search" placeholder="Filter by text"'
            ' aria-label="Filter by text">',
            f'<span role="group" aria-label="Themes">{buttons}</span>',
            '<button type="button" id="clear">Clear filters</button></nav>',
            '<div id="layout"><main id="timeline">',
            *body,
            "</main>",
            '<aside id="reader"><p><a id="back" href="#top">← Back to the timeline</a></p>',
            *articles,
            "</aside></div>",
            f"<script>{script}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )
