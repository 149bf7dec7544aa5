"""Pilot tests: the TUI driven as a person would, headless, at fixed sizes.

Expected results come from the core's own functions (`EventIndex.apply`), since the UI's
job is to show exactly what the core computes.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList, SelectionList
from tui_support import HOSTILE_QUOTE, bundled, hostile_dataset, make_app

from timeline.query import EventIndex, Filter
from timeline.text import normalize
from timeline.ui.messages import EventHighlighted, FilterEdited
from timeline.ui.screens.article import ArticleScreen
from timeline.ui.screens.help import HelpScreen
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.article_view import ArticleView
from timeline.ui.widgets.detail_pane import DetailPane
from timeline.ui.widgets.overview import OverviewStrip
from timeline.ui.widgets.sidebar import FilterSidebar
from timeline.ui.widgets.timeline_view import TimelineView

WIDE = (140, 45)


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
        assert timeline.rows.positions == expected
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
        assert main.query_one(TimelineView).rows.positions == expected


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
            shown = app.screen.query_one(TimelineView).rows.positions
            assert shown == expected, word[:i]
            counts.append(len(shown))
        assert counts == sorted(counts, reverse=True)
        assert counts[-1] < len(index)
        assert app.sub_title == _count_line(len(index), counts[-1])


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


async def test_quote_pane_opens_the_chosen_quote_and_n_p_step(index: EventIndex) -> None:
    multi = next(i for i, e in enumerate(index.events) if len(e.quotes) > 1)
    app = make_app(event=index.events[multi].id)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        quotes = app.screen.query_one("#quotes", OptionList)
        quotes.focus()
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
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        citations = screen.query_one("#citations", OptionList)
        if citations.option_count == 0:
            pytest.skip("the first event's article is cited by no other event")
        await pilot.press("o", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        target = app.screen.query_one(TimelineView).cursor_position
        assert target is not None and index.events[target].id != index.events[0].id
        cited_source = index.events[0].quotes[0].source_id
        assert cited_source in index.events[target].source_ids


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
        assert app.screen.query_one(TimelineView).rows.positions == index.apply(wanted)
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
        text = " ".join(str(s.render()) for s in app.screen.query(".help-section"))
        for words in ("Next quote", "Search", "Themes", "Clear", "Quit", "Open", "Back"):
            assert words in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_overview_click_moves_the_timeline(index: EventIndex) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        overview = app.screen.query_one(OverviewStrip)
        await pilot.click(OverviewStrip, offset=(overview.size.width - 1, 0))
        await pilot.pause()
        position = app.screen.query_one(TimelineView).cursor_position
        assert position is not None and position >= len(index) - 3


async def test_messages_flow_up_from_the_widgets() -> None:
    app = make_app()
    seen: list[object] = []
    async with app.run_test(size=WIDE, message_hook=seen.append) as pilot:
        await pilot.press("j", "slash", "x")
        await pilot.pause()
    highlighted = [m for m in seen if isinstance(m, EventHighlighted)]
    edits = [m for m in seen if isinstance(m, FilterEdited)]
    assert [m.position for m in highlighted][:2] == [0, 1]
    assert {"text": "x"} in [m.changes for m in edits]


async def test_markup_and_escape_sequences_are_shown_literally() -> None:
    app = make_app(hostile_dataset())
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        timeline = app.screen.query_one(TimelineView)
        row_text = "\n".join(timeline.render_line(y).text for y in range(4))
        assert "[@click=app.quit]Click" in row_text
        assert "\x1b" not in row_text and "␛[2J" in row_text
        detail = app.screen.query_one(DetailPane)
        detail_text = " ".join(
            str(widget.render()) for widget in detail.query("Static")
        )
        assert "[@click=app.quit]Click me[/]" in detail_text
        assert "[b]markup[/b]" in detail_text and "⍰31m" in detail_text
        assert not any(ch in detail_text for ch in "\x1b\x9b\x07")
        # Clicking every cell of the title and the quote does nothing: no quit, no file.
        for widget in (timeline, detail.query_one("#detail-title")):
            for x in range(0, 40, 3):
                await pilot.click(widget, offset=(x, 1 if widget is timeline else 0))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        # A double click on the row opened the article; its text is literal too.
        if not isinstance(app.screen, ArticleScreen):
            app.screen.query_one(TimelineView).focus()
            await pilot.press("enter")
        view = app.screen.query_one(ArticleView)
        assert view.highlighted_text.startswith("[link=file:///etc/passwd]passwd[/link]")
        assert "\x1b" not in view.text and "␛]8;;" in view.text
        head = app.screen.query_one("#article-head").render()
        assert "[red]Evil[/red] source ␛c" in str(head)
        assert "\x1b" in HOSTILE_QUOTE  # the raw quote really carried escape sequences
