"""TimelineJS import: a Knight Lab style file becomes a dataset that passes the loader,
and an export followed by an import keeps the events, dates and themes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import make_dataset, make_event

from timeline.dates import Precision
from timeline.diagnostics import DatasetError, format_diagnostic
from timeline.interchange.export import export
from timeline.interchange.timelinejs import (
    TimelineJSError,
    html_to_text,
    import_timelinejs,
    write_dataset,
)
from timeline.loader import Loaded, load_dataset

# As the Google Sheet template publishes it: every part a string, empty parts as "",
# HTML in the text, groups, an image credit with no caption, times of day and an era.
KNIGHT_LAB: dict[str, Any] = {
    "title": {
        "media": {"url": "https://example.org/cover.jpg", "credit": "", "caption": ""},
        "text": {"headline": "Space <em>race</em> &amp; more", "text": "<p>An intro.</p>"},
    },
    "events": [
        {
            "start_date": {"year": "1969", "month": "7", "day": "20", "hour": "20", "minute": "17"},
            "end_date": {"year": "", "month": "", "day": ""},
            "display_date": "",
            "text": {
                "headline": "Apollo 11 lands",
                "text": "<p>The <b>Eagle</b> has landed&nbsp;on the Moon.</p>"
                "<script>alert('x')</script><p>Second&#x20;paragraph.</p>",
            },
            "media": {
                "url": "https://example.org/eagle.jpg",
                "credit": "NASA",
                "caption": "<p>Buzz Aldrin on the Moon, photographed by Neil Armstrong "
                "during the first landing.</p>",
            },
            "group": "Moon",
            "unique_id": "apollo-11",
        },
        {
            "start_date": {"year": 1961, "month": 4},
            "text": {"headline": "Gagarin flies", "text": ""},
            "media": {"url": "https://example.org/vostok.jpg", "credit": "TASS", "caption": ""},
            "group": "Orbit",
        },
        {
            "start_date": {"year": "1957"},
            "end_date": {"year": "1958", "month": "1"},
            "display_date": "1957–58",
            "text": {"headline": "Sputnik era", "text": "Sputnik 1 &amp; 2"},
            "group": "Orbit",
            "unique_id": "Sputnik Era!",
        },
        {
            "start_date": {"year": "-500"},
            "text": {"headline": "Ancient astronomy"},
        },
    ],
    "eras": [{"start_date": {"year": "1957"}, "end_date": {"year": "1975"}, "text": {}}],
}


def _import(tmp_path: Path, document: object) -> Loaded:
    conversion = import_timelinejs(json.dumps(document), origin="sheet.json")
    folder = tmp_path / "imported"
    write_dataset(conversion, folder)
    try:
        return load_dataset(folder)
    except DatasetError as error:  # show what the loader said, not just that it failed
        pytest.fail("\n".join(format_diagnostic(d) for d in error.diagnostics))


def test_html_to_text_is_plain_and_safe() -> None:
    text = html_to_text(
        "<p>One &amp; <b>two</b></p><script>alert(1)</script><style>p{}</style>"
        "<ul><li>a</li><li>b &lt;c&gt;</li></ul>x<br>y\x1b[2J"
    )
    assert text == "One & two\n\na\nb <c>\n\nx\ny [2J"


def test_knight_lab_file_imports_into_a_dataset_that_passes_the_loader(tmp_path: Path) -> None:
    loaded = _import(tmp_path, KNIGHT_LAB)
    assert [str(w.code) for w in loaded.warnings] == []
    dataset = loaded.dataset
    events = {e.title: e for e in dataset.events}
    assert set(events) == {"Apollo 11 lands", "Gagarin flies", "Sputnik era", "Ancient astronomy"}

    apollo = events["Apollo 11 lands"]
    assert apollo.id == "apollo-11"
    assert apollo.date.text == "1969-07-20"  # the time of day and the empty end are dropped
    assert apollo.summary == "The Eagle has landed\xa0on the Moon. Second paragraph."
    assert events["Gagarin flies"].date.text == "1961-04"
    assert events["Sputnik era"].date.text == "1957/1958-01"
    assert events["Sputnik era"].id == "sputnik-era"
    assert events["Ancient astronomy"].date.text == "-0500"

    # Groups become themes; a slide with no group has none.
    assert {t.label for t in dataset.themes} == {"Moon", "Orbit"}
    assert [dataset.theme(t).label for t in events["Gagarin flies"].themes] == ["Orbit"]
    assert events["Ancient astronomy"].themes == ()

    # The caption is a source, quoted verbatim, with the credit; every slide also cites
    # the TimelineJS file itself, whose notes keep the credit that had no caption.
    media = dataset.source(apollo.quotes[1].source_id)
    assert media.credit == "NASA"
    assert apollo.quotes[1].text.startswith("Buzz Aldrin on the Moon")
    timeline_file = dataset.source(apollo.quotes[0].source_id)
    assert timeline_file.title == "Space race & more"
    assert timeline_file.notes is not None
    assert "credited to TASS" in timeline_file.notes
    assert "https://example.org/vostok.jpg" in timeline_file.notes
    assert [q.source_id for q in events["Gagarin flies"].quotes] == [timeline_file.id]


@pytest.fixture(scope="module")
def bundled() -> Loaded:
    return load_dataset()


def test_export_then_import_keeps_events_dates_and_themes(tmp_path: Path, bundled: Loaded) -> None:
    dataset = bundled.dataset
    document = json.loads(export(dataset, dataset.events, "timelinejs"))
    again = _import(tmp_path, document)
    assert again.warnings == ()
    before = {e.id: (e.date.text, e.themes, e.title, e.summary, e.status) for e in dataset.events}
    after = {
        e.id: (e.date.text, e.themes, e.title, e.summary, e.status) for e in again.dataset.events
    }
    assert after == before
    assert [(t.id, t.label) for t in again.dataset.themes] == [
        (t.id, t.label) for t in dataset.themes
    ]
    # Each event quotes its first article's passage, now from the imported caption.
    for event in again.dataset.events:
        original = dataset.event(event.id)
        assert event.quotes[1].text == " ".join(original.quotes[0].text.split())


def test_plain_timelinejs_fields_alone_keep_dates_to_their_precision(
    tmp_path: Path, bundled: Loaded
) -> None:
    # Without the `timeline` extension object (as another tool would write the file),
    # dates keep their precision and the first theme survives as a group.
    dataset = bundled.dataset
    document = json.loads(export(dataset, dataset.events, "timelinejs"))
    del document["timeline"]
    for slide in document["events"]:
        del slide["timeline"]
    again = _import(tmp_path, document).dataset
    for event in again.events:
        original = dataset.event(event.id)
        # TimelineJS has no seasons, decades or centuries: they come back as the months
        # or years that bound them.
        coarse = {Precision.SEASON: Precision.MONTH, Precision.DECADE: Precision.YEAR}
        expected = coarse.get(original.date.precision, original.date.precision)
        assert event.date.precision == expected
        if not original.date.is_interval or original.date.start is not None:
            assert event.date.lower == original.date.lower
        assert [again.theme(t).label for t in event.themes] == [
            dataset.theme(original.themes[0]).label
        ]


@pytest.mark.parametrize(
    ("data", "message", "code", "column"),
    [
        (b"\xff\xfe", "not UTF-8", "encoding", 1),
        ("{", "not JSON", "json-syntax", 2),
        ("[]", "top level must be an object", "wrong-type", 1),
        ('{"title": {}}', "no 'events' list", "missing-key", 1),
        ('{"events": 5}', "events: expected a list, got int", "wrong-type", 12),
        ('{"events": [{"text": {}}]}', r"events\[0\].start_date: a slide needs a start date",
         "missing-key", 13),
        ('{"events": [{"start_date": {"year": "ab"}}]}', r"events\[0\].start_date.year: 'ab'",
         "bad-date", 37),
        ('{"events": [{"start_date": {"year": [1]}}]}', "year: expected a number, got list",
         "wrong-type", 37),
        ('{"events": [{"start_date": {"year": 2023, "month": 13}}]}', "13 is not a month",
         "bad-date", 52),
        ('{"events": [{"start_date": {"year": 2023, "month": 2, "day": 30}}]}', "has no day 30",
         "bad-date", 13),
        ('{"events": [{"start_date": {"year": 2024}, "end_date": {"year": 2023}}]}',
         "ends before it starts", "bad-date", 13),
        ('{"events": [{"start_date": {"year": 2023, "day": 3}}]}', "day is given without",
         "bad-date", 28),
        ("[" * 100_000, "nested too deeply|not JSON", "too-deep|json-syntax", None),
        # Eras are not imported, but a value that is not a list of eras is still wrong.
        ('{"events": [], "eras": 5}', "eras: expected a list, got int", "wrong-type", 24),
        ('{"events": [], "eras": true}', "eras: expected a list, got bool", "wrong-type", 24),
        ('{"events": [], "eras": 1.5}', "eras: expected a list, got float", "wrong-type", 24),
        # No UTF-8 file can hold a lone surrogate: it is reported where it is.
        ('{"events": [{"text": {"headline": "a\\ud800"}}]}',
         r"events\[0\].text.headline: a lone surrogate", "encoding", 35),
        ('{"events": [], "x": {"\\udfff": ""}}', "lone surrogate", "encoding", 32),
    ],
)  # fmt: skip
def test_bad_input_is_a_clear_error(
    data: str | bytes, message: str, code: str, column: int | None
) -> None:
    with pytest.raises(TimelineJSError, match=message) as raised:
        import_timelinejs(data)
    assert re.fullmatch(code, raised.value.code)
    assert raised.value.line == 1
    if column is not None:
        assert raised.value.column == column


def test_an_error_is_located_on_its_own_line() -> None:
    document = {"events": [{"start_date": {"year": 2020}}, {"start_date": {"month": "x"}}]}
    with pytest.raises(TimelineJSError) as raised:
        import_timelinejs(json.dumps(document, indent=2))
    # Line 10 of the indented text is `"month": "x"`; its value starts at column 18.
    assert (raised.value.line, raised.value.column) == (10, 18)
    assert str(raised.value).startswith("events[1].start_date.month:")


def test_import_never_overwrites_a_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    conversion = import_timelinejs(json.dumps(KNIGHT_LAB))
    with pytest.raises(TimelineJSError, match="is not empty"):
        write_dataset(conversion, tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_hostile_text_stays_data(tmp_path: Path) -> None:
    evil = "no\nversion: 2 &amp; !!python/object:os.system [x] *alias &anchor \x1b[2J \u2028"
    document = {
        "events": [
            {
                "start_date": {"year": "2020"},
                "text": {"headline": evil, "text": evil},
                "group": evil,
                "unique_id": "../../etc/passwd",
                "media": {
                    "caption": f"{evil} — and a caption long enough to quote.",
                    "credit": evil,
                },
            }
        ]
    }
    loaded = _import(tmp_path, document)
    (event,) = loaded.dataset.events
    assert event.id == "etc-passwd"
    assert "!!python/object:os.system" in event.title
    assert "\x1b" not in event.title
    assert sorted(p.name for p in (tmp_path / "imported" / "sources").iterdir()) == sorted(
        f"{s.id}.txt" for s in loaded.dataset.sources
    )
    # Every scalar was written quoted: a YAML 1.1 reader sees the same strings.
    data = yaml.safe_load((tmp_path / "imported" / "events.yaml").read_text())
    assert data["events"][0]["title"] == event.title


# Words of any text but controls, joined by single spaces (HTML, and so TimelineJS,
# collapses runs of ASCII white space): no-break and other Unicode spaces included.
_WORD = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=" "),
    min_size=1,
)
_TITLE = st.lists(_WORD, min_size=1, max_size=4).map(" ".join).filter(str.strip)


@given(_TITLE, _TITLE)
@example("Kishida\u00a0and Biden", "A\u00a0\u00a0summit, 13\u202fJan\u3000& <b>more</b>")
def test_titles_and_summaries_survive_export_then_import(title: str, summary: str) -> None:
    event = make_event("e1", title=title, summary=summary)
    document = export(make_dataset([event]), [event], "timelinejs")
    (imported,) = yaml.safe_load(import_timelinejs(document).events_yaml)["events"]
    assert (imported["title"], imported["summary"]) == (title, summary)


_KEYS = [
    "events", "eras", "title", "text", "headline", "start_date", "end_date", "year", "month",
    "day", "display_date", "media", "url", "caption", "credit", "group", "unique_id",
    "timeline", "date", "themes", "status", "actors", "places", "date_basis", "id", "label",
    "description",
]  # fmt: skip
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats()
_JSON = st.recursive(
    _SCALARS | st.text(st.characters(exclude_categories=())),  # lone surrogates too
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=5)
    ),
    max_leaves=30,
)


@given(st.dictionaries(st.sampled_from(["events", "eras", "title", "timeline"]), _JSON))
@example({"events": [], "eras": 5})
@example({"events": [{"start_date": {"year": 1}, "text": {"headline": "\ud800"}}]})
def test_any_json_imports_or_is_a_clear_error(document: dict[str, Any]) -> None:
    try:
        conversion = import_timelinejs(json.dumps(document))
    except TimelineJSError as error:
        assert error.code and error.line >= 1 and error.column >= 1
        return
    for text in (conversion.events_yaml, *conversion.sources.values()):
        text.encode("utf-8")  # every file can be written
