"""The command line: `check`, `list` and `show`, the TUI entry with its deep links, and
the curation commands (`new`, `add-source`, `add-theme`, `add-event`, `add-quote`).

`timeline [PATH] [--event ID] [--theme T …] [--search TEXT]` opens the TUI (the same as
`timeline open …`); `timeline COMMAND …` runs a command. The command, if any, is always
the first argument: a first argument that names a command is that command, anything else
is for the TUI, so a folder literally called `check` is opened as `./check` (or after
`--`).

Adding a command takes one `@_command(help=..., description=...)` function `_<name>`
that adds its arguments and returns its handler. Handlers get the parsed
`argparse.Namespace` and return an exit code; they raise `UsageError` for a bad argument
and `CommandFailed` when they have already reported a problem. `add_path_argument`,
`add_filter_arguments`, `load_for_command` and `selected_events` are the shared pieces.

Everything printed from the data goes through `timeline.text.sanitize`, and Rich output
takes it as `rich.text.Text` only (never markup), so a hostile dataset cannot style,
link, clear or otherwise drive the terminal.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from timeline import __version__
from timeline.text import sanitize, sanitize_cells

# Only what every command needs is imported here; the rest where it is used. `timeline`
# (the TUI) must reach its first frame fast: the dates, model, query, diagnostics and
# cache modules come with the dataset it loads, and a big dataset's loading screen
# needs none of them (nor csv, json or difflib, which only some commands use).
if TYPE_CHECKING:
    import argparse

    from timeline.diagnostics import Diagnostic
    from timeline.model import Dataset, Event, Loaded
    from timeline.query import Filter

    _Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
    _Handler = Callable[[argparse.Namespace], int]
    _Arguments = Callable[[argparse.ArgumentParser], _Handler]

__all__ = [
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_USAGE",
    "PATH_ARGUMENTS",
    "CommandFailed",
    "UsageError",
    "add_as_of_argument",
    "add_filter_arguments",
    "add_path_argument",
    "as_of_day",
    "build_parser",
    "dumps_json",
    "filter_from_args",
    "load_for_command",
    "main",
    "selected_events",
]

EXIT_OK = 0
"""The command did what was asked (a `check` may still have printed warnings)."""
EXIT_PROBLEMS = 1
"""The dataset has errors (or `check` found some); the diagnostics were printed."""
EXIT_USAGE = 2
"""A usage error: a bad flag or value, an unknown id, or a path that does not exist."""

PROG = "timeline"


class UsageError(Exception):
    """A bad argument: main prints `timeline CMD: error: <message>` and exits 2."""


class CommandFailed(Exception):
    """A command that has already reported its problem: main just exits 1."""


# -- shared pieces for commands ---------------------------------------------------------

_COMMANDS: dict[str, tuple[str, str, _Arguments]] = {}
"""Every command by name, in help order: its help line, its description, and the
function that adds its arguments and returns its handler."""


def _command(*, help: str, description: str) -> Callable[[_Arguments], _Arguments]:
    """Register the decorated `_<name>(parser)` as the command `<name>` (`_add_event` is
    `add-event`), in the order of definition."""

    def register(arguments: _Arguments) -> _Arguments:
        _COMMANDS[arguments.__name__[1:].replace("_", "-")] = (help, description, arguments)
        return arguments

    return register


PATH_ARGUMENTS: weakref.WeakKeyDictionary[argparse.Action, str] = weakref.WeakKeyDictionary()
"""Every argument added that names a file ("file") or a folder ("directory"): shell
completion offers names from the disk for these. Kept as each is added, since argparse
keeps a parser's list of arguments private."""


def add_path_argument(parser: argparse.ArgumentParser) -> None:
    """Add the optional `PATH` positional (a dataset folder or an events file)."""
    path = parser.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="a dataset folder (events.yaml and sources/) or an events file; "
        "default: the bundled dataset",
    )
    PATH_ARGUMENTS[path] = "file"


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the event filter flags that `list` (and `export`) share.

    `selected_events(args, loaded)` reads them back. Repeating a flag gives alternatives
    (any of the actors); different flags must all hold.
    """
    group = parser.add_argument_group("filters (repeat a flag for alternatives)")
    _repeated(
        group, "--theme", "T", "events with this theme id (any of them; see --match-all-themes)"
    )
    group.add_argument(
        "--match-all-themes", action="store_true",
        help="with several --theme: events that carry every one of them",
    )  # fmt: skip
    _repeated(group, "--actor", "A", "events with this actor, such as 'Joe Biden'")
    _repeated(group, "--source", "S", "events that this source id reports")
    _repeated(group, "--status", "S", "occurred, scheduled or planned")
    group.add_argument(
        "--from", dest="date_from", metavar="D",
        help="events that reach this EDTF date or later (2023, 2023-05, 2023-05-19): "
        "from the first day of D",
    )  # fmt: skip
    group.add_argument(
        "--to", dest="date_to", metavar="D",
        help="events that start by this EDTF date: up to the last day of D",
    )  # fmt: skip
    group.add_argument(
        "--search", metavar="TEXT",
        help="words that must all occur (any case) in the title, summary or a quote",
    )  # fmt: skip


def _repeated(parser: Any, flag: str, metavar: str, help: str | None = None) -> None:
    """Add `--NAME` to a parser or argument group as a flag that may be given again, its
    values listed in `NAMEs` (`--theme` in `themes`, `--status` in `statuses`)."""
    plural = flag[2:] + ("es" if flag.endswith("s") else "s")
    parser.add_argument(flag, dest=plural, action="append", default=[], metavar=metavar, help=help)


def _add_text_or_json_argument(parser: argparse.ArgumentParser, json_help: str = "") -> None:
    help = f"text (default) or json{json_help}"
    parser.add_argument("--format", choices=("text", "json"), default="text", help=help)


def add_as_of_argument(parser: argparse.ArgumentParser) -> None:
    """Add `--as-of D`: the dataset as it was known on D (`timeline.asof`), which
    `load_for_command` applies."""
    parser.add_argument(
        "--as-of", dest="as_of", metavar="D",
        help="the data as known on this EDTF date (to its last day): only articles "
        "certainly published by then, and events dated later shown as expected",
    )  # fmt: skip


def as_of_day(args: argparse.Namespace) -> int | None:
    """The day of `--as-of` (the last day its EDTF date can mean), or None.

    Raises:
        UsageError: an invalid EDTF date.
    """
    return _date_bound("--as-of", getattr(args, "as_of", None), upper=True)


def load_for_command(args: argparse.Namespace) -> Loaded:
    """Load the dataset named by `args.path` (default: the bundled one) through its store
    (`timeline.store`), as known on the day of `--as-of` if the command has that flag.

    Its warnings are printed to stderr; so are its errors, and then `CommandFailed` (exit
    1) is raised. A path that does not exist is a `UsageError` (exit 2).
    """
    from timeline.store import open_dataset

    loaded = _or_fail(lambda: open_dataset(_dataset_path(args)))
    _print_diagnostics(loaded.warnings, sys.stderr, summary=False)
    day = as_of_day(args)
    if day is not None:
        from timeline.asof import dataset_as_of
        from timeline.model import Loaded

        loaded = Loaded(dataset_as_of(loaded.dataset, day), loaded.warnings)
    return loaded


def filter_from_args(args: argparse.Namespace, dataset: Dataset) -> Filter:
    """The `Filter` that the flags of `add_filter_arguments` ask for.

    Raises:
        UsageError: an unknown theme, actor, source or status (with the closest known
            ones), an invalid EDTF date, or `--from` after `--to`.
    """
    from timeline.model import Status
    from timeline.query import Filter

    themes = _known("theme", args.themes, [t.id for t in dataset.themes])
    actors = _known("actor", args.actors, dataset.actors())
    sources = _known("source", args.sources, [s.id for s in dataset.sources])
    statuses = _known("status", args.statuses, [str(s) for s in Status])
    date_from = _date_bound("--from", args.date_from, upper=False)
    date_to = _date_bound("--to", args.date_to, upper=True)
    if date_from is not None and date_to is not None and date_from > date_to:
        raise UsageError(
            f"--from {sanitize(args.date_from)} is after --to {sanitize(args.date_to)}"
        )
    return Filter(
        themes=frozenset(themes),
        all_themes=bool(args.match_all_themes),
        actors=frozenset(actors),
        sources=frozenset(sources),
        statuses=frozenset(Status(s) for s in statuses),
        date_from=date_from,
        date_to=date_to,
        text=args.search or "",
    )


def selected_events(args: argparse.Namespace, loaded: Loaded) -> list[Event]:
    """The events that the filter flags select, in date order.

    Raises:
        UsageError: as `filter_from_args` does.
    """
    from timeline.query import filter_events, sort_by_date

    filt = filter_from_args(args, loaded.dataset)
    # One pass of the reference filter: building an EventIndex only pays off when the
    # same dataset is filtered again and again (the TUI).
    return filter_events(sort_by_date(loaded.dataset.events), filt)


# Characters JSON may carry raw but a terminal may act on (C1 controls such as CSI, DEL)
# or that make text read differently from what it is (bidi overrides, line separators).
_JSON_UNSAFE = "[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"


def dumps_json(value: object) -> str:
    """JSON text that is safe to print: readable Unicode, but every control character
    (C0 by `json` itself; C1, DEL and bidi controls here) written as a `uXXXX` escape.

    The escapes can only occur inside strings, so the result is still the same JSON.
    """
    import json
    import re

    text = json.dumps(value, ensure_ascii=False, indent=2)
    return re.sub(_JSON_UNSAFE, lambda m: f"\\u{ord(m.group()):04x}", text)


# -- the TUI (the default command) ------------------------------------------------------


@_command(
    help="open the TUI (the default when no command is given)",
    description="Open the TUI on a dataset, optionally on an event or a filter. "
    "`timeline [PATH] [flags]` is the same as `timeline open [PATH] [flags]`.",
)
def _open(parser: argparse.ArgumentParser) -> _Handler:
    add_path_argument(parser)
    parser.add_argument("--event", metavar="ID", help="open with this event selected")
    _repeated(
        parser, "--theme", "T", "open filtered to this data theme id (repeat for any of several)"
    )
    parser.add_argument("--search", metavar="TEXT", help="open with this text search applied")
    add_as_of_argument(parser)
    return _run_open


LAZY_OPEN_BYTES = 4 << 20
"""Without a fresh store, events files at least this big (about 4,000 events) open the
TUI at once and load in it; smaller ones load first, so their errors print before it."""


def _run_open(args: argparse.Namespace) -> int:
    # Imported here so that check/list/show never pay for loading Textual.
    from timeline import ui
    from timeline.store import Store, StoreError, open_dataset, store_path

    path = _dataset_path(args)
    as_of = as_of_day(args)
    db = store_path(path)
    store = Store.open(db, path) if db is not None else None
    event, themes = args.event, args.themes
    start_on: dict[str, Any] = {}  # what the app starts on: the store's rows, or the data
    if store is not None:
        # A fresh store: its rows are the first frame, the data loads from it behind them.
        try:
            rows = store.rows()
            themes = _known("theme", themes, [theme for theme, _ in rows.themes])
            if event is not None and rows.position_of(event) is None:
                event = _known("event", [event], store.event_ids())[0]
            start_on["preview"] = rows
        except StoreError:  # damaged: the data is read from the files (and stored anew)
            store.close()
    if not start_on and _events_file_size(path) < LAZY_OPEN_BYTES:
        # Through the store (written before the TUI starts, so the next start is warm however
        # soon this one ends): errors are printed before the TUI starts, warnings left to it.
        start_on["loaded"] = loaded = _or_fail(lambda: open_dataset(path, details=False))
        themes = _known("theme", themes, [t.id for t in loaded.dataset.themes])
        if event is not None:
            event = _known("event", [event], [e.id for e in loaded.dataset.events])[0]
    # Else a big events file, loaded in the app: invalid data closes it and prints the
    # diagnostics (exit 1); an unknown --event or --theme is reported inside the app.
    app = ui.make_app(
        path, event=event, themes=tuple(themes), search=args.search or None, as_of=as_of, **start_on
    )
    return ui.run_app(app)


# -- check ------------------------------------------------------------------------------


@_command(
    help="validate a dataset and verify every quote",
    description="Validate a dataset: the schema, every date, and every quote against "
    "its article. Prints each problem as file:line:col. Exits 0 when there are no "
    "errors (warnings are printed but do not fail), 1 when there are errors.",
)
def _check(parser: argparse.ArgumentParser) -> _Handler:
    add_path_argument(parser)
    _add_text_or_json_argument(parser, ": {ok, errors, warnings, diagnostics}")
    return _run_check


def _run_check(args: argparse.Namespace) -> int:
    path = _dataset_path(args)
    # `check` is the validator: it always runs the loader, never the cache.
    from timeline.diagnostics import DatasetError, Severity
    from timeline.loader import load_dataset

    loaded: Loaded | None = None
    try:
        loaded = load_dataset(path)
        diagnostics: tuple[Diagnostic, ...] = loaded.warnings
    except DatasetError as error:
        diagnostics = error.diagnostics
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    # An error-free DatasetError cannot happen by contract; treat it as a failure anyway.
    ok = loaded is not None and errors == 0
    if args.format == "json":
        counts = {"ok": ok, "errors": errors, "warnings": warnings}
        print(dumps_json({**counts, "diagnostics": [d.as_dict() for d in diagnostics]}))
    else:
        # The diagnostics are what `check` was asked for, so they go to stdout (as a
        # linter's do); the other commands print them on stderr.
        _print_diagnostics(diagnostics, sys.stdout, summary=not ok)
        if loaded is not None and ok:
            dataset = loaded.dataset
            quotes = sum(len(e.quotes) for e in dataset.events)
            print(
                f"ok: {_plural(len(dataset.events), 'event')}, "
                f"{_plural(quotes, 'quote')} verified in {_plural(len(dataset.sources), 'source')}"
                f", {_plural(len(dataset.themes), 'theme')}"
                + (f"; {_plural(warnings, 'warning')}" if warnings else "")
            )
    return EXIT_OK if ok else EXIT_PROBLEMS


# -- list -------------------------------------------------------------------------------


@_command(
    help="list events in date order, filtered",
    description="List the events that pass the filters, in date order. On a terminal "
    "the default is a table; piped, one tab-separated line per event: EDTF date, id, "
    "status, themes (comma-separated) and title. json and csv give the records of `export`.",
)
def _list(parser: argparse.ArgumentParser) -> _Handler:
    add_path_argument(parser)
    add_filter_arguments(parser)
    add_as_of_argument(parser)
    parser.add_argument(
        "--format", choices=("table", "plain", "json", "csv"), default=None,
        help="table (default on a terminal), plain (default when piped), json or csv",
    )  # fmt: skip
    _add_raw_argument(parser)
    return _run_list


def _add_raw_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--raw", action="store_true",
        help="csv only: write cells that start with = + - @ tab or CR as they are, not "
        "prefixed with ' (a spreadsheet runs such a cell as a formula)",
    )  # fmt: skip


def _check_raw(args: argparse.Namespace, fmt: str) -> None:
    if args.raw and fmt != "csv":
        raise UsageError("--raw applies to --format csv only")


def _run_list(args: argparse.Namespace) -> int:
    from timeline.interchange.export import csv_text, event_record

    loaded = load_for_command(args)
    events = selected_events(args, loaded)
    fmt = args.format or ("table" if sys.stdout.isatty() else "plain")
    _check_raw(args, fmt)
    if fmt == "json":
        print(dumps_json([event_record(event) for event in events]))
    elif fmt == "csv":
        # Export's CSV, but each value sanitised so the file is safe to `cat`; the line
        # breaks between list items stay.
        sys.stdout.write(
            csv_text(events, lambda value: sanitize(value, keep_newlines=True), raw=args.raw)
        )
    elif fmt == "table":
        _print_table(events, len(loaded.dataset.events))
    else:
        for event in events:
            cells = (event.date.text, event.id, str(event.status), ",".join(event.themes))
            print("\t".join(sanitize(cell) for cell in (*cells, event.title)))
    return EXIT_OK


def _print_table(events: Sequence[Event], total: int) -> None:
    # Rich is imported here: only the table needs it, and check/list --json stay light.
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from timeline.dates import describe
    from timeline.model import Status

    # No markup, emoji codes or highlighting: data is shown exactly as typed.
    console = Console(file=sys.stdout, highlight=False, emoji=False, markup=False)
    table = Table(
        box=box.SIMPLE_HEAD,
        caption=Text(f"{len(events)} of {total} events"),
        show_edge=False,
    )
    # Ids are copied into `show` and `--event`, theme ids into `--theme`: their columns
    # are never narrower than the longest of them. Titles wrap instead, and dates too when
    # "from 10 Apr 2024" (16), the ids, the themes and the padding (8) do not fit.
    id_cells = max((cell_len(sanitize(event.id)) for event in events), default=0)
    theme_cells = max((cell_len(sanitize(t)) for event in events for t in event.themes), default=0)
    narrow = console.width < 16 + id_cells + theme_cells + 8
    table.add_column(Text("date"), max_width=11 if narrow else None)
    table.add_column(Text("event (id below)"), ratio=1, min_width=id_cells)
    table.add_column(Text("themes"), min_width=theme_cells, no_wrap=True)
    for event in events:
        style = "" if event.status is Status.OCCURRED else "italic"
        # The id goes under the title rather than in a column of its own: ids are long.
        title = Text(sanitize_cells(event.title), style=style)  # the terminal's widths
        title.append("\n")
        title.append(sanitize(event.id), style="dim")
        title.overflow = "fold"
        count = len(event.source_ids)
        table.add_row(
            Text(f"{sanitize(describe(event.date))}\n{event.status}\n{count} src", style=style),
            title,
            Text("\n".join(sanitize(theme) for theme in event.themes)),
        )
    console.print(table)


# -- show -------------------------------------------------------------------------------


@_command(
    help="show one event with its quotes and where each sits in its article",
    description="Show one event: its date and how it was resolved, themes, actors, "
    "places, summary, and every quote with its source and its place in the "
    "article as path:line:col (relative to the dataset folder).",
)
def _show(parser: argparse.ArgumentParser) -> _Handler:
    parser.add_argument("event_id", metavar="ID", help="the event's id")
    add_path_argument(parser)
    add_as_of_argument(parser)
    _add_text_or_json_argument(parser)
    return _run_show


def _run_show(args: argparse.Namespace) -> int:
    from timeline.dates import describe

    dataset = load_for_command(args).dataset
    if args.as_of is not None and not dataset.has_event(args.event_id):
        args.as_of, day = None, args.as_of
        if load_for_command(args).dataset.has_event(args.event_id):
            raise UsageError(
                f"event {sanitize(args.event_id)!r} is not known as of {sanitize(day)}: "
                "no article published by then reports it"
            )
    event_id = _known("event", [args.event_id], [e.id for e in dataset.events])[0]
    event = dataset.event(event_id)
    if args.format == "json":
        from timeline.interchange.export import event_record

        print(dumps_json(event_record(event)))
        return EXIT_OK
    lines = [sanitize(event.title), f"  id      {sanitize(event.id)}"]
    lines.append(f"  date    {sanitize(describe(event.date))}  ({sanitize(event.date.text)})")
    if event.date_basis:
        lines.append(f"  basis   {_block(event.date_basis, 10)}")
    lines.append(f"  status  {sanitize(str(event.status))}")
    # The loader rejects unknown themes; never crash on display all the same.
    labels = {theme.id: theme.label for theme in dataset.themes}
    themes = [f"{labels[t]} ({t})" if t in labels else t for t in event.themes]
    for label, values in (("themes", themes), ("actors", event.actors), ("places", event.places)):
        if values:
            lines.append(f"  {label:<7} {sanitize('; '.join(values))}")
    lines += ["", _block(event.summary, 0), ""]
    lines.append(_plural(len(event.quotes), "quote") + ":")
    for quote in event.quotes:
        source = dataset.source(quote.source_id)
        where = f"{source.path}:{quote.span.line}:{quote.span.column}"
        lines.append(f"  {sanitize(where)}")
        lines.append(
            f"    {sanitize(source.outlet)}, “{sanitize(source.title)}”"
            f" ({sanitize(describe(source.published))})"
        )
        lines.append(f"    “{_block(quote.text, 5)}”")
    print("\n".join(lines))
    return EXIT_OK


def _block(text: str, indent: int) -> str:
    """Sanitised text whose own line breaks are kept and indented to line up."""
    return sanitize(text, keep_newlines=True).replace("\n", "\n" + " " * indent)


# -- coverage ---------------------------------------------------------------------------


@_command(
    help="how much of each article the events quote, and what no event cites yet",
    description="For every article: the share of its sentences that some event quotes, "
    "and each uncited paragraph or sentence as path:line:col with its first words. "
    "Lines named in a source's front matter `ignore:` list (page furniture) are not "
    "counted.",
)
def _coverage(parser: argparse.ArgumentParser) -> _Handler:
    add_path_argument(parser)
    _add_text_or_json_argument(parser)
    return _run_coverage


def _run_coverage(args: argparse.Namespace) -> int:
    from timeline.coverage import coverage

    articles = coverage(load_for_command(args).dataset)
    counted = sum(a.sentences for a in articles)
    cited = sum(a.cited for a in articles)
    if args.format == "json":
        records = [
            {
                "source": a.source_id,
                "path": a.path,
                "sentences": a.sentences,
                "cited": a.cited,
                "ignored_lines": a.ignored_lines,
                "uncited": [
                    {"kind": p.kind, "line": p.line, "column": p.column, "text": p.text}
                    for p in a.uncited
                ],
            }
            for a in articles
        ]
        print(dumps_json({"articles": records, "sentences": counted, "cited": cited}))
        return EXIT_OK
    for a in articles:
        ignored = f", {_plural(a.ignored_lines, 'line')} ignored" if a.ignored_lines else ""
        print(
            f"{sanitize(a.path)}  {a.cited} of {_plural(a.sentences, 'sentence')} cited "
            f"({a.share:.0%}){ignored}"
        )
        for p in a.uncited:
            print(f"  {sanitize(a.path)}:{p.line}:{p.column}  {p.kind}  {sanitize(p.first_words)}")
    share = f" ({cited / counted:.0%})" if counted else ""
    print(f"all articles  {cited} of {_plural(counted, 'sentence')} cited{share}")
    return EXIT_OK


# -- export, import, schema, serve, completion (timeline.interchange) -------------------


@_command(
    help="write the filtered events as JSON, CSV, Markdown, iCalendar, TimelineJS or HTML",
    description="Write the events that pass the filters (the same flags as `list`) in "
    "one format: json (the whole model, quote spans included), csv, markdown (a brief, "
    "quotes as footnotes), ics (all-day calendar entries), timelinejs (TimelineJS3 "
    "JSON) or html (one self-contained page with filters and the articles). Writes to "
    "standard output unless -o is given.",
)
def _export(parser: argparse.ArgumentParser) -> _Handler:
    from timeline.interchange.export import FORMATS

    add_path_argument(parser)
    parser.add_argument("--format", choices=FORMATS, required=True, help="the file format")
    output = parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    PATH_ARGUMENTS[output] = "file"
    _add_raw_argument(parser)
    add_filter_arguments(parser)
    add_as_of_argument(parser)
    return _run_export


def _run_export(args: argparse.Namespace) -> int:
    from timeline.interchange.export import ExportError, export

    _check_raw(args, args.format)
    loaded = load_for_command(args)
    if args.output is not None:
        _refuse_to_overwrite_the_dataset(args)
    events = selected_events(args, loaded)
    try:
        text = export(loaded.dataset, events, args.format, raw=args.raw)
    except ExportError as error:
        raise UsageError(sanitize(str(error))) from None
    if args.output is None:
        # On a terminal the data is for reading, so nothing in it may drive the terminal;
        # piped or redirected, it is written exactly.
        sys.stdout.write(sanitize(text, keep_newlines=True) if sys.stdout.isatty() else text)
        return EXIT_OK
    from timeline.atomic import write_atomically

    try:
        # All or nothing: a full disk or Ctrl+C leaves the old file as it was.
        write_atomically(args.output, text)
    except OSError as error:
        raise UsageError(
            f"cannot write '{sanitize(str(Path(args.output)))}': {error.strerror}"
        ) from None
    print(f"wrote {_plural(len(events), 'event')} to {sanitize(args.output)}", file=sys.stderr)
    return EXIT_OK


def _refuse_to_overwrite_the_dataset(args: argparse.Namespace) -> None:
    """A usage error when `-o` is the events file being exported or a file in its
    `sources/`, by any name: links and `..` resolved, hard links compared by inode."""
    from timeline.model import resolve_dataset

    root, events_file = resolve_dataset(_dataset_path(args))
    target = os.path.realpath(args.output)
    sources = os.path.realpath(root / "sources")
    hit = target == os.path.realpath(events_file) or target.startswith(sources + os.sep)
    if not hit and os.path.isfile(target):
        try:
            with os.scandir(sources) as entries:
                dataset_files: list[str | Path] = [events_file, *(e.path for e in entries)]
        except OSError:
            dataset_files = [events_file]
        hit = any(_same_file(target, file) for file in dataset_files)
    if hit:
        raise UsageError(
            f"-o {sanitize(args.output)}: that is a file of the dataset being exported; "
            "write the export somewhere else"
        )


def _same_file(a: str, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@_command(
    help="convert a TimelineJS3 JSON file into a dataset folder",
    description="Convert a TimelineJS3 JSON file (from Knight Lab's tool or its Google "
    "Sheet template) into a new dataset folder: events.yaml and sources/. HTML becomes "
    "plain text, partial dates become EDTF, groups become themes, media captions "
    "become quoted sources. The result is checked like `timeline check`.",
)
def _import(parser: argparse.ArgumentParser) -> _Handler:
    parser.add_argument("kind", choices=("timelinejs",), help="the input format")
    source = parser.add_argument("file", metavar="FILE", help="the TimelineJS3 JSON file")
    folder = parser.add_argument(
        "-o", "--output", dest="directory", metavar="DIR", required=True,
        help="the dataset folder to create (it must not exist, or be empty)",
    )  # fmt: skip
    PATH_ARGUMENTS.update({source: "file", folder: "directory"})
    return _run_import


def _run_import(args: argparse.Namespace) -> int:
    from timeline.interchange.timelinejs import TimelineJSError, import_timelinejs, write_dataset

    source = Path(args.file)
    try:
        data = source.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read '{sanitize(args.file)}': {error.strerror}") from None
    try:
        conversion = import_timelinejs(data, origin=source.name)
    except TimelineJSError as error:
        _fail_at(args.file, error.code, str(error), error.line, error.column)
    folder = Path(args.directory)
    try:
        write_dataset(conversion, folder)
    except TimelineJSError as error:
        raise UsageError(sanitize(str(error))) from None
    except OSError as error:
        raise UsageError(f"cannot write '{sanitize(args.directory)}': {error.strerror}") from None
    for note in conversion.notes:
        print(f"note: {sanitize(note)}", file=sys.stderr)
    from timeline.loader import load_dataset

    loaded = _or_fail(lambda: load_dataset(folder))
    _print_diagnostics(loaded.warnings, sys.stderr, summary=False)
    dataset = loaded.dataset
    print(
        f"imported {_plural(len(dataset.events), 'event')}, "
        f"{_plural(len(dataset.themes), 'theme')} and {_plural(len(dataset.sources), 'source')} "
        f"into {sanitize(args.directory)}; it passes `timeline check`"
    )
    return EXIT_OK


@_command(
    help="print the JSON Schema of events.yaml",
    description="Print the JSON Schema (draft 2020-12) of events.yaml. Save it next to "
    "a dataset and start events.yaml with `# yaml-language-server: "
    "$schema=events.schema.json` for validation and completion in editors.",
)
def _schema(parser: argparse.ArgumentParser) -> _Handler:
    return _run_schema


def _run_schema(args: argparse.Namespace) -> int:
    from timeline.interchange.schema import schema_text

    sys.stdout.write(schema_text())
    return EXIT_OK


@_command(
    help="serve the TUI in a web browser (textual-serve)",
    description="Serve the TUI to web browsers through textual-serve: each browser tab "
    "gets its own session. Listens on loopback only unless --host says otherwise. Only "
    "the printed URL gets in: it carries a random token for this run, and requests "
    "naming another host or coming from another site's page are refused. Needs no "
    "internet.",
)
def _serve(parser: argparse.ArgumentParser) -> _Handler:
    from timeline.interchange.serve import DEFAULT_HOST

    add_path_argument(parser)
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"the address to listen on (default {DEFAULT_HOST})"
    )
    parser.add_argument("--port", type=int, default=8000, help="the port (default 8000)")
    parser.add_argument(
        "--url",
        help="the address browsers use, if not http://HOST:PORT (behind a proxy, or "
        "when binding 0.0.0.0); requests naming any other address are refused",
    )
    return _run_serve


def _run_serve(args: argparse.Namespace) -> int:
    from timeline.interchange.serve import Gate, ServeUnavailableError, is_loopback, run_server

    load_for_command(args)  # a broken dataset fails here, with its diagnostics
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: a port is 1–65535")
    try:
        gate = Gate.serving(args.host, args.port, args.url)
    except ValueError as error:
        raise UsageError(f"--url {sanitize(args.url)}: {error}") from None
    if not is_loopback(args.host):
        print(
            f"warning: listening on {sanitize(args.host)}: anyone who sees the URL (its "
            "token) or the unencrypted traffic can use the app",
            file=sys.stderr,
        )
    try:
        run_server(args.path, gate, host=args.host, port=args.port, url=args.url)
        return EXIT_OK
    except ServeUnavailableError as error:
        reason = str(error)
    except OSError as error:
        # asyncio's own text repeats the address: the system's text for the errno says it.
        why = os.strerror(error.errno) if error.errno else sanitize(str(error))
        where = f"{sanitize(args.host)}:{args.port}"
        reason = f"cannot listen on {where}: {why}"
    print(f"{PROG} serve: error: {reason}", file=sys.stderr)
    return EXIT_PROBLEMS


@_command(
    help="print a shell completion script (bash, zsh or tcsh)",
    description="Print the completion script for a shell; see docs/cli.md for where "
    "to put it. Example: `timeline completion bash > "
    "~/.local/share/bash-completion/completions/timeline`.",
)
def _completion(parser: argparse.ArgumentParser) -> _Handler:
    from timeline.interchange.completion import SHELLS

    parser.add_argument("shell", choices=SHELLS, help="the shell")
    return _run_completion


def _run_completion(args: argparse.Namespace) -> int:
    from timeline.interchange.completion import completion_script

    sys.stdout.write(completion_script(build_parser(), args.shell))
    return EXIT_OK


# -- curation: new, add-theme, add-event, add-quote, add-source (timeline.edit) ---------


def _add_edit_path_argument(parser: argparse.ArgumentParser) -> None:
    """The dataset to edit: unlike the reading commands, the current folder by default
    (never the bundled dataset, which is part of the installed program)."""
    path = parser.add_argument(
        "path", nargs="?", default=".", metavar="PATH",
        help="the dataset folder (or its events.yaml) to edit; default: the current folder",
    )  # fmt: skip
    PATH_ARGUMENTS[path] = "directory"


@_command(
    help="create an empty dataset folder to build a timeline in",
    description="Create a dataset folder: events.yaml (with no themes and no events "
    "yet, and the schema line editors read), its events.schema.json, and an empty "
    "sources/. It passes `timeline check`. The folder must not exist, or be empty.",
)
def _new(parser: argparse.ArgumentParser) -> _Handler:
    folder = parser.add_argument("directory", metavar="DIR", help="the folder to create")
    PATH_ARGUMENTS[folder] = "directory"
    return _run_new


NEW_EVENTS_YAML = """\
# yaml-language-server: $schema=events.schema.json
version: "1"

themes: {}

events: []
"""
"""The events file `timeline new` writes: the edit commands fill both collections."""


def _run_new(args: argparse.Namespace) -> int:
    from timeline.atomic import new_folder, write_atomically
    from timeline.interchange.schema import schema_text

    folder = Path(args.directory)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        what = "is not empty" if folder.is_dir() else "exists and is not a folder"
        raise UsageError(f"'{sanitize(args.directory)}' {what}; choose a new folder")
    try:
        with new_folder(folder) as building:
            (building / "sources").mkdir()
            write_atomically(building / "events.yaml", NEW_EVENTS_YAML)
            write_atomically(building / "events.schema.json", schema_text())
    except OSError as error:
        raise UsageError(f"cannot create '{sanitize(args.directory)}': {error.strerror}") from None
    shown = sanitize(os.fspath(folder))
    print(f"created {shown}: events.yaml, events.schema.json and sources/")
    print(f"next: timeline add-source ARTICLE.html {shown}")
    return EXIT_OK


@_command(
    help="add a theme to a dataset's vocabulary",
    description="Add a theme (an id, a label and a description) at the end of "
    "`themes` in events.yaml; the rest of the file stays byte for byte as it was.",
)
def _add_theme(parser: argparse.ArgumentParser) -> _Handler:
    parser.add_argument("theme_id", metavar="ID", help="the theme id, such as 'security'")
    _add_edit_path_argument(parser)
    parser.add_argument("--label", required=True, help="the name shown for it")
    parser.add_argument("--description", required=True, help="what it covers, in a sentence")
    return _run_add_theme


def _run_add_theme(args: argparse.Namespace) -> int:
    from timeline.edit import slug

    if slug(args.theme_id, limit=200) != args.theme_id:
        raise UsageError(
            f"theme id '{sanitize(args.theme_id)}' is not a slug (lower-case letters, digits "
            f"and '-'): try '{sanitize(slug(args.theme_id) or 'theme')}'"
        )
    editor = _editor(args)
    _edit(editor, lambda: editor.add_theme(args.theme_id, args.label, args.description))
    print(f"added theme '{sanitize(args.theme_id)}' to {sanitize(str(editor.file))}")
    return EXIT_OK


@_command(
    help="add an event, with its quotes, to events.yaml in date order",
    description="Add an event to events.yaml, in date order, as new lines only: the "
    "rest of the file stays byte for byte as it was. Every quote must be verbatim in "
    "its source; the event is checked with the rules of `timeline check` and nothing "
    "is written unless it passes. Give --source and --quote in pairs, in order.",
)
def _add_event(parser: argparse.ArgumentParser) -> _Handler:
    _add_edit_path_argument(parser)
    parser.add_argument("--id", help="the event id (default: from the title and date)")
    parser.add_argument("--date", required=True, help="EDTF: 2023-01-13, 2023-05, 2024-04-10/..")
    parser.add_argument("--title", required=True, help="a short title")
    parser.add_argument("--summary", required=True, help="a few sentences on what happened")
    parser.add_argument(
        "--status", required=True, choices=("occurred", "scheduled", "planned"),
        help="occurred, scheduled (fixed for a date) or planned (only intended)",
    )  # fmt: skip
    _repeated(
        parser, "--theme", "T", "a theme id from the vocabulary (repeat for several; see add-theme)"
    )
    _repeated(parser, "--actor", "A")
    _repeated(parser, "--place", "P")
    parser.add_argument("--date-basis", help="how the date was worked out from the articles")
    _repeated(
        parser,
        "--source",
        "ID",
        "the source id of the next --quote (required: an event needs a quote)",
    )
    _repeated(parser, "--quote", "TEXT", "a verbatim quote from the --source before it")
    return _run_add_event


def _run_add_event(args: argparse.Namespace) -> int:
    from timeline.dates import EdtfError, describe, parse_edtf
    from timeline.edit import NewEvent, suggest_event_id

    if not args.sources or len(args.sources) != len(args.quotes):
        raise UsageError(
            "give each quote with its source, in pairs: --source ID --quote TEXT "
            f"(got {_plural(len(args.sources), '--source')} and "
            f"{_plural(len(args.quotes), '--quote')})"
        )
    try:
        date = parse_edtf(args.date)
    except EdtfError as error:
        raise UsageError(f"--date {sanitize(args.date)}: {sanitize(str(error))}") from None
    editor = _editor(args)
    loaded = _edit_base(editor)
    dataset = loaded.dataset
    themes = _known("theme", args.themes, [t.id for t in dataset.themes])
    _known("source", args.sources, [s.id for s in dataset.sources])
    event_id = args.id or suggest_event_id(
        args.date, args.title, frozenset(e.id for e in dataset.events)
    )
    event = NewEvent(
        id=event_id,
        date=args.date,
        title=args.title,
        summary=args.summary,
        themes=tuple(themes),
        status=args.status,
        quotes=tuple(zip(args.sources, args.quotes, strict=True)),
        actors=tuple(args.actors),
        places=tuple(args.places),
        date_basis=args.date_basis,
    )
    _edit(editor, lambda: editor.add_event(event), loaded)
    print(
        f"added event '{sanitize(event_id)}' ({sanitize(describe(date))}) to "
        f"{sanitize(str(editor.file))}"
    )
    print(f"next: timeline show {sanitize(event_id)} {sanitize(args.path)}")
    return EXIT_OK


@_command(
    help="add a verbatim quote of a source to an event",
    description="Add a quote to an event's sources in events.yaml, as new lines only. "
    "The quote is --quote TEXT (verbatim: a near miss is refused with the closest "
    "passage, as `timeline check` reports it) or --span LINE:COL-LINE:COL, the first "
    "and last characters of the passage in sources/SOURCE.txt, numbered as `show` "
    "and `check` number them.",
)
def _add_quote(parser: argparse.ArgumentParser) -> _Handler:
    parser.add_argument("event_id", metavar="EVENT", help="the event's id")
    parser.add_argument("source_id", metavar="SOURCE", help="the source's id")
    _add_edit_path_argument(parser)
    quote = parser.add_mutually_exclusive_group(required=True)
    quote.add_argument("--quote", metavar="TEXT", help="the quote, verbatim")
    quote.add_argument("--span", metavar="L:C-L:C", help="where the quote is in the source file")
    return _run_add_quote


def _run_add_quote(args: argparse.Namespace) -> int:
    editor = _editor(args)
    loaded = _edit_base(editor)
    dataset = loaded.dataset
    event_id = _known("event", [args.event_id], [e.id for e in dataset.events])[0]
    source_id = _known("source", [args.source_id], [s.id for s in dataset.sources])[0]
    quote = args.quote if args.span is None else _span_text(dataset.source(source_id), args.span)
    _edit(editor, lambda: editor.add_quote(event_id, source_id, quote), loaded)
    print(f"added a quote of '{sanitize(source_id)}' to event '{sanitize(event_id)}'")
    return EXIT_OK


def _span_text(source: Any, span: str) -> str:
    """The text of `source` (a `Source`) from LINE:COL to LINE:COL, both inclusive, in
    the file's numbering (front matter included)."""
    import re

    match = re.fullmatch(r"(\d+):(\d+)-(\d+):(\d+)", span.strip())
    if match is None:
        raise UsageError(f"--span {sanitize(span)}: write it as LINE:COL-LINE:COL (12:1-12:80)")
    first_line, first_col, last_line, last_col = (int(n) for n in match.groups())
    lines = source.text.split("\n")

    def offset(line: int, column: int, what: str) -> int:
        index = line - source.body_line
        if not 0 <= index < len(lines) or not 1 <= column <= len(lines[index]):
            raise UsageError(
                f"--span {sanitize(span)}: the {what} {line}:{column} is not a character of "
                f"the article's text in {sanitize(source.path)} (its text is lines "
                f"{source.body_line}-{source.body_line + len(lines) - 1 - (lines[-1] == '')})"
            )
        return sum(len(text) + 1 for text in lines[:index]) + column - 1

    start = offset(first_line, first_col, "start")
    end = offset(last_line, last_col, "end") + 1
    if end <= start:
        raise UsageError(f"--span {sanitize(span)}: the end comes before the start")
    return str(source.text[start:end])


def _editor(args: argparse.Namespace) -> Any:
    """The `Editor` of the dataset at `args.path`."""
    from timeline.edit import EditError, Editor

    _dataset_path(args)
    try:
        return Editor(args.path)
    except EditError as error:
        raise UsageError(sanitize(str(error))) from None


def _edit_base(editor: Any) -> Loaded:
    """The dataset as the editor read it; its errors are printed (exit 1): an edit to
    a dataset that does not load could not be checked."""
    from timeline.loader import load_dataset

    return _or_fail(
        lambda: load_dataset(editor.file, events_text=editor.text),
        "nothing was written: fix these first (`timeline check`)",
    )


def _edit(editor: Any, make: Callable[[], Loaded], before: Loaded | None = None) -> None:
    """Make one edit; a refused edit is reported (nothing was written) and ends the
    command: with the loader's diagnostics and exit 1, or as a usage error. The
    warnings that the edit brought (those not in `before`) are printed."""
    from timeline.edit import EditError, FileChangedError

    try:
        loaded = make()
    except FileChangedError as error:
        print(f"{PROG}: error: {sanitize(str(error))}", file=sys.stderr)
        raise CommandFailed from None
    except EditError as error:
        if not error.diagnostics:
            raise UsageError(sanitize(str(error))) from None
        _print_diagnostics(error.diagnostics, sys.stderr)
        print(f"nothing was written: {sanitize(str(editor.file))} is unchanged", file=sys.stderr)
        raise CommandFailed from None
    known = {(w.code, w.message) for w in before.warnings} if before is not None else set()
    new = [w for w in loaded.warnings if (w.code, w.message) not in known]
    _print_diagnostics(new, sys.stderr, summary=False)


@_command(
    help="turn a saved article (.html, .md, .txt) into sources/<id>.txt",
    description="Turn a saved article into a source of the dataset: sources/ID.txt "
    "with its front matter. A saved web page (.html) goes through trafilatura, which "
    "keeps the article's text word for word and reads its title, date, site name and "
    "author; a .md or .txt file is taken as it is. What the file does not say comes "
    "from the flags, and what is still missing is an error: nothing is guessed. The id "
    "is a slug of the outlet, date and title unless --id is given; an existing source "
    "is never overwritten. The file's name and SHA-256 are recorded.",
)
def _add_source(parser: argparse.ArgumentParser) -> _Handler:
    article = parser.add_argument("file", metavar="FILE", help="the saved article")
    PATH_ARGUMENTS[article] = "file"
    _add_edit_path_argument(parser)
    parser.add_argument("--id", help="the source id (default: outlet, date and title)")
    parser.add_argument("--title", help="the headline (default: the page's)")
    parser.add_argument("--outlet", help="who published it (default: the page's site name)")
    parser.add_argument("--published", metavar="EDTF", help="when (default: the page's date)")
    parser.add_argument("--byline", help="the author (default: the page's)")
    parser.add_argument(
        "--kind", choices=("preview", "report", "analysis"),
        help="a preview of an upcoming event, a report, or an analysis (required: no "
        "page says it)",
    )  # fmt: skip
    return _run_add_source


def _run_add_source(args: argparse.Namespace) -> int:
    import dataclasses

    from timeline.atomic import write_atomically
    from timeline.dates import EdtfError, describe, parse_edtf
    from timeline.edit import slug
    from timeline.ingest import IngestError, missing_fields, read_article, source_text
    from timeline.model import resolve_dataset

    root, events_file = resolve_dataset(_dataset_path(args))
    if not events_file.is_file():
        raise UsageError(f"no dataset at '{sanitize(args.path)}' (create one with `timeline new`)")
    try:
        article = read_article(Path(args.file))
    except IngestError as error:
        _fail_at(args.file, error.code, str(error))
    given = {k: getattr(args, k) for k in ("title", "outlet", "published", "byline")}
    changes: dict[str, Any] = {k: v for k, v in given.items() if v}
    if args.published:
        changes["published_basis"] = None  # the page's date was not used
    article = dataclasses.replace(article, **changes)
    missing = missing_fields(article, args.kind)
    if missing:
        flags = " ".join(f"--{name}" for name in missing)
        raise UsageError(
            f"{sanitize(args.file)} does not say its {', '.join(missing)}: give {flags}"
        )
    assert article.published is not None
    try:
        published = parse_edtf(article.published)
    except EdtfError as error:
        raise UsageError(f"--published {sanitize(article.published)}: {error}") from None
    source_id = args.id or article.source_id()
    if slug(source_id, limit=200) != source_id:
        raise UsageError(f"--id '{sanitize(source_id)}' is not a slug: try '{slug(source_id)}'")
    target = root / "sources" / f"{source_id}.txt"
    taken = UsageError(
        f"{sanitize(str(target))} already exists: a source is never overwritten (give another --id)"
    )
    if target.exists() or target.is_symlink():
        raise taken
    text = source_text(article, source_id, args.kind)
    _check_source(text, source_id)
    try:
        target.parent.mkdir(exist_ok=True)
        write_atomically(target, text, exclusive=True)
    except FileExistsError:  # made meanwhile: still never overwritten
        raise taken from None
    except OSError as error:
        raise UsageError(f"cannot write '{sanitize(str(target))}': {error.strerror}") from None
    print(
        f"wrote {sanitize(str(target))}: “{sanitize(article.title or '')}”, "
        f"{sanitize(article.outlet or '')}, {sanitize(describe(published))} "
        f"({len(article.text):,} characters of text)"
    )
    print(
        f"next: timeline add-event {sanitize(args.path)} --date EDTF --title TEXT --summary "
        f"TEXT --status occurred --source {source_id} --quote TEXT"
    )
    return EXIT_OK


def _check_source(text: str, source_id: str) -> None:
    """Load the new source in a dataset of its own, before it is written: its front
    matter is checked by the loader's rules (nothing invalid is written)."""
    import tempfile

    from timeline.loader import load_dataset

    try:
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "sources").mkdir()
            (Path(folder) / "sources" / f"{source_id}.txt").write_text(text, "utf-8")
            _or_fail(
                lambda: load_dataset(Path(folder), events_text=NEW_EVENTS_YAML),
                "nothing was written",
            )
    except OSError as error:  # a full or read-only temporary folder, or `ulimit -f`
        raise UsageError(
            f"cannot check the new source in a temporary folder: {error.strerror}"
        ) from None


# -- the registry and main --------------------------------------------------------------

_DEFAULT_COMMAND = "open"


def build_parser(*, only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line as one argparse parser (also for completion tools).

    `main` puts `open` in front of arguments that do not start with a command name, so
    this parser always sees a command. `only` builds just that command's parser: the
    TUI starts without importing what the other commands' flags need (the exporters,
    the web server), which would delay its first frame.
    """
    import argparse  # here: plain `timeline` starts the TUI without it (see `main`)

    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=f"{PROG} [PATH] [--event ID] [--theme T ...] [--search TEXT]\n"
        f"       {PROG} COMMAND [ARGS ...]",
        description="A terminal timeline explorer: a sourced timeline built from news "
        "articles, with every quote verified against its article. With no command, "
        "opens the TUI on PATH (default: the bundled dataset).",
        epilog="The command, if any, comes first; anything else opens the TUI, so a "
        "folder named like a command is given as ./NAME. Exit codes: 0 ok, 1 the "
        "dataset has problems, 2 usage error. `timeline COMMAND -h` for a command's flags.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", prog=PROG
    )
    _COMMANDS_ACTION[parser] = subparsers
    for name, (summary, description, arguments) in _COMMANDS.items():
        if only in (None, name):
            command = subparsers.add_parser(name, help=summary, description=description)
            command.set_defaults(handler=arguments(command))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code (0 ok, 1 problems, 2 usage; 130
    after Ctrl+C, 128 + N after signal N)."""
    _prepare_streams()
    try:
        code = _parse_and_run(argv)
        sys.stdout.flush()  # a full disk refuses the output here, not as Python exits
        return code
    except BrokenPipeError:
        # `timeline list | head`: the reader left; not an error worth a traceback.
        code = EXIT_OK
    except OSError as error:
        if error.errno is None or error.filename is not None:
            raise  # not the system refusing to take the output
        # `> FILE` on a full disk or past `ulimit -f`: said, and not exit 0.
        print(f"{PROG}: error: cannot write the output: {error.strerror}", file=sys.stderr)
        code = EXIT_USAGE
    # Point stdout at devnull so the interpreter's final flush does not raise again (the
    # recipe in the Python `signal` documentation).
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (tests, embedding)
        pass
    return code


def _parse_and_run(argv: Sequence[str] | None) -> int:
    limit = os.environ.get("TIMELINE_MAX_BYTES")
    if limit is not None and not (limit.isascii() and limit.isdigit() and 0 < int(limit) < 2**62):
        print(
            f"{PROG}: error: TIMELINE_MAX_BYTES must be a whole number of bytes, from 1 to "
            f"2**62 - 1 (it is {sanitize(limit)!r})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    args_list = list(sys.argv[1:] if argv is None else argv)
    if len(args_list) <= 1 and not any(a.startswith("-") or a in _COMMANDS for a in args_list):
        # Plain `timeline` or `timeline PATH`: the TUI, as the parser would read it (a test
        # holds the two equal), without the cost of importing argparse and building a parser.
        plain = SimpleNamespace(
            command=_DEFAULT_COMMAND,
            path=args_list[0] if args_list else None,
            event=None,
            themes=[],
            search=None,
            as_of=None,
            handler=_run_open,
        )
        return _run(plain)
    if args_list[0] not in {*_COMMANDS, "-h", "--help", "--version"}:
        args_list.insert(0, _DEFAULT_COMMAND)
    parser = build_parser(only=_DEFAULT_COMMAND if args_list[0] == _DEFAULT_COMMAND else None)
    try:
        args, extras = parser.parse_known_args(args_list)
        _place_late_path(parser, args, extras)
    except SystemExit as exit_:
        # argparse exits for --help/--version (0) and for usage errors (2); main returns.
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    return _run(args)


def _prepare_streams() -> None:
    """Make printing safe whatever the environment: a stream the shell closed (`>&-`)
    is a sink, so a command still runs and exits with its own code; and a stream whose
    encoding cannot show every character (an ASCII locale) shows the others as
    backslash escapes instead of failing with `UnicodeEncodeError`; and an unbuffered
    stream (`python -u`, `PYTHONUNBUFFERED`) gets a buffer, since Python drops what a
    short write (a full disk) leaves out without an error, and a buffer retries it."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
        elif isinstance(stream, io.TextIOWrapper):
            if stream is getattr(sys, f"__{name}__") and isinstance(stream.buffer, io.FileIO):
                # Over a file object of its own, so that dropping it never closes the fd.
                buffered = io.BufferedWriter(io.FileIO(stream.fileno(), "w", closefd=False))
                stream = io.TextIOWrapper(
                    buffered, stream.encoding, stream.errors, line_buffering=True
                )
                setattr(sys, name, stream)
            encoding = (stream.encoding or "").lower().replace("-", "").replace("_", "")
            if encoding not in ("utf8", "utf8sig"):
                stream.reconfigure(errors="backslashreplace")


def _run(args: Any) -> int:
    """Run the parsed command, turning its failures into exit codes."""
    prog = f"{PROG} {args.command}"
    try:
        if args.handler in (_run_open, _run_serve):  # their event loops take the signals
            code: int = args.handler(args)
        else:
            with _stopped_by_signals():
                code = args.handler(args)
    except UsageError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except CommandFailed:
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        # Ctrl+C while a large dataset loads: stop quietly, with the shell's usual code.
        print(file=sys.stderr)
        return 130
    except _Stopped as stopped:
        return int(stopped.args[0])
    return code


class _Stopped(BaseException):
    """SIGTERM or SIGHUP arrived; its argument is the exit code, 128 + the signal."""


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """While the block runs, SIGTERM (`kill`, `timeout`, a service manager) and SIGHUP
    (the terminal closed) stop the command as Ctrl+C does, by raising `_Stopped`: a
    file or folder being written is removed and the old one stays (`timeline.atomic`).
    A signal that is not at its default (ignored under `nohup`) is left alone."""
    import signal

    def stop(number: int, frame: object) -> NoReturn:
        raise _Stopped(128 + number)

    previous = {}
    for number in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):  # no SIGHUP: Windows
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            with contextlib.suppress(ValueError):  # not the main thread: left as it is
                previous[number] = signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


# -- helpers ----------------------------------------------------------------------------


def _place_late_path(
    parser: argparse.ArgumentParser, args: argparse.Namespace, extras: list[str]
) -> None:
    """Take a PATH given after the flags (`show ID --format json PATH`).

    argparse fills an optional positional with nothing as soon as the positionals before
    it are matched, so a later PATH comes back unrecognised; it is the PATH if the
    command has one and it is still unset. Anything else left over is a usage error,
    reported by the command's own parser (exit 2).
    """
    if not extras:
        return
    if len(extras) == 1 and not extras[0].startswith("-") and getattr(args, "path", "") is None:
        args.path = extras[0]
        return
    subparser = _COMMANDS_ACTION[parser].choices[args.command]
    subparser.error(f"unrecognized arguments: {' '.join(extras)}")


_COMMANDS_ACTION: weakref.WeakKeyDictionary[argparse.ArgumentParser, _Subparsers] = (
    weakref.WeakKeyDictionary()
)
"""The commands' action of each parser `build_parser` made: argparse keeps a parser's
actions private, so it is kept here as `add_subparsers` returns it."""


def _dataset_path(args: argparse.Namespace) -> Path | None:
    """The PATH argument, checked to exist (a usage error otherwise)."""
    if args.path is None:
        return None
    path = Path(args.path)
    try:
        exists = path.exists()
    except (OSError, ValueError):  # a name too long for the system, or with a NUL byte
        exists = False
    if not exists:
        message = f"no dataset at '{sanitize(args.path)}': no such file or folder"
        if args.command == _DEFAULT_COMMAND:
            import difflib  # only for a path that names nothing

            names = list(_COMMANDS)
            if args.path in names:
                message += f" (to run the command, put it first: `{PROG} {args.path} …`)"
            elif close := difflib.get_close_matches(args.path, names, n=1, cutoff=0.75):
                message += f"; did you mean the command '{close[0]}'?"
        raise UsageError(message)
    return path


def _events_file_size(path: Path | None) -> int:
    """The size of the events file that `load_dataset(path)` reads; 0 for the bundled
    dataset (it is small) and for a file that cannot be read (the loader reports it)."""
    from timeline.model import resolve_dataset

    try:
        return 0 if path is None else resolve_dataset(path)[1].stat().st_size
    except OSError:
        return 0


def _or_fail(load: Callable[[], Loaded], *notes: str) -> Loaded:
    """What `load()` loaded; if it raises `DatasetError`, its diagnostics and then the
    `notes` are printed to stderr and the command fails (exit 1)."""
    from timeline.diagnostics import DatasetError

    try:
        return load()
    except DatasetError as error:
        _print_diagnostics(error.diagnostics, sys.stderr)
        for note in notes:
            print(note, file=sys.stderr)
        raise CommandFailed from None


def _fail_at(file: str, code: str, message: str, line: int = 1, column: int = 1) -> NoReturn:
    """Report one error at `file:line:col` and fail the command (exit 1)."""
    from timeline.diagnostics import Diagnostic, Severity, format_diagnostic

    print(
        format_diagnostic(Diagnostic(file, line, column, Severity.ERROR, code, message)),
        file=sys.stderr,
    )
    raise CommandFailed


def _print_diagnostics(
    diagnostics: Sequence[Diagnostic], file: TextIO, *, summary: bool = True
) -> None:
    from timeline.diagnostics import Severity, format_diagnostic

    for diagnostic in diagnostics:
        print(format_diagnostic(diagnostic), file=file)
    if summary:
        errors = sum(d.severity is Severity.ERROR for d in diagnostics)
        warnings = len(diagnostics) - errors
        print(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}", file=file)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _known(kind: str, values: Iterable[str], known: Sequence[str]) -> list[str]:
    """Each value as the known value it names: exactly, else case-insensitively.

    Raises:
        UsageError: for the first value that names nothing, with the closest known ones.
    """
    exact = set(known)
    by_fold: dict[str, list[str]] = {}
    for name in known:
        by_fold.setdefault(name.casefold(), []).append(name)
    found: list[str] = []
    for value in values:
        matches = [value] if value in exact else by_fold.get(value.casefold(), [])
        if len(matches) != 1:  # none, or several that differ only in case
            raise UsageError(_unknown_message(kind, value, known))
        found.append(matches[0])
    return found


def _unknown_message(kind: str, value: str, known: Sequence[str]) -> str:
    message = f"unknown {kind} '{sanitize(value)}'"
    plural = "statuses" if kind == "status" else f"{kind}s"
    if not known:
        return message + f" (the dataset has no {plural})"
    import difflib  # only for a value that names nothing

    close = difflib.get_close_matches(value, known, n=3, cutoff=0.6)
    if not close:
        # Case differences should not hide a near miss ("joe bidn").
        folded = {name.casefold(): name for name in known}
        close = [folded[f] for f in difflib.get_close_matches(value.casefold(), folded, n=3)]
    if not close and value.strip():
        # A fragment of a long id ("g7") is how people remember events.
        fragment = value.casefold()
        close = [name for name in known if fragment in name.casefold()][:5]
    if close:
        message += "; did you mean " + " or ".join(f"'{sanitize(c)}'" for c in close) + "?"
    # All of them when few: the themes, statuses and sources of a typical dataset, not
    # its events or actors.
    if len(known) <= 12:
        message += f"\n  known {plural}: " + ", ".join(sanitize(k) for k in known)
    return message


def _date_bound(flag: str, text: str | None, *, upper: bool) -> int | None:
    if text is None:
        return None
    from timeline.dates import EdtfError, parse_edtf

    try:
        date = parse_edtf(text)
    except EdtfError as error:
        raise UsageError(f"{flag}: {sanitize(str(error))}") from None
    return date.upper if upper else date.lower
