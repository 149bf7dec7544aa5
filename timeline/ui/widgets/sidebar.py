"""The filter sidebar: search, themes (any or all), status, sources, actors and dates.

The sidebar owns no filter state. It reports each edit up as a `FilterEdited` message, and
the screen, which holds the one `Filter`, pushes values and counts back down with
`show_filter` and `show_counts`.

The search box is there from the start, so typing a search works before the data is
in; the other controls are mounted by `fill`, once the screen has the data and has shown
its events: three inputs, a switch and four selection lists cost more than the rest of
the screen together. Until then the sidebar keeps whatever `show_filter` and
`show_counts` are given, to show them as soon as the controls are there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Self

from rich.segment import Segment
from rich.style import Style
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Input, Label, SelectionList, Switch
from textual.widgets.selection_list import Selection

from timeline.dates import EdtfError, from_day_number, parse_edtf
from timeline.model import Dataset, Status
from timeline.query import FacetCounts, Filter, LazyCounts
from timeline.text import sanitize
from timeline.ui.compat import KeysInOrderInput, set_virtual_size_quietly
from timeline.ui.layout import WIDE_SIDEBAR_WIDTH
from timeline.ui.messages import FilterEdited
from timeline.ui.widgets.timeline_view import STATUS_MARKERS, theme_marks
from timeline.views import abbreviate_distinct, cell_width

__all__ = ["EdtfValidator", "FacetList", "FilterSidebar", "TextBox", "count_text"]


class EdtfValidator(Validator):
    """Accept an empty box or any EDTF date (`2023`, `2023-05`, `2023-05-19`)."""

    def validate(self, value: str) -> ValidationResult:
        """Check one value typed into a date box."""
        if not value.strip():
            return self.success()
        try:
            parse_edtf(value.strip())
        except EdtfError as error:
            return self.failure(str(error))
        return self.success()


class TextBox(KeysInOrderInput):
    """An `Input` whose typing redraws the box only, not the screen's layout; the footer
    says how to leave it.

    `Input` sets its `virtual_size` (the width of its text) at every keystroke, and
    `Widget.virtual_size` asks for a layout of the whole screen, which also redraws
    every scroll bar on it, before a search's rows could be drawn. The sidebar's boxes
    have a fixed size, so here the new width only updates the box's scroll range, as
    that layout would have (a box sized by its text, `width: auto`, is still laid out
    by `Input` itself).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "submit", "Done")]
    """Enter goes back to the timeline (the screen handles it, and Esc)."""

    @property
    def virtual_size(self) -> Size:
        """As `Widget.virtual_size`, but set without a layout or a repaint.

        The new value repaints the box just after. Repainting here, before
        `Input.Changed` is posted, let the box go idle and paint the letter alone, one
        frame (and one or two update periods) ahead of the rows it filtered.
        """
        return Widget.virtual_size.__get__(self, TextBox)

    @virtual_size.setter
    def virtual_size(self, size: Size) -> None:
        set_virtual_size_quietly(self, size)

    def __init__(
        self,
        *,
        placeholder: str,
        id: str,
        report: Callable[[Input.Changed], None],
        validators: Iterable[Validator] | None = None,
    ) -> None:
        """A box; `report` is called with each edit from the box's own handler, ahead
        of the box's repaint (why: `FilterSidebar._report`)."""
        super().__init__(placeholder=placeholder, id=id, validators=validators)
        self._edited = report

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input is self:
            event.stop()
            self._edited(event)


class _ModeSwitch(Switch):
    """The "match all" switch, which reports each toggle from its own handler, ahead
    of the switch's repaint (why: `FilterSidebar._report`)."""

    def __init__(self, *, id: str, report: Callable[[Switch.Changed], None]) -> None:
        super().__init__(value=False, id=id, animate=False)
        self._edited = report

    @on(Switch.Changed)
    def _changed(self, event: Switch.Changed) -> None:
        if event.switch is self:
            event.stop()
            self._edited(event)


_PROMPT_LIMITS = (28, 34)
"""The most room a facet value and its count take inside the sidebar's lists, below
and from `WIDE_SIDEBAR_WIDTH` columns: the sidebar is as wide as its longest value
needs, up to this (longer ones are cut, each still unlike the others:
`abbreviate_distinct`). Below, the timeline keeps room for its dates and titles."""


def _prompt_limit(width: int) -> int:
    """The most room for a facet value and its count on a terminal `width` wide."""
    return _PROMPT_LIMITS[width >= WIDE_SIDEBAR_WIDTH]


_AROUND_PROMPT_CELLS = 10
"""The sidebar's cells around a prompt: its padding (2) and border (1), a list's check
box (4), the option's padding (2) and the scroll bar (1)."""

_COUNT_CELLS = 4
"""The count's column at the right of each prompt."""


_PLACING_REFRESHES = 5
"""At most this many screen refreshes are awaited for the controls to be placed (one or
two are enough; the limit only keeps a key from waiting forever)."""


def _as_of_day(text: str) -> int | None:
    """The day an as-of box means (the last day of its date), None if empty or invalid."""
    try:
        return parse_edtf(text.strip()).upper if text.strip() else None
    except EdtfError:
        return None


def _iso_day(day: int) -> str:
    year, month, day_of_month = from_day_number(day)
    return f"{year:04d}-{month:02d}-{day_of_month:02d}"


def count_text(count: int) -> str:
    """A count in `_COUNT_CELLS` cells: `  12`, `9999`, then `12k`, `100k`, `2M`."""
    if count < 10_000:
        return f"{count:>{_COUNT_CELLS}}"
    if count < 1_000_000:
        return f"{count // 1_000}k".rjust(_COUNT_CELLS)
    return f"{count // 1_000_000}M".rjust(_COUNT_CELLS)


def _prompt(label: str, room: int, mark: tuple[str, str] | None = None) -> Content:
    """A facet value in `room` cells, with blank room for its count on the right:
    `S Security & defence` (a theme's letter in its colour).

    The count is drawn into that room by `FacetList` as each line renders.
    """
    parts: list[str | tuple[str, str]] = []
    if mark is not None:
        parts.append((f"{mark[0]} ", f"bold {mark[1]}"))
        room -= 2
    shown = label + " " * max(0, room - cell_width(label))
    parts.append(shown + " ")
    parts.append((" " * _COUNT_CELLS, "$text-muted"))
    return Content.assemble(*parts)


_Parts = tuple[Strip, Style | None, Strip, str] | Strip
"""A facet line cut around its count's room (left, the room's style, right, the value),
or the whole line when it has no such room."""


class FacetList(SelectionList[str]):
    """A `SelectionList` of facet values that draws each value's count as it renders.

    The prompts never change (replacing them made the list re-measure every option on
    the next frame); `show_counts` swaps a mapping and repaints the lines on screen,
    each of which looks its count up as it renders: with `LazyCounts`, only the values
    on screen are ever counted.

    Drawing a line through `SelectionList` is slow (styles looked up, check box built),
    so the lines are kept cut around the count's room and only the count is drawn
    again. Any other repaint goes through `refresh` and drops them, as it drops
    Textual's own drawn lines.
    """

    # Class-level defaults: `refresh` can run before `__init__` has set them.
    _parts: dict[int, _Parts] | None = None
    _counts_only = False

    def __init__(
        self, *selections: Selection[str], prompt_cells: int, id: str | None = None
    ) -> None:
        """A list of `selections` whose prompts are `prompt_cells` wide, every count 0
        until `show_counts`."""
        super().__init__(*selections, id=id)
        self.prompt_cells = prompt_cells
        self.counts: Mapping[str, int] = {}
        self._parts = {}

    def show_counts(self, counts: Mapping[str, int]) -> None:
        """Show these counts (values missing from `counts` show 0)."""
        if not _same_counts(counts, self.counts):
            self.counts = counts
            self._counts_only = True
            try:
                self.refresh()
            finally:
                self._counts_only = False

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        """Repaint as `Widget.refresh`; anything but new counts redraws whole lines."""
        if self._parts and not self._counts_only:
            self._parts.clear()
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def render_line(self, y: int) -> Strip:
        """The line from `SelectionList`, with the option's count in its blank room."""
        line_number = self.scroll_offset.y + y
        assert self._parts is not None  # set in __init__, before any line is drawn
        parts = self._parts.get(line_number)
        if parts is None:
            parts = self._cut_line(y)
            self._parts[line_number] = parts
        if isinstance(parts, Strip):
            return parts
        left, style, right, value = parts
        text = count_text(self.counts.get(value, 0))
        return Strip.join([left, Strip([Segment(text, style)], _COUNT_CELLS), right])

    def _cut_line(self, y: int) -> _Parts:
        """The line from `SelectionList`, cut around the room for its count."""
        line = super().render_line(y)
        index = self.scroll_offset.y + y
        if not 0 <= index < self.option_count:
            return line
        selection = self.get_option_at_index(index)
        # The check box (4 cells) and the option's left padding come before the prompt.
        padding = self.get_component_styles("option-list--option").padding.left
        end = 4 + padding + self.prompt_cells
        start = end - _COUNT_CELLS
        if line.cell_length < end:
            return line  # too narrow to have laid the prompt out on one line
        room = line.crop(start, end)
        style = next(iter(room)).style if room.cell_length else None
        return (line.crop(0, start), style, line.crop(end), selection.value)


def _same_counts(new: Mapping[str, int], old: Mapping[str, int]) -> bool:
    """Whether `new` is known to show the same counts as `old`, without counting.

    Two `LazyCounts` are the same when they count within equal results; comparing them
    otherwise would count every value, the cost they exist to avoid. So a lazy mapping
    against anything else is taken as new (a repaint of the lines on screen, no more).
    """
    if new is old:
        return True
    if isinstance(new, LazyCounts) or isinstance(old, LazyCounts):
        return isinstance(new, LazyCounts) and new.same_result(old)
    return new == old


class FilterSidebar(VerticalScroll, can_focus=False):
    """Every filter control, with counts that follow the current result."""

    def __init__(self, *, id: str | None = None) -> None:
        """The sidebar: the search box at once, the rest once `fill` has the data."""
        super().__init__(id=id)
        self._fill_started = False
        self._filled = asyncio.Event()
        self._placed = False
        # What the screen asked to show before the controls existed.
        self._pending_filter: tuple[Filter, tuple[str, str] | None] | None = None
        self._pending_counts: FacetCounts | None = None
        self._labels: dict[str, dict[str, str]] = {}
        self._marks: dict[str, tuple[str, str]] = {}
        self._shown: dict[str, dict[str, str]] = {}  # the labels as cut to fit
        self._limit = _PROMPT_LIMITS[0]
        self._prompt_cells = self._limit

    def compose(self) -> ComposeResult:
        """The search box, which needs no data: typing into it works from the start."""
        yield Label("Search", classes="sidebar-heading")
        yield TextBox(
            placeholder="title, summary, quotes", id="search", report=self._search_changed
        )

    @property
    def filled(self) -> bool:
        """Whether the controls are mounted (and show the current filter)."""
        return self._filled.is_set()

    async def fill(self, dataset: Dataset | None = None) -> None:
        """Mount the controls for `dataset`, showing what the screen asked for meanwhile.

        Safe to call any number of times: later calls (and a call without a dataset)
        wait for the first to finish, so whatever needs a control can wait for it.
        """
        if self._fill_started or dataset is None:
            await self._filled.wait()
            return
        self._fill_started = True
        theme_ids = [theme.id for theme in dataset.themes]
        self._labels = {
            "themes": {t.id: t.label for t in dataset.themes},
            "statuses": {str(s): f"{STATUS_MARKERS[s]} {s}" for s in Status},
            "sources": {s.id: s.outlet for s in dataset.sources},
            "actors": {actor: actor for actor in sorted(dataset.actors())},
        }
        self._marks = theme_marks(theme_ids, [theme.label for theme in dataset.themes])
        self._shape()
        await self.mount_all(self._controls())
        if len(self.children) <= 2:
            return  # the app is closing: Textual mounts nothing then
        self._filled.set()
        if self._pending_filter is not None:
            self.show_filter(*self._pending_filter)
        if self._pending_counts is not None:
            self.show_counts(self._pending_counts)
        self._pending_filter = self._pending_counts = None

    async def ready(self) -> None:
        """Fill the sidebar if it is not yet, and wait until its controls are on screen.

        For an action that focuses a control: Textual scrolls a focused widget into view
        if the screen does not show it whole, and a control not yet placed on the screen
        counts as not shown, so the sidebar would scroll for nothing. Call it from
        another task than the sidebar's (a key binding's action is one).
        """
        await self._filled.wait()
        if self._placed:
            return
        search = self.query_one("#search", Input)
        for _ in range(_PLACING_REFRESHES):
            if self.screen.can_view_entire(search) or not self.display:
                break
            await self.wait_for_refresh()
        self._placed = True  # later, the sidebar may well be scrolled: do not wait again

    def _controls(self) -> Iterator[Widget]:
        """Each facet, then the date range (below the search box)."""
        yield Horizontal(
            Label("Themes", classes="sidebar-heading"),
            Label("match all", classes="switch-label"),
            _ModeSwitch(id="all-themes", report=self._mode_changed),
            classes="sidebar-heading-row",
        )
        yield FacetList(*self._selections("themes"), prompt_cells=self._prompt_cells, id="themes")
        for facet, heading in (
            ("statuses", "Status"),
            ("sources", "Sources"),
            ("actors", "Actors"),
        ):
            yield Label(heading, classes="sidebar-heading")
            yield FacetList(*self._selections(facet), prompt_cells=self._prompt_cells, id=facet)
        yield Label("Dates (EDTF: 2023, 2023-05, 2023-05-19)", classes="sidebar-heading")
        yield Horizontal(
            self._date_box("from", "date-from", self._date_changed),
            self._date_box("to", "date-to", self._date_changed),
            id="date-range",
        )
        yield Label("As of (EDTF; < > by article)", classes="sidebar-heading")
        yield self._date_box("only articles out by then", "as-of", self._as_of_changed)

    @staticmethod
    def _date_box(placeholder: str, id: str, report: Callable[[Input.Changed], None]) -> TextBox:
        return TextBox(placeholder=placeholder, id=id, validators=[EdtfValidator()], report=report)

    def _shape(self) -> None:
        """Cut the values to the limit for this terminal, and size the sidebar to them."""
        self._limit = _prompt_limit(self.app.size.width)
        room = self._limit - _COUNT_CELLS - 1
        self._shown = {}
        for facet, labels in self._labels.items():
            cells = room - 2 if facet == "themes" else room
            shown = abbreviate_distinct([sanitize(label) for label in labels.values()], cells)
            self._shown[facet] = dict(zip(labels, shown, strict=True))
        widest = max(
            cell_width(label) + (2 if facet == "themes" else 0)
            for facet, labels in self._shown.items()
            for label in labels.values()
        )
        self._prompt_cells = min(self._limit, widest + 1 + _COUNT_CELLS)
        # Follows the data and the terminal, so set here rather than in app.tcss.
        self.styles.width = self._prompt_cells + _AROUND_PROMPT_CELLS

    def fit(self) -> None:
        """Widen or narrow the values for the terminal's new width, if it crossed
        `WIDE_SIDEBAR_WIDTH` (the lists are built again, keeping what is chosen)."""
        if not self.filled or self._limit == _prompt_limit(self.app.size.width):
            return
        self._shape()
        with self.prevent(SelectionList.SelectedChanged):
            for facets in self.query(FacetList):
                assert facets.id is not None
                chosen = set(facets.selected)
                facets.prompt_cells = self._prompt_cells
                facets.clear_options()
                facets.add_options(self._selections(facets.id, chosen))

    def _selections(self, facet: str, chosen: set[str] | None = None) -> list[Selection[str]]:
        return [
            Selection(
                _prompt(label, self._prompt_cells - _COUNT_CELLS - 1, self._marks.get(value)),
                value,
                chosen is not None and value in chosen,
                id=f"{facet}-{n}",
            )
            for n, (value, label) in enumerate(self._shown[facet].items())
        ]

    # -- edits go up -----------------------------------------------------------------

    def _report(self, message: FilterEdited) -> None:
        """Send an edit straight to the screen rather than bubbling it up.

        Bubbled through the containers, the edit came one hop behind the control's own
        repaint (a check box, a typed letter): the screen painted that alone, and the
        new rows an update period or two later. Sent straight, both paint in one frame.
        The lists are the sidebar's children (one hop); the boxes and the switch,
        deeper, report from their own handlers (`TextBox`, `_ModeSwitch`).
        """
        self.screen.post_message(message)

    def _search_changed(self, event: Input.Changed) -> None:
        self._report(FilterEdited({"text": event.value}))

    def _mode_changed(self, event: Switch.Changed) -> None:
        self._report(FilterEdited({"all_themes": event.value}))

    @on(SelectionList.SelectedChanged)
    def _facet_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        event.stop()
        facet = event.selection_list.id
        values = frozenset(event.selection_list.selected)
        if facet == "statuses":
            self._report(FilterEdited({"statuses": frozenset(map(Status, values))}))
        elif facet in ("themes", "sources", "actors"):
            self._report(FilterEdited({facet: values}))

    def _date_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        self._show_date_errors()
        valid = event.validation_result is None or event.validation_result.is_valid
        if not valid:
            return  # the filter keeps the box's last valid date; the message says why
        field = "date_from" if event.input.id == "date-from" else "date_to"
        day: int | None = None
        if text:
            date = parse_edtf(text)
            day = date.lower if field == "date_from" else date.upper
        self._report(FilterEdited({field: day}))

    def _show_date_errors(self) -> None:
        """Say on each date box (the as-of box too) why its date is not used, in the
        CLI's words.

        On the box's bottom border (and in full as its tooltip): a line of its own
        would lay the screen out each time a date turned valid or invalid.
        """
        for box_id in ("#date-from", "#date-to", "#as-of"):
            box = self.query_one(box_id, Input)
            result = box.validate(box.value)
            message = None
            if result is not None and not result.is_valid:
                # "'2024-13': month 13 does not exist …" without the echo of the box.
                message = "; ".join(
                    text.split("': ", 1)[-1] for text in result.failure_descriptions
                )
            if box.tooltip != message:
                box.border_subtitle = Content(message) if message else None
                box.tooltip = message

    def _as_of_changed(self, event: Input.Changed) -> None:
        self._show_date_errors()
        day = _as_of_day(event.value)
        if event.validation_result is None or event.validation_result.is_valid:
            self._report(FilterEdited({"as_of": day}))

    # -- values come down ------------------------------------------------------------

    def show_filter(self, filt: Filter, date_texts: tuple[str, str] | None = None) -> None:
        """Make every control show `filt`, without reporting those changes back up."""
        search = self.query_one("#search", Input)
        if search.value != filt.text:
            with self.prevent(Input.Changed):
                search.value = filt.text
        if not self.filled:
            if self._pending_filter is not None and date_texts is None:
                date_texts = self._pending_filter[1]  # an earlier call's boxes still hold
            self._pending_filter = (filt, date_texts)
            return
        switch = self.query_one("#all-themes", Switch)
        with self.prevent(Input.Changed, Switch.Changed, SelectionList.SelectedChanged):
            switch.value = filt.all_themes
            wanted: dict[str, Iterable[Any]] = {
                "themes": filt.themes,
                "statuses": (str(s) for s in filt.statuses),
                "sources": filt.sources,
                "actors": filt.actors,
            }
            for facet, values in wanted.items():
                selection_list = self.query_one(f"#{facet}", SelectionList)
                chosen = set(values)
                if set(selection_list.selected) != chosen:
                    selection_list.deselect_all()
                    for value in chosen:
                        selection_list.select(value)
            if date_texts is not None:
                self.query_one("#date-from", Input).value = date_texts[0]
                self.query_one("#date-to", Input).value = date_texts[1]
            as_of = self.query_one("#as-of", Input)
            if _as_of_day(as_of.value) != filt.as_of or not as_of.is_valid:
                as_of.value = "" if filt.as_of is None else _iso_day(filt.as_of)
            self._show_date_errors()

    @property
    def date_texts(self) -> tuple[str, str]:
        """The texts in the from and to date boxes."""
        if not self.filled:
            return (self._pending_filter and self._pending_filter[1]) or ("", "")
        return (
            self.query_one("#date-from", Input).value,
            self.query_one("#date-to", Input).value,
        )

    def show_counts(self, counts: FacetCounts) -> None:
        """Update the count beside every facet value to the current result's."""
        if not self.filled:
            self._pending_counts = counts
            return
        by_facet: dict[str, Mapping[str, int]] = {
            "themes": counts.themes,
            "statuses": {str(k): v for k, v in counts.statuses.items()},
            "sources": counts.sources,
            "actors": counts.actors,
        }
        for facet, facet_counts in by_facet.items():
            self.query_one(f"#{facet}", FacetList).show_counts(facet_counts)
