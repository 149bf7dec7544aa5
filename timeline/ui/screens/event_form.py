"""The new-event form: an event started from a passage selected in an article.

The id is suggested from the date and title (until it is typed over) and checked for
uniqueness as it changes; the date is read as EDTF with a live preview of how the
timeline will show it ("13 Jan 2023", "by Mar 2025") or a plain message when it is not
a date; actors and places complete from the dataset's own; a theme not in the vocabulary
is added to it, with what was typed as its label. Saving checks the event with
the loader's rules through the app's editor: nothing invalid is written, and what is
wrong is shown in the form, which stays open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Select, Static

from timeline.dates import EdtfError, describe, parse_edtf
from timeline.edit import Change, NewEvent, insert_event, insert_theme, slug, suggest_event_id
from timeline.model import Dataset
from timeline.text import sanitize
from timeline.ui.compat import KeysInOrderInput
from timeline.ui.layout import TypeAheadScreen
from timeline.ui.widgets.key_bar import KeyBar

__all__ = ["EventForm", "ListSuggester"]


class ListSuggester(Suggester):
    """Completes the last item of a comma-separated list from known values."""

    def __init__(self, values: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._values = sorted(set(values))

    async def get_suggestion(self, value: str) -> str | None:
        """`value` with its last item completed, if a known value starts with it."""
        last = value.rpartition(",")[2]
        typed = last.lstrip()
        if not typed:
            return None
        for known in self._values:
            if known.casefold().startswith(typed.casefold()) and known != typed:
                return value[: len(value) - len(typed)] + known
        return None


def _items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


class EventForm(TypeAheadScreen[str | None], ModalScreen[str | None]):
    """A form for a new event whose first quote is `quote` from source `source_id`;
    dismisses with the new event's id, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]
    """Esc cancels; Ctrl+S saves (so does the Save button)."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    """Its styling (event_form.tcss), parsed when the screen is first shown: in `app.tcss`
    Textual would parse it before the first frame (benchmarks/RESULTS.md)."""

    def __init__(self, dataset: Dataset, source_id: str, quote: str) -> None:
        super().__init__()
        self._dataset = dataset
        self._source_id = source_id
        self._quote = quote
        self._taken = frozenset(e.id for e in dataset.events)
        self._id_typed = False

    def compose(self) -> ComposeResult:
        """The fields, in the order the event file has them."""
        dataset = self._dataset
        actors = [a for e in dataset.events for a in e.actors]
        places = [p for e in dataset.events for p in e.places]
        themes = [t.id for t in dataset.themes]
        with VerticalScroll(id="event-form"):
            yield Static(
                Content.assemble(
                    ("New event ", "bold"),
                    f"quoting {sanitize(self._source_id)}:\n",
                    (f"“{' '.join(sanitize(self._quote).split())}”", "italic"),
                ),
                id="form-quote",
            )
            yield Label("Date (EDTF)")
            yield KeysInOrderInput(
                placeholder="2023-01-13, 2023-05, 2024-04-10/.., ../2025-03", id="date"
            )
            yield Static(id="date-preview")
            yield Label("Title")
            yield KeysInOrderInput(id="title")
            yield Label("Id")
            yield KeysInOrderInput(id="event-id")
            yield Static(id="id-check")
            yield Label("Summary")
            yield KeysInOrderInput(id="summary")
            yield Label(f"Themes (comma-separated: {', '.join(themes) or 'none yet'})")
            yield KeysInOrderInput(id="themes", suggester=ListSuggester(themes))
            yield Label("Actors (comma-separated)")
            yield KeysInOrderInput(id="actors", suggester=ListSuggester(actors))
            yield Label("Places (comma-separated)")
            yield KeysInOrderInput(id="places", suggester=ListSuggester(places))
            yield Label("Status")
            yield Select(
                [(s, s) for s in ("occurred", "scheduled", "planned")],
                value="occurred",
                allow_blank=False,
                id="status",
            )
            yield Label("Date basis (how the date was worked out; optional)")
            yield KeysInOrderInput(id="basis")
            yield Static(id="form-errors")
            with Horizontal(id="form-buttons"):
                yield Button("Save", variant="primary", id="save", action="screen.save")
                yield Button("Cancel", id="cancel", action="screen.cancel")
        yield KeyBar()  # its own keys (Esc, Ctrl+S), not the article's behind it

    def on_mount(self) -> None:
        """Start at the date."""
        self.query_one("#date", Input).focus()

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    @on(Input.Changed, "#date")
    def _date_changed(self) -> None:
        text = self._value("date")
        shown = Content("")
        if text:
            try:
                shown = Content(f"→ {describe(parse_edtf(text))}")
            except EdtfError as error:
                shown = Content(f"not a date: {error}").stylize("$text-error")
        self.query_one("#date-preview", Static).update(shown)
        self._suggest_id()

    @on(Input.Changed, "#title")
    def _suggest_id(self) -> None:
        if not self._id_typed and self._value("title"):
            field = self.query_one("#event-id", Input)
            with field.prevent(Input.Changed):
                field.value = suggest_event_id(
                    self._value("date") or "undated", self._value("title"), self._taken
                )
            self._check_id()

    @on(Input.Changed, "#event-id")
    def _id_changed(self) -> None:
        self._id_typed = True
        self._check_id()

    def _check_id(self) -> None:
        event_id = self._value("event-id")
        taken = event_id in self._taken
        self.query_one("#id-check", Static).update(
            Content(f"the id '{event_id}' is already used").stylize("$text-error")
            if taken
            else Content("")
        )

    def action_cancel(self) -> None:
        """Close without writing anything."""
        self.dismiss(None)

    def problems(self) -> list[str]:
        """What must be fixed before the event can be saved (nothing: it can)."""
        found = [
            f"{name} is empty" for name in ("date", "title", "summary") if not self._value(name)
        ]
        if self._value("date"):
            try:
                parse_edtf(self._value("date"))
            except EdtfError as error:
                found.append(f"the date is not EDTF: {error}")
        for theme in _items(self._value("themes")):
            if not slug(theme):
                found.append(f"the theme '{theme}' has no letters or digits to make an id of")
        if self._value("event-id") in self._taken:
            found.append(f"the id '{self._value('event-id')}' is already used")
        return found

    def themes(self) -> tuple[tuple[str, ...], dict[str, str]]:
        """The event's theme ids, and the new themes among them (id → label): an entry
        that is neither a theme's id or label (in any case) nor the id of what was typed
        is a new theme."""
        known = {t.id for t in self._dataset.themes}
        labels = {t.label.casefold(): t.id for t in self._dataset.themes}
        ids: list[str] = []
        new: dict[str, str] = {}
        for typed in _items(self._value("themes")):
            theme_id = typed if typed in known else labels.get(typed.casefold(), slug(typed))
            if theme_id not in known:
                new.setdefault(theme_id, typed)
            if theme_id not in ids:
                ids.append(theme_id)
        return tuple(ids), new

    def action_save(self) -> None:
        """Check the event and write it; the form stays open with what is wrong."""
        errors = self.query_one("#form-errors", Static)
        problems = self.problems()
        if problems:
            errors.update(Content("\n".join(problems)).stylize("$text-error"))
            return
        theme_ids, new_themes = self.themes()
        event = NewEvent(
            id=self._value("event-id"),
            date=self._value("date"),
            title=self._value("title"),
            summary=self._value("summary"),
            themes=theme_ids,
            status=str(self.query_one("#status", Select).value),
            quotes=((self._source_id, self._quote),),
            actors=_items(self._value("actors")),
            places=_items(self._value("places")),
            date_basis=self._value("basis") or None,
        )

        def make(editor: Any) -> object:
            # New themes and the event as one edit, so that one undo takes back both.
            text = editor.text
            for theme_id, label in new_themes.items():
                text = insert_theme(text, theme_id, label, label).apply(text)
            text = insert_event(text, event).apply(text)
            return editor.apply(Change(0, len(editor.text), text))

        app: Any = self.app
        if app.edit(make, event.id, f"Event {event.id} added."):
            self.dismiss(event.id)
        else:
            errors.update(Content("Not saved: see the message.").stylize("$text-error"))
