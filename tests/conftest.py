"""Test-wide setup: the dataset cache lives in a throwaway folder, never the user's."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir() -> Iterator[None]:
    # `list`, `show`, `export` and the TUI load through the cache; tests that need a
    # specific cache folder still set TIMELINE_CACHE_DIR themselves.
    folder = tempfile.mkdtemp(prefix="timeline-test-cache-")
    previous = os.environ.get("TIMELINE_CACHE_DIR")
    os.environ["TIMELINE_CACHE_DIR"] = folder
    yield
    if previous is None:
        os.environ.pop("TIMELINE_CACHE_DIR", None)
    else:
        os.environ["TIMELINE_CACHE_DIR"] = previous
    shutil.rmtree(folder, ignore_errors=True)
