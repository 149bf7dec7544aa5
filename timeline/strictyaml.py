"""A strict YAML reader: every scalar a string, every node located, nothing executed.

It walks libyaml's *event stream* (`yaml.parse` with the C parser when available) and
builds plain dicts, lists and strings itself, so no resolver or constructor ever runs:
`NO`, `2023-01-13`, `1:30` and `0755` stay strings, no tag can build an object, and an
alias can never expand (anchors and aliases are refused outright, so "billion laughs"
costs nothing). Nesting is capped while streaming, before libyaml's flow-level
bookkeeping (quadratic in depth) or PyYAML's recursive composer could hang or crash.

Every problem is collected as a `Diagnostic`; a syntax error ends the parse, since the
rest of the stream can no longer be trusted.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from timeline.diagnostics import Diagnostic, Severity

__all__ = [
    "MAX_DEPTH",
    "Located",
    "YMap",
    "YSeq",
    "YValue",
    "did_you_mean",
    "disallowed_characters",
    "parse_strict",
]

MAX_DEPTH = 64
"""The deepest nesting of mappings and sequences accepted. A dataset needs about 5."""

# libyaml's C parser when PyYAML was built with it (it nearly always is), else pure Python.
_Parser: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Located:
    """A 1-based line and column in a file."""

    line: int
    column: int


@dataclass(slots=True)
class YMap:
    """A YAML mapping: string keys to values, with where each key and value stands."""

    at: Located
    items: dict[str, YValue] = field(default_factory=dict)
    key_at: dict[str, Located] = field(default_factory=dict)
    value_at: dict[str, Located] = field(default_factory=dict)


@dataclass(slots=True)
class YSeq:
    """A YAML sequence, with where each item stands."""

    at: Located
    items: list[YValue] = field(default_factory=list)
    item_at: list[Located] = field(default_factory=list)


YValue = YMap | YSeq | str | None
"""A parsed node: a mapping, a sequence, a string, or None for an empty plain value
(`key:` with nothing after it)."""

# Characters a YAML file may not carry raw, or that would make our line numbers disagree
# with an editor's: C0 controls but tab/LF/CR, DEL, C1 controls (NEL is a line break to
# YAML 1.1 but not to editors), the Unicode line/paragraph separators, non-characters.
_DISALLOWED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def disallowed_characters(text: str) -> Iterator[tuple[int, int, str]]:
    r"""The (line, column, name) of each character a dataset's YAML may not contain raw.

    Escapes such as `"\\e"` in a double-quoted scalar are still allowed: the display
    layer makes such characters visible.
    """
    if text.isascii() and _DISALLOWED.search(text) is None:
        return
    line_start = 0
    line = 1
    newline_at = text.find("\n")
    for match in _DISALLOWED.finditer(text):
        position = match.start()
        while newline_at != -1 and newline_at < position:
            line += 1
            line_start = newline_at + 1
            newline_at = text.find("\n", line_start)
        char = match.group()
        yield line, position - line_start + 1, _char_name(char)


def _char_name(char: str) -> str:
    names = {"\x85": "NEL (U+0085, a line break to YAML but not to editors)"}
    if char in names:
        return names[char]
    return f"U+{ord(char):04X}"


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_strict(
    text: str,
    file: str,
    diagnostics: list[Diagnostic],
    *,
    line_offset: int = 0,
    progress: Callable[[int], None] | None = None,
) -> YValue:
    """Parse one YAML document into `YMap`/`YSeq`/`str`, appending problems to `diagnostics`.

    `line_offset` is added to every line (for front matter inside a larger file).
    `progress`, when given, is called now and then with the character offset reached.
    Returns None when the document is empty or could not be parsed.
    """

    def error(line: int, column: int, code: str, message: str) -> None:
        diagnostics.append(
            Diagnostic(file, line + line_offset, column, Severity.ERROR, code, message)
        )

    bad = list(disallowed_characters(text))
    for line, column, name in bad[:20]:
        error(
            line,
            column,
            "control-char",
            f"the file contains the character {name}; "
            "write it as an escape in a double-quoted string if it is meant",
        )
    if bad:
        return None

    root: YValue = None
    documents = 0
    # The stack holds open containers; for a mapping, also the key waiting for its value.
    stack: list[list[object]] = []
    events = 0
    try:
        # The stubs type events as the base class; each kind's fields are read as Any.
        stream: Iterator[Any] = yaml.parse(text, Loader=_Parser)
        for event in stream:
            events += 1
            if progress is not None and not events & 0x3FFF:
                progress(event.start_mark.index)
            kind = type(event)
            if (
                kind is yaml.ScalarEvent
                or kind is yaml.MappingStartEvent
                or (kind is yaml.SequenceStartEvent)
            ):
                mark = event.start_mark
                at = Located(mark.line + 1, mark.column + 1)
                if event.anchor is not None:
                    error(
                        at.line,
                        at.column,
                        "yaml-anchor",
                        f"anchors (&{event.anchor}) are not allowed: write the value out",
                    )
                if event.tag is not None:
                    error(
                        at.line,
                        at.column,
                        "yaml-tag",
                        f"explicit tags ({event.tag}) are not allowed: every value is text",
                    )
                node: YValue
                if kind is yaml.ScalarEvent:
                    # An empty plain scalar (`key:`) is "no value"; anything typed, even
                    # `null` or `NO`, stays the string it is.
                    empty = event.value == "" and event.implicit[0]
                    node = None if empty else event.value
                elif kind is yaml.MappingStartEvent:
                    node = YMap(at)
                else:
                    node = YSeq(at)
                is_key = False
                if stack:
                    parent = stack[-1]
                    container = parent[0]
                    if isinstance(container, YSeq):
                        container.items.append(node)
                        container.item_at.append(at)
                    else:
                        assert isinstance(container, YMap)
                        if parent[1] is _NO_KEY:
                            is_key = True
                            if not isinstance(node, str | None):
                                error(
                                    at.line,
                                    at.column,
                                    "yaml-key",
                                    "keys must be plain text, not a mapping or a list",
                                )
                                parent[1] = _BAD_KEY
                            else:
                                key = node or ""
                                if key in container.key_at:
                                    first = container.key_at[key]
                                    error(
                                        at.line,
                                        at.column,
                                        "duplicate-key",
                                        f"duplicate key '{key}' (first at line {first.line})",
                                    )
                                    parent[1] = _BAD_KEY
                                else:
                                    parent[1] = key
                                    container.key_at[key] = at
                        else:
                            key_name = parent[1]
                            if isinstance(key_name, str):
                                container.items[key_name] = node
                                container.value_at[key_name] = at
                            parent[1] = _NO_KEY
                elif documents == 1:
                    root = node
                if isinstance(node, YMap | YSeq):
                    stack.append([node, _NO_KEY, is_key])
                    if len(stack) > MAX_DEPTH:
                        error(
                            at.line,
                            at.column,
                            "too-deep",
                            f"nesting deeper than {MAX_DEPTH} levels; a dataset needs about 5",
                        )
                        return None
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                closed = stack.pop()
                if stack:
                    parent = stack[-1]
                    if isinstance(parent[0], YMap):
                        # After a value the next scalar is a key; after a refused
                        # (container) key comes its value, which is dropped.
                        parent[1] = _BAD_KEY if closed[2] else _NO_KEY
            elif kind is yaml.AliasEvent:
                mark = event.start_mark
                error(
                    mark.line + 1,
                    mark.column + 1,
                    "yaml-alias",
                    f"aliases (*{event.anchor}) are not allowed: write the value out",
                )
                if stack:
                    parent = stack[-1]
                    if isinstance(parent[0], YSeq):
                        parent[0].items.append(None)
                        parent[0].item_at.append(Located(mark.line + 1, mark.column + 1))
                    elif parent[1] is _NO_KEY:
                        parent[1] = _BAD_KEY
                    else:
                        parent[1] = _NO_KEY
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents == 2:
                    mark = event.start_mark
                    error(
                        mark.line + 1,
                        mark.column + 1,
                        "yaml-documents",
                        "the file holds more than one YAML document; keep one",
                    )
                    return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or "invalid YAML"
        lines = text.split("\n", line)
        if line <= len(lines) and "\t" in lines[line - 1][: column + 1]:
            problem += " (a tab: YAML indents with spaces only)"
        if exc.context:
            problem = f"{exc.context}: {problem}"
        error(line, column, "yaml-syntax", problem)
        return None
    except yaml.YAMLError as exc:
        error(1, 1, "yaml-syntax", str(exc).splitlines()[0] if str(exc) else "invalid YAML")
        return None
    return root


class _Marker:
    """A sentinel for the key slot of an open mapping."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_NO_KEY = _Marker("NO_KEY")
_BAD_KEY = _Marker("BAD_KEY")
