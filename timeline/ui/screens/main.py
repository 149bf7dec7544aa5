"""The main screen: filter sidebar, overview strip and timeline, and the source-quote pane.

It holds the one piece of state, `filter` (an immutable `Filter` in a reactive). Widgets
report edits with messages; `watch_filter` asks the core for the result and pushes rows,
counts and the header line down. `Filter.as_of` shows the data as known on a day; `<`
and `>` step it through the days the articles were published, highlighting the events
each new article adds.
"""

from __future__ import annotations

import asyncio
import gc
from array import array
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, SelectionList, Static

from timeline.asof import publication_days, sources_known
from timeline.dates import MONTH_ABBR, from_day_number
from timeline.model import Dataset, Event, dataset_title
from timeline.query import EventIndex, Filter, SearchResult
from timeline.text import sanitize
from timeline.ui.layout import SIDEBAR_WIDTH, TypeAheadScreen, update_width_class
from timeline.ui.messages import (
    ArticleRequested,
    EventChosen,
    FilterEdited,
    MonthChosen,
    SearchFinished,
)
from timeline.ui.widgets.detail_pane import DetailPane
from timeline.ui.widgets.key_bar import KeyBar
from timeline.ui.widgets.overview import OverviewStrip
from timeline.ui.widgets.sidebar import FilterSidebar
from timeline.ui.widgets.timeline_view import (
    AsOfRows,
    EventRows,
    RowSource,
    TimelineView,
    theme_marks,
)
from timeline.ui.widgets.title_line import TitleLine
from timeline.views import (
    Histogram,
    MonthIndex,
    TimelineRows,
    build_rows,
    group_keys,
    key_runs,
    month_jump,
)

if TYPE_CHECKING:
    from timeline.store import StoredRows

__all__ = [
    "MainScreen",
    "day_text",
    "filter_line",
    "freeze_imported_objects",
    "freeze_start_up_objects",
    "search_failed",
]


def search_failed(error: OSError) -> str:
    """What to tell the user when the events' texts could not be read for a search."""
    return f"Could not search the events' texts: {error}. Press r to read the dataset again."


def _quotes_unreadable(error: OSError) -> str:
    """What to tell the user (in a notice and in the quote pane) when the highlighted
    event's quotes could not be read."""
    return f"Could not read this event's quotes: {error}. Press r to read the dataset again."


_NO_EVENTS_YET = (
    "No events yet. Add an article with `timeline add-source FILE`, open it here "
    "(ctrl+p), select a passage (v, s) and press E to make an event of it."
)

_frozen: set[str] = set()


def _freeze_once(stage: str) -> None:
    if stage not in _frozen:
        _frozen.add(stage)
        gc.freeze()


def freeze_imported_objects() -> None:
    """Hide what the imports made from the garbage collector, once a process, before
    the app is built: those objects live as long as the process, and a full collection
    walking them all while the first screen was built delayed the first frame
    (benchmarks/RESULTS.md)."""
    _freeze_once("imports")


def freeze_start_up_objects() -> None:
    """Hide what the first full screen holds from the garbage collector, once a process.

    Textual's widgets, styles and strip caches make up most of the objects the collector
    tracks, and live as long as the app: every full collection walking them paused
    browsing (benchmarks/RESULTS.md). Only once: freezing again on each reload would
    keep each replaced screen's reference cycles alive for good.
    """
    _freeze_once("first screen")


def day_text(day: int) -> str:
    """A day number as the header shows it: `14 Jan 2023`."""
    year, month, day_of_month = from_day_number(day)
    return f"{day_of_month} {MONTH_ABBR[month - 1]} {year}"


class MainScreen(TypeAheadScreen[None]):
    """The timeline explorer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # A priority key, handled as it arrives: the letters typed right behind it (a
        # fast "/summit") are then handed to the box, not to the timeline (Textual hands
        # each key to the widget focused when it arrives). In a text box, `/` types.
        Binding("slash", "focus_search", "Search", priority=True),
        Binding("t", "focus_themes", "Themes"),
        Binding("f", "toggle_sidebar", "Filters"),
        Binding("c", "clear_filters", "Clear"),
        # A priority key too, for a fast Esc then "j" from the search box.
        Binding("escape", "focus_timeline", "Back", tooltip="Back to the timeline", priority=True),
        Binding("right_square_bracket", "jump_months(1)", "Next month", show=False),
        Binding("left_square_bracket", "jump_months(-1)", "Prev month", show=False),
        Binding("right_curly_bracket", "jump_months(12)", "Next year", show=False),
        Binding("left_curly_bracket", "jump_months(-12)", "Prev year", show=False),
        Binding("less_than_sign", "step_as_of(-1)", "As of the previous article", show=False),
        Binding("greater_than_sign", "step_as_of(1)", "As of the next article", show=False),
    ]
    """Screen-wide keys; the timeline's own (j/k, g/G, Enter) live on `TimelineView`."""

    BACKGROUND_SEARCH = 20_000
    """From this many events, a text search typed before the search index is built
    (`EventIndex.prepare_search`) runs in a thread worker, which waits for the index:
    typing must not. Once the index is ready a search runs here, which paints sooner."""

    DEFER_WIDGETS_FROM = 20_000
    """From this many events, the counts and the strip are updated after the frame that
    shows the filtered rows (`_after_frame`)."""

    AFTER_FRAME = 0.2
    """On large datasets, seconds after a result by which the counts and the strip
    are updated even if the timeline has not been drawn (another screen covers it);
    normally they follow the frame that shows the rows (`_after_frame`)."""

    AUTO_FOCUS = ""
    """Nothing automatic: the screen gives the timeline the keyboard itself
    (`on_screen_resume`), but not while it types the keys behind an early `/`
    (`on_key`)."""

    filter: reactive[Filter] = reactive(Filter, init=False, repaint=False)
    """Everything the user asked to see; replaced whole, never mutated.

    `repaint=False`: the watcher updates the widgets that change. A repaint of the
    screen would re-render every widget on it for each keystroke."""

    def __init__(
        self,
        *,
        data: tuple[Dataset, EventIndex] | None = None,
        preview: StoredRows | None = None,
        event: str | None = None,
        initial_filter: Filter | None = None,
        date_texts: tuple[str, str] | None = None,
    ) -> None:
        """Show `data` (a dataset and its index), or until it comes (`show_data`), the
        rows of `preview`; opened on `event` and `initial_filter`."""
        super().__init__()
        self._mounted = False
        self.dataset: Dataset | None = None
        """The dataset shown, once it is in."""
        self.index: EventIndex | None = None
        """Its index, once it is in."""
        self._data = data
        self._preview = preview
        self._sidebar_lent = False  # shown by `/` or `t` on a narrow screen, not by `f`
        self._early_search = False  # `/` came before the screen was up: see `on_key`
        self._open_when_in: str | None = None
        self._keys: Sequence[int] = preview.keys if preview is not None else ()
        self._runs: Sequence[int] = ()
        self._event_shown: tuple[int, int | None] | None = None
        """The position and as-of day of the event the quote pane shows (None after new
        data: the same position may be another event, or the same one changed)."""
        self._months = MonthIndex(())
        self._all_histogram = Histogram(0, 0, [0])
        self._all_rows: TimelineRows | None = None
        self._result = SearchResult(array("I", range(len(self._keys))), (1 << len(self._keys)) - 1)
        self.shown_filter = Filter()
        """The filter whose result is on screen (behind `filter` while a search runs)."""
        self._facets_pending = False
        self._facets_timer: Timer | None = None
        self._counts_stale = False  # the sidebar is hidden: its counts wait until shown
        self._pending_position: int | None = None
        self._sidebar_fits = True
        self._initial_event = event
        self._initial_filter = initial_filter or Filter()
        self._initial_date_texts = date_texts
        self._rows_as_of: int | None = None  # the as-of day the timeline's rows are drawn for
        self._fresh_from: frozenset[int] | None = None  # what was shown before a step

    def compose(self) -> ComposeResult:
        """Sidebar | overview over timeline | quote pane, between header and footer."""
        title = TitleLine(id="title-line")
        title.show(self.app.title, self.app.sub_title)
        yield title
        with Horizontal(id="body"):
            yield FilterSidebar(id="sidebar")
            with Vertical(id="centre"):
                yield Static(id="filter-line", markup=False)
                yield OverviewStrip(id="overview")
                rows: Sequence[Event] | RowSource = ()
                themes: list[tuple[str, str]] = []
                if self._data is not None:
                    rows, themes = self._data[1].events, _themes(self._data[0])
                elif self._preview is not None:
                    rows, themes = self._preview, self._preview.themes
                yield TimelineView(rows, themes, id="timeline")
            yield DetailPane(id="detail")
        yield KeyBar()

    async def on_mount(self) -> None:
        """Show every event (or the deep-linked filter and event), with the timeline focused."""
        if not self.query(TimelineView):
            return  # the app closed while the screen was being mounted: nothing to show
        # Followed through reactives, not messages: the pane and the strip then change in
        # the frame that moves the rows, and the next key never waits for a second frame.
        timeline = self.query_one(TimelineView)
        self.watch(timeline, "highlighted", self._event_highlighted, init=False)
        self.watch(timeline, "viewport", self._viewport_changed, init=False)
        width = self.app.size.width
        update_width_class(self, width)
        # Below SIDEBAR_WIDTH the sidebar starts hidden (f, / or t shows it): titles first.
        self._sidebar_fits = width >= SIDEBAR_WIDTH
        self.query_one(FilterSidebar).display = self._sidebar_fits
        initial = self._initial_filter
        if initial != Filter():
            self.query_one(FilterSidebar).show_filter(initial, self._initial_date_texts)
        # Set without the watcher: the data's first result shows it.
        self.set_reactive(MainScreen.filter, initial)
        self._focus_the_timeline_if_nothing_is()  # before the first frame shows the cursor
        self._mounted = True
        data, self._data = self._data, None
        if data is not None:
            await self.show_data(*data)
            return
        for widget in self._waiting_widgets():
            widget.loading = True
        if self._preview is not None and initial.is_empty:
            self._show_preview(self._preview)
        else:
            self.query_one(TimelineView).loading = True

    def _waiting_widgets(self) -> list[Widget]:
        """What shows a loading state until the data is in."""
        return [self.query_one(kind) for kind in (FilterSidebar, OverviewStrip, DetailPane)]

    def _show_preview(self, preview: StoredRows) -> None:
        """Every event's row from the store, before the data is in."""
        timeline = self.query_one(TimelineView)
        rows = build_rows(range(len(preview)), preview.keys)
        timeline.set_rows(rows, preview.keys, None)
        if self._initial_event is not None:
            position = preview.position_of(self._initial_event)
            if position is not None:
                timeline.select_position(position)
        self._show_count_line(f"{len(preview):,} events · loading…")

    def show_progress(self, fraction: float) -> None:
        """Say how far the loader has come, while the data is not in."""
        if self.index is None:
            self._show_count_line(f"loading… {fraction:.0%}")

    async def show_data(self, dataset: Dataset, index: EventIndex) -> None:
        """Show `dataset` (indexed by `index`), in place of what is shown: the store's
        rows, or the data before a reload. The filter and the selected event stay."""
        if not self._mounted:
            self._data = (dataset, index)  # loaded before the screen was: shown on mount
            return
        timeline = self.query_one(TimelineView)
        selected = self.selected_event_id
        if selected is None and self._pending_position is not None and self.index is not None:
            selected = self.index.events[self._pending_position].id  # kept while none shown
        self.dataset, self.index = dataset, index
        self._preview = None
        self._event_shown = None
        self._keys = group_keys(index.events)
        self._runs = key_runs(self._keys)
        self._months = MonthIndex(self._keys)
        self._all_histogram = self._months.histogram(range(len(index)))
        self._all_rows = None
        timeline.set_source(index.events)
        timeline.empty_text = TimelineView.empty_text if len(index) else _NO_EVENTS_YET
        self._rows_as_of = None
        themes = _themes(dataset)
        timeline.set_themes(themes)
        if selected is not None:
            self._pending_position = index.position_of(selected)
        pane = self.query_one(DetailPane)
        pane.dataset = dataset
        pane.theme_marks = _theme_marks(dataset)
        self.app.title = dataset_title(dataset)
        self.query_one(TitleLine).show(title=self.app.title)
        for widget in (*self._waiting_widgets(), timeline):
            widget.loading = False
        self.refresh_bindings()  # a loading widget offers no keys: the key bar must look again
        self._drop_unknown_filter_values(dataset)
        self._refresh_result()
        initial, self._initial_event = self._initial_event, None
        if initial is not None:
            if dataset.has_event(initial):
                self.select_event(initial)
            else:
                self.notify("No event has that id.", severity="warning", timeout=4)
        chosen, self._open_when_in = self._open_when_in, None
        if chosen is not None and dataset.has_event(chosen):
            self.call_after_refresh(self.open_article, chosen, 0)
        # The sidebar's controls cost more than the rest of the screen: they follow the
        # frame that shows the events.
        self.call_after_refresh(self._fill_sidebar, self.query_one(FilterSidebar), dataset)

    def _drop_unknown_filter_values(self, dataset: Dataset) -> None:
        """Take out of the filter the themes, sources and actors that `dataset` lacks (a
        deep link's typo, or what a reload removed), and say so."""
        filt = self.filter
        known = filt.but(
            themes=filt.themes & {theme.id for theme in dataset.themes},
            sources=filt.sources & {source.id for source in dataset.sources},
            actors=filt.actors.intersection(dataset.actors()) if filt.actors else filt.actors,
        )
        if known == filt:
            return
        asked, kept = (f.themes | f.sources | f.actors for f in (filt, known))
        names = ", ".join(sanitize(value) for value in sorted(asked - kept))
        self.notify(
            f"Not in this dataset, so no longer filtered on: {names}",
            severity="warning",
            markup=False,
        )
        self.set_reactive(MainScreen.filter, known)
        self.query_one(FilterSidebar).show_filter(known, self.date_texts)

    async def _fill_sidebar(self, sidebar: FilterSidebar, dataset: Dataset) -> None:
        await sidebar.fill(dataset)
        freeze_start_up_objects()

    def on_resize(self) -> None:
        """Switch between the wide and the narrow layout."""
        width = self.size.width
        update_width_class(self, width)
        self.query_one(FilterSidebar).fit()
        fits = width >= SIDEBAR_WIDTH
        if fits != self._sidebar_fits:
            # Only when the size crosses the line, so a sidebar the user toggled stays.
            self._sidebar_fits = fits
            self._show_sidebar(fits)

    # -- the filter ------------------------------------------------------------------

    def watch_filter(self, old: Filter, new: Filter) -> None:
        """Recompute the result whenever the filter is replaced."""
        shown = self.shown_filter
        within = None
        if shown.but(text="") == new.but(text="") and new.terms and _narrows(shown, new):
            within = self._result  # one more letter typed: only re-check what matched
        index = self.index
        if index is None:
            return  # the data's first result shows it
        if new.terms and len(index) >= self.BACKGROUND_SEARCH and not index.search_ready:
            self._search_in_background(new, within)
        else:
            self._refresh_result(within)

    @work(thread=True, exclusive=True, group="search")
    def _search_in_background(self, filt: Filter, within: SearchResult | None) -> None:
        """Search off the UI thread (the core is pure); the newest search wins."""
        result = self._search(filt, within)
        if result is not None:
            self.post_message(SearchFinished(filt, result))

    def _search(self, filt: Filter, within: SearchResult | None) -> SearchResult | None:
        """The events that pass `filt`, or None after saying why they could not be found.

        A text search needs every event's texts, which a lean load reads from the store:
        a store damaged since it was opened fails here, from either thread.
        """
        index = self.index
        if index is None:
            return None
        try:
            return index.search(filt, within)
        except OSError as error:
            self.app.call_later(self.notify, search_failed(error), severity="error")
            return None

    @on(SearchFinished)
    def _search_finished(self, message: SearchFinished) -> None:
        if message.filter == self.filter:  # else the user has typed on: a newer one runs
            self._show_result(message.filter, message.result)

    @property
    def selected_event_id(self) -> str | None:
        """The id of the event under the timeline's cursor."""
        position = self.query_one(TimelineView).cursor_position
        if position is None:
            return None
        if self.index is not None:
            return self.index.events[position].id
        return self._preview.event_id(position) if self._preview is not None else None

    @property
    def date_texts(self) -> tuple[str, str]:
        """What the sidebar's date boxes say (kept across a reload)."""
        return self.query_one(FilterSidebar).date_texts

    def _refresh_result(self, within: SearchResult | None = None) -> None:
        """Search now, on this thread, and show the result."""
        result = self._search(self.filter, within)
        if result is not None:
            self._show_result(self.filter, result)

    def _show_result(self, filt: Filter, result: SearchResult) -> None:
        """Push the result of `filt` down to the timeline, counts, strip and header."""
        timeline = self.query_one(TimelineView)
        keep = self._pending_position
        if keep is None:
            keep = timeline.cursor_position
        self._pending_position = None
        index = self.index
        assert index is not None
        self._result = result
        if filt.as_of != self._rows_as_of:
            self._rows_as_of = filt.as_of
            timeline.set_source(self._row_source(filt.as_of))
        fresh, self._fresh_from = self._fresh_from, None
        if fresh is not None:
            timeline.set_fresh(frozenset(result.positions) - fresh)
        elif filt.as_of != self.shown_filter.as_of:
            timeline.set_fresh(frozenset())
        self.shown_filter = filt
        shown = result.positions
        everything = len(shown) == len(index)
        if everything:
            # Clearing a filter is common and the full rows never change: build them once.
            if self._all_rows is None:
                self._all_rows = build_rows(shown, self._keys, self._runs)
            rows = self._all_rows
        else:
            rows = build_rows(shown, self._keys, self._runs)
        timeline.set_rows(rows, self._keys, keep)
        total = len(index)
        as_of = "" if filt.as_of is None else f" · as of {day_text(filt.as_of)}"
        events = "event" if total == 1 else "events"
        self._show_count_line(f"{len(shown):,} of {total:,} {events}{as_of}")
        self._show_filter_line(filt)
        # The sidebar's counts and the strip's histogram follow one frame later: at
        # 100,000 events they cost about as much as the rest together, and the rows are
        # what the user is waiting for. Several results in a row compute them once.
        if not self._facets_pending:
            self._facets_pending = True
            self._after_frame(self._show_facets)
        if not shown:
            # No cursor in an empty list: the event it was on waits for the next result
            # (`c`, a shorter search) instead of the first event taking its place.
            self._pending_position = keep
            self._event_shown = None
            self.query_one(DetailPane).show_event(None)
            self.query_one(OverviewStrip).show_visible(None)
            self.query_one(OverviewStrip).show_cursor(None)

    def _row_source(self, day: int | None) -> RowSource:
        """What the timeline's rows show: the events, or the events as known on `day`."""
        assert self.index is not None and self.dataset is not None
        rows = EventRows(self.index.events)
        if day is None:
            return rows
        known = sources_known(self.dataset.sources, day)
        return AsOfRows(rows, self.index.events, known, day)

    def _show_facets(self) -> None:
        """Show the counts and the histogram of the result on screen."""
        if not self._facets_pending or self.index is None:
            return  # shown already (by the timeline's repaint, or the time limit)
        self._facets_pending = False
        if self._facets_timer is not None:
            self._facets_timer.stop()
            self._facets_timer = None
        shown = self._result.positions
        everything = len(shown) == len(self.index)
        sidebar = self.query_one(FilterSidebar)
        # Counting costs milliseconds at 100,000 events (an AND per facet value): not
        # for a sidebar that is hidden. Showing it counts. Actors and sources (thousands
        # of values) are counted lazily, as their lines on screen are drawn.
        self._counts_stale = not sidebar.display
        if not self._counts_stale:
            sidebar.show_counts(self.index.lazy_counts(self._result))
        histogram = self._all_histogram if everything else self._months.histogram(shown)
        self.query_one(OverviewStrip).show_histogram(histogram)

    def _show_count_line(self, text: str) -> None:
        """Put "N of M events" in the title line (and `App.sub_title`, set quietly: it
        would repaint the whole screen on every keystroke)."""
        self.app.set_reactive(App.sub_title, text)
        self.query_one(TitleLine).show(count=text)

    def _show_filter_line(self, filt: Filter) -> None:
        """Name every active filter on the line above the strip, which shows while the
        sidebar is hidden: a filter the user cannot see must not hide events silently."""
        # The class goes on the line, not the screen: a screen's class restyles (and
        # redraws) every widget on it.
        line = self.query_one("#filter-line", Static)
        filtered = not filt.is_empty or filt.all_themes
        line.set_class(filtered and not self.query_one(FilterSidebar).display, "-shown")
        if self.dataset is not None:
            line.update(filter_line(self.dataset, filt, self.date_texts), layout=False)

    def set_filter(self, filt: Filter, *, date_texts: tuple[str, str] | None = None) -> None:
        """Replace the filter and make the sidebar show it (for deep links and clearing)."""
        self.query_one(FilterSidebar).show_filter(filt, date_texts)
        self.filter = filt

    @on(FilterEdited)
    async def _filter_edited(self, message: FilterEdited) -> None:
        self.filter = self.filter.but(**message.changes)
        # The widgets repainted for the result tell this screen so from their own
        # tasks, once idle. Returning at once let the screen go idle first and paint
        # only the control that was edited, the rows an update period or two later.
        # One turn of the event loop lets them report first: one frame for both.
        await asyncio.sleep(0)

    @on(Input.Submitted)
    def _input_submitted(self) -> None:
        """Enter in the search or a date box: done typing, back to the results."""
        self.action_focus_timeline()

    # -- selection and navigation ----------------------------------------------------

    def _event_highlighted(self, position: int) -> None:
        """Show the event the timeline's cursor landed on (`TimelineView.highlighted`)."""
        if self.index is None or self.dataset is None:
            return  # the quote pane shows the event once the data is in
        shown = (position, self.shown_filter.as_of)
        if shown == self._event_shown:
            # A new result that kept the cursor on the same event: reading its details
            # again and redrawing the pane cost a frame at 100,000 events.
            return
        self._event_shown = shown
        pane = self.query_one(DetailPane)
        try:
            pane.show_event(self.index.event_as_of(position, self.shown_filter.as_of))
        except OSError as error:
            # Said once for this event: a new result that keeps the cursor on it does
            # not read it (and say so) again; moving to it again, or `r`, does.
            unreadable = _quotes_unreadable(error)
            self.notify(unreadable, severity="error")
            pane.show_event(None, empty_text=unreadable)
        self.query_one(OverviewStrip).show_cursor(self._months.months[position])

    def _after_frame(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the frame showing the new rows has been painted.

        On large datasets `call_after_refresh` may run before it (the screen can go idle
        before the widgets have asked to be redrawn), and the counts then delayed the
        rows: the timeline calls back from the repaint that draws them instead, with a
        time limit for a timeline that is not drawn. Small datasets keep
        `call_after_refresh`: the counts and the strip paint in the next frame.
        """
        if self.index is not None and len(self.index) >= self.DEFER_WIDGETS_FROM:
            self.query_one(TimelineView).call_after_render(callback)
            if self._facets_timer is None:
                self._facets_timer = self.set_timer(self.AFTER_FRAME, callback)
        else:
            self.call_after_refresh(callback)

    def _viewport_changed(self, visible: tuple[int, int] | None) -> None:
        """Light the months on screen in the strip (`TimelineView.viewport`)."""
        self.query_one(OverviewStrip).show_visible(visible)

    @on(MonthChosen)
    def _month_chosen(self, message: MonthChosen) -> None:
        self.query_one(TimelineView).jump_to_month(message.month)

    def action_jump_months(self, months: int) -> None:
        """Move to the first event of the month `months` on (or back) that has any: ±1 to
        the next or previous month with events, ±12 to one a year or more away."""
        timeline = self.query_one(TimelineView)
        position = timeline.cursor_position
        if position is None or self.index is None:
            return
        target = month_jump(
            self._result.positions, self._months.months.__getitem__, position, months
        )
        if target is not None:
            timeline.jump_to_month(target)

    def action_step_as_of(self, direction: int) -> None:
        """Show the data as of the next (1) or previous (-1) day an article was published;
        after the last, everything. Forward, the events that article adds are highlighted."""
        if self.dataset is None:
            return
        days = publication_days(self.dataset.sources)
        current = self.filter.as_of
        day: int | None
        if direction > 0:
            if current is None and not days:
                return
            later = [d for d in days if current is None or d > current]
            day = later[0] if later else None  # past the last article: everything
            # A walk that starts here marks everything the first article tells as new.
            self._fresh_from = frozenset(self._result.positions if current is not None else ())
        else:
            earlier = [d for d in days if current is None or d < current]
            if not earlier:
                self.notify("No article was published earlier.", timeout=2)
                return
            day = earlier[-1]
        self.set_filter(self.filter.but(as_of=day))

    def select_event(self, event_id: str) -> None:
        """Put the cursor on an event, clearing the filters if they hide it."""
        if self.index is None:
            self._initial_event = event_id  # selected once the data is in
            return
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
        event_id = self.selected_event_id
        if self.index is None:
            self._open_when_in = event_id  # chosen on the store's rows: opened once in
        elif (
            event_id is not None
            and self.dataset is not None
            and self.dataset.event(event_id).source_ids
        ):
            self.open_article(event_id, 0)

    @on(ArticleRequested)
    def _article_requested(self, message: ArticleRequested) -> None:
        self.open_article(message.event_id, message.quote_index)

    def open_article(self, event_id: str, quote_index: int) -> None:
        """Open the article screen at one quote of one event."""
        from timeline.ui.screens.article import ArticleScreen  # not needed to start

        event = self.event_to_read(event_id)
        if self.dataset is None or event is None:
            return

        def returned(target: str | None) -> None:
            if target is not None:
                self.select_event(target)

        self.app.push_screen(ArticleScreen(self.dataset, event, quote_index), returned)

    def event_to_read(self, event_id: str) -> Event | None:
        """The event with its quotes as of the day shown, for the article screen; None
        if the data has no such event (or its quotes could not be read: said so)."""
        index = self.index
        position = None if index is None else index.position_of(event_id)
        if index is None or position is None:
            return None
        try:
            return index.event_as_of(position, self.shown_filter.as_of)
        except OSError as error:
            self.notify(_quotes_unreadable(error), severity="error")
            return None

    # -- actions ---------------------------------------------------------------------

    def _show_sidebar(self, show: bool) -> None:
        self._sidebar_lent = False  # shown or hidden for good: no loan to take back
        sidebar = self.query_one(FilterSidebar)
        sidebar.display = show
        self._show_filter_line(self.shown_filter)
        if show and self._counts_stale and self.index is not None:
            self._counts_stale = False
            sidebar.show_counts(self.index.lazy_counts(self._result))
        if not show and (self.focused is None or sidebar in self.focused.ancestors):
            self.query_one(TimelineView).focus()

    def on_key(self, event: events.Key) -> None:
        """Type the keys that followed an early `/` into the search box, in order.

        Before the screen is mounted nothing has the focus, and Textual gives each key to
        the screen itself: the letters of a `/japan` typed as the app starts come here.
        Had the box taken the focus at once, the next letters would have gone to it
        straight and could pass these. So the screen types them (and Backspace) itself,
        and the box gets the focus once the screen has no key left to handle (`on_idle`).
        """
        if not self._early_search or self.focused is not None:  # (a Tab may have moved it)
            return
        search = self.query_one("#search", Input)
        if event.is_printable:
            search.insert_text_at_cursor(event.character or "")
        elif event.key == "backspace":
            search.action_delete_left()
        else:
            return
        event.stop()

    def on_screen_resume(self) -> None:
        """Back on this screen with nothing focused: the timeline has the keyboard."""
        self._focus_the_timeline_if_nothing_is()

    def _focus_the_timeline_if_nothing_is(self) -> None:
        if self.focused is None and not self._early_search:
            self.set_focus(self.query_one(TimelineView), scroll_visible=False)

    def on_idle(self) -> None:
        """Hand the keyboard to the search box once the keys behind an early `/` are in
        (unless a key since, as Esc, has given it to something else)."""
        if self._early_search and self._mounted:
            self._early_search = False
            if self.focused is None:
                search = self.query_one("#search", Input)
                # What was typed stays, the cursor after it; after this focus, as before.
                search.select_on_focus = False
                self.action_focus_search()
                search.call_later(setattr, search, "select_on_focus", True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keep the letter keys out of the footer while a text box has the keyboard:
        there they type letters (`c` is a "c", not Clear); Esc, out of the timeline's."""
        if action == "focus_timeline":  # where there is something to go back from
            return self._sidebar_lent or not isinstance(self.focused, TimelineView)
        return not (action in _LETTER_ACTIONS and isinstance(self.focused, Input))

    def _lend_sidebar(self) -> None:
        """Show the sidebar for one edit: hidden again when the keys go back to the
        timeline, so a narrow screen gets its room back (the filter line names what
        was set)."""
        if not self.query_one(FilterSidebar).display:
            self._show_sidebar(True)
            self._sidebar_lent = True

    def action_focus_search(self) -> None:
        """Show the sidebar and type into the search box."""
        if not self._mounted:  # pressed before the screen is up (a priority key)
            self._early_search = True
            return
        self._lend_sidebar()
        # At once, not queued as `focus()` would be: the letters typed right after `/`
        # are already queued behind it, and must reach the box, not the timeline.
        search = self.query_one("#search", Input)
        self.set_focus(search, scroll_visible=False)
        # Once a just-shown sidebar is laid out: it may have been left scrolled down.
        self.call_after_refresh(search.scroll_visible, animate=False)

    async def action_focus_themes(self) -> None:
        """Show the sidebar and move to the theme list."""
        self._lend_sidebar()
        await self.query_one(FilterSidebar).ready()
        themes = self.query_one("#themes", SelectionList)
        if themes.option_count and themes.highlighted is None:
            themes.highlighted = 0
        themes.focus(scroll_visible=False)
        self.call_after_refresh(themes.scroll_visible, animate=False)  # as for the search

    def action_toggle_sidebar(self) -> None:
        """Show or hide the filter sidebar."""
        self._show_sidebar(not self.query_one(FilterSidebar).display)

    def action_clear_filters(self) -> None:
        """Clear every filter at once."""
        if self.filter.is_empty and not self.filter.all_themes:
            self.notify("No filters to clear.", timeout=2)
            return
        self.set_filter(Filter(), date_texts=("", ""))

    def action_focus_timeline(self) -> None:
        """Esc: back to the timeline from anywhere on this screen."""
        if not self._mounted:  # pressed as the app starts (a priority key): where it is
            self._early_search = False  # going, and no search to start once it is up
            return
        self.set_focus(self.query_one(TimelineView))  # at once, as `action_focus_search`
        if self._sidebar_lent:
            self._show_sidebar(False)


_LETTER_ACTIONS = frozenset({"focus_search", "focus_themes", "toggle_sidebar", "clear_filters"})
"""The screen's actions bound to keys that a text box takes as letters."""


def filter_line(dataset: Dataset, filt: Filter, date_texts: tuple[str, str]) -> Content:
    """Every active filter in words, for the line shown while the sidebar is hidden:
    `Filters: “artemis” · S Security & defence or P Space · c clears, f edits`."""
    parts: list[Content] = []
    if filt.text.strip():
        parts.append(Content(f"“{sanitize(filt.text.strip())}”"))
    if filt.themes:
        marks = _theme_marks(dataset)
        names = [
            Content.assemble((f"{marks[t.id][0]} {sanitize(t.label)}", marks[t.id][1]))
            for t in dataset.themes
            if t.id in filt.themes
        ]
        parts.append(Content(" and " if filt.all_themes else " or ").join(names))
    elif filt.all_themes:
        parts.append(Content("all themes must match"))
    if filt.statuses:
        parts.append(Content(" or ".join(sorted(str(s) for s in filt.statuses))))
    for facet, values, label in (
        ("from", filt.sources, lambda v: dataset.source(v).outlet),
        ("with", filt.actors, str),
    ):
        if values:
            words = ", ".join(sorted(sanitize(label(v)) for v in values))
            parts.append(Content(f"{facet} {words}"))
    if filt.as_of is not None:
        parts.append(Content(f"as of {day_text(filt.as_of)}"))
    low, high = (text.strip() for text in date_texts)
    if filt.date_from is not None or filt.date_to is not None:
        parts.append(Content(f"{low or '…'} to {high or '…'}"))
    if not parts:
        return Content("")
    return Content.assemble(
        ("Filters: ", "bold"),
        Content(" · ").join(parts),
        ("  c clears, f edits", "$text-muted"),
    )


def _theme_marks(dataset: Dataset) -> dict[str, tuple[str, str]]:
    """Each theme's letter and colour, by id."""
    return theme_marks([t.id for t in dataset.themes], [t.label for t in dataset.themes])


def _themes(dataset: Dataset) -> list[tuple[str, str]]:
    """Each theme's id and label, in vocabulary order."""
    return [(theme.id, theme.label) for theme in dataset.themes]


def _narrows(old: Filter, new: Filter) -> bool:
    """Whether every event matching `new` also matched `old` (only words were added to)."""
    old_terms, new_terms = old.terms, new.terms
    if len(new_terms) < len(old_terms):
        return False
    return all(o in n for o, n in zip(old_terms, new_terms, strict=False))
