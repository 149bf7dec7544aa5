"""Textual workarounds that have no public alternative, each pinned by a test.

`tests/test_compat.py` fails loudly if a Textual upgrade changes what one relies on;
the fix then belongs here, and nothing else touches Textual's private parts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["divide_strips_without_cycles", "set_virtual_size_quietly"]


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


_textual_divide = Strip.divide


def _divide(strip: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cuts = list(cuts)
    if len(cuts) == 1 and cuts[0] == strip.cell_length:
        return [strip]  # what Textual returns, without keeping it in the strip itself
    return _textual_divide(strip, cuts)


def divide_strips_without_cycles() -> None:
    """Stop `Strip.divide` from making every uncut strip a reference cycle.

    Textual's compositor divides each line of each widget at the screen's cuts. A line
    that no cut falls inside comes back as `[self]`, and Textual caches that list in the
    strip's own `_divide_cache`: the strip then refers to itself, so it is freed only by
    the cyclic garbage collector, with its seven caches and its segments (about 2,000
    objects per theme toggle at 160×50). Those collections went over 16 ms while
    browsing. Returning the same one-strip list uncached breaks the cycle; a Textual
    that no longer caches the strip in itself makes `tests/test_compat.py` fail, and
    this can go. There is no public way to change what the compositor calls.
    """
    Strip.divide = _divide  # type: ignore[method-assign, assignment]
