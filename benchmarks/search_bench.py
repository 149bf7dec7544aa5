"""Time `EventIndex.search` alone: per keystroke of a search, and per date-range change.

    python benchmarks/search_bench.py /tmp/tlb/d100000            # a dataset folder
    python benchmarks/search_bench.py --size 100k --work /tmp/tlb/work --reps 7

The dataset is opened through `timeline.store.open_dataset` as the TUI opens it (so the
second run reads the store), or generated first by `benchmarks/run.py`'s rule when
`--size` is given. The index is built, its search structures are prepared as the app
does in a background thread (`EventIndex.prepare_search`, timed), and then:

- each of a few 5-letter words from the titles is typed one key at a time: the first
  key searches within the unfiltered result, each later key narrows the previous result
  (`within=`), as `MainScreen.watch_filter` does; then deleted one key at a time (a
  wider search, no `within`);
- the same keystrokes with a theme selected;
- date ranges: "from" a year (as `run.py` sets it), a one-year range, a ten-year range,
  "to" a year, and a one-year range under a theme.

Every figure is CPU time of the searching thread (`time.thread_time`), so other jobs on
a shared machine disturb it less than wall time; the table gives median and p95 in ms
per step over all words and repetitions. Nothing here is a pass/fail test, and CI only
imports this file.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from timeline.dates import day_number  # noqa: E402
from timeline.query import EventIndex, Filter, SearchResult  # noqa: E402

Timings = dict[str, list[float]]


def _run_module() -> ModuleType:
    """`benchmarks/run.py`, for its dataset generation rule (loaded only when needed)."""
    spec = importlib.util.spec_from_file_location("bench_run", HERE / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rss_mb() -> float:
    """This process's resident set size now, in MB (from /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        return 0.0
    return pages * resource.getpagesize() / 2**20


def words_of(index: EventIndex, count: int, length: int = 5) -> list[str]:
    """Words of `length` letters from titles spread over the dataset (as `run.py` picks)."""
    found: list[str] = []
    for event in index.events[:: max(1, len(index) // 50)]:
        for word in event.title.lower().split():
            letters = "".join(c for c in word if c.isalpha())
            if len(letters) >= length and letters[:length] not in found:
                found.append(letters[:length])
                break
        if len(found) == count:
            break
    return found


def _cpu(call: Callable[[], SearchResult]) -> tuple[float, SearchResult]:
    start = time.thread_time()
    result = call()
    return time.thread_time() - start, result


def time_typing(index: EventIndex, words: list[str], reps: int, base: Filter) -> Timings:
    """CPU seconds per keystroke: row "k letters" for typing, "delete to k" for deleting."""
    out: Timings = {}
    everything = index.search(base)
    for _ in range(reps):
        for word in words:
            previous = everything
            for k in range(1, len(word) + 1):
                filt = base.but(text=word[:k])
                seconds, previous = _cpu(partial(index.search, filt, previous))
                out.setdefault(f"type {k} letter{'s' if k > 1 else ''}", []).append(seconds)
            for k in range(len(word) - 1, 0, -1):
                filt = base.but(text=word[:k])
                seconds, _ = _cpu(partial(index.search, filt))
                out.setdefault(f"delete to {k}", []).append(seconds)
    return out


def date_filters(index: EventIndex, base: Filter) -> dict[str, list[Filter]]:
    """Date-range filters at four years spread over the dataset's span."""
    events = index.events
    years = [events[len(events) * k // 5].date.anchor_point.year for k in range(1, 5)]
    theme = min((t.id for t in index.dataset.themes), default=None)
    themed = base.but(themes=frozenset({theme})) if theme is not None else base
    first = [day_number(y, 1, 1) for y in years]
    last = [day_number(y, 12, 31) for y in years]
    return {
        "date from year": [base.but(date_from=a) for a in first],
        "date to year": [base.but(date_to=b) for b in last],
        "date 1 year": [base.but(date_from=a, date_to=b) for a, b in zip(first, last, strict=True)],
        "date 10 years": [
            base.but(date_from=a, date_to=day_number(y + 9, 12, 31))
            for a, y in zip(first, years, strict=True)
        ],
        "date 1 year + theme": [
            themed.but(date_from=a, date_to=b) for a, b in zip(first, last, strict=True)
        ],
    }


def time_dates(index: EventIndex, reps: int, base: Filter) -> Timings:
    """CPU seconds per date-range change (the search starts from nothing, as the UI's)."""
    out: Timings = {}
    for _ in range(reps):
        for name, filters in date_filters(index, base).items():
            for filt in filters:
                seconds, _ = _cpu(partial(index.search, filt))
                out.setdefault(name, []).append(seconds)
    return out


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def table(timings: Timings) -> str:
    """One line per step: median and p95 in ms, and the number of samples."""
    lines = [f"{'step':<26}{'median ms':>10}{'p95 ms':>10}{'n':>6}"]
    for name, values in timings.items():
        median = statistics.median(values) * 1000
        lines.append(f"{name:<26}{median:>10.2f}{p95(values) * 1000:>10.2f}{len(values):>6}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Load (or generate) a dataset, then print the search timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", help="a dataset folder or events file")
    parser.add_argument("--size", help="generate N events instead (e.g. 100k)")
    parser.add_argument("--work", default="/tmp/tlb/work", help="where --size generates")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--words", type=int, default=6)
    args = parser.parse_args(argv)
    if args.size:
        run = _run_module()
        path = run.dataset(Path(args.work), run.parse_size(args.size))
    elif args.path:
        path = Path(args.path)
    else:
        parser.error("give a dataset path or --size")

    from timeline.store import open_dataset

    before = rss_mb()
    start = time.perf_counter()
    loaded = open_dataset(path, details=False)
    loaded_at = time.perf_counter()
    index = EventIndex(loaded.dataset)
    indexed_at = time.perf_counter()
    after_index = rss_mb()
    cpu = time.process_time()
    index.prepare_search()
    prepare_cpu = time.process_time() - cpu
    prepared_at = time.perf_counter()
    after_prepare = rss_mb()
    print(
        f"{len(index):,} events from {path}\n"
        f"load {loaded_at - start:.2f} s, index {indexed_at - loaded_at:.2f} s, "
        f"prepare_search {prepared_at - indexed_at:.2f} s ({prepare_cpu:.2f} s CPU)\n"
        f"RSS: before load {before:.0f} MB, after index {after_index:.0f} MB, "
        f"after prepare_search {after_prepare:.0f} MB "
        f"(+{after_prepare - after_index:.0f} MB)"
    )
    words = words_of(index, args.words)
    print(f"words: {', '.join(words)}; {args.reps} repetitions\n")
    timings = time_typing(index, words, args.reps, Filter())
    theme = min((t.id for t in index.dataset.themes), default=None)
    if theme is not None:
        themed = time_typing(index, words, args.reps, Filter(themes=frozenset({theme})))
        timings.update(
            {
                f"{name} + theme": values
                for name, values in themed.items()
                if name.startswith("type")
            }
        )
    timings.update(time_dates(index, args.reps, Filter()))
    print(table(timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
