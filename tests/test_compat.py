"""`timeline.ui.compat` against the installed Textual: what each workaround relies on.

A failure here after a Textual upgrade means a private part of Textual changed under
`compat` (or the public way became cheap enough to use instead): fix `compat`, or drop
the workaround.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from operator import methodcaller
from typing import Any, ClassVar

import pytest
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.cache import FIFOCache
from textual.color import Color
from textual.filter import DimFilter
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input
from tui_support import make_app

from timeline.ui import compat
from timeline.ui.compat import set_virtual_size_quietly
from timeline.ui.widgets.timeline_view import TimelineView


class _Lines(ScrollView):
    DEFAULT_CSS = "_Lines { height: 10; overflow-x: hidden; overflow-y: auto; }"

    def render_line(self, y: int) -> Strip:
        return Strip.blank(self.size.width)


class _LinesApp(App[None]):
    def compose(self) -> ComposeResult:
        yield _Lines()


def _layouts(screen: Screen[Any]) -> list[Screen[Any]]:
    seen: list[Screen[Any]] = []
    screen.screen_layout_refresh_signal.subscribe(screen, seen.append)
    return seen


def test_textual_still_has_the_private_scroll_update() -> None:
    assert callable(getattr(Widget, "_scroll_update", None)), (
        "Textual no longer has Widget._scroll_update: timeline.ui.compat needs a new way "
        "to update the scroll bars"
    )


async def test_the_public_assignment_still_lays_the_screen_out() -> None:
    # The reason for the workaround: if this fails, assign `virtual_size` instead.
    app = _LinesApp()
    async with app.run_test(size=(40, 20)) as pilot:
        lines = app.query_one(_Lines)
        await pilot.pause()
        layouts = _layouts(app.screen)
        lines.virtual_size = Size(40, 500)
        await pilot.pause()
        assert layouts


async def test_a_quiet_virtual_size_scrolls_as_a_layout_would() -> None:
    app = _LinesApp()
    async with app.run_test(size=(40, 20)) as pilot:
        lines = app.query_one(_Lines)
        set_virtual_size_quietly(lines, Size(40, 500))
        await pilot.pause()  # the scroll bar showing up asks for its own layout
        layouts = _layouts(app.screen)
        set_virtual_size_quietly(lines, Size(40, 300))
        await pilot.pause()
        assert layouts == []
        assert lines.virtual_size == Size(40, 300)
        bar = lines.vertical_scrollbar
        assert (bar.window_virtual_size, bar.window_size) == (300, lines.size.height)
        lines.scroll_end(animate=False, immediate=True)
        assert lines.scroll_offset.y == 300 - lines.size.height
        # Shrunk below the offset: the offset is brought back into the new range.
        set_virtual_size_quietly(lines, Size(40, 50))
        await pilot.pause()
        assert layouts == []
        assert bar.window_virtual_size == 50
        assert lines.scroll_offset.y == 50 - lines.size.height


@contextmanager
def _cyclic_garbage() -> Iterator[list[object]]:
    """What only the cycle collector frees among the objects dropped inside the block."""
    found: list[object] = []
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
        gc.collect()
        found.extend(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def _strip() -> Strip:
    return Strip([Segment("one "), Segment("two "), Segment("three")])


def test_textual_still_keeps_an_uncut_strip_in_itself() -> None:
    # The reason for divide_strips_without_cycles: if this fails, drop it.
    with _cyclic_garbage() as garbage:
        strip = _made_by(compat._textual_strip_init)  # as Textual makes it, caches and all
        assert compat._textual_divide(strip, [strip.cell_length]) == [strip]
        del strip
    assert any(isinstance(thing, Strip) for thing in garbage), (
        "Textual's Strip.divide no longer makes an uncut strip a cycle: "
        "timeline.ui.compat.divide_strips_without_cycles can go"
    )


@pytest.mark.parametrize("cuts", [[13], [20], [4, 13], [4, 8, 13], [0, 13], [2, 9, 30]])
def test_divided_strips_are_textuals_and_no_cycle(cuts: list[int]) -> None:
    textuals = [piece.text for piece in compat._textual_divide(_strip(), cuts)]
    compat.divide_strips_without_cycles()
    with _cyclic_garbage() as garbage:
        strip = _strip()
        pieces = strip.divide(iter(cuts))
        assert [piece.text for piece in pieces] == textuals
        del strip, pieces
    assert garbage == []


_NO_CACHE_NAMES = (
    "_crop_cache",
    "_style_cache",
    "_line_length_cache",
    "_crop_extend_cache",
    "_offsets_cache",
)
_LATER_CACHE_NAMES = ("_divide_cache", "_filter_cache")  # made when first used


def _made_by(init: Any) -> Strip:
    strip = Strip.__new__(Strip)
    init(strip, [Segment("one ", Style(bold=True)), Segment("two "), Segment("three")], 13)
    return strip


def test_textual_strips_set_what_ours_set() -> None:
    # What strips_without_unused_caches copies from Textual's Strip.__init__.
    textuals, ours = _made_by(compat._textual_strip_init), _made_by(compat._strip_init)
    for name in Strip.__slots__:
        assert hasattr(textuals, name) == hasattr(ours, name), name
        textual, our = getattr(textuals, name, None), getattr(ours, name, None)
        if name in _NO_CACHE_NAMES + _LATER_CACHE_NAMES:
            assert isinstance(textual, FIFOCache) and our is compat._NO_CACHE, name
        else:
            assert type(textual) is type(our) and textual == our, name


def test_textual_uses_the_shared_caches_only_to_get_and_set() -> None:
    source = inspect.getsource(Strip)
    for name in _NO_CACHE_NAMES + _LATER_CACHE_NAMES:
        uses = re.findall(rf"self\.{name}\b(.*)", source)  # the rest of each line
        assert uses and all(use.startswith((".get(", "[", ":")) for use in uses), (
            f"Textual's Strip uses {name} in a new way: check "
            "timeline.ui.compat.strips_without_unused_caches"
        )


def test_strips_without_the_caches_draw_as_textuals() -> None:
    compat.divide_strips_without_cycles()
    compat.strips_without_unused_caches()
    textuals, ours = _made_by(compat._textual_strip_init), _made_by(compat._strip_init)
    red = Style(color="red")
    calls = [
        methodcaller("crop", 2, 9),
        methodcaller("apply_style", red),
        methodcaller("crop_extend", 1, 20, red),
        methodcaller("adjust_cell_length", 20, red),
        methodcaller("apply_offsets", 3, 4),
        methodcaller("divide", [4, 8]),
        methodcaller("apply_filter", DimFilter(), Color(0, 0, 0)),
    ]
    for _ in range(2):  # the second time, Textual's answers come from its caches
        for call in calls:
            assert list(map(list, _as_list(call(textuals)))) == list(
                map(list, _as_list(call(ours)))
            ), call


def test_a_strip_gets_its_caches_when_first_divided_or_filtered() -> None:
    compat.divide_strips_without_cycles()
    compat.strips_without_unused_caches()
    strip, dim, black = _made_by(compat._strip_init), DimFilter(), Color(0, 0, 0)
    for _ in range(2):  # the second time from the cache made the first time
        pieces = strip.divide([4, 8])
        filtered = strip.apply_filter(dim, black)
    assert strip.divide([4, 8]) is pieces and strip._divide_cache.hits == 2
    assert strip.apply_filter(dim, black) is filtered and strip._filter_cache.hits == 2
    assert all(piece._divide_cache is compat._NO_CACHE for piece in pieces)


def _as_list(result: Strip | list[Strip]) -> list[Strip]:
    return result if isinstance(result, list) else [result]


async def test_the_app_draws_with_strips_without_the_unused_caches() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = app.screen.query_one(TimelineView).render_line(0)
        assert all(getattr(line, name) is compat._NO_CACHE for name in _NO_CACHE_NAMES)
        assert all(getattr(line, name) is compat._NO_CACHE for name in _LATER_CACHE_NAMES)


class _Boxes(App[None]):
    # Tab as the app's screens have it (`TypeAheadScreen`): it acts as it arrives.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("tab", "focus_next", priority=True)]

    def compose(self) -> ComposeResult:
        yield compat.KeysInOrderInput(id="ours")
        yield Input(id="textuals")
        yield Input(id="next")


async def _typed_at_once(app: _Boxes, box_id: str, keys: list[str]) -> str:
    """What the box holds after `keys` arrive together, as a fast typist's or a
    busy app's would (`pilot.press` waits for each key to be handled)."""
    box = app.query_one(f"#{box_id}", Input)
    box.focus()
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))
    for _ in range(5):
        await app.workers.wait_for_complete()
        await asyncio.sleep(0.05)
    return box.value


async def test_textuals_input_still_runs_its_keys_out_of_order() -> None:
    # The reason for KeysInOrderInput: if this fails, use Textual's Input.
    app = _Boxes()
    async with app.run_test(size=(40, 12)):
        assert await _typed_at_once(app, "textuals", ["b", "a", "backspace", "c"]) != "bc", (
            "Textual's Input now runs Backspace in the order typed: "
            "timeline.ui.compat.KeysInOrderInput can go"
        )


@pytest.mark.parametrize(
    ("keys", "value"),
    [
        (["b", "a", "backspace", "c"], "bc"),
        (["a", "b", "left", "left", "c", "end", "d"], "cabd"),
        (["2", "0", "2", "4", "backspace", "tab", "9"], "202"),
    ],
)
async def test_our_box_runs_its_keys_in_the_order_typed(keys: list[str], value: str) -> None:
    app = _Boxes()
    async with app.run_test(size=(40, 12)):
        assert await _typed_at_once(app, "ours", keys) == value
        if "tab" in keys:
            assert app.query_one("#textuals", Input).value == "9"  # the next box
