"""Date ranges as bitsets, without a Python loop over the events."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import accumulate
from operator import or_

import msgspec

from timeline.query.counts import positions_to_mask

__all__ = ["DateIndex"]

_DATE_STEPS = 64
"""Precomputed date bitsets per bound: a range costs at most 1/64 of the events in
Python, the rest in one big-int operation."""


class DateIndex(msgspec.Struct, frozen=True):
    """Date-range bitsets without a Python loop over the events.

    `upper_order` lists positions by their latest day (`uppers` the sorted days), and
    `upper_masks[j]` is the bitset of `upper_order[:j * step]`: the events that fail
    "from day d" are a prefix of that order, found by bisection and built from the
    nearest stored prefix and at most `step` positions. `lower_order`, `lowers` and
    `lower_masks` do the same for the events that pass "to day d".
    """

    size: int
    step: int
    uppers: array[int]
    upper_order: array[int]
    upper_masks: list[int]
    lowers: array[int]
    lower_order: array[int]
    lower_masks: list[int]

    @classmethod
    def build(cls, lower: Sequence[int], upper: Sequence[int]) -> DateIndex:
        """Sort the bounds and store `_DATE_STEPS` bitsets per side."""
        size = len(lower)
        step = max(1, -(-size // _DATE_STEPS))
        return cls(size, step, *_sorted_side(upper, step), *_sorted_side(lower, step))

    def _prefix(self, order: array[int], masks: list[int], end: int) -> int:
        """The bitset of `order[:end]`: the stored prefix before it, and the rest."""
        j = end // self.step
        return masks[j] | positions_to_mask(order[j * self.step : end], self.size)

    def since(self, day: int) -> int:
        """The bitset of the events whose latest day is on or after `day`."""
        before = self._prefix(self.upper_order, self.upper_masks, bisect_left(self.uppers, day))
        return ((1 << self.size) - 1) ^ before

    def until(self, day: int) -> int:
        """The bitset of the events whose earliest day is on or before `day`."""
        return self._prefix(self.lower_order, self.lower_masks, bisect_right(self.lowers, day))


def _sorted_side(bound: Sequence[int], step: int) -> tuple[array[int], array[int], list[int]]:
    """The sorted days of one bound, the positions in that order, and the bitsets of
    every `step`-th prefix of that order (the whole of it last)."""
    size = len(bound)
    order = array("I", sorted(range(size), key=bound.__getitem__))
    chunks = range(0, size + 1, step)
    masks = accumulate(
        (positions_to_mask(order[j : j + step], size) for j in chunks), or_, initial=0
    )
    return array("q", map(bound.__getitem__, order)), order, list(masks)
