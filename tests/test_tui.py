"""Pilot tests: the TUI driven as a person would, headless, at fixed sizes.

Expected results come from the core's own functions (`EventIndex.apply`), since the UI's
job is to show exactly what the core computes.
"""

from __future__ import annotations

import re
import threading
from functools import partial
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from textual.app import App, ComposeResult
from textual.command import CommandList
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, LoadingIndicator, OptionList, SelectionList, Static
from tui_support import (
    HOSTILE_QUOTE,
    HOSTILE_TITLE,
    bundled,
    copy_bundled,
    drawn_lines,
    drawn_segments,
    hostile_dataset,
    make_app,
    notifications,
    screen_lines,
)

from timeline.dates import parse_edtf
from timeline.loader import Loaded, ProgressCallback, load_dataset
from timeline.model import Dataset, Event, Status
from timeline.provenance import citations_of
from timeline.query import EventIndex, Filter
from timeline.store import open_dataset
from timeline.text import normalize, sanitize, sanitize_keeping_offsets
from timeline.ui.app import TimelineApp
from timeline.ui.messages import ArticleRequested, FilterEdited
from timeline.ui.screens.article import ArticleScreen
from timeline.ui.screens.diagnostics import DiagnosticsScreen
from timeline.ui.screens.help import HelpScreen
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.article_view import ArticleView
from timeline.ui.widgets.detail_pane import DetailPane
from timeline.ui.widgets.overview import OverviewStrip
from timeline.ui.widgets.sidebar import FacetList, FilterSidebar, count_text
from timeline.ui.widgets.timeline_view import TimelineView

WIDE = (140, 45)
"""A common terminal: quote pane on the right, sidebar hidden until asked for."""
FULL = (170, 45)
"""Wide enough for the sidebar to show at start."""


@pytest.fixture
def index() -> EventIndex:
    return EventIndex(bundled().dataset)


def _count_line(total: int, shown: int) -> str:
    return f"{shown:,} of {total:,} events"


async def test_startup_shows_every_event_in_date_order(index: EventIndex) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        timeline = app.screen.query_one(TimelineView)
        assert app.focused is timeline
        assert app.sub_title == _count_line(len(index), len(index))
        shown = [row for row in timeline.rows.rows if row >= 0]
        assert shown == list(range(len(index)))
        # The first screen lines show the first year, then the first event's title start.
        text = "\n".join(timeline.render_line(y).text for y in range(6))
        first = index.events[0]
        assert str(first.date.anchor_point.year) in text
        assert first.title[:20] in text
        # The quote pane shows the highlighted (first) event.
        assert app.screen.query_one(DetailPane).event == first


async def test_theme_filter_shows_exactly_the_matching_events(index: EventIndex) -> None:
    app = make_app()
    theme = bundled().dataset.themes[1]
    expected = index.apply(Filter(themes=frozenset({theme.id})))
    assert 0 < len(expected) < len(index)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        themes = app.screen.query_one("#themes", SelectionList)
        assert app.focused is themes
        await pilot.press("down", "space")  # the second theme in the vocabulary
        await pilot.pause()
        assert themes.selected == [theme.id]
        timeline = app.screen.query_one(TimelineView)
        assert list(timeline.rows.positions) == expected
        assert app.sub_title == _count_line(len(index), len(expected))
        # Every shown event carries the theme.
        assert all(theme.id in index.events[p].themes for p in timeline.rows.positions)


async def test_match_all_themes_intersects(index: EventIndex) -> None:
    app = make_app()
    first, second = (t.id for t in bundled().dataset.themes[:2])
    expected = index.apply(Filter(themes=frozenset({first, second}), all_themes=True))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t", "space", "down", "space")
        app.screen.query_one("#all-themes").toggle()  # type: ignore[attr-defined]
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        assert main.filter == Filter(themes=frozenset({first, second}), all_themes=True)
        assert list(main.query_one(TimelineView).rows.positions) == expected


async def test_search_narrows_as_the_user_types(index: EventIndex) -> None:
    app = make_app()
    word = "summit"
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#search", Input)
        counts = []
        for i in range(1, len(word) + 1):
            await pilot.press(word[i - 1])
            await pilot.pause()
            expected = index.apply(Filter(text=word[:i]))
            shown = app.screen.query_one(TimelineView).rows.positions.tolist()
            assert shown == expected, word[:i]
            counts.append(len(shown))
        assert counts == sorted(counts, reverse=True)
        assert counts[-1] < len(index)
        assert app.sub_title == _count_line(len(index), counts[-1])
        await pilot.press("enter")  # done typing: back to the results
        assert app.screen.query_one(TimelineView).has_focus


async def test_search_in_a_worker_shows_the_newest_result(
    index: EventIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Big datasets search in a thread; here every dataset does. Keys sent in one go
    # start searches that finish out of step: only the last filter's result may show.
    monkeypatch.setattr(MainScreen, "BACKGROUND_SEARCH", 0)
    app = make_app()
    word = "summit"
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("slash", *word)
        await app.workers.wait_for_complete()
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        expected = index.apply(Filter(text=word))
        assert main.filter == main.shown_filter == Filter(text=word)
        timeline = main.query_one(TimelineView)
        assert list(timeline.rows.positions) == expected
        assert timeline.virtual_size.height == len(timeline.rows.rows)  # the scroll range
        assert app.sub_title == _count_line(len(index), len(expected))
        await pilot.press(*["backspace"] * len(word))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert list(main.query_one(TimelineView).rows.positions) == list(range(len(index)))


async def test_sidebar_counts_follow_the_result(index: EventIndex) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("slash", *"summit")
        await pilot.pause()
        result = index.search(Filter(text="summit"))
        counts = index.counts(result)
        themes = app.screen.query_one("#themes", FacetList)
        assert themes.counts == counts.themes
        # Each line shows its own value's count, right-aligned in the prompt.
        for y in range(themes.option_count):
            theme = themes.get_option_at_index(y).value
            line = themes.render_line(y).text
            assert line.rstrip().endswith(count_text(counts.themes.get(theme, 0)).strip())


async def test_large_datasets_update_counts_and_detail_after_the_rows(
    index: EventIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As at 100,000 events: the counts and the detail pane follow the rows' frame.
    monkeypatch.setattr(MainScreen, "DEFER_WIDGETS_FROM", 0)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("slash", *"summit")
        await pilot.pause(MainScreen.AFTER_FRAME * 3)
        result = index.search(Filter(text="summit"))
        assert list(app.screen.query_one(TimelineView).rows.positions) == list(result.positions)
        assert app.screen.query_one("#themes", FacetList).counts == index.counts(result).themes
        first = index.events[result.positions[0]]
        assert app.screen.query_one(DetailPane).event == first


async def test_a_filter_that_keeps_the_event_keeps_the_quote_pane_where_it_was(
    index: EventIndex, dataset_copy: Path
) -> None:
    event = max(index.events, key=lambda e: len(bundled().dataset.full(e).quotes))
    theme = event.themes[0]
    # Store-backed, as at 100,000 events: an event's details are read when it is shown.
    app = make_app(open_dataset(dataset_copy, details=False))
    async with app.run_test(size=(100, 24)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        main.select_event(event.id)
        await pilot.pause()
        pane = main.query_one(DetailPane)
        assert pane.max_scroll_y > 3
        pane.scroll_to(y=3, animate=False)
        await pilot.pause()
        main.set_filter(Filter(themes=frozenset({theme})))
        await pilot.pause()
        assert list(main.query_one(TimelineView).rows.positions) == index.apply(main.filter)
        assert pane.event is not None and pane.event.id == event.id
        assert pane.scroll_offset.y == 3
        # Another event is shown from its top.
        await pilot.press("down")
        await pilot.pause()
        assert pane.event is not None and pane.event.id != event.id
        assert pane.scroll_offset.y == 0


async def test_a_reload_reads_the_shown_event_from_the_new_data(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Even unchanged, the reloaded data is new: the pane must not keep (and keep alive)
    # the replaced data's event. The two indexes compare equal as values.
    app = make_app(open_dataset(dataset_copy, details=False))
    read: list[EventIndex] = []
    event_as_of = EventIndex.event_as_of

    def reading(index: EventIndex, position: int, day: int | None) -> Event:
        read.append(index)
        return event_as_of(index, position, day)

    monkeypatch.setattr(EventIndex, "event_as_of", reading)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        before = main.index
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.index is not before and main.index == before
        assert read and read[-1] is main.index


def test_count_text_fits_its_column() -> None:
    assert [count_text(n) for n in (0, 12, 9999, 12_345, 100_000, 2_500_000)] == [
        "   0", "  12", "9999", " 12k", "100k", "  2M"
    ]  # fmt: skip


async def test_clear_key_resets_every_filter(index: EventIndex) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("slash", *"summit", "escape")
        await pilot.pause()
        assert app.sub_title != _count_line(len(index), len(index))
        await pilot.press("c")
        await pilot.pause()
        assert app.sub_title == _count_line(len(index), len(index))
        assert app.screen.query_one("#search", Input).value == ""


async def test_clearing_a_filter_that_left_no_events_goes_back_to_the_event_before_it(
    dataset_copy: Path, index: EventIndex
) -> None:
    app = make_app(open_dataset(dataset_copy))
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await pilot.press(*"jjjjj", "slash", "z")
        await pilot.pause()
        before = main.selected_event_id
        assert before not in (None, index.events[0].id)
        await pilot.press(*"zqqxx", "enter")  # no event has that
        await pilot.pause()
        assert main.selected_event_id is None
        await pilot.press("c")
        await pilot.pause()
        assert main.selected_event_id == before
        # A reload while the list is empty keeps it too: by id, as the first event is
        # gone from the new data and every later one has moved up one position.
        await pilot.press("slash", *"zzqqxx", "enter")
        events_file = dataset_copy / "events.yaml"
        text = events_file.read_text("utf-8")
        start = text.index(f'  - id: "{index.events[0].id}"')
        events_file.write_text(text[:start] + text[text.index("  - id:", start + 1) :])
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.selected_event_id is None
        await pilot.press("c")
        await pilot.pause()
        assert main.selected_event_id == before


async def test_enter_opens_the_article_with_the_quote_highlighted(index: EventIndex) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j", "j", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        event = index.events[2]
        quote = event.quotes[0]
        source = bundled().dataset.source(quote.source_id)
        view = screen.query_one(ArticleView)
        assert view.excerpt == (quote.span.start, quote.span.end)
        assert view.highlighted_text == source.text[quote.span.start : quote.span.end]
        assert normalize(view.highlighted_text) == normalize(quote.text)
        # The excerpt's first line is on screen.
        top = int(view.scroll_offset.y)
        assert top <= view.line_of(quote.span.start) < top + view.size.height


async def test_a_huge_title_leaves_the_quote_in_view_at_80x24() -> None:
    dataset = bundled().dataset
    first = EventIndex(dataset).events[0]
    huge = Event.new(
        id=first.id, date=first.date, title="Very long title " * 6_000, summary=first.summary,
        themes=first.themes, actors=first.actors, places=first.places, status=first.status,
        date_basis=first.date_basis, quotes=first.quotes,
    )  # fmt: skip
    events = tuple(huge if e.id == first.id else e for e in dataset.events)
    loaded = Loaded(Dataset(dataset.root, dataset.themes, dataset.sources, events), ())
    app = make_app(loaded)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        view = screen.query_one(ArticleView)
        assert view.size.height >= 8  # the article keeps most of the screen
        top = int(view.scroll_offset.y)
        quote = huge.quotes[0]
        assert top <= view.line_of(quote.span.start) < top + view.size.height


async def test_quote_pane_opens_the_chosen_quote_and_n_p_step(index: EventIndex) -> None:
    multi = next(i for i, e in enumerate(index.events) if len(e.quotes) > 1)
    app = make_app(event=index.events[multi].id)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        app.screen.query_one(DetailPane).focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert screen.quote_index == 1
        await pilot.press("n")
        assert screen.quote_index == 2 % len(index.events[multi].quotes)
        await pilot.press("p", "p")
        assert screen.quote_index == 0
        quote = index.events[multi].quotes[0]
        assert screen.query_one(ArticleView).excerpt == (quote.span.start, quote.span.end)


async def test_escape_returns_to_exactly_where_the_user_was(index: EventIndex) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press(*["j"] * 12)
        timeline = app.screen.query_one(TimelineView)
        before = (timeline.cursor_position, timeline.scroll_offset.y, app.focused)
        await pilot.press("enter")
        assert isinstance(app.screen, ArticleScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        timeline = app.screen.query_one(TimelineView)
        assert (timeline.cursor_position, timeline.scroll_offset.y, app.focused) == before


async def test_other_excerpts_jump_to_their_event(index: EventIndex) -> None:
    dataset = bundled().dataset
    # An event whose first quote's article is also cited by another event.
    start = next(
        i
        for i, e in enumerate(index.events)
        if any(o.id != e.id for o, _ in citations_of(dataset, e.quotes[0].source_id))
    )
    event = index.events[start]
    others = [o for o, _ in citations_of(dataset, event.quotes[0].source_id) if o.id != event.id]
    app = make_app(event=event.id)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert screen.query_one("#citations", OptionList).option_count == len(others)
        await pilot.press("o", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        target = app.screen.query_one(TimelineView).cursor_position
        assert target is not None and index.events[target] == others[0]


async def test_deep_links_select_an_event_and_apply_filters(index: EventIndex) -> None:
    event = index.events[len(index) // 2]
    app = make_app(event=event.id)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert app.screen.query_one(TimelineView).cursor_position == len(index) // 2
        assert app.screen.query_one(DetailPane).event == event

    theme = bundled().dataset.themes[0].id
    wanted = Filter(themes=frozenset({theme}), text="japan")
    app = make_app(initial_filter=wanted)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        await app.screen.query_one(FilterSidebar).fill()  # a busy machine fills it later
        assert list(app.screen.query_one(TimelineView).rows.positions) == index.apply(wanted)
        assert app.screen.query_one("#search", Input).value == "japan"
        assert app.screen.query_one("#themes", SelectionList).selected == [theme]


async def test_80x24_puts_the_quote_pane_below_and_keeps_titles(index: EventIndex) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        timeline = screen.query_one(TimelineView)
        detail = screen.query_one(DetailPane)
        assert screen.has_class("-narrow")
        assert not screen.query_one(FilterSidebar).display
        assert detail.region.y > timeline.region.y
        assert timeline.region.width == 80
        assert timeline.region.height >= 8
        lines = "\n".join(timeline.render_line(y).text for y in range(timeline.size.height))
        assert index.events[0].title[:12] in lines
        # The sidebar can still be shown, and the search box reached.
        await pilot.press("slash")
        assert screen.query_one(FilterSidebar).display
        assert app.focused is screen.query_one("#search", Input)


async def test_help_lists_every_binding() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(" ".join(drawn_lines(s)) for s in app.screen.query(".help-section"))
        for words in ("Next quote", "Search", "Themes", "Clear", "Quit", "Open", "Back", "Reload"):
            assert words in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_a_long_help_line_wraps_under_its_description_at_80x24() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        continued = 0
        for static in app.screen.query_one("#help").query(Static):
            column = None  # where the last row's description starts
            for line in drawn_lines(static):
                # "  KEYS   DESCRIPTION": keys hold single spaces, then three or more.
                row = re.match(r"  \S(?:.*?\S)?\s{3,}(\S)", line)
                if row is not None:
                    column = row.start(1)
                elif line.strip() and column is not None:  # the description goes on
                    continued += 1
                    assert len(line) - len(line.lstrip()) == column, line
        assert continued  # at 80×24 the quote pane's Tab does not fit on one line


async def test_overview_click_moves_the_timeline(index: EventIndex) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        overview = app.screen.query_one(OverviewStrip)
        await pilot.click(OverviewStrip, offset=(overview.size.width - 1, 0))
        await pilot.pause()
        position = app.screen.query_one(TimelineView).cursor_position
        assert position is not None and position >= len(index) - 3


async def test_a_click_moves_the_cursor_and_a_double_click_opens_the_event(
    index: EventIndex,
) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        main = app.screen
        timeline = main.query_one(TimelineView)
        rows, top = timeline.rows.rows, int(timeline.scroll_offset.y)
        shown = range(top, min(len(rows), top + timeline.size.height))
        heading = next(r for r in shown if rows[r] < 0)
        target = next(
            r
            for r in shown
            if rows[r] >= 0 and r != timeline.cursor_row and index.events[rows[r]].quotes
        )
        before = timeline.cursor_row
        await pilot.click(timeline, offset=(2, heading - top))
        assert timeline.cursor_row == before  # headings are not events
        await pilot.click(timeline, offset=(2, target - top))
        assert timeline.cursor_row == target
        assert isinstance(app.screen, MainScreen)
        await pilot.double_click(timeline, offset=(2, target - top))
        article = app.screen
        assert isinstance(article, ArticleScreen)
        assert article.event is index.events[rows[target]]
        # The double click was the timeline's alone: Textual's own would select all.
        assert timeline not in main.selections


async def test_messages_flow_up_from_the_widgets() -> None:
    app = make_app()
    seen: list[object] = []
    async with app.run_test(size=WIDE, message_hook=seen.append) as pilot:
        await pilot.press("slash", "x")
        await pilot.pause()
    edits = [m for m in seen if isinstance(m, FilterEdited)]
    assert {"text": "x"} in [m.changes for m in edits]


async def test_the_pane_and_strip_follow_the_cursor_in_the_same_frame() -> None:
    # Followed as it moves, not a message later: one frame shows the new row, its
    # quotes and the strip's lit months, and a key never waits behind a second frame.
    app = make_app()
    async with app.run_test(size=(120, 20)) as pilot:  # not every month on screen
        await pilot.pause()
        main = app.screen
        timeline, pane = main.query_one(TimelineView), main.query_one(DetailPane)
        overview = main.query_one(OverviewStrip)
        index = main.index
        assert index is not None and pane.event is index.events[timeline.cursor_position]
        timeline.action_step(1)  # no await: nothing else has run since
        assert pane.event is index.events[timeline.cursor_position]
        viewport, bars = timeline.viewport, list(overview.render_line(0))
        timeline.action_last()
        assert pane.event is index.events[-1]
        assert timeline.viewport is not None and timeline.viewport != viewport
        assert list(overview.render_line(0)) != bars  # other months lit


def _plain(widget: Widget) -> str:
    """What a Static-like widget shows, as plain text."""
    return str(widget.render())


def _click_actions(app: App[None]) -> list[str]:
    """Every `@click` action in what the screen draws now.

    Clickable markup becomes an `@click` entry in a segment's style meta; that is what a
    click obeys.
    """
    return [
        str(segment.style.meta["@click"])
        for segment in drawn_segments(app.screen)
        if segment.style is not None and "@click" in segment.style.meta
    ]


async def _click_around(pilot: Pilot[None], widget: Widget, rows: int, step: int) -> None:
    """Click every `step` cells across the first `rows` rows of `widget`."""
    for y in range(min(widget.size.height, rows)):
        for x in range(0, min(widget.size.width, 48), step):
            await pilot.click(widget, offset=(x, y))


async def test_markup_and_escape_sequences_are_shown_literally(tmp_path: Path) -> None:
    trap = tmp_path / "trap.svg"
    loaded = hostile_dataset(trap)
    event = loaded.dataset.events[0]
    app = make_app(loaded)
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        screen = app.screen
        timeline = screen.query_one(TimelineView)
        row_text = "\n".join(screen_lines(timeline))
        assert "[@click=app.quit]Click me[/] [bold]not bold[/" in row_text  # then cut
        detail = screen.query_one(DetailPane)
        # Every field shows exactly its sanitised text: markup kept, controls visible.
        # The pane shows the title, date and themes, the quotes (after a heading), then
        # the summary and the other facts between blank lines; a block's lines join back
        # with the single spaces the wrapping broke on.
        lines = detail.text_lines
        date_at = next(i for i, line in enumerate(lines) if line.startswith("Date "))
        after_quotes = detail.quote_rows(len(event.quotes) - 1).stop
        summary_end = lines.index("", after_quotes + 1)
        title = " ".join(lines[:date_at])
        assert title == sanitize(HOSTILE_TITLE)
        assert "␛[2J␛]52;c;aGk=␇" in title
        facts = [*lines[date_at : detail.quote_rows(0).start - 1], *lines[summary_end + 1 :]]
        meta = " ".join(line[8:] for line in facts)
        summary = " ".join(lines[after_quotes + 1 : summary_end])
        assert sanitize(event.summary) == summary
        assert "⍰31m" in summary
        assert "[@click=app.quit]Actor[/]" in meta and "␛[31mRed place" in meta
        assert "[i]basis[/i]" in meta
        quote_prompt = " ".join(lines[row] for row in detail.quote_rows(0))
        assert f"“{sanitize(HOSTILE_QUOTE)}”" in quote_prompt
        await screen.query_one(FilterSidebar).fill()  # filled right after the rows: wait
        sidebar_text = " ".join(
            str(option.prompt)
            for facet in ("#themes", "#actors", "#sources")
            for option in screen.query_one(facet, SelectionList).options
        )
        assert "[@click=app.scre" in sidebar_text  # labels are cut to fit the sidebar
        assert "[@click=app.quit" in sidebar_text
        everything = row_text + "".join(lines) + sidebar_text
        assert not any(ch in everything for ch in "\x1b\x9b\x07")
        # Nothing drawn is clickable markup, and real clicks on the data do nothing.
        assert _click_actions(app) == []
        await _click_around(pilot, timeline, rows=3, step=8)
        # Title, date and themes: every line above the first quote.
        await _click_around(pilot, detail, rows=detail.quote_rows(0).start, step=16)
        await _click_around(pilot, screen.query_one("#actors", SelectionList), rows=2, step=16)
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, (MainScreen, ArticleScreen))
        # Open the article through the quote pane, then click all over it too.
        if isinstance(app.screen, MainScreen):
            quote_y = detail.quote_rows(0).start - int(detail.scroll_offset.y)
            await pilot.click(detail, offset=(detail.gutter.left, quote_y))
            await pilot.pause()
        article = app.screen
        assert isinstance(article, ArticleScreen)
        view = article.query_one(ArticleView)
        assert view.highlighted_text == sanitize_keeping_offsets(HOSTILE_QUOTE)
        assert view.highlighted_text.startswith("[link=file:///etc/passwd]passwd[/link]")
        assert "\x1b" not in view.text and "␛]8;;" in view.text
        head = _plain(article.query_one("#article-head"))
        assert "[red]Evil[/red] source ␛c" in head and "[@click=app.screenshot(" in head
        assert _click_actions(app) == []
        await _click_around(pilot, article.query_one("#article-head"), rows=3, step=12)
        await _click_around(pilot, view, rows=2, step=16)
        await pilot.pause()
        assert app.is_running and app.return_code is None
    assert not trap.exists() and list(tmp_path.iterdir()) == []
    assert "\x1b" in HOSTILE_QUOTE  # the raw quote really carried escape sequences


async def test_the_trap_would_spring_if_markup_were_parsed(tmp_path: Path) -> None:
    """The control for the test above: the same text parsed as markup does write a file."""
    trap = tmp_path / "trap.svg"
    outlet = hostile_dataset(trap).dataset.sources[0].outlet

    class Parsed(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(outlet)  # markup on: exactly what the app must never do

    app = Parsed()
    async with app.run_test(size=(60, 5)) as pilot:
        assert _click_actions(app) != []
        await pilot.click(Static, offset=(1, 0))
        await pilot.pause()
    assert trap.exists()


async def test_command_palette_shows_hostile_titles_literally(tmp_path: Path) -> None:
    app = make_app(hostile_dataset(tmp_path / "trap.svg"))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("ctrl+p", *"click")
        await pilot.pause(0.5)
        commands = app.screen.query_one(CommandList)
        prompts = [
            str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)
        ]
        assert any("[@click=app.quit]Click me[/]" in prompt for prompt in prompts)
        assert not any("\x1b" in prompt for prompt in prompts)
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, MainScreen)
    assert list(tmp_path.iterdir()) == []


async def test_command_palette_jumps_to_an_event(index: EventIndex) -> None:
    target = index.events[-2]
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("ctrl+p", *target.id)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one(TimelineView).cursor_position == len(index) - 2


async def test_filter_values_the_dataset_lacks_are_dropped_with_a_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reload that removes the source filtered on, and a deep link's unknown theme:
    the filter keeps the rest, the user is told, and nothing breaks (the filter line
    at 80×24 looked the source up and crashed)."""
    root = copy_bundled(tmp_path)
    gone = "unnamed-tv-2024-04-summit-report"
    asked = Filter(themes=frozenset({"no-such-theme"}), sources=frozenset({gone}), text="summit")
    app = make_app(load_dataset(root), initial_filter=asked.but(themes=frozenset()))
    said = notifications(app, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert "from Unnamed broadcaster" in str(screen.query_one("#filter-line").render())
        events = root / "events.yaml"
        data = yaml.safe_load(events.read_text(encoding="utf-8"))
        for event in data["events"]:
            event["sources"] = [s for s in event["sources"] if s["source"] != gone]
        data["events"] = [event for event in data["events"] if event["sources"]]
        events.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        (root / "sources" / f"{gone}.txt").unlink()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.filter == Filter(text="summit")
        assert screen.index is not None and screen.dataset is not None
        assert gone not in {source.id for source in screen.dataset.sources}
        shown = list(screen.query_one(TimelineView).rows.positions)
        assert shown and shown == screen.index.apply(Filter(text="summit"))
        assert str(screen.query_one("#filter-line").render()).startswith("Filters: “summit”")
        assert any(gone in message for message in said)

    actors = frozenset({"Fumio Kishida", "no-such-actor"})
    app = make_app(load_dataset(root), initial_filter=asked.but(sources=frozenset(), actors=actors))
    said = notifications(app, monkeypatch)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        await app.screen.query_one(FilterSidebar).fill()
        assert app.screen.filter == Filter(text="summit", actors=frozenset({"Fumio Kishida"}))
        assert app.screen.query_one("#themes", SelectionList).selected == []
        assert app.screen.query_one("#actors", SelectionList).selected == ["Fumio Kishida"]
        assert any("no-such-actor, no-such-theme" in message for message in said)


async def test_unknown_deep_link_event_opens_on_the_first_event(
    index: EventIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(event="no-such-event")
    said = notifications(app, monkeypatch)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert app.screen.query_one(TimelineView).cursor_position == 0
        assert any("No event has that id" in message for message in said)


def _retitle(events_yaml: Path, event_title: str, new_title: str) -> None:
    text = events_yaml.read_text(encoding="utf-8")
    changed = text.replace(f'title: "{event_title}"', f'title: "{new_title}"', 1)
    assert changed != text
    events_yaml.write_text(changed, encoding="utf-8")


async def test_reload_shows_changes_and_keeps_last_good_data(tmp_path: Path) -> None:
    root = copy_bundled(tmp_path)
    loaded = load_dataset(root)
    index = EventIndex(loaded.dataset)
    text = (root / "events.yaml").read_text(encoding="utf-8")
    position = next(
        i for i, e in enumerate(index.events) if i > 2 and f'title: "{e.title}"' in text
    )
    event = index.events[position]
    app = TimelineApp(loaded, event=event.id)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("slash", *event.title.split()[0], "escape")
        await pilot.pause()
        filt = app.screen.filter  # type: ignore[attr-defined]
        assert filt.text
        # A valid edit: the new title shows; the filter and the selection survive.
        _retitle(root / "events.yaml", event.title, event.title + " (revised)")
        standing: list[str] = []  # the notifications on screen, as far as the app asked
        notify, clear = app.notify, app.clear_notifications
        app.notify = lambda message, **kw: (standing.append(message), notify(message, **kw))[1]  # type: ignore[method-assign]
        app.clear_notifications = lambda: (standing.clear(), clear())[1]  # type: ignore[method-assign]
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        assert main.filter == filt
        assert main.selected_event_id == event.id
        assert main.query_one(DetailPane).event.title == event.title + " (revised)"  # type: ignore[union-attr]
        # The toasts answer the key once: "Reloading…" does not stay beside the result.
        assert standing == [f"Reloaded: {len(index):,} events."]
        # An invalid edit: diagnostics on screen, plain and sanitised; the data stays.
        broken = (root / "events.yaml").read_text(encoding="utf-8")
        (root / "events.yaml").write_text(
            broken.replace("events:", 'bogus: "\\e[2J[@click=app.quit]x"\nevents: [', 1),
            encoding="utf-8",
        )
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        diagnostics = app.screen
        assert isinstance(diagnostics, DiagnosticsScreen)
        shown = _plain(diagnostics.query_one("#diagnostics-text"))
        assert shown == diagnostics.text and "events.yaml" in shown and "error" in shown
        assert "\x1b" not in shown
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is main and app.is_running
        assert main.query_one(DetailPane).event.title == event.title + " (revised)"  # type: ignore[union-attr]


async def test_r_on_the_diagnostics_screen_shows_the_new_result_not_the_old_one(
    tmp_path: Path,
) -> None:
    """The screen says "fix the files and press r": r there, with the files fixed, closes
    it; with them still broken, shows the new diagnostics in its place, not on top."""
    root = copy_bundled(tmp_path)
    events_yaml = root / "events.yaml"
    good = events_yaml.read_text(encoding="utf-8")
    app = TimelineApp(load_dataset(root))
    async with app.run_test(size=WIDE) as pilot:

        async def reload() -> None:
            await pilot.press("r")
            await app.workers.wait_for_complete()
            await pilot.pause()

        events_yaml.write_text(good.replace('date: "2022-12"', 'date: "2022-13"', 1), "utf-8")
        await reload()
        assert isinstance(app.screen, DiagnosticsScreen)
        events_yaml.write_text(good.replace('date: "2022-12"', 'date: "2022-14"', 1), "utf-8")
        await reload()
        diagnostics = [s for s in app.screen_stack if isinstance(s, DiagnosticsScreen)]
        assert len(diagnostics) == 1 and "'2022-14'" in diagnostics[0].text
        events_yaml.write_text(good, "utf-8")
        await reload()
        assert app.screen is app.main_screen


async def test_a_reload_on_the_article_screen_shows_the_article_as_now_on_disk(
    tmp_path: Path,
) -> None:
    root = copy_bundled(tmp_path)
    app = TimelineApp(load_dataset(root), event="dicas-forum")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter", "n")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen) and screen.quote_index == 1
        article = root / "sources" / f"{screen.source_id}.txt"
        added = "A paragraph added on disk."
        article.write_text(article.read_text("utf-8") + f"\n{added}\n", "utf-8")
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen and screen.quote_index == 1  # still reading that quote
        view = screen.query_one(ArticleView)
        assert added in view.text
        assert any(added in view.text[start:end] for start, end in view.uncited)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main_screen


async def test_lazy_start_paints_first_then_shows_the_timeline(index: EventIndex) -> None:
    gate = threading.Event()

    halfway = threading.Event()

    def slow_load(*, progress: ProgressCallback | None = None) -> Loaded:
        assert progress is not None
        progress(0.0)
        progress(0.5)
        halfway.set()
        gate.wait(10)
        progress(1.0)
        return bundled()

    app = TimelineApp(load=slow_load, event=index.events[4].id)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)  # the one screen, from the first frame
        waiting = [main.query_one(w) for w in (FilterSidebar, DetailPane, TimelineView)]
        assert all(widget.loading for widget in waiting)
        # A still "Loading…", not an animation that takes the GIL from the loader.
        cover = app.get_loading_widget()
        assert not isinstance(cover, LoadingIndicator) and str(cover.render()) == "Loading…"
        assert halfway.wait(10)
        await pilot.pause(0.1)
        assert app.sub_title == "loading… 50%"
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is main
        assert not any(widget.loading for widget in waiting)
        timeline = app.screen.query_one(TimelineView)
        assert list(timeline.rows.positions) == list(range(len(index)))
        assert timeline.cursor_position == 4
        assert app.focused is timeline


async def test_lazy_start_on_an_invalid_dataset_exits_with_its_diagnostics(
    tmp_path: Path,
) -> None:
    (tmp_path / "events.yaml").write_text("events: [\n", encoding="utf-8")
    app = TimelineApp(load=partial(load_dataset, tmp_path))
    async with app.run_test(size=WIDE) as pilot:
        for _ in range(100):  # the app closes itself once the loader has failed
            if app.return_code is not None:
                break
            await pilot.pause(0.05)
    assert app.return_code == 1
    assert app.failure and all(d.file for d in app.failure)


async def test_big_data_handed_over_is_indexed_in_a_worker(
    monkeypatch: pytest.MonkeyPatch, index: EventIndex
) -> None:
    monkeypatch.setattr("timeline.ui.app._INDEX_ON_THE_UI_THREAD", 0)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert list(app.screen.query_one(TimelineView).rows.positions) == list(range(len(index)))


async def test_month_keys_move_to_the_next_and_previous_month(index: EventIndex) -> None:
    def month(position: int) -> tuple[int, int]:
        point = index.events[position].date.anchor_point
        return point.year, point.month or 1

    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        timeline = app.screen.query_one(TimelineView)
        visited = [0]
        for _ in range(3):
            await pilot.press("right_square_bracket")
            visited.append(timeline.cursor_position)  # type: ignore[arg-type]
        # Each press lands on the first event of the next month that has any.
        for before, after in pairwise(visited):
            assert month(after) > month(before)
            assert month(after - 1) < month(after)
            assert all(month(p) == month(before) for p in range(before, after))
        await pilot.press("left_square_bracket")
        assert timeline.cursor_position == visited[2]


async def test_date_range_and_status_filters(index: EventIndex) -> None:
    year = parse_edtf("2023")
    expected = index.apply(
        Filter(date_from=year.lower, date_to=year.upper, statuses=frozenset({Status.PLANNED}))
    )
    assert 0 < len(expected) < len(index)
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()  # the sidebar's controls are mounted after the first frame
        app.screen.query_one("#date-from", Input).focus()  # below the fold: Tab gets there
        await pilot.press(*"2023", "tab", *"2023")
        assert app.focused is app.screen.query_one("#date-to", Input)
        app.screen.query_one("#statuses", SelectionList).select(str(Status.PLANNED))
        await pilot.pause()
        shown = app.screen.query_one(TimelineView).rows.positions.tolist()
        assert shown == expected
        # Every shown event's dates overlap 2023 (EDTF ranges, not just the anchor day).
        assert all(
            index.events[p].date.lower <= year.upper and index.events[p].date.upper >= year.lower
            for p in shown
        )
        # An invalid date is flagged and leaves the filter as it was.
        await pilot.press("backspace", *"-13")
        await pilot.pause()
        assert app.screen.query_one("#date-to", Input).has_class("-invalid")
        assert list(app.screen.query_one(TimelineView).rows.positions) == expected


async def test_a_highlight_queued_by_an_earlier_result_never_shows_beside_no_events() -> None:
    """Typed fast, one key's result (events, so its cursor's highlight is queued) can be
    followed by one with none before that highlight is handled: the quote pane must then
    say that no event is selected, not show the stale event beside "0 of 25"."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        pane = main.query_one(DetailPane)
        assert pane.event is not None
        main.set_filter(main.filter.but(text="kishida"))  # its highlight is queued
        main.set_filter(main.filter.but(text="kishida zzzz"))  # nothing matches
        await pilot.pause()
        assert main.query_one(TimelineView).cursor_position is None
        assert pane.event is None
        assert "No event selected" in [pane.render_line(y).text.strip() for y in range(3)]


def test_messages_take_their_fields_as_a_dataclass_would() -> None:
    shown = ArticleRequested("japan-summit", 2)
    assert shown == ArticleRequested(quote_index=2, event_id="japan-summit")
    assert shown != ArticleRequested("japan-summit", 1)
    assert repr(shown) == "ArticleRequested(event_id='japan-summit', quote_index=2)"
    for wrong in ((), ("japan-summit",), ("japan-summit", 2, 3)):
        with pytest.raises(TypeError):
            ArticleRequested(*wrong)
    with pytest.raises(TypeError):
        ArticleRequested("japan-summit", 2, event_id="again")  # type: ignore[misc]
