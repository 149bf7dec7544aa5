"""Command palette entries: go to any event, open any source, filter by any theme."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from timeline.dates import describe
from timeline.text import sanitize

if TYPE_CHECKING:
    from timeline.ui.app import TimelineApp

__all__ = ["TimelineCommands"]

_MAX_EVENT_HITS = 200
"""Palette hits from events are capped: past a screenful nobody reads them, and scoring
100,000 titles per keystroke would stall typing."""


class TimelineCommands(Provider):
    """Events by title or id, sources by title or outlet, and theme filters."""

    def _commands(self) -> list[tuple[str, str, object]]:
        app: TimelineApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, str, object]] = []
        for theme in app.dataset.themes:
            commands.append(
                (
                    f"Filter by theme: {sanitize(theme.label)}",
                    sanitize(theme.description),
                    partial(app.filter_by_theme, theme.id),
                )
            )
        for source in app.dataset.sources:
            commands.append(
                (
                    f"Open source: {sanitize(source.title)} ({sanitize(source.outlet)})",
                    f"{describe(source.published)} · {sanitize(source.id)}",
                    partial(app.open_source, source.id),
                )
            )
        return commands

    async def discover(self) -> Hits:
        """What the palette lists before anything is typed: themes and sources."""
        for text, help_text, command in self._commands():
            yield DiscoveryHit(Content(text), command, text=text, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        """Match the query against themes, sources, and event titles and ids."""
        app: TimelineApp = self.app  # type: ignore[assignment]
        matcher = self.matcher(query)
        for text, help_text, command in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)  # type: ignore[arg-type]
        hits = 0
        for event in app.index.events:
            text = f"Go to event: {sanitize(event.title)}"
            score = max(matcher.match(text), matcher.match(event.id))
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(app.go_to_event, event.id),
                    text=text,
                    help=f"{describe(event.date)} · {sanitize(event.id)}",
                )
                hits += 1
                if hits >= _MAX_EVENT_HITS:
                    break
