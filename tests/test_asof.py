"""As of a date (`timeline.asof`, `Filter.as_of`): only what sources published by then
said, held to a plain reference over random datasets with random publication dates."""

from __future__ import annotations

import dataclasses
import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import DATE_POOL, datasets, filters, make_dataset, make_event

from timeline.asof import dataset_as_of, publication_days, sources_known
from timeline.cli import main
from timeline.dates import day_number, parse_edtf
from timeline.loader import load_dataset
from timeline.model import Dataset, Event, EventDetails, Status
from timeline.query import EventIndex, Filter, facet_counts, matches, sort_by_date


def _reference(dataset: Dataset, day: int) -> list[Event]:
    """The events as known on `day`, written out as plainly as possible."""
    seen = []
    for event in sort_by_date(dataset.events):
        known = [
            q
            for q in event.quotes
            if any(s.id == q.source_id and s.published.upper <= day for s in dataset.sources)
        ]
        if not known:
            continue
        status = event.status
        if status == Status.OCCURRED and event.date.lower > day:
            status = Status.SCHEDULED
        seen.append(
            msgspec.structs.replace(
                event,
                status=status,
                source_ids=tuple(dict.fromkeys(q.source_id for q in known)),
                details=EventDetails(event.summary, event.date_basis, tuple(known)),
            )
        )
    return seen


# Publication dates of every shape, most of them near the days of `DATE_POOL`'s events.
_PUBLISHED = (
    *DATE_POOL,
    *("2023-01-11", "2023-01-13", "2023-01-12/2023-01-14", "2023-01-14~", "2023-05~"),
    *("2024-04-10", "2024-04-10/2024-04~", "2024-04-10/2024-08", "2023-08-18/2024-04-09"),
)


@st.composite
def _published(draw: st.DrawFn) -> tuple[Dataset, int]:
    dataset = draw(datasets())
    sources = tuple(
        msgspec.structs.replace(s, published=parse_edtf(draw(st.sampled_from(_PUBLISHED))))
        for s in dataset.sources
    )
    # Days where the rules bite: on and next to a publication day or an event's start.
    starts = [e.date.lower for e in dataset.events] or [day_number(2023, 1, 13)]
    days = [d + k for d in (*publication_days(sources), *starts) for k in (-1, 0, 1)]
    day = draw(st.sampled_from(starts) | st.sampled_from(days))
    return dataclasses.replace(dataset, sources=sources), day


@settings(max_examples=300, deadline=None)
@given(_published(), filters(), st.booleans())
def test_as_of_matches_the_reference(
    case: tuple[Dataset, int], filt: Filter, prepared: bool
) -> None:
    dataset, day = case
    everything = _reference(dataset, day)
    expected = [e for e in everything if matches(e, filt)]

    index = EventIndex(dataset)
    if prepared:
        index.prepare_search()
    unfiltered = index.search(Filter(as_of=day)).positions.tolist()
    assert [index.event_as_of(i, day) for i in unfiltered] == everything
    result = index.search(filt.but(as_of=day))

    assert [index.events[i].id for i in result.positions] == [e.id for e in expected]
    assert [index.event_as_of(i, day) for i in result.positions] == expected
    assert index.counts(result) == facet_counts(expected)
    slow = [e for e in sort_by_date(dataset_as_of(dataset, day).events) if matches(e, filt)]
    assert slow == expected


def _bundled_as_of(text: str) -> dict[str, Event]:
    dataset = load_dataset(None).dataset
    day = parse_edtf(text).upper
    return {e.id: e for e in dataset_as_of(dataset, day).events}


def test_before_any_article_nothing_is_known() -> None:
    assert _bundled_as_of("2023-01-11") == {}


def test_the_january_preview_alone_expects_the_summit() -> None:
    seen = _bundled_as_of("2023-01-12")
    summit = seen["summit-2023-01-13-washington"]
    assert summit.status is Status.SCHEDULED
    assert {q.source_id for q in summit.quotes} == {"unnamed-2023-01-joint-document-preview"}
    assert seen["g7-summit-2023-05-hiroshima"].status is Status.SCHEDULED
    assert "space-pact-signing-2023-01-13" not in seen  # only the report tells of it


def test_the_report_a_day_later_makes_the_summit_happen() -> None:
    seen = _bundled_as_of("2023-01-14")
    assert seen["summit-2023-01-13-washington"].status is Status.OCCURRED
    assert seen["space-pact-signing-2023-01-13"].status is Status.OCCURRED
    assert seen["g7-summit-2023-05-hiroshima"].status is Status.SCHEDULED


def test_an_approximate_publication_counts_from_its_latest_day() -> None:
    event = make_event("e", "2024-04-10", quotes=[("tv", "the summit was held")])
    dataset = make_dataset([event])
    tv = msgspec.structs.replace(dataset.sources[0], published=parse_edtf("2024-04-10/2024-04~"))
    dataset = dataclasses.replace(dataset, sources=(tv,))
    assert sources_known(dataset.sources, day_number(2024, 4, 29)) == frozenset()
    assert sources_known(dataset.sources, day_number(2024, 4, 30)) == {"tv"}


def test_words_only_in_a_later_article_do_not_find_the_event() -> None:
    event = make_event(
        "e", quotes=[("early", "the leaders met in Tokyo"), ("late", "a later deterrence pact")]
    )
    dataset = make_dataset([event])
    early, late = dataset.sources
    dataset = dataclasses.replace(
        dataset,
        sources=(
            msgspec.structs.replace(early, published=parse_edtf("2023-01-14")),
            msgspec.structs.replace(late, published=parse_edtf("2024-04")),
        ),
    )
    index = EventIndex(dataset)
    day = day_number(2023, 2, 1)
    assert len(index.search(Filter(text="tokyo", as_of=day))) == 1
    assert len(index.search(Filter(text="deterrence", as_of=day))) == 0
    assert len(index.search(Filter(text="deterrence"))) == 1
    assert len(index.search(Filter(sources=frozenset({"late"}), as_of=day))) == 0


# -- the command line ------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_as_of_shows_what_the_january_preview_expected(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(capsys, "list", "--as-of", "2023-01-12", "--format", "json")
    assert code == 0, err
    records = {r["id"]: r for r in json.loads(out)}
    summit = records["summit-2023-01-13-washington"]
    assert summit["status"] == "scheduled"
    assert {q["source"] for q in summit["quotes"]} == {"unnamed-2023-01-joint-document-preview"}
    assert "space-pact-signing-2023-01-13" not in records


def test_as_of_filters_combine_with_the_other_flags(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "list", "--as-of", "2023-01", "--status", "scheduled", "--format", "plain"
    )
    assert code == 0
    assert [line.split("\t")[1] for line in out.splitlines()] == ["g7-summit-2023-05-hiroshima"]


def test_show_an_event_not_yet_reported_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "show", "space-pact-signing-2023-01-13", "--as-of", "2023-01-12")
    assert code == 2
    assert "not known as of 2023-01-12" in err
    code, _, err = _run(capsys, "show", "no-such-event", "--as-of", "2023-01-12")
    assert code == 2 and "not known as of" not in err


def test_export_as_of_leaves_out_later_articles(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "export", "--format", "json", "--as-of", "2023-01-14")
    assert code == 0
    assert "unnamed-blog-2024-04-global-partnership" not in out
    assert "yomiuri-2023-01-14-summit-report" in out


def test_an_export_as_of_keeps_the_dataset_title(capsys: pytest.CaptureFixture[str]) -> None:
    title = load_dataset().dataset.title
    assert title
    code, out, _ = _run(capsys, "export", "--format", "markdown", "--as-of", "2023-06")
    assert code == 0
    assert out.splitlines()[0] == f"# {title}"


def test_a_bad_as_of_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "list", "--as-of", "2023-13")
    assert code == 2
    assert "--as-of" in err and "Traceback" not in err
