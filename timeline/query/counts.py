"""Bitsets over the events in date order, and facet counts read off them.

A bitset is a Python int whose bit i stands for the event at position i: a union is an
OR, an intersection an AND, a count a popcount, each one C loop over the whole set.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import compress, repeat
from typing import TypeVar, overload

__all__ = ["LazyCounts", "count_all", "flags_to_mask", "mask_to_positions", "positions_to_mask"]

_BIT_OFFSETS = tuple(tuple(i for i in range(8) if byte >> i & 1) for byte in range(256))
# A dense bitset goes to and from one byte per event through its binary digits, every
# step in C; a sparse one is quicker bit by bit, which costs per set bit, not per event.
_DIGIT_TO_FLAG = bytes.maketrans(b"01", b"\x00\x01")
_FLAG_TO_DIGIT = bytes.maketrans(b"\x00\x01", b"01")
_SPARSE = 16
"""Below one set bit in this many, the bit-by-bit conversions are used."""


def mask_to_positions(mask: int) -> array[int]:
    """The set bits of `mask`, ascending: bit i stands for the event at position i.

    An array, not a list: one object for the garbage collector, where a list of
    100,000 positions was 100,000 references that every full collection followed."""
    positions = array("I")
    if mask <= 0:
        return positions
    if mask.bit_count() * _SPARSE < mask.bit_length():
        extend = positions.extend
        data = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
        for byte_index, byte in enumerate(data):
            if byte:
                base = byte_index * 8
                extend([base + offset for offset in _BIT_OFFSETS[byte]])
        return positions
    # Binary digits, least significant first: flag i is bit i.
    flags = format(mask, "b")[::-1].encode("ascii").translate(_DIGIT_TO_FLAG)
    return array("I", compress(range(len(flags)), flags))


def positions_to_mask(positions: Iterable[int], size: int) -> int:
    """The bitset with the bits at `positions` set (`size` is the number of events)."""
    if size <= 0:
        return 0
    listed = positions if isinstance(positions, Sequence) else list(positions)
    if len(listed) * _SPARSE < size:
        bits = bytearray((size + 7) // 8)
        for position in listed:
            bits[position >> 3] |= 1 << (position & 7)
        return int.from_bytes(bits, "little")
    flags = bytearray(size)
    deque(map(flags.__setitem__, listed, repeat(1)), maxlen=0)  # flags[p] = 1, in C
    return flags_to_mask(flags)


def flags_to_mask(flags: bytes | bytearray) -> int:
    """The bitset of one flag byte per event (0 or 1, at least one byte): bit i is flag i."""
    return int(flags.translate(_FLAG_TO_DIGIT)[::-1], 2)


_K = TypeVar("_K")
_D = TypeVar("_D")


class LazyCounts(Mapping[_K, int]):
    """One facet's counts over a result, each counted when first looked up.

    Reads as the dict `EventIndex.counts` gives for the facet (the values carried by at
    least one event of the result, with their counts), but a lookup costs one AND and
    a popcount of that value's bitset, done once: a sidebar shows a few dozen of the
    thousands of values. Iterating, `len` and comparing with another mapping count all.

    Two `LazyCounts` over the same bitsets and equal result masks compare equal without
    counting anything (`same_result`), so an unchanged result is seen as such cheaply.
    Not thread-safe, and not meant to be: one screen reads it.
    """

    __slots__ = ("_found", "_mask", "_masks")

    def __init__(self, masks: Mapping[_K, int], mask: int) -> None:
        """The counts of each value of `masks` (value → bitset) within bitset `mask`."""
        self._masks = masks
        self._mask = mask
        self._found: dict[_K, int] = {}

    def _count(self, value: _K) -> int:
        found = self._found.get(value)
        if found is None:
            bits = self._masks.get(value)
            found = 0 if bits is None else (self._mask & bits).bit_count()
            self._found[value] = found
        return found

    def __getitem__(self, value: _K) -> int:
        """The count of `value`; KeyError when no event of the result carries it."""
        found = self._count(value)
        if not found:
            raise KeyError(value)
        return found

    @overload
    def get(self, value: _K, /) -> int | None: ...
    @overload
    def get(self, value: _K, default: int | _D, /) -> int | _D: ...
    def get(self, value: _K, default: object = None, /) -> object:
        """The count of `value`, or `default` when no event of the result carries it."""
        # Without the KeyError `Mapping.get` would raise and catch for every zero.
        return self._count(value) or default

    def __contains__(self, value: object) -> bool:
        """Whether an event of the result carries `value`."""
        try:
            return bool(self._count(value))  # type: ignore[arg-type]
        except TypeError:  # unhashable: never a facet value
            return False

    def _all(self) -> dict[_K, int]:
        """Every value carried, in the bitsets' order (as `EventIndex.counts` lists them)."""
        count = self._count
        return {value: n for value in self._masks if (n := count(value))}

    def __iter__(self) -> Iterator[_K]:
        """The values carried by at least one event of the result."""
        return iter(self._all())

    def __len__(self) -> int:
        """How many values at least one event of the result carries."""
        return len(self._all())

    def same_result(self, other: object) -> bool:
        """Whether `other` counts the same bitsets within an equal mask (no counting)."""
        return (
            isinstance(other, LazyCounts)
            and other._masks is self._masks
            and (other._mask is self._mask or other._mask == self._mask)
        )

    def __eq__(self, other: object) -> bool:
        """Equal to any mapping with the same counts (as the eager dict would be)."""
        if self.same_result(other):
            return True
        if not isinstance(other, Mapping):
            return NotImplemented
        return self._all() == dict(other.items())

    __hash__ = None  # type: ignore[assignment]  # a mapping, like dict

    def __repr__(self) -> str:
        """The counts looked up so far (repr must not count the rest)."""
        return f"LazyCounts({len(self._masks)} values, looked up {self._found!r})"


def count_all(masks: dict[_K, int], mask: int) -> dict[_K, int]:
    """The count within `mask` of each value of `masks` carried at all, in their order."""
    return {value: n for value, bits in masks.items() if (n := (mask & bits).bit_count())}
