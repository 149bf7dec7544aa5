"""The first screen while a dataset loads in a thread worker: painted at once, so the
terminal answers straight away however big the dataset is.

When a rows snapshot of the dataset exists (`timeline.snapshot`), the screen also shows
the timeline's rows from it (`show_preview`): the user can read and scroll them while
the real data loads, and the app then replaces this screen with the main one, on the
same event. Filters, search and quotes need the real data; their keys say so.

The first frame is kept as light as a hello-world app's: two plain `Static`s styled by
this screen's own CSS (the app's stylesheet is read after it, see `TimelineApp`), with
the real box, Textual's progress bar and the footer mounted just after it. Each of those
costs milliseconds, and a hello-world app paints in about 170 ms.

For a small dataset with a current snapshot (`LoadingScreen(rows=...)`, the app's
default screen), the load takes milliseconds: the first frame is the rows alone, exactly
where the main screen shows them (the `-main` class), and the main screen, a few frames
later, draws the header, the sidebar, the overview strip, the quote pane and the footer
around them without moving a row. The app holds the keys pressed in between and gives
them to the main screen (`TimelineApp._replay_held_keys`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from timeline.snapshot import RowsSnapshot
    from timeline.ui.widgets.timeline_view import TimelineView

__all__ = ["LoadingScreen"]


class _Blank(Widget):
    """A box that only takes its room in the layout (a plain `Widget` would show its
    own name in it)."""

    def render(self) -> str:
        """Nothing."""
        return ""


class _LoadingBody(Vertical):
    """The loading box with the progress bar (`LoadingScreen.show_bar`), and its styles
    with and without the rows of a snapshot below it."""

    SCOPED_CSS = False  # the rules name the screen's class (-preview) and its ids
    DEFAULT_CSS = """
    #loading-body {
        align: center middle;
    }
    #loading-line {
        height: auto;
        layout: vertical;
    }
    #loading-label {
        margin-bottom: 1;
    }
    #loading-note {
        display: none;
        color: $foreground-muted;
    }
    /* With rows from a snapshot, the progress is a strip above them (where the main
       screen's overview strip will be) and the rows take the rest. */
    LoadingScreen.-preview #loading-body {
        align: left top;
    }
    LoadingScreen.-preview #loading {
        width: 100%;
        height: 2;
        padding: 0 1;
        border: none;
        background: $surface;
    }
    LoadingScreen.-preview #loading-line {
        layout: horizontal;
        height: 1;
    }
    LoadingScreen.-preview #loading-label {
        width: auto;
        max-width: 60%;
        margin: 0 2 0 0;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    LoadingScreen.-preview #loading-note {
        display: block;
    }
    """


_BAR_WIDTH = 32
"""As wide as Textual's `Bar`, which replaces the placeholder after the first frame."""


class LoadingScreen(Screen[None]):
    """What is being read, a progress bar, and (from a snapshot) the rows meanwhile."""

    DEFAULT_CSS = """
    LoadingScreen {
        align: center middle;
    }
    #loading-title {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        content-align: center middle;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    #loading {
        width: 48;
        height: auto;
        padding: 1 2;
        border: round $accent;
        background: $panel;
    }
    #preview-timeline {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    /* Rows painted as the first frame (-main): the timeline exactly where the main
       screen has it (app.tcss: the header, #overview, #sidebar, #detail and the
       footer around #timeline). The boxes around it only take their room: drawing
       them costs milliseconds, and the main screen draws them a few frames later.
       A test holds the timeline's region to the main screen's. */
    LoadingScreen.-main {
        layout: horizontal;
        align: left top;
        padding: 1 0;
    }
    LoadingScreen.-main #preview-timeline {
        width: 3fr;
        margin-top: 2;
    }
    #main-sidebar {
        visibility: hidden;
        width: 32;
    }
    #main-detail {
        visibility: hidden;
        width: 2fr;
        min-width: 40;
        max-width: 72;
    }
    LoadingScreen.-narrow #main-detail {
        dock: bottom;
        width: 100%;
        max-width: 100%;
        height: 40%;
    }
    """
    """The styles of the first frame: it paints before the app's stylesheet is read.
    The box with the progress bar, mounted after it, brings its own (`_LoadingBody`):
    Textual parses a widget's styles when it is first mounted, and every rule parsed
    before the first frame delays it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "not_yet('Search')", "Search (loading)"),
        Binding("t", "not_yet('The theme filter')", "Themes (loading)", show=False),
        Binding("f", "not_yet('The filters')", "Filters (loading)", show=False),
        Binding("c", "not_yet('Clearing filters')", "Clear", show=False),
        Binding("escape", "focus_timeline", "Back to the timeline", show=False),
        Binding("right_square_bracket", "jump_months(1)", "Next month", show=False),
        Binding("left_square_bracket", "jump_months(-1)", "Prev month", show=False),
        Binding("right_curly_bracket", "jump_months(12)", "Next year", show=False),
        Binding("left_curly_bracket", "jump_months(-12)", "Prev year", show=False),
    ]
    """The main screen's keys: month moves work on the preview; the rest wait for the
    data and say so (a key that silently did nothing would look broken)."""

    def __init__(
        self,
        what: str = "the dataset",
        *,
        rows: RowsSnapshot | None = None,
        event_id: str | None = None,
    ) -> None:
        """Show that `what` (a plain description, never markup) is loading.

        With `rows`, show them at once instead, in the main screen's layout, with the
        cursor on `event_id` if it is there.
        """
        classes = None
        if rows is not None:
            from timeline.ui.layout import width_classes

            # Given here: a class set on the screen later restyles it (about 2 ms).
            classes = f"-main {width_classes(self.app.size.width)}"
        super().__init__(classes=classes)
        self._what = what
        self._fraction: float | None = None
        self._bar_started = self._bar_mounted = False
        self.snapshot: RowsSnapshot | None = None
        """The rows on show, when a snapshot was found."""
        self._start_position: int | None = None
        self._rows = rows
        self._event_id = event_id

    def compose(self) -> ComposeResult:
        """A title line, and the box drawn as one `Static` (see `show_bar`); or, with
        rows given, the main screen's layout with the rows in it."""
        if self._rows is not None:
            yield from self._compose_main()
            return
        yield Static(Content(f"timeline — loading {self._what}"), id="loading-title")
        first = Content(f"Loading {self._what}…\n\n").append(
            Content.styled("━" * _BAR_WIDTH, "dim")
        )
        yield Static(first, id="loading")

    async def show_bar(self) -> None:
        """Replace the first frame's box with the real one: the same message, Textual's
        progress bar, and room for the preview (the app calls this once the first frame
        is out, with the preview if there is one, so both show in the second frame)."""
        from textual.widgets import ProgressBar

        if self._bar_started:
            return
        self._bar_started = True
        await self.query_one("#loading").remove()
        # No total yet: the bar pulses until the loader reports how far it is.
        bar = ProgressBar(total=None, show_eta=False, id="loading-progress")
        body = _LoadingBody(
            Vertical(
                Horizontal(
                    Static(Content(f"Loading {self._what}…"), id="loading-label"),
                    bar,
                    id="loading-line",
                ),
                Static(
                    Content("Filters, search and quotes open once it has loaded."),
                    id="loading-note",
                ),
                id="loading",
            ),
            id="loading-body",
        )
        await self.mount(body)
        self._bar_mounted = True
        if self._fraction is not None:
            self.show_progress(self._fraction)

    def show_progress(self, fraction: float) -> None:
        """Show that the loader is `fraction` (0.0 to 1.0) of the way through."""
        self._fraction = fraction
        if self._bar_mounted:
            from textual.widgets import ProgressBar

            self.query_one(ProgressBar).update(total=100, progress=round(fraction * 100, 1))

    # -- the preview -----------------------------------------------------------------

    def _compose_main(self) -> ComposeResult:
        """The timeline where the main screen has it, between the room of the sidebar
        (when the terminal is wide enough for it) and of the quote pane."""
        from timeline.ui.layout import sidebar_fits
        from timeline.ui.widgets.timeline_view import TimelineView

        snapshot = self._rows
        assert snapshot is not None
        sidebar = _Blank(id="main-sidebar")
        sidebar.display = sidebar_fits(self.app.size.width)
        yield sidebar
        yield TimelineView(snapshot, snapshot.theme_ids, id="preview-timeline")
        yield _Blank(id="main-detail")

    def on_resize(self) -> None:
        """With rows given: keep them where the main screen would have them."""
        if self._rows is None:
            return
        from timeline.ui.layout import sidebar_fits, update_width_class

        width = self.size.width
        update_width_class(self, width)
        sidebar = self.query_one("#main-sidebar")
        if sidebar.display != sidebar_fits(width):
            sidebar.display = sidebar_fits(width)

    def on_mount(self) -> None:
        """Fill the composed timeline with the rows given, if any."""
        if self._rows is None:
            return
        from timeline.ui.widgets.timeline_view import TimelineView
        from timeline.views import TimelineRows

        snapshot = self._rows
        timeline = self.query_one("#preview-timeline", TimelineView)
        rows = TimelineRows(snapshot.rows, list(range(snapshot.count)), snapshot.row_of)
        position = snapshot.position_of(self._event_id) if self._event_id is not None else None
        timeline.set_rows(rows, snapshot.keys, position)
        self._start_position = timeline.cursor_position
        # No focus() here: the screen's auto-focus gives the timeline (its only
        # focusable widget) the keyboard as it shows, without restyling it again.
        self.snapshot = snapshot

    async def show_preview(self, snapshot: RowsSnapshot, event_id: str | None = None) -> None:
        """Show the rows of `snapshot`, with the cursor on `event_id` if it is there
        (else on the first event); the progress moves to a strip above them."""
        from timeline.ui.widgets.timeline_view import TimelineView
        from timeline.views import TimelineRows

        timeline = TimelineView(snapshot, snapshot.theme_ids, id="preview-timeline")
        await self.show_bar()
        self.add_class("-preview")
        await self.query_one("#loading-body").mount(timeline)
        rows = TimelineRows(snapshot.rows, list(range(snapshot.count)), snapshot.row_of)
        position = snapshot.position_of(event_id) if event_id is not None else None
        timeline.set_rows(rows, snapshot.keys, position)
        self._start_position = timeline.cursor_position
        timeline.focus()
        self.snapshot = snapshot

    async def show_keys(self) -> None:
        """Add the footer with the keys, once the rows are on the terminal."""
        from textual.widgets import Footer

        if self.snapshot is not None and not self.query(Footer):
            await self.mount(Footer())

    @property
    def timeline(self) -> TimelineView | None:
        """The preview's timeline, when rows are shown."""
        from timeline.ui.widgets.timeline_view import TimelineView

        found = self.query(TimelineView)
        return found.first() if found else None

    def moved_cursor(self) -> tuple[str | None, int] | None:
        """Where the user left the preview's cursor: the event's id (None if the cursor
        is still where it started) and its line within the view; None without rows."""
        timeline = self.timeline
        if timeline is None or self.snapshot is None:
            return None
        position, row = timeline.cursor_position, timeline.cursor_row
        if position is None or row is None:
            return None
        line = row - int(timeline.scroll_offset.y)
        if position == self._start_position:
            return None, line
        return self.snapshot.event_id(position), line

    async def release(self) -> None:
        """Let go of what is shown (the rows, the bar): the app calls this once the main
        screen is over this one for good, as the default screen stays below it."""
        self.snapshot = None
        self._rows = None
        await self.remove_children()

    # -- keys ------------------------------------------------------------------------

    def action_not_yet(self, what: str) -> None:
        """Say that a feature needs the data that is still loading."""
        done = "" if self._fraction is None else f" ({self._fraction:.0%} done)"
        self.notify(f"{what} will work once the dataset has loaded{done}.", timeout=3)

    def action_focus_timeline(self) -> None:
        """Esc: back to the rows."""
        timeline = self.timeline
        if timeline is not None:
            timeline.focus()

    def action_jump_months(self, months: int) -> None:
        """Move to the first event `months` months on (or back) that has any."""
        from timeline.views import month_jump, month_of_key

        timeline, snapshot = self.timeline, self.snapshot
        if timeline is None or snapshot is None or timeline.cursor_position is None:
            return
        keys = snapshot.keys
        target = month_jump(
            range(snapshot.count),  # every event is shown
            lambda position: month_of_key(keys[position]),
            timeline.cursor_position,
            months,
        )
        if target is not None:
            timeline.jump_to_month(target)

    def on_event_chosen(self) -> None:
        """Enter on a row: the quotes need the data (handled by name, like the app's
        loader messages, so the messages module waits until after the first frame)."""
        self.action_not_yet("Opening an event's quotes")
