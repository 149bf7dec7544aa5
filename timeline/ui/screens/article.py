"""The article screen: one source's full text with the chosen quote highlighted.

`n`/`p` step through the event's quotes (switching article when a quote comes from
another source); lines holding a passage no event cites (`timeline.coverage`) are marked
in the gutter, and `c` selects the next one; the side list shows the excerpts of this
article that other events cite, and choosing one returns to the timeline on that event.
Esc returns to exactly where the user was, since the main screen is only covered, never
rebuilt.

A passage selected in the article (`ArticleView`'s visual mode, or the mouse) is shown
below it as it will be quoted; `a` attaches it to the event being read, `A` to any event
chosen in a command palette, and `E` starts a new event from it (`EventForm`).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import SimpleCommand
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from timeline.coverage import article_coverage
from timeline.dates import describe
from timeline.model import Dataset, Event, sort_by_date
from timeline.provenance import citations_of
from timeline.text import sanitize
from timeline.ui.layout import update_width_class
from timeline.ui.widgets.article_view import ArticleView
from timeline.ui.widgets.key_bar import KeyBar

__all__ = ["ArticleScreen"]


class ArticleScreen(Screen[str | None]):
    """Read a quote in its article; dismisses with an event id to jump to, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("n,right_square_bracket", "step(1)", "Next quote"),
        Binding("p,left_square_bracket", "step(-1)", "Prev quote"),
        Binding("o", "focus_citations", "Excerpts"),
        # Hidden from the footer: the selection's own line lists them when they apply.
        Binding("a", "attach", "Quote the selection in this event", show=False),
        Binding("A", "attach_elsewhere", "Quote the selection in any event", show=False),
        Binding("E", "new_event", "New event from the selection", show=False),
        # `u` is the app's undo: the next uncited passage is `c`, as in coverage.
        Binding("c", "next_uncited", "Uncited"),
    ]
    """Esc ends a selection, else goes back; n/p walk the event's quotes; o moves to the
    list of other excerpts; a, A and E use the selected passage."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    """Its styling (article.tcss), parsed when the screen is first shown: in `app.tcss`
    Textual would parse it before the first frame (benchmarks/RESULTS.md)."""

    AUTO_FOCUS = "#article"
    """Reading keys go to the article text."""

    def __init__(self, dataset: Dataset, event: Event, quote_index: int) -> None:
        super().__init__()
        self._dataset = dataset
        self._event = event
        self._quote_index = quote_index
        self._citation_ids: list[str] = []

    @property
    def quote_index(self) -> int:
        """Which of the event's quotes is shown."""
        return self._quote_index

    @property
    def event(self) -> Event:
        """The event whose quotes are being read."""
        return self._event

    def compose(self) -> ComposeResult:
        """The article on the left, other excerpts of it on the right."""
        yield Static(id="article-head")
        with Horizontal(id="article-body"):
            with Vertical(id="article-main"):
                yield ArticleView(id="article")
                yield Static(id="selection-preview")
            with Vertical(id="article-side"):
                yield Static(id="article-side-label")
                yield _Excerpts(id="citations")
        yield KeyBar()

    def on_mount(self) -> None:
        """Show the chosen quote and put the keyboard in the article."""
        self.query_one("#selection-preview").display = False
        update_width_class(self, self.app.size.width)
        self._show()
        self.query_one(ArticleView).focus()

    def on_resize(self) -> None:
        """Put the list of other excerpts under the article on narrow terminals."""
        update_width_class(self, self.size.width)

    def _show(self) -> None:
        event = self._event
        quote = event.quotes[self._quote_index]
        source = self._dataset.source(quote.source_id)
        head = self.query_one("#article-head", Static)
        head.update(
            Content.assemble(
                (_clipped(sanitize(source.title)), "bold"),
                "\n",
                (
                    f"{sanitize(source.outlet)} · {describe(source.published)} · "
                    f"{source.kind} · {sanitize(source.path)}",
                    "$text-muted",
                ),
                "\n",
                (
                    f"Quote {self._quote_index + 1} of {len(event.quotes)} for: "
                    f"{_clipped(sanitize(event.title))}  (line {quote.span.line}, "
                    f"column {quote.span.column})",
                    "$text-accent",
                ),
            )
        )
        citations = [
            (other, other_quote)
            for other, other_quote in citations_of(self._dataset, source.id)
            if other.id != event.id
        ]
        cited_spans = [(q.span.start, q.span.end) for _, q in citations]
        own = [(q.span.start, q.span.end) for q in event.quotes if q.source_id == source.id]
        quoted = [*cited_spans, *own]
        uncited = [(p.start, p.end) for p in article_coverage(source, quoted).uncited]
        self.query_one(ArticleView).show_article(
            source.text, (quote.span.start, quote.span.end), cited_spans, uncited
        )
        label = self.query_one("#article-side-label", Static)
        count = len(citations)
        label.update(
            Content(
                f"{count} other excerpt{'s' if count != 1 else ''} of this article"
                if count
                else "No other event cites this article"
            )
        )
        option_list = self.query_one("#citations", OptionList)
        option_list.clear_options()
        self._citation_ids = [other.id for other, _ in citations]
        options: list[Option | None] = []
        for other, other_quote in citations:
            prompt = Content.assemble(
                (describe(other.date), "$text-muted"),
                "  ",
                (sanitize(other.title), "bold"),
                "\n",
                (f"“{sanitize(other_quote.text)}”", "italic"),
            )
            # A divider (None) between excerpts; it does not shift option indexes.
            options.extend([Option(prompt), None])
        option_list.add_options(options[:-1])

    def show_dataset(self, dataset: Dataset, event: Event) -> None:
        """Show `event` as reloaded in `dataset`, at the same quote if it still has it."""
        self._dataset, self._event = dataset, event
        if self._quote_index >= len(event.quotes):
            self._quote_index = 0
        self._show()

    def action_step(self, delta: int) -> None:
        """Show the event's next (1) or previous (-1) quote, wrapping round."""
        count = len(self._event.quotes)
        if count <= 1:
            self.notify("This event has only one quote.", timeout=2)
            return
        self._quote_index = (self._quote_index + delta) % count
        self._show()

    def action_next_uncited(self) -> None:
        """Select the next passage of the article that no event cites, ready to quote."""
        if self.query_one(ArticleView).next_uncited() is None:
            self.notify("Every passage of this article is cited or ignored.", timeout=2)

    def action_focus_citations(self) -> None:
        """Move the keyboard to the list of other excerpts."""
        citations = self.query_one("#citations", OptionList)
        if citations.option_count and citations.highlighted is None:
            citations.highlighted = 0
        citations.focus()

    def action_back(self) -> None:
        """End the selection if there is one, else return to the timeline as it was."""
        if not self.query_one(ArticleView).clear_selection():
            self.dismiss(None)

    # -- quoting the selection -------------------------------------------------------

    @property
    def source_id(self) -> str:
        """The id of the article on show."""
        return self._event.quotes[self._quote_index].source_id

    def selected_quote(self) -> str | None:
        """The selected passage exactly as the article has it, or None."""
        span = self.query_one(ArticleView).selection
        if span is None:
            return None
        return self._dataset.source(self.source_id).text[span[0] : span[1]]

    def on_article_view_selection_changed(self, message: ArticleView.SelectionChanged) -> None:
        """Show the selection as it will be quoted, with the keys that use it."""
        preview = self.query_one("#selection-preview", Static)
        quote = self.selected_quote()
        preview.display = quote is not None
        if quote is not None:
            shown = " ".join(sanitize(quote).split())
            preview.update(
                Content.assemble(
                    (f"“{_clipped(shown)}”", "bold"),
                    (
                        f"  {len(quote)} characters · a: quote in this event · A: in any "
                        "event · E: new event · Esc: cancel",
                        "$text-muted",
                    ),
                )
            )

    def _quote_or_hint(self) -> str | None:
        app: Any = self.app
        if not app.can_edit():
            return None
        quote = self.selected_quote()
        if quote is None:
            self.notify("Select a passage first: v, then w/b and s/S, or drag the mouse.")
        return quote

    def attach_to(self, event_id: str) -> None:
        """Add the selected passage as a quote of `event_id` (checked, then written)."""
        quote = self._quote_or_hint()
        if quote is not None:
            app: Any = self.app
            app.edit(
                lambda editor: editor.add_quote(event_id, self.source_id, quote),
                event_id,
                f"Quote added to {event_id}.",
            )

    def action_attach(self) -> None:
        """Quote the selection in the event being read."""
        self.attach_to(self._event.id)

    def action_attach_elsewhere(self) -> None:
        """Choose, in a command palette, the event to quote the selection in."""
        if self._quote_or_hint() is None:
            return
        commands = [
            SimpleCommand(
                f"{describe(event.date)}  {sanitize(event.title)}",
                partial(self.attach_to, event.id),
                sanitize(event.id),
            )
            for event in sort_by_date(self._dataset.events)
        ]
        self.app.search_commands(commands, placeholder="Quote the selection in which event…")

    def action_new_event(self) -> None:
        """Open the new-event form with the selection as its first quote."""
        from timeline.ui.screens.event_form import EventForm

        quote = self._quote_or_hint()
        if quote is not None:
            self.app.push_screen(EventForm(self._dataset, self.source_id, quote))

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        """Jump to the event that cites the chosen excerpt."""
        message.stop()
        self.dismiss(self._citation_ids[message.option_index])


class _Excerpts(OptionList):
    """The list of other excerpts, which j and k move through as the other lists do."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
    """Vi keys beside the arrows, as in the timeline and the quote pane."""


_TITLE_LIMIT = 160
"""Characters of a title shown above the article: two lines at most on most terminals,
so that a very long title never pushes the quote out of view."""


def _clipped(text: str) -> str:
    return text if len(text) <= _TITLE_LIMIT else text[: _TITLE_LIMIT - 1] + "…"
