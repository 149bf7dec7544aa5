"""Date ranges as bitsets, without a Python loop over the events."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from timeline.query.counts import positions_to_mask

__all__ = ["DateIndex"]

_DATE_STEPS = 64
"""Precomputed date bitsets per bound: a range costs at most 1/64 of the events in
Python, the rest in one big-int operation."""


@dataclass(frozen=True, slots=True)
class DateIndex:
    """Date-range bitsets without a Python loop over the events.

    `upper_order` lists positions by their latest day (`uppers` the sorted days), and
    `from_masks[j]` is the bitset of `upper_order[j * step:]`: the events that pass
    "from day d" are a suffix of that order, found by bisection and built from the
    nearest stored suffix and at most `step` positions. `lower_order`, `lowers` and
    `to_masks[j]` (bitset of `lower_order[:j * step]`) do the same for "to day d".
    """

    size: int
    step: int
    uppers: array[int]
    upper_order: array[int]
    from_masks: list[int]
    lowers: array[int]
    lower_order: array[int]
    to_masks: list[int]

    @classmethod
    def build(cls, lower: Sequence[int], upper: Sequence[int]) -> DateIndex:
        """Sort the bounds and store `_DATE_STEPS` bitsets per side."""
        size = len(lower)
        step = max(1, -(-size // _DATE_STEPS))
        upper_order = array("I", sorted(range(size), key=upper.__getitem__))
        lower_order = array("I", sorted(range(size), key=lower.__getitem__))
        from_masks = [0] * (size // step + 2)
        for j in range(len(from_masks) - 2, -1, -1):
            chunk = upper_order[j * step : (j + 1) * step]
            from_masks[j] = from_masks[j + 1] | positions_to_mask(chunk, size)
        to_masks = [0] * (size // step + 2)
        for j in range(1, len(to_masks)):
            chunk = lower_order[(j - 1) * step : j * step]
            to_masks[j] = to_masks[j - 1] | positions_to_mask(chunk, size)
        return cls(
            size,
            step,
            array("q", map(upper.__getitem__, upper_order)),
            upper_order,
            from_masks,
            array("q", map(lower.__getitem__, lower_order)),
            lower_order,
            to_masks,
        )

    def since(self, day: int) -> int:
        """The bitset of the events whose latest day is on or after `day`."""
        first = bisect_left(self.uppers, day)
        j = first // self.step
        # Stored suffix from j * step on, less the few before `first`.
        extra = self.upper_order[j * self.step : first]
        return self.from_masks[j] ^ positions_to_mask(extra, self.size)

    def until(self, day: int) -> int:
        """The bitset of the events whose earliest day is on or before `day`."""
        end = bisect_right(self.lowers, day)
        j = end // self.step
        extra = self.lower_order[j * self.step : end]
        return self.to_masks[j] | positions_to_mask(extra, self.size)
