"""The screen's bottom line: the keys the focused widget and its screen offer.

One widget drawing one line, instead of Textual's `Footer`, which mounts a widget per key
and mounts them all again whenever the focus moves: that made a Tab from the timeline
to the quote pane cost about three times the calls it costs now.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

__all__ = ["KeyBar"]

_KEY = "key-bar--key"
_DESCRIPTION = "key-bar--description"


class _Key(NamedTuple):
    key: str
    display: str
    description: str
    enabled: bool

    @property
    def cells(self) -> int:
        """The width the key takes on the line (as `KeyBar.render` draws it)."""
        return cell_len(f" {self.display} {self.description} ")


class KeyBar(Widget):
    """Every shown binding once per action, left to right, and the command palette's key
    on the right; a click on a key presses it, as in Textual's `Footer`."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {_KEY, _DESCRIPTION}
    """Styled in `app.tcss` with the theme's footer colours."""

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, _Key]] = []

    def on_mount(self) -> None:
        """Redraw whenever the screen's keys change (the focus moved, a key was enabled)."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        """Stop listening to the screen."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.refresh()

    def _keys(self) -> tuple[list[_Key], _Key | None]:
        """The shown keys, and the command palette's (None when the palette is off)."""
        app = self.app

        def as_key(binding: Binding, enabled: bool) -> _Key:
            return _Key(binding.key, app.get_key_display(binding), binding.description, enabled)

        active = self.screen.active_bindings
        keys: dict[str, _Key] = {}
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in keys:
                keys[binding.action] = as_key(binding, enabled)
        palette = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
        return list(keys.values()), None if palette is None else as_key(
            palette.binding, palette.enabled
        )

    def render(self) -> Text:
        """The keys that fit the width, whole; the palette's key when there is room."""
        key_style = self.get_component_rich_style(_KEY)
        description_style = self.get_component_rich_style(_DESCRIPTION)
        keys, palette = self._keys()
        width = self.size.width
        line = Text(no_wrap=True, end="")
        self._spans = []

        def add(key: _Key) -> None:
            start = line.cell_len
            line.append(f" {key.display} ", key_style)
            line.append(f"{key.description} ", description_style)
            if not key.enabled:
                line.stylize("dim", start)
            self._spans.append((start, line.cell_len, key))

        for key in keys:
            if line.cell_len + key.cells > width:
                break
            add(key)
        if palette is not None:
            room = width - line.cell_len - palette.cells
            if room >= 1:
                line.append(" " * room)
                add(palette)
        return line

    def on_click(self, event: events.Click) -> None:
        """Press the key under the pointer (a disabled one rings the bell)."""
        for start, end, key in self._spans:
            if start <= event.x < end:
                if key.enabled:
                    self.app.simulate_key(key.key)
                else:
                    self.app.bell()
                return
