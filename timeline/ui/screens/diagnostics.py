"""A screen listing a dataset's diagnostics, shown when a reload finds it invalid."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from timeline.diagnostics import Diagnostic, Severity, format_diagnostic

__all__ = ["DiagnosticsScreen"]


class DiagnosticsScreen(ModalScreen[None]):
    """Every diagnostic as `file:line:col: error [CODE] message`, in plain text."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "dismiss", "Close"),
        Binding("r", "app.reload", "Reload"),
    ]
    """Closing keys: back to the timeline, which still shows the last good data; r
    reloads from here (the app's own keys do not reach a modal screen), and the app
    closes this screen once the new result is in."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    """Its styling (diagnostics.tcss), parsed when the screen is first shown: in `app.tcss`
    Textual would parse it before the first frame (benchmarks/RESULTS.md)."""

    def __init__(self, diagnostics: Sequence[Diagnostic], explanation: str) -> None:
        """List `diagnostics` under a one-paragraph `explanation` of what happened."""
        super().__init__()
        self._diagnostics = tuple(diagnostics)
        self._explanation = explanation

    @property
    def text(self) -> str:
        """The diagnostics as shown: `format_diagnostic` output, which is sanitised."""
        return "\n".join(format_diagnostic(d) for d in self._diagnostics)

    def compose(self) -> ComposeResult:
        """The explanation, a count, and the diagnostics (never parsed as markup)."""
        errors = sum(d.severity is Severity.ERROR for d in self._diagnostics)
        with VerticalScroll(id="diagnostics"):
            yield Static(Content(self._explanation), id="diagnostics-title")
            yield Static(
                Content(f"{errors} error{'s' if errors != 1 else ''} (Esc closes, r reloads)"),
                id="diagnostics-count",
            )
            yield Static(Content(self.text), id="diagnostics-text")
