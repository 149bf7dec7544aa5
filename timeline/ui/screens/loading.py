"""The first screen while a dataset loads in a thread worker: painted at once, so the
terminal answers straight away however big the dataset is."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static

__all__ = ["LoadingScreen"]


class LoadingScreen(Screen[None]):
    """A title, what is being read, and a progress bar that pulses until the data is in."""

    def __init__(self, what: str = "the dataset") -> None:
        """Show that `what` (a plain description, never markup) is loading."""
        super().__init__()
        self._what = what

    def compose(self) -> ComposeResult:
        """A centred box with the message and the bar."""
        yield Header()
        with Vertical(id="loading"):
            yield Static(Content(f"Loading {self._what}…"), id="loading-label")
            # No total yet: the bar pulses until the loader reports how far it is.
            yield ProgressBar(total=None, show_eta=False)
        yield Footer()

    def show_progress(self, fraction: float) -> None:
        """Show that the loader is `fraction` (0.0 to 1.0) of the way through."""
        self.query_one(ProgressBar).update(total=100, progress=round(fraction * 100, 1))
