"""The main screen: filter sidebar, overview strip and timeline, and the source-quote pane.

It holds the one piece of state, `filter` (an immutable `Filter` in a reactive). Widgets
report edits with messages; `watch_filter` asks the core for the result and pushes rows,
counts and the header line down.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, SelectionList

from timeline.model import Dataset
from timeline.query import EventIndex, Filter, SearchResult
from timeline.ui.layout import update_width_class
from timeline.ui.messages import (
    ArticleRequested,
    EventChosen,
    EventHighlighted,
    FilterEdited,
    MonthChosen,
    ViewportChanged,
)
from timeline.ui.screens.article import ArticleScreen
from timeline.ui.widgets.detail_pane import DetailPane
from timeline.ui.widgets.overview import OverviewStrip
from timeline.ui.widgets.sidebar import FilterSidebar
from timeline.ui.widgets.timeline_view import TimelineView
from timeline.views import build_rows, group_keys, month_histogram, month_of_key

__all__ = ["MainScreen"]


class MainScreen(Screen[None]):
    """The timeline explorer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search"),
        Binding("t", "focus_themes", "Themes"),
        Binding("f", "toggle_sidebar", "Filters"),
        Binding("c", "clear_filters", "Clear"),
        Binding("escape", "focus_timeline", "Timeline", show=False),
        Binding("right_square_bracket", "next_month", "Next month", show=False),
        Binding("left_square_bracket", "previous_month", "Prev month", show=False),
        Binding("right_curly_bracket", "next_year", "Next year", show=False),
        Binding("left_curly_bracket", "previous_year", "Prev year", show=False),
    ]
    """Screen-wide keys; the timeline's own (j/k, g/G, Enter) live on `TimelineView`."""

    filter: reactive[Filter] = reactive(Filter, init=False)
    """Everything the user asked to see; replaced whole, never mutated."""

    def __init__(self, dataset: Dataset, index: EventIndex) -> None:
        super().__init__()
        self.dataset = dataset
        self.index = index
        self._keys = group_keys(index.events)
        self._all_histogram = month_histogram(range(len(index)), self._keys)
        self._result: SearchResult = index.search(Filter())
        self._pending_position: int | None = None

    def compose(self) -> ComposeResult:
        """Sidebar | overview over timeline | quote pane, between header and footer."""
        yield Header()
        with Horizontal(id="body"):
            yield FilterSidebar(self.dataset, id="sidebar")
            with Vertical(id="centre"):
                yield OverviewStrip(id="overview")
                yield TimelineView(
                    self.index.events, [t.id for t in self.dataset.themes], id="timeline"
                )
            yield DetailPane(self.dataset, id="detail")
        yield Footer()

    def on_mount(self) -> None:
        """Show every event (or the deep-linked filter), with the timeline focused."""
        if update_width_class(self, self.app.size.width):
            # Narrow: the sidebar starts hidden (f or / shows it) to leave titles room.
            self.query_one(FilterSidebar).display = False
        self._refresh_result()
        self.query_one(TimelineView).focus()

    def on_resize(self) -> None:
        """Switch between the wide and the narrow layout."""
        update_width_class(self, self.size.width)

    # -- the filter ------------------------------------------------------------------

    def watch_filter(self, old: Filter, new: Filter) -> None:
        """Recompute the result whenever the filter is replaced."""
        within = None
        if old.but(text="") == new.but(text="") and new.terms and _narrows(old, new):
            within = self._result  # one more letter typed: only re-check what matched
        self._refresh_result(within)

    @property
    def shown(self) -> list[int]:
        """Positions (in date order) of the events the filter lets through."""
        return self._result.positions

    def _refresh_result(self, within: SearchResult | None = None) -> None:
        timeline = self.query_one(TimelineView)
        keep = self._pending_position
        if keep is None:
            keep = timeline.cursor_position
        self._pending_position = None
        self._result = self.index.search(self.filter, within)
        shown = self._result.positions
        rows = build_rows(shown, self._keys)
        timeline.set_rows(rows, self._keys, keep)
        total = len(self.index)
        self.app.sub_title = f"{len(shown):,} of {total:,} events"
        self.query_one(FilterSidebar).show_counts(self.index.counts(self._result))
        span = (self._all_histogram.first, self._all_histogram.last)
        self.query_one(OverviewStrip).show_histogram(month_histogram(shown, self._keys, span))
        if not shown:
            self.query_one(DetailPane).show_event(None)
            self.query_one(OverviewStrip).show_visible(None)
            self.query_one(OverviewStrip).show_cursor(None)

    def set_filter(self, filt: Filter, *, date_texts: tuple[str, str] | None = None) -> None:
        """Replace the filter and make the sidebar show it (for deep links and clearing)."""
        self.query_one(FilterSidebar).show_filter(filt, date_texts)
        self.filter = filt

    @on(FilterEdited)
    def _filter_edited(self, message: FilterEdited) -> None:
        self.filter = self.filter.but(**message.changes)

    # -- selection and navigation ----------------------------------------------------

    @on(EventHighlighted)
    def _event_highlighted(self, message: EventHighlighted) -> None:
        event = self.index.events[message.position]
        self.query_one(DetailPane).show_event(event)
        self.query_one(OverviewStrip).show_cursor(self._month(message.position))

    @on(ViewportChanged)
    def _viewport_changed(self, message: ViewportChanged) -> None:
        visible = None
        if message.first_month is not None and message.last_month is not None:
            visible = (message.first_month, message.last_month)
        self.query_one(OverviewStrip).show_visible(visible)

    @on(MonthChosen)
    def _month_chosen(self, message: MonthChosen) -> None:
        self.query_one(TimelineView).jump_to_month(message.month)

    def _month(self, position: int) -> int:
        return month_of_key(self._keys[position])

    def _jump_months(self, months: int) -> None:
        timeline = self.query_one(TimelineView)
        position = timeline.cursor_position
        if position is None:
            return
        current = self._month(position)
        if months > 0:
            later = [p for p in self.shown if self._month(p) >= current + months]
            if later:
                timeline.jump_to_month(self._month(later[0]))
        else:
            earlier = [p for p in self.shown if self._month(p) <= current + months]
            if earlier:
                timeline.jump_to_month(self._month(earlier[-1]))

    def action_next_month(self) -> None:
        """Move to the first event of the next month that has any."""
        self._jump_months(1)

    def action_previous_month(self) -> None:
        """Move to the first event of the previous month that has any."""
        self._jump_months(-1)

    def action_next_year(self) -> None:
        """Move to the first event twelve or more months later."""
        self._jump_months(12)

    def action_previous_year(self) -> None:
        """Move to the first event twelve or more months earlier."""
        self._jump_months(-12)

    def select_event(self, event_id: str) -> None:
        """Put the cursor on an event, clearing the filters if they hide it."""
        position = self.index.position_of(event_id)
        if position is None:
            return
        timeline = self.query_one(TimelineView)
        if not timeline.select_position(position):
            self._pending_position = position
            self.set_filter(Filter(), date_texts=("", ""))
            self.notify("Filters cleared to show the event.", timeout=3)
        timeline.focus()

    # -- opening articles ------------------------------------------------------------

    @on(EventChosen)
    def _event_chosen(self, message: EventChosen) -> None:
        event = self.index.events[message.position]
        if event.quotes:
            self.open_article(event.id, 0)

    @on(ArticleRequested)
    def _article_requested(self, message: ArticleRequested) -> None:
        self.open_article(message.event_id, message.quote_index)

    def open_article(self, event_id: str, quote_index: int) -> None:
        """Open the article screen at one quote of one event."""
        event = self.dataset.event(event_id)

        def returned(target: str | None) -> None:
            if target is not None:
                self.select_event(target)

        self.app.push_screen(ArticleScreen(self.dataset, event, quote_index), returned)

    # -- actions ---------------------------------------------------------------------

    def action_focus_search(self) -> None:
        """Show the sidebar and type into the search box."""
        self.query_one(FilterSidebar).display = True
        self.query_one("#search", Input).focus()

    def action_focus_themes(self) -> None:
        """Show the sidebar and move to the theme list."""
        self.query_one(FilterSidebar).display = True
        self.query_one("#themes", SelectionList).focus()

    def action_toggle_sidebar(self) -> None:
        """Show or hide the filter sidebar."""
        sidebar = self.query_one(FilterSidebar)
        sidebar.display = not sidebar.display
        if not sidebar.display:
            self.query_one(TimelineView).focus()

    def action_clear_filters(self) -> None:
        """Clear every filter at once."""
        if self.filter.is_empty and not self.filter.all_themes:
            self.notify("No filters to clear.", timeout=2)
            return
        self.set_filter(Filter(), date_texts=("", ""))

    def action_focus_timeline(self) -> None:
        """Esc: back to the timeline from anywhere on this screen."""
        self.query_one(TimelineView).focus()


def _narrows(old: Filter, new: Filter) -> bool:
    """Whether every event matching `new` also matched `old` (only words were added to)."""
    old_terms, new_terms = old.terms, new.terms
    if len(new_terms) < len(old_terms):
        return False
    return all(o in n for o, n in zip(old_terms, new_terms, strict=False))
