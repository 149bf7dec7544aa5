"""SVG snapshots of the main screens at fixed sizes (pytest-textual-snapshot).

The app shows no clock and no blinking cursor at the moments captured, so the snapshots are
deterministic. After a deliberate UI change, review and refresh them with
`python -m pytest tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input
from tui_support import make_app


def _no_blink(pilot: Pilot[Any]) -> None:
    for widget in pilot.app.query(Input):
        widget.cursor_blink = False


def test_main_screen(snap_compare: Any) -> None:
    """Wide: sidebar, overview and timeline, quote pane."""
    assert snap_compare(make_app(), terminal_size=(160, 42), run_before=_no_blink)


def test_main_screen_at_140(snap_compare: Any) -> None:
    """Medium: the sidebar waits for a key so that titles keep their room."""
    assert snap_compare(make_app(), terminal_size=(140, 40), run_before=_no_blink)


def test_main_screen_at_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_no_blink)


def test_filtered_screen(snap_compare: Any) -> None:
    async def filter_by_search_and_theme(pilot: Pilot[Any]) -> None:
        _no_blink(pilot)
        await pilot.press("slash", *"summit", "escape", "t", "space", "escape")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(160, 42), run_before=filter_by_search_and_theme)


def test_article_screen(snap_compare: Any) -> None:
    async def open_article(pilot: Pilot[Any]) -> None:
        _no_blink(pilot)
        await pilot.press("j", "j", "enter")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(140, 40), run_before=open_article)


def test_help_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40), press=["question_mark"])


# -- the three journeys at 80×24 (issue #16) ----------------------------------------


def test_theme_filter_with_the_sidebar_hidden_at_80x24(snap_compare: Any) -> None:
    """Filter by theme, then Esc: the sidebar `t` showed hides, the filter line names the theme."""

    async def filter_by_theme(pilot: Pilot[Any]) -> None:
        _no_blink(pilot)
        await pilot.press("t", "down", "down", "space", "escape")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=filter_by_theme)


def test_quote_pane_on_a_four_quote_event_at_80x24(snap_compare: Any) -> None:
    """Tab into the quotes of the NSS revision (4 quotes), then one j: quote 2 in view."""

    async def step_to_quote_two(pilot: Pilot[Any]) -> None:
        _no_blink(pilot)
        await pilot.press("g", "j", "j", "tab", "j")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=step_to_quote_two)


def test_article_screen_at_80x24(snap_compare: Any) -> None:
    async def open_article(pilot: Pilot[Any]) -> None:
        _no_blink(pilot)
        await pilot.press("j", "j", "enter")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_article)


def test_help_screen_at_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["question_mark"])


def test_as_of_walk_at_80x24(snap_compare: Any) -> None:
    """Two articles in: the Yomiuri report's events marked new, the G7 still expected."""

    async def step_twice(pilot: Pilot[Any]) -> None:
        _no_blink(pilot)
        await pilot.press("greater_than_sign", "greater_than_sign", *"jjjjjj")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=step_twice)


def test_article_uncited_gutter_at_80x24(snap_compare: Any) -> None:
    """The blog's uncited sentences marked in the gutter, `c` on the first."""

    async def open_blog(pilot: Pilot[Any]) -> None:
        _no_blink(pilot)
        await pilot.press("enter", "c")
        await pilot.pause()

    app = make_app(event="dicas-forum")
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_blog)
