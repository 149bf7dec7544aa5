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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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
_TOO_DEEP = f"nesting deeper than {MAX_DEPTH} levels; a dataset needs about 5"
_SHARE_UP_TO = 40

# libyaml's C parser when PyYAML was built with it (it nearly always is), else pure Python.
_Parser: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# `Located(line, column)` runs a Python-level `__new__`; a large file makes millions.
_new_located = tuple.__new__


class Located(NamedTuple):
    """A 1-based line and column in a file (a named tuple, as immutable as a frozen
    dataclass and several times faster to make: a large file has millions)."""

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
# A CR not followed by LF is a line break to YAML but not to most editors (a CRLF file
# is fine). Searched for only when CRs and CRLFs do not pair up: it is slower.
_LONE_CR = re.compile("\r(?!\n)")
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def disallowed_characters(text: str) -> Iterator[tuple[int, int, str]]:
    r"""The (line, column, name) of each character a dataset's YAML may not contain raw.

    Escapes such as `"\\e"` in a double-quoted scalar are still allowed: the display
    layer makes such characters visible.
    """
    lone_cr = "\r" in text and text.count("\r") != text.count("\r\n")
    if not lone_cr:
        # Searching only the characters outside printable ASCII is faster than the regex
        # over all of the text, even ASCII text: dropping those bytes from the UTF-8 form
        # runs at memory speed, and what is left (curly quotes, accents) is small.
        # None of the dropped characters is disallowed (CR alone was checked above).
        rest = text.encode("utf-8", "surrogatepass").translate(None, _PLAIN_ASCII)
        if _DISALLOWED.search(rest.decode("utf-8", "surrogatepass")) is None:
            return
    positions = [match.start() for match in _DISALLOWED.finditer(text)]
    if lone_cr:
        positions = sorted(positions + [match.start() for match in _LONE_CR.finditer(text)])
    line_start = 0
    line = 1
    newline_at = text.find("\n")
    for position in positions:
        while newline_at != -1 and newline_at < position:
            line += 1
            line_start = newline_at + 1
            newline_at = text.find("\n", line_start)
        yield line, position - line_start + 1, _char_name(text[position])


_CHAR_NAMES = {
    "\x00": "NUL",
    "\r": "CR, a carriage return without a line feed: a line break to YAML but not to editors",
    "\x07": "BEL, the terminal bell",
    "\x08": "BS, backspace",
    "\x0b": "VT, vertical tab",
    "\x0c": "FF, form feed",
    "\x1b": "ESC, which starts terminal control sequences",
    "\x7f": "DEL",
    "\x85": "NEL, a line break to YAML but not to editors",
    "\x9b": "CSI, which starts terminal control sequences",
    "\u2028": "LINE SEPARATOR",
    "\u2029": "PARAGRAPH SEPARATOR",
}


def _char_name(char: str) -> str:
    # Only disallowed characters get here: none is printable ASCII.
    kind = "a control character" if char < "\x20" else "a C1 control character"
    kind = _CHAR_NAMES.get(char, kind if char <= "\x9f" else "a non-character")
    return f"U+{ord(char):04X} ({kind})"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
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
    on_item: tuple[str, Callable[[YMap, YMap, int], bool]] | None = None,
) -> YValue:
    """Parse one YAML document into `YMap`/`YSeq`/`str`, appending problems to `diagnostics`.

    `line_offset` is added to every line, in diagnostics and in the positions of nodes
    alike (for front matter inside a larger file).
    `progress`, when given, is called now and then with the character offset reached.
    `on_item`, a key and a callback: each mapping in the list under that key of the
    top-level mapping is passed to the callback as it closes, with the top-level
    mapping and its index, while it is still in the CPU's cache; when the callback
    returns True it has used the mapping, which is then left out of the tree (None, at
    the list's own position).
    Returns None when the document is empty or could not be parsed.
    """
    tree = _Tree(file, diagnostics, line_offset, on_item)
    bad = list(disallowed_characters(text))
    for line, column, name in bad[:20]:
        tree.error(
            line + line_offset,
            column,
            "control-char",
            f"the file contains the character {name}; "
            "write it as an escape in a double-quoted string if it is meant",
        )
    if bad:
        return None
    parser = _Parser(text)
    try:
        return tree.build(parser.get_event, progress)
    except yaml.MarkedYAMLError as exc:
        line, column, code, message = _syntax_error(exc, text)
        tree.error(line + line_offset, column, code, message)
        return None
    except yaml.YAMLError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        tree.error(line_offset + 1, 1, "yaml-syntax", message)
        return None
    finally:
        parser.dispose()


class _Tree:
    """The tree being built from libyaml's events, one handler per kind of event.

    `stack` holds the open containers, each as [container, key slot, is_key]: for a
    mapping, the key slot holds the key waiting for its value (`_NO_KEY` when a key
    comes next, `_BAD_KEY` when the value is to be dropped); `is_key` marks a container
    used as a key, which is refused. The stubs type events as the base class; each
    kind's fields are read as Any.
    """

    def __init__(
        self,
        file: str,
        diagnostics: list[Diagnostic],
        line_offset: int,
        on_item: tuple[str, Callable[[YMap, YMap, int], bool]] | None,
    ) -> None:
        self.file = file
        self.diagnostics = diagnostics
        # Lines as the file numbers them: libyaml's are 0-based and start at the fragment.
        self.first_line = line_offset + 1
        self.on_item = on_item
        self.stack: list[list[Any]] = []
        self.root: YValue = None
        self.documents = 0

    def error(self, line: int, column: int, code: str, message: str) -> None:
        """Add an error at `line`:`column` of the file."""
        self.diagnostics.append(Diagnostic(self.file, line, column, Severity.ERROR, code, message))

    def build(
        self, next_event: Callable[[], Any], progress: Callable[[int], None] | None
    ) -> YValue:
        """Read libyaml's events (from `next_event`, straight from the parser: `yaml.parse`
        wraps the same calls in a generator, which costs more than the parser's own work
        on a plain scalar) to the end of the stream; the root, or None after an error."""
        stack = self.stack
        first_line = self.first_line
        scalar_event = yaml.ScalarEvent
        mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        new_located = _new_located
        # Not sys.intern: ids and dates are unique, and a table of them all is slow.
        shared: dict[str, str] = {}
        share = shared.setdefault
        shared_line = 0
        events = 0
        while True:
            event = next_event()
            events += 1
            if progress is not None and not events & 0x3FFF:
                progress(event.start_mark.index)
            kind = type(event)
            if kind is scalar_event or kind is mapping_start or kind is sequence_start:
                if event.anchor is not None or event.tag is not None:
                    self.refuse(event)
                if kind is not scalar_event and stack and len(stack) < MAX_DEPTH:
                    parent = stack[-1]
                    box = parent[0]
                    key_state = parent[1]
                    # Lean too: a mapping or list in a list, or as a mapping's value (one
                    # used as a key is refused by `node`).
                    if type(box) is YSeq or key_state is not _NO_KEY:
                        mark = event.start_mark
                        at = new_located(Located, (mark.line + first_line, mark.column + 1))
                        node = YMap(at, {}, {}, {}) if kind is mapping_start else YSeq(at, [], [])
                        if type(box) is YSeq:
                            box.items.append(node)
                            box.item_at.append(at)
                        else:
                            if type(key_state) is str:  # not a refused key
                                box.items[key_state] = node
                                box.value_at[key_state] = at
                            parent[1] = _NO_KEY
                        stack.append([node, _NO_KEY, False])
                        continue
                if kind is not scalar_event or not stack:
                    if not self.node(event, kind):
                        return None
                    continue
                # The common case, kept lean (most events are scalars inside a container).
                mark = event.start_mark
                line = mark.line + first_line
                if line == shared_line:
                    line = shared_line  # a value shares its key's line number object
                else:
                    shared_line = line
                at = new_located(Located, (line, mark.column + 1))
                value = event.value
                # An empty plain scalar (`key:`) is "no value"; anything typed, even
                # `null` or `NO`, stays the string it is. Keys and short list items
                # (themes, actors, places) repeat in every event: one shared string
                # each saves memory in the tree and in the dataset.
                scalar: str | None = None if value == "" and event.implicit[0] else value
                parent = stack[-1]
                box = parent[0]  # a YSeq or a YMap
                key_state = parent[1]
                if type(box) is YSeq:
                    if scalar is not None and len(scalar) <= _SHARE_UP_TO:
                        scalar = share(scalar, scalar)
                    box.items.append(scalar)
                    box.item_at.append(at)
                elif key_state is _NO_KEY:
                    key = share(scalar, scalar) if scalar is not None else ""
                    if key in box.key_at:  # the second is reported, and ignored
                        message = f"duplicate key '{key}' (first at line {box.key_at[key].line})"
                        self.error(at.line, at.column, "duplicate-key", message)
                        parent[1] = _BAD_KEY
                    else:
                        parent[1] = key
                        box.key_at[key] = at
                else:
                    if isinstance(key_state, str):  # not a refused key
                        box.items[key_state] = scalar
                        box.value_at[key_state] = at
                    parent[1] = _NO_KEY
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                self.close()
            elif kind is yaml.AliasEvent:
                self.alias(event)
            elif kind is yaml.DocumentStartEvent:
                if not self.document(event):
                    return None
            elif kind is yaml.StreamEndEvent:
                return self.root

    def refuse(self, event: Any) -> None:
        """Report a node's anchor and tag, which are not allowed."""
        line, column = event.start_mark.line + self.first_line, event.start_mark.column + 1
        if event.anchor is not None:
            message = f"anchors (&{event.anchor}) are not allowed: write the value out"
            self.error(line, column, "yaml-anchor", message)
        if event.tag is not None:
            # As it was probably written: `!!str` rather than `tag:yaml.org,2002:str`.
            tag = re.sub(r"^tag:yaml\.org,2002:", "!!", event.tag)
            message = f"explicit tags ({tag}) are not allowed: every value is text"
            self.error(line, column, "yaml-tag", message)

    def node(self, event: Any, kind: type) -> bool:
        """A mapping or sequence starts, or a scalar that is the whole document: add it to
        its parent (or make it the root); False when it nests too deep to go on."""
        mark = event.start_mark
        at = _new_located(Located, (mark.line + self.first_line, mark.column + 1))
        node: YValue
        if kind is yaml.ScalarEvent:  # as in `build`: an empty plain scalar is "no value"
            node = None if event.value == "" and event.implicit[0] else event.value
        elif kind is yaml.MappingStartEvent:
            node = YMap(at, {}, {}, {})
        else:
            node = YSeq(at, [], [])
        stack = self.stack
        is_key = False
        if stack:
            parent = stack[-1]
            container = parent[0]
            if isinstance(container, YSeq):
                container.items.append(node)
                container.item_at.append(at)
            elif parent[1] is _NO_KEY:
                is_key = True
                message = "keys must be plain text, not a mapping or a list"
                self.error(at.line, at.column, "yaml-key", message)
                parent[1] = _BAD_KEY
            else:
                if isinstance(parent[1], str):
                    container.items[parent[1]] = node
                    container.value_at[parent[1]] = at
                parent[1] = _NO_KEY
        elif self.documents == 1:
            self.root = node
        if isinstance(node, YMap | YSeq):
            stack.append([node, _NO_KEY, is_key])
            if len(stack) > MAX_DEPTH:
                self.error(at.line, at.column, "too-deep", _TOO_DEEP)
                return False
        return True

    def close(self) -> None:
        """A mapping or a sequence ends; an item of the `on_item` list goes to its callback."""
        stack = self.stack
        closed = stack.pop()
        if not stack:
            return
        parent = stack[-1]
        if isinstance(parent[0], YMap):
            # After a value the next scalar is a key; after a refused (container) key
            # comes its value, which is dropped.
            parent[1] = _BAD_KEY if closed[2] else _NO_KEY
        elif self.on_item is not None and len(stack) == 2 and type(closed[0]) is YMap:
            top, seq = stack[0][0], parent[0]
            key, use = self.on_item
            if (
                type(top) is YMap
                and type(seq) is YSeq
                and top.items.get(key) is seq
                and use(top, closed[0], len(seq.items) - 1)
            ):
                # Its position goes too: the list's own stands in. A `Located` is a
                # tuple subclass, which the collector never stops tracking.
                seq.items[-1] = None
                seq.item_at[-1] = seq.at

    def alias(self, event: Any) -> None:
        """An alias: refused, and its place left empty."""
        mark = event.start_mark
        at = Located(mark.line + self.first_line, mark.column + 1)
        message = f"aliases (*{event.anchor}) are not allowed: write the value out"
        self.error(at.line, at.column, "yaml-alias", message)
        if self.stack:
            parent = self.stack[-1]
            if isinstance(parent[0], YSeq):
                parent[0].items.append(None)
                parent[0].item_at.append(at)
            elif parent[1] is _NO_KEY:
                parent[1] = _BAD_KEY
            else:
                parent[1] = _NO_KEY

    def document(self, event: Any) -> bool:
        """A document starts; False for a second one, which is refused."""
        self.documents += 1
        if self.documents < 2:
            return True
        mark = event.start_mark
        self.error(
            mark.line + self.first_line,
            mark.column + 1,
            "yaml-documents",
            "the file holds more than one YAML document (a '---' line starts another); keep one",
        )
        return False


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str, str]:
    """A syntax error as (line, column in `text`, code, message in plain words)."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    last_line = text.count("\n") + 1
    if line > last_line:
        # libyaml puts the end of a file without a final newline on a line after it.
        line, column = last_line, len(text) - text.rfind("\n")
    problem = exc.problem or "invalid YAML"
    if "nesting depth" in problem:
        # libyaml from 0.2.6 caps flow nesting itself and may stop there before our
        # own cap sees the events: the same refusal, so the same code.
        return line, column, "too-deep", _TOO_DEEP
    lines = text.split("\n", line)
    source_line = lines[line - 1] if line <= len(lines) else ""
    if "escape" in problem:
        column, problem = _explain_escape(source_line, column, problem)
    context_mark = exc.context_mark
    if (
        "end of stream" in problem
        and "quoted scalar" in (exc.context or "")
        and context_mark is not None
    ):
        # libyaml points at the end of the file; the reader needs the opening quote.
        line, column = context_mark.line + 1, context_mark.column + 1
        problem = "this quoted text is never closed (no matching quote before the end)"
        source_line = (text.split("\n", line) + [""] * line)[line - 1]
    elif not problem.startswith("the escape"):  # explained already
        problem = _plain_syntax_message(exc.context, problem)
    if "\t" in source_line[: column + 1]:
        problem = "a tab: YAML indents with spaces only; " + problem
    return line, column, "yaml-syntax", problem


# libyaml's wording, and what it usually means for someone editing a dataset by hand.
_SYNTAX_ADVICE = {
    "did not find expected key": "this line does not continue the mapping above: check "
    "its indentation, and that every quote above it is closed",
    "did not find expected '-' indicator": "this line does not continue the list above: "
    "check its indentation",
    "could not find expected ':'": "a key without ':' after it (or a quote left open)",
    "mapping values are not allowed here": "an unexpected ':': put text that contains "
    "': ' in quotes, or check the indentation",
    "mapping values are not allowed in this context": "an unexpected ':': put text that "
    "contains ': ' in quotes",
    "did not find expected ',' or ']'": "a [list] that is not closed by ']', or whose "
    "items are not separated by commas",
    "did not find expected ',' or '}'": "a {mapping} that is not closed by '}', or whose "
    "entries are not separated by commas",
    "found character that cannot start any token": "a character that cannot start a value here",
    "did not find expected node content": "a value is missing here",
    "found unexpected end of stream": "the file ends in the middle of a value",
}


def _plain_syntax_message(context: str | None, problem: str) -> str:
    """A syntax error in plain words, keeping the parser's own wording after it."""
    technical = f"{context}: {problem}" if context else problem
    for wording, advice in _SYNTAX_ADVICE.items():
        if problem.startswith(wording):
            return f"{advice}{problem[len(wording) :]} (YAML parser: {technical})"
    return technical


_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F][0-9a-fA-F]{2}")


def _explain_escape(line: str, column: int, problem: str) -> tuple[int, str]:
    """Point a bad-escape error at its backslash (libyaml points a few characters on),
    and name a lone surrogate, which looks like a character escape but is not one."""
    backslash = line.rfind("\\", 0, column)
    if backslash == -1:
        return column, problem
    escape = _SURROGATE_ESCAPE.match(line, backslash)
    if escape is not None:
        problem = (
            f"the escape {escape.group()} is a lone surrogate (half of a UTF-16 pair), "
            "not a character: write the character itself"
        )
    return backslash + 1, problem


# What the key slot of an open mapping holds when it holds no key (see `_Tree`).
_NO_KEY = object()
_BAD_KEY = object()
