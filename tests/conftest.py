"""Test-wide setup: the dataset cache lives in a throwaway folder, never the user's."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_support import copy_bundled


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


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache folder for this test (`TIMELINE_CACHE_DIR`), with caching on."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(folder))
    monkeypatch.delenv("TIMELINE_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def dataset_copy(tmp_path: Path, private_cache: Path) -> Path:
    """A copy of the bundled dataset in a temporary folder, with its own cache folder
    (caching on), for tests of the cache entry and the files beside it."""
    folder = tmp_path / "data"
    folder.mkdir()
    return copy_bundled(folder)
