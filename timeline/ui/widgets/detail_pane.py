"""The source-quote pane: the highlighted event's summary, date basis, people, places,
and each quote with the article it comes from. Choosing a quote opens the article.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from timeline.dates import describe
from timeline.model import Dataset, Event
from timeline.text import sanitize
from timeline.ui.messages import ArticleRequested

__all__ = ["DetailPane", "QuoteList"]

_FIELDS = ("Date", "Basis", "Status", "Themes", "Actors", "Places", "Id")
"""The facts shown for an event, one labelled row each (empty ones are hidden)."""


class QuoteList(OptionList):
    """The quotes of one event; Enter or a click on one opens its article."""


def _plain(text: str) -> Content:
    """Data as plain content: control characters made visible, never read as markup."""
    return Content(sanitize(text))


class DetailPane(VerticalScroll, can_focus=False):
    """Everything the dataset says about the highlighted event, with its sources."""

    def __init__(self, dataset: Dataset, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._dataset = dataset
        self._event: Event | None = None

    def compose(self) -> ComposeResult:
        """Title, facts and summary as plain text, then the list of quotes."""
        yield Static(id="detail-title")
        with Vertical(id="detail-meta"):
            for name in _FIELDS:
                # A row per fact, so long values wrap under the value, not the label.
                with Horizontal(id=f"meta-{name.lower()}", classes="meta-row"):
                    yield Static(Content(name), classes="meta-name")
                    yield Static(classes="meta-value")
        yield Static(id="detail-summary")
        yield Static(Content("Sources"), id="detail-sources-label")
        yield QuoteList(id="quotes")

    @property
    def event(self) -> Event | None:
        """The event shown, if any."""
        return self._event

    def show_event(self, event: Event | None) -> None:
        """Show `event` (or an empty pane when nothing is highlighted)."""
        if event is self._event:
            return
        self._event = event
        title = self.query_one("#detail-title", Static)
        summary = self.query_one("#detail-summary", Static)
        quotes = self.query_one(QuoteList)
        label = self.query_one("#detail-sources-label", Static)
        quotes.clear_options()
        if event is None:
            title.update(Content("No event selected"))
            self._show_meta({})
            summary.update(Content(""))
            label.update(Content(""))
            return
        title.update(_plain(event.title).stylize("bold"))
        self._show_meta(self._meta(event))
        summary.update(_plain(event.summary))
        count = len(event.quotes)
        label.update(Content(f"{count} quote{'s' if count != 1 else ''} — Enter opens the article"))
        options: list[Option | None] = []
        for i in range(count):
            # A divider (None) between quotes; it does not shift option indexes.
            options.extend([Option(self._quote_prompt(event, i), id=f"quote-{i}"), None])
        quotes.add_options(options[:-1])
        quotes.highlighted = 0 if count else None
        self.scroll_home(animate=False)

    def _meta(self, event: Event) -> dict[str, str]:
        labels = []
        for theme_id in event.themes:
            try:
                labels.append(self._dataset.theme(theme_id).label)
            except KeyError:
                labels.append(theme_id)
        return {
            "Date": f"{describe(event.date)}  ({event.date.text})",
            "Basis": event.date_basis or "",
            "Status": str(event.status),
            "Themes": ", ".join(labels),
            "Actors": ", ".join(event.actors),
            "Places": ", ".join(event.places),
            "Id": event.id,
        }

    def _show_meta(self, values: dict[str, str]) -> None:
        for name in _FIELDS:
            row = self.query_one(f"#meta-{name.lower()}", Horizontal)
            value = values.get(name, "")
            row.display = bool(value)
            row.query_one(".meta-value", Static).update(_plain(value))

    def _quote_prompt(self, event: Event, index: int) -> Content:
        quote = event.quotes[index]
        source = self._dataset.source(quote.source_id)
        where = f"{source.path}:{quote.span.line}:{quote.span.column}"
        return Content.assemble(
            (f"“{sanitize(quote.text)}”", "italic"),
            "\n",
            (f"— {sanitize(source.outlet)}, {describe(source.published)}", "$text-muted"),
            "\n",
            (f"  {sanitize(source.title)}", "$text-muted"),
            "\n",
            (f"  {sanitize(where)}", "$text-muted"),
        )

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        """A quote was chosen: ask for its article."""
        message.stop()
        if self._event is not None:
            self.post_message(ArticleRequested(self._event.id, message.option_index))
