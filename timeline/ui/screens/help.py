"""The help screen: every key binding of the app, grouped by where it works."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["HelpScreen", "binding_rows"]

_KEY_NAMES = {
    "escape": "Esc",
    "enter": "Enter",
    "question_mark": "?",
    "slash": "/",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "space": "Space",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "down": "↓",
    "up": "↑",
    "left": "←",
    "right": "→",
    "home": "Home",
    "end": "End",
}


def _key_label(keys: str) -> str:
    labels = []
    for key in keys.split(","):
        key = key.strip()
        label = _KEY_NAMES.get(key, key)
        if label.startswith("ctrl+"):
            label = "Ctrl+" + label[5:].upper()
        labels.append(label)
    return " / ".join(labels)


def binding_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """`(keys, description)` for each binding, keys spelled as a person types them."""
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding):
            keys, description = binding.key, binding.description
        else:
            keys, description = binding[0], binding[2] if len(binding) > 2 else binding[1]
        rows.append((_key_label(keys), description))
    return rows


class HelpScreen(ModalScreen[None]):
    """A list of every binding; any of Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close help"),
    ]
    """Closing keys."""

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self._sections = sections

    def compose(self) -> ComposeResult:
        """One block per place the keys work."""
        with VerticalScroll(id="help"):
            yield Static(Content("Keys  (Esc, q or ? closes)"), id="help-title")
            for title, rows in self._sections:
                width = max((len(keys) for keys, _ in rows), default=0) + 3
                lines = [Content(title).stylize("bold $accent")]
                lines.extend(
                    Content.assemble((f"  {keys:<{width}}", "bold"), description)
                    for keys, description in rows
                )
                yield Static(Content("\n").join(lines), classes="help-section")

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
