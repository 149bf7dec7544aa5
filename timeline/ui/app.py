"""The Textual application: a thin shell that holds the data and the top-level keys.

It starts either on a dataset that is already loaded (`TimelineApp(loaded)`) or on a
loader to call (`TimelineApp(load=...)`). With a loader, the first frame shows a loading
screen at once and the dataset is read in a thread worker; the same loader reloads the
dataset when the user presses `r`, keeping the last good data if the new one is invalid.

Given a `SnapshotStore` too, the loading screen shows the timeline's rows from the
dataset's rows snapshot (`timeline.snapshot`) just after its first frame, while the
worker loads the real data; the main screen then replaces it, on the same event. After
each load whose files did not change meanwhile, the snapshot is rewritten if needed.

A small dataset's rows (`rows=`: from its snapshot, or built from the data handed over)
are the first frame by themselves, where the main screen will show them; the main
screen follows a few frames later, and the keys pressed in between are replayed on it.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Protocol

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widget import MountError, Widget

from timeline.ui.screens.loading import LoadingScreen

# Only what the first frame needs is imported here. The loader (PyYAML, rapidfuzz), the
# query index and the other screens are imported where they are first used: for a big
# dataset that is after the loading screen is on the terminal (about 80 ms sooner).
if TYPE_CHECKING:
    from pathlib import Path

    from textual.command import Provider
    from textual.message_pump import MessagePump
    from textual.screen import Screen
    from textual.timer import Timer

    from timeline.diagnostics import Diagnostic
    from timeline.loader import Loaded, ProgressCallback
    from timeline.model import Dataset
    from timeline.query import EventIndex, Filter
    from timeline.snapshot import RowsSnapshot, SnapshotStore
    from timeline.ui.messages import DatasetFailed, DatasetLoaded, LoadProgress
    from timeline.ui.screens.main import MainScreen

__all__ = ["Loader", "TimelineApp"]


class Loader(Protocol):
    """Reads the dataset from disk, reporting the fraction done to `progress`.

    `functools.partial(load_dataset, path)` is one. Raises `DatasetError` when the
    dataset is invalid.
    """

    def __call__(self, *, progress: ProgressCallback | None = None) -> Loaded:
        """Load the dataset."""
        ...


_INDEX_IN_BACKGROUND = 20_000
"""From this many events, even data handed over already loaded is indexed in a thread
worker behind the loading screen: `EventIndex` takes seconds at 100,000 events."""


_PROGRESS_INTERVAL = 0.1
"""Seconds between progress updates on the loading screen (at most 10 a second)."""

_HOLD_KEYS_LIMIT = 2.0
"""Seconds the keys pressed over the rows shown first are held for the main screen at
most: if the load takes longer (a slow disk), they go to the rows' screen instead."""

_NEVER_HELD = frozenset({"ctrl+q", "ctrl+c"})
"""Keys that act at once even while the others are held: quitting must always work."""

_IDLE_COLLECT = 2.0
"""Seconds without input after which a full garbage collection may run (see
`_tune_gc`)."""


def _already_loaded(loaded: Loaded, *, progress: ProgressCallback | None = None) -> Loaded:
    """A `Loader` for data that is already in memory."""
    return loaded


def _load_folder(root: str | Path, *, progress: ProgressCallback | None = None) -> Loaded:
    """A `Loader` that reads the dataset at `root` again (imports the loader lazily)."""
    from timeline.loader import load_dataset

    return load_dataset(root, progress=progress)


def _commands() -> type[Provider]:
    """The palette's provider, imported when the palette first opens."""
    from timeline.ui.commands import TimelineCommands

    return TimelineCommands


class TimelineApp(App[None]):
    """Explore a sourced timeline: filter it, read the quotes, open the articles."""

    CSS_PATH = "app.tcss"
    TITLE = "timeline"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = App.COMMANDS | {
        _commands
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("r", "reload", "Reload", show=False),
        Binding("ctrl+p", "command_palette", "Palette", show=False),
    ]
    """App-wide keys; screens and widgets add their own."""

    def __init__(
        self,
        loaded: Loaded | None = None,
        *,
        load: Loader | None = None,
        event: str | None = None,
        initial_filter: Filter | None = None,
        date_texts: tuple[str, str] | None = None,
        freeze_gc: bool = False,
        loading_label: str = "the dataset",
        snapshot: Callable[[], SnapshotStore] | None = None,
        rows: RowsSnapshot | None = None,
        rows_stamp: bytes | None = None,
        store: Callable[[], None] | None = None,
    ) -> None:
        """Start on `loaded`, or, when it is None, on what `load` returns.

        Args:
            loaded: A dataset already loaded (tests and the eager CLI path).
            load: How to read the dataset from disk. Called in a thread worker at start
                when `loaded` is None, and again on every reload. Defaults to loading
                `loaded.dataset.root` again.
            event: The id of the event to select first (a deep link).
            initial_filter: The filter to open with (a deep link).
            date_texts: The texts to show in the sidebar's date boxes for that filter.
            freeze_gc: After loading, move the data out of the garbage collector's reach
                (`gc.freeze()`), so that full collections never stall the UI. Only for
                a real run: a frozen object is never freed.
            loading_label: What the loading screen says it is loading (a path).
            snapshot: Gives the rows snapshot of the data `load` reads (called after the
                first frame, so its module is not imported before it). The loading
                screen then shows the rows from it, and each load keeps it up to date.
            rows: The timeline's rows of a small dataset, read from its snapshot file
                (`loaded` None) or built from `loaded`: the first frame shows them, in
                the main screen's layout, and the main screen follows as soon as the
                data is there. Keys pressed before it are held and replayed on it, in
                order (`_replay_held_keys`).
            rows_stamp: The dataset's `timeline.snapshot` stamp: the one `rows` was read
                for, or the one taken before `loaded` was read. With `loaded`, a
                snapshot is written for it after the main screen shows, if none is
                current.
            store: Writes `loaded` to the cache (`timeline.cache.load_storing_later`):
                called in a thread worker once the main screen shows, so that it does
                not delay the first frame.
        """
        super().__init__()
        self._deferred_css: list[Path] = []
        if loaded is None or rows is not None:
            # The stylesheet costs about 10 ms before the first frame (a hello-world app
            # paints in 170): the loading screen styles itself, and the app's styles are
            # read just after it (`_read_css`), before anything that needs them.
            self._deferred_css, self.css_path = self.css_path, []
        if load is None:
            if loaded is None:
                raise ValueError("TimelineApp needs a loaded dataset or a loader")
            load = partial(_load_folder, loaded.dataset.root)
        self._load: Loader = load
        self._loaded = loaded
        self._initial_event = event
        self._initial_filter = initial_filter
        self._date_texts = date_texts
        self._freeze_gc = freeze_gc
        if freeze_gc:
            # Textual and the modules imported so far are there for good: out of the
            # collector's reach from the start. Otherwise the allocations of the first
            # frame set off a full pass over all of them (20-25 ms) just before it.
            gc.freeze()
        if not loading_label.isprintable():
            # Only then: timeline.text is not otherwise needed before the first frame.
            from timeline.text import sanitize

            loading_label = sanitize(loading_label)
        self._loading_label = loading_label
        self._snapshot_factory = snapshot
        self._snapshot: SnapshotStore | None = None
        from_file = rows is not None and loaded is None
        self._snapshot_good: bytes | None = rows_stamp if from_file else None
        """The stamp for which the snapshot file is known to be whole and current."""
        self._rows = rows
        self._rows_stamp = rows_stamp
        self._store = store
        self._held_keys: list[events.Key] | None = [] if rows is not None else None
        """Keys pressed while the rows are shown before the main screen (None: not
        holding). The main screen gets them, in order, once it is up."""
        self._replaying: events.Key | None = None
        self._replay_started = False
        self.failure: tuple[Diagnostic, ...] = ()
        """Why the dataset did not load at start (the caller prints it after exit)."""
        self.dataset: Dataset | None = None
        self.index: EventIndex | None = None
        self.main_screen: MainScreen | None = None
        self._last_input = time.monotonic()
        self._pending_progress: float | None = None
        self._progress_shown = 0.0
        self._progress_timer_set = False
        self._idle_timer: Timer | None = None
        self._search_state_tried: EventIndex | None = None
        """The last index for which a saved search state was looked for."""
        self._search_state_loaded: EventIndex | None = None
        """The last index whose search state is on disk (read from it or written)."""

    def on_mount(self) -> None:
        """Show the timeline on the data given, or a loading screen while it loads."""
        # The main screen goes over the first one (`get_default_screen`), which Textual
        # cannot swap out, so that a reload can replace the main screen whole.
        loaded, self._loaded = self._loaded, None  # a reload must not keep it alive
        if self._rows is not None:
            # The rows are on the default screen (`get_default_screen`): the data is
            # loaded, or starts loading, once they are painted.
            self._rows = None
            if loaded is None:
                self.call_after_refresh(self._load_behind_rows)
            else:
                self.call_after_refresh(self._show_behind_rows, loaded)
            return
        if loaded is not None and _shown_at_once(loaded):
            from timeline.query import EventIndex

            # on_mount runs inside Textual's start-up batch: a screen pushed here is laid
            # out and rendered for a frame that is dropped, then rendered again (65 ms
            # of a bundled start). Pushed just after the batch, it renders once.
            self.call_later(self.push_screen, self._install(loaded, EventIndex(loaded.dataset)))
            self._report_warnings(loaded.warnings)
            self._tune_gc()
            self.call_after_refresh(self._prepare_search)
            if self._rows_stamp is not None:
                self.call_after_refresh(self._keep_snapshot, self._rows_stamp)
            if self._store is not None:
                self.call_after_refresh(self._store_loaded)
            return
        # The loading screen is already up: it is the first screen (`get_default_screen`).
        # Big data already loaded is only indexed, off the UI thread too.
        load = self._load if loaded is None else partial(_already_loaded, loaded)
        # The preview and then the worker start once the loading screen is painted: a
        # loader thread holds the GIL most of the time and would hold the first frame
        # back with it.
        self.call_after_refresh(self._start_loading, load, preview=loaded is None)

    def get_default_screen(self) -> Screen[None]:
        """The first screen: with a small dataset's rows snapshot, the rows in the main
        screen's layout; while a dataset loads, the loading screen (the main screen then
        goes over either); else Textual's blank one, under the main screen."""
        # The first frame's only screen: one pushed over the blank default costs a
        # second screen's styles and layers (about 5 ms before the first frame).
        if self._rows is not None:
            return LoadingScreen(self._loading_label, rows=self._rows, event_id=self._initial_event)
        if self._loaded is None or not _shown_at_once(self._loaded):
            return LoadingScreen(self._loading_label)
        return super().get_default_screen()

    def _load_behind_rows(self) -> None:
        """Start the load, then read the stylesheet (the main screen needs it) while the
        worker runs."""
        if self._freeze_gc:
            gc.freeze()  # as in `_start_loading`
        if self._snapshot_factory is not None:
            self._snapshot = self._snapshot_factory()
        self._read_dataset(self._load, initial=True)
        self._read_css()
        self.set_timer(_HOLD_KEYS_LIMIT, self._stop_holding_keys)

    async def _show_behind_rows(self, loaded: Loaded) -> None:
        """The main screen for data handed over loaded, once its rows are painted."""
        from timeline.query import EventIndex

        self._read_css()
        await self._show_initial(loaded, EventIndex(loaded.dataset))
        if self._rows_stamp is not None:
            self.call_after_refresh(self._keep_snapshot, self._rows_stamp)
        if self._store is not None:
            self.call_after_refresh(self._store_loaded)

    @work(thread=True, exclusive=True, group="store")
    def _store_loaded(self) -> None:
        """Write the data handed over to the cache, if it came with a `store`."""
        store, self._store = self._store, None
        if store is not None:
            store()

    def _stop_holding_keys(self) -> None:
        """The main screen is late: the keys held so far go to the rows' screen."""
        if self.main_screen is None and self._held_keys is not None and not self._replay_started:
            self._replay_held_keys()

    def _keep_snapshot(self, stamp: bytes) -> None:
        """After an eager start: write the rows snapshot for the next start, if the data
        shown is still what `stamp` describes and no current snapshot exists."""
        if self._snapshot is None and self._snapshot_factory is not None:
            self._snapshot = self._snapshot_factory()
        if self.index is not None:
            self._store_snapshot(self.index, stamp)

    def _read_css(self) -> None:
        """Read the stylesheet held back for the first frame (as Textual reads a
        screen's `CSS_PATH` when the screen is installed)."""
        paths, self._deferred_css = self._deferred_css, []
        if not paths:
            return
        self.css_path = paths
        for path in paths:
            self.stylesheet.read(path)
        self.stylesheet.reparse()
        self.stylesheet.update(self)

    async def _start_loading(self, load: Loader, *, preview: bool) -> None:
        """Show the progress bar, and the rows from the snapshot if there is a valid
        one; the stylesheet, the footer and the worker follow once they are painted."""
        if self._freeze_gc:
            # Textual and the modules imported so far are there for good: out of the
            # collector's reach, so that a full pass (25 ms) cannot delay the rows.
            gc.freeze()
        if self._snapshot_factory is not None and preview:
            self._snapshot = self._snapshot_factory()
        screen = self.screen
        if not isinstance(screen, LoadingScreen):
            self._read_css()
            return
        # A deep-linked filter is not shown in the preview (the snapshot cannot search).
        plain = self._initial_filter is None or self._initial_filter.is_empty
        snapshot = None
        if self._snapshot is not None and plain:
            stamp = self._snapshot.stamp()
            snapshot = self._snapshot.read(stamp)
            if snapshot is not None and snapshot.count:
                self._snapshot_good = stamp
            else:
                snapshot = None
        if snapshot is None:
            # Nothing to paint first: the worker starts now, the bar comes in meanwhile.
            self._read_dataset(load, initial=True)
        try:
            if snapshot is not None:
                await screen.show_preview(snapshot, self._initial_event)
            await screen.show_bar()
        except (MountError, NoMatches):
            if screen.is_attached:
                raise
            return  # the app is closing (quit during the first frames): nothing to load
        self.call_after_refresh(self._after_preview, screen, load if snapshot else None)

    async def _after_preview(self, screen: LoadingScreen, load: Loader | None) -> None:
        """Read the stylesheet, add the keys, and start loading with `load` if it has
        not started (the loader thread holds the GIL most of the time: with a preview,
        it starts once the rows are painted)."""
        self._read_css()
        if screen.is_attached:
            await screen.show_keys()
        if load is not None:
            self.call_after_refresh(self._read_dataset, load, initial=True)

    def _install(
        self,
        loaded: Loaded,
        index: EventIndex,
        *,
        event: str | None = None,
        initial_filter: Filter | None = None,
        date_texts: tuple[str, str] | None = None,
    ) -> MainScreen:
        """Make `loaded` the data on show and build the main screen for it."""
        from timeline.ui.screens.main import MainScreen

        self.dataset = loaded.dataset
        self.index = index
        self.main_screen = MainScreen(
            loaded.dataset,
            index,
            event=event if event is not None else self._initial_event,
            initial_filter=initial_filter if initial_filter is not None else self._initial_filter,
            date_texts=date_texts if date_texts is not None else self._date_texts,
        )
        self._initial_event = self._initial_filter = self._date_texts = None
        return self.main_screen

    def _report_warnings(self, warnings: tuple[Diagnostic, ...]) -> None:
        if warnings:
            count = len(warnings)
            self.notify(
                f"The dataset loaded with {count} warning{'s' if count != 1 else ''};"
                " run `timeline check` to see them.",
                severity="warning",
                timeout=6,
            )

    # -- loading and reloading -------------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def _read_dataset(self, load: Loader, *, initial: bool) -> None:
        """Read the dataset and index it, off the UI thread; report back by message."""
        # The main screen's modules too: imported here rather than on the UI thread.
        import timeline.ui.screens.main  # noqa: F401
        from timeline.diagnostics import DatasetError
        from timeline.query import EventIndex
        from timeline.ui.messages import DatasetFailed, DatasetLoaded

        store = self._snapshot
        # The files' stamp before and after: a snapshot is written only for data that
        # did not change while it was read.
        stamp = store.stamp() if store is not None else None
        if self._freeze_gc:
            # Collections during a big load only re-scan objects that all survive.
            gc.disable()
        try:
            loaded = load(progress=self._progress_reporter() if initial else None)
            if store is not None and store.stamp() != stamp:
                stamp = None
            index = EventIndex(loaded.dataset)
            # The search index saved beside the cache entry, if there is a good one:
            # then search is ready when the main screen shows (tens of ms at 100,000
            # events, where building it takes seconds of CPU beside the UI).
            self._adopt_search_state(index)
            if self._freeze_gc:
                # Frozen before the collector is back on: otherwise the first full
                # pass (as the main screen mounts) walks the whole dataset, a second
                # or more at 100,000 events.
                gc.freeze()
        except DatasetError as error:
            self.post_message(DatasetFailed(error.diagnostics, initial=initial))
            return
        except OSError as error:
            self.post_message(DatasetFailed((_os_diagnostic(error),), initial=initial))
            return
        finally:
            if self._freeze_gc:
                gc.enable()
        self.post_message(DatasetLoaded(loaded, index, initial=initial, stamp=stamp))

    def _progress_reporter(self) -> ProgressCallback:
        """A callback for the loader thread that posts progress, a percent at a time
        (posting never blocks the loader; the screen shows it at most 10 times a second)."""
        from timeline.ui.messages import LoadProgress

        last = -1.0

        def report(fraction: float) -> None:
            nonlocal last
            if fraction - last >= 0.01 or fraction >= 1.0:
                last = fraction
                self.post_message(LoadProgress(fraction))  # thread-safe

        return report

    # The loader's messages are handled by name (`on_<message>`), so that their module
    # is imported with the loader, after the first frame.

    def on_load_progress(self, message: LoadProgress) -> None:
        """Show the loader's progress (at most every `_PROGRESS_INTERVAL`)."""
        # Each bar update costs a repaint: keep the newest fraction and show it at most
        # every _PROGRESS_INTERVAL, with a last update when the reports pause.
        self._pending_progress = message.fraction
        wait = self._progress_shown + _PROGRESS_INTERVAL - time.monotonic()
        if wait <= 0:
            self._show_progress()
        elif not self._progress_timer_set:
            self._progress_timer_set = True
            self.set_timer(wait, self._show_progress)

    def _show_progress(self) -> None:
        self._progress_timer_set = False
        self._progress_shown = time.monotonic()
        if isinstance(self.screen, LoadingScreen) and self._pending_progress is not None:
            self.screen.show_progress(self._pending_progress)

    async def on_dataset_loaded(self, message: DatasetLoaded) -> None:
        """Show the data the loader read: the main screen, or the reloaded data."""
        if message.initial:
            await self._show_initial(message.loaded, message.index)
        else:
            await self._replace_data(message.loaded, message.index)
            self._report_warnings(message.loaded.warnings)
            self._tune_gc()
            self.call_after_refresh(self._prepare_search)
        if message.stamp is not None and message.stamp != self._snapshot_good:
            self.call_after_refresh(self._store_snapshot, message.index, message.stamp)

    async def _show_initial(self, loaded: Loaded, index: EventIndex) -> None:
        """The main screen in the loading screen's place, and what follows it."""
        await self._replace_loading_screen(loaded, index)
        if self._held_keys is not None and not self._replay_started:
            # After the main screen's first refresh: its timeline has the keyboard.
            self.call_after_refresh(self._replay_held_keys)
        self._report_warnings(loaded.warnings)
        self._tune_gc()
        self.call_after_refresh(self._prepare_search)

    async def _replace_loading_screen(self, loaded: Loaded, index: EventIndex) -> None:
        """Put the main screen in the loading screen's place, on the event the preview's
        cursor was on (at the same line), if the user moved it."""
        loading = next((s for s in self.screen_stack if isinstance(s, LoadingScreen)), None)
        if loading is None:
            await self.switch_screen(self._install(loaded, index))
            return
        # Close what was opened over the loading screen meanwhile (help, the palette):
        # it belongs to the screen being replaced.
        while self.screen is not loading and len(self.screen_stack) > 1:
            await self.pop_screen()
        kept = loading.moved_cursor()
        event = None
        if kept is not None and kept[0] is not None and loaded.dataset.has_event(kept[0]):
            event = kept[0]
        main = self._install(loaded, index, event=event)
        if self.screen_stack[0] is loading:
            # The first screen (the rows, or the loading screen) is the default one,
            # which Textual cannot swap out: the main screen goes over it, and it stays
            # below, emptied (a preview's rows, a pulsing bar).
            await self.push_screen(main)
            await loading.release()
        else:
            await self.switch_screen(main)
        if kept is not None:
            main.call_after_refresh(self._keep_cursor_line, main, kept[1])

    @classmethod
    def _keep_cursor_line(cls, main: MainScreen, line: int, tries: int = 10) -> None:
        """Scroll the main screen's timeline so that the cursor sits on `line` of the
        view, as it did in the preview (the rows do not jump under the user's eyes)."""
        from timeline.ui.widgets.timeline_view import TimelineView

        timeline = main.query_one(TimelineView)
        row = timeline.cursor_row
        height = timeline.scrollable_content_region.height
        if height <= 0 and tries > 0:
            # Not laid out yet: the first refreshes of a new screen only mount it.
            main.call_after_refresh(cls._keep_cursor_line, main, line, tries - 1)
            return
        if row is None or height <= 0:
            return
        line = min(max(line, 0), height - 1)
        timeline.scroll_to(y=max(0, row - line), animate=False)

    @work(thread=True, exclusive=True, group="snapshot")
    def _store_snapshot(self, index: EventIndex, stamp: bytes) -> None:
        """Bring the rows snapshot up to date for the data just loaded, off the UI
        thread (about 0.7 s of CPU at 100,000 events, so only when it is missing, stale
        or damaged)."""
        store = self._snapshot
        if store is None or store.stamp() != stamp:
            return  # changed again since it was loaded: the next load will write it
        if store.read(stamp) is None and not store.write(index.events, index.dataset.themes, stamp):
            return
        self._snapshot_good = stamp

    def _adopt_search_state(self, index: EventIndex) -> None:
        """Give `index` the search state saved for its data, if there is a good one
        (called in a worker thread). Tried once per index: `_prepare_search` builds and
        saves it if this found none."""
        from timeline.cache import search_state_file

        self._search_state_tried, self._search_state_loaded = index, None
        state_file = search_state_file(index.dataset)
        if state_file is None:
            return
        data = state_file.read()
        if data is not None and index.load_search_state(data):
            self._search_state_loaded = index

    @work(thread=True, exclusive=True, group="prepare-search")
    def _prepare_search(self) -> None:
        """Make the search index ready off the UI thread once the events are on screen:
        read it from beside the cache entry, or build it (seconds of CPU at 100,000
        events) and save it there for the next start."""
        index = self.index
        if index is None:
            return
        if not index.search_ready and self._search_state_tried is not index:
            self._adopt_search_state(index)
        index.prepare_search()  # nothing to do if it was read
        if self._search_state_loaded is index:
            return
        from timeline.cache import search_state_file

        state_file = search_state_file(index.dataset)
        state = index.search_state_parts() if state_file is not None else None
        if state_file is not None and state is not None and state_file.write(state):
            self._search_state_loaded = index  # what is on disk now (a reload reads it)

    # -- garbage collection ----------------------------------------------------------

    def _tune_gc(self) -> None:
        """Keep full collections from stalling the UI (only with `freeze_gc`).

        The loaded data is frozen (`gc.freeze()`), out of the collector's reach. What is
        left is Textual's own objects: tens of thousands, and a full pass over them took
        20-130 ms, often while the user typed. Automatic full passes are made rare
        (threshold 1,000,000) and one runs instead once input has paused for a while.
        """
        if not self._freeze_gc:
            return
        gc.freeze()
        _, first, _ = gc.get_threshold()
        gc.set_threshold(700, first, 1_000_000)
        if self._idle_timer is None:
            self._idle_timer = self.set_interval(_IDLE_COLLECT, self._collect_if_idle)

    def _collect_if_idle(self) -> None:
        """A full collection, if input has paused and younger passes have run since."""
        idle = time.monotonic() - self._last_input >= _IDLE_COLLECT
        if idle and gc.get_count()[2] > 0:
            gc.collect()

    async def on_event(self, event: events.Event) -> None:
        """Note when the user last pressed a key or used the mouse."""
        if isinstance(event, events.InputEvent):
            self._last_input = time.monotonic()
            if (
                self._held_keys is not None
                and isinstance(event, events.Key)
                and event is not self._replaying
                and not event.is_forwarded
                and event.key not in _NEVER_HELD
            ):
                self._held_keys.append(event)
                return
        await super().on_event(event)

    # -- keys pressed before the main screen ------------------------------------------

    def _replay_held_keys(self) -> None:
        """Give the main screen the keys held while the rows were shown before it.

        One key at a time, as the terminal would have sent it, each once the one before
        has been handled all the way (`_KeyWatch`): a key can move the focus, as `/`
        moves it to the search box once the sidebar is filled, and the next key must
        follow it there. Keys pressed meanwhile join the end of the queue, so the order
        is kept; holding stops when the queue is empty.
        """
        held = self._held_keys
        if not held:
            self._held_keys = None
            return
        self._replay_started = True
        key = self._replaying = held.pop(0)
        _KeyWatch(self, key, self._key_replayed)
        self.post_message(key)

    def _key_replayed(self) -> None:
        self._replaying = None
        # Queued behind whatever the key's action queued (a focus change): the next
        # key goes where that left the keyboard.
        self.call_later(self._replay_held_keys)

    async def _replace_data(self, loaded: Loaded, index: EventIndex) -> None:
        """Swap in reloaded data, keeping the filter and the selected event."""
        from timeline.query import Filter

        old = self.main_screen
        filt, event_id, date_texts = Filter(), None, None
        if old is not None:
            filt, event_id, date_texts = old.filter, old.selected_event_id, old.date_texts
        self.go_to_event_screen()
        screen = self._install(
            loaded, index, event=event_id, initial_filter=filt, date_texts=date_texts
        )
        await self.switch_screen(screen)
        self.notify(f"Reloaded: {len(loaded.dataset.events):,} events.", timeout=3)

    def on_dataset_failed(self, message: DatasetFailed) -> None:
        """Report data the loader found invalid (at start: exit with it)."""
        from timeline.ui.screens.diagnostics import DiagnosticsScreen

        if message.initial:
            # Nothing to show: leave the terminal and let the caller print why.
            self.failure = message.diagnostics
            self.exit(return_code=1)
            return
        self.push_screen(
            DiagnosticsScreen(
                message.diagnostics,
                "The dataset on disk is no longer valid. The timeline still shows the "
                "last good version; fix the files and press r to try again.",
            )
        )

    def _handle_exception(self, error: Exception) -> None:
        """End the app with a diagnostic, not a traceback, when the dataset's cache file
        changed under it (`timeline.details.DetailsChanged`): the caller prints it, and
        the next start rebuilds the entry. Everything else goes to Textual as before.

        Textual routes every unhandled error here, a worker's (wrapped in `WorkerFailed`)
        included: a private hook, like the others this app relies on (textual < 9).
        """
        from textual.worker import WorkerFailed

        from timeline.details import DetailsChanged

        cause = error.error if isinstance(error, WorkerFailed) else error
        if not isinstance(cause, DetailsChanged):
            super()._handle_exception(error)
            return
        self.failure = (cause.diagnostic(),)
        self.exit(return_code=1)
        # As Textual ends the app on any other error: the handler's message loop has
        # stopped, so waiting for the exit message to be processed could hang.
        self._close_messages_no_wait()

    def action_reload(self) -> None:
        """Read the dataset from disk again."""
        if self.main_screen is None:
            self.notify("The dataset is still loading.", timeout=2)
            return
        self.notify("Reloading the dataset…", timeout=2)
        self._read_dataset(self._load, initial=False)

    # -- entry points for the command palette and deep links -------------------------

    def go_to_event(self, event_id: str) -> None:
        """Return to the timeline with this event selected."""
        self.go_to_event_screen()
        if self.main_screen is not None:
            self.main_screen.select_event(event_id)

    def filter_by_theme(self, theme_id: str) -> None:
        """Show only events with this theme."""
        self.go_to_event_screen()
        if self.main_screen is not None:
            main = self.main_screen
            main.set_filter(main.filter.but(themes=frozenset({theme_id})))

    def go_to_event_screen(self) -> None:
        """Pop back to the main screen."""
        while self.screen is not self.main_screen and len(self.screen_stack) > 1:
            self.pop_screen()

    def open_source(self, source_id: str) -> None:
        """Open a source's article at the first excerpt any event cites from it."""
        from timeline.provenance import citations_of

        if self.dataset is None or self.main_screen is None:
            return
        citations = citations_of(self.dataset, source_id)
        if not citations:
            self.notify("No event cites this source.", severity="warning")
            return
        event, quote = citations[0]
        self.go_to_event_screen()
        self.main_screen.open_article(event.id, event.quotes.index(quote))

    def action_help(self) -> None:
        """List every key binding."""
        from timeline.ui.screens.article import ArticleScreen
        from timeline.ui.screens.help import HelpScreen, binding_rows
        from timeline.ui.screens.main import MainScreen
        from timeline.ui.widgets.article_view import ArticleView
        from timeline.ui.widgets.timeline_view import TimelineView

        if isinstance(self.screen, HelpScreen):
            return
        sections = [
            ("Everywhere", binding_rows(self.BINDINGS)),
            ("Timeline", binding_rows(TimelineView.BINDINGS) + binding_rows(MainScreen.BINDINGS)),
            ("Sidebar", [("Tab / Shift+Tab", "Next / previous control"),
                         ("Space / Enter", "Toggle the highlighted value"),
                         ("Enter (search, dates)", "Back to the timeline"),
                         ("Esc", "Back to the timeline")]),
            ("Quote pane", [("Tab", "From the timeline to the quotes"),
                            ("↓ ↑ / j k", "Next / previous quote"),
                            ("Enter / click", "Open the article at this quote")]),
            ("Article", binding_rows(ArticleScreen.BINDINGS) + binding_rows(ArticleView.BINDINGS)),
            ("Overview strip", [("click", "Move the timeline to that month")]),
        ]  # fmt: skip
        self.push_screen(HelpScreen(sections))


class _KeyWatch:
    """Calls `done` once a replayed key has been handled all the way: stopped by a
    widget, or back at the app after bubbling up from the focused widget (where the
    app runs the key's binding), or handled by the app alone (a priority binding).

    It listens to the `message_signal` each message pump publishes a message on once
    it has processed it; a time limit covers a key that never comes back.
    """

    _LIMIT = 1.0
    """Seconds after which the next key goes anyway."""

    def __init__(self, app: TimelineApp, key: events.Key, done: Callable[[], None]) -> None:
        """Watch `key`, which is about to be posted to `app`."""
        self._app, self._key, self._done = app, key, done
        self._finished = False
        self._app_passes = 0
        self._signals = [app.message_signal]
        app.message_signal.subscribe(app, self._at_app, immediate=True)
        self._timer = app.set_timer(self._LIMIT, self._finish)

    def _at_app(self, message: object) -> None:
        if message is not self._key:
            return
        self._app_passes += 1
        if self._app_passes == 1:
            # First pass: the app forwarded it to the focused widget (or a priority
            # binding took it). Watch the way back up.
            target = self._app.focused or self._app.screen
            if not self._key.is_forwarded:
                self._finish()
                return
            node: MessagePump | None = target
            while isinstance(node, Widget):  # up to the screen (a Widget too), not the app
                node.message_signal.subscribe(self._app, self._below_app, immediate=True)
                self._signals.append(node.message_signal)
                node = node._parent
        else:
            self._finish()  # back from the widgets: its binding (if any) has run

    def _below_app(self, message: object) -> None:
        if message is self._key and self._key._stop_propagation:
            self._finish()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._timer.stop()
        for signal in self._signals:
            signal.unsubscribe(self._app)
        self._done()


def _shown_at_once(loaded: Loaded) -> bool:
    """Whether data handed over loaded is small enough to index on the UI thread and
    show the main screen at once; bigger data is indexed behind the loading screen."""
    return len(loaded.dataset.events) < _INDEX_IN_BACKGROUND


def _os_diagnostic(error: OSError) -> Diagnostic:
    """A diagnostic for a dataset that could not be read at all (removed, unreadable)."""
    from timeline.diagnostics import file_error

    return file_error(str(error.filename or "dataset"), "read-error", error.strerror or str(error))
