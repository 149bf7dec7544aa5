"""The search index as plain tables (`EventIndex.search_tables`), kept in the dataset's
store (`Store.save_search_tables`) and read back by the app on a warm start.

An index loaded from its tables must answer every filter exactly as the reference
`filter_events` does; damaged tables, and a damaged, truncated, foreign or stale file,
must be refused (never trusted, never a crash) and the index built instead; nothing is
written when caching is off; and the app must have search ready when its main screen
first shows on a second start.
"""

from __future__ import annotations

import os
import sqlite3
from array import array
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
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
from tui_support import damage_store

from timeline.model import Dataset, Event
from timeline.query import (
    EventIndex,
    Filter,
    SearchTables,
    filter_events,
    sort_by_date,
    text_index,
)
from timeline.store import Store, open_dataset, store_path

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


# -- in the store ---------------------------------------------------------------------


def _store(folder: Path) -> Store:
    db = store_path(folder)
    assert db is not None
    store = Store.open(db, folder)
    assert store is not None
    return store


def test_the_store_keeps_the_tables_for_its_data(dataset_copy: Path) -> None:
    loaded = open_dataset(dataset_copy, details=False)
    store = loaded.dataset.store
    assert isinstance(store, Store)
    assert store.search_tables() is None  # nothing saved yet
    built = EventIndex(loaded.dataset)
    built.prepare_search()
    tables = built.search_tables()
    assert tables is not None
    assert store.save_search_tables(tables)  # while this reader holds the store
    store.close()
    again = _store(dataset_copy)
    read = again.search_tables()
    assert read is not None
    fresh = EventIndex(again.loaded(details=False).dataset)
    assert fresh.load_search_tables(read)
    for text in ("summit", "japan space", "kishida", "zzz"):
        assert fresh.apply(Filter(text=text)) == built.apply(Filter(text=text))
    again.close()
    # A store rebuilt for changed data holds no index until one is saved for it.
    article = sorted((dataset_copy / "sources").glob("*.txt"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    open_dataset(dataset_copy)
    assert _store(dataset_copy).search_tables() is None


def _store_with_search_tables(dataset_copy: Path) -> Path:
    """The dataset's store, with its search index saved in it."""
    loaded = open_dataset(dataset_copy, details=False)
    index = EventIndex(loaded.dataset)
    index.prepare_search()
    store = loaded.dataset.store
    assert isinstance(store, Store)
    tables = index.search_tables()
    assert tables is not None and store.save_search_tables(tables)
    store.close()
    db = store_path(dataset_copy)
    assert db is not None
    return db


def test_damaged_tables_in_the_store_are_refused_not_trusted(dataset_copy: Path) -> None:
    db = _store_with_search_tables(dataset_copy)
    with sqlite3.connect(db) as connection:
        # A bitset one byte short: no longer one bit per event.
        connection.execute("UPDATE search_chars SET events = substr(events, 2)")
    connection.close()
    damaged = _store(dataset_copy)
    read = damaged.search_tables()
    assert read is not None
    assert not EventIndex(damaged.loaded(details=False).dataset).load_search_tables(read)


def test_a_damaged_page_of_the_tables_leaves_the_index_to_be_built(dataset_copy: Path) -> None:
    db = _store_with_search_tables(dataset_copy)
    damage_store(db, "search_words")
    assert _store(dataset_copy).search_tables() is None  # not an error: built instead


async def _wait_for(pilot: Any, condition: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)


async def _run_until_data(folder: Path) -> tuple[bool, int]:
    """Start the app on `folder` as `timeline` does and let its workers finish: whether
    search was ready as the data came in, and how many times the text index was built."""
    from timeline import ui

    builds: list[int] = []
    original = text_index.TextIndex.build.__func__  # type: ignore[attr-defined]

    def counted(cls: type, events: Any, details: Any) -> Any:
        builds.append(len(events))
        return original(cls, events, details)

    db = store_path(folder)
    store = Store.open(db, folder) if db is not None else None
    if store is None:
        app = ui.make_app(folder, loaded=open_dataset(folder, details=False))
    else:
        app = ui.make_app(folder, preview=store.rows())
    ready_at_data: list[bool] = []

    def data_is_in() -> bool:
        if app.index is not None and not ready_at_data:
            ready_at_data.append(app.index.search_ready)
        return bool(ready_at_data)

    with patch.object(text_index.TextIndex, "build", classmethod(counted)):
        async with app.run_test(size=SMALL) as pilot:
            await _wait_for(pilot, data_is_in, seconds=20)
            await pilot.pause(0.1)  # time for the search worker to start
            await app.workers.wait_for_complete()
            await pilot.pause()
    return ready_at_data == [True], len(builds)


SMALL = (120, 20)


async def test_the_second_start_reads_the_index_instead_of_building_it(
    dataset_copy: Path,
) -> None:
    _, first_builds = await _run_until_data(dataset_copy)
    assert first_builds == 1
    assert _store(dataset_copy).search_tables() is not None
    ready, builds = await _run_until_data(dataset_copy)
    assert (ready, builds) == (True, 0)


async def test_the_app_with_the_store_off_saves_nothing(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")
    _, builds = await _run_until_data(dataset_copy)
    assert builds == 1
    cache = Path(os.environ["TIMELINE_CACHE_DIR"])
    assert not cache.exists() or list(cache.iterdir()) == []
