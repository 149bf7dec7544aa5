"""For any text in any field, every widget shows exactly the sanitised text.

Hypothesis draws strings rich in markup, escapes, control and bidi characters; each
example runs the app headless on a dataset built from them and reads back what the
widgets draw. Nothing may reach the terminal raw, and nothing drawn may be clickable.
"""

from __future__ import annotations

import asyncio
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.app import App
from textual.widgets import SelectionList
from tui_support import drawn_segments

from timeline.dates import parse_edtf
from timeline.loader import Loaded
from timeline.model import Dataset, Event, Quote, Source, SourceKind, Span, Status, Theme
from timeline.text import sanitize_cells
from timeline.ui.app import TimelineApp
from timeline.ui.widgets.detail_pane import DetailPane
from timeline.ui.widgets.timeline_view import TimelineView

# Markup, emoji codes, escapes, C0/C1 controls, bidi and zero-width characters, and a
# little of everything else.
_NASTY = [
    *"[]/@=:\\'\"()ab ", "[bold]", "[/]", "[@click=app.quit]", "[link=file:///etc/passwd]",
    ":smile:",
    "\x1b", "\x1b[2J", "\x1b]52;c;aGk=\x07", "\x1bc", "\x07", "\x9b", "\x85", "\r",
    "\u202e", "\u200b", "\ufeff", "\x7f", "\x00",
]  # fmt: skip
TEXT = st.lists(st.sampled_from(_NASTY) | st.characters(), min_size=1, max_size=12).map("".join)
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _dataset(title: str, summary: str, actor: str, quote_text: str, label: str) -> Loaded:
    body = f"Intro.\n{quote_text} and the rest.\n"
    start = body.index(quote_text)
    source = Source(
        id="s", title=title, outlet=label, published=parse_edtf("2024-01-02"),
        published_basis=None, kind=SourceKind.REPORT, byline=actor, credit=None,
        path="sources/s.txt", text=body, body_line=3,
    )  # fmt: skip
    quote = Quote("s", quote_text, Span(start, start + len(quote_text), 4, 1))
    event = Event.new(
        id="e", date=parse_edtf("2024-01-02"), title=title, summary=summary,
        themes=("t",), actors=(actor,), places=(label,), status=Status.PLANNED,
        date_basis=summary, quotes=(quote,),
    )  # fmt: skip
    return Loaded(Dataset("x", (Theme("t", label, summary),), (source,), (event,)), ())


def _squash(text: str) -> str:
    return "".join(text.split())


def _drawn(app: App[None]) -> list[tuple[str, dict[str, object]]]:
    # What the terminal would receive, segment by segment.
    return [
        (segment.text, dict(segment.style.meta) if segment.style else {})
        for segment in drawn_segments(app.screen)
    ]


async def _check(loaded: Loaded) -> None:
    event = loaded.dataset.events[0]
    app = TimelineApp(loaded)
    async with app.run_test(size=(170, 40)) as pilot:
        await pilot.pause()
        detail = app.screen.query_one(DetailPane)
        # The pane wraps text at spaces (dropping them) and cuts long words: compare
        # without whitespace. The title comes first, up to the date; the summary
        # follows the quotes. Laid out in cells, text is shown as `sanitize_cells`
        # makes it (a lone skin-tone modifier, say, is dropped).
        lines = detail.text_lines
        shown = _squash("".join(lines))
        title_end = next(i for i, line in enumerate(lines) if line.startswith("Date    "))
        assert _squash("".join(lines[:title_end])) == _squash(sanitize_cells(event.title))
        assert _squash(sanitize_cells(event.summary)) in shown
        prompt = _squash("".join(lines[row] for row in detail.quote_rows(0)))
        assert _squash(sanitize_cells(event.quotes[0].text)) in prompt
        timeline = app.screen.query_one(TimelineView)
        rows = [timeline.render_line(y).text for y in range(timeline.size.height)]
        shown_title = sanitize_cells(event.title)[:10]
        assert any(shown_title in row for row in rows)
        for facet in ("#themes", "#actors"):
            for option in app.screen.query_one(facet, SelectionList).options:
                assert CONTROL.search(str(option.prompt)) is None
        for text, meta in _drawn(app):
            assert CONTROL.search(text) is None, repr(text)
            assert "@click" not in meta
        await pilot.press("enter")  # open the article at the quote
        await pilot.pause()
        for text, meta in _drawn(app):
            assert CONTROL.search(text) is None, repr(text)
            assert "@click" not in meta
        assert app.is_running


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, summary=TEXT, actor=TEXT, quote=TEXT, label=TEXT)
@example(title="\x9b[[[", summary="[[[[[[", actor="[[", quote="[[[[[[[[[[[🏻", label="[[")
def test_every_widget_shows_any_text_sanitised(
    title: str, summary: str, actor: str, quote: str, label: str
) -> None:
    asyncio.run(_check(_dataset(title, summary, actor, quote, label)))
