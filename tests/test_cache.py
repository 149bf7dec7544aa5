"""The dataset cache: the same result as the loader, and nothing stale or foreign trusted.

Each test gets its own cache folder (`TIMELINE_CACHE_DIR`). Whether a result came from
the cache is told by making the loader fail on purpose: a hit never calls it.
"""

from __future__ import annotations

import os
import pickle
import shutil
import textwrap
from pathlib import Path

import pytest

import timeline.cache
from timeline.cache import cache_dir, cache_key, load_with_cache
from timeline.diagnostics import DatasetError, Severity
from timeline.loader import bundled_dataset_path, load_dataset

ARTICLE = (
    "The harbour authority said on Monday that the new breakwater would be finished "
    "before the autumn storms, two years later than first planned.\n\n"
    "Ferries will keep running. “Nothing changes for passengers,” a spokesman said.\n"
)
QUOTE = "the new breakwater would be finished before the autumn storms"


def write_dataset(folder: Path, *, quote: str = QUOTE, title: str = "Harbour news") -> Path:
    """A one-event dataset with one article; `quote` must be in the article to load."""
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    (folder / "sources" / "harbour.txt").write_text(
        "---\nid: harbour\n"
        f'title: "{title}"\noutlet: "The Port Times"\npublished: "2024-03-04"\n'
        "kind: report\n---\n" + ARTICLE,
        encoding="utf-8",
    )
    (folder / "events.yaml").write_text(
        textwrap.dedent(
            f"""\
            version: "1"
            themes:
              port:
                label: Port
                description: The harbour and its works.
            events:
              - id: breakwater
                date: "2024-03-04"
                title: The breakwater will be late
                summary: The harbour authority set a new date for the breakwater.
                themes: [port]
                status: scheduled
                sources:
                  - source: harbour
                    quote: "{quote}"
            """
        ),
        encoding="utf-8",
    )
    return folder


pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture
def loader_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Count the loader runs behind `load_with_cache`."""
    calls: list[object] = []

    def counting(path: object = None, **kwargs: object) -> object:
        calls.append(path)
        return load_dataset(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(timeline.cache, "load_dataset", counting)
    return calls


def entries(folder: Path) -> list[Path]:
    """The cache files (temporary files included, so a leftover would show)."""
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_hit_returns_what_the_loader_returns(tmp_path: Path, loader_calls: list[object]) -> None:
    folder = write_dataset(tmp_path / "data")
    first = load_with_cache(folder)
    second = load_with_cache(folder)
    assert len(loader_calls) == 1, "the second load must come from the cache"
    reference = load_dataset(folder)
    for loaded in (first, second):
        assert loaded == reference
        assert loaded.dataset.root == reference.dataset.root
        assert loaded.dataset.events[0].quotes == reference.dataset.events[0].quotes
        # The lookup tables the dataset derives are rebuilt, not lost.
        assert loaded.dataset.event("breakwater") == reference.dataset.event("breakwater")
        assert loaded.dataset.source("harbour").text == ARTICLE


def test_the_bundled_dataset_round_trips(loader_calls: list[object]) -> None:
    load_with_cache()
    cached = load_with_cache()
    assert len(loader_calls) == 1
    reference = load_dataset()
    assert cached == reference
    assert cached.warnings == reference.warnings
    assert cached.dataset.root == str(bundled_dataset_path())


def test_warnings_are_cached_with_the_dataset(tmp_path: Path, loader_calls: list[object]) -> None:
    folder = write_dataset(tmp_path / "data", quote="the new breakwater")  # under 40 characters
    first = load_with_cache(folder)
    second = load_with_cache(folder)
    assert len(loader_calls) == 1
    assert [d.code for d in first.warnings] == ["quote-short"]
    assert second.warnings == first.warnings
    assert second.warnings[0].severity is Severity.WARNING


def test_errors_are_never_cached(
    tmp_path: Path, private_cache: Path, loader_calls: list[object]
) -> None:
    folder = write_dataset(tmp_path / "data", quote="words that the article never says anywhere")
    for _ in range(2):
        with pytest.raises(DatasetError) as raised:
            load_with_cache(folder)
        assert [d.code for d in raised.value.diagnostics] == ["quote-not-found"]
    assert len(loader_calls) == 2
    assert entries(private_cache) == []


def test_a_changed_article_is_a_miss(
    tmp_path: Path, private_cache: Path, loader_calls: list[object]
) -> None:
    folder = write_dataset(tmp_path / "data")
    assert load_with_cache(folder).dataset.source("harbour").title == "Harbour news"
    write_dataset(folder, title="Harbour news, updated")
    assert load_with_cache(folder).dataset.source("harbour").title == "Harbour news, updated"
    assert len(loader_calls) == 2
    # One entry per dataset path: the stale one is gone.
    assert len(entries(private_cache)) == 1


def test_a_new_file_in_sources_is_a_miss(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "data")
    before = cache_key(folder)
    (folder / "sources" / "other.txt").write_text("not front matter\n", encoding="utf-8")
    assert cache_key(folder) != before
    with pytest.raises(DatasetError):
        load_with_cache(folder)  # the loader sees the bad new file: no stale success


def test_the_same_bytes_elsewhere_do_not_share_an_entry(tmp_path: Path) -> None:
    first = write_dataset(tmp_path / "one")
    second = tmp_path / "two"
    shutil.copytree(first, second)
    assert cache_key(first) != cache_key(second)
    assert load_with_cache(second).dataset.root == str(second)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda blob: blob[: len(blob) // 2], id="truncated"),
        pytest.param(lambda blob: blob[:-10] + bytes(10), id="payload-flipped"),
        pytest.param(lambda blob: b"NOTCACHE" + blob[8:], id="bad-magic"),
        pytest.param(lambda blob: b"", id="empty"),
    ],
)
def test_a_damaged_file_is_ignored_and_rebuilt(
    tmp_path: Path, private_cache: Path, loader_calls: list[object], damage: object
) -> None:
    folder = write_dataset(tmp_path / "data")
    reference = load_with_cache(folder)
    [entry] = entries(private_cache)
    entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    assert load_with_cache(folder) == reference
    assert len(loader_calls) == 2
    # Rebuilt: the next start is a hit again.
    assert load_with_cache(folder) == reference
    assert len(loader_calls) == 2


class _Payload:
    """What a hostile pickle would carry: building it creates a file."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return open, (self.target, "w")


def test_a_foreign_pickle_with_a_valid_digest_builds_nothing(
    tmp_path: Path, private_cache: Path, loader_calls: list[object]
) -> None:
    """Even a file whose header and digest are right may only build dataset types."""
    import hashlib

    folder = write_dataset(tmp_path / "data")
    reference = load_with_cache(folder)
    [entry] = entries(private_cache)
    blob = entry.read_bytes()
    target = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(str(target)))
    # The skeleton replaced by the payload; the header (magic, format, key, then the
    # skeleton's length and digest, the details' length and digest) and the details
    # section are otherwise whole and valid.
    at = 44
    skeleton_length = int.from_bytes(blob[at : at + 8], "little")
    header_end = timeline.cache._HEADER
    entry.write_bytes(
        blob[:at]
        + len(payload).to_bytes(8, "little")
        + hashlib.sha256(payload).digest()
        + blob[at + 40 : header_end]
        + payload
        + blob[header_end + skeleton_length :]
    )
    assert load_with_cache(folder) == reference
    assert not target.exists()
    assert len(loader_calls) == 2


def test_no_cache_turns_it_off(
    tmp_path: Path, private_cache: Path, loader_calls: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")
    assert cache_dir() is None
    folder = write_dataset(tmp_path / "data")
    load_with_cache(folder)
    load_with_cache(folder)
    assert len(loader_calls) == 2
    assert entries(private_cache) == []


def test_the_default_folder_is_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("TIMELINE_CACHE_DIR")
    assert cache_dir() == Path(platformdirs.user_cache_dir("timeline"))


def test_writes_leave_no_temporary_files_and_are_private(
    tmp_path: Path, private_cache: Path
) -> None:
    folder = write_dataset(tmp_path / "data")
    load_with_cache(folder)
    [entry] = entries(private_cache)
    assert entry.suffix == ".tlcache" and not entry.name.startswith(".tmp")
    assert entry.stat().st_mode & 0o077 == 0
    assert private_cache.stat().st_mode & 0o077 == 0


def test_an_unwritable_cache_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(blocker / "cache"))
    folder = write_dataset(tmp_path / "data")
    assert load_with_cache(folder) == load_dataset(folder)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_never_opened_for_the_key(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "data")
    (folder / "events.yaml").unlink()
    os.mkfifo(folder / "events.yaml")
    assert cache_key(folder) is None
    with pytest.raises(DatasetError) as raised:
        load_with_cache(folder)  # would hang if anything opened the FIFO
    assert [d.code for d in raised.value.diagnostics] == ["not-a-file"]


def test_progress_reaches_the_end_on_a_hit(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "data")
    load_with_cache(folder)
    seen: list[float] = []
    load_with_cache(folder, progress=seen.append)
    assert seen and seen[-1] == 1.0
    assert all(0.0 <= value <= 1.0 for value in seen)


def test_the_loading_code_is_part_of_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed validation rule must not be hidden by a cache built by the old code."""
    folder = write_dataset(tmp_path / "data")
    before = cache_key(folder)
    monkeypatch.setattr(timeline.cache, "_code_digest", lambda: b"other code")
    assert cache_key(folder) != before
