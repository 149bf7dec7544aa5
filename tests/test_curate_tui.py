"""Curating in the TUI: select a passage in an article, quote it in an event, start a
new event from it, undo, and the refusals (an invalid date, a file changed on disk)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.command import CommandPalette
from textual.widgets import Input, Static
from tui_support import copy_bundled, notifications

from timeline.coverage import sentences
from timeline.loader import load_dataset
from timeline.text import normalize
from timeline.ui.app import TimelineApp
from timeline.ui.screens.article import ArticleScreen
from timeline.ui.screens.event_form import EventForm
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.article_view import ArticleView

SIZE = (120, 40)


@pytest.fixture
def folder(tmp_path: Path, private_cache: Path) -> Path:
    (tmp_path / "data").mkdir()
    return copy_bundled(tmp_path / "data")


async def _settle(app: TimelineApp, pilot: object) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]


async def _new_event_form(app: TimelineApp, pilot: object) -> EventForm:
    """The new-event form, started from the sentence selected in the first article."""
    await _article_with_selection(app, pilot)
    await pilot.press("s", "E")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    form = app.screen
    assert isinstance(form, EventForm)
    return form


async def _article_with_selection(app: TimelineApp, pilot: object) -> ArticleScreen:
    await pilot.press("enter", "v")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, ArticleScreen)
    return screen


async def test_selecting_by_word_and_sentence_shows_the_quote(folder: Path) -> None:
    app = TimelineApp(load_dataset(folder))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _article_with_selection(app, pilot)
        view = screen.query_one(ArticleView)
        quote = screen.event.quotes[0]
        article = app.dataset.source(quote.source_id).text  # type: ignore[union-attr]
        start, end = view.selection or (0, 0)
        assert start == quote.span.start and " " not in article[start:end]
        preview = screen.query_one("#selection-preview", Static)
        assert preview.display and article[start:end] in str(preview.render())

        await pilot.press("w", "w")
        two_more = view.selection
        assert two_more is not None and len(article[slice(*two_more)].split()) == 3
        await pilot.press("b")
        assert len(article[slice(*view.selection)].split()) == 2  # type: ignore[misc]
        await pilot.press("s")
        sentence = article[slice(*view.selection)]  # type: ignore[misc]
        assert (
            sentence.rstrip("”’\"')").endswith((".", "!", "?"))
            or "\n"
            in article[
                view.selection[1] : view.selection[1]
                + 2  # type: ignore[index]
            ]
        )
        assert screen.selected_quote() == sentence

        await pilot.press("escape")
        assert view.selection is None and not preview.display
        assert app.screen is screen  # the first Esc ends the selection only
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_a_sentence_more_runs_past_abbreviations_as_coverage_counts_it(
    folder: Path,
) -> None:
    """`s` ends the selection where `timeline coverage` ends the sentence: not at the
    "Jan." of "the Jan. 6 assault" or the "U.S." of "the U.S. President"."""
    app = TimelineApp(load_dataset(folder))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _article_with_selection(app, pilot)  # 6 Jan 2021: "… the Jan. 6 …"
        view = screen.query_one(ArticleView)
        start = view.selection[0]  # type: ignore[index]
        line_start = view.text.rfind("\n", 0, start) + 1
        line = view.text[line_start : view.text.find("\n", start)]
        end = next(line_start + b for a, b in sentences(line) if line_start + b > start)
        await pilot.press("s")
        assert view.selection == (start, end)
        assert view.text[start:end].endswith("at the White House in Washington on Friday.")


async def test_dragging_the_mouse_selects_a_passage(folder: Path) -> None:
    app = TimelineApp(load_dataset(folder))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        await pilot.mouse_down(view, offset=(1, 0))
        await pilot.hover(view, offset=(10, 0))
        await pilot.mouse_up(view, offset=(10, 0))
        await pilot.pause()
        first = view.offset_at(1, 0)
        assert view.selection == (first, first + 10)  # the 10th character included
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert screen.selected_quote() == view.text[first : first + 10]
        await pilot.click(view, offset=(5, 0))  # a click alone selects nothing
        await pilot.pause()
        assert view.selection is None


async def test_a_u_typed_fast_after_slash_is_a_letter_not_an_undo(folder: Path) -> None:
    app = TimelineApp(load_dataset(folder))
    async with app.run_test(size=SIZE) as pilot:
        await _article_with_selection(app, pilot)
        await pilot.press("s", "a")  # quote the selection in its event: one edit to undo
        await _settle(app, pilot)
        edited = (folder / "events.yaml").read_bytes()
        # As a terminal delivers a fast "/ux": every key is queued before "/" has moved
        # the keyboard to the search box, so "u" reaches the app from the timeline.
        for key, character in (("slash", "/"), ("u", "u"), ("x", "x")):
            app.post_message(events.Key(key, character))
        await _settle(app, pilot)
        assert isinstance(app.focused, Input) and app.focused.id == "search"
        assert (folder / "events.yaml").read_bytes() == edited  # the edit stands


async def test_attach_writes_the_quote_reloads_on_the_event_and_undo_restores(
    folder: Path,
) -> None:
    before = (folder / "events.yaml").read_bytes()
    app = TimelineApp(load_dataset(folder))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _article_with_selection(app, pilot)
        event_id = screen.event.id
        await pilot.press("s")
        quote = screen.selected_quote()
        assert quote
        await pilot.press("a")
        await _settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.main_screen.selected_event_id == event_id
        event = app.dataset.full(app.dataset.event(event_id))  # type: ignore[union-attr]
        assert normalize(event.quotes[-1].text) == normalize(quote)
        assert load_dataset(folder).dataset.event(event_id).quotes[-1].text == quote
        after = (folder / "events.yaml").read_bytes()
        assert after.startswith(before[:100]) and len(after) > len(before)

        await pilot.press("u")
        await _settle(app, pilot)
        assert (folder / "events.yaml").read_bytes() == before
        assert len(app.dataset.full(app.dataset.event(event_id)).quotes) == len(event.quotes) - 1  # type: ignore[union-attr]


async def test_attach_to_any_event_through_the_palette(folder: Path) -> None:
    app = TimelineApp(load_dataset(folder))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _article_with_selection(app, pilot)
        await pilot.press("s", "A")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"nasa")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await _settle(app, pilot)
        target = app.main_screen.selected_event_id
        assert target is not None and target != screen.event.id
        quotes = load_dataset(folder).dataset.event(target).quotes
        assert quotes[-1].source_id == screen.source_id


async def test_a_new_event_from_the_selection(folder: Path) -> None:
    app = TimelineApp(load_dataset(folder))
    async with app.run_test(size=SIZE) as pilot:
        form = await _new_event_form(app, pilot)
        form.query_one("#date", Input).value = "2023-01-13"
        assert app.focused is form.query_one("#date", Input)
        # A fast Tab then the title: every letter lands in the title, none in the date.
        for key, character in [("tab", "\t"), *((c, c) for c in "Biden commends Japan")]:
            key = {" ": "space", "'": "apostrophe"}.get(key, key)
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert form.query_one("#title", Input).value == "Biden commends Japan"
        assert form.query_one("#date", Input).value == "2023-01-13"
        assert "13 Jan 2023" in str(form.query_one("#date-preview", Static).render())
        assert form.query_one("#event-id", Input).value == "biden-commends-japan-2023-01-13"
        form.query_one("#summary", Input).value = "Biden praised Japan's defence plans."
        form.query_one("#themes", Input).value = "alliance, Defence budgets"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert app.main_screen.selected_event_id == "biden-commends-japan-2023-01-13"
        dataset = load_dataset(folder).dataset
        event = dataset.event("biden-commends-japan-2023-01-13")
        assert event.themes == ("alliance", "defence-budgets") and len(event.quotes) == 1
        assert dataset.theme("defence-budgets").label == "Defence budgets"
        await pilot.press("u")  # one undo takes back the theme and the event
        await _settle(app, pilot)
        assert "defence-budgets" not in (folder / "events.yaml").read_text("utf-8")


async def test_a_theme_typed_as_its_label_is_that_theme_not_a_new_one(folder: Path) -> None:
    """The sidebar shows themes by label: typed so in the form ("security & defence"),
    a theme is the one of that label, not a second "Security & defence"."""
    app = TimelineApp(load_dataset(folder))
    async with app.run_test(size=SIZE) as pilot:
        form = await _new_event_form(app, pilot)
        for field, value in {
            "date": "2023-01-13",
            "title": "Biden commends Japan",
            "summary": "Biden praised Japan's defence plans.",
            "themes": "security & defence, Space, alliance",
        }.items():
            form.query_one(f"#{field}", Input).value = value
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
    dataset = load_dataset(folder).dataset
    assert dataset.event("biden-commends-japan-2023-01-13").themes == (
        "security",
        "space",
        "alliance",
    )
    assert len(dataset.themes) == len(load_dataset().dataset.themes)


async def test_an_invalid_date_is_explained_and_nothing_is_written(folder: Path) -> None:
    before = (folder / "events.yaml").read_bytes()
    app = TimelineApp(load_dataset(folder))
    async with app.run_test(size=SIZE) as pilot:
        await _article_with_selection(app, pilot)
        await pilot.press("E")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EventForm)
        form.query_one("#date", Input).value = "2023-13-45"
        form.query_one("#title", Input).value = "T"
        form.query_one("#summary", Input).value = "S"
        await pilot.pause()
        assert "not a date" in str(form.query_one("#date-preview", Static).render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "the date is not EDTF" in str(form.query_one("#form-errors", Static).render())
    assert (folder / "events.yaml").read_bytes() == before


async def test_an_edit_is_refused_when_the_file_changed_on_disk(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = TimelineApp(load_dataset(folder))
    said = notifications(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _article_with_selection(app, pilot)
        changed = (folder / "events.yaml").read_text("utf-8") + "# edited elsewhere\n"
        (folder / "events.yaml").write_text(changed, "utf-8")
        await pilot.press("a")
        await _settle(app, pilot)
        assert app.screen is screen  # no reload, no jump
        assert (folder / "events.yaml").read_text("utf-8") == changed
        assert any("changed on disk" in message for message in said)


async def test_the_bundled_dataset_is_never_edited(monkeypatch: pytest.MonkeyPatch) -> None:
    app = TimelineApp(load_dataset())
    said = notifications(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _article_with_selection(app, pilot)
        for key in ("a", "E"):  # refused before any form is filled in, not at its end
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen
            assert (
                sum("bundled dataset" in message for message in said) == ("a", "E").index(key) + 1
            )


async def test_a_new_dataset_says_how_to_add_its_first_event(
    tmp_path: Path, private_cache: Path
) -> None:
    from timeline.cli import main
    from timeline.ui.widgets.timeline_view import TimelineView

    assert main(["new", str(tmp_path / "new")]) == 0
    app = TimelineApp(load_dataset(tmp_path / "new"))
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        timeline = app.screen.query_one(TimelineView)
        shown = " ".join(timeline.render_line(y).text.strip() for y in range(1, 4))
        assert shown.startswith("No events yet. Add an article with `timeline add-source")
        assert "Press c to clear" not in shown  # no filter is on to clear
