"""The overview strip: events per month over the whole span, as one line of bars.

The months on screen in the timeline are underlined and the highlighted event's month is
marked below the bars. A click moves the timeline to that month.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip
from textual.widget import Widget

from timeline.ui.messages import MonthChosen
from timeline.views import Histogram

__all__ = ["OverviewStrip"]

_BARS = " ▁▂▃▄▅▆▇█"


class OverviewStrip(Widget):
    """A two-line density strip: bars per month, then year labels and the cursor mark."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "overview--bar",
        "overview--visible",
        "overview--cursor",
        "overview--label",
    }
    """Styled in `app.tcss`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._histogram = Histogram(0, 0, [0])
        self._visible: tuple[int, int] | None = None
        self._cursor_month: int | None = None

    # Each setter repaints only on a change: the timeline reports its months and cursor
    # after every key, mostly unchanged, and a repaint redraws the whole strip.

    def show_histogram(self, histogram: Histogram) -> None:
        """Show a new month-by-month count (after the filter changed)."""
        if histogram != self._histogram:
            self._histogram = histogram
            self.refresh()

    def show_visible(self, visible: tuple[int, int] | None) -> None:
        """Light the running months from `visible[0]` to `visible[1]` (on screen now)."""
        if visible != self._visible:
            self._visible = visible
            self.refresh()

    def show_cursor(self, month: int | None) -> None:
        """Mark the highlighted event's running month."""
        if month != self._cursor_month:
            self._cursor_month = month
            self.refresh()

    def _columns(self) -> list[tuple[int, int]]:
        """The (first, last) running months under each column of the strip.

        A span longer than the strip puts several months in a column
        (`Histogram.bucket_bounds`); a shorter one is stretched, each month taking
        several columns, so the strip always spans the full width and every cell can
        be clicked.
        """
        width = max(1, self.size.width)
        histogram = self._histogram
        months = histogram.last - histogram.first + 1
        if months >= width:
            return histogram.bucket_bounds(width)
        return [(m, m) for m in (histogram.first + x * months // width for x in range(width))]

    def render_line(self, y: int) -> Strip:
        """Bars on the first line; year labels and the cursor mark on the second."""
        width = self.size.width
        base = self.rich_style
        columns = self._columns()
        if y == 0:
            return self._bars(columns, width, base)
        if y == 1:
            return self._labels(columns, width, base)
        return Strip.blank(width, base)

    def _bars(self, columns: list[tuple[int, int]], width: int, base: Style) -> Strip:
        months, first = self._histogram.counts, self._histogram.first
        counts = [sum(months[start - first : end - first + 1]) for start, end in columns]
        peak = max(counts) if counts else 0
        bar_style = base + self.get_component_rich_style("overview--bar", partial=True)
        visible_style = bar_style + self.get_component_rich_style("overview--visible", partial=True)
        segments = []
        visible = self._visible
        for (start, end), count in zip(columns, counts, strict=True):
            level = 0 if not count else 1 + (count * (len(_BARS) - 2)) // max(peak, 1)
            in_view = visible is not None and start <= visible[1] and end >= visible[0]
            segments.append(Segment(_BARS[min(level, len(_BARS) - 1)],
                                    visible_style if in_view else bar_style))  # fmt: skip
        return Strip(segments).adjust_cell_length(width, base)

    def _labels(self, columns: list[tuple[int, int]], width: int, base: Style) -> Strip:
        label_style = base + self.get_component_rich_style("overview--label", partial=True)
        cursor_style = base + self.get_component_rich_style("overview--cursor", partial=True)
        cells = [" "] * len(columns)
        cursor = next(
            (x for x, (start, end) in enumerate(columns)
             if self._cursor_month is not None and start <= self._cursor_month <= end),
            None,
        )  # fmt: skip
        last_label_end = -1
        for x, (start, _end) in enumerate(columns):
            year = start // 12
            if x and divmod(columns[x - 1][0], 12)[0] == year:
                continue
            label = str(year)
            # The ▲ is never covered: a label it would fall in moves just past it, or
            # just before it at the right edge. Any other label that does not fit is
            # left out, never drawn away from its year.
            places: tuple[int, ...] = (x,)
            if cursor is not None and x <= cursor < x + len(label):
                places = (x, cursor + 1, cursor - len(label))
            for at in places:
                end = at + len(label)
                clear = cursor is None or not at <= cursor < end
                if clear and at > last_label_end and at >= 0 and end <= len(columns):
                    cells[at:end] = list(label)
                    last_label_end = end
                    break
        segments = [Segment(char, label_style) for char in cells]
        if cursor is not None:
            segments[cursor] = Segment("▲", cursor_style)
        return Strip(segments).adjust_cell_length(width, base)

    def on_click(self, event: events.Click) -> None:
        """Move the timeline to the month under the pointer."""
        columns = self._columns()
        if 0 <= event.x < len(columns):
            self.post_message(MonthChosen(columns[event.x][0]))
