"""Fuzz load → validate → match → render by mutating the bundled dataset's bytes.

Hypothesis in fuzz mode (`fuzz_one_input`): each input is random bytes that Hypothesis
turns into a short list of mutations (bit flips, deleted or duplicated chunks, inserted
YAML syntax, control characters, bad UTF-8, lookalike characters, …) applied to
`events.yaml` or to one article. Each mutated dataset must either load, with every
quote's span matching its text and everything renderable without a control character,
or raise `DatasetError` whose diagnostics all format safely. Anything else, a crash, is
written to `fuzz/crashes/` with its traceback.

    python fuzz/fuzz_load.py --seconds 600          # bounded; Ctrl+C also stops it

A hang or a hard crash (segfault) kills the process instead: the input that caused it is
then still in `fuzz/crashes/current/` (the dataset being loaded), and a hang's traceback
in `fuzz/crashes/hang-traceback.txt`.
"""

from __future__ import annotations

import argparse
import faulthandler
import io
import random
import re
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.text import Text  # noqa: E402

from timeline.diagnostics import DatasetError, Diagnostic, format_diagnostic  # noqa: E402
from timeline.loader import bundled_dataset_path, load_dataset  # noqa: E402
from timeline.provenance import citations_of  # noqa: E402
from timeline.text import normalize, sanitize  # noqa: E402

HANG_SECONDS = 30
"""An input that takes longer than this to load is a hang: the run stops with a traceback."""

UNSAFE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
"""What must never reach a terminal (newline aside)."""

TOKENS = [
    b"&a ", b"*a", b"<<: *a\n", b"!!python/object/apply:os.system [ls]", b"!!str ", b"!x ",
    b"[", b"]", b"{", b"}", b"[[[[[[[[[[", b"{a: {b: {c: ", b": ", b"? ", b"- ", b",",
    b"\n", b"\n  ", b"\t", b"#", b"'", b'"', b"\\", b'"\\ud800"', b'"\\e[2J"', b"|\n",
    b">-\n", b"---\n", b"...\n", b"%YAML 1.1\n", b"%TAG ! tag:x.org,2024:\n", b"~", b"null",
    b"NO", b"on", b"0755", b"1:30", b"2023-02-30", b"2023-05-21/2023-05-19", b"../",
    b"/etc/passwd", b"\x00", b"\x1b[2J", b"\x1b]52;c;aGk=\x07", b"\xc2\x85", b"\xc2\x9b",
    b"\xe2\x80\xa8", b"\xe2\x80\xae", b"\xe2\x80\x8b", b"\xef\xbb\xbf", b"\xed\xa0\x80",
    b"\xff", b"\xe9", b"\xef\xac\x81", b"\xd0\xb0", b"\xc2\xa0", b"e\xcc\x81", b"\r\n",
    b"[bold]", b"[@click=app.quit]", b"id: ", b"quote: ", b"source: ", b"themes: ",
]  # fmt: skip

position = st.integers(min_value=0, max_value=1 << 20)
mutation = st.one_of(
    # Mostly printable replacements, so more inputs get past UTF-8 decoding.
    st.tuples(st.just("flip"), position, st.integers(0x20, 0x7E) | st.integers(0, 255)),
    st.tuples(st.just("insert"), position, st.sampled_from(TOKENS) | st.binary(max_size=6)),
    st.tuples(st.just("delete"), position, st.integers(1, 80)),
    st.tuples(st.just("copy"), position, position, st.integers(1, 400)),
    st.tuples(st.just("truncate"), position),
)
target = st.integers(min_value=0, max_value=1000)  # 0-599: events.yaml, else an article


def mutate(data: bytes, steps: list[tuple[Any, ...]]) -> bytes:
    """Apply the mutations in order (positions wrap around the current length)."""
    buffer = bytearray(data)
    for step in steps:
        kind = step[0]
        size = max(len(buffer), 1)
        at = int(step[1]) % size
        if kind == "flip":
            if buffer:
                buffer[at] = int(step[2])
        elif kind == "insert":
            buffer[at:at] = step[2]
        elif kind == "delete":
            del buffer[at : at + int(step[2])]
        elif kind == "copy":
            start = int(step[2]) % size
            buffer[at:at] = buffer[start : start + int(step[3])]
        elif kind == "truncate":
            del buffer[at:]
    return bytes(buffer)


class Harness:
    """A working copy of the bundled dataset, restored after each input."""

    def __init__(self, work: Path) -> None:
        self.work = work
        if work.exists():
            shutil.rmtree(work)
        bundled = bundled_dataset_path()
        (work / "sources").mkdir(parents=True)
        shutil.copyfile(bundled / "events.yaml", work / "events.yaml")
        for article in sorted((bundled / "sources").glob("*.txt")):
            shutil.copyfile(article, work / "sources" / article.name)
        self.files = [work / "events.yaml", *sorted((work / "sources").glob("*.txt"))]
        self.originals = {path: path.read_bytes() for path in self.files}
        self.runs = 0
        self.loaded = 0
        self.codes: dict[str, int] = {}
        self.console = Console(
            file=io.StringIO(), width=100, color_system=None, force_terminal=False
        )

    def one(self, which: int, steps: list[tuple[Any, ...]]) -> None:
        """Mutate one file, run the whole pipeline on it, check it, restore the file."""
        if which < 600 or len(self.files) == 1:
            path = self.files[0]
        else:
            path = self.files[1 + which % (len(self.files) - 1)]
        path.write_bytes(mutate(self.originals[path], steps))
        self.runs += 1
        try:
            self.check()
        finally:
            path.write_bytes(self.originals[path])

    def check(self) -> None:
        """Run load → validate → match → render; raise AssertionError if anything is wrong."""
        try:
            loaded = load_dataset(self.work)
        except DatasetError as error:
            assert error.diagnostics, "a DatasetError with nothing in it"
            for diagnostic in error.diagnostics:
                self.codes[diagnostic.code] = self.codes.get(diagnostic.code, 0) + 1
                assert diagnostic.code != "internal", format_diagnostic(diagnostic)
                self.render_diagnostic(diagnostic)
            return
        self.loaded += 1
        dataset = loaded.dataset
        for warning in loaded.warnings:
            self.render_diagnostic(warning)
        for source in dataset.sources:
            citations_of(dataset, source.id)
            self.render(source.title, source.outlet, source.byline or "", source.text)
        for event in dataset.events:
            self.render(event.title, event.summary, *event.actors, *event.places)
            for quote in event.quotes:
                source = dataset.source(quote.source_id)
                excerpt = source.text[quote.span.start : quote.span.end]
                assert normalize(excerpt) == normalize(quote.text), (quote, excerpt)
                self.render(quote.text)

    def render_diagnostic(self, diagnostic: Diagnostic) -> None:
        """A diagnostic formats to safe text, and Rich renders that text unchanged."""
        text = format_diagnostic(diagnostic)
        assert not UNSAFE.search(text), repr(text)
        path = Path(diagnostic.file)
        if path.is_file():  # the line exists, as an editor counts lines
            assert diagnostic.line <= path.read_bytes().count(b"\n") + 1, text
        assert re.match(r"^.*:\d+:\d+: (error|warning) \[[a-z-]+\] ", text), repr(text)
        self.render(text)

    def render(self, *texts: str) -> None:
        """Sanitised text holds no control character, and Rich prints it literally."""
        for raw in texts:
            safe = sanitize(raw, keep_newlines=True)
            assert not UNSAFE.search(safe), repr(safe)
            out = self.console.file
            assert isinstance(out, io.StringIO)
            out.seek(0)
            out.truncate()
            self.console.print(Text(safe), end="", soft_wrap=True)
            assert "\x1b" not in out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Run the fuzzer for a bounded time; exit 1 if any input crashed it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    parser.add_argument("--max-crashes", type=int, default=20, help="stop after this many crashes")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "fuzz" / "crashes", help="where crashes go"
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    harness = Harness(out / "current")
    hang_log = (out / "hang-traceback.txt").open("w")

    @settings(
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(target, st.lists(mutation, min_size=1, max_size=6))
    def fuzz(which: int, steps: list[tuple[Any, ...]]) -> None:
        harness.one(which, steps)

    rng = random.Random(seed)
    crashes = 0
    reported = 0
    started = time.monotonic()
    print(f"fuzzing for {args.seconds:.0f}s, seed {seed}", flush=True)
    try:
        while time.monotonic() - started < args.seconds:
            buffer = rng.randbytes(rng.choice((64, 256, 1024)))
            faulthandler.dump_traceback_later(HANG_SECONDS, exit=True, file=hang_log)
            try:
                fuzz.hypothesis.fuzz_one_input(buffer)  # type: ignore[attr-defined]
            except Exception:
                crashes += 1
                name = out / f"crash-{seed}-{harness.runs}.txt"
                name.write_text(
                    f"seed {seed}, input {buffer.hex()}\n\n{traceback.format_exc()}",
                    encoding="utf-8",
                )
                print(f"CRASH → {name}", flush=True)
                if crashes >= args.max_crashes:
                    break
            finally:
                faulthandler.cancel_dump_traceback_later()
            if harness.runs >= reported + 2000:
                reported = harness.runs
                rate = harness.runs / (time.monotonic() - started)
                print(f"{harness.runs} runs ({rate:.0f}/s), {crashes} crashes", flush=True)
    except KeyboardInterrupt:
        print("stopped", flush=True)
    elapsed = time.monotonic() - started
    top = sorted(harness.codes.items(), key=lambda item: -item[1])
    print(
        f"done: {harness.runs} runs in {elapsed:.0f}s, {harness.loaded} loaded, "
        f"{crashes} crashes, seed {seed}\n"
        f"diagnostic codes seen ({len(top)}): " + ", ".join(f"{c} {n}" for c, n in top),
        flush=True,
    )
    shutil.rmtree(harness.work, ignore_errors=True)
    hang_log.close()
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
