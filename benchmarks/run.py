"""Measure `timeline` against its speed targets and print one table per dataset size.

    python benchmarks/run.py                      # 1k, 10k and 100k events
    python benchmarks/run.py --sizes 1k,10k --reps 3 --json results.json

For each size N it generates a synthetic dataset (`benchmarks/generate.py`, cached in
the work folder) and measures, each in a fresh process so imports, caches and the
garbage collector start cold:

1. load and validate (quote checks included) with `load_dataset`, against a bare
   `yaml.load(CSafeLoader)` of the same file with gc paused, cold and with a warm
   `timeline.cache`; and the `EventIndex` build that the app adds on top;
2. time to the first frame that shows events (headless `run_test`, 160x50, with the
   terminal encoding the headless driver skips added back), against a hello-world
   Textual app measured in the same run; cold (no cache) and warm;
3. filter latency as the user sees it: a theme toggled (space in the theme list), a
   5-letter word typed one key at a time, a date range changed; each as the handler's
   work on the UI thread (`MainScreen.watch_filter` plus `_show_result`: search, or
   starting a search thread at 100k, then rows, counts, histogram), the core part (search
   plus rows, wherever the search ran), and key-to-frame (the first frame after the
   newest filter's result is shown);
4. scroll and jump latency (page down, end);
5. peak RSS, against the hello-world app, and the garbage collector's pauses while
   browsing (from `gc.callbacks`).

Timings are wall-clock medians; the machine is shared, so read ratios to the
same-run baselines rather than absolute figures. Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
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
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GENERATOR_VERSION = "1"
PYCACHE = Path(tempfile.gettempdir()) / "timeline-bench-pycache"
"""Compiled modules for the children. An installed package has its `.pyc` files; run
with `PYTHONDONTWRITEBYTECODE=1` (as some shells and sandboxes are), every start would
compile the `timeline` modules from source again (40 ms and more before the first frame,
while Textual's own are compiled), so the children always get a bytecode cache."""
SIZE = (160, 50)
"""The headless terminal size: wide enough for the sidebar, list and detail pane."""


# -- the parent: orchestration and the table --------------------------------------------


BUNDLED = 0
"""The size that stands for the bundled dataset (`--sizes bundled`)."""


def parse_size(text: str) -> int:
    """`1k` → 1000, `1M` → 1000000, `2500` → 2500, `bundled` → `BUNDLED`."""
    text = text.strip().lower()
    if text == "bundled":
        return BUNDLED
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def label(count: int) -> str:
    """`1000` → `1k`, `1000000` → `1M`."""
    if count == BUNDLED:
        return "bundled"
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count >= 1_000 and count % 1_000 == 0:
        return f"{count // 1_000}k"
    return str(count)


def dataset(work: Path, count: int) -> Path:
    """The synthetic dataset of `count` events, generated once per work folder."""
    if count == BUNDLED:
        from timeline.loader import bundled_dataset_path

        return bundled_dataset_path()
    folder = work / f"events-{label(count)}"
    stamp = folder / ".generated"
    if stamp.exists() and stamp.read_text() == GENERATOR_VERSION:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), str(count), str(folder)],
        check=True,
    )
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
    reps: int,
    timeout: float,
    log: Callable[[str], None],
    *,
    quick: bool = False,
) -> dict[str, Any]:
    """Every figure for one dataset size (`quick`: a few keys each, for a smoke test)."""
    folder = dataset(work, count)
    events_file = folder / "events.yaml"
    figures: dict[str, Any] = {"n": count, "mb": events_file.stat().st_size / 1e6}
    big = count >= 100_000
    load_reps = 1 if big else reps
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
    cache_env = {"TIMELINE_CACHE_DIR": str(cache)}
    no_cache = {"TIMELINE_NO_CACHE": "1"}

    log(f"{label(count)}: bare CSafeLoader")
    figures["bare"] = median(
        [child("bare", str(events_file), timeout=timeout)["seconds"] for _ in range(load_reps)]
    )
    log(f"{label(count)}: cold load")
    cold = [child("load", str(folder), env=no_cache, timeout=timeout) for _ in range(load_reps)]
    figures["cold"] = median([c["seconds"] for c in cold])
    figures["cold_rss"] = max(c["rss"] for c in cold)
    figures["index"] = median([c["index"] for c in cold])
    log(f"{label(count)}: cache fill and warm load")
    figures["fill"] = child("load", str(folder), "--cache", env=cache_env, timeout=timeout)[
        "seconds"
    ]
    warm = [
        child("load", str(folder), "--cache", env=cache_env, timeout=timeout) for _ in range(reps)
    ]
    figures["warm"] = median([w["seconds"] for w in warm])
    figures["warm_rss"] = max(w["rss"] for w in warm)
    # The app writes the rows snapshot after its first full load, once the main screen
    # is up; a frame run exits before that, so it is written here, as the app would.
    figures.update(child("snapshot", str(folder), env=cache_env, timeout=timeout))

    log(f"{label(count)}: first frames")
    hello = [child("hello", timeout=timeout) for _ in range(reps)]
    figures["hello"] = median([h["frame"] for h in hello])
    figures["hello_rss"] = median([h["rss"] for h in hello])
    # The bundled dataset is opened as `timeline` with no PATH opens it.
    which = ("--bundled",) if count == BUNDLED else ()
    frames_cold = [
        child("frame", str(folder), *which, env=no_cache, timeout=timeout) for _ in range(load_reps)
    ]
    frames_warm = [
        child("frame", str(folder), "--cache", *which, env=cache_env, timeout=timeout)
        for _ in range(reps)
    ]
    figures["frame_any_cold"] = median([f["first"] for f in frames_cold])
    figures["frame_events_cold"] = median([f["events"] for f in frames_cold])
    figures["frame_any_warm"] = median([f["first"] for f in frames_warm])
    figures["frame_events_warm"] = median([f["events"] for f in frames_warm])
    figures["frame_main_warm"] = median([f["main"] for f in frames_warm])
    figures["app_rss_cold"] = max(f["rss"] for f in frames_cold)
    figures["app_rss_warm"] = max(f["rss"] for f in frames_warm)

    log(f"{label(count)}: browsing")
    browse_flags = ("--cache", "--quick") if quick else ("--cache",)
    # The warm frame runs above may have had time to build and save the search index:
    # drop it, so that this first browse builds it, as a dataset's first start does.
    for saved_index in cache.glob("*.tlsearch"):
        saved_index.unlink()
    browse = child("browse", str(folder), *browse_flags, env=cache_env, timeout=timeout)
    figures.update(browse)
    # That first start built the search index and saved it beside the cache entry; every
    # later start reads it instead (its memory is the steady state), so browse again.
    again = child("browse", str(folder), *browse_flags, env=cache_env, timeout=timeout)
    figures["browse_rss_saved"] = again["browse_rss"]
    figures["search_ready_saved_s"] = again["search_ready_s"]
    shutil.rmtree(cache, ignore_errors=True)
    return figures


def table(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table: one column per size."""

    def ms(value: float) -> str:
        return "–" if value != value else f"{value * 1000:,.1f}"

    def ready_cell(r: dict[str, Any]) -> str:
        return f"{s(r['search_ready_s'])}; {s(r['search_ready_saved_s'])}"

    def mb(r: dict[str, Any], key: str) -> str:
        return f"{r[key]:.0f}"

    def above(r: dict[str, Any], key: str) -> str:
        return f"{r[key] - r['hello_rss']:.0f}"

    def s(value: float) -> str:
        return f"{value:,.2f}"

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}×" if b else "–"

    def lat(r: dict[str, Any], key: str) -> str:
        values = r[key]
        return f"{ms(median(values))} / {ms(p95(values))}"

    def snapshot_cell(r: dict[str, Any]) -> str:
        if "snapshot_mb" not in r:
            return "–"
        return f"{r['snapshot_mb']:.1f}; {ms(r['snapshot_read'])}; {s(r['snapshot_write'])}"

    def gc_cell(r: dict[str, Any]) -> str:
        return f"{r['gc_count']}; {ms(r['gc_max'])} / {ms(r['gc_max_cpu'])}; {r['gc_over_16ms']}"

    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("events.yaml MB", lambda r: f"{r['mb']:.1f}"),
        ("bare CSafeLoader, gc paused (s)", lambda r: s(r["bare"])),
        ("cold load_dataset (s)", lambda r: s(r["cold"])),
        ("  × bare", lambda r: ratio(r["cold"], r["bare"])),
        ("cold load + cache write (s)", lambda r: s(r["fill"])),
        ("warm load_with_cache (s)", lambda r: s(r["warm"])),
        ("  × bare", lambda r: ratio(r["warm"], r["bare"])),
        ("EventIndex build (s)", lambda r: s(r["index"])),
        ("hello-world first frame (s)", lambda r: s(r["hello"])),
        ("app first frame, loading screen (s)", lambda r: s(r["frame_any_cold"])),
        ("  × hello", lambda r: ratio(r["frame_any_cold"], r["hello"])),
        ("app events on screen, cold (s)", lambda r: s(r["frame_events_cold"])),
        ("  × hello", lambda r: ratio(r["frame_events_cold"], r["hello"])),
        ("app first frame, warm cache (s)", lambda r: s(r["frame_any_warm"])),
        ("  × hello", lambda r: ratio(r["frame_any_warm"], r["hello"])),
        ("app events on screen, warm cache (s)", lambda r: s(r["frame_events_warm"])),
        ("  × hello", lambda r: ratio(r["frame_events_warm"], r["hello"])),
        ("app main screen ready, warm cache (s)", lambda r: s(r["frame_main_warm"])),
        ("  × hello", lambda r: ratio(r["frame_main_warm"], r["hello"])),
        ("rows snapshot MB; read ms; write s", lambda r: snapshot_cell(r)),
        ("search index ready after the main screen: built; read (s)", ready_cell),
        ("theme toggle: handler ms med/p95", lambda r: lat(r, "theme_handler")),
        ("theme toggle: core ms med/p95", lambda r: lat(r, "theme_core")),
        ("theme toggle: counts + strip, next frame, ms med/p95", lambda r: lat(r, "theme_widgets")),
        ("theme toggle: key→frame ms med/p95", lambda r: lat(r, "theme_frame")),
        ("search 5 letters: handler ms med/p95", lambda r: lat(r, "search_handler")),
        ("search 5 letters: core ms med/p95", lambda r: lat(r, "search_core")),
        ("search 5 letters: key→frame ms med/p95", lambda r: lat(r, "search_frame")),
        ("date range: handler ms med/p95", lambda r: lat(r, "date_handler")),
        ("date range: core ms med/p95", lambda r: lat(r, "date_core")),
        ("date range: change→frame ms med/p95", lambda r: lat(r, "date_frame")),
        ("page down: handler ms med/p95", lambda r: lat(r, "page_handler")),
        ("page down: key→frame ms med/p95", lambda r: lat(r, "page_frame")),
        ("end: key→frame ms med/p95", lambda r: lat(r, "end_frame")),
        ("GC while browsing: passes; max ms wall / CPU; count > 16 ms", gc_cell),
        ("hello-world peak RSS (MB)", lambda r: f"{r['hello_rss']:.0f}"),
        ("app peak RSS, cold (MB)", lambda r: f"{r['app_rss_cold']:.0f}"),
        ("app peak RSS, warm (MB)", lambda r: f"{r['app_rss_warm']:.0f}"),
        ("  warm − hello (MB)", lambda r: f"{r['app_rss_warm'] - r['hello_rss']:.0f}"),
        ("app peak RSS after browsing, warm, index built (MB)", lambda r: mb(r, "browse_rss")),
        ("  after browsing − hello (MB)", lambda r: above(r, "browse_rss")),
        ("app peak RSS after browsing, warm, index read (MB)", lambda r: mb(r, "browse_rss_saved")),
        ("  after browsing − hello (MB)", lambda r: above(r, "browse_rss_saved")),
    ]  # fmt: skip
    head = "| figure | " + " | ".join(label(r["n"]) for r in results) + " |"
    rule = "|---|" + "---|" * len(results)
    body = [f"| {name} | " + " | ".join(cell(r) for r in results) + " |" for name, cell in rows]
    return "\n".join([head, rule, *body])


def main(argv: list[str] | None = None) -> int:
    """Command line: measure each size and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="bundled,1k,10k,100k", help="comma-separated: bundled,1k,10k,100k,1M"
    )
    parser.add_argument("--reps", type=int, default=5, help="repetitions of the quick runs")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "timeline-bench")
    parser.add_argument("--timeout", type=float, default=480.0, help="seconds per child run")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--quick", action="store_true", help="a few keys per figure (smoke run)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    compile_package()

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    results = []
    for size in args.sizes.split(","):
        count = parse_size(size)
        results.append(measure(count, args.work, args.reps, args.timeout, log, quick=args.quick))
    print(machine())
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


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
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = ", ".join(
        f"{name} {md.version(name)}" for name in ("textual", "rich", "PyYAML", "rapidfuzz")
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {versions}, "
        f"libyaml {'yes' if yaml.__with_libyaml__ else 'NO'}"
    )


# -- the children: one measurement each ------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_bare(spawned: float, events_file: str) -> dict[str, Any]:
    """`yaml.load(CSafeLoader)` of the file with gc paused: the floor for loading."""
    import yaml

    text = Path(events_file).read_text(encoding="utf-8")
    gc.disable()
    start = time.perf_counter()
    yaml.load(text, Loader=yaml.CSafeLoader)
    return {"seconds": time.perf_counter() - start}


def child_load(spawned: float, folder: str, *flags: str) -> dict[str, Any]:
    """`load_dataset` (or `load_with_cache`), then the `EventIndex` the app builds."""
    from timeline.query import EventIndex

    if "--cache" in flags:
        from timeline.cache import load_with_cache as load
    else:
        from timeline.loader import load_dataset as load
    start = time.perf_counter()
    loaded = load(folder)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    EventIndex(loaded.dataset)
    return {"seconds": seconds, "index": time.perf_counter() - start, "rss": peak_rss_mb()}


def child_snapshot(spawned: float, folder: str) -> dict[str, Any]:
    """Write the dataset's rows snapshot as the app does after a load (through the
    cache), then time reading it back (stamp included; median of 5 reads)."""
    from timeline.cache import load_with_cache
    from timeline.query import EventIndex
    from timeline.snapshot import SnapshotStore

    store = SnapshotStore(folder)
    stamp = store.stamp()
    index = EventIndex(load_with_cache(folder).dataset)
    file = store.file()
    if stamp is None or file is None:
        return {}
    start = time.perf_counter()
    store.write(index.events, index.dataset.themes, stamp)
    write = time.perf_counter() - start
    reads = []
    for _ in range(5):
        start = time.perf_counter()
        snapshot = store.read(store.stamp())
        reads.append(time.perf_counter() - start)
        if snapshot is None:
            raise RuntimeError("the rows snapshot did not read back")
    return {
        "snapshot_mb": file.stat().st_size / 1e6,
        "snapshot_write": write,
        "snapshot_read": median(reads),
    }


class FrameClock:
    """Timestamps of the frames an app paints, with the terminal encoding put back.

    The headless driver skips turning a frame into terminal bytes; a real terminal
    pays for it on every frame, so each frame is encoded here as it would be.
    """

    def __init__(self) -> None:
        self.frames: list[float] = []
        self.on_frame: Callable[[], None] | None = None

    def install(self) -> None:
        """Wrap `App._display`, which every screen update goes through."""
        from textual.app import App
        from textual.screen import Screen

        original = App._display
        clock = self

        def display(app: App[Any], screen: Screen[Any], renderable: Any) -> None:
            original(app, screen, renderable)
            if renderable is None or app._batch_count:
                return
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(app.console)
            clock.frames.append(time.perf_counter())
            if clock.on_frame is not None:
                clock.on_frame()

        App._display = display  # type: ignore[method-assign,assignment]

    def after(self, moment: float) -> float | None:
        """The first frame painted after `moment`, if any."""
        later = [f for f in self.frames if f > moment]
        return later[0] if later else None


def since_spawn(spawned: float) -> float:
    """Seconds since the parent started this process (wall clock)."""
    return time.time() - spawned


def _run_headless(app: Any, on_frame: Callable[[], None], clock: FrameClock) -> None:
    """Run `app` as `App.run` does, on the headless driver at `SIZE`."""
    clock.on_frame = on_frame
    app.run(headless=True, size=SIZE)


def child_hello(spawned: float) -> dict[str, Any]:
    """A hello-world Textual app: the floor for a first frame."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    clock = FrameClock()
    clock.install()
    first: list[float] = []

    class Hello(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("Hello, world!")

    app = Hello()

    def on_frame() -> None:
        if not first:
            first.append(since_spawn(spawned))
            app.exit()

    _run_headless(app, on_frame, clock)
    return {"frame": first[0], "rss": peak_rss_mb()}


def _timeline_app(folder: str, flags: tuple[str, ...]) -> Any:
    """The app as `timeline` starts it on a big dataset: loaded through the cache (if
    `--cache`; the environment turns it off otherwise) in a worker, gc frozen after."""
    from timeline import ui

    return ui.lazy_app(folder)


def _showing_events(app: Any) -> bool:
    """Whether the screen shows event rows: the main screen's, or the loading screen's
    preview of them from the rows snapshot."""
    # Only what the app has imported itself: importing the timeline widget here, in the
    # first frame's callback, would delay the app's next frames by its import time.
    module = sys.modules.get("timeline.ui.widgets.timeline_view")
    if module is None:
        return False
    screen = app.screen
    if not (screen is app.main_screen or type(screen).__name__ == "LoadingScreen"):
        return False
    try:
        return bool(screen.query_one(module.TimelineView).rows.rows)
    except Exception:
        return False


def _main_ready(app: Any) -> bool:
    """Whether the main screen (filters, search, quotes: the whole dataset) shows rows."""
    return app.main_screen is not None and app.screen is app.main_screen and _showing_events(app)


def child_frame(spawned: float, folder: str, *flags: str) -> dict[str, Any]:
    """Time to the app's first frame at all ("first"), to the first frame showing
    events ("events": the preview from the rows snapshot counts), and to the first frame
    of the main screen with the whole dataset ("main").

    The app starts exactly as the `timeline` command starts it (`timeline.cli.main`,
    imports included): only `App.run` is redirected to the headless driver.
    """
    clock = FrameClock()
    marks: dict[str, float] = {}

    def run(app: Any, *args: Any, **kwargs: Any) -> None:
        def on_frame() -> None:
            now = since_spawn(spawned)
            marks.setdefault("first", now)
            if "events" not in marks and _showing_events(app):
                marks["events"] = now
            if "events" in marks and _main_ready(app):
                marks["main"] = now
                marks["rss"] = peak_rss_mb()
                app.exit()

        clock.on_frame = on_frame
        original(app, headless=True, size=SIZE)

    original: Callable[..., None] = lambda *args, **kwargs: None  # noqa: E731

    def patch(module: Any) -> None:
        nonlocal original
        original = module.App.run
        module.App.run = run
        clock.install()

    # `timeline` imports Textual only once it knows it opens the TUI, and may have work
    # running meanwhile (`timeline.prefill`): the app is patched when Textual arrives,
    # so that the imports happen in the real command's order.
    _after_import("textual.app", patch)
    from timeline.cli import main as timeline_main

    code = timeline_main([] if "--bundled" in flags else [folder])
    if "main" not in marks:
        raise RuntimeError(f"timeline exited with {code} before showing events")
    return marks


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


def child_browse(spawned: float, folder: str, *flags: str) -> dict[str, Any]:
    """Drive the running app like a user and time each step to its frame."""
    quick = "--quick" in flags
    from textual import events
    from textual.widgets import Input, SelectionList

    import timeline.ui.screens.main as main_module
    from timeline.query import EventIndex
    from timeline.ui.widgets.timeline_view import TimelineView

    clock = FrameClock()
    clock.install()
    handler, core = Timer(), Timer()
    # The UI thread's work for a filter change: the watcher (all of it, or starting a
    # search thread for text at 100k) and showing a result that a search thread sent.
    handler.wrap(main_module.MainScreen, "watch_filter")
    handler.wrap(main_module.MainScreen, "_show_result")
    core.wrap(EventIndex, "search")
    core.wrap(main_module, "build_rows")
    core.wrap(TimelineView, "set_rows")
    # The sidebar's counts and the overview strip: computed and shown one frame after
    # the rows (`MainScreen._show_facets`), outside the handler.
    widgets = Timer()
    widgets.wrap(main_module.MainScreen, "_show_facets")
    pager = Timer()
    pager.wrap(TimelineView, "action_page_down")
    pager.wrap(TimelineView, "action_last")
    pager.wrap(TimelineView, "action_first")
    pauses: list[tuple[float, float, int]] = []
    started: list[tuple[float, float]] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        # Wall and CPU time: on a shared machine a pause can include time descheduled.
        if phase == "start":
            started.append((time.perf_counter(), time.thread_time()))
        elif started:
            wall, cpu = started.pop()
            pauses.append(
                (time.perf_counter() - wall, time.thread_time() - cpu, info["generation"])
            )

    app = _timeline_app(folder, flags)
    out: dict[str, Any] = {}

    async def frame_after(moment: float, limit: float = 3.0) -> float:
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            frame = clock.after(moment)
            if frame is not None:
                return frame
            await asyncio.sleep(0.001)
        return float("nan")

    async def key(pilot: Any, name: str, timer: Timer) -> tuple[float, float]:
        """Press one key; (handler seconds, key-to-frame seconds)."""
        timer.take()
        core.take()
        sent = time.perf_counter()
        character = name if len(name) == 1 else None
        message = events.Key(name, character)
        message.set_sender(app)
        app._driver.send_message(message)
        # The frame that matters is the one painted after the handler is done, and
        # for a filter, after the result of the newest filter is shown.
        while time.perf_counter() - sent < 3.0 and (timer.ended < sent or _pending(app)):
            await asyncio.sleep(0.001)
        frame = await frame_after(max(timer.ended, sent))
        await pilot.pause(0.03)  # let the app settle between keys, as a typist would
        return timer.take(), frame - sent

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            while not _main_ready(app):
                if app.failure:
                    raise RuntimeError("the dataset did not load")
                await pilot.pause(0.01)
            # The search index is built in a thread after start (seconds at 100k); the
            # search series must time typing, not that build, so wait for it and report
            # the wait apart.
            waited = time.perf_counter()
            while not getattr(app.index, "search_ready", True):
                if time.perf_counter() - waited > 120:
                    raise RuntimeError("the search index was not ready after 120 s")
                await pilot.pause(0.05)
            out["search_ready_s"] = time.perf_counter() - waited
            await pilot.pause(0.2)
            if "--gc-idle" in flags:
                # The experiment the UI could adopt: no automatic full collection while
                # the user types (the dataset is frozen; only Textual's own objects are
                # left), one at idle instead.
                gc.set_threshold(700, 10, 1_000_000)
                gc.collect()
            gc.callbacks.append(on_gc)
            screen = app.screen

            async def series(name: str, keys: list[str]) -> None:
                handlers, cores, frames, widget_times = [], [], [], []
                for k in keys:
                    core.take()
                    widgets.take()
                    seconds, frame = await key(pilot, k, handler)
                    handlers.append(seconds)
                    cores.append(core.take())
                    widget_times.append(widgets.take())
                    frames.append(frame)
                out[f"{name}_handler"] = handlers
                out[f"{name}_core"] = cores
                out[f"{name}_widgets"] = widget_times
                out[f"{name}_frame"] = frames

            # A focus change makes Textual's footer rebuild its keys for the new focus
            # (10-20 ms of mounting and painting, after the next refresh). 50 ms after
            # `focus()` that frame was often still being drawn when the first key came,
            # which then waited for it (35-85 ms for the first theme key, 15-25 for the
            # others). A user's `t` then space are 100 ms or more apart: let the focus
            # settle as theirs would, so each series times its own keys.
            screen.query_one("#themes", SelectionList).focus()
            await pilot.pause(_SETTLE)
            await series("theme", ["space"] * (2 if quick else 12))
            screen.query_one("#themes", SelectionList).deselect_all()
            await pilot.pause(0.1)

            search = screen.query_one("#search", Input)
            search.focus()
            await pilot.pause(_SETTLE)
            handlers, cores, frames = [], [], []
            for word in _words(app, 1 if quick else 4):
                for letter in word:
                    core.take()
                    seconds, frame = await key(pilot, letter, handler)
                    handlers.append(seconds)
                    cores.append(core.take())
                    frames.append(frame)
                for _ in word:
                    await key(pilot, "backspace", handler)
            out.update(search_handler=handlers, search_core=cores, search_frame=frames)

            date_from = screen.query_one("#date-from", Input)
            handlers, cores, frames = [], [], []
            years = _years(app)[: 1 if quick else 4]
            for value in [y for year in years for y in (year, "")]:
                handler.take()
                core.take()
                sent = time.perf_counter()
                date_from.value = value
                while time.perf_counter() - sent < 3.0 and (handler.ended < sent or _pending(app)):
                    await asyncio.sleep(0.001)
                frame = await frame_after(max(handler.ended, sent))
                await pilot.pause(0.03)
                handlers.append(handler.take())
                cores.append(core.take())
                frames.append(frame - sent)
            out.update(date_handler=handlers, date_core=cores, date_frame=frames)

            screen.query_one(TimelineView).focus()
            await pilot.pause(_SETTLE)
            page_handler, page_frame, end_frame = [], [], []
            for _ in range(2 if quick else 20):
                seconds, frame = await key(pilot, "pagedown", pager)
                page_handler.append(seconds)
                page_frame.append(frame)
            for _ in range(1 if quick else 6):
                await key(pilot, "home", pager)
                _, frame = await key(pilot, "end", pager)
                end_frame.append(frame)
            out.update(page_handler=page_handler, page_frame=page_frame, end_frame=end_frame)
            gc.callbacks.remove(on_gc)
            out["browse_rss"] = peak_rss_mb()
            out["gc_max"] = max((p[0] for p in pauses), default=0.0)
            out["gc_max_cpu"] = max((p[1] for p in pauses), default=0.0)
            out["gc_over_16ms"] = sum(1 for p in pauses if p[0] > 0.016)
            out["gc_count"] = len(pauses)
            out["gc_by_generation"] = [
                [
                    sum(1 for p in pauses if p[2] == g),
                    max((p[0] for p in pauses if p[2] == g), default=0.0),
                ]
                for g in range(3)
            ]
            out["events"] = len(index) if (index := app.index) is not None else 0

    asyncio.run(run())
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
    "snapshot": child_snapshot,
    "browse": child_browse,
}


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        _, _, mode, spawned, *rest = sys.argv
        print(json.dumps(CHILDREN[mode](float(spawned), *rest)), flush=True)
        sys.exit(0)
    sys.exit(main())
