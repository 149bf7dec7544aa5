"""Textual workarounds that have no public alternative, each pinned by a test.

`tests/test_compat.py` fails loudly if a Textual upgrade changes what one relies on;
the fix then belongs here, and nothing else touches Textual's private parts.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget

__all__ = ["set_virtual_size_quietly"]


def set_virtual_size_quietly(widget: Widget, size: Size) -> None:
    """Give `widget` the scroll range `size` without a layout of the screen.

    Assigning `widget.virtual_size`, the public way, asks for a layout of the whole
    screen though only this widget's scroll range changed. The timeline, the quote
    pane and the sidebar's text boxes change theirs at every filter change, event
    shown and keystroke: at 100,000 events those layouts put the time from a key to
    its frame over its target. So the value is stored without side effects, and the
    scroll bars are updated as that layout would have done it, by
    `Widget._scroll_update`, which has no public equivalent. (A scroll bar that
    appears or goes still asks for a layout itself.)
    """
    if size != widget.virtual_size:
        widget.set_reactive(Widget.virtual_size, size)
        widget._scroll_update(size)
