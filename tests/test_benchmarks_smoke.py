"""The benchmarks work: a small generated dataset is valid and realistic, a quick
N = 1k run of the runner prints every figure, and its quit test drives the real command.
No timing is asserted here: speed targets live in `benchmarks/RESULTS.md`, measured by
`benchmarks/run.py`.

Also here, the fast path the 100k figures rely on: `text_index.search_text_batches`, which
must give exactly what `event_search_text` gives, event by event.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline import query
from timeline.loader import load_dataset
from timeline.model import Event, Quote, Span, detail_texts_in_memory
from timeline.query import text_index

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generator_writes_a_valid_realistic_dataset(tmp_path: Path) -> None:
    _module("generate").generate(1000, tmp_path / "data", seed=3)
    loaded = load_dataset(tmp_path / "data")
    events = loaded.dataset.events
    assert len(events) == 1000
    assert len(loaded.dataset.themes) == 10
    assert all(1 <= len(e.quotes) <= 3 for e in events)
    assert all(40 <= len(e.title) <= 60 and 250 <= len(e.summary) <= 300 for e in events)
    quote_lengths = sorted(len(q.text) for e in events for q in e.quotes)
    assert 150 <= quote_lengths[len(quote_lengths) // 2] <= 200
    actors = {a for e in events for a in e.actors}
    assert 150 <= len(actors) <= 200
    years = [e.date.anchor_point.year for e in events]
    assert max(years) - min(years) >= 25
    precisions = {e.date.precision for e in events}
    assert len(precisions) >= 3, precisions
    assert any(e.date.is_interval for e in events)
    # Every quote was proved verbatim against its article.
    for event in events[:50]:
        for quote in event.quotes:
            text = loaded.dataset.source(quote.source_id).text
            assert text[quote.span.start : quote.span.end].split() == quote.text.split()


def test_a_quick_run_prints_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "run.py"),
            "--sizes",
            "1k",
            "--reps",
            "1",
            "--quick",
            "--work",
            str(tmp_path / "work"),
            "--json",
            str(out),
            "--timeout",
            "120",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| figure | 1k |" in done.stdout
    [figures] = json.loads(out.read_text())
    assert figures["n"] == 1000
    for key in ("bare", "cold", "store_cold", "warm_lean", "warm_full", "index", "prepare"):
        assert figures[key] > 0, key
    assert figures["hello"] > 0
    for start in ("nostore", "firstever", "warm"):
        # A first frame cannot come before the process has imported Textual, nor the
        # main screen before the events.
        assert figures[f"main_{start}"] >= figures[f"events_{start}"], start
        assert figures[f"events_{start}"] >= figures[f"first_{start}"] > 0, start
    for key in ("theme", "search", "date", "page"):
        assert figures[f"{key}_handler"], key
        assert all(t == t and t > 0 for t in figures[f"{key}_frame"]), key  # no NaN: a frame came
    assert len(figures["search_frame"]) == 5  # one five-letter word, a key at a time
    assert figures["gc_full"] > 0 and figures["gc_objects"] > 0
    assert figures["hello_rss"] > 0 and figures["browse_rss"] > figures["hello_rss"]
    assert len(figures["reload_rss"]) == 2 and all(r > 0 for r in figures["reload_rss"])
    for line in done.stdout.splitlines():
        if line.startswith("| ") and not line.startswith("| figure"):
            assert "nan" not in line, line


def test_the_quit_test_sees_the_store(tmp_path: Path) -> None:
    """The real `timeline` on a pseudo-terminal, quit after half a second: the bundled
    dataset is stored before the TUI starts, so the first start leaves a fresh store."""
    out = tmp_path / "quit.json"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--quit-test", "bundled", "--runs", "2",
         "--work", str(tmp_path / "work"), "--json", str(out), "--timeout", "60"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    [result] = json.loads(out.read_text())
    assert [s["code"] for s in result["starts"]] == [0, 0]
    assert result["fresh_from"] == 1


# -- the batched search text -------------------------------------------------------------

_TRICKY = st.sampled_from(
    [" ", "  ", "\t", "\n", "\r\n", "\xa0", "\u2028", "\u3000", "\x1c", "\x85", "\x00", "\x01",
     "“", "”", "‘", "’", "—", "–", "−", "e\u0301", "\u0301", "ß", "İ", "ﬁ", "Σ", "\u1100\u1161"]
)  # fmt: skip
_TEXT = st.lists(st.one_of(st.text(max_size=6), _TRICKY), max_size=8).map("".join)


@functools.cache
def _base() -> Event:
    return load_dataset().dataset.events[0]


def _event(title: str, summary: str, quotes: list[str]) -> Event:
    base = _base()
    return Event.new(
        id=base.id,
        date=base.date,
        title=title,
        summary=summary,
        themes=base.themes,
        actors=base.actors,
        places=base.places,
        status=base.status,
        date_basis=base.date_basis,
        quotes=tuple(Quote("s", text, Span(0, 1, 1, 1)) for text in quotes),
    )


def _search_texts(events: list[Event]) -> list[str]:
    batches = text_index.search_text_batches(events, detail_texts_in_memory)
    return [text for batch in batches for text in batch]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT, st.lists(_TEXT, max_size=3)), max_size=6))
def test_search_texts_equal_the_reference_event_by_event(
    parts: list[tuple[str, str, list[str]]],
) -> None:
    events = [_event(*p) for p in parts]
    assert _search_texts(events) == [query.event_search_text(e) for e in events]


def test_search_texts_across_batches() -> None:
    events = [
        _event(f" Title {i}\n", "A “quoted”  summary\u2003here ", [f"q{i}", " ", "x\x00y"])
        if i % 700 == 0
        else _event(f"Title {i}", "Plain — summary", [f"quote {i} ’s"])
        for i in range(text_index._BATCH * 2 + 5)
    ]
    assert _search_texts(events) == [query.event_search_text(e) for e in events]


def test_the_whitespace_list_is_every_unicode_space() -> None:
    every = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert set(text_index._OTHER_WHITESPACE) == every - {" "}
