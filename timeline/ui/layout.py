"""Layout rules shared by the screens, and their keys that move the keyboard."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

__all__ = [
    "NARROW_WIDTH",
    "SIDEBAR_WIDTH",
    "WIDE_SIDEBAR_WIDTH",
    "TypeAheadScreen",
    "update_width_class",
]

NARROW_WIDTH = 110
"""Below this many columns the side panes move under the main one (the `-narrow` class),
so the timeline and the article keep room for text at 80×24."""


SIDEBAR_WIDTH = 150
"""From this many columns up the filter sidebar shows at start; below, it waits for `f`,
`/` or `t`, since beside the quote pane it would leave titles only a few words."""


WIDE_SIDEBAR_WIDTH = 180
"""From this many columns up the sidebar's values get more room before they are cut:
below, the room goes to the timeline's titles."""


def update_width_class(screen: Screen[Any], width: int) -> None:
    """Set or clear the `-narrow` class for a terminal `width` wide."""
    screen.set_class(width < NARROW_WIDTH, "-narrow")


ResultType = TypeVar("ResultType")


class TypeAheadScreen(Screen[ResultType]):
    """A screen whose Tab and Shift+Tab move the keyboard as they arrive.

    Textual hands each key to the widget focused when the key arrives, so the letters
    typed right behind a Tab (a fast Tab then "2024") went to the box being left. As
    priority keys, they are handled before the letters behind them are handed on.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Next", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous", show=False, priority=True),
    ]
