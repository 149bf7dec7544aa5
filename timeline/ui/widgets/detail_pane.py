"""The source-quote pane: the highlighted event's summary, date basis, people, places,
and each quote with the article it comes from. Choosing a quote opens the article.

One line-API `ScrollView`, built like `TimelineView`: a pane of `Static`s and an
`OptionList` cost two chained layout passes each time the timeline's cursor moved. Here
the event is wrapped to the pane's width once (nothing measured by the compositor), the
scroll range is set quietly, and only this widget is repainted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from timeline.dates import describe
from timeline.model import Dataset, Event
from timeline.text import sanitize_cells
from timeline.ui.compat import set_virtual_size_quietly
from timeline.ui.messages import ArticleRequested
from timeline.ui.widgets.timeline_view import STATUS_MARKERS
from timeline.views import wrap_offsets

__all__ = ["DetailPane"]

_LABEL_WIDTH = 8
"""Cells for a fact's label; a long value wraps under the value column, not the label."""

_QUOTE_INDENT = 2
"""Cells before a quote's article title and `path:line:col`, as under a list item."""

_TITLE = "detail-pane--title"
_LABEL = "detail-pane--label"
_HEADING = "detail-pane--heading"
_QUOTE = "detail-pane--quote"
_SOURCE = "detail-pane--source"
_RULE = "detail-pane--rule"
_EMPTY = "detail-pane--empty"
_CURSOR = "detail-pane--cursor"


@dataclass(frozen=True, slots=True)
class _Line:
    """One wrapped line: plain-text parts with the component class (or the style) that
    styles each, and the quote it belongs to (None for the title, facts and summary)."""

    parts: tuple[tuple[str, str | Style], ...]
    quote: int | None = None


_BLANK = _Line(())

_NO_EVENT = "No event selected"


def _split_path(path: str, width: int) -> list[str]:
    """`path` in lines of `width` cells, broken after a `/` only (at worst, too long)."""
    lines = [""]
    *folders, name = path.split("/")
    for part in [*(folder + "/" for folder in folders), name]:
        if lines[-1] and cell_len(lines[-1] + part) > width:
            lines.append("")
        lines[-1] += part
    return lines


def _labelled(name: str, lines: list[list[tuple[str, str | Style]]]) -> list[_Line]:
    """`lines` in the value column, with `name` in the label column of the first."""
    return [
        _Line((((name if i == 0 else "").ljust(_LABEL_WIDTH), _LABEL), *parts))
        for i, parts in enumerate(lines)
    ]


def _fact(name: str, value: str, width: int) -> list[_Line]:
    """A labelled fact, its value wrapped under the value column (none if empty)."""
    texts = _wrap(value, max(1, width - _LABEL_WIDTH)) if value else []
    return _labelled(name, [[(text, "")] for text in texts])


def _wrap(text: str, width: int) -> list[str]:
    """`text` made safe for the terminal and wrapped to `width` cells (at least one line)."""
    safe = sanitize_cells(text)
    return [safe[start:end] for start, end in wrap_offsets(safe, width)] or [""]


class DetailPane(ScrollView, can_focus=True):
    """Everything the dataset says about the highlighted event, with its sources.

    Tab reaches it from the timeline; up and down (j, k) move between the quotes, and
    Enter or a click on a quote posts `ArticleRequested` for it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_quote", "Open"),
        Binding("down,j", "step(1)", "Next quote", show=False),
        Binding("up,k", "step(-1)", "Previous quote", show=False),
    ]
    """Quote by quote; page up/down, home and end scroll as in any scrolling pane."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        _TITLE,
        _LABEL,
        _HEADING,
        _QUOTE,
        _SOURCE,
        _RULE,
        _EMPTY,
        _CURSOR,
    }
    """Styled in `app.tcss`, so the pane follows the Textual colour theme."""

    DEFAULT_CSS = """
    DetailPane {
        overflow-x: hidden;
        overflow-y: scroll;
    }
    """
    """The scroll bar always shows: one that came and went with the event's length
    would ask for a layout of the screen each time."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.dataset: Dataset | None = None
        """The dataset whose events are shown (set once it is loaded)."""
        self.theme_marks: dict[str, tuple[str, str]] = {}
        """Each theme's letter and colour (`theme_marks`), set with the dataset."""
        self._event: Event | None = None
        self._empty_text = _NO_EVENT
        self._cursor: int | None = None
        self._width = 0
        self._size = Size(0, 0)
        self._lines: list[_Line] = []
        self._quote_rows: list[range] = []
        self._strips: dict[int, Strip] = {}
        self._pass_style: Style | None = None  # set while `render_lines` runs

    # -- data in ---------------------------------------------------------------------

    @property
    def event(self) -> Event | None:
        """The event shown, if any."""
        return self._event

    @property
    def quote_index(self) -> int | None:
        """The highlighted quote (Enter opens it), or None when the event has none."""
        return self._cursor

    @property
    def text_lines(self) -> tuple[str, ...]:
        """The plain text of every wrapped line of the pane, scrolled into view or not."""
        return tuple("".join(text for text, _ in line.parts) for line in self._lines)

    def quote_rows(self, index: int) -> range:
        """The lines (of `text_lines`) that show quote `index` and its source."""
        return self._quote_rows[index]

    def show_event(self, event: Event | None, *, empty_text: str = _NO_EVENT) -> None:
        """Show `event` (or `empty_text` for None), scrolled to the top.

        Only this widget is repainted: no layout of the screen is requested.
        """
        if event is self._event and empty_text == self._empty_text:
            return
        self._event = event
        self._empty_text = empty_text
        self._cursor = 0 if event is not None and event.quotes else None
        self._rewrap()
        self.scroll_to(0, 0, animate=False)

    # -- wrapping --------------------------------------------------------------------

    def _wrap_lines(self) -> None:
        """Wrap the event to the current width."""
        width = self.scrollable_content_region.width
        self._width = width
        self._strips.clear()
        if width <= 0:
            self._lines, self._quote_rows = [], []
        else:
            self._lines, self._quote_rows = self._build(width)

    def _rewrap(self) -> None:
        """Wrap the event to the current width and set the scroll range to match."""
        self._wrap_lines()
        # Never shorter than the pane: a scroll bar with nothing to scroll then draws as
        # an empty track rather than one thumb from top to bottom.
        height = max(len(self._lines), self.scrollable_content_region.height)
        # The bar is always shown (`overflow-y: scroll`), so it never asks for a layout.
        set_virtual_size_quietly(self, Size(self._width, height))
        self.refresh()

    def _build(self, width: int) -> tuple[list[_Line], list[range]]:
        """Every line of the pane at `width` cells, and the lines of each quote.

        Title, date and themes, then the quotes, then the summary and the other facts:
        at 80×24 the pane is ten lines tall, and the first quote must be among them.
        """
        event = self._event
        if event is None:
            return [
                _BLANK,
                *(_Line(((text, _EMPTY),)) for text in _wrap(self._empty_text, width)),
            ], []
        lines = [_Line(((text, _TITLE),)) for text in _wrap(event.title, width)]
        lines.extend(_fact("Date", f"{describe(event.date)}  ({event.date.text})", width))
        lines.extend(self._themes(event, max(1, width - _LABEL_WIDTH)))
        count = len(event.quotes)
        heading = (
            f"{count} quote{'s' if count != 1 else ''} — Enter opens the article"
            if count
            else "No quotes"
        )
        lines.extend(_Line(((text, _HEADING),)) for text in _wrap(heading, width))
        quote_rows: list[range] = []
        for index in range(count):
            if index:
                lines.append(_Line((("╌" * width, _RULE),)))
            start = len(lines)
            lines.extend(self._quote_lines(event, index, width))
            quote_rows.append(range(start, len(lines)))
        lines.append(_BLANK)
        lines.extend(_Line(((text, ""),)) for text in _wrap(event.summary, width))
        lines.append(_BLANK)
        facts = {
            "Basis": event.date_basis or "",
            "Status": f"{STATUS_MARKERS[event.status]} {event.status}",
            "Actors": ", ".join(event.actors),
            "Places": ", ".join(event.places),
            "Id": event.id,
        }
        for name, value in facts.items():
            lines.extend(_fact(name, value, width))
        return lines, quote_rows

    def _themes(self, event: Event, width: int) -> list[_Line]:
        """The event's themes, each as its letter and label in its colour, packed into
        lines of `width` cells without cutting one."""
        assert self.dataset is not None  # an event is shown only once the data is in
        lines: list[list[tuple[str, str | Style]]] = []
        used = 0
        for theme_id in event.themes:
            try:
                label = self.dataset.theme(theme_id).label
            except KeyError:
                label = theme_id
            letter, colour = self.theme_marks.get(theme_id, ("■", ""))
            text = sanitize_cells(f"{letter} {label}")
            style = Style(color=colour) if colour else Style()
            if lines and used + 2 + cell_len(text) <= width:
                lines[-1].append(("  ", ""))
                used += 2
            else:
                lines.append([])
                used = 0
            lines[-1].append((text, style))
            used += cell_len(text)
        return _labelled("Themes", lines)

    def _quote_lines(self, event: Event, index: int, width: int) -> list[_Line]:
        assert self.dataset is not None
        quote = event.quotes[index]
        source = self.dataset.source(quote.source_id)
        indent = " " * _QUOTE_INDENT
        inner = max(1, width - _QUOTE_INDENT)
        where = sanitize_cells(f"{source.path}:{quote.span.line}:{quote.span.column}")
        lines = [_Line(((t, _QUOTE),), index) for t in _wrap(f"“{quote.text}”", width)]
        byline = f"— {source.outlet}, {describe(source.published)}"
        lines.extend(_Line(((t, _SOURCE),), index) for t in _wrap(byline, width))
        lines.extend(_Line(((indent, ""), (t, _SOURCE)), index) for t in _wrap(source.title, inner))
        # The file:line:col reference is copied into an editor: never broken mid-name.
        # It loses its indent first, then breaks only after a `/`.
        if cell_len(where) > inner:
            indent, inner = "", width
        lines.extend(
            _Line(((indent, ""), (text, _SOURCE)), index) for text in _split_path(where, inner)
        )
        return lines

    # -- the highlighted quote -------------------------------------------------------

    def action_step(self, delta: int) -> None:
        """Highlight the next (1) or previous (-1) quote."""
        event = self._event
        target = None if self._cursor is None else self._cursor + delta
        if event is None or target is None or not 0 <= target < len(event.quotes):
            # No quote to move to (none at all, or past the first or last): the keys
            # scroll, as in any scrolling pane, on to the title or the last lines.
            self.scroll_to(y=self.scroll_offset.y + delta, animate=False)
            return
        self.highlight_quote(target)

    def highlight_quote(self, index: int) -> None:
        """Highlight quote `index` and scroll it into view."""
        if self._event is None or not 0 <= index < len(self._event.quotes):
            return
        for previous in (self._cursor, index):
            if previous is not None and previous < len(self._quote_rows):
                rows = self._quote_rows[previous]
                for row in rows:
                    self._strips.pop(row, None)
                self.refresh_lines(rows.start, len(rows))
        self._cursor = index
        self._scroll_cursor_into_view()

    def action_open_quote(self) -> None:
        """Open the article at the highlighted quote."""
        if self._event is not None and self._cursor is not None:
            self.post_message(ArticleRequested(self._event.id, self._cursor))

    def on_click(self, event: events.Click) -> None:
        """A click on a quote's lines opens its article; any other is left to Textual."""
        y = event.get_content_offset_capture(self).y
        if not 0 <= y < self.scrollable_content_region.height:
            return
        row = y + int(self.scroll_offset.y)
        if 0 <= row < len(self._lines) and (quote := self._lines[row].quote) is not None:
            event.stop()
            self.highlight_quote(quote)
            self.action_open_quote()

    # -- keeping in step with size and theme -----------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        """Wrap again for the new width, keeping the highlighted quote in view while the
        pane has the keyboard."""
        self._rewrap()
        if event.size == self._size:
            return  # laid out again at the same size (its border lit on focus): stay
        self._size = event.size
        if self.has_focus:
            self._scroll_cursor_into_view()
        else:
            # Nobody is stepping through the quotes: show the event from its title.
            self.scroll_to(0, 0, animate=False)

    def on_focus(self) -> None:
        """Tab in: the highlighted quote (the first, at first) is the one in view.

        Not when the focus comes with a click on the pane: scrolling first would move
        another line under the pointer before the click is read.
        """
        if not self.is_mouse_over:
            self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height
        if self._cursor is None or self._cursor >= len(self._quote_rows) or height <= 0:
            return
        rows, top = self._quote_rows[self._cursor], int(self.scroll_offset.y)
        if rows.start < top:
            self.scroll_to(y=rows.start, animate=False)
        elif rows.stop > top + height:
            # The quote's end into view, but never past its first line.
            self.scroll_to(y=min(rows.start, rows.stop - height), animate=False)

    def notify_style_update(self) -> None:
        """Drop the drawn lines when the theme or focus changes their colours."""
        super().notify_style_update()
        self._strips.clear()

    # -- drawing ---------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the lines in `crop`, looking the base style up once for all of them:
        `rich_style` walks every ancestor's styles, and once per line it was a third of
        drawing a new event."""
        self._pass_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None

    def render_line(self, y: int) -> Strip:
        """Draw one line of the pane (only lines on screen are ever drawn)."""
        row = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if width != self._width:
            # Drawn before the resize event arrived: wrap for the width on screen now
            # (the scroll range follows with the resize event).
            self._wrap_lines()
        if not 0 <= row < len(self._lines):
            return Strip.blank(width, self._pass_style or self.rich_style)
        strip = self._strips.get(row)
        if strip is None:
            strip = self._draw_line(self._lines[row], width)
            self._strips[row] = strip
        return strip

    def _draw_line(self, line: _Line, width: int) -> Strip:
        base = self._pass_style or self.rich_style
        cursor: Style | None = None
        if line.quote is not None and line.quote == self._cursor:
            cursor = self.get_component_rich_style(_CURSOR, partial=True)
        segments = []
        for text, role in line.parts:
            # Whole (not partial) styles: muted colours are translucent, and only the
            # whole style has them blended with the background.
            if isinstance(role, Style):
                style = base + role
            else:
                style = base + self.get_component_rich_style(role) if role else base
            if cursor is not None:
                style += cursor
            segments.append(Segment(text, style))
        fill = base if cursor is None else base + cursor
        return Strip(segments).adjust_cell_length(width, fill)
