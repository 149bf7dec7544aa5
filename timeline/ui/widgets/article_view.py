"""The full text of one article, wrapped to the screen, with excerpts highlighted.

A line-API `ScrollView`: the text is wrapped by `views.wrap_offsets`, which keeps every
line's offsets, so the quote's span (character offsets into the article) maps straight
onto the cells that are highlighted.

A passage can be selected to quote, as in an editor's visual mode: `v` starts a
selection on the word at the excerpt (or at the top of the view), `w`/`b` add or take
back a word at its end, `s`/`S` a sentence; or drag with the mouse. Every change posts
`ArticleView.SelectionChanged`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import pairwise
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from timeline.coverage import sentences
from timeline.text import sanitize_keeping_offsets
from timeline.views import wrap_offsets

__all__ = ["ArticleView"]


class ArticleView(ScrollView, can_focus=True):
    """Read-only article text with one excerpt in focus and other cited excerpts marked."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "scroll_down", "Scroll down", show=False),
        Binding("up,k", "scroll_up", "Scroll up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home,g", "scroll_home", "Top", show=False),
        Binding("end,G", "scroll_end", "Bottom", show=False),
        Binding("v", "select", "Select"),
        Binding("w", "extend('word', 1)", "Select a word more", show=False),
        Binding("b", "extend('word', -1)", "Select a word less", show=False),
        Binding("s", "extend('sentence', 1)", "Select a sentence more", show=False),
        Binding("S", "extend('sentence', -1)", "Select a sentence less", show=False),
    ]
    """Reading keys (the article only scrolls), and the keys that select a passage."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article--excerpt",
        "article--cited",
        "article--selection",
        "article--uncited",
    }
    """The excerpt being read, the excerpts other events cite, the selection, and the
    gutter mark of a line that holds a passage no event cites."""

    UNCITED_MARK = "▌"
    """Drawn in the left gutter beside a line holding an uncited passage."""

    @dataclass
    class SelectionChanged(Message):
        """The selection changed: `span` is `(start, end)` in the article, or None."""

        span: tuple[int, int] | None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = ""
        self._lines: list[tuple[int, int]] = []
        self._line_starts: list[int] = []
        self._excerpt: tuple[int, int] | None = None
        self._cited: list[tuple[int, int]] = []
        self._uncited: list[tuple[int, int]] = []
        self._uncited_at = -1  # the passage `next_uncited` went to last
        self._wrapped_width = 0
        self._anchor: int | None = None
        self._head = 0
        self._dragging = False
        self._word_ends: list[int] = []
        self._sentence_ends: list[int] = []

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected passage as `(start, end)` offsets, without blanks at its ends."""
        if self._anchor is None or self._anchor == self._head:
            return None
        start, end = sorted((self._anchor, self._head))
        while start < end and self._text[start].isspace():
            start += 1
        while end > start and self._text[end - 1].isspace():
            end -= 1
        return (start, end) if end > start else None

    @property
    def text(self) -> str:
        """The article as shown: the source text with control characters made visible."""
        return self._text

    @property
    def excerpt(self) -> tuple[int, int] | None:
        """The highlighted span, as `(start, end)` offsets into the article."""
        return self._excerpt

    @property
    def highlighted_text(self) -> str:
        """The characters drawn in the excerpt style, in order (what the reader sees lit)."""
        if self._excerpt is None:
            return ""
        start, end = self._excerpt
        return self._text[start:end]

    @property
    def uncited(self) -> list[tuple[int, int]]:
        """The spans no event cites (`timeline.coverage`), marked in the gutter."""
        return self._uncited

    def show_article(
        self,
        text: str,
        excerpt: tuple[int, int] | None,
        cited: list[tuple[int, int]],
        uncited: list[tuple[int, int]] | None = None,
    ) -> None:
        """Show `text` with `excerpt` highlighted and scrolled into view, and the lines
        holding an `uncited` span marked in the gutter."""
        self._text = sanitize_keeping_offsets(text)
        self._excerpt = excerpt
        self._cited = sorted(cited)
        self._uncited = sorted(uncited or [])
        self._uncited_at = -1
        self._wrapped_width = 0
        self._word_ends = [m.end() for m in re.finditer(r"\S+", self._text)]
        # A sentence ends where `timeline coverage` ends it (not at the "U.S." of "the
        # U.S. President"), and at the end of its line.
        self._sentence_ends = []
        offset = 0
        for line in self._text.split("\n"):
            self._sentence_ends.extend(offset + end for _, end in sentences(line))
            offset += len(line) + 1
        self._set_selection(None)
        self._rewrap()
        self.refresh()
        self.call_after_refresh(self.scroll_to_excerpt)

    def _rewrap(self) -> None:
        # One blank column each side keeps the text off the pane's edges.
        width = max(1, self.scrollable_content_region.width - 2)
        if width == self._wrapped_width:
            return
        self._wrapped_width = width
        self._lines = wrap_offsets(self._text, width)
        self._line_starts = [start for start, _ in self._lines]
        self.virtual_size = Size(width, len(self._lines))

    def line_of(self, offset: int) -> int:
        """The wrapped line that shows the character at `offset`."""
        return max(0, bisect_right(self._line_starts, offset) - 1)

    def scroll_to_excerpt(self) -> None:
        """Bring the excerpt into view, a third of the way down the screen."""
        self._rewrap()
        if self._excerpt is None:
            self.scroll_to(y=0, animate=False)
            return
        first = self.line_of(self._excerpt[0])
        height = self.scrollable_content_region.height
        self.scroll_to(y=max(0, first - height // 3), animate=False)

    def next_uncited(self) -> tuple[int, int] | None:
        """Select the next uncited passage and bring it into view, a third of the way
        down; return its span (None if there is none). The first goes to the first
        passage from the view's top line down, each next one to the one after
        (wrapping round). Selected, it shows which passage it is and is ready to quote."""
        if not self._uncited:
            return None
        self._rewrap()
        if self._uncited_at < 0:
            top = int(self.scroll_offset.y)
            later = [i for i, (start, _) in enumerate(self._uncited) if self.line_of(start) >= top]
            self._uncited_at = later[0] if later else 0
        else:
            self._uncited_at = (self._uncited_at + 1) % len(self._uncited)
        span = self._uncited[self._uncited_at]
        height = self.scrollable_content_region.height
        self.scroll_to(y=max(0, self.line_of(span[0]) - height // 3), animate=False)
        self._set_selection(*span)
        return span

    def on_resize(self, event: events.Resize) -> None:
        """Rewrap to the new width, keeping the selection (else the excerpt) in view: the
        line that shows a selection below the article resizes the view as it appears."""
        self._rewrap()
        self.call_after_refresh(self._keep_in_view if self.selection else self.scroll_to_excerpt)

    # -- selecting -------------------------------------------------------------------

    def _set_selection(self, anchor: int | None, head: int = 0) -> None:
        before = self.selection
        self._anchor, self._head = anchor, head
        self.refresh()
        if self.selection != before:
            self.post_message(self.SelectionChanged(self.selection))

    def clear_selection(self) -> bool:
        """Drop the selection; whether there was one."""
        had = self._anchor is not None
        self._set_selection(None)
        return had

    def action_select(self) -> None:
        """Start a selection on the word at the excerpt, or at the top of the view (or
        end the selection if there is one)."""
        if self.clear_selection():
            return
        at = self._excerpt[0] if self._excerpt is not None else 0
        top = int(self.scroll_offset.y)
        if not top <= self.line_of(at) < top + self.size.height and top < len(self._lines):
            at = self._lines[top][0]
        first = bisect_right(self._word_ends, at)
        if first < len(self._word_ends):
            end = self._word_ends[first]
            start = end
            while start > 0 and not self._text[start - 1].isspace():
                start -= 1
            self._set_selection(start, end)
            self._keep_in_view()

    def action_extend(self, unit: str, step: int) -> None:
        """Move the end of the selection a word or a sentence on (step 1) or back (-1),
        never before its first word."""
        if self._anchor is None:
            self.action_select()
            return
        ends = self._word_ends if unit == "word" else self._sentence_ends
        head = self._head
        if step > 0:
            position = bisect_right(ends, head)
            head = ends[position] if position < len(ends) else len(self._text)
        else:
            position = bisect_left(ends, head) - 1
            if position >= 0 and ends[position] > self._anchor:
                head = ends[position]
            elif unit == "sentence":  # back to the first word: the smallest selection
                first = bisect_right(self._word_ends, self._anchor)
                head = self._word_ends[min(first, len(self._word_ends) - 1)]
        self._set_selection(self._anchor, head)
        self._keep_in_view()

    def _keep_in_view(self) -> None:
        line = self.line_of(max(self._head - 1, 0))
        top, height = int(self.scroll_offset.y), self.scrollable_content_region.height
        if not top <= line < top + height:
            self.scroll_to(y=max(0, line - height // 2), animate=False)

    def offset_at(self, x: int, y: int) -> int:
        """The article offset of the character drawn at `x`, `y` (widget cells)."""
        index = int(self.scroll_offset.y) + y
        if index >= len(self._lines):
            return len(self._text)
        start, end = self._lines[max(index, 0)]
        cells = x - 1  # the blank column on the left
        at = start
        while at < end and cells > 0:
            cells -= cell_len(self._text[at])
            at += 1
        return at

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Start selecting where the button went down."""
        if event.button == 1:
            at = self.offset_at(event.x, event.y)
            self._dragging = True
            self.capture_mouse()
            self._set_selection(at, at)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Extend the selection to the character under the pointer."""
        if self._dragging and self._anchor is not None:
            at = self.offset_at(event.x, event.y)
            self._set_selection(self._anchor, at + (1 if at >= self._anchor else 0))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        """Finish selecting; a click without a drag selects nothing."""
        if self._dragging:
            self._dragging = False
            self.release_mouse()
            if self.selection is None:
                self._set_selection(None)

    def render_line(self, y: int) -> Strip:
        """Draw one wrapped line, styling the parts inside excerpts."""
        width = self.scrollable_content_region.width
        base = self.rich_style
        index = int(self.scroll_offset.y) + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        start, end = self._lines[index]
        excerpt_style = base + self.get_component_rich_style("article--excerpt", partial=True)
        cited_style = base + self.get_component_rich_style("article--cited", partial=True)
        uncited = any(a < end and start < b for a, b in self._uncited)
        if uncited:
            mark = base + self.get_component_rich_style("article--uncited", partial=True)
            segments: list[Segment] = [Segment(self.UNCITED_MARK, mark)]
        else:
            segments = [Segment(" ", base)]
        cuts = {start, end}
        ranges: list[tuple[tuple[int, int], Style]] = [(span, cited_style) for span in self._cited]
        if self._excerpt is not None:
            ranges.append((self._excerpt, excerpt_style))
        selection = self.selection
        if selection is not None:
            selected = base + self.get_component_rich_style("article--selection", partial=True)
            ranges.append((selection, selected))
        for (a, b), _style in ranges:
            if a < end and b > start:
                cuts.update((max(a, start), min(b, end)))
        points = sorted(cuts)
        for a, b in pairwise(points):
            style = base
            for (low, high), range_style in ranges:
                if low <= a and b <= high:
                    style = range_style
            segments.append(Segment(self._text[a:b], style))
        return Strip(segments).adjust_cell_length(width, base)
