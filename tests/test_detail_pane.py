"""The source-quote pane, driven headless: what it shows, its keys and clicks, wrapping,
and that showing an event never lays the screen out again (issue #4)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from rich.cells import cell_len
from textual import events, messages
from textual.app import App
from textual.message import Message
from textual.widget import Widget
from tui_support import bundled, make_app

from timeline.dates import describe, parse_edtf
from timeline.loader import Loaded
from timeline.model import Dataset, Event, Quote, Source, SourceKind, Span, Status, Theme
from timeline.query import EventIndex
from timeline.text import sanitize
from timeline.ui.screens.article import ArticleScreen
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.article_view import ArticleView
from timeline.ui.widgets.detail_pane import DetailPane
from timeline.ui.widgets.timeline_view import TimelineView

WIDE = (140, 45)


def _squash(text: str) -> str:
    """`text` without whitespace: wrapping may only move line breaks, never change text."""
    return "".join(text.split())


def _shown(pane: DetailPane) -> str:
    return _squash("".join(pane.text_lines))


def _screen_text(pane: DetailPane) -> list[str]:
    """What the pane draws right now, line by line."""
    return [pane.render_line(y).text for y in range(pane.scrollable_content_region.height)]


def _multi_quote_event() -> Event:
    return next(e for e in EventIndex(bundled().dataset).events if len(e.quotes) > 1)


def _long_dataset() -> Loaded:
    """Two events: one with a very long summary and three quotes, one short."""
    body = "Intro.\n" + " ".join(f"Sentence number {i} of the article." for i in range(60))
    sources = (
        Source(
            id="s", title="An article title", outlet="The Outlet",
            published=parse_edtf("2024-01-02"), published_basis=None,
            kind=SourceKind.REPORT, byline=None, credit=None, path="sources/s.txt",
            text=body, body_line=3,
        ),
    )  # fmt: skip
    quotes = []
    for i in (3, 20, 41):
        text = f"Sentence number {i} of the article."
        start = body.index(text)
        quotes.append(Quote("s", text, Span(start, start + len(text), 4, start - 6)))
    long_summary = " ".join(f"word{i}" for i in range(500))
    events_ = (
        Event.new(
            id="long", date=parse_edtf("2024-01-02"), title="A long event",
            summary=long_summary, themes=("t",), actors=("Someone",), places=(),
            status=Status.OCCURRED, date_basis=None, quotes=tuple(quotes),
        ),
        Event.new(
            id="short", date=parse_edtf("2024-02-03"), title="A short event",
            summary="Short.", themes=("t",), actors=(), places=("Here",),
            status=Status.PLANNED, date_basis=None, quotes=(quotes[0],),
        ),
    )  # fmt: skip
    return Loaded(Dataset("long", (Theme("t", "Theme label", "d"),), sources, events_), ())


async def test_pane_shows_title_facts_summary_and_quotes() -> None:
    event = _multi_quote_event()
    dataset = bundled().dataset
    app = make_app(event=event.id)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        assert pane.event == event
        lines = pane.text_lines
        shown = _shown(pane)
        assert lines[0].rstrip() == event.title  # the title comes first, on its own line
        date_line = next(line for line in lines if line.startswith("Date"))
        assert describe(event.date) in date_line and f"({event.date.text})" in date_line
        assert _squash(f"Id{event.id}") in shown
        marks = pane.theme_marks
        theme_labels = "".join(f"{marks[t][0]}{dataset.theme(t).label}" for t in event.themes)
        assert _squash(f"Themes{theme_labels}") in shown
        # The date, themes and the first quote come before the summary and other facts.
        assert pane.quote_rows(0).start < lines.index("") < shown.index(_squash("Id"))
        assert _squash(sanitize(event.summary)) in shown
        assert f"{len(event.quotes)} quotes — Enter opens the article" in lines
        for i, quote in enumerate(event.quotes):
            source = dataset.source(quote.source_id)
            rows = "".join(lines[r] for r in pane.quote_rows(i))
            assert _squash(f"“{sanitize(quote.text)}”") in _squash(rows)
            assert _squash(f"{source.path}:{quote.span.line}:{quote.span.column}") in _squash(rows)
            assert _squash(source.outlet) in _squash(rows)
        # Styles come from the component classes: a bold title, italic quotes.
        title_strip = pane.render_line(0)
        assert all(seg.style and seg.style.bold for seg in title_strip if seg.text.strip())
        first_quote = pane.quote_rows(0).start
        quote_strip = pane.render_line(first_quote - int(pane.scroll_offset.y))
        assert any(seg.style and seg.style.italic for seg in quote_strip if seg.text.strip())


async def test_empty_facts_are_left_out_and_long_values_wrap_under_the_value() -> None:
    dataset = bundled().dataset
    # An event with no actors, and one whose date basis is longer than a line.
    no_actors = next(e for e in dataset.events if not e.actors)
    long_basis = next(e for e in dataset.events if e.date_basis and len(e.date_basis) > 200)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        pane.show_event(no_actors)
        assert not any(line.startswith("Actors") for line in pane.text_lines)
        assert any(line.startswith("Places") for line in pane.text_lines) == bool(no_actors.places)
        pane.show_event(long_basis)
        lines = pane.text_lines
        first = next(i for i, line in enumerate(lines) if line.startswith("Basis"))
        following = lines[first + 1]
        assert following.startswith(" " * 8) and following[8] != " "
        value_lines = [lines[first][8:]]
        i = first + 1
        while not lines[i][:8].strip() and lines[i].strip():
            value_lines.append(lines[i][8:])
            i += 1
        assert _squash("".join(value_lines)) == _squash(sanitize(long_basis.date_basis or ""))


async def test_no_event_selected() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        pane.show_event(None)
        await pilot.pause()
        assert pane.event is None and pane.quote_index is None
        assert "No event selected" in _screen_text(pane)[1]
        pane.focus()
        await pilot.press("enter", "down")
        assert isinstance(app.screen, MainScreen)


async def test_moving_the_timeline_cursor_changes_the_pane() -> None:
    index = EventIndex(bundled().dataset)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        timeline = app.screen.query_one(TimelineView)
        for _ in range(3):
            await pilot.press("j")
            await pilot.pause()
            position = timeline.cursor_position
            assert position is not None
            event = index.events[position]
            assert pane.event == event
            assert _squash(sanitize(event.title)) in _squash("".join(_screen_text(pane)[:4]))
            assert pane.scroll_offset.y == 0 and pane.quote_index == 0


async def test_tab_down_enter_opens_the_highlighted_quote() -> None:
    event = _multi_quote_event()
    app = make_app(event=event.id)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        await pilot.press("tab")
        assert app.focused is pane
        row = pane.quote_rows(0).start - int(pane.scroll_offset.y)
        highlighted = next(iter(pane.render_line(row))).style
        await pilot.press("down")
        await pilot.pause()
        assert pane.quote_index == 1
        # The highlight moved: quote 1's first line now looks as quote 0's did.
        top = int(pane.scroll_offset.y)
        rows = pane.quote_rows(1)
        assert top <= rows.start < top + pane.scrollable_content_region.height
        assert next(iter(pane.render_line(rows.start - top))).style == highlighted
        assert next(iter(pane.render_line(row))).style != highlighted
        await pilot.press("up", "down", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert screen.quote_index == 1
        quote = event.quotes[1]
        assert screen.query_one(ArticleView).excerpt == (quote.span.start, quote.span.end)


async def test_a_click_on_the_second_quote_opens_it() -> None:
    event = _multi_quote_event()
    app = make_app(event=event.id)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        rows = pane.quote_rows(1)
        pane.scroll_to(y=rows.start, animate=False)
        await pilot.pause()
        y = rows.stop - 1 - int(pane.scroll_offset.y) + pane.gutter.top
        assert 0 <= y < pane.size.height
        await pilot.click(pane, offset=(pane.gutter.left + 2, y))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert screen.quote_index == 1
        quote = event.quotes[1]
        assert screen.query_one(ArticleView).excerpt == (quote.span.start, quote.span.end)


async def test_a_click_off_the_quotes_opens_nothing() -> None:
    app = make_app(event=_multi_quote_event().id)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        for y in range(0, pane.quote_rows(0).start, 3):
            await pilot.click(pane, offset=(pane.gutter.left + 1, y))
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_a_long_summary_wraps_and_the_pane_scrolls() -> None:
    loaded = _long_dataset()
    long_event = loaded.dataset.events[0]
    app = make_app(loaded, event="long")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        width = pane.scrollable_content_region.width
        assert all(cell_len(line) <= width for line in pane.text_lines)
        assert _squash(long_event.summary) in _shown(pane)
        assert pane.virtual_size.height == len(pane.text_lines) > pane.size.height
        # The mouse wheel scrolls it.
        pane.post_message(events.MouseScrollDown(pane, 3, 3, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert pane.scroll_offset.y > 0
        # Down walks the quotes, keeping the highlighted one in view.
        pane.focus()
        await pilot.press("home", "down", "down")
        await pilot.pause()
        assert pane.quote_index == 2
        top = int(pane.scroll_offset.y)
        rows = pane.quote_rows(2)
        assert top <= rows.start and rows.stop <= top + pane.scrollable_content_region.height
        drawn = _squash("".join(_screen_text(pane)))
        assert _squash(f"“{long_event.quotes[2].text}”") in drawn
        await pilot.press("up", "up")
        assert pane.quote_index == 0
        await pilot.press("up", "k")  # past the first quote: scroll back to the title
        assert int(pane.scroll_offset.y) == 0 and pane.quote_index == 0


async def test_resize_wraps_again() -> None:
    app = make_app(_long_dataset(), event="long")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        before = pane.text_lines
        await pilot.resize_terminal(200, 45)
        await pilot.pause()
        width = pane.scrollable_content_region.width
        after = pane.text_lines
        assert max(cell_len(line) for line in before) < width
        assert len(after) < len(before)
        assert max(cell_len(line) for line in after) <= width
        assert max(cell_len(line) for line in after) > max(cell_len(line) for line in before)
        # The same text, wrapped differently (the rules between quotes span the width).
        assert _squash("".join(after).replace("╌", "")) == _squash("".join(before).replace("╌", ""))
        assert pane.virtual_size.height == len(after)
        assert _squash("".join(_screen_text(pane))) in _squash("".join(after))


async def test_80x24_shows_the_event_under_the_timeline() -> None:
    index = EventIndex(bundled().dataset)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        assert pane.region.width == 80 and pane.size.height >= 5
        assert index.events[0].title in _screen_text(pane)[0]
        await pilot.press("tab")
        assert app.focused is pane
        await pilot.press("end")
        assert pane.scroll_offset.y == pane.max_scroll_y > 0


async def test_theme_change_recolours_the_pane() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        app.theme = "textual-dark"
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        before = next(iter(pane.render_line(0))).style
        app.theme = "textual-light"
        await pilot.pause()
        after = next(iter(pane.render_line(0))).style
        assert before is not None and after is not None
        assert before.color != after.color and after.bold


@contextmanager
def _layouts_requested(app: App[Any]) -> Iterator[list[object]]:
    """Record every layout asked of the screen while the block runs.

    A widget asks with `refresh(layout=True)`, which posts `messages.Layout` to its
    screen; a style change that moves things (a scroll bar shown or hidden, a row's
    `display`) goes the same way. Both are watched, on this screen only.
    """
    screen = app.screen
    requests: list[object] = []
    post_message: Callable[[Message], bool] = screen.post_message
    refresh = Widget.refresh

    def watch_post(message: Message) -> bool:
        if isinstance(message, messages.Layout):
            requests.append(message.widget)
        return post_message(message)

    def watch_refresh(self: Widget, *regions: Any, **kwargs: Any) -> Widget:
        if kwargs.get("layout"):
            requests.append(self)
        return refresh(self, *regions, **kwargs)

    screen.post_message = watch_post  # type: ignore[method-assign]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Widget, "refresh", watch_refresh)
        try:
            yield requests
        finally:
            del screen.post_message


async def test_showing_an_event_asks_for_no_layout() -> None:
    loaded = _long_dataset()
    long_event, short_event = loaded.dataset.events
    app = make_app(loaded)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        pane.focus()
        await pilot.pause()
        # Long then short then nothing: the scroll range grows and shrinks past the
        # pane's height, the quote count changes, and the empty pane shows.
        with _layouts_requested(app) as requests:
            for event in (long_event, short_event, long_event, None, short_event):
                pane.show_event(event)
                await pilot.pause()
                assert pane.event is event
            await pilot.press("down", "down")
            await pilot.pause()
        assert requests == []
        # The spy does see layouts: a display toggle is one.
        with _layouts_requested(app) as requests:
            pane.display = False
            await pilot.pause()
        assert requests
