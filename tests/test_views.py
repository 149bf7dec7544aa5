"""The timeline's view model: rows and headings, month density, and article wrapping."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from timeline.dates import parse_edtf
from timeline.model import Event, Status
from timeline.query import sort_by_date
from timeline.views import (
    Heading,
    Histogram,
    MonthIndex,
    build_rows,
    char_width,
    group_keys,
    key_runs,
    month_index,
    month_jump,
    month_of_key,
    wrap_offsets,
)


def _event(event_id: str, date: str) -> Event:
    return Event.new(
        id=event_id,
        date=parse_edtf(date),
        title=event_id,
        summary="",
        themes=(),
        actors=(),
        places=(),
        status=Status.OCCURRED,
        date_basis=None,
        quotes=(),
    )


def _labels(rows: list[int], events: list[Event]) -> list[str]:
    return [Heading.decode(r).label if r < 0 else events[r].id for r in rows]


def test_rows_group_events_under_year_and_month_headings() -> None:
    events = list(
        sort_by_date(
            [
                _event("summit", "2023-01-13"),
                _event("twoplustwo", "2023-01-11"),
                _event("g7", "2023-05"),
                _event("nss", "2022-12"),
                _event("year-only", "2023"),
                _event("apr-summit", "2024-04-10"),
            ]
        )
    )
    keys = group_keys(events)
    rows = build_rows(range(len(events)), keys)
    assert _labels(rows.rows, events) == [
        "2022",
        "December 2022",
        "nss",
        "2023",
        "year-only",
        "January 2023",
        "twoplustwo",
        "summit",
        "May 2023",
        "g7",
        "2024",
        "April 2024",
        "apr-summit",
    ]
    # Every shown event can be found again by its position.
    for position in range(len(events)):
        row = rows.row_for_position(position)
        assert row is not None and rows.rows[row] == position


def test_open_start_interval_is_filed_under_its_end() -> None:
    events = list(sort_by_date([_event("joc", "../2025-03"), _event("early", "2024-01-01")]))
    assert [e.id for e in events] == ["early", "joc"]
    rows = build_rows(range(2), group_keys(events))
    assert _labels(rows.rows, events)[-2:] == ["March 2025", "joc"]


def test_seasons_and_year_only_dates_never_repeat_a_month_heading() -> None:
    events = list(
        sort_by_date(
            [
                _event("spring-a", "2024-03-01"),
                _event("spring", "2024-21"),  # spring 2024: first day 1 Mar 2024
                _event("spring-b", "2024-03-25"),
                _event("apr", "2024-04-10"),
                _event("autumn", "2024-23"),  # autumn 2024: first day 1 Sep 2024
                _event("new-year", "2025-01-01"),
                _event("year-only", "2025"),  # after 1 Jan 2025 in the date order
                _event("jan", "2025-01-20"),
            ]
        )
    )
    assert [e.id for e in events] == [
        "spring-a", "spring", "spring-b", "apr", "autumn", "new-year", "year-only", "jan"
    ]  # fmt: skip
    rows = build_rows(range(len(events)), group_keys(events))
    labels = _labels(rows.rows, events)
    assert labels == [
        "2024", "March 2024", "spring-a", "spring", "spring-b",
        "April 2024", "apr",
        "September 2024", "autumn",
        "2025", "January 2025", "new-year", "year-only", "jan",
    ]  # fmt: skip
    headings = [label for label in labels if " " in label]
    assert len(headings) == len(set(headings))


def test_filtered_rows_drop_empty_headings_and_lost_positions() -> None:
    events = list(sort_by_date([_event("a", "2022-12-01"), _event("b", "2023-01-13")]))
    rows = build_rows([1], group_keys(events))
    assert _labels(rows.rows, events) == ["2023", "January 2023", "b"]
    assert rows.row_for_position(0) is None
    assert rows.nearest_event_row(0) == 2
    assert rows.nearest_event_row(1, -1) is None


def test_negative_and_huge_years_never_collide_with_event_rows() -> None:
    events = list(sort_by_date([_event("old", "-0300"), _event("far", "Y170000002")]))
    rows = build_rows(range(2), group_keys(events))
    assert [r for r in rows.rows if r >= 0] == [0, 1]
    assert _labels(rows.rows, events) == ["-300", "old", "170000002", "far"]


def test_month_histogram_counts_each_month_and_keeps_a_fixed_span() -> None:
    events = list(
        sort_by_date([_event("a", "2023-01-11"), _event("b", "2023-01-13"), _event("c", "2023-03")])
    )
    keys = group_keys(events)
    hist = MonthIndex(keys).histogram(range(3))
    assert (hist.first, hist.last) == (month_index(2023, 1), month_index(2023, 3))
    assert hist.counts == [2, 0, 1]
    # Filtering to one event keeps the whole span.
    narrowed = MonthIndex(keys).histogram([2])
    assert narrowed.counts == [0, 0, 1]
    assert month_of_key(keys[2]) == month_index(2023, 3)


@given(st.integers(1, 400), st.integers(1, 120))
def test_histogram_buckets_cover_the_span_exactly_once(months: int, width: int) -> None:
    hist = Histogram(1000, 1000 + months - 1, [0] * months)
    bounds = hist.bucket_bounds(width)
    covered = [m for start, end in bounds for m in range(start, end + 1)]
    assert covered == list(range(1000, 1000 + months))
    assert len(bounds) == min(width, months)


_TEXT = st.text(alphabet=st.sampled_from(list("ab cd\n  e東京\u0301")), max_size=200)


@given(_TEXT, st.integers(1, 30))
def test_wrapped_lines_fit_and_lose_only_break_spaces(text: str, width: int) -> None:
    lines = wrap_offsets(text, width)
    for start, end in lines:
        shown = text[start:end]
        assert "\n" not in shown
        assert sum(char_width(c) for c in shown) <= max(width, char_width(shown[:1] or "a"))
    # Every non-space character appears on exactly one line, in order.
    kept = [i for start, end in lines for i in range(start, end)]
    assert kept == sorted(kept)
    visible = [i for i, c in enumerate(text) if c not in " \n"]
    assert set(visible) <= set(kept)


def test_wrap_breaks_at_spaces_and_cuts_long_words() -> None:
    text = "Hello world this\n\nsupercalifragilistic"
    assert [text[s:e] for s, e in wrap_offsets(text, 11)] == [
        "Hello world",
        "this",
        "",
        "supercalifr",
        "agilistic",
    ]


@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=60).map(sorted),
    st.data(),
    st.integers(-15, 15).filter(bool),
)
def test_month_jump_finds_the_nearest_shown_month_past_the_target(
    months_of: list[int], data: st.DataObject, months: int
) -> None:
    # Events in date order have non-decreasing months; any subset of them may be shown.
    flags = data.draw(st.lists(st.booleans(), min_size=len(months_of), max_size=len(months_of)))
    shown = [i for i, keep in enumerate(flags) if keep]
    position = data.draw(st.integers(0, len(months_of) - 1))
    target = months_of[position] + months
    if months > 0:
        later = [months_of[i] for i in shown if months_of[i] >= target]
        expected = min(later) if later else None
    else:
        earlier = [months_of[i] for i in shown if months_of[i] <= target]
        expected = max(earlier) if earlier else None
    assert month_jump(shown, months_of.__getitem__, position, months) == expected


def _rows_one_event_at_a_time(positions: list[int], keys: list[int]) -> list[int]:
    """The rows as the timeline defines them: a heading wherever the year or the month
    changes from one shown event to the next."""
    rows: list[int] = []
    last_year = last_key = None
    for position in positions:
        key = keys[position]
        if key != last_key:
            year_key = key - key % 13
            if year_key != last_year:
                rows.append(-year_key - 1)
                last_year = year_key
                if key != year_key:
                    rows.append(-key - 1)
                last_key = key
            elif key != year_key:
                rows.append(-key - 1)
                last_key = key
        rows.append(position)
    return rows


@given(
    st.lists(st.integers(26_000, 26_040), max_size=60).map(sorted)
    | st.lists(st.integers(26_000, 26_040), max_size=60),
    st.data(),
)
def test_rows_by_runs_are_the_rows_event_by_event(keys: list[int], data: st.DataObject) -> None:
    shown = sorted(data.draw(st.sets(st.integers(0, max(len(keys) - 1, 0)))) if keys else [])
    built = build_rows(shown, keys, key_runs(keys) if data.draw(st.booleans()) else None)
    assert list(built.rows) == _rows_one_event_at_a_time(shown, keys)
    assert list(built.positions) == shown
    assert [built.rows[row] for row in built.row_of] == shown
