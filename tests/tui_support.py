"""Helpers shared by the TUI tests: the bundled dataset, a hostile one, and screen reading."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget

from timeline.dates import parse_edtf
from timeline.loader import Loaded, bundled_dataset_path, load_dataset
from timeline.model import Dataset, Event, Quote, Source, SourceKind, Span, Status, Theme
from timeline.ui.app import TimelineApp
from timeline.ui.widgets.timeline_view import TimelineView


@cache
def bundled() -> Loaded:
    """The bundled dataset, loaded once for the whole test run (it is immutable)."""
    return load_dataset()


def make_app(loaded: Loaded | None = None, **kwargs: object) -> TimelineApp:
    """A TimelineApp on the given (default: bundled) dataset."""
    return TimelineApp(loaded or bundled(), **kwargs)  # type: ignore[arg-type]


def notifications(app: TimelineApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The messages `app` notifies from now on (recorded through its public `notify`)."""
    said: list[str] = []
    notify = app.notify

    def record(message: str, **kwargs: object) -> None:
        said.append(message)
        notify(message, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(app, "notify", record)
    return said


def screen_lines(widget: TimelineView) -> list[str]:
    """The text of every line the widget shows right now."""
    return [widget.render_line(y).text for y in range(widget.size.height)]


def drawn_lines(widget: Widget) -> list[str]:
    """The text of every line `widget` draws, on screen or scrolled out of view."""
    return [strip.text for strip in widget.render_lines(Region(0, 0, *widget.outer_size))]


def drawn_segments(screen: Screen[Any]) -> list[Segment]:
    """Every segment the widgets on `screen` draw now, from each widget's own
    `render_lines`: what the screen's frame is put together from."""
    return [
        segment
        for widget in screen.query("*")
        if widget.region  # on screen: shown, and not scrolled or clipped out of view
        for strip in widget.render_lines(Region(0, 0, *widget.outer_size))
        for segment in strip
    ]


def copy_bundled(folder: Path) -> Path:
    """A writable copy of the bundled dataset (events.yaml and sources/) in `folder`."""
    root = bundled_dataset_path()
    shutil.copyfile(root / "events.yaml", folder / "events.yaml")
    shutil.copytree(root / "sources", folder / "sources")
    return folder


HOSTILE_TITLE = "[@click=app.quit]Click me[/] [bold]not bold[/] \x1b[2J\x1b]52;c;aGk=\x07 :smile:"
HOSTILE_QUOTE = (
    "[link=file:///etc/passwd]passwd[/link] and \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \\[x]"
)


def damage_store(db: Path, table: str) -> None:
    """Overwrite the first page of `table` (or index) in the store `db` with zeros, as a
    disk error might: SQLite finds it only when that table is read."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        (page,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
        (size,) = connection.execute("PRAGMA page_size").fetchone()
    with open(db, "r+b") as file:
        file.seek((page - 1) * size)
        file.write(bytes(size))


def hostile_dataset(trap: Path | None = None) -> Loaded:
    """A dataset whose every text field carries markup and escape sequences.

    Clickable markup in it names `trap`: if any of it were obeyed, a click would quit the
    app or write a screenshot there.
    """
    trap = trap or Path("/nonexistent/trap.svg")
    screenshot = f"[@click=app.screenshot('{trap.name}','{trap.parent}')]"
    body = f"Intro line.\n{HOSTILE_QUOTE} and then the rest of the article text.\n"
    start = body.index(HOSTILE_QUOTE)
    source = Source(
        id="evil",
        title="[red]Evil[/red] source \x1bc",
        outlet=f"{screenshot}Outlet[/]",
        published=parse_edtf("2024-01-02"),
        published_basis=None,
        kind=SourceKind.REPORT,
        byline=None,
        credit=None,
        path="sources/evil.txt",
        text=body,
        body_line=5,
    )
    quote = Quote("evil", HOSTILE_QUOTE, Span(start, start + len(HOSTILE_QUOTE), 6, 1))
    event = Event.new(
        id="evil-event",
        date=parse_edtf("2024-01-02"),
        title=HOSTILE_TITLE,
        summary="Summary with [b]markup[/b] and \x9b31m C1 CSI.",
        themes=("bad",),
        actors=("[@click=app.quit]Actor[/]", f"{screenshot}Actor 2[/]"),
        places=("\x1b[31mRed place",),
        status=Status.OCCURRED,
        date_basis="[i]basis[/i]",
        quotes=(quote,),
    )
    theme = Theme("bad", f"{screenshot}Bad theme[/]", "[@click=app.quit]x[/]")
    return Loaded(Dataset("hostile", (theme,), (source,), (event,)), ())
