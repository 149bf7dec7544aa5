"""Lazy facet counts: the sidebar's counts read as the eager ones, and count only what
is looked up (at 1,000,000 events, counting every source took over half a second)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from strategies import ACTORS, SOURCE_IDS, datasets, filters, make_dataset, make_event
from tui_support import make_app

from timeline.loader import Loaded
from timeline.model import Dataset
from timeline.query import EventIndex, Filter, LazyCounts
from timeline.ui.screens.main import MainScreen
from timeline.ui.widgets.sidebar import FacetList, FilterSidebar, count_text

_ABSENT = ("Nobody", "no-such-source", "", "Biden ")
"""Values no event carries: each counts 0, as a value missing from the eager dict."""


def _assert_reads_as(lazy: Mapping[str, int], eager: Mapping[str, int]) -> None:
    """`lazy` answers every lookup as the eager dict `eager` does."""
    for value in [*ACTORS, *SOURCE_IDS, *_ABSENT]:
        assert lazy.get(value, 0) == eager.get(value, 0)
        assert lazy.get(value) == eager.get(value)
        assert (value in lazy) == (value in eager)
        if value in eager:
            assert lazy[value] == eager[value]
        else:
            with pytest.raises(KeyError):
                lazy[value]
    assert list(lazy) == list(eager)
    assert dict(lazy.items()) == eager
    assert len(lazy) == len(eager)
    assert lazy == eager and eager == lazy


@settings(max_examples=100, deadline=None)
@given(datasets(), filters(), filters())
def test_lazy_counts_read_as_the_eager_counts(
    dataset: Dataset, filt: Filter, other: Filter
) -> None:
    index = EventIndex(dataset)
    result = index.search(filt)
    eager = index.counts(result)
    # Looked up value by value first, so that memoised lookups are what iterating reads.
    _assert_reads_as(index.lazy_counts(result).actors, eager.actors)
    _assert_reads_as(index.lazy_counts(result).sources, eager.sources)
    lazy = index.lazy_counts(result)
    assert lazy == eager  # iterated first, then looked up: the same answers
    _assert_reads_as(lazy.actors, eager.actors)
    _assert_reads_as(lazy.sources, eager.sources)
    assert (lazy.themes, lazy.statuses) == (eager.themes, eager.statuses)
    # Over another result, equal exactly when the eager counts are.
    second = index.search(other)
    again = index.lazy_counts(second)
    assert (again.actors == lazy.actors) == (index.counts(second).actors == eager.actors)
    assert (again.sources == lazy.sources) == (index.counts(second).sources == eager.sources)


class _Bitsets(Mapping[str, int]):
    """Bitsets by value that record which values were read."""

    def __init__(self, masks: dict[str, int]) -> None:
        self.masks = masks
        self.read: Counter[str] = Counter()

    def __getitem__(self, value: str) -> int:
        bits = self.masks[value]
        self.read[value] += 1  # a bitset read, which counting it would follow
        return bits

    def __iter__(self) -> Iterator[str]:
        return iter(self.masks)

    def __len__(self) -> int:
        return len(self.masks)


def test_a_lookup_counts_that_value_once() -> None:
    bitsets = _Bitsets({"a": 0b0111, "b": 0b1000, "c": 0b1100})
    counts = LazyCounts(bitsets, 0b0110)
    assert counts.get("a") == 2
    assert counts.get("a", 0) == 2
    assert bitsets.read == Counter({"a": 1})  # neither the others nor twice
    assert counts.get("b", 0) == 0 and "b" not in counts
    assert counts.get("zzz", 0) == 0
    assert bitsets.read == Counter({"a": 1, "b": 1})
    assert dict(counts) == {"a": 2, "c": 1}
    assert bitsets.read == Counter({"a": 1, "b": 1, "c": 1})


def test_counts_within_an_equal_result_are_equal_without_counting() -> None:
    bitsets = _Bitsets({str(n): 1 << n for n in range(64)})
    mask = (1 << 40) - 1
    first = LazyCounts(bitsets, mask)
    # An equal mask that is another int object, as a new search gives.
    same = LazyCounts(bitsets, int(str(mask)))
    assert first == same and first.same_result(same)
    other = LazyCounts(bitsets, mask >> 1)
    assert not first.same_result(other)
    assert not first.same_result(LazyCounts(dict(bitsets.masks), mask))  # other bitsets
    assert not bitsets.read
    assert first != other  # by their counts: "39" is counted in one only
    assert "LazyCounts(" in repr(first)


def _many_values() -> Loaded:
    """300 events, each with an actor and a source of its own: far more than a list shows."""
    events = [
        make_event(
            f"e{n:03}",
            f"2023-01-{n % 28 + 1:02}",
            themes=["even" if n % 2 == 0 else "odd"],
            actors=[f"Actor {n:03}"],
            quotes=[(f"source-{n:03}", f"words {n}")],
        )
        for n in range(300)
    ]
    return Loaded(make_dataset(events), ())


async def test_the_sidebar_counts_only_the_values_it_draws(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = _many_values()
    index = EventIndex(loaded.dataset)
    looked_up: Counter[str] = Counter()
    original = LazyCounts._count

    def count(self: LazyCounts[Any], value: Any) -> int:
        looked_up[value] += 1
        return original(self, value)

    monkeypatch.setattr(LazyCounts, "_count", count)
    app = make_app(loaded)
    async with app.run_test(size=(170, 45)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        sidebar = screen.query_one(FilterSidebar)
        await sidebar.fill()
        for _ in range(3):
            await pilot.pause()
        looked_up.clear()
        drawn: set[str] = set()
        original_render = FacetList.render_line

        def render_line(self: FacetList, y: int) -> Any:
            index_ = self.scroll_offset.y + y
            if 0 <= index_ < self.option_count:
                drawn.add(self.get_option_at_index(index_).value)
            return original_render(self, y)

        monkeypatch.setattr(FacetList, "render_line", render_line)
        screen.set_filter(Filter(themes=frozenset({"even"})))
        for _ in range(3):
            await pilot.pause()
        assert looked_up, "the lines on screen show counts"
        assert set(looked_up) <= drawn
        assert len(looked_up) < 100  # of 600 actors and sources
        # And what is drawn is the eager count.
        result = index.search(Filter(themes=frozenset({"even"})))
        eager = index.counts(result)
        for facet, counts in (("#actors", eager.actors), ("#sources", eager.sources)):
            facet_list = screen.query_one(facet, FacetList)
            assert facet_list.counts == counts
            for y in range(min(facet_list.option_count, facet_list.size.height)):
                value = facet_list.get_option_at_index(facet_list.scroll_offset.y + y).value
                text = facet_list.render_line(y).text.rstrip()
                assert text.endswith(count_text(counts.get(value, 0)).strip())
        assert app.sub_title == "150 of 300 events"
        assert sum(eager.statuses.values()) == 150
