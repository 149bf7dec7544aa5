"""The search index as plain tables (`EventIndex.search_tables`), kept beside the
dataset's cache entry (`EventIndex.search_state`, `timeline.cache.SearchStateFile`) and
read back by the app on a warm start.

An index loaded from its tables must answer every filter exactly as the reference
`filter_events` does; damaged tables, and a damaged, truncated, foreign or stale file,
must be refused (never trusted, never a crash) and the index built instead; nothing is
written when caching is off; and the app must have search ready when its main screen
first shows on a second start.
"""

from __future__ import annotations

import os
from array import array
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import (
    datasets,
    events_of_text,
    filters,
    index_settings,
    make_dataset,
    make_event,
    patch_index,
)

import timeline.cache
from timeline import query
from timeline.cache import load_with_cache, search_state_file
from timeline.loader import load_dataset
from timeline.model import Dataset, Event
from timeline.query import (
    EventIndex,
    Filter,
    SearchTables,
    filter_events,
    sort_by_date,
    text_index,
)

# -- the tables -----------------------------------------------------------------------

# Short words from a small alphabet (accents, case folds, CJK, a decomposed accent), so
# that 1-3 character queries hit many words and the dense and per-character paths run.
_ALPHABET = "abcé東ßİe\u0301'-"
_chunks = st.text(alphabet=_ALPHABET + " \t\u00a0", max_size=12)
_queries = st.lists(st.text(alphabet=_ALPHABET + "AÉ", min_size=1, max_size=3), max_size=2)


def _letter_datasets() -> st.SearchStrategy[Dataset]:
    return (
        st.integers(0, 40).flatmap(lambda count: events_of_text(_chunks, count)).map(make_dataset)
    )


def _reference(dataset: Dataset, filt: Filter) -> list[str]:
    return [event.id for event in filter_events(sort_by_date(dataset.events), filt)]


def _round_trip(dataset: Dataset, settings_: dict[str, Any]) -> tuple[EventIndex, EventIndex]:
    built = EventIndex(dataset)
    assert built.search_tables() is None  # not prepared yet
    with patch_index(settings_):
        built.prepare_search()
    tables = built.search_tables()
    assert tables is not None and tables.size == len(dataset.events)
    loaded = EventIndex(dataset)
    ready_before = loaded.search_ready
    assert loaded.load_search_tables(tables)
    assert (ready_before, loaded.search_ready) == (False, True)
    assert loaded.search_tables() == tables  # the same tables again: nothing lost
    return built, loaded


@settings(max_examples=120, deadline=None)
@given(
    st.one_of(datasets(max_events=30), _letter_datasets()),
    st.lists(filters(), max_size=4),
    _queries,
    index_settings(),
    st.sampled_from([1, 4, 8192]),  # `_CHAR_WINDOW`
)
def test_an_index_loaded_from_its_tables_answers_as_the_reference(
    dataset: Dataset,
    filters_: list[Filter],
    words: list[str],
    settings_: dict[str, Any],
    window: int,
) -> None:
    built, loaded = _round_trip(dataset, {**settings_, "_CHAR_WINDOW": window})
    for filt in [*filters_, Filter(text=" ".join(words))]:
        expected = _reference(dataset, filt)
        assert [loaded.events[i].id for i in loaded.apply(filt)] == expected
        assert [built.events[i].id for i in built.apply(filt)] == expected
    for k in range(1, len(words[0]) + 1 if words else 1):  # typed key by key, narrowing
        filt, before = Filter(text=words[0][:k]), Filter(text=words[0][: k - 1])
        # Narrow only as the UI does: when the folded term before is in the new one (a
        # combining accent typed after "a" makes "á", which does not hold "a").
        narrows = all(old in new for old, new in zip(before.terms, filt.terms, strict=False))
        for index in (loaded, built):
            found = index.search(filt, index.search(before) if narrows else None)
            assert [index.events[i].id for i in found.positions] == _reference(dataset, filt)


def _events(count: int, word: str = "summit") -> list[Event]:
    return [
        make_event(f"e{i}", title=f"{word} {i} café", summary="the alliance" * (i % 3))
        for i in range(count)
    ]


def _table_events(count: int) -> list[Event]:
    return [
        make_event(f"e{i}", title=f"the {i}", summary="summit café" if i % 2 else "")
        for i in range(count)
    ]


def _tables(count: int = 20) -> SearchTables:
    built = EventIndex(make_dataset(_table_events(count)))
    with patch_index({"_DENSE_WORD": 2}):  # "the" (in every event) dense, the rest not
        built.prepare_search()
    tables = built.search_tables()
    assert tables is not None and tables.dense and tables.chars
    return tables


def _positions(tables: SearchTables, word: str) -> list[int]:
    return array("I", tables.positions[list(tables.words).index(word)]).tolist()


def _damaged(tables: SearchTables, damage: str) -> SearchTables:
    """`tables` with one thing wrong of the kind `damage` names."""
    words, positions = list(tables.words), list(tables.positions)
    dense, chars = dict(tables.dense), dict(tables.chars)
    summit = words.index("summit")
    dense_word, dense_bits = next(iter(dense.items()))
    char, char_bits = next(iter(chars.items()))
    every = array("I", range(tables.size))
    if damage == "descending":
        positions[summit] = array("I", reversed(every)).tobytes()
    elif damage == "out of order":
        positions[summit] = array("I", [1, 5, 3, 7]).tobytes()
    elif damage == "past the end":
        positions[summit] = array("I", [*every, tables.size]).tobytes()
    elif damage == "not whole positions":
        positions[summit] += b"\0"
    elif damage == "a word short":
        del words[-1]
    elif damage == "a dense word past the end":
        dense[len(words)] = dense_bits
    elif damage == "a dense word with positions":
        positions[dense_word] = every.tobytes()
    elif damage == "a bitset a byte short":
        chars[char] = char_bits[:-1]
    elif damage == "a bitset past the end":
        dense[dense_word] = (1 << tables.size | 1).to_bytes(len(dense_bits), "little")
    elif damage == "two characters":
        chars[char * 2] = chars.pop(char)
    elif damage == "a newline in a word":
        words[summit] = "sum\nmit"
    elif damage == "not a word":
        words[summit] = 7  # type: ignore[call-overload]
    elif damage == "not bytes":
        positions[summit] = list(every)  # type: ignore[call-overload]
    else:
        raise AssertionError(damage)
    return SearchTables(tables.size, words, positions, dense, chars)


_DAMAGES = [
    "descending",
    "out of order",
    "past the end",
    "not whole positions",
    "a word short",
    "a dense word past the end",
    "a dense word with positions",
    "a bitset a byte short",
    "a bitset past the end",
    "two characters",
    "a newline in a word",
    "not a word",
    "not bytes",
]


@pytest.mark.parametrize("damage", _DAMAGES)
def test_damaged_tables_are_refused(damage: str) -> None:
    tables = _tables()
    index = EventIndex(make_dataset(_table_events(20)))
    assert not index.load_search_tables(_damaged(tables, damage))
    assert not index.search_ready
    assert index.load_search_tables(tables)  # and the whole tables are taken
    odd = list(range(1, 20, 2))
    assert _positions(tables, "summit") == odd
    assert index.apply(Filter(text="summit")) == odd
    assert index.apply(Filter(text="th")) == list(range(20))


def test_tables_are_refused_for_another_number_of_events() -> None:
    tables = _tables(20)
    for count in (19, 21):
        index = EventIndex(make_dataset(_table_events(count)))
        assert not index.load_search_tables(tables)
        assert not index.search_ready


def test_tables_of_no_events() -> None:
    built = EventIndex(make_dataset([]))
    built.prepare_search()
    tables = built.search_tables()
    assert tables == SearchTables(0, [], (), {}, {})
    loaded = EventIndex(make_dataset([]))
    assert loaded.load_search_tables(tables)
    assert loaded.apply(Filter(text="a")) == []


def test_the_bytes_for_the_cache_read_back_and_refuse_damage() -> None:
    # `search_state` and `load_search_state` carry the tables through the side file.
    dataset = make_dataset(_events(50))
    built = EventIndex(dataset)
    assert built.search_state() is None and built.search_state_parts() is None
    built.prepare_search()
    state = built.search_state()
    assert state is not None and list(built.search_state_parts() or []) == [state]
    loaded = EventIndex(dataset)
    assert loaded.load_search_state(memoryview(state))  # as `SearchStateFile.read` gives it
    assert loaded.search_tables() == built.search_tables()
    assert not EventIndex(make_dataset(_events(49))).load_search_state(state)
    for cut in [*range(0, 200, 7), *range(len(state) - 64, len(state))]:
        index = EventIndex(dataset)
        assert not index.load_search_state(state[:cut])
        assert not index.search_ready


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4))
def test_damaged_bytes_never_make_a_search_raise(flips: list[tuple[int, int]]) -> None:
    # The file's SHA-256 catches damage before this; these are bytes that passed it
    # anyway (made by hand): they may answer wrongly, but must never raise or hang.
    dataset = make_dataset(_events(40))
    built = EventIndex(dataset)
    with patch_index({"_DENSE_WORD": 4}):
        built.prepare_search()
    state = bytearray(built.search_state() or b"")
    for at, value in flips:
        state[at % len(state)] = value
    index = EventIndex(dataset)
    if index.load_search_state(bytes(state)):
        for text in ("s", "su", "summit", "é", "the alliance", "9"):
            index.apply(Filter(text=text, date_from=738000, date_to=739000))


# -- the side file -----------------------------------------------------------------------


def _saved(folder: Path) -> tuple[timeline.cache.SearchStateFile, EventIndex, bytes]:
    loaded = load_with_cache(folder)
    state_file = search_state_file(loaded.dataset)
    assert state_file is not None
    index = EventIndex(loaded.dataset)
    index.prepare_search()
    state = index.search_state()
    assert state is not None and state_file.write(state)
    return state_file, index, state


def test_the_state_lives_beside_the_cache_entry_under_its_key(dataset_copy: Path) -> None:
    loaded = load_with_cache(dataset_copy)
    state_file = search_state_file(loaded.dataset)
    assert state_file is not None
    assert state_file.read() is None  # nothing saved yet
    assert state_file.key == timeline.cache.cache_key(dataset_copy)
    slot = timeline.cache.slot_name(dataset_copy)
    assert state_file.path == timeline.cache.cache_dir() / f"{slot}.tlsearch"  # type: ignore[operator]
    state_file, index, state = _saved(dataset_copy)
    read = state_file.read()
    assert read is not None and bytes(read) == state
    fresh = EventIndex(load_with_cache(dataset_copy).dataset)  # warm: from the cache
    again = search_state_file(fresh.dataset)
    assert again is not None and (data := again.read()) is not None
    assert fresh.load_search_state(data)
    for text in ("a", "nato", "summit meeting", "zzz"):
        assert fresh.apply(Filter(text=text)) == index.apply(Filter(text=text))
    # Only the entry and the state: no temporary file left behind.
    names = sorted(p.suffix for p in state_file.path.parent.iterdir())
    assert names == [".tlcache", ".tlsearch"]


def test_the_state_is_written_from_its_pieces(dataset_copy: Path) -> None:
    loaded = load_with_cache(dataset_copy)
    state_file = search_state_file(loaded.dataset)
    assert state_file is not None
    index = EventIndex(loaded.dataset)
    index.prepare_search()
    state = index.search_state()
    parts = index.search_state_parts()
    assert state is not None and parts is not None
    # Gone through twice (the digest, then the bytes), or a one-shot iterator kept.
    for given_parts in (parts, iter(parts)):
        state_file.path.unlink(missing_ok=True)
        assert state_file.write(given_parts)
        read = state_file.read()
        assert read is not None and bytes(read) == state


def test_a_dataset_not_from_the_cache_has_no_state_file(dataset_copy: Path) -> None:
    load_with_cache(dataset_copy)
    assert search_state_file(load_dataset(dataset_copy).dataset) is None


@pytest.mark.parametrize(
    "damage", ["flip body", "flip header", "truncate", "extend", "empty", "directory"]
)
def test_a_damaged_file_is_ignored(dataset_copy: Path, damage: str) -> None:
    state_file, _, _ = _saved(dataset_copy)
    path = state_file.path
    data = bytearray(path.read_bytes())
    if damage == "flip body":
        data[len(data) // 2] ^= 0x40
    elif damage == "flip header":
        data[3] ^= 1
    elif damage == "truncate":
        del data[-1:]
    elif damage == "extend":
        data += b"\0"
    elif damage == "empty":
        data = bytearray()
    if damage == "directory":
        path.unlink()
        path.mkdir()
    else:
        path.write_bytes(bytes(data))
    assert state_file.read() is None


def test_a_foreign_or_stale_file_is_ignored(dataset_copy: Path) -> None:
    state_file, _, state = _saved(dataset_copy)
    # Another dataset's state under this slot's name (its own key in the header).
    other = timeline.cache.SearchStateFile(state_file.path, bytes(32))
    assert other.read() is None
    assert other.write(state)
    assert state_file.read() is None
    assert state_file.write(state) and state_file.read() is not None
    # Written by other query code, or in another layout.
    with patch.object(timeline.cache, "_query_digest", lambda: bytes(32)):
        assert state_file.read() is None
    with patch.object(query, "SEARCH_STATE_FORMAT", query.SEARCH_STATE_FORMAT + 1):
        assert state_file.read() is None
    assert state_file.read() is not None
    # The dataset changed: a new key, and the old file does not match it.
    with (dataset_copy / "events.yaml").open("a", encoding="utf-8") as file:
        file.write("\n")
    changed = search_state_file(load_with_cache(dataset_copy).dataset)
    assert changed is not None and changed.path == state_file.path
    assert changed.key != state_file.key and changed.read() is None


def test_no_cache_gives_no_state_file(dataset_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")
    assert search_state_file(load_with_cache(dataset_copy).dataset) is None
    cache = Path(os.environ["TIMELINE_CACHE_DIR"])
    assert not cache.exists()


# -- the app -----------------------------------------------------------------------------

SMALL = (120, 20)


async def _wait_for(pilot: Any, condition: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)


async def _run_until_main(folder: Path) -> tuple[bool, int]:
    """Start the app on `folder` and let its workers finish: whether search was ready
    as the main screen first showed, and how many times the text index was built."""
    from timeline import ui
    from timeline.ui.screens.main import MainScreen

    builds: list[int] = []
    original = text_index.TextIndex.build.__func__  # type: ignore[attr-defined]

    def counted(cls: type, events: Any) -> Any:
        builds.append(len(events))
        return original(cls, events)

    app = ui.lazy_app(folder)
    ready_at_main: list[bool] = []

    def main_is_up() -> bool:
        if isinstance(app.screen, MainScreen) and not ready_at_main:
            assert app.index is not None
            ready_at_main.append(app.index.search_ready)
        return bool(ready_at_main)

    with patch.object(text_index.TextIndex, "build", classmethod(counted)):
        async with app.run_test(size=SMALL) as pilot:
            await _wait_for(pilot, main_is_up, seconds=20)
            await pilot.pause(0.1)  # time for the search worker to start
            await app.workers.wait_for_complete()
            await pilot.pause()
    return ready_at_main == [True], len(builds)


async def test_the_second_start_reads_the_index_instead_of_building_it(
    dataset_copy: Path,
) -> None:
    cache = timeline.cache.cache_dir()
    assert cache is not None
    state_path = cache / f"{timeline.cache.slot_name(dataset_copy)}.tlsearch"
    _, first_builds = await _run_until_main(dataset_copy)
    assert first_builds == 1 and state_path.exists()
    written = state_path.read_bytes()
    ready, builds = await _run_until_main(dataset_copy)
    assert (ready, builds) == (True, 0)
    assert state_path.read_bytes() == written  # read, not rewritten
    # A damaged file: built again on the next start, and saved whole again.
    state_path.write_bytes(written[:-10])
    _, builds = await _run_until_main(dataset_copy)
    assert builds == 1 and state_path.read_bytes() == written


async def test_the_app_with_caching_off_saves_no_index(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")
    _, builds = await _run_until_main(dataset_copy)
    assert builds == 1
    cache = Path(os.environ["TIMELINE_CACHE_DIR"])
    assert not cache.exists() or list(cache.iterdir()) == []
