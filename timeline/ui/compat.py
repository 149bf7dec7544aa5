"""Textual workarounds: for what has no public alternative, and for a Textual bug, each
pinned by a test.

`tests/test_compat.py` fails loudly if a Textual upgrade changes what one relies on or
makes one unneeded; the fix then belongs here, and nothing else touches Textual's
private parts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingsMap
from textual.cache import FIFOCache
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

__all__ = [
    "KeysInOrderInput",
    "divide_strips_without_cycles",
    "set_virtual_size_quietly",
    "strips_without_unused_caches",
]


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
    if strip._divide_cache is _NO_CACHE:  # its first division (`strips_without_unused_caches`)
        strip._divide_cache = FIFOCache(4)
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


class _NoCache:
    """A `FIFOCache` stand-in that keeps nothing (one, shared by every strip)."""

    __slots__ = ()

    def get(self, key: object, default: None = None) -> None:
        return default

    def __setitem__(self, key: object, value: object) -> None:
        pass


_NO_CACHE: Any = _NoCache()
_textual_strip_init = Strip.__init__
_textual_apply_filter = Strip.apply_filter


def _strip_init(self: Strip, segments: Iterable[Segment], cell_length: int | None = None) -> None:
    # Textual's `Strip.__init__` (pinned by tests/test_compat.py), but for the caches.
    self._segments = list(segments)
    self._cell_length = cell_length
    self._divide_cache = self._filter_cache = self._crop_cache = _NO_CACHE
    self._style_cache = self._line_length_cache = _NO_CACHE
    self._crop_extend_cache = self._offsets_cache = _NO_CACHE
    self._render_cache = None
    self._link_ids = None
    self._cell_count = None


def _apply_filter(self: Strip, filter: Any, background: Any) -> Strip:
    if self._filter_cache is _NO_CACHE:  # its first filter
        self._filter_cache = FIFOCache(4)
    return _textual_apply_filter(self, filter, background)


def strips_without_unused_caches() -> None:
    """Give a `Strip` only the two caches this app gets much from, of Textual's seven,
    and only once it is first divided or filtered.

    Textual makes seven caches for every strip, and every line drawn goes through
    several strips: their caches were a third of what each full collection walked while
    browsing. Over a browse at 100,000 events, 62 % of the strips never looked into any
    cache; the crop, style, crop-extend and offsets caches were never hit, the line
    length cache seldom (`benchmarks/RESULTS.md`). Those five are one shared stand-in
    that keeps nothing, so the same calls compute their result each time, as on a first
    call; the divide and filter caches are made on a strip's first division or filter,
    which is when Textual would first store in them. There is no public way to choose a
    strip's caches; `tests/test_compat.py` fails if Textual's `Strip.__init__` sets
    anything else.
    """
    Strip.__init__ = _strip_init  # type: ignore[method-assign]
    Strip.apply_filter = _apply_filter  # type: ignore[method-assign]


class KeysInOrderInput(Input):
    """An `Input` whose own keys (Backspace, the arrows, Delete…) act in the order typed.

    Textual's `Input` inserts a letter as the box takes its key, but runs the box's
    bound keys only once the key has bubbled up to the app, behind the keys after it
    (Textual issue #6605): typed fast, or while the app is busy, `ba⌫c` came out `ba`,
    and a Backspace right before Tab or Esc went to the box focused next. This box runs
    its own bindings as it takes the key, as the app would have: the focused box is
    the first place the app looks. `tests/test_compat.py` fails once a Textual `Input`
    keeps the order itself, and this can go.
    """

    async def on_key(self, event: events.Key) -> None:
        """Run the box's own binding for the key now, not after it has bubbled up."""
        for binding in _own_bindings(type(self)).get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return


@cache
def _own_bindings(widget_class: type[Widget]) -> dict[str, list[Binding]]:
    """A widget class's bindings by key, with its bases' (a subclass's replace them, as
    in Textual)."""
    keys: dict[str, list[Binding]] = {}
    for base in reversed(widget_class.__mro__):
        if "BINDINGS" in base.__dict__:
            keys.update(BindingsMap(base.__dict__["BINDINGS"]).key_to_bindings)
    return keys
