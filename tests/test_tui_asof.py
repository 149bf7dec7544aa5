"""Pilot tests of the as-of view and the article's uncited passages, driven by keys."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input
from tui_support import bundled, make_app

from timeline.asof import publication_days
from timeline.coverage import coverage
from timeline.dates import parse_edtf
from timeline.model import Status
from timeline.query import EventIndex, Filter
from timeline.ui.app import TimelineApp
from timeline.ui.screens.article import ArticleScreen
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.article_view import ArticleView
from timeline.ui.widgets.detail_pane import DetailPane
from timeline.ui.widgets.timeline_view import TimelineView

FULL = (170, 45)
"""Wide enough for the sidebar to show at start."""


def _main(app: Any) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def test_the_sidebar_as_of_box_shows_the_data_as_then_known() -> None:
    app = make_app()
    index = EventIndex(bundled().dataset)
    day = parse_edtf("2023-01-12").upper
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        main = _main(app)
        box = main.query_one("#as-of", Input)
        box.focus()
        await pilot.press(*"2023-01-12", "enter")
        await pilot.pause()
        assert main.filter.as_of == day
        expected = index.search(Filter(as_of=day)).positions.tolist()
        timeline = main.query_one(TimelineView)
        assert list(timeline.rows.positions) == expected
        assert app.sub_title == f"{len(expected)} of {len(index)} events · as of 12 Jan 2023"
        summit = index.position_of("summit-2023-01-13-washington")
        assert summit is not None
        assert timeline.select_position(summit)
        await pilot.pause()
        line = next(
            timeline.render_line(y).text
            for y in range(timeline.size.height)
            if "Kishida and Biden hold summit" in timeline.render_line(y).text
        )
        assert "◆" in line and " 1 src" in line  # expected then, and one article knew it
        shown = main.query_one(DetailPane).event
        assert shown is not None and shown.status is Status.SCHEDULED
        assert {q.source_id for q in shown.quotes} == {"unnamed-2023-01-joint-document-preview"}


async def test_angle_brackets_step_through_the_publication_days() -> None:
    dataset = bundled().dataset
    index = EventIndex(dataset)
    days = publication_days(dataset.sources)
    app = make_app()
    async with app.run_test(size=FULL) as pilot:
        await pilot.pause()
        main = _main(app)
        timeline = main.query_one(TimelineView)
        seen: list[int] = []
        for day in days:
            await pilot.press("greater_than_sign")
            await pilot.pause()
            assert main.filter.as_of == day
            now = index.search(Filter(as_of=day)).positions.tolist()
            assert list(timeline.rows.positions) == now
            assert timeline.fresh == frozenset(now) - frozenset(seen)
            seen = now
        assert main.query_one("#as-of", Input).value == "2024-08-31"
        assert "+" in "".join(timeline.render_line(y).text for y in range(timeline.size.height))
        await pilot.press("greater_than_sign")  # past the last article: everything
        await pilot.pause()
        assert main.filter.as_of is None and len(timeline.rows.positions) == len(index)
        await pilot.press("less_than_sign", "less_than_sign")
        await pilot.pause()
        assert main.filter.as_of == days[-2]
        assert app.sub_title.endswith("as of 30 Apr 2024")


async def _article(app: TimelineApp, pilot: Pilot[None]) -> ArticleScreen:
    """The article screen, opened with Enter on the event the app started on."""
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, ArticleScreen)
    return app.screen


async def test_c_jumps_to_the_uncited_passages_marked_in_the_gutter() -> None:
    dataset = bundled().dataset
    blog = next(a for a in coverage(dataset) if a.uncited)
    app = make_app(event="dicas-forum")
    async with app.run_test(size=(80, 24)) as pilot:
        view = (await _article(app, pilot)).query_one(ArticleView)
        assert view.uncited == [(p.start, p.end) for p in blog.uncited]
        view.scroll_to(y=0, animate=False)  # from the top: the next passage is the first
        await pilot.pause()
        for passage in [*blog.uncited, blog.uncited[0]]:  # and round again
            await pilot.press("c")
            await pilot.pause()
            row = view.line_of(passage.start) - int(view.scroll_offset.y)
            assert 0 <= row < view.size.height
            assert view.render_line(row).text.startswith(ArticleView.UNCITED_MARK)


async def test_the_first_c_takes_a_passage_that_starts_on_the_top_line() -> None:
    blog = next(a for a in coverage(bundled().dataset) if len(a.uncited) > 2)
    app = make_app(event="dicas-forum")
    async with app.run_test(size=(80, 24)) as pilot:
        view = (await _article(app, pilot)).query_one(ArticleView)
        second = blog.uncited[1]
        view.scroll_to(y=view.line_of(second.start), animate=False)  # in view, at the top
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert view.selection == (second.start, second.end)


async def test_the_gutter_marks_what_no_event_cites_in_each_article_of_an_event() -> None:
    """Stepping through an event's quotes in three articles, each article's gutter marks
    exactly the passages `timeline coverage` reports for it: the event's quotes in the
    other articles are no offsets of this one."""
    dataset = bundled().dataset
    passages = {a.source_id: [(p.start, p.end) for p in a.uncited] for a in coverage(dataset)}
    event = dataset.full(dataset.event("summit-2024-04-10-washington"))
    app = make_app(event=event.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _article(app, pilot)
        view = screen.query_one(ArticleView)
        for quote in event.quotes:
            assert screen.source_id == quote.source_id
            assert view.uncited == passages[quote.source_id], quote.source_id
            await pilot.press("n")
            await pilot.pause()


async def test_the_palette_opens_any_source_while_the_story_is_shown_as_of_a_day() -> None:
    """As of the first article's day, the other articles' excerpts are not in the
    events as shown: opening one of those articles from the palette opens it at an
    excerpt of an event that cites it, as that event is shown (it raised IndexError)."""
    dataset = bundled().dataset
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert _main(app).filter.as_of is not None
        for source in dataset.sources:
            app.open_source(source.id)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ArticleScreen), source.id
            assert screen.source_id == source.id
            quote = screen.event.quotes[screen.quote_index]
            assert screen.query_one(ArticleView).excerpt == (quote.span.start, quote.span.end)
            await pilot.press("escape")
            await pilot.pause()
