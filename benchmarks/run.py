"""Measure `timeline` against its speed targets and print one table per dataset size.

    python benchmarks/run.py                      # bundled, 1k, 10k and 100k events
    python benchmarks/run.py --sizes 1k,10k --reps 3 --json results.json
    python benchmarks/run.py --sizes 10k,100k --data /tmp/bench   # /tmp/bench/10k, ...

For each size N it generates a synthetic dataset (`benchmarks/generate.py`, cached in
the work folder, or taken from `--data DIR/<size>`) and measures, each in a fresh
process so imports, the store and the garbage collector start cold:

1. loading: a bare `yaml.load(CSafeLoader)` with gc paused, against `load_dataset`
   (no store), `open_dataset` with an empty store folder (load + store write, as a first
   start), and `open_dataset` from a fresh store, both lean (`details=False`, the TUI)
   and full (`details=True`, list/show/export); then the `EventIndex` build and
   `prepare_search` that the app adds on top;
2. frames: the app is started as the `timeline` command starts it (`timeline.cli.main`,
   imports included), on a Textual driver that keeps the headless driver's input but
   says it is not headless, so the app encodes every frame as for a terminal and hands
   it to `write()`, which records when (`FrameDriver`). First frame, events on screen,
   main screen ready; with no store, on a first start ever (empty store folder) and
   from a fresh store; against a hello-world app run on the same driver;
3. browsing: handler and key-to-frame times for a theme toggle, a 5-letter word typed
   a key at a time, a date range, page down and end; gc pauses from `gc.callbacks`;
   peak RSS after browsing; a full `gc.collect()` with the data in;
4. ten reloads (`r`) of one dataset in one app, with the RSS after each;
5. `--quit-test`: the real `timeline` on a pseudo-terminal, quit with `q` after half a
   second, ten times with one empty store folder: does start 2 find a fresh store?

Timings are wall-clock; the machine is shared, so read ratios to the same-run
baselines rather than absolute figures. Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GENERATOR_VERSION = "1"
PYCACHE = Path(tempfile.gettempdir()) / "timeline-bench-pycache"
"""Compiled modules for the children. An installed package has its `.pyc` files; run
with `PYTHONDONTWRITEBYTECODE=1` (as some shells and sandboxes are), every start would
compile the `timeline` modules from source again (40 ms and more before the first frame,
while Textual's own are compiled), so the children always get a bytecode cache."""
SIZE = (160, 50)
"""The terminal size: wide enough for the sidebar, list and detail pane."""
BUNDLED = 0
"""The size that stands for the bundled dataset (`--sizes bundled`)."""


# -- the parent: orchestration and the table --------------------------------------------


def parse_size(text: str) -> int:
    """`1k` → 1000, `1M` → 1000000, `2500` → 2500, `bundled` → `BUNDLED`."""
    text = text.strip().lower()
    if text == "bundled":
        return BUNDLED
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def label(count: int) -> str:
    """`1000` → `1k`, `1000000` → `1M`, `BUNDLED` → `bundled`."""
    if count == BUNDLED:
        return "bundled"
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count >= 1_000 and count % 1_000 == 0:
        return f"{count // 1_000}k"
    return str(count)


def dataset(work: Path, count: int, data: Path | None = None) -> Path:
    """The dataset of `count` events: bundled, in `data/<label>`, or generated once per
    work folder."""
    if count == BUNDLED:
        from timeline.model import bundled_dataset_path

        return bundled_dataset_path()
    if data is not None and (data / label(count) / "events.yaml").is_file():
        return data / label(count)
    folder = work / f"events-{label(count)}"
    stamp = folder / ".generated"
    if stamp.exists() and stamp.read_text() == GENERATOR_VERSION:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(count), str(folder)], check=True)
    stamp.write_text(GENERATOR_VERSION)
    return folder


def child(
    mode: str, *args: str, env: dict[str, str] | None = None, timeout: float
) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its last stdout line is JSON.

    `spawned` is the wall time at which the process was started, so a child can report
    times since its own start, imports included.
    """
    environment = {**os.environ, **(env or {})}
    environment.setdefault("PYTHONPATH", str(REPO))
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
    spawned = time.time()
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(spawned), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        cwd=REPO,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{mode} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def median(values: list[float]) -> float:
    """The median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank), or NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def measure(
    count: int,
    work: Path,
    args: argparse.Namespace,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Every figure for one dataset size."""
    folder = dataset(work, count, args.data)
    events_file = folder / "events.yaml"
    name = label(count)
    figures: dict[str, Any] = {"n": count, "mb": events_file.stat().st_size / 1e6}
    reps, timeout = args.reps, args.timeout
    big_reps = 1 if count >= 100_000 else reps
    path = () if count == BUNDLED else (str(folder),)  # as `timeline` with no PATH
    store = Path(tempfile.mkdtemp(prefix="store-", dir=work))
    warm_env = {"TIMELINE_CACHE_DIR": str(store)}
    no_store = {"TIMELINE_NO_CACHE": "1"}

    def empty_store() -> dict[str, str]:
        return {"TIMELINE_CACHE_DIR": tempfile.mkdtemp(prefix="empty-", dir=work)}

    def runs(
        mode: str, *a: str, env: dict[str, str] | Callable[[], dict[str, str]], n: int
    ) -> list[dict[str, Any]]:
        return [
            child(mode, *a, env=env() if callable(env) else env, timeout=timeout) for _ in range(n)
        ]

    log(f"{name}: loading")
    figures["bare"] = median(
        [r["seconds"] for r in runs("bare", str(events_file), env={}, n=big_reps)]
    )
    cold = runs("load", str(folder), "loader", env=no_store, n=big_reps)
    figures["cold"] = median([r["seconds"] for r in cold])
    figures["cold_rss"] = max(r["rss"] for r in cold)
    first = runs("load", str(folder), "lean", env=empty_store, n=big_reps)
    figures["store_cold"] = median([r["seconds"] for r in first])
    child("load", str(folder), "lean", env=warm_env, timeout=timeout)  # fills the store
    lean = runs("load", str(folder), "lean", env=warm_env, n=reps)
    full = runs("load", str(folder), "full", env=warm_env, n=reps)
    figures["warm_lean"] = median([r["seconds"] for r in lean])
    figures["warm_full"] = median([r["seconds"] for r in full])
    figures["warm_lean_rss"] = median([r["rss"] for r in lean])
    figures["warm_full_rss"] = median([r["rss"] for r in full])
    figures["index"] = median([r["index"] for r in lean])
    figures["prepare"] = median([r["prepare"] for r in lean])
    figures["gc_full_loaded"] = median([r["gc_full"] for r in lean])
    figures["gc_full_cpu_loaded"] = median([r["gc_full_cpu"] for r in lean])
    figures["gc_objects_loaded"] = median([r["gc_objects"] for r in lean])

    log(f"{name}: first frames")
    hello = runs("hello", env={}, n=reps)
    figures["hello"] = median([h["first"] for h in hello])
    figures["hello_rss"] = median([h["rss"] for h in hello])
    for key, env, n in (
        ("nostore", no_store, big_reps),
        ("firstever", empty_store, big_reps),
        ("warm", warm_env, reps),
    ):
        frames = runs("frame", *path, env=env, n=n)
        for mark in ("first", "events", "data", "main"):
            figures[f"{mark}_{key}"] = median([f[mark] for f in frames])
        figures[f"frame_rss_{key}"] = max(f["rss"] for f in frames)
    figures["frame_runs"] = {"reps": reps, "big_reps": big_reps}

    log(f"{name}: browsing")
    figures.update(
        child(
            "browse",
            str(folder),
            *(("--quick",) if args.quick else ()),
            env=warm_env,
            timeout=timeout,
        )
    )
    if count != BUNDLED and (count <= 10_000 or args.reload_all):
        log(f"{name}: reloads")
        figures.update(
            child(
                "reloads", str(folder), str(2 if args.quick else 10), env=warm_env, timeout=timeout
            )
        )
    shutil.rmtree(store, ignore_errors=True)
    return figures


def table(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table: one column per size."""

    def ms(value: float) -> str:
        return "–" if value != value else f"{value * 1000:,.1f}"

    def s(value: float) -> str:
        return f"{value:,.2f}"

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}×" if b else "–"

    def lat(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: f"{ms(median(r[key]))} / {ms(p95(r[key]))}"

    def sec(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: s(r[key])

    def times(key: str, base: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: ratio(r[key], r[base])

    def mb(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: f"{r[key]:.0f}"

    def over_hello(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: f"{r[key] - r['hello_rss']:.0f}"

    def gc_cell(r: dict[str, Any]) -> str:
        return f"{r['gc_count']}; {ms(r['gc_max'])} / {ms(r['gc_max_cpu'])}; {r['gc_over_16ms']}"

    def collect(suffix: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: (
            f"{ms(r['gc_full' + suffix])} / {ms(r['gc_full_cpu' + suffix])}; "
            f"{r['gc_objects' + suffix]:,.0f}"
        )

    def reload_cell(r: dict[str, Any]) -> str:
        if "reload_rss" not in r:
            return "–"
        first, last = r["reload_rss"][0], r["reload_rss"][-1]
        return f"{r['reload_start_rss']:.0f}; {first:.0f} → {last:.0f}; {last / first:.2f}×"

    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("events.yaml MB", lambda r: f"{r['mb']:.1f}"),
        ("bare CSafeLoader, gc paused (s)", sec("bare")),
        ("load_dataset, no store (s)", sec("cold")),
        ("  × bare", times("cold", "bare")),
        ("open_dataset, empty store: load + write (s)", sec("store_cold")),
        ("open_dataset, fresh store, lean (TUI) (s)", sec("warm_lean")),
        ("open_dataset, fresh store, full (list/show/export) (s)", sec("warm_full")),
        ("EventIndex build (s)", sec("index")),
        ("prepare_search (s)", sec("prepare")),
        ("hello-world first frame (s)", sec("hello")),
        ("first frame, no store (s)", sec("first_nostore")),
        ("  × hello", times("first_nostore", "hello")),
        ("events on screen, no store (s)", sec("events_nostore")),
        ("  × hello", times("events_nostore", "hello")),
        ("first frame, first start ever (s)", sec("first_firstever")),
        ("  × hello", times("first_firstever", "hello")),
        ("events on screen, first start ever (s)", sec("events_firstever")),
        ("  × hello", times("events_firstever", "hello")),
        ("first frame, fresh store (s)", sec("first_warm")),
        ("  × hello", times("first_warm", "hello")),
        ("events on screen, fresh store (s)", sec("events_warm")),
        ("  × hello", times("events_warm", "hello")),
        ("data in, fresh store (s)", sec("data_warm")),
        ("main screen ready (sidebar filled), fresh store (s)", sec("main_warm")),
        ("  × hello", times("main_warm", "hello")),
        ("search ready after main screen (s)", sec("search_ready_s")),
        ("theme toggle: handler ms med/p95", lat("theme_handler")),
        ("theme toggle: core ms med/p95", lat("theme_core")),
        ("theme toggle: key→frame ms med/p95", lat("theme_frame")),
        ("search 5 letters: handler ms med/p95", lat("search_handler")),
        ("search 5 letters: core ms med/p95", lat("search_core")),
        ("search 5 letters: key→frame ms med/p95", lat("search_frame")),
        ("date range: handler ms med/p95", lat("date_handler")),
        ("date range: change→frame ms med/p95", lat("date_frame")),
        ("page down: handler ms med/p95", lat("page_handler")),
        ("page down: key→frame ms med/p95", lat("page_frame")),
        ("end: key→frame ms med/p95", lat("end_frame")),
        ("GC while browsing: passes; max ms wall / CPU; count > 16 ms", gc_cell),
        ("full gc.collect(), app after browsing: ms wall / CPU; objects", collect("")),
        ("full gc.collect(), lean data + index: ms wall / CPU; objects", collect("_loaded")),
        ("hello-world peak RSS (MB)", mb("hello_rss")),
        ("peak RSS, fresh store, main screen ready (MB)", mb("frame_rss_warm")),
        ("peak RSS, no store, main screen ready (MB)", mb("frame_rss_nostore")),
        ("peak RSS after browsing, fresh store (MB)", mb("browse_rss")),
        ("  − hello (MB)", over_hello("browse_rss")),
        ("RSS after reloads (r): start; 1st → last; last/1st (MB)", reload_cell),
    ]  # fmt: skip
    head = "| figure | " + " | ".join(label(r["n"]) for r in results) + " |"
    rule = "|---|" + "---|" * len(results)
    body = [f"| {name} | " + " | ".join(cell(r) for r in results) + " |" for name, cell in rows]
    return "\n".join([head, rule, *body])


def main(argv: list[str] | None = None) -> int:
    """Command line: measure each size and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="bundled,1k,10k,100k", help="bundled,1k,10k,100k,1M")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of the quick runs")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "timeline-bench")
    parser.add_argument("--data", type=Path, help="take the dataset of size S from DATA/S")
    parser.add_argument("--timeout", type=float, default=480.0, help="seconds per child run")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--quick", action="store_true", help="a few keys per figure (smoke run)")
    parser.add_argument("--reload-all", action="store_true", help="reloads above 10k too")
    parser.add_argument("--quit-test", metavar="SIZES", help="only the quit-after-0.5s test")
    parser.add_argument("--runs", type=int, default=10, help="starts of the quit test")
    parser.add_argument("--timeline", help="the `timeline` command of the quit test")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    compile_package()

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    load = f"load average {os.getloadavg()[0]:.2f}"
    if args.quit_test:
        results: list[dict[str, Any]] = [
            quit_test(parse_size(size), args, log) for size in args.quit_test.split(",")
        ]
        for r in results:
            print(f"{label(r['n'])}: {r['summary']}")
    else:
        results = [
            measure(parse_size(size), args.work, args, log) for size in args.sizes.split(",")
        ]
        print(f"{machine()}; {load} at start, {os.getloadavg()[0]:.2f} at end")
        print()
        print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


def quit_test(count: int, args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    """Start the real `timeline` on a pseudo-terminal `args.runs` times with one store
    folder, empty at first; press `q` after 0.5 s each time; after each exit, ask that
    `timeline`'s own Python whether the store is fresh (`FRESH`). Also: seconds to the
    first frame and to the exit."""
    folder = dataset(args.work, count, args.data)
    path = [] if count == BUNDLED else [str(folder)]
    store = Path(tempfile.mkdtemp(prefix="quit-", dir=args.work))
    env = {**os.environ, "TIMELINE_CACHE_DIR": str(store)}
    env.pop("TIMELINE_NO_CACHE", None)
    timeline = args.timeline or str(Path(sys.executable).parent / "timeline")
    python = str(Path(timeline).parent / "python")
    starts = []
    for run in range(args.runs):
        log(f"{label(count)}: quit test, start {run + 1}")
        first_frame, ended, code = on_pty(
            [timeline, *path], env, quit_after=0.5, timeout=args.timeout
        )
        check = subprocess.run(
            [python, "-c", FRESH, *path],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=store,  # not this folder: `-c` would import its `timeline` package
        )
        fresh = check.stdout.strip() == "fresh"
        starts.append({"output": first_frame, "exit": ended, "code": code, "fresh": fresh})
    shutil.rmtree(store, ignore_errors=True)
    fresh_from = next((i + 1 for i, s in enumerate(starts) if s["fresh"]), None)
    summary = (
        f"store fresh after starts {[i + 1 for i, s in enumerate(starts) if s['fresh']]}; "
        f"exit after (s) {[round(s['exit'], 2) for s in starts]}; "
        f"first frame (s) {[round(s['output'], 2) for s in starts]}"
    )
    return {"n": count, "starts": starts, "fresh_from": fresh_from, "summary": summary}


FRESH = """
import sys
path = sys.argv[1] if len(sys.argv) > 1 else None
try:
    from timeline.store import Store, store_path
except ImportError:  # before the store: the pickle cache of commit 935ad83
    from timeline.cache import _SUFFIX, _read, cache_dir, cache_key, slot_name
    key = cache_key(path)
    entry = cache_dir() / f"{slot_name(path)}-{key.hex()}{_SUFFIX}"
    print("fresh" if key is not None and _read(entry, key) is not None else "stale")
else:
    db = store_path(path)
    print("fresh" if db.exists() and Store.open(db, path) is not None else "stale")
"""
"""Prints whether the dataset at argv[1] has a fresh store (or, on the old code, a valid
cache entry), with the `timeline` package of the Python that runs it."""


def on_pty(
    command: list[str], env: dict[str, str], *, quit_after: float, timeout: float
) -> tuple[float, float, int]:
    """Run `command` on a new pseudo-terminal of `SIZE`, reading all it writes; type
    `q` after `quit_after` seconds. (Seconds to its first frame, as the first
    `FRAME_BYTES` of output, and to its exit; exit code.)"""
    import fcntl
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    mode = termios.tcgetattr(slave)
    mode[3] &= ~termios.ECHO  # the `q` typed before the app takes the terminal is no output
    termios.tcsetattr(slave, termios.TCSANOW, mode)
    env = {**env, "TERM": "xterm-256color", "COLUMNS": str(SIZE[0]), "LINES": str(SIZE[1])}
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    first = float("nan")
    written = 0
    typed = False
    try:
        while True:
            now = time.perf_counter() - start
            if now > timeout:
                process.kill()
                raise RuntimeError(f"{command} did not quit within {timeout} s")
            if not typed and now >= quit_after:
                os.write(master, b"q")
                typed = True
            ready, _, _ = select.select([master], [], [], 0.01)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    data = b""
                written += len(data)
                if written >= FRAME_BYTES and first != first:
                    first = time.perf_counter() - start
                if not data and process.poll() is not None:
                    break
            elif process.poll() is not None:
                break
        ended = time.perf_counter() - start
        return first, ended, process.wait()
    finally:
        os.close(master)


FRAME_BYTES = 4096
"""Output that counts as a first frame on the pseudo-terminal: more than Textual's
set-up sequences, less than one screen of the app."""


def compile_package() -> None:
    """Fill the children's bytecode cache (`PYCACHE`), as installing the package would."""
    import compileall

    previous = sys.pycache_prefix
    sys.pycache_prefix = os.environ.get("PYTHONPYCACHEPREFIX") or str(PYCACHE)
    try:
        compileall.compile_dir(REPO / "timeline", quiet=1)
    finally:
        sys.pycache_prefix = previous


def machine() -> str:
    """One line on the machine and the versions measured."""
    import importlib.metadata as md

    import yaml

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    names = ("textual", "rich", "PyYAML", "rapidfuzz", "msgspec")
    versions = ", ".join(f"{name} {md.version(name)}" for name in names)
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {versions}, "
        f"libyaml {'yes' if yaml.__with_libyaml__ else 'NO'}"
    )


# -- the children: one measurement each ------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's resident set size now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def since_spawn(spawned: float) -> float:
    """Seconds since the parent started this process (wall clock)."""
    return time.time() - spawned


def full_collection() -> tuple[float, float, int]:
    """Seconds of one full `gc.collect()`, wall and CPU (medians of three), and the
    objects the collector tracks."""
    wall, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.thread_time()
        gc.collect()
        wall.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
    return median(wall), median(cpu), len(gc.get_objects())


def child_bare(spawned: float, events_file: str) -> dict[str, Any]:
    """`yaml.load(CSafeLoader)` of the file with gc paused: the floor for loading."""
    import yaml

    text = Path(events_file).read_text(encoding="utf-8")
    gc.disable()
    start = time.perf_counter()
    yaml.load(text, Loader=yaml.CSafeLoader)
    return {"seconds": time.perf_counter() - start}


def child_load(spawned: float, folder: str, how: str) -> dict[str, Any]:
    """Load the dataset: `loader` (`load_dataset`), `lean` or `full` (`open_dataset`
    with `details=False` or `True`; the environment says which store). Then, for
    `lean`, what the app adds: the `EventIndex` and `prepare_search`, and a full
    collection with all of it in memory."""
    from timeline.query import EventIndex

    start = time.perf_counter()
    if how == "loader":
        from timeline.loader import load_dataset

        loaded = load_dataset(folder)
    else:
        from timeline.store import open_dataset

        loaded = open_dataset(folder, details=how == "full")
    out: dict[str, Any] = {"seconds": time.perf_counter() - start, "rss": peak_rss_mb()}
    if how == "lean":
        start = time.perf_counter()
        index = EventIndex(loaded.dataset)
        out["index"] = time.perf_counter() - start
        start = time.perf_counter()
        index.prepare_search()
        out["prepare"] = time.perf_counter() - start
        out["gc_full"], out["gc_full_cpu"], out["gc_objects"] = full_collection()
    return out


@functools.cache
def frame_driver() -> Any:
    """A Textual driver that takes no input, like the headless one, but says it is not
    headless: the app then encodes each frame for a terminal, as it would for a user,
    and hands it to `write()`, which records the time. `on_frame(app)`, if set, is
    called after each frame. It is given as the app's `driver_class` with
    `headless=False`: `App.run(headless=True)` would build Textual's own headless driver
    instead, and skip encoding the frames."""
    from textual.drivers.headless_driver import HeadlessDriver

    class Driver(HeadlessDriver):
        frames: ClassVar[list[float]] = []
        on_frame: ClassVar[Callable[[Any], None] | None] = None
        current: ClassVar[Driver | None] = None

        def __init__(self, app: Any, **kwargs: Any) -> None:
            super().__init__(app, **kwargs)
            self.app = app
            Driver.current = self

        @property
        def is_headless(self) -> bool:
            return False

        def write(self, data: str) -> None:
            if not data or data == "\a" or data.startswith("\x1b]"):
                return  # a bell, or an OSC sequence (the pointer's shape): no frame
            Driver.frames.append(time.perf_counter())
            if Driver.on_frame is not None:
                Driver.on_frame(self.app)

        @classmethod
        def after(cls, moment: float) -> float | None:
            """The first frame written after `moment`, if any."""
            later = [f for f in cls.frames if f > moment]
            return later[0] if later else None

    return Driver


def run_on_frame_driver(app: Any) -> None:
    """Run `app` as `App.run` does, with `frame_driver()` at `SIZE`."""
    app.driver_class = frame_driver()
    app.run(size=SIZE)


def child_hello(spawned: float) -> dict[str, Any]:
    """A hello-world Textual app: the floor for a first frame."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Hello(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("Hello, world!")

    marks: dict[str, float] = {}

    def on_frame(app: Any) -> None:
        if not marks:
            marks.update(first=since_spawn(spawned), rss=peak_rss_mb())
            app.exit()

    frame_driver().on_frame = on_frame
    run_on_frame_driver(Hello())
    return marks


def _showing_events(app: Any) -> bool:
    """Whether the main screen is on show with timeline rows."""
    screen = app.main_screen
    timeline = screen.query("#timeline")
    return app.screen is screen and bool(timeline) and bool(timeline.first().rows.rows)


def _main_ready(app: Any) -> bool:
    """Whether the data is in and the sidebar's controls are mounted."""
    screen = app.main_screen
    return screen.dataset is not None and screen.query_one("#sidebar").filled


def child_frame(spawned: float, *path: str, until: str = "main") -> dict[str, Any]:
    """Time to the app's first frame at all ("first"), to the first frame showing
    events ("events": the store's rows count), to the first frame after the data is
    in ("data") and to the first with the sidebar filled too ("main"), where the app
    exits (at "first" if `until` says so).

    The app starts exactly as the `timeline` command starts it (`timeline.cli.main`,
    imports included): only `App.run` is pointed at `frame_driver()`, by an import hook
    when `timeline` first imports Textual.
    """
    marks: dict[str, float] = {}

    def on_frame(app: Any) -> None:
        now = since_spawn(spawned)
        marks.setdefault("first", now)
        if until == "first":
            app.exit()
            return
        if "events" not in marks and _showing_events(app):
            marks["events"] = now
        if "data" not in marks and app.main_screen.dataset is not None:
            marks["data"] = now
        if "events" in marks and _main_ready(app):
            marks["main"] = now
            marks["rss"] = peak_rss_mb()
            app.exit()

    def patch(module: Any) -> None:
        original = module.App.run

        def run(app: Any, **kwargs: Any) -> Any:
            app.driver_class = frame_driver()
            frame_driver().on_frame = on_frame
            return original(app, size=SIZE)

        module.App.run = run

    _after_import("textual.app", patch)
    import timeline.ui

    # The child talks to us over pipes; its frames go to the recording driver.
    timeline.ui.terminal_problem = lambda: None
    from timeline.cli import main as timeline_main

    code = timeline_main(list(path))
    if until not in marks:
        raise RuntimeError(f"timeline exited with {code} before its {until!r} frame")
    return marks


def child_first(spawned: float, *path: str) -> dict[str, Any]:
    """`child_frame` up to the first frame only. Under `valgrind --tool=callgrind`, its
    instruction count against `child_hello`'s is a first-frame ratio that the host's
    load does not move (see benchmarks/RESULTS.md)."""
    return child_frame(spawned, *path, until="first")


def _after_import(name: str, callback: Callable[[Any], None]) -> None:
    """Call `callback(module)` right after the module `name` is first imported."""
    import importlib.util

    class Hook:
        def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
            if fullname != name:
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(fullname)
            loader = spec.loader if spec is not None else None
            if loader is None:
                return spec
            exec_module = loader.exec_module

            def exec_and_call(module: Any) -> None:
                exec_module(module)
                callback(module)

            loader.exec_module = exec_and_call  # type: ignore[method-assign]
            return spec

    sys.meta_path.insert(0, Hook())


class Timer:
    """Wraps methods and records how long each call takes and when the last ended.

    A call made from inside another wrapped call of the same timer is not counted
    again (the outer call's time includes it).
    """

    def __init__(self) -> None:
        self.durations: list[float] = []
        self.ended = 0.0
        self._depth = 0

    def wrap(self, owner: Any, name: str) -> None:
        """Replace `owner.name` with a timed version of itself."""
        original = getattr(owner, name)
        timer = self

        # Textual passes a watcher as many arguments as its signature names.
        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if timer._depth:
                return original(*args, **kwargs)
            timer._depth += 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timer._depth -= 1
                timer.ended = time.perf_counter()
                timer.durations.append(timer.ended - start)

        setattr(owner, name, timed)

    def take(self) -> float:
        """The total time recorded since the last take, then forget it."""
        total = sum(self.durations)
        self.durations.clear()
        return total


def _warm_app(folder: str) -> Any:
    """The app as `timeline FOLDER` starts it with a fresh store (`cli._run_open`):
    the store's rows first, the data loaded from the store in a worker."""
    from timeline import ui
    from timeline.store import Store, store_path

    db = store_path(folder)
    store = Store.open(db, folder) if db is not None else None
    if store is None:
        raise RuntimeError("the store is not fresh")
    return ui.make_app(folder, preview=store.rows())


class Session:
    """The app run on `frame_driver()` under `run_test`, driven key by key."""

    def __init__(self, app: Any, pilot: Any) -> None:
        self.app, self.pilot = app, pilot
        self.driver = frame_driver()

    async def ready(self) -> float:
        """Wait for the main screen and the search index; seconds waited for the index."""
        while not _main_ready(self.app):
            if self.app.failure:
                raise RuntimeError("the dataset did not load")
            await self.pilot.pause(0.01)
        waited = time.perf_counter()
        while not self.app.index.search_ready:
            if time.perf_counter() - waited > 120:
                raise RuntimeError("the search index was not ready after 120 s")
            await self.pilot.pause(0.05)
        return time.perf_counter() - waited

    async def frame_after(self, moment: float, limit: float = 3.0) -> float:
        """The time of the first frame written after `moment`."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            frame = self.driver.after(moment)
            if frame is not None:
                return float(frame)
            await asyncio.sleep(0.001)
        return float("nan")

    def send(self, name: str) -> float:
        """Send one key as the terminal would (through the driver); when it was sent."""
        from textual import events

        message = events.Key(name, name if len(name) == 1 else None)
        message.set_sender(self.app)
        sent = time.perf_counter()
        self.driver.current.send_message(message)
        return sent

    async def settled(self, sent: float, timer: Timer) -> float:
        """Key-to-frame: from `sent` to the first frame written after the timed handler
        is done and, for a filter, after the newest filter's result is shown."""
        while time.perf_counter() - sent < 3.0 and (timer.ended < sent or _pending(self.app)):
            await asyncio.sleep(0.001)
        frame = await self.frame_after(max(timer.ended, sent))
        await self.pilot.pause(0.03)  # let the app settle between keys, as a typist would
        return frame - sent

    async def key(self, name: str, timer: Timer) -> tuple[float, float]:
        """Press one key; (handler seconds, key-to-frame seconds)."""
        timer.take()
        frame = await self.settled(self.send(name), timer)
        return timer.take(), frame


def _run_session(folder: str, body: Callable[[Session], Any]) -> None:
    """Start the warm app on `frame_driver()` and run `body` once its data is in."""
    app = _warm_app(folder)
    app.driver_class = frame_driver()

    async def run() -> None:
        async with app.run_test(headless=False, size=SIZE) as pilot:
            await body(Session(app, pilot))

    asyncio.run(run())


def child_browse(spawned: float, folder: str, *flags: str) -> dict[str, Any]:
    """Drive the running app like a user and time each step to its frame."""
    quick = "--quick" in flags
    from textual.widgets import Input, SelectionList

    import timeline.ui.screens.main as main_module
    from timeline.query import EventIndex
    from timeline.ui.widgets.timeline_view import TimelineView

    handler, core = Timer(), Timer()
    # The UI thread's work for a filter change: the watcher (all of it, or starting a
    # search thread for text at 100k before the index is ready) and showing a result.
    handler.wrap(main_module.MainScreen, "watch_filter")
    handler.wrap(main_module.MainScreen, "_show_result")
    core.wrap(EventIndex, "search")
    core.wrap(main_module, "build_rows")
    core.wrap(TimelineView, "set_rows")
    pager = Timer()
    for action in ("action_page_down", "action_last", "action_first"):
        pager.wrap(TimelineView, action)
    pauses: list[tuple[float, float]] = []
    started: list[tuple[float, float]] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        # Wall and CPU time: on a shared machine a pause can include time descheduled.
        if phase == "start":
            started.append((time.perf_counter(), time.thread_time()))
        elif started:
            wall, cpu = started.pop()
            pauses.append((time.perf_counter() - wall, time.thread_time() - cpu))

    out: dict[str, Any] = {}

    async def body(session: Session) -> None:
        app, pilot = session.app, session.pilot
        # The search index is built in a thread after start (seconds at 100k): the
        # search series times typing, not that build, so it waits and reports the wait.
        out["search_ready_s"] = await session.ready()
        await pilot.pause(0.2)
        gc.callbacks.append(on_gc)
        screen = app.screen

        async def series(name: str, keys: list[str]) -> None:
            handlers, cores, frames = [], [], []
            for k in keys:
                core.take()
                seconds, frame = await session.key(k, handler)
                handlers.append(seconds)
                cores.append(core.take())
                frames.append(frame)
            out.update(
                {f"{name}_handler": handlers, f"{name}_core": cores, f"{name}_frame": frames}
            )

        # After a focus change the footer rebuilds its keys (10-20 ms of mounting and
        # painting): wait as a user would between `t` and space, so each series times
        # its own keys.
        screen.query_one("#themes", SelectionList).focus()
        await pilot.pause(_SETTLE)
        await series("theme", ["space"] * (2 if quick else 12))
        screen.query_one("#themes", SelectionList).deselect_all()
        await pilot.pause(0.1)

        screen.query_one("#search", Input).focus()
        await pilot.pause(_SETTLE)
        handlers, cores, frames = [], [], []
        for word in _words(app, 1 if quick else 4):
            for letter in word:
                core.take()
                seconds, frame = await session.key(letter, handler)
                handlers.append(seconds)
                cores.append(core.take())
                frames.append(frame)
            for _ in word:
                await session.key("backspace", handler)
        out.update(search_handler=handlers, search_core=cores, search_frame=frames)

        date_from = screen.query_one("#date-from", Input)
        handlers, frames = [], []
        years = _years(app)[: 1 if quick else 4]
        for value in [y for year in years for y in (year, "")]:
            handler.take()
            sent = time.perf_counter()
            date_from.value = value
            frames.append(await session.settled(sent, handler))
            handlers.append(handler.take())
        out.update(date_handler=handlers, date_frame=frames)

        screen.query_one(TimelineView).focus()
        await pilot.pause(_SETTLE)
        page_handler, page_frame, end_frame = [], [], []
        for _ in range(2 if quick else 20):
            seconds, frame = await session.key("pagedown", pager)
            page_handler.append(seconds)
            page_frame.append(frame)
        for _ in range(1 if quick else 6):
            await session.key("home", pager)
            end_frame.append((await session.key("end", pager))[1])
        out.update(page_handler=page_handler, page_frame=page_frame, end_frame=end_frame)
        gc.callbacks.remove(on_gc)
        out["browse_rss"] = peak_rss_mb()
        out["gc_max"] = max((p[0] for p in pauses), default=0.0)
        out["gc_max_cpu"] = max((p[1] for p in pauses), default=0.0)
        out["gc_over_16ms"] = sum(1 for p in pauses if p[0] > 0.016)
        out["gc_count"] = len(pauses)
        out["gc_longest"] = sorted(pauses, reverse=True)[:12]
        out["gc_full"], out["gc_full_cpu"], out["gc_objects"] = full_collection()
        out["events"] = len(app.index)

    _run_session(folder, body)
    return out


def child_reloads(spawned: float, folder: str, times: str) -> dict[str, Any]:
    """Press `r` `times` times in one app, each once the last reload is shown and its
    search index is ready; the RSS (now, not peak) after each."""
    out: dict[str, Any] = {"reload_rss": [], "reload_s": []}

    async def body(session: Session) -> None:
        app, pilot = session.app, session.pilot
        await session.ready()
        await pilot.pause(0.3)
        out["reload_start_rss"] = rss_mb()
        for _ in range(int(times)):
            before = app.index
            sent = session.send("r")
            while app.index is before or not app.index.search_ready:
                if time.perf_counter() - sent > 120:
                    raise RuntimeError("a reload did not finish in 120 s")
                await pilot.pause(0.02)
            out["reload_s"].append(time.perf_counter() - sent)
            await pilot.pause(0.3)
            out["reload_rss"].append(rss_mb())

    _run_session(folder, body)
    return out


_SETTLE = 0.15
"""Seconds to wait after moving the focus by code before a series' first key: the
footer's rebuild for the new focus is drawn by then (see `child_browse`)."""


def _pending(app: Any) -> bool:
    """Whether a search thread is still working on the newest filter."""
    screen = app.screen
    return bool(getattr(screen, "shown_filter", None) != getattr(screen, "filter", None))


def _words(app: Any, count: int) -> list[str]:
    """Five-letter words that occur in the dataset's titles (so each key narrows)."""
    found: list[str] = []
    for event in app.index.events[:: max(1, len(app.index) // 50)]:
        for word in event.title.lower().split():
            word = "".join(c for c in word if c.isalpha())
            if len(word) >= 5 and word[:5] not in found:
                found.append(word[:5])
                break
        if len(found) == count:
            break
    return found


def _years(app: Any) -> list[str]:
    """A few years across the dataset's span, for the date-range box."""
    events = app.index.events
    picks = [events[len(events) * k // 5] for k in range(1, 5)]
    return [str(e.date.anchor_point.year) for e in picks]


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "bare": child_bare,
    "load": child_load,
    "hello": child_hello,
    "frame": child_frame,
    "first": child_first,
    "browse": child_browse,
    "reloads": child_reloads,
}


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        _, _, mode, spawned, *rest = sys.argv
        print(json.dumps(CHILDREN[mode](float(spawned), *rest)), flush=True)
        sys.exit(0)
    sys.exit(main())
