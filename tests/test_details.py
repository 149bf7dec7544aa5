"""Details kept in the cache file (`timeline.details`): a dataset read back from the cache
reads its summaries, quotes and articles on demand, and equals the eager one."""

from __future__ import annotations

import gc
import os
import random
import threading
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import datasets, make_dataset, make_event, make_quote
from test_cache import QUOTE, write_dataset

import timeline.cache
from timeline import provenance
from timeline.cache import load_with_cache
from timeline.details import DetailsChanged, DetailStore
from timeline.loader import load_dataset
from timeline.model import (
    Dataset,
    DetailRef,
    Event,
    Loaded,
    Quote,
    Source,
    Span,
    detail_texts,
)

pytestmark = pytest.mark.usefixtures("private_cache")


def _round_trip(dataset: Dataset, folder: Path) -> Loaded:
    """`dataset` written as a cache entry and read back (lazily)."""
    entry, key = folder / "entry.tlcache", bytes(range(32))
    timeline.cache._write(folder, entry, key, Loaded(dataset, ()))
    read = timeline.cache._read(entry, key)
    assert read is not None, "a freshly written entry must read back"
    return read


def _store_of(dataset: Dataset) -> DetailStore:
    details = dataset.events[0]._details
    assert isinstance(details, DetailRef) and isinstance(details.reader, DetailStore)
    return details.reader


_texts = st.text(max_size=40)


@st.composite
def _varied(draw: st.DrawFn) -> Dataset:
    """A generated dataset with arbitrary text, date bases and spans, and article texts."""
    base = draw(datasets(max_events=6))
    events = tuple(
        Event(
            id=e.id,
            date=e.date,
            title=e.title,
            summary=draw(st.one_of(st.just(e.summary), _texts)),
            themes=e.themes,
            actors=e.actors,
            places=e.places,
            status=e.status,
            date_basis=draw(st.none() | _texts),
            quotes=tuple(
                Quote(
                    q.source_id,
                    q.text,
                    Span(*draw(st.lists(st.integers(0, 2**40), min_size=4, max_size=4))),
                )
                for q in e.quotes
            ),
        )
        for e in base.events
    )
    sources = tuple(
        Source(
            id=s.id, title=s.title, outlet=s.outlet, published=s.published,
            published_basis=s.published_basis, kind=s.kind, byline=s.byline,
            credit=s.credit, path=s.path, text=s.text + draw(_texts), body_line=s.body_line,
        )
        for s in base.sources
    )  # fmt: skip
    return Dataset(base.root, base.themes, sources, events)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_varied())
def test_a_dataset_read_back_lazily_equals_the_eager_one(tmp_path: Path, dataset: Dataset) -> None:
    folder = tmp_path / f"c{random.getrandbits(64)}"
    lazy = _round_trip(dataset, folder).dataset
    assert lazy == dataset
    assert len(lazy.events) == len(dataset.events)
    for read, eager in zip(lazy.events, dataset.events, strict=True):
        assert isinstance(read._details, DetailRef), "read back without its details"
        assert read.summary == eager.summary
        assert read.date_basis == eager.date_basis
        assert read.quotes == eager.quotes
        assert [q.span for q in read.quotes] == [q.span for q in eager.quotes]
        assert read.source_ids == eager.source_ids
        assert (read.id, read.date, read.title, read.themes) == (
            eager.id, eager.date, eager.title, eager.themes,
        )  # fmt: skip
        assert read == eager and eager == read
        assert hash(read) == hash(eager)
        assert repr(read) == repr(eager)
    for read_source, eager_source in zip(lazy.sources, dataset.sources, strict=True):
        assert read_source.text == eager_source.text
        assert read_source == eager_source and hash(read_source) == hash(eager_source)
    assert detail_texts(lazy.events) == detail_texts(dataset.events)
    if lazy.events:
        _store_of(lazy).close()


def test_unequal_details_make_unequal_events(tmp_path: Path) -> None:
    dataset = make_dataset(
        [make_event("a", summary="one", quotes=[("s", "words")]), make_event("b")]
    )
    lazy = _round_trip(dataset, tmp_path / "cache").dataset
    other = make_event("a", summary="two", quotes=[("s", "words")])
    assert lazy.events[0] != other and other != lazy.events[0]
    assert lazy.events[0] != lazy.events[1]
    assert lazy.events[0] == lazy.event("a")


def test_lone_surrogates_and_long_texts_read_back(tmp_path: Path) -> None:
    odd = "\ud800 lone \udfff surrogates, “curly” and 東京"
    long = "x" * 300_000 + odd
    dataset = make_dataset([make_event("a", summary=odd, quotes=[("s", long)])])
    lazy = _round_trip(dataset, tmp_path / "cache").dataset
    assert lazy.events[0].summary == odd
    assert lazy.events[0].quotes[0].text == long
    assert lazy.sources[0].text == long


def _entry(folder: Path) -> Path:
    [entry] = [p for p in folder.iterdir() if p.suffix == ".tlcache"]
    return entry


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("damage", ["flip-last", "flip-middle", "truncate"])
def test_a_damaged_details_section_is_ignored(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    folder = write_dataset(tmp_path / "data")
    reference = load_with_cache(folder)
    entry = _entry(private_cache)
    blob = bytearray(entry.read_bytes())
    # The details section is the end of the file: the article text is its last record.
    if damage == "flip-last":
        blob[-1] ^= 0x01
    elif damage == "flip-middle":
        blob[len(blob) - len(QUOTE.encode())] ^= 0x20
    else:
        del blob[-5:]
    entry.write_bytes(bytes(blob))
    calls: list[object] = []

    def counting(path: object = None, **kwargs: object) -> object:
        calls.append(path)
        return load_dataset(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(timeline.cache, "load_dataset", counting)
    before = _open_fds()
    loaded = load_with_cache(folder)
    assert calls, "a damaged entry must not be used"
    assert loaded == reference
    assert loaded.dataset.source("harbour").text == reference.dataset.source("harbour").text
    # The loader's (eager) result was returned and the damaged entry's file is closed.
    assert not isinstance(loaded.dataset.events[0]._details, DetailRef)
    assert _open_fds() == before


def test_a_warm_load_is_lazy_and_a_cold_or_uncached_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_dataset(tmp_path / "data")
    cold = load_with_cache(folder)
    warm = load_with_cache(folder)
    assert not isinstance(cold.dataset.events[0]._details, DetailRef)
    assert isinstance(warm.dataset.events[0]._details, DetailRef)
    assert isinstance(warm.dataset.sources[0]._text, DetailRef)
    assert warm == cold
    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")
    uncached = load_with_cache(folder)
    assert not isinstance(uncached.dataset.events[0]._details, DetailRef)
    assert uncached == warm


def test_threads_reading_one_store_get_the_right_records(tmp_path: Path) -> None:
    # More events than the store keeps decoded, so threads also evict each other's.
    events = [
        make_event(
            f"e{i}",
            summary=f"summary {i} “{i * 7}”",
            quotes=[(f"s{i % 5}", f"quote {i} of {j}") for j in range(i % 3)],
        )
        for i in range(700)
    ]
    eager = make_dataset(events)
    lazy = _round_trip(eager, tmp_path / "cache").dataset
    expected = {e.id: (e.summary, e.quotes) for e in eager.events}
    errors: list[str] = []
    start = threading.Barrier(6)

    def reader(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        for _ in range(3000):
            event = lazy.events[rng.randrange(len(lazy.events))]
            if (event.summary, event.quotes) != expected[event.id]:
                errors.append(event.id)
            if rng.random() < 0.05:
                source = lazy.sources[rng.randrange(len(lazy.sources))]
                if source.text != eager.source(source.id).text:
                    errors.append(source.id)

    threads = [threading.Thread(target=reader, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_the_store_closes_its_file_when_collected(tmp_path: Path) -> None:
    lazy = _round_trip(make_dataset([make_event("a", summary="s")]), tmp_path / "cache")
    store = _store_of(lazy.dataset)
    fd = store._fd
    assert os.fstat(fd) and not store.closed
    assert lazy.dataset.events[0].summary == "s"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        del lazy, store
        gc.collect()
    with pytest.raises(OSError):
        os.fstat(fd)


def test_a_closed_store_fails_clearly(tmp_path: Path) -> None:
    lazy = _round_trip(make_dataset([make_event("a", summary="s")]), tmp_path / "cache")
    store = _store_of(lazy.dataset)
    store.close()
    assert store.closed
    with pytest.raises(OSError):
        store.event_details(0)
    with pytest.raises(IndexError):
        store.event_details(5)


def test_citations_read_only_the_events_that_cite_the_article(tmp_path: Path) -> None:
    events = [
        make_event(
            f"e{i}",
            quotes=[make_quote("wanted" if i % 10 == 0 else "other", f"quote {i}")],
        )
        for i in range(100)
    ]
    eager = make_dataset(events)
    lazy = _round_trip(eager, tmp_path / "cache").dataset
    store = _store_of(lazy)
    read: list[int] = []
    original = store.event_details

    def counting(index: int) -> tuple[str, str | None, tuple[Quote, ...]]:
        read.append(index)
        return original(index)

    store.event_details = counting  # type: ignore[method-assign]
    found = provenance.citations_of(lazy, "wanted")
    assert found == provenance.citations_of(eager, "wanted")
    assert [event.id for event, _ in found] == [f"e{i}" for i in range(0, 100, 10)]
    assert sorted(set(read)) == list(range(0, 100, 10))


def test_events_and_sources_pickle_and_copy_with_their_details(tmp_path: Path) -> None:
    import copy
    import pickle

    dataset = make_dataset([make_event("a", summary="s", quotes=[("x", "q")])])
    lazy = _round_trip(dataset, tmp_path / "cache").dataset
    for value in (lazy.events[0], lazy.sources[0]):
        for clone in (pickle.loads(pickle.dumps(value)), copy.copy(value)):
            assert clone == value
    clone = pickle.loads(pickle.dumps(lazy.events[0]))
    assert not isinstance(clone._details, DetailRef)


def test_a_cache_file_cut_short_in_use_is_named_in_a_clear_error(tmp_path: Path) -> None:
    events = [make_event("a", summary="first"), make_event("b", summary="second " * 50)]
    lazy = _round_trip(make_dataset(events), tmp_path / "cache")
    entry = tmp_path / "cache" / "entry.tlcache"
    assert lazy.dataset.events[0].summary == "first"  # read (and kept) while whole
    os.truncate(entry, entry.stat().st_size - 10)
    with pytest.raises(DetailsChanged) as raised:
        _ = lazy.dataset.events[1].summary
    assert raised.value.filename == str(entry)
    assert "cut short" in str(raised.value)
    with pytest.raises(DetailsChanged):
        detail_texts(lazy.dataset.events)


def test_a_record_overwritten_in_place_fails_as_changed_not_as_garbage(
    tmp_path: Path,
) -> None:
    lazy = _round_trip(make_dataset([make_event("a", summary="s" * 40)]), tmp_path / "cache")
    store = _store_of(lazy.dataset)
    entry = tmp_path / "cache" / "entry.tlcache"
    # The record's head: a summary length far past the record's end.
    with open(entry, "r+b") as file:
        file.seek(store._start)
        file.write((1 << 30).to_bytes(4, "little"))
    with pytest.raises(DetailsChanged):
        store.event_details(0)
    with pytest.raises(DetailsChanged):
        store.detail_texts([0])
