"""Filtering, facet counts and date order: each facet by hand, then properties that hold
the fast `EventIndex` to the reference `filter_events`."""

from __future__ import annotations

import gc
import importlib.util
import itertools
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import (
    ACTORS,
    DATE_POOL,
    SOURCE_IDS,
    THEMES,
    WORDS,
    datasets,
    events_of_text,
    filters,
    index_settings,
    make_dataset,
    make_event,
    patch_index,
)

from timeline.dates import MAX_DAY, MIN_DAY, day_number, parse_edtf
from timeline.loader import load_dataset
from timeline.model import Dataset, Event, Status
from timeline.query import (
    EventIndex,
    Filter,
    event_search_text,
    facet_counts,
    filter_events,
    matches,
    sort_by_date,
)
from timeline.text import normalize


def _ids(events: list[Event] | tuple[Event, ...]) -> list[str]:
    return [e.id for e in events]


def _passing(dataset: Dataset, filt: Filter) -> set[str]:
    """The ids passing `filt`, by both the reference rule and the index."""
    reference = {e.id for e in dataset.events if matches(e, filt)}
    index = EventIndex(dataset)
    assert {index.events[i].id for i in index.apply(filt)} == reference
    return reference


# -- facets, one at a time -------------------------------------------------------------

THEMED = make_dataset(
    [
        make_event("a", themes=["security"]),
        make_event("b", themes=["security", "space"]),
        make_event("c", themes=["space"]),
        make_event("d", themes=[]),
        make_event("e", themes=["economy", "space", "security"]),
    ]
)


def test_themes_match_any_by_default() -> None:
    f = Filter(themes=frozenset({"security", "space"}))
    assert _passing(THEMED, f) == {"a", "b", "c", "e"}
    assert _passing(THEMED, Filter(themes=frozenset({"economy"}))) == {"e"}


def test_themes_match_all_when_asked() -> None:
    f = Filter(themes=frozenset({"security", "space"}), all_themes=True)
    assert _passing(THEMED, f) == {"b", "e"}
    f = Filter(themes=frozenset({"security", "space", "economy"}), all_themes=True)
    assert _passing(THEMED, f) == {"e"}


def test_unknown_theme_matches_nothing_alone_and_nothing_under_all() -> None:
    assert _passing(THEMED, Filter(themes=frozenset({"nope"}))) == set()
    assert _passing(THEMED, Filter(themes=frozenset({"nope", "space"}))) == {"b", "c", "e"}
    f = Filter(themes=frozenset({"nope", "space"}), all_themes=True)
    assert _passing(THEMED, f) == set()


def test_all_themes_alone_is_no_constraint() -> None:
    f = Filter(all_themes=True)
    assert f.is_empty
    assert _passing(THEMED, f) == {"a", "b", "c", "d", "e"}


def test_actors_match_any() -> None:
    data = make_dataset(
        [
            make_event("a", actors=["Kishida", "Biden"]),
            make_event("b", actors=["Biden"]),
            make_event("c", actors=["Ishiba"]),
            make_event("d"),
        ]
    )
    assert _passing(data, Filter(actors=frozenset({"Biden"}))) == {"a", "b"}
    assert _passing(data, Filter(actors=frozenset({"Kishida", "Ishiba"}))) == {"a", "c"}
    # Actors match exactly: no case folding, no substrings.
    assert _passing(data, Filter(actors=frozenset({"biden"}))) == set()
    assert _passing(data, Filter(actors=frozenset({"Bide"}))) == set()


def test_sources_match_any_quote_source() -> None:
    data = make_dataset(
        [
            make_event("a", quotes=[("nhk", "one"), ("ap", "two")]),
            make_event("b", quotes=[("ap", "three")]),
            make_event("c", quotes=[("yomiuri", "four")]),
            make_event("d"),
        ]
    )
    assert _passing(data, Filter(sources=frozenset({"ap"}))) == {"a", "b"}
    assert _passing(data, Filter(sources=frozenset({"nhk", "yomiuri"}))) == {"a", "c"}
    assert _passing(data, Filter(sources=frozenset({"reuters"}))) == set()


def test_statuses_match_any() -> None:
    data = make_dataset(
        [
            make_event("a", status=Status.OCCURRED),
            make_event("b", status=Status.SCHEDULED),
            make_event("c", status=Status.PLANNED),
        ]
    )
    assert _passing(data, Filter(statuses=frozenset({Status.PLANNED}))) == {"c"}
    f = Filter(statuses=frozenset({Status.OCCURRED, Status.SCHEDULED}))
    assert _passing(data, f) == {"a", "b"}


# Date facet: an event passes when its EDTF bounds overlap the range (inclusive).

DATED = make_dataset(
    [
        make_event("may", "2023-05"),
        make_event("by-mar-2025", "../2025-03"),
        make_event("since-apr-2024", "2024-04-10/.."),
        make_event("day", "2023-01-13"),
        make_event("span", "2023-05-19/2023-05-21"),
        make_event("winter", "2023-24"),
    ]
)


def _d(year: int, month: int, day: int) -> int:
    return day_number(year, month, day)


def test_month_overlaps_a_range_from_its_last_day() -> None:
    assert "may" in _passing(DATED, Filter(date_from=_d(2023, 5, 31)))
    assert "may" not in _passing(DATED, Filter(date_from=_d(2023, 6, 1)))
    assert "may" in _passing(DATED, Filter(date_to=_d(2023, 5, 1)))
    assert "may" not in _passing(DATED, Filter(date_to=_d(2023, 4, 30)))


def test_interval_open_at_its_start_overlaps_anything_up_to_its_end() -> None:
    assert "by-mar-2025" in _passing(DATED, Filter(date_to=_d(1900, 1, 1)))
    assert "by-mar-2025" in _passing(DATED, Filter(date_from=_d(2025, 3, 31)))
    assert "by-mar-2025" not in _passing(DATED, Filter(date_from=_d(2025, 4, 1)))


def test_interval_open_at_its_end_overlaps_the_future() -> None:
    in_2030 = Filter(date_from=_d(2030, 1, 1), date_to=_d(2030, 12, 31))
    assert "since-apr-2024" in _passing(DATED, in_2030)
    assert "since-apr-2024" in _passing(DATED, Filter(date_to=_d(2024, 4, 10)))
    assert "since-apr-2024" not in _passing(DATED, Filter(date_to=_d(2024, 4, 9)))


def test_date_range_picks_exactly_the_overlapping_events() -> None:
    f = Filter(date_from=_d(2023, 5, 20), date_to=_d(2023, 5, 20))
    assert _passing(DATED, f) == {"may", "by-mar-2025", "span"}
    # Winter 2023 runs to the end of February 2024.
    f = Filter(date_from=_d(2024, 2, 29), date_to=_d(2024, 3, 15))
    assert _passing(DATED, f) == {"by-mar-2025", "winter"}
    f = Filter(date_from=_d(2023, 1, 13), date_to=_d(2023, 1, 13))
    assert _passing(DATED, f) == {"by-mar-2025", "day"}


# Free text: every word, case-insensitively, in the title, summary or a quote.

WORDY = make_dataset(
    [
        make_event("t", title="Japan–U.S. Summit in Tōkyō"),
        make_event("s", title="x", summary="Leaders issue a joint statement on deterrence"),
        make_event("q", title="y", quotes=[("nhk", "the ‘missile’ was launched from STRASSE")]),
        make_event("c", title="Cafe\u0301 diplomacy"),
        make_event("n", title="nothing here"),
    ]
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("summit", {"t"}),
        ("SUMMIT", {"t"}),
        ("sUmMiT", {"t"}),
        ("tōkyō", {"t"}),
        ("Japan-U.S.", {"t"}),  # the en dash in the title folds to a hyphen
        ("japan—u.s.", {"t"}),
        ("deterrence", {"s"}),  # summary
        ("'missile'", {"q"}),  # a quote; the curly quotes fold to straight
        ("“missile”", set()),  # straight/curly single vs double quotes still differ
        ("‘missile’", {"q"}),
        ("straße", {"q"}),  # case folding: ß is ss
        ("café", {"c"}),  # decomposed in the title, composed in the query
        ("CAFE\u0301", {"c"}),
        ("joint deterrence", {"s"}),  # all words, in any place
        ("deterrence joint", {"s"}),
        ("joint summit", set()),  # words in different events do not combine
        ("summ", {"t"}),  # a prefix, as typed so far
        ("i", {"t", "s", "q", "c", "n"}),
        ("zzz", set()),
        ("  ", {"t", "s", "q", "c", "n"}),
    ],
)
def test_free_text(query: str, expected: set[str]) -> None:
    assert _passing(WORDY, Filter(text=query)) == expected


def test_free_text_words_may_be_split_by_any_whitespace() -> None:
    for sep in (" ", "  ", "\t", "\u00a0", "\u2003", "\n"):
        assert _passing(WORDY, Filter(text=f"joint{sep}deterrence")) == {"s"}


def test_free_text_does_not_match_across_fields() -> None:
    data = make_dataset([make_event("a", title="joint", summary="statement")])
    assert _passing(data, Filter(text="joint statement")) == {"a"}
    assert _passing(data, Filter(text="jointstatement")) == set()
    assert _passing(data, Filter(text="t s")) == {"a"}
    # The title ends "joint" and the summary starts "statement": no "t\nstatement" join.
    assert "tstatement" not in event_search_text(data.events[0])


def test_facets_combine_with_and() -> None:
    data = make_dataset(
        [
            make_event("a", "2023-05", themes=["security"], actors=["Biden"], title="summit"),
            make_event("b", "2023-05", themes=["security"], actors=["Kishida"], title="summit"),
            make_event("c", "2024-05", themes=["security"], actors=["Biden"], title="summit"),
            make_event("d", "2023-05", themes=["space"], actors=["Biden"], title="summit"),
            make_event("e", "2023-05", themes=["security"], actors=["Biden"], title="talks"),
            make_event(
                "f",
                "2023-05",
                themes=["security"],
                actors=["Biden"],
                title="summit",
                status=Status.PLANNED,
            ),
        ]
    )
    f = Filter(
        themes=frozenset({"security"}),
        actors=frozenset({"Biden"}),
        statuses=frozenset({Status.OCCURRED}),
        date_from=_d(2023, 1, 1),
        date_to=_d(2023, 12, 31),
        text="Summit",
    )
    assert _passing(data, f) == {"a"}


def test_empty_filter_matches_everything() -> None:
    assert Filter().is_empty
    for data in (THEMED, DATED, WORDY):
        assert _passing(data, Filter()) == {e.id for e in data.events}
        assert EventIndex(data).apply(Filter()) == list(range(len(data.events)))


# -- Filter ----------------------------------------------------------------------------


def test_is_empty_is_false_for_every_single_constraint() -> None:
    assert Filter().is_empty
    assert Filter(all_themes=True).is_empty
    for change in (
        {"themes": frozenset({"space"})},
        {"actors": frozenset({"Biden"})},
        {"sources": frozenset({"nhk"})},
        {"statuses": frozenset({Status.PLANNED})},
        {"date_from": 0},
        {"date_to": 0},
        {"text": "summit"},
    ):
        assert not Filter().but(**change).is_empty, change
        assert not Filter(all_themes=True).but(**change).is_empty, change


def test_but_returns_a_changed_copy() -> None:
    original = Filter(themes=frozenset({"space"}), text="summit")
    changed = original.but(text="talks", date_from=5)
    assert changed == Filter(themes=frozenset({"space"}), text="talks", date_from=5)
    assert original == Filter(themes=frozenset({"space"}), text="summit")
    assert original.but() == original
    with pytest.raises(TypeError):
        original.but(colour="red")
    with pytest.raises(AttributeError):
        original.text = "x"  # type: ignore[misc]


def test_terms_are_case_folded_normalised_words_in_order() -> None:
    assert Filter().terms == ()
    assert Filter(text="   \t ").terms == ()
    assert Filter(text="Summit  Tōkyō").terms == ("summit", "tōkyō")
    assert Filter(text=" “Straße”\u00a0JAPAN–U.S. ").terms == ('"strasse"', "japan-u.s.")
    assert Filter(text="Cafe\u0301").terms == ("café",)
    assert Filter(text="b a b").terms == ("b", "a", "b")


# -- date order ------------------------------------------------------------------------


def test_sort_by_date_files_open_starts_under_their_end() -> None:
    events = [
        make_event("by-mar-2025", "../2025-03"),
        make_event("year-2025", "2025"),
        make_event("mar-2025", "2025-03"),
        make_event("early", "2024-01-01"),
        make_event("mar-31", "2025-03-31"),
    ]
    # Anchors: Mar 31 2025, Jan 1 2025, Mar 1 2025, Jan 1 2024, Mar 31 2025. "By Mar
    # 2025" and "31 Mar 2025" tie on (anchor, last day), so they keep their input order.
    assert _ids(sort_by_date(events)) == [
        "early",
        "year-2025",
        "mar-2025",
        "by-mar-2025",
        "mar-31",
    ]
    assert _ids(sort_by_date(reversed(events))) == [
        "early",
        "year-2025",
        "mar-2025",
        "mar-31",
        "by-mar-2025",
    ]


def test_sort_by_date_puts_shorter_spans_first_on_the_same_day() -> None:
    events = [
        make_event("from", "2023-05-01/.."),
        make_event("year", "2023"),
        make_event("month", "2023-05"),
        make_event("day", "2023-05-01"),
        make_event("spring", "2023-21"),
    ]
    assert _ids(sort_by_date(events)) == ["year", "spring", "day", "month", "from"]


def _anchor(event: Event) -> int:
    """Where a timeline files a date, from `EdtfDate`'s documented rule, by hand."""
    text = event.date.text
    if "/" in text:
        left, right = text.split("/")
        if left in ("", ".."):
            return parse_edtf(right).upper
        return parse_edtf(left).lower
    return parse_edtf(text).lower


@settings(max_examples=100, deadline=None)
@given(datasets())
def test_sort_by_date_orders_by_anchor_then_upper_and_is_stable(dataset: Dataset) -> None:
    ordered = sort_by_date(dataset.events)
    assert sorted(_ids(ordered)) == sorted(_ids(dataset.events))
    keys = [(_anchor(e), e.date.upper) for e in ordered]
    assert keys == sorted(keys)
    original = {e.id: i for i, e in enumerate(dataset.events)}
    for a, b in itertools.pairwise(ordered):
        if (_anchor(a), a.date.upper) == (_anchor(b), b.date.upper):
            assert original[a.id] < original[b.id]
    # Sorting a sorted list changes nothing.
    assert sort_by_date(ordered) == ordered


# -- properties of the index ----------------------------------------------------------


def _oracle(event: Event, filt: Filter) -> bool:
    """The filter rule as `Filter`'s docstring states it, written independently."""
    if filt.themes:
        have = set(event.themes) & filt.themes
        if (have != filt.themes) if filt.all_themes else not have:
            return False
    if filt.actors and not set(event.actors) & filt.actors:
        return False
    if filt.sources and not {q.source_id for q in event.quotes} & filt.sources:
        return False
    if filt.statuses and event.status not in filt.statuses:
        return False
    low = MIN_DAY if filt.date_from is None else filt.date_from
    high = MAX_DAY if filt.date_to is None else filt.date_to
    if not event.date.overlaps(low, high):
        return False
    fields = [event.title, event.summary, *(q.text for q in event.quotes)]
    # The matching form (NFC, quotes, dashes, spaces) is text.py's to define.
    folded = [normalize(f).casefold() for f in fields]
    words = normalize(filt.text).casefold().split()
    return all(any(w in f for f in folded) for w in words)


@settings(max_examples=100, deadline=None)
@given(datasets(), filters())
def test_index_agrees_with_reference_and_oracle(dataset: Dataset, filt: Filter) -> None:
    index = EventIndex(dataset)
    ordered = sort_by_date(dataset.events)
    assert index.events == ordered
    expected = [index.events.index(e) for e in filter_events(ordered, filt)]
    got = index.apply(filt)
    assert got == expected
    assert got == sorted(set(got))  # ascending, no repeats
    assert [index.events[i].id for i in got] == [e.id for e in ordered if _oracle(e, filt)]
    assert all(index.position_of(index.events[i].id) == i for i in got)
    assert len(index) == len(dataset.events)


def _relaxes(loose: Filter, tight: Filter) -> bool:
    """Whether every event passing `tight` passes `loose`: each word of the looser
    search is part of the tighter one's word in the same place (the user typed on)."""
    a, b = loose.terms, tight.terms
    return len(a) <= len(b) and all(x in y for x, y in zip(a, b, strict=False))


@settings(max_examples=100, deadline=None)
@given(datasets(), filters(), st.data())
def test_apply_within_a_looser_result_gives_the_same_answer(
    dataset: Dataset, filt: Filter, data: st.DataObject
) -> None:
    index = EventIndex(dataset)
    cut = data.draw(st.integers(0, len(filt.text)), label="typed so far")
    looser = filt.but(text=filt.text[:cut])
    # A prefix usually relaxes the search, but not always ("e" then a combining accent).
    assume(_relaxes(looser, filt))
    if data.draw(st.booleans(), label="also drop facets"):
        looser = looser.but(themes=frozenset(), statuses=frozenset(), date_to=None)
    assert index.apply(filt, within=index.apply(looser)) == index.apply(filt)


@settings(max_examples=100, deadline=None)
@given(datasets(), filters(), st.data())
def test_adding_a_constraint_never_grows_the_result(
    dataset: Dataset, filt: Filter, data: st.DataObject
) -> None:
    index = EventIndex(dataset)
    field = data.draw(
        st.sampled_from(["themes", "actors", "sources", "statuses", "from", "to", "text"])
    )
    if field in ("themes", "actors", "sources", "statuses"):
        current = getattr(filt, field)
        pool: dict[str, Iterable[Any]] = {
            "themes": THEMES,
            "actors": ACTORS,
            "sources": SOURCE_IDS,
            "statuses": Status,
        }
        if current and not (field == "themes" and filt.all_themes):
            # Values within a facet are alternatives: fewer of them narrow it.
            values = data.draw(st.sets(st.sampled_from(sorted(current)), min_size=1))
        else:
            # From no constraint to some, or one more theme that must all be present.
            values = current | data.draw(st.sets(st.sampled_from(list(pool[field])), min_size=1))
        tighter = filt.but(**{field: frozenset(values)})
    elif field == "from":
        day = data.draw(st.integers(day_number(1980, 1, 1), day_number(2030, 1, 1)))
        tighter = filt.but(date_from=day if filt.date_from is None else max(day, filt.date_from))
    elif field == "to":
        day = data.draw(st.integers(day_number(1980, 1, 1), day_number(2030, 1, 1)))
        tighter = filt.but(date_to=day if filt.date_to is None else min(day, filt.date_to))
    else:
        tighter = filt.but(text=f"{filt.text} {data.draw(st.sampled_from(WORDS))}")
    assert set(index.apply(tighter)) <= set(index.apply(filt))


def test_more_values_in_all_themes_mode_never_grow_the_result() -> None:
    f = Filter(themes=frozenset({"space"}), all_themes=True)
    index = EventIndex(THEMED)
    wider = set(index.apply(f))
    narrower = set(index.apply(f.but(themes=frozenset({"space", "security"}))))
    assert narrower <= wider and narrower != wider


@settings(max_examples=100, deadline=None)
@given(datasets(), filters())
def test_facet_counts_count_events(dataset: Dataset, filt: Filter) -> None:
    index = EventIndex(dataset)
    shown = index.apply(filt)
    events = [index.events[i] for i in shown]
    counts = index.counts(index.search(filt))
    assert counts == facet_counts(events)
    assert sum(counts.statuses.values()) == len(events)
    for theme, count in counts.themes.items():
        assert count == sum(theme in e.themes for e in events)
    for actor, count in counts.actors.items():
        assert count == sum(actor in e.actors for e in events)
    for source, count in counts.sources.items():
        assert count == sum(source in {q.source_id for q in e.quotes} for e in events)
    for status, count in counts.statuses.items():
        assert count == sum(e.status is status for e in events)
    # Every value that occurs is counted, and nothing else.
    assert set(counts.themes) == {t for e in events for t in e.themes}
    assert set(counts.actors) == {a for e in events for a in e.actors}
    assert all(count > 0 for count in counts.themes.values())


def test_facet_counts_count_a_repeated_value_once_per_event() -> None:
    events = [
        make_event("a", themes=["space", "space"], actors=["Biden", "Biden"]),
        make_event("b", themes=["space"], quotes=[("nhk", "x"), ("nhk", "y")]),
    ]
    counts = facet_counts(events)
    assert counts.themes == {"space": 2}
    assert counts.actors == {"Biden": 1}
    assert counts.sources == {"nhk": 1}
    assert counts.statuses == {Status.OCCURRED: 2}


def test_facet_counts_of_nothing() -> None:
    counts = facet_counts([])
    assert (counts.themes, counts.actors, counts.sources, counts.statuses) == ({}, {}, {}, {})


# -- the search indexes (`EventIndex.prepare_search`) ----------------------------------
#
# Texts here are drawn from a small alphabet so that 1-3 character queries hit: ASCII
# letters and punctuation, accented and case-folding letters (ß folds to "ss", İ to
# "i̇"), a decomposed accent, CJK, the batch separators NUL and SOH, and whitespace
# (including \x1f and NBSP, which split words). Module constants that pick the index's
# representation (bitset or positions, masked characters, date steps) are varied too,
# so that every path meets the reference `filter_events`.

_ALPHABET = "abcha.-'\"éßİe\u0301東\x00\x01"
_SPACES = " \t\u00a0\x1f\n"
_chunks = st.text(alphabet=_ALPHABET + _SPACES, max_size=12)


def _letter_events(count: int) -> st.SearchStrategy[list[Event]]:
    return events_of_text(_chunks, count)


_queries = st.text(alphabet=_ALPHABET + "AÉSS", min_size=1, max_size=3)


def _prepared(dataset: Dataset, settings_: dict[str, Any]) -> EventIndex:
    index = EventIndex(dataset)
    with patch_index(settings_):
        index.prepare_search()
    assert index.search_ready
    return index


_windows = st.sampled_from([1, 2, 5, 8192])
"""`text_index._CHAR_WINDOW`: the characters' bitsets are joined every few events, or once."""


def _expected(index: EventIndex, filt: Filter) -> list[int]:
    return [i for i, event in enumerate(index.events) if matches(event, filt)]


_DAYS = sorted(
    {
        day + shift
        for text in DATE_POOL
        for day in (parse_edtf(text).lower, parse_edtf(text).upper)
        for shift in (-1, 0, 1)
    }
)
"""Day numbers on and next to every bound in `DATE_POOL`, where date ranges bite."""


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 40).flatmap(_letter_events), _queries, index_settings(), st.data())
def test_typing_a_short_query_key_by_key_matches_the_reference(
    events: list[Event], word: str, settings_: dict[str, Any], data: st.DataObject
) -> None:
    dataset = make_dataset(events)
    index = _prepared(dataset, {**settings_, "_CHAR_WINDOW": data.draw(_windows)})
    cold = EventIndex(dataset)  # not prepared: its first search builds the indexes
    shown = Filter(themes=data.draw(st.sampled_from([frozenset(), frozenset(THEMES[:1])])))
    result = index.search(shown)
    with patch_index({"_MEMO_LIMIT": settings_["_MEMO_LIMIT"]}):
        for k in range(1, len(word) + 1):
            filt = shown.but(text=word[:k])
            expected = _expected(index, filt)
            # As the UI does: narrow the shown result when the new words contain the old.
            within = result if _relaxes(shown, filt) else None
            result = index.search(filt, within)
            assert list(result.positions) == expected
            assert result.mask == sum(1 << i for i in expected)
            assert list(index.search(filt).positions) == expected  # again, from the memo
            assert cold.apply(filt) == expected
            shown = filt
        for k in range(len(word) - 1, 0, -1):  # and deleted again, key by key
            filt = shown.but(text=word[:k])
            assert index.apply(filt) == _expected(index, filt)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 40).flatmap(_letter_events),
    st.lists(_queries, max_size=3),
    index_settings(),
    st.data(),
)
def test_words_and_date_ranges_match_the_reference(
    events: list[Event], words: list[str], settings_: dict[str, Any], data: st.DataObject
) -> None:
    # Days on and next to the events' own bounds, where an off-by-one would show.
    days = (
        sorted({b + s for e in events for b in (e.date.lower, e.date.upper) for s in (-1, 0, 1)})
        or _DAYS
    )
    date_from = data.draw(st.none() | st.sampled_from(days), label="from")
    date_to = data.draw(st.none() | st.sampled_from(days), label="to")
    dataset = make_dataset(events)
    filt = Filter(text=" ".join(words), date_from=date_from, date_to=date_to)
    index = _prepared(dataset, {**settings_, "_CHAR_WINDOW": data.draw(_windows)})
    expected = _expected(index, filt)
    assert index.apply(filt) == expected
    assert EventIndex(dataset).apply(filt) == expected  # the unprepared paths
    assert [index.events[i].id for i in expected] == [
        e.id for e in filter_events(sort_by_date(dataset.events), filt)
    ]


def test_searching_while_another_thread_prepares_gives_the_same_answers() -> None:
    words = ["summit", "alliance", "café", "東京", "straße", "g7"]
    events = [
        make_event(f"e{i}", title=f"{words[i % 6]} {words[i * 7 % 6]}x{i}", summary=str(i))
        for i in range(300)
    ]
    dataset = make_dataset(events)
    reference = EventIndex(dataset)
    filters_ = [Filter(text=q) for q in ("s", "su", "sum", "é", "京", "x1", "ss g")]
    filters_.append(Filter(date_from=day_number(2023, 1, 13), text="a"))
    expected = [_expected(reference, f) for f in filters_]
    for _ in range(5):
        index = EventIndex(dataset)
        ready_before = index.search_ready
        worker = threading.Thread(target=index.prepare_search)
        worker.start()
        got = [index.apply(f) for f in filters_]  # meanwhile, or waiting for the build
        worker.join()
        assert (ready_before, index.search_ready) == (False, True)
        assert got == expected
        assert [index.apply(f) for f in filters_] == expected


def test_the_search_benchmark_runs_on_the_bundled_dataset(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The benchmark is not run in CI, but it must keep working: a one-repetition run.
    spec = importlib.util.spec_from_file_location(
        "search_bench", Path(__file__).resolve().parent.parent / "benchmarks/search_bench.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")
    monkeypatch.setattr(gc, "freeze", lambda: None)  # as the app does; not in this process
    from timeline.loader import bundled_dataset_path

    assert bench.main([str(bundled_dataset_path()), "--reps", "1", "--words", "2"]) == 0
    out = capsys.readouterr().out
    for row in ("type 1 letter ", "type 5 letters ", "delete to 1 ", "date 1 year "):
        assert row in out


def test_dataset_actors_are_each_named_once_in_the_order_first_named() -> None:
    dataset = load_dataset(None).dataset
    seen: list[str] = []
    for event in dataset.events:
        seen += [actor for actor in event.actors if actor not in seen]
    assert dataset.actors() == tuple(seen)
    assert len(seen) > 10 and "Joe Biden" in seen
