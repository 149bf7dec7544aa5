"""The loader's fast path agrees with its full checks, which are the reference.

Plainly valid events are built by `_Loader._valid_event` (during the parse when the
theme vocabulary is already known, else after it); everything else goes through the
full field-by-field checks. Turning the fast path off gives the reference answer: the
events and the diagnostics must be the same with it on, in either order of `themes`
and `events`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from timeline.diagnostics import DatasetError, Diagnostic
from timeline.loader import Loaded, _Loader, bundled_dataset_path, load_dataset


def _events_yaml() -> str:
    return (bundled_dataset_path() / "events.yaml").read_text("utf-8")


def _themes_last(text: str) -> str:
    head, rest = text.split("\nthemes:\n", 1)
    themes, events = rest.split("\nevents:\n", 1)
    return f"{head}\nevents:\n{events.rstrip()}\n\nthemes:\n{themes.rstrip()}\n"


def _dataset(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "events.yaml").write_text(text, "utf-8")
    shutil.copytree(bundled_dataset_path() / "sources", folder / "sources")
    return folder


@pytest.fixture
def no_fast_path(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], object]:
    """Load with the fast path off: every event through the full checks."""

    def load(folder: Path) -> Loaded | tuple[Diagnostic, ...]:
        with monkeypatch.context() as patch:
            patch.setattr(_Loader, "_valid_event", lambda *args, **kwargs: False)
            return _load(folder)

    return load


def _load(folder: Path) -> Loaded | tuple[Diagnostic, ...]:
    try:
        return load_dataset(folder)
    except DatasetError as error:
        return error.diagnostics


def _break(text: str) -> str:
    # A wrong quote, an unknown theme, a bad date and a bad status, in different events.
    text = text.replace(
        'quote: "Foreign Minister Yoshimasa Hayashi', 'quote: "Foreign Minister Y. Hayashi', 1
    )
    text = text.replace('themes: ["space"]', 'themes: ["spaec"]', 1)
    text = text.replace('date: "2023-08-18"', 'date: "2023-02-30"', 1)
    return re.sub(r'status: "planned"', 'status: "plannned"', text, count=1)


@pytest.mark.parametrize("themes_last", [False, True])
def test_the_fast_path_builds_the_same_events(
    tmp_path: Path, no_fast_path: Callable[[Path], object], themes_last: bool
) -> None:
    text = _events_yaml()
    folder = _dataset(tmp_path / "d", _themes_last(text) if themes_last else text)
    fast, full = _load(folder), no_fast_path(folder)
    assert isinstance(fast, Loaded) and isinstance(full, Loaded)
    assert fast.dataset.events == full.dataset.events
    assert fast.dataset.themes == full.dataset.themes
    assert fast.warnings == full.warnings == ()


@pytest.mark.parametrize("themes_last", [False, True])
def test_a_broken_file_reports_the_same_problems_either_way(
    tmp_path: Path, no_fast_path: Callable[[Path], object], themes_last: bool
) -> None:
    text = _break(_events_yaml())
    assert text != _events_yaml()
    folder = _dataset(tmp_path / "tried", _themes_last(text) if themes_last else text)
    reference, tried = no_fast_path(folder), _load(folder)
    assert isinstance(reference, tuple) and isinstance(tried, tuple)
    assert tried == reference
    codes = sorted((d.code, d.message) for d in tried)
    assert {code for code, _ in codes} >= {
        "quote-not-found", "unknown-theme", "bad-date", "bad-value",
    }  # fmt: skip
    # Positions point at the offending text in the file that was read.
    for diagnostic in tried:
        if diagnostic.file.endswith("events.yaml") and diagnostic.code != "quote-not-found":
            lines = (tmp_path / "tried" / "events.yaml").read_text("utf-8").splitlines()
            assert diagnostic.line <= len(lines)
            assert lines[diagnostic.line - 1][diagnostic.column - 1 :].strip()
