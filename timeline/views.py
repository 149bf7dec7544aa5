"""What the timeline shows, computed without any UI: rows with year and month headings,
and the month-by-month density for the overview strip.

Rows are plain ints so that 100,000 of them cost one list: a row `>= 0` is an event's
position in `EventIndex.events`; a negative row is a heading (see `Heading`).
"""

from __future__ import annotations

import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import accumulate, groupby, pairwise
from string import ascii_uppercase, digits
from typing import overload

import msgspec

from timeline.dates import from_day_number
from timeline.model import Event

__all__ = [
    "MONTH_NAMES",
    "Heading",
    "Histogram",
    "MonthIndex",
    "TimelineRows",
    "abbreviate_distinct",
    "build_rows",
    "cell_width",
    "char_width",
    "group_keys",
    "key_runs",
    "month_index",
    "month_jump",
    "month_of_key",
    "theme_letters",
    "wrap_offsets",
]

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


_YEAR_BIAS = 2 * 10**9
"""Added to years in keys so every key is positive (EDTF years reach ±10**9)."""


def group_keys(events: Sequence[Event]) -> list[int]:
    """For each event, the heading it is filed under: `(year + bias) * 13 + month`, with
    month 0 for dates known only to the year or more coarsely (they sit under the year
    heading). A season is filed under the month its place in the order falls in (its
    first day), and an open-start interval under its end, as `EdtfDate.anchor` is: the
    headings then follow the date order and never repeat."""
    keys = []
    for event in events:
        point = event.date.anchor_point
        if point.season is None:
            year, month = point.year, point.month or 0
        else:
            year, month, _ = from_day_number(event.date.anchor)
        keys.append((year + _YEAR_BIAS) * 13 + month)
    return keys


def _split_key(key: int) -> tuple[int, int]:
    year, month = divmod(key, 13)
    return year - _YEAR_BIAS, month


def month_of_key(key: int) -> int:
    """The running month (see `month_index`) of a group key; year-only keys give January."""
    year, month = _split_key(key)
    return month_index(year, max(month, 1))


class Heading(msgspec.Struct, frozen=True, gc=False):
    """A decoded heading row: a year (month 0) or a month within a year."""

    year: int
    month: int

    @property
    def label(self) -> str:
        """The label: "2023" for a year heading, "May 2023" for a month heading."""
        return f"{MONTH_NAMES[self.month - 1]} {self.year}" if self.month else str(self.year)

    @staticmethod
    def decode(row: int) -> Heading:
        """The heading a negative row stands for."""
        return Heading(*_split_key(-row - 1))


class TimelineRows:
    """The rows of a filtered timeline and where each shown event sits among them.

    `rows[i]` is an event position (>= 0) or an encoded heading (< 0). `positions` are the
    shown events' positions, ascending, and `row_of[k]` is the row of `positions[k]`.
    Both are worked out on access from the runs of events under the same headings
    (`build_rows`): built item by item, they made a filter change cost and keep an item
    per event.
    """

    __slots__ = ("_heads", "_run_rows", "_run_starts", "positions", "row_of", "rows")

    def __init__(
        self,
        positions: array[int],
        run_starts: array[int],
        run_rows: array[int],
        heads: Sequence[tuple[int, ...]],
        count: int,
    ) -> None:
        """Rows of `positions` in runs: run j starts at `positions[run_starts[j]]`, on row
        `run_rows[j]`, after its headings `heads[j]`; `count` rows in all."""
        self.positions = positions
        self._run_starts, self._run_rows, self._heads = run_starts, run_rows, heads
        self.rows: Sequence[int] = _Lazy(self._row, count)
        self.row_of: Sequence[int] = _Lazy(self._row_of, len(positions))

    def _row(self, row: int) -> int:
        run = bisect_right(self._run_rows, row) - 1
        offset, heads = row - self._run_rows[run], self._heads[run]
        if offset < len(heads):
            return heads[offset]
        return self.positions[self._run_starts[run] + offset - len(heads)]

    def _row_of(self, k: int) -> int:
        run = bisect_right(self._run_starts, k) - 1
        return self._run_rows[run] + len(self._heads[run]) + k - self._run_starts[run]

    def row_for_position(self, position: int) -> int | None:
        """The row showing the event at `position`, or None if it is filtered out."""
        k = bisect_left(self.positions, position)
        if k < len(self.positions) and self.positions[k] == position:
            return self.row_of[k]
        return None

    def nearest_event_row(self, row: int, direction: int = 1) -> int | None:
        """The first event row at or after `row` (before, when `direction` < 0)."""
        rows, step = self.rows, (1 if direction >= 0 else -1)
        while 0 <= row < len(rows):
            if rows[row] >= 0:
                return row
            row += step
        return None


class _Lazy(Sequence[int]):
    """A read-only sequence of `count` ints, each computed by `item(index)` when asked."""

    __slots__ = ("_count", "_item")

    def __init__(self, item: Callable[[int], int], count: int) -> None:
        self._item, self._count = item, count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        found = range(self._count)[index]  # resolved and checked as a list's index is
        if isinstance(found, range):
            return [self._item(i) for i in found]
        return self._item(found)


def key_runs(keys: Sequence[int]) -> list[int]:
    """Where each run of equal `keys` starts, and `len(keys)` last: what `build_rows`
    needs to find the headings of any result by bisection."""
    return list(accumulate((sum(1 for _ in run) for _, run in groupby(keys)), initial=0))


def build_rows(
    positions: Sequence[int], keys: Sequence[int], runs: Sequence[int] | None = None
) -> TimelineRows:
    """Rows for the events at `positions` (ascending), with a heading wherever the year
    or the month changes. `keys` come from `group_keys` over the same events, and
    `runs` from `key_runs(keys)` (computed here if not given)."""
    if runs is None:
        runs = key_runs(keys)
    shown = positions if isinstance(positions, array) else array("I", positions)
    run_starts, run_rows, heads = array("I"), array("I"), []
    last_year: int | None = None
    last_key: int | None = None
    # One step per run of shown events under the same headings, found by bisection:
    # a filter change costs the number of months shown, not of events.
    start, count, row = 0, len(shown), 0
    while start < count:
        first = shown[start]
        end = bisect_left(shown, runs[bisect_right(runs, first)], start)
        key = keys[first]
        head: tuple[int, ...] = ()
        if key != last_key:
            year_key = key - key % 13
            if year_key != last_year:
                head = (-year_key - 1,) if key == year_key else (-year_key - 1, -key - 1)
                last_year, last_key = year_key, key
            elif key != year_key:
                head = (-key - 1,)
                last_key = key
            # Else a year-only date after the year's first month heading ("2024" sorts
            # after the events of 1 Jan 2024): it stays under that month, not repeated.
        run_starts.append(start)
        run_rows.append(row)
        heads.append(head)
        row += len(head) + end - start
        start = end
    return TimelineRows(shown, run_starts, run_rows, heads, row)


def month_index(year: int, month: int) -> int:
    """A running month number (year * 12 + month - 1), for spans and histograms."""
    return year * 12 + month - 1


class Histogram(msgspec.Struct, frozen=True):
    """Events per month from `first` to `last` (running month numbers, inclusive)."""

    first: int
    last: int
    counts: list[int]

    def bucket_bounds(self, width: int) -> list[tuple[int, int]]:
        """Split the span into `width` columns, each a (first, last) month range of at
        least one month: a span shorter than the width uses fewer columns."""
        months = self.last - self.first + 1
        columns = max(1, min(width, months))
        starts = [self.first + column * months // columns for column in range(columns + 1)]
        return [(start, max(start, end - 1)) for start, end in pairwise(starts)]


class MonthIndex:
    """The running month of every event in date order, so that a filter result's
    histogram (over the whole dataset's span, so the strip's scale stays put) costs a
    bisection per month instead of a look-up per shown event."""

    def __init__(self, keys: Sequence[int]) -> None:
        """Months of the events whose `group_keys` are `keys` (in date order)."""
        # Through a table of the few distinct keys: decoding 100,000 keys costs more.
        month_of = {key: month_of_key(key) for key in set(keys)}
        self.months = list(map(month_of.__getitem__, keys))
        """The running month of the event at each position."""
        self.span = (min(month_of.values()), max(month_of.values())) if month_of else (0, 0)
        """The first and last month of the dataset."""
        # The first position of every month of the span (and one past the last): the
        # events of a month are a run in date order.
        first, last = self.span
        starts = [len(self.months)] * (last - first + 2)
        for position in range(len(self.months) - 1, -1, -1):
            starts[self.months[position] - first] = position
        # A month with no events starts where the next one does.
        self._starts = list(accumulate(reversed(starts), min))[::-1]

    def histogram(self, positions: Sequence[int]) -> Histogram:
        """Events per month at `positions` (ascending), over the dataset's span."""
        first, last = self.span
        months = last - first + 1
        if len(positions) > months:
            # Many events: count each month's run by bisection.
            cuts = [bisect_left(positions, start) for start in self._starts]
            return Histogram(first, last, [b - a for a, b in pairwise(cuts)])
        counts = [0] * months
        for month, count in Counter(map(self.months.__getitem__, positions)).items():
            counts[month - first] = count
        return Histogram(first, last, counts)


def month_jump(
    shown: Sequence[int], month: Callable[[int], int], position: int, months: int
) -> int | None:
    """The running month to move to from the event at `position`, `months` months on
    (or back, if negative): the first month at or past that with a shown event, or
    None when there is none. `shown` is in date order, so its months never decrease
    and it can be bisected (`month` gives an event's running month)."""
    target = month(position) + months
    if months > 0:
        k = bisect_left(shown, target, key=month)
        return month(shown[k]) if k < len(shown) else None
    k = bisect_right(shown, target, key=month)
    return month(shown[k - 1]) if k > 0 else None


def char_width(char: str) -> int:
    """Terminal cells a character takes: 2 for wide East Asian, 0 for combining marks."""
    if char < "\u0300":
        return 1
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def wrap_offsets(text: str, width: int) -> list[tuple[int, int]]:
    """Wrap `text` to `width` cells and return each line as a `(start, end)` slice.

    Lines break at newlines and, within a paragraph, after the last space that fits
    (a word longer than the line is cut). Offsets index `text` itself, so a span of the
    article maps straight onto screen lines; the spaces a break falls on are dropped.
    """
    width = max(1, width)
    lines: list[tuple[int, int]] = []
    start = 0
    for paragraph in text.split("\n"):
        end = start + len(paragraph)
        while True:
            cells, position, last_space = 0, start, -1
            while position < end and cells + (w := char_width(text[position])) <= width:
                if text[position] == " ":
                    last_space = position
                cells += w
                position += 1
            if position >= end:
                lines.append((start, end))
                break
            if text[position] == " ":  # the line is full exactly at a space: break there
                last_space = position
            cut = last_space if last_space > start else max(position, start + 1)
            lines.append((start, cut))
            start = cut
            while start < end and text[start] == " ":  # the spaces a break falls on
                start += 1
            if start >= end:
                break
        start = end + 1
    return lines


def cell_width(text: str) -> int:
    """The cells `text` takes on a terminal."""
    return sum(char_width(char) for char in text)


def _head(text: str, cells: int) -> str:
    """The start of `text` that fits in `cells` cells."""
    taken = 0
    for end, char in enumerate(text):
        taken += char_width(char)
        if taken > cells:
            return text[:end]
    return text


def abbreviate_distinct(labels: Sequence[str], cells: int) -> list[str]:
    """Each label cut to `cells` cells with `…`, so that no two cut labels look alike.

    A label that fits is kept. One that does not loses its end (`Government of th…`);
    if that reads as another label's, it keeps its end too and loses its middle
    (`Government…States`), with as much of the end as it takes to tell them apart.
    """
    cells = max(2, cells)
    shown = [label if cell_width(label) <= cells else _head(label, cells - 1) + "…"
             for label in labels]  # fmt: skip
    alike = {text for text in shown if shown.count(text) > 1 or text in labels}
    for i, label in enumerate(labels):
        if shown[i] == label or shown[i] not in alike:
            continue
        for tail in range(1, cells - 1):
            end = _head(label[::-1], tail)[::-1]  # the end of the label that fits
            candidate = _head(label, cells - 1 - tail) + "…" + end
            if candidate not in shown and candidate not in labels:
                shown[i] = candidate
                break
    return shown


def theme_letters(labels: Sequence[str]) -> list[str]:
    """One distinct letter per theme label, to pair with its colour (for readers who
    cannot tell the colours apart): the first letter of a word of the label not yet
    taken, else any letter of it, else the first free letter of the alphabet."""
    letters: list[str] = []
    for label in labels:
        initials = [word[0] for word in label.split() if word[:1].isalnum()]
        candidates = [c.upper() for c in (*initials, *label) if c.isalnum()]
        free = (c for c in (*candidates, *ascii_uppercase, *digits) if c not in letters)
        letters.append(next(free, "?"))
    return letters
