"""Surgical edits of `events.yaml`: new text at the right place, every other byte kept.

A new event goes in date order, a new quote under its event, a new theme at the end of
the vocabulary, each written the way the file already writes its neighbours (their
indentation, blank lines between events, CRLF line ends, a BOM). Nothing else in the
file changes: its comments, quoting style, key order and blank lines stay exactly as the
user wrote them.

`insert_event`, `insert_quote` and `insert_theme` only compute the `Change` (pure text
to text). An `Editor` applies changes to a dataset on disk (see there): each new text is
loaded with the loader's own rules first, so nothing invalid is ever written.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from timeline.atomic import write_atomically
from timeline.dates import EdtfError, parse_edtf
from timeline.diagnostics import DatasetError, Diagnostic, Severity
from timeline.model import Loaded, resolve_dataset

__all__ = [
    "Change",
    "EditError",
    "Editor",
    "FileChangedError",
    "NewEvent",
    "insert_event",
    "insert_quote",
    "insert_theme",
    "slug",
    "suggest_event_id",
    "yaml_string",
]

_Parser: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class EditError(Exception):
    """An edit that was refused; nothing was written.

    `diagnostics` are the loader's errors (and the edit's own warnings) when the edit
    would have made the dataset invalid; empty when the message says it all.
    """

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = tuple(diagnostics)


class FileChangedError(EditError):
    """The events file changed on disk since it was read: the edit is refused."""


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to add, with its values as they will be written (dates in EDTF)."""

    id: str
    date: str
    title: str
    summary: str
    themes: tuple[str, ...]
    status: str
    quotes: tuple[tuple[str, str], ...]
    """(source id, quote) pairs; an event needs at least one."""
    actors: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    date_basis: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """Replace `text[start:end]` (nearly always empty: an insertion) with `new`."""

    start: int
    end: int
    new: str

    def apply(self, text: str) -> str:
        """`text` with the change made."""
        return text[: self.start] + self.new + text[self.end :]


def slug(*parts: str, limit: int = 60) -> str:
    """An id made of the words of `parts`: "Summit in Tokyo", "2023-01" → "summit-in-tokyo-2023-01".

    Accents are dropped (é → e); anything but ASCII letters and digits separates words.
    """
    words: list[str] = []
    for part in parts:
        plain = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
        words.append(re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-"))
    return "-".join(w for w in words if w)[:limit].strip("-")


def suggest_event_id(date: str, title: str, taken: set[str] | frozenset[str]) -> str:
    """An unused event id from a title and an EDTF date ("summit-in-tokyo-2023-01-13"),
    with "-2", "-3"… if it is taken; "event-DATE" for a title with no usable letters."""
    base = slug(title, limit=48)
    base = slug(base, date) if base else slug("event", date)
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


# -- where things are ------------------------------------------------------------------


@dataclass(slots=True)
class _Node:
    """A node's place in the text, as character offsets (libyaml's mark indexes)."""

    start: int
    end: int
    last: int
    """Just past the last character of its content: for a block collection, the end of
    its last scalar (libyaml ends a block at the next token, after any comments)."""
    flow: bool = False
    value: str | None = None
    mapping: bool = False
    entries: list[tuple[str | None, int, _Node]] = field(default_factory=list)
    """(key, where the key starts, value) for a mapping; (None, start, item) for a list."""

    def get(self, key: str) -> tuple[int, _Node] | None:
        """Where `key` starts and its value, in a mapping."""
        return next(((at, node) for name, at, node in self.entries if name == key), None)

    def scalar(self, key: str) -> str | None:
        """The scalar value of `key` in a mapping (None: no such key, or not a scalar)."""
        found = self.get(key)
        return found[1].value if found is not None else None

    @property
    def is_collection(self) -> bool:
        return self.value is None and (self.mapping or self.flow or bool(self.entries))


def _index(mark: Any) -> int:
    """A libyaml mark's offset in the text, in characters."""
    return int(mark.index)


def _layout(text: str) -> _Node:
    """The tree of a (valid) events file, every node with where it starts and ends (read
    from libyaml's events: the loader's tree records only where nodes start)."""
    stack: list[tuple[_Node, list[_Node]]] = []  # open collections, with their nodes so far
    root: _Node | None = None
    try:
        for event in yaml.parse(text, Loader=_Parser):
            node: _Node | None = None
            if isinstance(event, yaml.ScalarEvent):
                empty = event.value == "" and event.implicit[0]
                start, end = _index(event.start_mark), _index(event.end_mark)
                # A block scalar (`|`, `>`) ends, to libyaml, at the next token, past the
                # blank lines after it; an empty plain value (`key:`) is placed there too.
                while end > start and text[end - 1] in " \t\r\n":
                    end -= 1
                node = _Node(start, end, -1 if empty else end, value=event.value)
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                start = _index(event.start_mark)
                mapping = isinstance(event, yaml.MappingStartEvent)
                stack.append((_Node(start, start, -1, bool(event.flow_style), None, mapping), []))
                continue
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                node, inside = stack.pop()
                node.end = _index(event.end_mark)
                if node.flow:
                    node.last = node.end
                if node.mapping:  # keys and values alternate (an alias adds no node)
                    pairs = zip(inside[::2], inside[1::2], strict=False)
                    node.entries = [(key.value or "", key.start, value) for key, value in pairs]
                else:
                    node.entries = [(None, item.start, item) for item in inside]
            if node is None:
                continue
            if not stack:
                root = node
                continue
            parent, inside = stack[-1]
            parent.last = max(parent.last, node.last)
            inside.append(node)
    except yaml.YAMLError as exc:
        raise EditError(f"the events file cannot be parsed: {exc}") from None
    if root is None or not root.mapping:
        raise EditError("the events file is not a mapping of version, themes and events")
    return root


def yaml_string(value: str) -> str:
    """`value` as a one-line double-quoted YAML scalar (line breaks and controls escaped)."""
    dumped: str = yaml.dump(value, default_style='"', allow_unicode=True, width=float("inf"))
    return dumped.rstrip("\n")


def _flow_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(yaml_string(v) for v in values) + "]"


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _next_line(text: str, at: int) -> int:
    """The start of the line after the one holding `at` (the end of the text if none)."""
    newline = text.find("\n", at)
    return len(text) if newline == -1 else newline + 1


def _dash(text: str, item_start: int) -> int:
    """Where the `-` of a block list item stands (before its first key)."""
    at = item_start
    while at > 0 and text[at - 1] in " \n\r\t":
        at -= 1
    return at - 1 if at > 0 and text[at - 1] == "-" else item_start


def _column(text: str, at: int) -> int:
    return at - _line_start(text, at)


def _item_indent(
    text: str, items: list[tuple[str | None, int, _Node]], default: int
) -> tuple[int, int]:
    """The column of an item's `-` and of its keys, as the list's first item has them."""
    if not items:
        return default, default + 2
    start = items[0][2].start
    dash = _dash(text, start)
    dash_col, key_col = _column(text, dash), _column(text, start)
    if _line_start(text, dash) != _line_start(text, start) or key_col <= dash_col:
        key_col = dash_col + 2
    return dash_col, key_col


def _separated(text: str, items: list[tuple[str | None, int, _Node]], default: bool) -> bool:
    """Whether the file puts a blank line between these items."""
    if len(items) < 2:
        return default
    gap = text[items[0][2].last : _line_start(text, _dash(text, items[1][2].start))]
    # The lines strictly between the end of the first item and the second's first line.
    return any(not line.strip() for line in gap.split("\n")[1:-1])


def _block(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _append(
    text: str, root: _Node, key: str, items_text: str, what: str
) -> tuple[Change | None, _Node | None]:
    """A change that makes the collection under top-level `key` hold `items_text` (a
    block, one item or several, each line ending in a newline) when it is empty or
    missing; or (None, node) for a non-empty block collection, which the caller extends."""
    found = root.get(key)
    if found is None:
        prefix = "" if not text or text.endswith("\n") else "\n"
        return Change(len(text), len(text), f"{prefix}\n{key}:\n{items_text}"), None
    key_at, node = found
    if node.is_collection and node.entries and not node.flow:
        return None, node
    if node.is_collection and node.entries:
        raise EditError(
            f"'{key}' is written in flow style ([...] or {{...}}) on one line: add {what} "
            "by hand, or rewrite it as a block list"
        )
    body = "\n" + items_text.rstrip("\n")
    if node.is_collection:  # `key: []` or `key: {}`: the brackets make way for the block
        colon = text.index(":", key_at + len(key))
        return Change(colon + 1, node.end, body), None
    # `key:` with no value: the block goes after the line (and any comment on it).
    if node.last != -1:
        raise EditError(f"'{key}' holds text, not a list: fix it by hand first")
    end = _next_line(text, key_at)
    at = end - 1 if end and text[end - 1 : end] == "\n" else end
    if at > 0 and text[at - 1] == "\r":
        at -= 1
    return Change(at, at, body), None


def _after(text: str, node: _Node, block: str, *, blank: bool) -> Change:
    """A change that puts `block` after the line where `node`'s content ends."""
    at = _next_line(text, node.last)
    prefix = "\n" if at == len(text) and not text.endswith("\n") else ""
    return Change(at, at, prefix + ("\n" if blank else "") + block)


def _crlf(text: str, change: Change) -> Change:
    """The change with the file's own line ends."""
    if "\r\n" not in text:
        return change
    return Change(change.start, change.end, change.new.replace("\r\n", "\n").replace("\n", "\r\n"))


# -- the three edits -------------------------------------------------------------------


def _event_lines(event: NewEvent, dash: int, key: int) -> list[str]:
    pad = " " * key
    lines = [
        " " * dash + "-" + " " * (key - dash - 1) + f"id: {yaml_string(event.id)}",
        f"{pad}date: {yaml_string(event.date)}",
        f"{pad}title: {yaml_string(event.title)}",
        f"{pad}summary: {yaml_string(event.summary)}",
        f"{pad}themes: {_flow_list(event.themes)}",
        f"{pad}actors: {_flow_list(event.actors)}",
        f"{pad}places: {_flow_list(event.places)}",
        f"{pad}status: {yaml_string(event.status)}",
    ]
    if event.date_basis:
        lines.append(f"{pad}date_basis: {yaml_string(event.date_basis)}")
    lines.append(f"{pad}sources:")
    for source, quote in event.quotes:
        lines += _quote_lines(source, quote, key + 2, key + 4)
    return lines


def _quote_lines(source: str, quote: str, dash: int, key: int) -> list[str]:
    return [
        " " * dash + "-" + " " * (key - dash - 1) + f"source: {yaml_string(source)}",
        " " * key + f"quote: {yaml_string(quote)}",
    ]


def _sort_key(date: str) -> tuple[int, int]:
    try:
        return parse_edtf(date).sort_key
    except EdtfError as exc:
        raise EditError(f"invalid date '{date}': {exc}") from None


def _event_ids(root: _Node) -> dict[str, _Node]:
    found = root.get("events")
    items = found[1].entries if found is not None else []
    return {key: item for _, _, item in items if (key := item.scalar("id")) is not None}


def insert_event(text: str, event: NewEvent) -> Change:
    """The change that adds `event` to the file's `events`, in date order: after the last
    event that the timeline sorts before or with it (first if none does).

    Raises:
        EditError: the id is taken, the date is not EDTF, there is no quote, or the
            events list is written in a style this cannot extend.
    """
    if not event.quotes:
        raise EditError("an event needs at least one quote (--source ID --quote TEXT)")
    root = _layout(text)
    if event.id in _event_ids(root):
        raise EditError(f"event id '{event.id}' is already used; choose another")
    key = _sort_key(event.date)
    found = root.get("events")
    items = found[1].entries if found is not None else []
    dash, key_col = _item_indent(text, items, 2)
    block = _block(_event_lines(event, dash, key_col))
    change, events = _append(text, root, "events", block, "an event")
    if change is not None:
        return _crlf(text, change)
    assert events is not None
    blank = _separated(text, events.entries, default=True)
    before = [
        item
        for _, _, item in events.entries
        if (date := item.scalar("date")) is not None and _sort_key(date) <= key
    ]
    if before:
        return _crlf(text, _after(text, before[-1], block, blank=blank))
    first = _line_start(text, _dash(text, events.entries[0][2].start))
    return _crlf(text, Change(first, first, block + ("\n" if blank else "")))


def insert_quote(text: str, event_id: str, source_id: str, quote: str) -> Change:
    """The change that adds a citation of `source_id` with `quote` at the end of the
    event's `sources`.

    Raises:
        EditError: no such event, the same quote is already there, or its `sources` is
            written in a style this cannot extend.
    """
    root = _layout(text)
    event = _event_ids(root).get(event_id)
    if event is None:
        raise EditError(f"no event with id '{event_id}'")
    found = event.get("sources")
    if found is None or not found[1].entries or found[1].flow:
        raise EditError(f"the sources of event '{event_id}' are not a block list to add to")
    sources = found[1]
    for _, _, item in sources.entries:
        if (item.scalar("source"), item.scalar("quote")) == (source_id, quote):
            raise EditError(f"event '{event_id}' already has this quote of '{source_id}'")
    dash, key = _item_indent(text, sources.entries, 0)
    return _crlf(
        text, _after(text, sources, _block(_quote_lines(source_id, quote, dash, key)), blank=False)
    )


def insert_theme(text: str, theme_id: str, label: str, description: str) -> Change:
    """The change that adds a theme at the end of the vocabulary (`themes`).

    Raises:
        EditError: the theme exists, or `themes` is written in a style this cannot extend.
    """
    root = _layout(text)
    found = root.get("themes")
    themes = found[1] if found is not None else None
    if themes is not None and themes.get(theme_id) is not None:
        raise EditError(f"theme '{theme_id}' is already in the vocabulary")
    key_col, sub_col = 2, 4
    if themes is not None and themes.entries and not themes.flow:
        key_col = _column(text, themes.entries[0][1])
        first = themes.entries[0][2]
        flow = not first.mapping or first.flow or not first.entries
        sub_col = key_col + 2 if flow else _column(text, first.entries[0][1])
    block = _block(
        [
            " " * key_col + f"{theme_id}:",
            " " * sub_col + f"label: {yaml_string(label)}",
            " " * sub_col + f"description: {yaml_string(description)}",
        ]
    )
    change, node = _append(text, root, "themes", block, "a theme")
    if change is None:
        assert node is not None
        change = _after(text, node, block, blank=_separated(text, node.entries, default=False))
    return _crlf(text, change)


# -- applying edits to a dataset on disk -----------------------------------------------


class Editor:
    """Edits of one dataset's events file: each checked, written atomically, undoable.

    The file is read once; every edit is computed from those bytes and refused
    (`FileChangedError`, never merged) when the file on disk no longer holds them. The
    bytes before each edit are kept for `undo` as long as the editor lives.
    """

    def __init__(self, path: str | Path | None) -> None:
        self.root, self.file = resolve_dataset(path)
        try:
            self.data = self.file.read_bytes()
        except OSError as exc:
            raise EditError(f"cannot read {self.file}: {exc.strerror or exc}") from None
        self._undo: list[bytes] = []

    @property
    def text(self) -> str:
        """The file's text as read (or as last written), without a BOM."""
        return self.data.removeprefix(codecs.BOM_UTF8).decode("utf-8")

    @property
    def can_undo(self) -> bool:
        """Whether an edit made by this editor can be undone."""
        return bool(self._undo)

    def changed_on_disk(self) -> bool:
        """Whether the file on disk differs from what this editor read or wrote."""
        try:
            return self.file.read_bytes() != self.data
        except OSError:
            return True

    def add_event(self, event: NewEvent) -> Loaded:
        """Add an event in date order; the dataset as now written."""
        return self.apply(insert_event(self.text, event))

    def add_quote(self, event_id: str, source_id: str, quote: str) -> Loaded:
        """Add a quote to an event; the dataset as now written."""
        return self.apply(insert_quote(self.text, event_id, source_id, quote))

    def add_theme(self, theme_id: str, label: str, description: str) -> Loaded:
        """Add a theme to the vocabulary; the dataset as now written."""
        return self.apply(insert_theme(self.text, theme_id, label, description))

    def apply(self, change: Change) -> Loaded:
        """Make `change`, if the result loads without errors and the file is unchanged.

        Raises:
            FileChangedError: the file changed on disk since it was read.
            EditError: the result would not load (its `diagnostics` say why), or the
                file cannot be written; in every case nothing was written.
        """
        bom = codecs.BOM_UTF8 if self.data.startswith(codecs.BOM_UTF8) else b""
        previous = self.data
        loaded = self._write(bom + change.apply(self.text).encode("utf-8"))
        self._undo.append(previous)
        return loaded

    def undo(self) -> Loaded:
        """Put back the bytes from before the last edit (checked and written as an edit).

        Raises:
            EditError: nothing to undo, or as `apply`.
        """
        if not self._undo:
            raise EditError("nothing to undo")
        loaded = self._write(self._undo[-1])
        self._undo.pop()
        return loaded

    def _write(self, data: bytes) -> Loaded:
        from timeline.loader import load_dataset  # PyYAML's loader path, only when editing

        if self.changed_on_disk():
            raise FileChangedError(
                f"{self.file} changed on disk since it was read; nothing was written "
                "(reload, then make the edit again)"
            )
        try:
            text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
            loaded = load_dataset(self.file, events_text=text)
        except DatasetError as error:
            errors = [d for d in error.diagnostics if d.severity is Severity.ERROR]
            raise EditError(
                f"the edit would make the dataset invalid; nothing was written to {self.file}",
                errors or error.diagnostics,
            ) from None
        try:
            write_atomically(self.file, data)
        except OSError as exc:
            raise EditError(f"cannot write {self.file}: {exc.strerror or exc}") from None
        self.data = data
        # Read back: what is on disk must be what was checked.
        if self.changed_on_disk():
            raise FileChangedError(f"{self.file} changed while it was being written")
        return loaded
