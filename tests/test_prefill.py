"""The first start of a small dataset: a child process checks it while Textual loads.

`timeline.prefill` runs the loader in `python -m timeline.prefill`, which fills the
cache entry and the rows snapshot; the CLI then starts from them as every later start
does, or loads in-process (its diagnostics and exit code unchanged) if the child did
not finish the job.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import timeline.cache
import timeline.prefill
import timeline.ui
from timeline.cache import load_with_cache
from timeline.cli import main as cli_main
from timeline.loader import load_dataset
from timeline.prefill import Prefill
from timeline.prefill import main as child_main

pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture(autouse=True)
def _two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    # The child only starts where it can run beside the parent; CI may have one core.
    monkeypatch.setattr(timeline.prefill, "available_cores", lambda: 2)


def _break(folder: Path) -> None:
    events = folder / "events.yaml"
    events.write_text(events.read_text(encoding="utf-8") + "\n  bad: [\n", encoding="utf-8")


def _written(cache: Path) -> list[str]:
    if not cache.exists():
        return []
    return sorted(p.suffix for p in cache.iterdir() if not p.name.startswith(".tmp-"))


def _package_file() -> str:
    return str(Path(timeline.__file__).resolve())


def test_the_child_fills_the_cache_entry_and_the_rows_snapshot(
    dataset_copy: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefill = Prefill.start(dataset_copy)
    assert prefill is not None
    assert prefill.wait()
    assert _written(private_cache) == [".tlcache", ".tlrows"]
    rows, stamp = timeline.ui.read_rows(dataset_copy)
    expected = load_dataset(dataset_copy).dataset
    assert rows is not None and stamp is not None
    assert len(rows) == len(expected.events)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the loader ran: the child did not fill the cache")

    monkeypatch.setattr(timeline.cache, "load_dataset", refuse)
    cached = load_with_cache(dataset_copy).dataset
    assert cached.events == expected.events
    assert [e.quotes for e in cached.events] == [e.quotes for e in expected.events]


def test_invalid_data_leaves_nothing_behind(dataset_copy: Path, private_cache: Path) -> None:
    _break(dataset_copy)
    prefill = Prefill.start(dataset_copy)
    assert prefill is not None
    assert not prefill.wait()
    assert _written(private_cache) == []


def test_the_child_refuses_to_run_another_copy_of_the_package(
    dataset_copy: Path, private_cache: Path
) -> None:
    assert child_main([str(dataset_copy / "__init__.py"), str(dataset_copy)]) == 3
    assert child_main([]) == 3
    assert _written(private_cache) == []
    # The same steps in this process, with this package: done.
    assert child_main([_package_file(), str(dataset_copy)]) == 0
    assert _written(private_cache) == [".tlcache", ".tlrows"]


def test_no_child_on_one_core_and_nothing_to_hand_over_without_a_cache(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline.prefill, "available_cores", lambda: 1)
    assert Prefill.start(dataset_copy) is None
    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")
    assert child_main([_package_file(), str(dataset_copy)]) == 4


def test_a_child_past_its_time_is_stopped_and_reaped() -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    prefill = Prefill(process)
    assert not prefill.wait(timeout=0.2)
    assert process.poll() is not None


def test_ctrl_c_while_waiting_stops_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    original = process.wait
    interrupted: list[bool] = []

    def wait(timeout: float | None = None) -> int:
        if not interrupted:
            interrupted.append(True)
            raise KeyboardInterrupt
        return original(timeout)

    monkeypatch.setattr(process, "wait", wait)
    with pytest.raises(KeyboardInterrupt):
        Prefill(process).wait()
    assert process.poll() is not None


# -- through the CLI ------------------------------------------------------------------


@pytest.fixture
def tui(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Record how the CLI would start the TUI, without starting Textual."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def run_app(loaded: Any, **kwargs: Any) -> int:
        calls.append(("loaded", {"loaded": loaded, **kwargs}))
        return 0

    def run_app_lazy(path: Any, **kwargs: Any) -> int:
        calls.append(("rows", {"path": path, **kwargs}))
        return 0

    monkeypatch.setattr(timeline.ui, "run_app", run_app)
    monkeypatch.setattr(timeline.ui, "run_app_lazy", run_app_lazy)
    return calls


def test_the_first_start_opens_on_the_rows_the_child_wrote(
    dataset_copy: Path, tui: list[tuple[str, dict[str, Any]]]
) -> None:
    assert cli_main([str(dataset_copy)]) == 0
    [(how, call)] = tui
    assert how == "rows"
    assert len(call["rows"]) == len(load_dataset(dataset_copy).dataset.events)
    assert call["rows_stamp"] is not None


def test_a_child_that_fails_leaves_the_cli_to_load_in_process(
    dataset_copy: Path,
    tui: list[tuple[str, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Prefill, "wait", lambda self, timeout=0: False)
    assert cli_main([str(dataset_copy)]) == 0
    [(how, call)] = tui
    assert how == "loaded"
    assert call["loaded"].dataset.events == load_dataset(dataset_copy).dataset.events


def test_invalid_data_still_prints_every_diagnostic_before_any_tui(
    dataset_copy: Path,
    tui: list[tuple[str, dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _break(dataset_copy)
    assert cli_main([str(dataset_copy)]) == 1
    assert tui == []
    out, err = capsys.readouterr()
    assert out == ""
    assert "events.yaml:" in err
    assert "error [" in err


def test_ctrl_c_while_textual_loads_leaves_no_child(
    dataset_copy: Path,
    tui: list[tuple[str, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    started: list[Prefill] = []
    original = Prefill.start

    def start(path: str | Path | None) -> Prefill | None:
        prefill = original(path)
        assert prefill is not None
        started.append(prefill)
        return prefill

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Prefill, "start", start)
    monkeypatch.setattr(timeline.ui, "preload", interrupted)
    assert cli_main([str(dataset_copy)]) == 130
    [prefill] = started
    assert prefill._process.poll() is not None  # stopped and reaped
    assert tui == []
