"""The full text of one article, wrapped to the screen, with excerpts highlighted.

A line-API `ScrollView`: the text is wrapped by `views.wrap_offsets`, which keeps every
line's offsets, so the quote's span (character offsets into the article) maps straight
onto the cells that are highlighted.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import pairwise
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

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
    ]
    """Reading keys: the article only scrolls, there is no cursor to lose the highlight."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article--excerpt",
        "article--cited",
        "article--uncited",
    }
    """The excerpt being read, the excerpts other events cite, and the gutter mark of a
    line that holds a passage no event cites."""

    UNCITED_MARK = "▌"
    """Drawn in the left gutter beside a line holding an uncited passage."""

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
        """Bring the next uncited passage into view, a third of the way down, and return
        its span (None if there is none). The first goes to the first passage below the
        top of the view, each next one to the one after (wrapping round)."""
        if not self._uncited:
            return None
        self._rewrap()
        if self._uncited_at < 0:
            top = int(self.scroll_offset.y)
            later = [i for i, (start, _) in enumerate(self._uncited) if self.line_of(start) > top]
            self._uncited_at = later[0] if later else 0
        else:
            self._uncited_at = (self._uncited_at + 1) % len(self._uncited)
        span = self._uncited[self._uncited_at]
        height = self.scrollable_content_region.height
        self.scroll_to(y=max(0, self.line_of(span[0]) - height // 3), animate=False)
        return span

    def on_resize(self, event: events.Resize) -> None:
        """Rewrap to the new width, keeping the excerpt in view."""
        self._rewrap()
        self.call_after_refresh(self.scroll_to_excerpt)

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
