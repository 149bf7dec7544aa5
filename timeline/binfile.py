"""The pieces the cache's binary files share: little-endian columns and atomic writes.

The cache entry (`timeline.cache`) and the rows snapshot (`timeline.snapshot`) each store
`array` columns in little-endian order, read them back with bounds checks, and replace
their file whole or not at all.
"""

from __future__ import annotations

import contextlib
import os
import sys
from array import array
from collections.abc import Iterable
from pathlib import Path

__all__ = ["LITTLE_ENDIAN", "U32", "ColumnReader", "le_bytes", "write_atomically"]

LITTLE_ENDIAN = sys.byteorder == "little"
"""Whether this machine's arrays are already in the files' byte order."""

U32 = next(code for code in "IL" if array(code).itemsize == 4)
"""The `array` type code of a 4-byte unsigned int here (`I` on every usual platform)."""


def le_bytes(column: array[int]) -> bytes:
    """A column's bytes in little-endian order."""
    if LITTLE_ENDIAN:
        return column.tobytes()
    swapped = array(column.typecode, column)
    swapped.byteswap()
    return swapped.tobytes()


class ColumnReader:
    """Takes sections off a buffer in order, checking that each one fits.

    `align`: each section is followed by padding up to a multiple of this many bytes.
    Raises `ValueError` for a section that runs past the end.
    """

    def __init__(self, data: bytes | memoryview, *, align: int = 1) -> None:
        """Read `data` from its start."""
        self.view = memoryview(data).cast("B")
        self.at = 0
        self._align = align

    def raw(self, length: int) -> memoryview:
        """The next `length` bytes, as a view (no copy)."""
        if length < 0 or self.at + length > len(self.view):
            raise ValueError("truncated")
        chunk = self.view[self.at : self.at + length]
        self.at += length + (-length % self._align)
        return chunk

    def column(self, typecode: str, length: int) -> array[int]:
        """The next `length` items of type `typecode`, stored little-endian."""
        column = array(typecode)
        column.frombytes(self.raw(length * column.itemsize))
        if not LITTLE_ENDIAN:
            column.byteswap()
        return column


def write_atomically(path: Path, parts: Iterable[bytes | memoryview], *, suffix: str) -> None:
    """Write `parts` end to end as the file `path`: whole, or not at all.

    A temporary file in the same folder (created 0700 if missing) is renamed over `path`,
    so a reader never sees half a file. Raises `OSError` if it cannot be done; nothing
    is left behind.
    """
    import tempfile  # only for writing, which no warm start does before its first frame

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            for part in parts:
                file.write(part)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
