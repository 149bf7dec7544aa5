"""Time `timeline check` on N events that all quote one big article (issue 15).

    python benchmarks/quote_scale.py 10000 40000 80000 [--mb 5] [--data /tmp/quote-scale]
    python benchmarks/quote_scale.py 40000 --timelinejs
    python benchmarks/quote_scale.py 40000 --locate


Each event quotes a distinct ~100-character passage of one generated article of about
`--mb` megabytes, spread evenly through it, so every quote is found exactly once. The
check runs in a fresh process (`python -m timeline check DIR`), timed from start to exit
(wall clock, and the CPU time it used: steadier on a shared machine).

With `--timelinejs`, a TimelineJS file of N slides (a generated headline each) is
imported instead (`timeline import timelinejs FILE -o DIR`): each slide's line in the
file's own article is a quote of it. With `--locate`, only `ArticleText.locate` is timed
for every quote, in this process (CPU time, the collector off, the article prepared).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import _text, _vocabulary


def make(folder: Path, count: int, megabytes: float, seed: int = 7) -> None:
    """Write a dataset of `count` events quoting one article of `megabytes` MB."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    body = _text(rng, words, int(megabytes * 1_000_000)) + "\n"
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    front = (
        '---\nid: big\ntitle: "Big"\noutlet: "Synthetic"\npublished: "2020"\nkind: report\n---\n'
    )
    (folder / "sources" / "big.txt").write_text(front + body, encoding="utf-8")
    lines = ['version: "1"', "themes:", "  t:", '    label: "T"', '    description: "T."']
    lines.append("events:")
    step = (len(body) - 200) // count
    for n in range(count):
        start = body.index(" ", n * step) + 1
        end = body.rindex(" ", start, start + 100)
        lines += [
            f"  - id: e{n}",
            '    date: "2020-01-01"',
            f'    title: "Event {n}"',
            '    summary: "A synthetic event."',
            "    themes: [t]",
            "    status: occurred",
            '    date_basis: "synthetic"',
            "    sources:",
            "      - source: big",
            f"        quote: {json.dumps(body[start:end], ensure_ascii=False)}",
        ]
    (folder / "events.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_timelinejs(path: Path, count: int, seed: int = 7) -> None:
    """Write a TimelineJS file of `count` slides with generated headlines."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    slides = [
        {
            "start_date": {"year": 1990 + n % 30, "month": 1 + n % 12, "day": 1 + n % 28},
            "text": {"headline": _text(rng, words, 60)[:60].rstrip(" .")},
        }
        for n in range(count)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"events": slides}, ensure_ascii=False), encoding="utf-8")


def time_locate(folder: Path) -> float:
    """CPU seconds to locate every quote of a `make` dataset in its article."""
    from timeline.provenance import ArticleText
    from timeline.text import normalize

    text = (folder / "sources" / "big.txt").read_text(encoding="utf-8")
    article = ArticleText(text.split("---\n", 2)[2])
    article.normalized  # noqa: B018 - preparing the article is not what is timed
    events = (folder / "events.yaml").read_text(encoding="utf-8")
    needles = [
        normalize(json.loads(line[15:]))
        for line in events.splitlines()
        if line.startswith("        quote: ")
    ]
    gc.disable()
    began = time.process_time()
    for needle in needles:
        assert article.locate(needle) is not None
    took = time.process_time() - began
    gc.enable()
    return took


def main() -> None:
    """Command line: make each dataset once, then time `check` on it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", type=int, nargs="+")
    parser.add_argument("--mb", type=float, default=5)
    parser.add_argument("--data", type=Path, default=Path("/tmp/quote-scale"))
    parser.add_argument("--timelinejs", action="store_true")
    parser.add_argument("--locate", action="store_true")
    args = parser.parse_args()
    for count in args.counts:
        if args.timelinejs:
            source = args.data / f"{count}-slides.json"
            if not source.exists():
                make_timelinejs(source, count)
            folder = args.data / f"{count}-slides"
            shutil.rmtree(folder, ignore_errors=True)
            command = ["import", "timelinejs", str(source), "-o", str(folder)]
        else:
            folder = args.data / f"{count}-{args.mb:g}mb"
            if not (folder / "events.yaml").exists():
                make(folder, count, args.mb)
            command = ["check", str(folder)]
            if args.locate:
                print(f"{count:>7} quotes, {args.mb:g} MB: locate {time_locate(folder):.2f} s CPU")
                continue
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "timeline", *command],
            capture_output=True,
            text=True,
            check=False,
        )
        took = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
        last = ((done.stdout + done.stderr).strip().splitlines() or [""])[-1]
        what = "slides" if args.timelinejs else f"quotes, {args.mb:g} MB"
        print(
            f"{count:>7} {what}: {took:6.1f} s wall, {used:6.1f} s CPU, "
            f"exit {done.returncode}: {last}"
        )


if __name__ == "__main__":
    main()
