"""What a keystroke makes the screen redraw: only what changed, and nothing drawn wrong.

At 100,000 events a frame's cost is mostly widgets drawn again (the sidebar's lists, the
timeline's rows, the scroll bars a layout redraws). These tests pin down the savings
without timing anything: which lines are drawn again, that a layout is not asked for,
and that every cache still shows the current state (styles, focus, counts, cursor).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.style import Style
from strategies import datasets
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import SelectionList, Switch
from tui_support import bundled, make_app

from timeline.dates import parse_edtf
from timeline.query import EventIndex, Filter
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.overview import OverviewStrip
from timeline.ui.widgets.sidebar import FacetList, FilterSidebar, TextBox, count_text
from timeline.ui.widgets.timeline_view import EventRows, TimelineView
from timeline.views import Histogram, MonthIndex, group_keys, month_of_key

FULL = (170, 45)
"""Wide enough for the sidebar to show at start."""


def _spy(monkeypatch: pytest.MonkeyPatch, cls: type, name: str) -> Counter[str]:
    """Count calls of `cls.name` by the id of the widget they were made on."""
    calls: Counter[str] = Counter()
    original = getattr(cls, name)

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls[getattr(self, "id", None) or type(self).__name__] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, spy)
    return calls


def _layouts_asked(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the layouts each text box asks for, by its id."""
    asked: Counter[str] = Counter()
    original = TextBox.refresh

    def refresh(self: TextBox, *regions: Any, **kwargs: Any) -> Any:
        if kwargs.get("layout"):
            asked[self.id or ""] += 1
        return original(self, *regions, **kwargs)

    monkeypatch.setattr(TextBox, "refresh", refresh)
    return asked


def _first_style(strip: Strip) -> Style | None:
    return next(iter(strip)).style


async def _settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause()


async def _filled(pilot: Any) -> MainScreen:
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    await screen.query_one(FilterSidebar).fill()
    await _settle(pilot)
    return screen


async def test_new_counts_redraw_the_counts_not_the_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = EventIndex(bundled().dataset)
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        screen = await _filled(pilot)
        actors = screen.query_one("#actors", FacetList)
        before = dict(actors.counts)
        drawn = _spy(monkeypatch, SelectionList, "render_line")
        shown = _spy(monkeypatch, FacetList, "render_line")
        theme = bundled().dataset.themes[0].id
        await pilot.press("t", "space")
        await _settle(pilot)
        result = index.search(Filter(themes=frozenset({theme})))
        assert actors.counts == index.counts(result).actors != before
        # The actors' lines on screen were drawn again with their new counts, from the
        # lines drawn before: only the theme list, whose selection changed, was drawn
        # whole.
        assert shown["actors"] > 0
        assert drawn["actors"] == 0
        assert drawn["themes"] > 0
        for y in range(actors.option_count):
            value = actors.get_option_at_index(y).value
            text = actors.render_line(y).text.rstrip()
            assert text.endswith(count_text(actors.counts.get(value, 0)).strip())


async def test_unchanged_counts_draw_nothing_in_the_lists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        screen = await _filled(pilot)
        # The strip lights the months on screen once the timeline reports them after a
        # filter (at start it knows only the first row's).
        screen.set_filter(Filter(text="summit"))
        await _settle(pilot)
        screen.set_filter(Filter())
        await _settle(pilot)
        shown = _spy(monkeypatch, FacetList, "render_line")
        strip = _spy(monkeypatch, OverviewStrip, "render_line")
        # "Match all" with no theme chosen: a new filter, the same events.
        screen.query_one("#all-themes", Switch).toggle()
        await _settle(pilot)
        assert screen.filter.all_themes
        assert screen.shown_filter == screen.filter
        assert sum(shown.values()) == 0
        assert sum(strip.values()) == 0


async def test_a_selection_still_redraws_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        screen = await _filled(pilot)
        themes = screen.query_one("#themes", FacetList)
        await pilot.press("t")
        await _settle(pilot)
        unchosen = themes.render_line(0)
        await pilot.press("space")
        await _settle(pilot)
        chosen = themes.render_line(0)
        assert themes.selected == [themes.get_option_at_index(0).value]
        # The check box (its middle cell, the second segment) is drawn chosen; the count
        # in the line is the new one.
        assert list(chosen)[1].style != list(unchosen)[1].style
        value = themes.get_option_at_index(0).value
        assert chosen.text.rstrip().endswith(count_text(themes.counts[value]).strip())


async def test_typing_a_search_lays_nothing_out(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        screen = await _filled(pilot)
        layouts: list[Screen[Any]] = []
        screen.screen_layout_refresh_signal.subscribe(screen, layouts.append)
        await pilot.press("slash")
        await _settle(pilot)
        assert layouts == []  # the key bar redraws its one line; nothing is mounted
        asked = _layouts_asked(monkeypatch)
        await pilot.press(*"s")
        await _settle(pilot)
        assert screen.filter.text == "s"
        assert layouts == []  # "s" leaves the timeline's length (and scroll bar) as it was
        await pilot.press(*"ummit")
        await _settle(pilot)
        assert screen.filter.text == "summit"
        assert asked["search"] == 0
        # The box still scrolls to keep its cursor in view once the text outgrows it.
        search = screen.query_one("#search", TextBox)
        await pilot.press(*" and a much longer query than the box")
        await _settle(pilot)
        assert search.scroll_offset.x > 0
        assert search.cursor_position == len(search.value)
        # Only once, as the text outgrew the box (its hidden scroll bar "appeared"), not
        # at each of the 37 keys.
        assert asked["search"] <= 1
        # A date box is one too.
        screen.query_one("#date-from", TextBox).value = "2023-05"
        await _settle(pilot)
        assert asked["date-from"] == 0


async def test_the_timeline_draws_each_row_once_until_styles_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        screen = await _filled(pilot)
        timeline = screen.query_one(TimelineView)
        fetched: list[int] = []
        original = EventRows.timeline_row

        def timeline_row(self: EventRows, position: int) -> Any:
            fetched.append(position)
            return original(self, position)

        monkeypatch.setattr(EventRows, "timeline_row", timeline_row)
        first_cursor = timeline.cursor_position
        # Another filter, then back, then a repaint: the rows drawn before are reused.
        # Only the rows the cursor left and reached are new: the cursor kept to the
        # event it was on under the other filter.
        screen.set_filter(Filter(text="summit"))
        await _settle(pilot)
        fetched.clear()
        screen.set_filter(Filter())
        await _settle(pilot)
        timeline.refresh()
        await _settle(pilot)
        assert len(timeline.rows.positions) > 10
        assert set(fetched) <= {first_cursor, timeline.cursor_position}
        cursor = timeline.cursor_row
        assert cursor is not None
        focused = timeline.render_line(cursor)
        # Focus elsewhere: the cursor row is drawn in its unfocused style.
        screen.query_one("#search", TextBox).focus()
        await _settle(pilot)
        blurred = timeline.render_line(cursor)
        assert blurred.text == focused.text
        assert _first_style(blurred) != _first_style(focused)
        # Another colour theme: every row is drawn again in it.
        heading_before = timeline.render_line(0)
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await _settle(pilot)
        heading_after = timeline.render_line(0)
        assert heading_after.text == heading_before.text
        assert _first_style(heading_after) != _first_style(heading_before)


async def test_a_hidden_sidebar_gets_its_counts_when_shown() -> None:
    index = EventIndex(bundled().dataset)
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        screen = await _filled(pilot)
        themes = screen.query_one("#themes", FacetList)
        everything = dict(themes.counts)
        await pilot.press("f")  # hide the sidebar
        await _settle(pilot)
        screen.set_filter(Filter(text="summit"))
        await _settle(pilot)
        assert themes.counts == everything  # not counted while hidden
        await pilot.press("f")
        await _settle(pilot)
        assert themes.counts == index.counts(index.search(Filter(text="summit"))).themes


async def test_large_datasets_count_right_after_the_rows_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As at 100,000 events: the counts follow the frame that draws the rows, long
    # before the time limit that covers a timeline nobody draws.
    monkeypatch.setattr(MainScreen, "DEFER_WIDGETS_FROM", 0)
    monkeypatch.setattr(MainScreen, "AFTER_FRAME", 60.0)
    index = EventIndex(bundled().dataset)
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        screen = await _filled(pilot)
        screen.set_filter(Filter(text="summit"))
        await _settle(pilot)
        result = index.search(Filter(text="summit"))
        assert screen.query_one("#themes", FacetList).counts == index.counts(result).themes


def month_histogram(
    positions: Sequence[int], keys: Sequence[int], span: tuple[int, int] | None = None
) -> Histogram:
    """The reference `MonthIndex` is held to: count the events at `positions` per month.

    `span` is the (first, last) running month to cover, such as the whole dataset's so
    the scale stays put while filtering; by default, the counted events' own span.
    Year-only events count in January.
    """
    # Count per key in C, then turn the few hundred distinct keys into months.
    per_month: Counter[int] = Counter()
    for key, count in Counter(map(keys.__getitem__, positions)).items():
        per_month[month_of_key(key)] += count
    if span is None:
        if not per_month:
            return Histogram(0, 0, [0])
        span = (min(per_month), max(per_month))
    first, last = span
    counts = [0] * (last - first + 1)
    for month, count in per_month.items():
        if first <= month <= last:
            counts[month - first] += count
    return Histogram(first, last, counts)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), dataset=datasets(max_events=40))
def test_the_strip_histogram_is_the_core_one(data: st.DataObject, dataset: Any) -> None:
    """`MonthIndex`, which the screen draws the strip from, is `month_histogram`, fast."""
    index = EventIndex(dataset)
    keys = group_keys(index.events)
    everything = month_histogram(range(len(index)), keys)
    positions = sorted(
        data.draw(st.sets(st.integers(0, max(0, len(index) - 1)), max_size=len(index)))
        if len(index)
        else set()
    )
    expected = month_histogram(positions, keys, (everything.first, everything.last))
    assert MonthIndex(keys).histogram(positions) == expected


def _paints(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """Record, for each frame that paints, which of the timeline, the text boxes and the
    switches it paints again.

    A widget draws its content (`render_line`, or `render` for a switch) only when it
    was asked to repaint; otherwise its lines come from Textual's cache. A frame draws
    everything it paints in one go, so the draws between two turns of the event loop
    are one frame's.
    """
    paints: list[set[str]] = []
    loop = asyncio.get_running_loop()
    in_frame = [False]

    def end_frame() -> None:
        in_frame[0] = False

    def spy(cls: type, name: str) -> None:
        original = getattr(cls, name)

        def drawn(self: Any, *args: Any) -> Any:
            if not in_frame[0]:
                in_frame[0] = True
                paints.append(set())
                loop.call_soon(end_frame)
            paints[-1].add(self.id or type(self).__name__)
            return original(self, *args)

        monkeypatch.setattr(cls, name, drawn)

    spy(TimelineView, "render_line")
    spy(TextBox, "render_line")
    spy(Switch, "render")
    return paints


async def test_a_date_edit_paints_the_box_with_its_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The date boxes sit in a row container. Their edit, bubbled up, reached the screen
    # after the box's own repaint: the screen painted the box alone, and Textual, which
    # paints at most once per update period, held the rows back by one or two periods
    # (17-33 ms: what a date change waited for and a search did not).
    index = EventIndex(bundled().dataset)
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        screen = await _filled(pilot)
        timeline = screen.query_one(TimelineView)
        box = screen.query_one("#date-from", TextBox)
        box.scroll_visible(animate=False)  # below the lists: only a box on screen paints
        await _settle(pilot)
        layouts: list[Screen[Any]] = []
        screen.screen_layout_refresh_signal.subscribe(screen, layouts.append)
        paints = _paints(monkeypatch)
        box.value = "2023"
        await _settle(pilot)
        result = index.search(Filter(date_from=parse_edtf("2023").lower))
        assert list(timeline.rows.positions) == list(result.positions) != list(range(len(index)))
        assert layouts == []
        assert paints and {"date-from", "timeline"} <= paints[0], paints
        assert not any("date-from" in p for p in paints[1:])
        # Typed into the box: the key that makes a date paints with its rows too.
        box.cursor_blink = False  # a blink is a frame of its own
        box.focus()
        box.value = ""
        await _settle(pilot)
        layouts.clear()
        await pilot.press(*"202")  # not a date yet: shown as invalid, nothing filtered
        await _settle(pilot)
        assert screen.filter.date_from is None
        paints.clear()
        await pilot.press("3")
        await _settle(pilot)
        assert screen.filter.date_from == parse_edtf("2023").lower
        assert paints and {"date-from", "timeline"} <= paints[0], paints
        assert layouts == []


async def test_the_match_all_switch_paints_with_the_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The switch sits in a row container too: its toggle came after its own repaint.
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        screen = await _filled(pilot)
        themes = [t.id for t in bundled().dataset.themes[:2]]
        screen.set_filter(Filter(themes=frozenset(themes)))
        await _settle(pilot)
        paints = _paints(monkeypatch)
        screen.query_one("#all-themes", Switch).toggle()
        await _settle(pilot)
        assert screen.filter.all_themes
        assert paints and {"all-themes", "timeline"} <= paints[0], paints
        assert not any("all-themes" in p for p in paints[1:])
