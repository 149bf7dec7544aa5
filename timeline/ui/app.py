"""The Textual application: a thin shell that holds the data and the top-level keys."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from timeline.loader import Loaded
from timeline.model import Dataset
from timeline.query import EventIndex, Filter
from timeline.ui.commands import TimelineCommands
from timeline.ui.screens.article import ArticleScreen
from timeline.ui.screens.help import HelpScreen, binding_rows
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.article_view import ArticleView
from timeline.ui.widgets.timeline_view import TimelineView

__all__ = ["TimelineApp"]


class TimelineApp(App[None]):
    """Explore a sourced timeline: filter it, read the quotes, open the articles."""

    CSS_PATH = "app.tcss"
    TITLE = "timeline"
    COMMANDS = App.COMMANDS | {TimelineCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+p", "command_palette", "Palette", show=False),
    ]
    """App-wide keys; screens and widgets add their own."""

    def __init__(
        self,
        loaded: Loaded,
        *,
        event: str | None = None,
        initial_filter: Filter | None = None,
        date_texts: tuple[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.dataset: Dataset = loaded.dataset
        self.warnings = loaded.warnings
        self.index = EventIndex(self.dataset)
        self._initial_event = event
        self._initial_filter = initial_filter
        self._date_texts = date_texts
        self.main_screen = MainScreen(self.dataset, self.index)

    def on_mount(self) -> None:
        """Show the main screen, then apply any deep link."""
        self.push_screen(self.main_screen)
        if self._initial_filter is not None and self._initial_filter != Filter():
            self.main_screen.set_filter(self._initial_filter, date_texts=self._date_texts)
        if self._initial_event is not None:
            self.main_screen.select_event(self._initial_event)
        if self.warnings:
            count = len(self.warnings)
            self.notify(
                f"The dataset loaded with {count} warning{'s' if count != 1 else ''};"
                " run `timeline check` to see them.",
                severity="warning",
                timeout=6,
            )

    # -- entry points for the command palette and deep links -------------------------

    def go_to_event(self, event_id: str) -> None:
        """Return to the timeline with this event selected."""
        while not isinstance(self.screen, MainScreen) and len(self.screen_stack) > 1:
            self.pop_screen()
        self.main_screen.select_event(event_id)

    def filter_by_theme(self, theme_id: str) -> None:
        """Show only events with this theme."""
        self.go_to_event_screen()
        self.main_screen.set_filter(self.main_screen.filter.but(themes=frozenset({theme_id})))

    def go_to_event_screen(self) -> None:
        """Pop back to the main screen."""
        while not isinstance(self.screen, MainScreen) and len(self.screen_stack) > 1:
            self.pop_screen()

    def open_source(self, source_id: str) -> None:
        """Open a source's article at the first excerpt any event cites from it."""
        from timeline.provenance import citations_of

        citations = citations_of(self.dataset, source_id)
        if not citations:
            self.notify("No event cites this source.", severity="warning")
            return
        event, quote = citations[0]
        self.go_to_event_screen()
        self.main_screen.open_article(event.id, event.quotes.index(quote))

    def action_help(self) -> None:
        """List every key binding."""
        if isinstance(self.screen, HelpScreen):
            return
        sections = [
            ("Everywhere", binding_rows(self.BINDINGS) + [("Ctrl+P", "Command palette")]),
            ("Timeline", binding_rows(TimelineView.BINDINGS) + binding_rows(MainScreen.BINDINGS)),
            ("Sidebar", [("Tab / Shift+Tab", "Next / previous control"),
                         ("Space / Enter", "Toggle the highlighted value"),
                         ("Esc", "Back to the timeline")]),
            ("Quote pane", [("Enter / click", "Open the article at this quote")]),
            ("Article", binding_rows(ArticleScreen.BINDINGS) + binding_rows(ArticleView.BINDINGS)),
            ("Overview strip", [("click", "Move the timeline to that month")]),
        ]  # fmt: skip
        self.push_screen(HelpScreen(sections))
