"""Command palette entries: go to any event, open any source, filter by any theme.

Textual's own `Matcher.highlight` and hit help texts are parsed as markup, so every
prompt here is built as plain `Content` and every help text is escaped: a title such as
`[@click=app.quit]` must show as typed in the palette too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from timeline.dates import describe
from timeline.text import fold_case, sanitize

if TYPE_CHECKING:
    from timeline.query import EventIndex
    from timeline.ui.app import TimelineApp

__all__ = ["TimelineCommands", "plain_highlight"]

_MAX_EVENT_HITS = 200
"""Palette hits from events are capped: past a screenful nobody reads them."""

_YIELD_EVERY = 2000
"""Events scanned between pauses, so that typing stays responsive at 100,000 events."""


_folded: tuple[object, list[str]] = (None, [])
"""The last index's event titles and ids, case-folded (one palette search per key)."""


def _folded_titles(index: EventIndex) -> list[str]:
    global _folded
    if _folded[0] is not index:
        _folded = (index, [f"{fold_case(e.title)}\n{e.id.casefold()}" for e in index.events])
    return _folded[1]


def plain_highlight(matcher: Matcher, text: str) -> Content:
    """`text` as plain content (never markup) with the matcher's hits styled."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if not score:
        return content
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class TimelineCommands(Provider):
    """Events by title or id, sources by title or outlet, and theme filters."""

    def _commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        app: TimelineApp = self.app  # type: ignore[assignment]
        dataset = app.dataset
        if dataset is None:
            return []
        commands: list[tuple[str, str, Callable[[], None]]] = [
            (
                f"Filter by theme: {sanitize(theme.label)}",
                sanitize(theme.description),
                partial(app.filter_by_theme, theme.id),
            )
            for theme in dataset.themes
        ]
        commands += [
            (
                f"Open source: {sanitize(source.title)} ({sanitize(source.outlet)})",
                f"{describe(source.published)} · {sanitize(source.id)}",
                partial(app.open_source, source.id),
            )
            for source in dataset.sources
        ]
        return commands

    async def discover(self) -> Hits:
        """What the palette lists before anything is typed: themes and sources."""
        for text, help_text, command in self._commands():
            yield DiscoveryHit(Content(text), command, text=text, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        """Match the query against themes, sources, and event titles and ids."""
        app: TimelineApp = self.app  # type: ignore[assignment]
        matcher = self.matcher(query)
        for text, help_text, command in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    plain_highlight(matcher, text),
                    command,
                    text=text,
                    help=escape(help_text),
                )
        if app.index is None:
            return
        # Events: a substring test first (cheap), the fuzzy score only for those found.
        wanted = fold_case(query)
        titles = _folded_titles(app.index)
        hits = 0
        for n, event in enumerate(app.index.events):
            if n % _YIELD_EVERY == _YIELD_EVERY - 1:
                await asyncio.sleep(0)
            if wanted not in titles[n]:
                continue
            text = f"Go to event: {sanitize(event.title)}"
            score = max(matcher.match(text), matcher.match(event.id), 0.01)
            yield Hit(
                score,
                plain_highlight(matcher, text),
                partial(app.go_to_event, event.id),
                text=text,
                help=escape(f"{describe(event.date)} · {sanitize(event.id)}"),
            )
            hits += 1
            if hits >= _MAX_EVENT_HITS:
                break
