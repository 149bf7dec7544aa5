"""The help screen: every key binding of the app, grouped by where it works, and a
legend of every mark the screens draw."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["LEGEND", "HelpScreen", "binding_rows"]

_KEY_NAMES = {
    "escape": "Esc",
    "enter": "Enter",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "space": "Space",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "home": "Home",
    "end": "End",
}
"""Keys spelled out where Textual's `format_key` abbreviates them (it gives the
symbols, `?`, `[`, `↓` and the like, as they are)."""


def _key_label(key: str) -> str:
    if key.startswith("ctrl+"):
        return "Ctrl+" + key[5:].upper()
    return _KEY_NAMES.get(key) or format_key(key)


def binding_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """`(keys, description)` for each binding, keys spelled as a person types them (the
    tooltip, where a binding has one, says more than the key bar's description)."""
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding):
            keys, description = binding.key, binding.tooltip or binding.description
        else:
            keys, description = binding[0], binding[2] if len(binding) > 2 else binding[1]
        rows.append((" / ".join(_key_label(key.strip()) for key in keys.split(",")), description))
    return rows


LEGEND = [
    ("● ◆ ◇", "Occurred, scheduled, planned (italic: not yet)"),
    ("≈ Dec 2022", "An approximate date; 2024? is uncertain"),
    ("by Mar 2025", "By then at the latest (the start is open)"),
    ("from 10 Apr 2024", "From then on (the end is open)"),
    ("7–12 Jan 2023", "From one date to another; Autumn: a season"),
    ("S A C", "The event's themes, a letter each (below)"),
    ("2 src", "How many articles the event quotes"),
    ("▁▃▅█", "Overview: events a month; lit: on screen"),
    ("▲", "Overview: the highlighted event's month"),
    ("╌╌╌", "Quote pane: between two quotes"),
    ("lit / underlined", "Article: your quote / other events' quotes"),
    ("▌", "Article: a passage no event cites (c: next)"),
    ("+●", "As of a day: new with the latest article"),
]
"""Every mark the screens draw, and what it means (the README has the same list)."""


def _section(title: str, rows: list[tuple[str, str]]) -> ComposeResult:
    """A title, then its rows: a key (or mark) in bold, then what it does. A grid, so a
    description too long for its line wraps under itself, not under the keys."""
    yield Static(Content(title).stylize("bold $accent"))
    width = max((len(keys) for keys, _ in rows), default=0) + 3
    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column()
    for keys, description in rows:
        grid.add_row(Text(f"  {keys:<{width}}", style="bold"), Text(description))
    yield Static(grid, classes="help-section")


class HelpScreen(ModalScreen[None]):
    """A list of every binding; any of Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
        Binding("j", "scroll('down')", "Scroll down", show=False),
        Binding("k", "scroll('up')", "Scroll up", show=False),
    ]
    """Closing keys, and j/k to scroll as everywhere else."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    """Its styling (help.tcss), parsed when the screen is first shown: in `app.tcss`
    Textual would parse it before the first frame (benchmarks/RESULTS.md)."""

    def __init__(
        self,
        sections: list[tuple[str, list[tuple[str, str]]]],
        themes: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        """Keys by `sections` (title, then keys and what they do), and the legend, with
        `themes` as each theme's letter, colour and label."""
        super().__init__()
        self._sections = sections
        self._themes = list(themes)

    def compose(self) -> ComposeResult:
        """The legend, then one block per place the keys work."""
        with VerticalScroll(id="help"):
            yield Static(Content("Help  (↓ ↑ or j k scroll; Esc, q or ? closes)"), id="help-title")
            # The marks first: they are on screen before any key is pressed.
            yield from _section("Legend", LEGEND)
            if self._themes:
                width = max(len(label) for _, _, label in self._themes)
                lines = [Content("Themes: a letter in the theme's colour").stylize("bold $accent")]
                lines.extend(
                    Content.assemble("  ", (f"{letter} {label:<{width}}", f"bold {colour}"))
                    for letter, colour, label in self._themes
                )
                yield Static(Content("\n").join(lines), classes="help-section")
            for title, rows in self._sections:
                yield from _section(title, rows)

    def action_scroll(self, direction: str) -> None:
        """Scroll the help a line."""
        help_text = self.query_one("#help", VerticalScroll)
        if direction == "down":
            help_text.scroll_down()
        else:
            help_text.scroll_up()
