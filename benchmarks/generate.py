"""Generate a synthetic timeline dataset of N events, for benchmarks and scale tests.

    python benchmarks/generate.py 100000 /tmp/tl-100k [--seed 7]

The dataset is valid (`timeline check` passes): every quote is a verbatim slice of a
generated article. Shape, per event: a ~60-character title, a ~300-character summary,
1–3 quotes of ~200 characters, 1–3 of 10 themes, 1–4 of 200 actors, a date within
30 years at day, month or year precision (some approximate, some intervals, a few
open-ended), and a date basis. One article per 100 events (at least five), ~12 kB each.
"""

from __future__ import annotations

import argparse
import json
import random
import string
from pathlib import Path

THEMES = [
    ("security", "Security & defence"),
    ("diplomacy", "Diplomacy & summits"),
    ("trade", "Trade & economy"),
    ("technology", "Technology"),
    ("space", "Space"),
    ("energy", "Energy & climate"),
    ("health", "Health"),
    ("china", "China & the region"),
    ("korea", "Korean peninsula"),
    ("politics", "Domestic politics"),
]


STATUSES = ["occurred", "occurred", "occurred", "scheduled", "planned"]
"""Drawn uniformly: three in five events occurred, the rest are ahead."""


def _vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        length = rng.choice((3, 4, 5, 5, 6, 6, 7, 8, 9, 11))
        words.add("".join(rng.choice(string.ascii_lowercase) for _ in range(length)))
    return sorted(words)


def _sentence(rng: random.Random, words: list[str], length: int) -> str:
    picked = [rng.choice(words) for _ in range(length)]
    picked[0] = picked[0].capitalize()
    if rng.random() < 0.3:
        picked[rng.randrange(len(picked))] = "“" + rng.choice(words) + "”"
    return " ".join(picked) + "."


def _text(rng: random.Random, words: list[str], chars: int) -> str:
    parts: list[str] = []
    total = 0
    while total < chars:
        sentence = _sentence(rng, words, rng.randint(6, 18))
        parts.append(sentence)
        total += len(sentence) + 1
    return " ".join(parts)


def _date(rng: random.Random) -> str:
    year = rng.randint(1995, 2024)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    roll = rng.random()
    if roll < 0.55:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if roll < 0.75:
        return f"{year:04d}-{month:02d}"
    if roll < 0.83:
        return f"{year:04d}"
    if roll < 0.90:
        return f"{year:04d}-{month:02d}~"
    if roll < 0.97:
        end = min(28, day + rng.randint(1, 5))
        return f"{year:04d}-{month:02d}-{day:02d}/{year:04d}-{month:02d}-{end:02d}"
    return f"../{year:04d}-{month:02d}"


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def generate(count: int, folder: Path, seed: int = 7) -> None:
    """Write `events.yaml` and `sources/` for `count` events into `folder`."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    actors = [
        f"{rng.choice(words).capitalize()} {rng.choice(words).capitalize()}" for _ in range(200)
    ]
    sources_dir = folder / "sources"
    sources_dir.mkdir(parents=True, exist_ok=True)
    source_count = max(5, count // 100)
    bodies: list[tuple[str, str]] = []
    for i in range(source_count):
        source_id = f"article-{i:05d}"
        body = "\n\n".join(_text(rng, words, 1200) for _ in range(10)) + "\n"
        front = "\n".join(
            [
                "---",
                f"id: {source_id}",
                f"title: {_q(_text(rng, words, 50)[:70])}",
                f"outlet: {_q(rng.choice(words).capitalize() + ' Times')}",
                f'published: "{rng.randint(1995, 2024)}-{rng.randint(1, 12):02d}"',
                "kind: report",
                "---",
                "",
            ]
        )
        (sources_dir / f"{source_id}.txt").write_text(front + body, encoding="utf-8")
        bodies.append((source_id, body))

    lines = ['version: "1"', "themes:"]
    for theme_id, label in THEMES:
        lines += [
            f"  {theme_id}:",
            f"    label: {_q(label)}",
            f"    description: {_q(label + ' news.')}",
        ]
    lines.append("events:")
    # Written as it goes, a few thousand events at a time: a million events would
    # otherwise hold every line (gigabytes) in memory.
    out = (folder / "events.yaml").open("w", encoding="utf-8")
    for n in range(count):
        if len(lines) > 50_000:
            out.write("\n".join(lines) + "\n")
            lines = []
        title = _text(rng, words, 60)[:60].rstrip(" .") or "Event"
        themes = rng.sample([t for t, _ in THEMES], rng.randint(1, 3))
        people = rng.sample(actors, rng.randint(1, 4))
        lines += [
            f"  - id: event-{n:07d}",
            f"    date: {_q(_date(rng))}",
            f"    title: {_q(title)}",
            f"    summary: {_q(_text(rng, words, 300)[:300])}",
            f"    themes: [{', '.join(themes)}]",
            f"    actors: [{', '.join(_q(a) for a in people)}]",
            f"    places: [{_q(rng.choice(words).capitalize())}]",
            f"    status: {rng.choice(STATUSES)}",
            f"    date_basis: {_q('generated: the date is synthetic')}",
            "    sources:",
        ]
        for source_id, body in rng.sample(bodies, rng.randint(1, min(3, len(bodies)))):
            start = rng.randrange(0, len(body) - 400)
            start = body.index(" ", start) + 1
            end = body.rindex(" ", start, start + 200)
            lines += [f"      - source: {source_id}", f"        quote: {_q(body[start:end])}"]
    with out:
        out.write("\n".join(lines) + "\n")


def main() -> None:
    """Command line: `generate.py COUNT FOLDER [--seed N]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.count, args.folder, args.seed)


if __name__ == "__main__":
    main()
