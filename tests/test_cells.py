"""Emoji sequences keep rows inside their width (issue 15).

Rich measures 👍🏽 and ❤️ as one grapheme of two cells each; tmux 3.3 draws 👍🏽 in four
cells and ❤️ in one, and other terminals draw flags and ZWJ sequences their own ways. So
what is laid out in cells must hold only code points whose width is the same whether a
terminal joins them or draws each alone: the width of a line, counted code point by
code point, is then the width Rich laid it out to.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from strategies import make_dataset, make_event
from tui_support import bundled, copy_bundled, make_app

from timeline.cli import main
from timeline.loader import Loaded
from timeline.model import Dataset, Event
from timeline.query import EventIndex
from timeline.text import sanitize_cells
from timeline.ui.widgets.detail_pane import DetailPane
from timeline.ui.widgets.timeline_view import TimelineView

SEQUENCES = [
    "Tokyo 🇯🇵🇺🇸 talks",  # flags: regional-indicator pairs
    "thumbs 👍🏽👍🏿 up",  # skin-tone modifiers
    "family 👨‍👩‍👧 and 🏳️‍🌈",  # ZWJ sequences
    "love ❤️ and keycap 1️⃣",  # VS16
    "Scotland 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f flag",  # tags
    "cafe\u0301 re\u0301sume\u0301",  # combining marks
]
TITLES = [" ".join(SEQUENCES[n:] + SEQUENCES[:n]) * (1 + n % 3) for n in range(len(SEQUENCES))]
"""Every sequence in every title, at different places, some titles cut to fit a row."""

_AMBIGUOUS = re.compile(
    "[\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff\ufe0f\u200d\U000e0000-\U000e007f]"
)


def _code_point_width(line: str) -> int:
    return sum(cell_len(char) for char in line)


def test_sanitize_cells_takes_apart_the_sequences_terminals_disagree_on() -> None:
    assert sanitize_cells("🇯🇵 👍🏽 👨‍👩‍👧 ❤️ 🏳️‍🌈") == "[JP] 👍 👨👩👧 ❤ 🏳🌈"
    assert sanitize_cells("🇯🇵🇺") == "[JP][U]"  # pairs from the left, as terminals pair them
    assert sanitize_cells("cafe\u0301 \x1b[2J") == "cafe\u0301 ␛[2J"  # still `sanitize`
    for text in TITLES:
        shown = sanitize_cells(text)
        assert not _AMBIGUOUS.search(shown)
        assert _code_point_width(shown) == cell_len(shown)


def _emoji_dataset() -> tuple[Loaded, list[str]]:
    dataset = bundled().dataset
    first = EventIndex(dataset).events[: len(TITLES)]
    retitled = {event.id: title for event, title in zip(first, TITLES, strict=True)}
    events = tuple(
        Event.new(
            id=e.id, date=e.date, title=retitled[e.id], summary=e.summary, themes=e.themes,
            actors=e.actors, places=e.places, status=e.status, date_basis=e.date_basis,
            quotes=e.quotes,
        ) if e.id in retitled else e
        for e in dataset.events
    )  # fmt: skip
    changed = Dataset(dataset.root, dataset.themes, dataset.sources, events)
    return Loaded(changed, ()), [event.id for event in first]


@pytest.mark.parametrize("size", [(80, 24), (120, 30)])
async def test_emoji_titles_stay_inside_their_rows_and_the_detail_pane(
    size: tuple[int, int],
) -> None:
    loaded, ids = _emoji_dataset()
    app = make_app(loaded, event=ids[0])
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        timeline = app.screen.query_one(TimelineView)
        strips = [timeline.render_line(y) for y in range(timeline.size.height)]
        lines = [strip.text for strip in strips]
        assert any("[JP]" in line for line in lines)  # the emoji rows are on screen
        for line in lines:
            assert _code_point_width(line) == cell_len(line) <= timeline.size.width, line
        width = timeline.scrollable_content_region.width  # the scroll bar is beside
        for strip in strips:  # the length a row is drawn with is the one it has
            assert strip.cell_length == cell_len(strip.text) == width, strip.text
        for event_id in ids:
            app.screen.query_one(DetailPane).show_event(
                next(e for e in loaded.dataset.events if e.id == event_id)
            )
            await pilot.pause()
            pane = app.screen.query_one(DetailPane)
            shown = [pane.render_line(y).text for y in range(pane.size.height)]
            assert any("👍" in line or "[JP]" in line for line in shown)
            for line in shown:
                assert _code_point_width(line) == cell_len(line) <= pane.size.width, line


def test_list_table_fits_and_exports_keep_the_exact_titles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_bundled(tmp_path)
    _, ids = _emoji_dataset()
    events_yaml = (folder / "events.yaml").read_text(encoding="utf-8")
    for event_id, title in zip(ids, TITLES, strict=True):
        event = next(e for e in bundled().dataset.events if e.id == event_id)
        old, new = (json.dumps(text, ensure_ascii=False) for text in (event.title, title))
        assert old in events_yaml
        events_yaml = events_yaml.replace(old, new, 1)
    (folder / "events.yaml").write_text(events_yaml, encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["list", str(folder), "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert "[JP]" in table
    for line in table.splitlines():
        assert _code_point_width(line) == cell_len(line) <= 80, line
    assert main(["export", str(folder), "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)["events"]
    assert main(["list", str(folder), "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    for records in (exported, listed):  # the data keeps every sequence as written
        assert set(TITLES) <= {event["title"] for event in records}


async def test_a_row_with_more_themes_than_its_slots_says_so() -> None:
    themes = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta")
    events = [
        make_event("eight-themes", "2023-01-13", themes=themes),
        make_event("five-themes", "2023-01-14", themes=themes[:5]),
    ]
    app = make_app(Loaded(make_dataset(events), ()))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        timeline = app.screen.query_one(TimelineView)
        lines = [timeline.render_line(y).text for y in range(timeline.size.height)]
        eight = next(line for line in lines if "eight-themes" in line)
        five = next(line for line in lines if "five-themes" in line)
        letters = eight.split("13 Jan 2023")[1].split("eight-themes")[0].strip()
        assert letters.endswith("…") and len(letters) == 5  # four letters, then "…"
        assert "…" not in five.split("five-themes")[0]  # five fit: all shown
