"""Check a small dataset on another core while the TUI starts: its first start ever.

A small dataset opened for the first time has no cache entry and no rows snapshot, so
it must be loaded and checked before the TUI's first frame (its errors print before
any TUI shows). That is PyYAML and the loader to import, the parse and the quote
checks: tens of milliseconds, in series with the TUI's own start (importing Textual,
about 110 ms). `Prefill.start` runs them in a child process instead
(`python -m timeline.prefill`), which fills the cache entry and writes the rows
snapshot, while the CLI imports Textual. Once the child is done, the start goes on as
every later one does: the rows snapshot is the first frame and the data comes from the
cache behind it.

The child prints nothing (its output goes to the null device) and says only one thing,
by its exit code: 0 when the snapshot and the cache entry are written. Anything else
(invalid data, a file that changed meanwhile, a cache that cannot be written, a child
that cannot start, dies or runs past `TIMEOUT`) leaves the caller to load in-process as
it would have without a child, so its diagnostics and exit code are exactly those of
that path. On one core, or with caching off, no child is started.

This module imports neither Textual nor Rich.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import timeline

if TYPE_CHECKING:
    import subprocess

__all__ = ["TIMEOUT", "Prefill", "main"]

TIMEOUT = 30.0
"""Seconds to wait for the child before stopping it and loading in-process (a small
dataset takes well under one)."""

_DONE = 0
"""The child's exit code when the rows snapshot and the cache entry are written."""


class Prefill:
    """A child process filling the cache entry and the rows snapshot of one dataset."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        """Follow the child `process` (see `start`)."""
        self._process = process

    @classmethod
    def start(cls, path: str | Path | None) -> Prefill | None:
        """Start the child for the dataset at `path` (None: the bundled one); None when
        it would not help (one core, no interpreter to run) or could not be started."""
        if available_cores() < 2 or not sys.executable:
            return None
        import subprocess

        # The child checks that it runs this very package (see `main`).
        argv = [sys.executable, "-m", __name__, _package_file()]
        if path is not None:
            argv.append(os.fspath(path))
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except (OSError, ValueError):
            return None
        return cls(process)

    def wait(self, timeout: float = TIMEOUT) -> bool:
        """Wait for the child: True when it wrote the rows snapshot and the cache entry.

        A child still running after `timeout` seconds is stopped (False). On Ctrl+C the
        child is stopped too, and `KeyboardInterrupt` goes on up.
        """
        import subprocess

        try:
            code = self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            return False
        except BaseException:
            self.stop()
            raise
        return code == _DONE

    def stop(self) -> None:
        """Kill the child if it is still running, and reap it."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def available_cores() -> int:
    """How many cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        try:
            return len(affinity(0))
        except OSError:
            pass
    return os.cpu_count() or 1


def _package_file() -> str:
    return os.path.realpath(timeline.__file__)


def main(argv: list[str] | None = None) -> int:
    """The child: `python -m timeline.prefill PACKAGE_FILE [PATH]`.

    Loads the dataset at PATH (default: the bundled one) through the cache, so that its
    entry is written, then writes its rows snapshot; returns 0 when both are done.
    PACKAGE_FILE is the parent's `timeline/__init__.py`: a child that imported another
    copy of the package (another version, another checkout) does nothing (exit 3).
    """
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != _package_file():
        return 3
    path = args[1] if len(args) > 1 else None
    from timeline.cache import cache_dir, load_with_cache
    from timeline.diagnostics import DatasetError
    from timeline.gcpause import paused_gc
    from timeline.model import sort_by_date
    from timeline.snapshot import SnapshotStore

    if cache_dir() is None:
        return 4  # caching is off: nothing could be handed over
    store = SnapshotStore(path)
    stamp = store.stamp()
    if stamp is None:
        return 4
    try:
        with paused_gc():  # as the CLI loads in-process (`cli._load_quietly`)
            loaded = load_with_cache(path)
    except DatasetError:
        return 1  # the parent loads again and prints every diagnostic
    if store.stamp() != stamp:
        return 5  # a file changed while it was read: the snapshot would not match it
    dataset = loaded.dataset
    if not store.write(sort_by_date(dataset.events), dataset.themes, stamp):
        return 6
    return _DONE


if __name__ == "__main__":
    sys.exit(main())
