"""Pausing the garbage collector around work whose objects all survive.

Loading a dataset, unpickling a cache entry and building the indexes each make up to
millions of small objects and free almost none: a collection pass in the middle would
only scan them again (pausing made a large load about 3x faster). The collector is
restored as it was, so a caller that had it off keeps it off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Turn automatic collection off for the `with` block, then back on if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
