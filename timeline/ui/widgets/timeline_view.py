"""The timeline: every shown event, grouped under year and month headings.

A `ScrollView` drawn with the line API, as toolong's `LogLines` is: it holds the rows
(`TimelineRows`, events and headings by row number) and renders only the lines on
screen, so swapping in a new filter result costs the same at 100 or 100,000 events.

What a row shows comes from a `RowSource`: the loaded events (`EventRows`), the same as
known on a day (`AsOfRows`), or the dataset's store (`timeline.store.StoredRows`) while
the dataset is still loading.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import ClassVar, NamedTuple, Protocol, runtime_checkable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from timeline.asof import as_of_status
from timeline.dates import describe
from timeline.model import Event, Status
from timeline.text import sanitize_cells
from timeline.ui.compat import set_virtual_size_quietly
from timeline.ui.messages import EventChosen
from timeline.views import (
    Heading,
    TimelineRows,
    build_rows,
    month_of_key,
    theme_letters,
    wrap_offsets,
)

__all__ = [
    "STATUS_MARKERS",
    "THEME_COLOURS",
    "AsOfRows",
    "EventRows",
    "RowSource",
    "TimelineView",
    "theme_marks",
]

THEME_COLOURS = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2",
    "#edc948", "#ff9da7", "#9c755f", "#bab0ac", "#a0cbe8", "#bcbd22",
)  # fmt: skip
"""Theme colours, in vocabulary order: Tableau 10 and two more, twelve hues that stay
apart on dark and light backgrounds. Each theme also has a letter (`theme_marks`), so
readers who cannot tell two colours apart can tell the letters."""

STATUS_MARKERS = {Status.OCCURRED: "●", Status.SCHEDULED: "◆", Status.PLANNED: "◇"}
"""How each status shows at the start of a row."""


def theme_marks(theme_ids: Sequence[str], labels: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Each theme's letter and colour, for themes (and their labels) in vocabulary order."""
    return {
        theme: (letter, THEME_COLOURS[i % len(THEME_COLOURS)])
        for i, (theme, letter) in enumerate(zip(theme_ids, theme_letters(labels), strict=True))
    }


_MAX_MARKERS = 5
_STRIP_CACHE_SIZE = 192
"""Drawn lines kept by `TimelineView`: a few screens, for the cursor and short scrolls
(each line is objects the garbage collector walks at every full pass)."""
_EMPTY_ROWS = build_rows((), ())
_DATE_CELLS = 17
"""The date column: room for "from 10 Apr 2024" and a space, never cut at any width."""
_COUNT_FROM_WIDTH = 60
"""Narrower than this, a row shows no source count."""

RowFields = tuple[str, str, Status, Sequence[str], int]
"""What one event row shows: date label, title (both sanitized, the title by
`sanitize_cells`), status, theme ids, and the number of sources."""


class _RowStyles(NamedTuple):
    """Every style a row is drawn with, looked up once per repaint instead of per line."""

    base: Style
    planned: Style
    date: Style
    sources: Style
    cursor: Style
    year: Style
    month: Style
    empty: Style
    new: Style


@runtime_checkable
class RowSource(Protocol):
    """Where the timeline gets what each event row shows, by position in date order."""

    @property
    def marker_slots(self) -> int:
        """The most themes any event has (the width of the marker column)."""
        ...

    def timeline_row(self, position: int) -> RowFields:
        """The fields of the event row at `position`."""
        ...


class EventRows:
    """A `RowSource` over loaded events (`EventIndex.events`), computing each row's
    labels once, for the rows that were on screen recently."""

    _CACHE_SIZE = 4096

    def __init__(self, events: Sequence[Event]) -> None:
        """Rows for `events`, in date order."""
        self._events = events
        self._cache: dict[int, RowFields] = {}
        self._slots: int | None = None

    @property
    def marker_slots(self) -> int:
        """The most themes any event has (counted on first use)."""
        if self._slots is None:
            self._slots = max((len(e.themes) for e in self._events), default=0)
        return self._slots

    def timeline_row(self, position: int) -> RowFields:
        """The fields of the event at `position`."""
        row = self._cache.get(position)
        if row is None:
            event = self._events[position]
            row = (
                describe(event.date),
                sanitize_cells(event.title),
                event.status,
                event.themes,
                len(event.source_ids),
            )
            if len(self._cache) > self._CACHE_SIZE:
                self._cache.clear()  # a bounded cache: only what was on screen recently
            self._cache[position] = row
        return row


class AsOfRows:
    """The rows of `base` as known on `day` (`timeline.asof`): each event's status as it
    then stood and the number of its sources in `known`, the sources published by then."""

    def __init__(
        self, base: RowSource, events: Sequence[Event], known: frozenset[str], day: int
    ) -> None:
        """Rows of `events` (the ones `base` draws, in the same order) as of `day`."""
        self._base, self._events, self._known, self._day = base, events, known, day

    @property
    def marker_slots(self) -> int:
        """As `base` has."""
        return self._base.marker_slots

    def timeline_row(self, position: int) -> RowFields:
        """The row of `base`, with the status and source count as of the day."""
        date_text, title, _, themes, _ = self._base.timeline_row(position)
        event = self._events[position]
        count = sum(source in self._known for source in event.source_ids)
        return date_text, title, as_of_status(event, self._day), themes, count


class TimelineView(ScrollView, can_focus=True):
    """The scrollable, virtual list of events under year and month headings."""

    empty_text = "No events match these filters. Press c to clear them."
    """What the timeline says when it has no rows (the screen sets it)."""

    highlighted: var[int | None] = var(None, always_update=True, init=False)
    """The position (in `EventIndex.events`) of the event the cursor last landed on, set
    each time it lands, even on the same event (new rows). A watcher runs at once, so
    what it shows joins the rows in the key's own frame; a message would come a frame
    later, and the next key would wait behind that frame."""

    viewport: var[tuple[int, int] | None] = var(None, always_update=True, init=False)
    """The first and last running months (see `views.month_index`) on screen, or None
    with no rows; set each time the timeline scrolls or its rows change."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "step(1)", "Next event", show=False),
        Binding("up,k", "step(-1)", "Previous event", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("home,g", "first", "First event", show=False),
        Binding("end,G", "last", "Last event", show=False),
        Binding("enter", "choose", "Open", show=True),
    ]
    """Keyboard-first navigation; vi keys alongside the arrows."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline-view--year",
        "timeline-view--month",
        "timeline-view--cursor",
        "timeline-view--date",
        "timeline-view--planned",
        "timeline-view--count",
        "timeline-view--empty",
        "timeline-view--new",
    }
    """Styled in `app.tcss` with theme variables, so rows follow the Textual colour theme."""

    def __init__(
        self,
        events: Sequence[Event] | RowSource,
        themes: Sequence[tuple[str, str]],
        *,
        id: str | None = None,
    ) -> None:
        """Show rows of `events` (in date order, or any `RowSource`); `themes`, the
        (id, label) of each theme in vocabulary order, pick the markers."""
        super().__init__(id=id)
        source = events if isinstance(events, RowSource) else EventRows(events)
        self._source: RowSource = source
        self._marker_slots = min(_MAX_MARKERS, source.marker_slots)
        self._theme_mark: dict[str, Segment] = {}
        self._rows = _EMPTY_ROWS
        self._keys: Sequence[int] = ()
        self._cursor: int | None = None
        # Drawn lines by (row, under the cursor, width), for the styles in `_strip_styles`:
        # a repaint after a filter change or a scroll mostly redraws rows drawn before.
        self._strips: dict[tuple[int, bool, int], Strip] = {}
        self._fresh: frozenset[int] = frozenset()
        self._strip_styles: _RowStyles | None = None
        self._pass_styles: _RowStyles | None = None  # set while `render_lines` runs
        self._after_render: list[Callable[[], None]] = []
        self.set_themes(themes)

    # -- data in ---------------------------------------------------------------------

    def set_themes(self, themes: Sequence[tuple[str, str]]) -> None:
        """The (id, label) of each theme in vocabulary order, which pick the markers:
        the theme's letter in its colour."""
        ids = [theme for theme, _ in themes]
        marks = theme_marks(ids, [label for _, label in themes])
        self._theme_mark = {
            theme: Segment(letter, Style(color=colour, bold=True))
            for theme, (letter, colour) in marks.items()
        }
        self._strips.clear()

    def set_source(self, events: Sequence[Event] | RowSource) -> None:
        """Draw rows from `events` from now on (the same events, in the same order, as
        the rows shown: the loaded data in place of the store's preview)."""
        self._source = events if isinstance(events, RowSource) else EventRows(events)
        self._marker_slots = min(_MAX_MARKERS, self._source.marker_slots)
        self._strips.clear()
        self.refresh()

    @property
    def fresh(self) -> frozenset[int]:
        """The positions of the events highlighted as new (`set_fresh`)."""
        return self._fresh

    def set_fresh(self, positions: frozenset[int]) -> None:
        """Highlight the events at `positions` (with a `+`): what the latest article of
        an as-of walk added."""
        if positions != self._fresh:
            self._fresh = positions
            self._strips.clear()
            self.refresh()

    @property
    def rows(self) -> TimelineRows:
        """The rows shown now."""
        return self._rows

    @property
    def cursor_row(self) -> int | None:
        """The row under the cursor (always an event row), or None when nothing shows."""
        return self._cursor

    @property
    def cursor_position(self) -> int | None:
        """The position (in `EventIndex.events`) of the event under the cursor."""
        if self._cursor is None:
            return None
        return self._rows.rows[self._cursor]

    def set_rows(self, rows: TimelineRows, keys: Sequence[int], keep: int | None) -> None:
        """Show new rows; keep the cursor on the event at position `keep` if it is shown,
        else on the first event at or after where it was."""
        self._rows = rows
        self._keys = keys
        set_virtual_size_quietly(self, Size(self.size.width, len(rows.rows)))
        target: int | None = None
        if keep is not None:
            target = rows.row_for_position(keep)
            if target is None and rows.positions:
                # The event was filtered out: land on the nearest later one, else the last.
                k = min(bisect_left(rows.positions, keep), len(rows.positions) - 1)
                target = rows.row_of[k]
        if target is None and rows.positions:
            target = rows.row_of[0]
        self._cursor = None
        self.refresh()
        self.move_cursor_to(target, report=True)

    # -- cursor ----------------------------------------------------------------------

    def move_cursor_to(self, row: int | None, *, report: bool = False) -> None:
        """Put the cursor on `row` (an event row), scroll it into view, and report it
        (`highlighted`, `viewport`) if it moved, or anyway with `report` (new rows)."""
        if row is not None and not (0 <= row < len(self._rows.rows)):
            row = None
        previous = self._cursor
        self._cursor = row
        if previous is not None:
            self.refresh_line(previous)
        if row is not None:
            self.refresh_line(row)
            self._scroll_row_into_view(row)
        if row != previous or report:
            if row is not None:
                self.highlighted = self._rows.rows[row]
            self._report_viewport()

    def select_position(self, position: int) -> bool:
        """Move the cursor to the event at `position`; False if it is filtered out."""
        row = self._rows.row_for_position(position)
        if row is None:
            return False
        self.move_cursor_to(row)
        return True

    def jump_to_month(self, month: int) -> None:
        """Move to the first shown event in running month `month` or later (else the last)."""
        rows, keys = self._rows, self._keys
        if not rows.positions:
            return
        # Months never decrease along date order: bisect instead of scanning every row.
        k = bisect_left(rows.positions, month, key=lambda p: month_of_key(keys[p]))
        if k < len(rows.positions):
            self.move_cursor_to(rows.row_of[k])
            self._scroll_row_to_top(rows.row_of[k])
        else:
            self.move_cursor_to(rows.row_of[-1])

    def action_step(self, delta: int) -> None:
        """Move to the next (1) or previous (-1) event."""
        if self._cursor is None:
            return
        rows = self._rows
        target = rows.nearest_event_row(self._cursor + delta, 1 if delta > 0 else -1)
        if target is None:
            # Past the last event (or before the first): stay, but show headings above.
            if delta < 0:
                self.scroll_to(y=0, animate=False)
            return
        self.move_cursor_to(target)

    def action_page_down(self) -> None:
        """Move a screenful down."""
        self._page(max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        """Move a screenful up."""
        self._page(-max(1, self.scrollable_content_region.height - 1))

    def _page(self, delta: int) -> None:
        if self._cursor is None:
            return
        last = len(self._rows.rows) - 1
        start = min(max(self._cursor + delta, 0), last)
        target = self._rows.nearest_event_row(start, 1 if delta > 0 else -1)
        if target is None:
            target = self._rows.nearest_event_row(start, -1 if delta > 0 else 1)
        self.move_cursor_to(target)

    def action_first(self) -> None:
        """Move to the first event."""
        if self._rows.positions:
            self.move_cursor_to(self._rows.row_of[0])
            self.scroll_to(y=0, animate=False)

    def action_last(self) -> None:
        """Move to the last event."""
        if self._rows.positions:
            self.move_cursor_to(self._rows.row_of[-1])

    def action_choose(self) -> None:
        """Open the event under the cursor."""
        position = self.cursor_position
        if position is not None:
            self.post_message(EventChosen(position))

    def on_click(self, event: events.Click) -> None:
        """A click on an event moves the cursor to it; a second click opens it."""
        row = event.y + self.scroll_offset.y
        if not (0 <= row < len(self._rows.rows)) or self._rows.rows[row] < 0:
            return
        # Handled here: Textual's default would also select all the text on a double click.
        event.stop()
        event.prevent_default()
        if row == self._cursor and event.chain >= 2:
            self.action_choose()
        else:
            self.move_cursor_to(row)

    # -- scrolling -------------------------------------------------------------------

    def _scroll_row_into_view(self, row: int) -> None:
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if height <= 0:
            return
        if row < top:
            self._scroll_row_to_top(row)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)

    def _scroll_row_to_top(self, row: int) -> None:
        # Show the headings just above the event too, when they belong to it.
        while row > 0 and self._rows.rows[row - 1] < 0:
            row -= 1
        self.scroll_to(y=row, animate=False)

    def watch_scroll_y(self, old: float, new: float) -> None:
        """Report the months on screen whenever the timeline scrolls."""
        super().watch_scroll_y(old, new)
        self._report_viewport()

    def _report_viewport(self) -> None:
        top = int(self.scroll_offset.y)
        height = max(1, self.scrollable_content_region.height)
        visible = [r for r in self._rows.rows[top : top + height] if r >= 0]
        if not visible:
            self.viewport = None
            return
        self.viewport = (
            month_of_key(self._keys[visible[0]]),
            month_of_key(self._keys[visible[-1]]),
        )

    def on_resize(self, event: events.Resize) -> None:
        """Keep the virtual width in step with the widget, and the cursor in view."""
        self.virtual_size = Size(event.size.width, len(self._rows.rows))
        if self._cursor is not None:
            self.call_after_refresh(self._scroll_row_into_view, self._cursor)
        # What is on screen was reported before the widget had a size (the strip lit
        # only the first row's month until the first scroll): report it again.
        self.call_after_refresh(self._report_viewport)

    # -- drawing ---------------------------------------------------------------------

    def call_after_render(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the timeline has next been drawn into a frame.

        For work that should follow the frame showing new rows rather than delay it:
        the callback runs after that frame is painted (queued from the repaint, which
        runs inside the screen's update).
        """
        self._after_render.append(callback)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the lines in `crop`, looking the row styles up once for all of them."""
        self._pass_styles = self._row_styles()
        try:
            lines = super().render_lines(crop)
        finally:
            self._pass_styles = None
        if self._after_render:
            callbacks, self._after_render = self._after_render, []
            for callback in callbacks:
                self.call_later(callback)
        return lines

    def _row_styles(self) -> _RowStyles:
        """The styles rows are drawn with now; a change of any drops the drawn lines."""
        base = self.rich_style
        component = self.get_component_rich_style
        styles = _RowStyles(
            base,
            component("timeline-view--planned"),
            component("timeline-view--date", partial=True),
            component("timeline-view--count", partial=True),
            component("timeline-view--cursor", partial=True),
            base + component("timeline-view--year"),
            base + component("timeline-view--month"),
            base + component("timeline-view--empty"),
            component("timeline-view--new", partial=True),
        )
        if styles != self._strip_styles:
            self._strips.clear()
            self._strip_styles = styles
        return styles

    def render_line(self, y: int) -> Strip:
        """Draw one line of the timeline (only lines on screen are ever drawn)."""
        styles = self._pass_styles or self._row_styles()
        row_index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        rows = self._rows.rows
        if not rows:
            empty = self.empty_text
            lines = [text for start, end in wrap_offsets(empty, max(1, width - 4))
                     if (text := empty[start:end])]  # fmt: skip
            if 1 <= y <= len(lines):
                text = "  " + lines[y - 1]
                return Strip([Segment(set_cell_size(text, width), styles.empty)], width)
            return Strip.blank(width, styles.base)
        if row_index >= len(rows):
            return Strip.blank(width, styles.base)
        row = rows[row_index]
        is_cursor = row_index == self._cursor
        key = (row, is_cursor, width)
        strip = self._strips.get(key)
        if strip is None:
            if row < 0:
                strip = self._render_heading(Heading.decode(row), width, styles)
            else:
                strip = self._render_event(row, is_cursor, width, styles)
            if len(self._strips) >= _STRIP_CACHE_SIZE:
                self._strips.clear()  # bounded: only what was on screen lately
            self._strips[key] = strip
        return strip

    def _render_heading(self, heading: Heading, width: int, styles: _RowStyles) -> Strip:
        if heading.month == 0:
            style = styles.year
            label = f" {heading.label} "
            line = label + "─" * max(0, width - cell_len(label))
        else:
            style = styles.month
            line = f"   {heading.label.split()[0]}"
        return Strip([Segment(set_cell_size(line, width), style)], width)

    def _render_event(
        self, position: int, is_cursor: bool, width: int, styles: _RowStyles
    ) -> Strip:
        date_text, title, status, themes, count = self._source.timeline_row(position)
        style = styles.base
        if status is not Status.OCCURRED:
            style = style + styles.planned
        date_style = style + styles.date
        count_style = style + styles.sources
        if is_cursor:
            # The cursor wins over every column's own colour so the row reads as one.
            cursor = styles.cursor
            style, date_style, count_style = (s + cursor for s in (style, date_style, count_style))

        fresh = position in self._fresh
        if fresh and not is_cursor:
            style = style + styles.new
        marker = f"{'+' if fresh else ' '}{STATUS_MARKERS[status]} "
        if cell_len(date_text) > _DATE_CELLS - 1:
            date_text = set_cell_size(date_text, _DATE_CELLS - 2) + "…"
        date_cell = set_cell_size(date_text, _DATE_CELLS - 1) + " "
        # The themes' letters come right after the date, so no gap of blank title room
        # ever separates a short title from them.
        slots = self._marker_slots
        # Under the cursor the letters take the cursor's colours: a theme's colour can be
        # the cursor's own (blue on blue). The quote pane shows them in colour.
        # More themes than slots: the last slot says so, and the quote pane lists them all.
        more = len(themes) > slots
        markers = [
            Segment(mark.text, style + Style(bold=True) if is_cursor else style + mark.style)
            for theme in themes[: slots - 1 if more else slots]
            if (mark := self._theme_mark.get(theme)) is not None and mark.style is not None
        ]
        if more:
            markers.append(Segment("…", style))
        markers.append(Segment(" " * (slots - len(markers) + 1), style))
        # Narrow (the sidebar open at 80 columns), the title needs the count's room more.
        count_text = f" {count:>2} src " if width >= _COUNT_FROM_WIDTH else " "
        title_width = max(0, width - cell_len(marker) - _DATE_CELLS - slots - 1)
        title_width -= cell_len(count_text)
        if cell_len(title) > title_width:
            title_text = set_cell_size(title, max(0, title_width - 1)) + "…" if title_width else ""
        else:
            title_text = set_cell_size(title, title_width)
        segments = [
            Segment(marker, style),
            Segment(date_cell, date_style),
            *markers,
            Segment(title_text, style),
            Segment(count_text, count_style),
        ]
        return Strip(segments).adjust_cell_length(width, style)
