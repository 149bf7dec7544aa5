"""The three journeys at 80×24 (launch and read; filter by theme; jump to a source
excerpt), and the cues that make them work there: issue #16, item by item."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.color import Color
from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList, Static
from tui_support import bundled, copy_bundled, drawn_lines, make_app

from timeline.cli import main as cli_main
from timeline.interchange.export import export
from timeline.loader import load_dataset
from timeline.model import Dataset, dataset_title
from timeline.query import EventIndex, Filter
from timeline.ui.app import TimelineApp
from timeline.ui.screens.article import ArticleScreen
from timeline.ui.screens.help import HelpScreen
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.detail_pane import DetailPane
from timeline.ui.widgets.key_bar import KeyBar
from timeline.ui.widgets.overview import OverviewStrip
from timeline.ui.widgets.sidebar import FacetList, FilterSidebar
from timeline.ui.widgets.timeline_view import THEME_COLOURS, TimelineView, theme_marks
from timeline.ui.widgets.title_line import TitleLine
from timeline.views import Histogram, abbreviate_distinct, theme_letters

SMALL = (80, 24)


def _index() -> EventIndex:
    return EventIndex(bundled().dataset)


def _pane_screen(pane: DetailPane) -> list[str]:
    """What the quote pane draws right now, line by line."""
    return [pane.render_line(y).text for y in range(pane.scrollable_content_region.height)]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _visible_rows(pane: DetailPane, rows: range) -> bool:
    top = int(pane.scroll_offset.y)
    return top <= rows.start and rows.stop <= top + pane.scrollable_content_region.height


def _four_quote_event() -> int:
    return next(i for i, e in enumerate(_index().events) if len(e.quotes) == 4)


def _footer_keys(pilot: Pilot[Any]) -> dict[str, str]:
    """The keys the footer shows now, with their descriptions."""
    screen = pilot.app.screen
    return {
        key: binding.description
        for key, (_, binding, enabled, _) in screen.active_bindings.items()
        if binding.show and enabled
    }


# -- 1. the quote pane at 80×24 ----------------------------------------------------


async def test_80x24_shows_title_date_and_first_quote_without_a_key() -> None:
    event = _index().events[0]
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        shown = _pane_screen(pane)
        assert shown[0].strip() == event.title
        assert any(line.startswith("Date") and event.date.text in line for line in shown)
        assert _squash(event.quotes[0].text) in _squash("".join(shown))


async def test_tab_puts_quote_one_in_view_and_j_k_step_quote_by_quote() -> None:
    position = _four_quote_event()
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("g", *["j"] * position, "tab")
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        assert app.focused is pane and pane.event == _index().events[position]
        assert pane.quote_index == 0 and _visible_rows(pane, pane.quote_rows(0))
        for expected in (1, 2, 3):
            await pilot.press("j")
            assert pane.quote_index == expected
            rows = pane.quote_rows(expected)
            top = int(pane.scroll_offset.y)
            assert top <= rows.start < top + pane.scrollable_content_region.height
        await pilot.press("k")
        assert pane.quote_index == 2 and _visible_rows(pane, pane.quote_rows(2))


# -- 2. active filters when the sidebar is hidden -------------------------------------


async def test_every_active_filter_is_named_while_the_sidebar_is_hidden() -> None:
    dataset = bundled().dataset
    filt = Filter(themes=frozenset({"space", "security"}), text="artemis")
    app = make_app(initial_filter=filt)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        line = app.screen.query_one("#filter-line", Static)
        assert not app.screen.query_one(FilterSidebar).display
        assert line.display and line.region.height >= 1
        text = str(line.render())
        assert "artemis" in text
        for theme in ("space", "security"):
            assert dataset.theme(theme).label in text
        await pilot.press("f")  # the sidebar shows the filters itself
        await pilot.pause()
        assert not line.display
        await pilot.press("f", "c")  # hidden again, then cleared: nothing to name
        await pilot.pause()
        assert not line.display


# -- 3. the dataset's name ---------------------------------------------------------


async def test_the_header_and_exports_name_the_dataset(tmp_path: Path) -> None:
    dataset = bundled().dataset
    assert dataset.title and dataset_title(dataset) == dataset.title
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert app.title == dataset.title
    assert export(dataset, dataset.events, "markdown").startswith(f"# {dataset.title}\n")
    assert f"<title>{dataset.title}</title>" in export(dataset, dataset.events, "html")
    # Without a title, the folder's name.
    folder = copy_bundled(tmp_path)
    events = folder / "events.yaml"
    events.write_text(re.sub(r"(?m)^title: .*$", "", events.read_text("utf-8")), "utf-8")
    untitled = load_dataset(folder).dataset
    assert untitled.title is None and dataset_title(untitled) == folder.name


# -- 4. nothing cut ----------------------------------------------------------------


def test_abbreviated_labels_never_look_alike() -> None:
    labels = ["Government of Japan", "Government of the United States",
              "Government of the United Kingdom", "Short"]  # fmt: skip
    for cells in range(4, 34):
        shown = abbreviate_distinct(labels, cells)
        assert len(set(shown)) == len(labels)
        assert all(cell_len(text) <= cells for text in shown)
    assert abbreviate_distinct(labels, 40) == labels


async def test_the_sidebar_is_as_wide_as_its_labels_need_and_cuts_none_alike() -> None:
    app = make_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        sidebar = app.screen.query_one(FilterSidebar)
        await sidebar.fill()
        await pilot.pause()
        assert 40 < sidebar.size.width <= 44  # wider than it was, up to its limit
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        width = sidebar.styles.width
        assert width is not None and width.value <= 38  # narrower: the timeline needs room
        for facet in ("#themes", "#statuses", "#sources", "#actors"):
            facets = app.screen.query_one(facet, FacetList)
            prompts = [str(facets.get_option_at_index(i).prompt).strip()
                       for i in range(facets.option_count)]  # fmt: skip
            assert len(set(prompts)) == len(prompts)
            # Each line shows its count, not a cut-off `…`.
            for y in range(min(facets.option_count, facets.size.height)):
                assert re.search(r"\d$", facets.render_line(y).text.rstrip())


async def _date_from_box(app: TimelineApp, pilot: Pilot[Any]) -> Input:
    """Show the sidebar at 80×24 and return its from-date box, once it is filled."""
    await pilot.press("f")
    await app.screen.query_one(FilterSidebar).fill()
    await pilot.pause()
    return app.screen.query_one("#date-from", Input)


async def test_date_boxes_show_a_whole_date_and_the_timeline_keeps_its_dates() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        box = await _date_from_box(app, pilot)
        assert box.content_region.width >= len("2023-05-19") + 1
        timeline = app.screen.query_one(TimelineView)
        timeline.jump_to_month(2024 * 12 + 3)
        await pilot.pause()
        text = "\n".join(timeline.render_line(y).text for y in range(timeline.size.height))
        assert "from 10 Apr 2024" in text


async def test_the_empty_state_is_never_cut() -> None:
    app = make_app(initial_filter=Filter(text="zzzznothing"))
    async with app.run_test(size=(60, 24)) as pilot:
        await pilot.pause()
        timeline = app.screen.query_one(TimelineView)
        text = " ".join(timeline.render_line(y).text.strip() for y in range(5))
        assert "No events match these filters. Press c to clear them." in " ".join(text.split())


async def test_file_line_column_references_are_never_broken() -> None:
    dataset = bundled().dataset
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        for event in _index().events:
            pane.show_event(dataset.full(event))
            lines = pane.text_lines
            for quote in event.quotes:
                where = f"{dataset.source(quote.source_id).path}:{quote.span.line}"
                assert any(where in line for line in lines), where


def test_list_at_80_columns_never_breaks_an_id(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr("sys.stdout", io.StringIO())
    import sys

    assert cli_main(["list", "--format", "table"]) == 0
    out = sys.stdout.getvalue()  # type: ignore[attr-defined]
    words = set(out.split())
    assert max(cell_len(line) for line in out.splitlines()) <= 80
    for event in bundled().dataset.events:
        assert event.id in words, event.id
        assert all(theme in words for theme in event.themes)


# -- 5. theme colours and the legend --------------------------------------------------


def test_twelve_themes_get_distinct_colours_and_letters() -> None:
    colours = [Color.parse(c).triplet for c in THEME_COLOURS]
    assert len(colours) == 12

    def distance(a: Any, b: Any) -> float:
        return float(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5)

    assert min(distance(a, b) for i, a in enumerate(colours) for b in colours[i + 1 :]) > 40
    labels = [t.label for t in bundled().dataset.themes] + ["Space policy", "Security"]
    letters = theme_letters(labels)
    assert len(set(letters)) == len(labels)
    assert all(letter.isalnum() and len(letter) == 1 for letter in letters)


async def test_the_quote_pane_shows_each_theme_in_its_colour() -> None:
    dataset = bundled().dataset
    event = next(e for e in _index().events if len(e.themes) > 1)
    marks = theme_marks([t.id for t in dataset.themes], [t.label for t in dataset.themes])
    app = make_app(event=event.id)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        segments = [segment for y in range(pane.size.height) for segment in pane.render_line(y)]
        for theme in event.themes:
            letter, colour = marks[theme]
            label = f"{letter} {dataset.theme(theme).label}"
            styled = [s for s in segments if label in s.text]
            assert styled and styled[0].style is not None
            assert styled[0].style.color == Color.parse(colour)


async def test_help_explains_every_mark_and_theme() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(" ".join(drawn_lines(static)) for static in app.screen.query(Static))
        for mark in ("●", "◆", "◇", "≈", "▲", "by ", "from ", "src", "╌"):
            assert mark in text, mark
        for theme in bundled().dataset.themes:
            assert theme.label in text


# -- 6. reload in place --------------------------------------------------------------


async def test_reload_shows_no_intermediate_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_bundled(tmp_path)
    app = TimelineApp(load_dataset(root))
    seen: list[str] = []
    show_event, show_histogram = DetailPane.show_event, OverviewStrip.show_histogram

    def record_event(self: DetailPane, event: Any) -> None:
        seen.append("no event" if event is None else "event")
        show_event(self, event)

    def record_histogram(self: OverviewStrip, histogram: Histogram) -> None:
        seen.append("empty strip" if histogram == Histogram(0, 0, [0]) else "strip")
        show_histogram(self, histogram)

    monkeypatch.setattr(DetailPane, "show_event", record_event)
    monkeypatch.setattr(OverviewStrip, "show_histogram", record_histogram)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("j", "j", "j")
        await pilot.pause()
        screen = app.screen
        timeline = screen.query_one(TimelineView)
        before = (timeline.scroll_offset.y, screen.selected_event_id)  # type: ignore[attr-defined]
        seen.clear()
        await pilot.press("r")
        for _ in range(6):  # frame by frame, as the reload goes on
            await pilot.pause()
            assert screen.query_one(KeyBar).display
            assert not any(w.loading for w in screen.query("*"))
            assert (timeline.scroll_offset.y, screen.selected_event_id) == before  # type: ignore[attr-defined]
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (timeline.scroll_offset.y, screen.selected_event_id) == before  # type: ignore[attr-defined]
        assert "no event" not in seen and "empty strip" not in seen


# -- 7. an invalid date says why -------------------------------------------------------


async def test_the_title_line_keeps_the_count_whole_and_cuts_a_long_title() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        title = app.screen.query_one(TitleLine)
        assert title.render().plain == f"{app.title} — {app.sub_title}"
        title.show(title="A very long dataset title " * 4)
        await pilot.press("<")  # as of the last article: the count line grows
        await pilot.pause()
        shown = title.render().plain
        assert shown.endswith(f" — {app.sub_title}") and "as of" in shown
        assert shown.startswith("A very long dataset title") and "…" in shown
        assert cell_len(shown) <= SMALL[0]
        title.show(title="\x1b[31mred\x07")  # the dataset's title is the user's text
        assert "\x1b" not in title.render().plain and "\x07" not in title.render().plain


async def test_letters_typed_in_one_burst_with_slash_reach_the_search_box() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        # As a terminal delivers a fast "/summit": all the keys are queued before "/"
        # has moved the keyboard to the box.
        for key, character in [("slash", "/"), *((c, c) for c in "summit")]:
            app.post_message(events.Key(key, character))
        await pilot.pause()
        search = app.screen.query_one("#search", Input)
        assert app.focused is search and search.value == "summit"
        assert app.screen.filter.text == "summit"  # type: ignore[attr-defined]
        # In a text box "/" is a character like any other.
        await pilot.press("slash")
        assert search.value == "summit/"


async def test_letters_typed_in_one_burst_after_tab_reach_the_next_box() -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await app.screen.query_one(FilterSidebar).fill()
        date_from = app.screen.query_one("#date-from", Input)
        date_from.focus()
        await pilot.pause()
        # As a terminal delivers a fast Tab then "2024": all queued before Tab has
        # moved the keyboard to the next box.
        for key, character in [("tab", "\t"), *((c, c) for c in "2024")]:
            app.post_message(events.Key(key, character))
        await pilot.pause()
        date_to = app.screen.query_one("#date-to", Input)
        assert app.focused is date_to
        assert (date_from.value, date_to.value) == ("", "2024")
        for key, character in [("shift+tab", None), *((c, c) for c in "2023")]:
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert app.focused is date_from
        assert (date_from.value, date_to.value) == ("2023", "2024")
        # Esc then "j" at once: back in the timeline, the cursor moves a row down.
        timeline = app.screen.query_one(TimelineView)
        row = timeline.cursor_row
        for key, character in [("escape", "\x1b"), ("j", "j")]:
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert app.focused is timeline and date_from.value == "2023"
        assert timeline.cursor_row > row


async def test_editing_keys_typed_in_one_burst_act_in_the_order_typed() -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await app.screen.query_one(FilterSidebar).fill()
        search = app.screen.query_one("#search", Input)
        search.focus()
        await pilot.pause()
        # A fast "japx", Backspace, "an": Textual's Input ran Backspace last ("japa").
        burst = [*((c, c) for c in "japx"), ("backspace", "\x7f"), ("a", "a"), ("n", "n")]
        for key, character in burst:
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert search.value == "japan"
        # Backspace right before Tab takes the letter from the box being left.
        date_from = app.screen.query_one("#date-from", Input)
        date_from.focus()
        await pilot.pause()
        for key, character in [*((c, c) for c in "20245"), ("backspace", "\x7f"), ("tab", "\t")]:
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert date_from.value == "2024"
        assert app.focused is app.screen.query_one("#date-to", Input)


async def test_the_key_bar_follows_the_focus_fits_80_columns_and_takes_clicks() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        line = bar.render().plain
        assert line.startswith(" ⏎ Open  / Search  t Themes") and line.endswith(" ^p Palette ")
        assert cell_len(line) == SMALL[0]
        await pilot.press("slash")  # into the search box: its own keys
        await pilot.pause()
        assert bar.render().plain.startswith(" ⏎ Done  esc Back ")
        await pilot.press("escape")
        await pilot.pause()
        assert "/ Search" in bar.render().plain
        # A click on "? Help" presses ?, as Textual's Footer did.
        x = bar.render().plain.index("? Help") + 1
        await pilot.click(KeyBar, offset=(x, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_an_invalid_date_shows_the_clis_message() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        box = await _date_from_box(app, pilot)
        box.focus()
        await pilot.press(*"2024")
        await pilot.pause()
        count = app.sub_title
        assert box.border_subtitle is None
        await pilot.press(*"-13")
        await pilot.pause()
        assert str(box.border_subtitle).startswith("month 13 does not exist")
        assert "month 13 does not exist" in str(box.tooltip)
        # On screen: the box's bottom border carries it.
        bottom = box.render_lines(Region(0, 0, *box.outer_size))[-1].text
        assert "month 13 does not" in bottom
        assert app.sub_title == count  # the last valid date still filters
        await pilot.press("backspace", "backspace", "backspace")
        await pilot.pause()
        assert box.border_subtitle is None


async def test_an_invalid_as_of_date_says_why_as_the_date_boxes_do() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await _date_from_box(app, pilot)
        box = app.screen.query_one("#as-of", Input)
        box.focus()
        await pilot.press(*"2024-13")
        await pilot.pause()
        assert app.sub_title.endswith("as of 31 Dec 2024")  # the last valid date, "2024"
        assert str(box.border_subtitle).startswith("month 13 does not exist")
        assert "month 13 does not exist" in str(box.tooltip)
        bottom = box.render_lines(Region(0, 0, *box.outer_size))[-1].text
        assert "month 13 does not" in bottom
        await pilot.press("backspace", "backspace", "backspace")
        await pilot.pause()
        assert box.border_subtitle is None
        await pilot.press(*"-13", "escape", "c")  # cleared: no word left on the box
        await pilot.pause()
        assert box.value == "" and box.border_subtitle is None


# -- 8. keys and cues ------------------------------------------------------------------


async def test_j_and_k_move_through_the_articles_other_excerpts() -> None:
    dataset = bundled().dataset
    position = next(
        i
        for i, event in enumerate(_index().events)
        if event.quotes
        and sum(1 for e in dataset.events for q in dataset.full(e).quotes
                if q.source_id == dataset.full(event).quotes[0].source_id) > 3
    )  # fmt: skip
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("g", *["j"] * position, "enter")
        await pilot.pause()
        assert isinstance(app.screen, ArticleScreen)
        await pilot.press("o")
        excerpts = app.screen.query_one("#citations", OptionList)
        assert app.focused is excerpts and excerpts.highlighted == 0
        await pilot.press("j", "j")
        assert excerpts.highlighted == 2
        await pilot.press("k")
        assert excerpts.highlighted == 1


async def test_the_footer_follows_the_focus() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("tab")
        assert isinstance(app.focused, DetailPane)
        assert _footer_keys(pilot).get("enter") == "Open"
        await pilot.press("slash")
        await pilot.pause()
        keys = _footer_keys(pilot)
        assert keys.get("enter") == "Done" and keys.get("escape") == "Back"
        assert "c" not in keys and "t" not in keys  # they type letters here
        await pilot.press("c")
        assert app.screen.query_one("#search", Input).value == "c"
        assert isinstance(app.screen, MainScreen) and app.screen.filter.text == "c"
        await pilot.press("escape", "c")  # outside the box, c clears
        await pilot.pause()
        assert app.screen.filter == Filter()


# -- 9. the strip's marker -------------------------------------------------------------


@pytest.mark.parametrize("key", ["g", "G"])
async def test_the_strip_marker_is_never_under_a_year_label(key: str) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(key)
        await pilot.pause()
        strip = app.screen.query_one(OverviewStrip)
        labels = strip.render_line(1).text
        assert "▲" in labels
        years = re.findall(r"\d{4}", labels)
        assert years[0] == "2021" and years[-1] == "2025"


@pytest.mark.parametrize("width", [80, 100, 160])
async def test_each_strip_label_is_drawn_at_its_own_year(width: int) -> None:
    # Thirty years in a strip narrower than their labels: most labels do not fit. Each
    # one drawn must sit at its year's column, or just past or before the ▲ when that
    # column is under it.
    histogram = Histogram(1995 * 12, 2024 * 12 + 11, [1] * 360)
    app = _StripApp()
    async with app.run_test(size=(width, 4)) as pilot:
        strip = app.query_one(OverviewStrip)
        strip.show_histogram(histogram)
        columns = histogram.bucket_bounds(strip.size.width)
        for month in (1995 * 12, 2001 * 12, 2011 * 12 + 5, 2024 * 12 + 11):
            strip.show_cursor(month)
            await pilot.pause()
            line = strip.render_line(1).text
            cursor = line.index("▲")
            for found in re.finditer(r"\d{4}", line):
                year, at = int(found.group()), found.start()
                own = next(x for x, (start, _) in enumerate(columns) if start // 12 == year)
                moved = own <= cursor < own + 4 and at in (cursor + 1, cursor - 4)
                assert at == own or moved, (month, line)


class _StripApp(App[None]):
    def compose(self) -> ComposeResult:
        yield OverviewStrip()


# -- 10. resizing -----------------------------------------------------------------------


async def test_shrinking_the_terminal_leaves_the_quote_pane_at_its_title() -> None:
    position = _four_quote_event()
    event = _index().events[position]
    app = make_app(event=event.id)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        assert pane.scroll_offset.y == 0
        assert _pane_screen(pane)[0].strip() == event.title


# -- 11. Markdown ----------------------------------------------------------------------


def test_markdown_keeps_plain_text_plain() -> None:
    dataset: Dataset = bundled().dataset
    md = export(dataset, dataset.events, "markdown")
    assert "Security & defence" in md and "&amp;" not in md
    assert "(Yomiuri report)" in md and "\\(" not in md


async def test_j_and_k_scroll_the_help_as_everywhere_else() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        scroller = app.screen.query_one("#help")
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert scroller.scroll_offset.y == 3
        await pilot.press("k")
        await pilot.pause()
        assert scroller.scroll_offset.y == 2


async def test_the_new_event_form_shows_its_own_keys(tmp_path: Path) -> None:
    from timeline.ui.screens.event_form import EventForm

    app = TimelineApp(load_dataset(copy_bundled(tmp_path)))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("enter", "v", "E")
        await pilot.pause()
        assert isinstance(app.screen, EventForm)
        bar = app.screen.query_one(KeyBar)  # the form's own keys, not the article's behind it
        assert "esc" in bar.render().plain and "^s" in bar.render().plain
        shown = {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}
        assert {"save", "cancel"} <= shown


async def test_the_new_event_form_shows_every_theme_id_it_offers(tmp_path: Path) -> None:
    app = TimelineApp(load_dataset(copy_bundled(tmp_path)))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("enter", "v", "E")
        await pilot.pause()
        label = next(w for w in app.screen.query(Label) if str(w.content).startswith("Themes"))
        room = app.screen.query_one("#event-form").scrollable_content_region.width
        lines = label.render_lines(Region(0, 0, *label.outer_size))
        drawn = " ".join(strip.crop(0, room).text for strip in lines)  # what is not clipped
        dataset = app.main_screen.dataset
        assert dataset is not None
        for theme in dataset.themes:
            assert theme.id in re.findall(r"[\w-]+", drawn), theme.id


@pytest.mark.parametrize(("key", "target"), [("slash", "#search"), ("t", "#themes")])
async def test_a_sidebar_left_scrolled_down_opens_on_what_the_key_is_for(
    key: str, target: str
) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        sidebar = app.screen.query_one(FilterSidebar)
        await pilot.press("slash")  # the sidebar, lent for the search
        await sidebar.ready()
        app.screen.query_one("#date-from", Input).focus()  # at the foot of the sidebar
        await pilot.pause()
        assert sidebar.scroll_offset.y > 0
        await pilot.press("escape")
        await pilot.pause()
        assert not sidebar.display  # lent, and given back
        await pilot.press(key)
        await sidebar.ready()
        await pilot.pause()
        shown = app.screen.query_one(target).region
        assert shown.height and sidebar.region.contains_region(shown)


async def test_a_sidebar_opened_for_a_search_gives_its_room_back() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        sidebar = app.screen.query_one(FilterSidebar)
        assert not sidebar.display  # hidden at 80 columns
        await pilot.press("slash")
        await sidebar.ready()
        await pilot.press(*"summit", "enter")
        await pilot.pause()
        assert not sidebar.display  # lent for the search, hidden again on Enter
        assert isinstance(app.focused, TimelineView)
        line = app.screen.query_one("#filter-line", Static)
        assert line.display and "summit" in str(line.render())
        await pilot.press("t")
        await sidebar.ready()
        await pilot.press("escape")
        await pilot.pause()
        assert not sidebar.display  # the same for the themes, and Esc
        await pilot.press("slash")
        await sidebar.ready()
        await pilot.click(TimelineView)  # the keyboard back by the mouse: still lent
        assert isinstance(app.focused, TimelineView) and sidebar.display
        await pilot.press("escape")
        await pilot.pause()
        assert not sidebar.display  # Esc gives it back from the timeline too
        await pilot.press("f", "slash", "enter")  # shown with f, it stays
        await pilot.pause()
        assert sidebar.display
