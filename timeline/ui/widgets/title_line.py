"""The screen's top line: the dataset's title, then what the timeline shows.

One plain widget instead of Textual's `Header` (an icon, a title and a clock space, three
widgets more): the header's title had to be redrawn through its inner widget, and at 80
columns it cut the count line ("25 of 25 events · as of …") before the title.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.widget import Widget

from timeline.text import sanitize_cells

__all__ = ["TitleLine"]

_SEPARATOR = " — "


class TitleLine(Widget):
    """The title and the count line, centred; a narrow line shortens the title first."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = ""
        self._count = ""

    def show(self, title: str | None = None, count: str | None = None) -> None:
        """Show a new title or count line (None keeps the one shown), redrawing this line only."""
        new = (
            self._title if title is None else sanitize_cells(title),
            self._count if count is None else count,
        )
        if new != (self._title, self._count):
            self._title, self._count = new
            self.refresh()

    def render(self) -> Content:
        """The count line whole when it fits, the title cut to the room left."""
        if not self._count:
            return Content(self._title)
        room = self.size.width - cell_len(self._count) - len(_SEPARATOR)
        if room < 1:
            return Content(self._count).stylize("dim")
        return Content.assemble(
            Content(self._title).truncate(room, ellipsis=True),
            (_SEPARATOR, "dim"),
            Content(self._count).stylize("dim"),
        )
