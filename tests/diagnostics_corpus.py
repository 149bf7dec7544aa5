"""The golden corpus of diagnostics: load one case, and regenerate expected output and docs.

Each folder under `tests/fixtures/diagnostics/` is one case: a tiny dataset (an
`events.yaml` and a `sources/` folder, either of which may be broken or missing), an
`about.txt` saying in one line what it shows, and `expected.txt`, the exact diagnostics
the loader prints for it (paths relative to the case folder). Things git cannot hold or
that must not sit in a checkout (FIFOs, links to devices, link loops, folders named like
files) are made by `SETUP` in a temporary copy.

`python tests/diagnostics_corpus.py` rewrites every `expected.txt` and
`docs/diagnostics.md` from what the loader prints now; review the diff before
committing it. The tests check that both are up to date.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from timeline.diagnostics import DatasetError, Diagnostic, format_diagnostic  # noqa: E402
from timeline.loader import load_dataset  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "diagnostics"
DOCS = ROOT / "docs" / "diagnostics.md"


@dataclass(frozen=True, slots=True)
class Setup:
    """What a case needs beyond its files: made in the temporary copy before loading."""

    prepare: Callable[[Path], None] | None = None
    load_path: str | None = None  # relative to the case folder; default the folder
    env: dict[str, str] = field(default_factory=dict)


def _symlink(target: str, link: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / link).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / link)

    return make


def _fifo(name: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(root / name)

    return make


def _folder(name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).mkdir(parents=True)


def _all(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        for step in steps:
            step(root)

    return make


SETUP: dict[str, Setup] = {
    "path-symlink-escape": Setup(_symlink("../events.yaml", "sources/escape.txt")),
    "path-symlink-loop": Setup(
        _all(
            _symlink("loop.txt", "sources/loop.txt"),
            _symlink("pong.txt", "sources/ping.txt"),
            _symlink("ping.txt", "sources/pong.txt"),
        )
    ),
    "path-broken-link": Setup(_symlink("nowhere.txt", "sources/gone.txt")),
    "path-fifo": Setup(_fifo("sources/pipe.txt")),
    "path-device": Setup(
        _all(
            _symlink("/dev/zero", "sources/zero.txt"),
            _symlink("/dev/null", "sources/null.txt"),
        )
    ),
    "events-fifo": Setup(_fifo("events.yaml")),
    "events-device": Setup(_symlink("/dev/zero", "events.yaml")),
    "source-is-a-folder": Setup(_folder("sources/folder.txt")),
    "read-error": Setup(load_path="events.yaml/events.yaml"),
    "too-large": Setup(env={"TIMELINE_MAX_BYTES": "200"}),
}


def cases() -> list[str]:
    """Every case, by folder name."""
    return sorted(p.name for p in CORPUS.iterdir() if (p / "about.txt").is_file())


def run_case(name: str, scratch: Path) -> tuple[list[Diagnostic], bool]:
    """Copy the case into `scratch`, prepare it, load it: (diagnostics, loaded)."""
    root = scratch / name
    shutil.copytree(CORPUS / name, root, symlinks=True)
    setup = SETUP.get(name, Setup())
    if setup.prepare is not None:
        setup.prepare(root)
    target = root / setup.load_path if setup.load_path else root
    saved = {key: os.environ.get(key) for key in setup.env}
    os.environ.update(setup.env)
    try:
        loaded = load_dataset(target)
    except DatasetError as error:
        return list(error.diagnostics), False
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return list(loaded.warnings), True


def render(diagnostics: list[Diagnostic], root: Path) -> str:
    """The diagnostics as printed, with paths made relative to the case folder."""
    prefix = str(root) + os.sep
    return "".join(format_diagnostic(d).replace(prefix, "") + "\n" for d in diagnostics)


def expected(name: str) -> str:
    """The stored golden output of a case."""
    return (CORPUS / name / "expected.txt").read_text(encoding="utf-8")


def about(name: str) -> str:
    """The case's one-line description."""
    return (CORPUS / name / "about.txt").read_text(encoding="utf-8").strip()


# -- the docs ----------------------------------------------------------------------------

CODES: dict[str, str] = {
    "missing-file": "The events file (or the dataset folder) does not exist.",
    "read-error": "The file exists but the system refused to read it.",
    "not-a-file": "A folder, named pipe (FIFO), device or socket where a file should be. "
    "It is never opened, so it can never block.",
    "too-large": "The file is over the size limit: 2 GiB for `events.yaml` (raise it with "
    "the `TIMELINE_MAX_BYTES` environment variable), 8 MiB for one article and 256 MiB for "
    "all of them together (articles past that are not read).",
    "encoding": "The file is not UTF-8 (Latin-1 bytes, an encoded lone surrogate, …). "
    "The position is the first byte that cannot be decoded. A BOM is fine.",
    "control-char": "A raw control character (ESC, NUL, NEL U+0085, U+2028, …) in the YAML. "
    "Write it as an escape in a double-quoted string if it is meant.",
    "yaml-syntax": "The YAML cannot be parsed: the message says what the parser expected. "
    "Tabs used for indentation and lone-surrogate escapes are named as such.",
    "yaml-anchor": "An anchor (`&name`). Anchors and aliases are refused, so an alias bomb "
    "(billion laughs) or a recursive alias cannot expand.",
    "yaml-alias": "An alias (`*name`). Write the value out instead.",
    "yaml-tag": "An explicit tag (`!!python/object`, `!!str`, `!custom`, …). Every value is "
    "text; nothing is ever constructed from a tag.",
    "yaml-key": "A key that is a mapping or a list (`? [a, b]`). Keys are plain text.",
    "yaml-documents": "More than one YAML document (`---`) in one file.",
    "duplicate-key": "A key given twice in the same mapping; the message says where the "
    "first one is.",
    "too-deep": "Nesting deeper than 64 levels (a dataset needs about 5). Checked while "
    "reading, so a nesting bomb is refused at once; where libyaml's own cap of 1,000 flow "
    "levels stops a run of `[` first, it is reported with this code at libyaml's position.",
    "empty": "The file is empty, or holds only comments.",
    "wrong-type": "A value of the wrong shape: a list where text is expected, text where a "
    "list is expected, a top level that is not a mapping, …",
    "unknown-key": "A key the format does not have, with a “did you mean” when one is "
    "close. Merge keys (`<<`) are refused here too.",
    "missing-key": "A required key is absent.",
    "empty-value": "A required value is empty or blank.",
    "bad-version": '`version` is not `"1"`.',
    "bad-id": "An id that is not a slug (letters, digits, `.`, `_`, `-`; at most 200).",
    "duplicate-id": "Two events with the same id.",
    "unknown-theme": "An event names a theme that is not in `themes`.",
    "unknown-source": "A citation names a source that is not in `sources/`. Sources are "
    "cited by id, never by path: `../`, absolute paths and backslashes are explained.",
    "bad-date": "A date that is not valid EDTF, an impossible day (`2023-02-30`), or an "
    "interval that ends before it starts.",
    "bad-value": "A value outside its fixed list (`status`, a source's `kind`).",
    "front-matter": "A source file without its `---` front matter, with it unclosed, or "
    "with front matter that is not a mapping.",
    "source-path": "A file in `sources/` that is a link leading outside `sources/` (to "
    "another folder, to `/dev/zero`, …), a broken link or a link loop. Never opened.",
    "source-id": "A source's `id` differs from its file name.",
    "bad-ignore": "An entry of a source's `ignore:` list (page furniture that "
    "`timeline coverage` skips) that is not the whole text of any line of the article.",
    "quote-empty": "A citation's quote is missing, empty or blank.",
    "quote-not-found": "A quote is not in its article, even after normalisation. The hint "
    "gives the closest passage (`file:line:col`, % similar) and, when that is the cause, "
    "says that the match holds only under NFKC or that the article hyphenates a word "
    "across a line break. A near miss is never accepted.",
    "quote-ambiguous": "(warning) A quote occurs more than once in its article; the first is used.",
    "quote-short": "(warning) A quote under 40 characters that is not a whole line of the article.",
    "invisible-char": "(warning) A quote holds a bidi control or a zero-width character "
    "that can hide or reorder text.",
    "internal": "A bug in this tool: an unexpected exception while loading, caught and "
    "reported instead of a traceback. Please report it with the file.",
}
"""Every diagnostic code, with what it means; docs/diagnostics.md is built from this."""

INTERNAL_EXAMPLE = (
    "events.yaml:1:1: error [internal] unexpected RuntimeError while loading: <the bug> "
    "(a bug in timeline, not in your data: please report it with the dataset)"
)


FUZZ_RECORD = """\
## Fuzzing

```sh
.venv/bin/python fuzz/fuzz_load.py --seconds 600     # any duration; Ctrl+C stops it
```

`fuzz/fuzz_load.py` runs Hypothesis in fuzz mode (`fuzz_one_input`) over the bundled
dataset: each input becomes a few mutations (byte flips, deleted, copied or truncated
chunks, inserted YAML syntax, control characters, bad UTF-8, lookalike letters) of
`events.yaml` or of one article, and the whole pipeline runs on the result: load →
validate → match every quote → render every diagnostic and every field through
`format_diagnostic`, `sanitize` and a Rich console. A mutated dataset must load (with
every quote's span matching its text) or raise `DatasetError`; an `internal` diagnostic,
any other exception, a control character in the output, a hang (30 s) or a crash is a
failure, saved under `fuzz/crashes/`. It exits 1 if it found any.

Recorded runs (2 cores, Python 3.11, PyYAML 6.0.3 with libyaml, Rich 15):

| run | seed | seconds | inputs run | loaded | crashes |
|---|---|---|---|---|---|
{runs}

No input hung or leaked a control character. Run 3 crashed on 3 inputs, all one bug
(below, the first item), and was stopped; after the fix the harness also checks that
every diagnostic's line exists in its file, which found the second item at once. The
other bugs were found while building the corpus and the property tests and by probing
the limits. All are fixed, and the corpus, `tests/test_loader.py` or
`tests/test_hostile.py` covers each one, except the quadratic error count (speed is not
timed in tests) and the FIFO race:

- (fuzzer) a carriage return without a line feed is a line break to YAML but not to an
  editor, so every position after one was a line off, and the new message for an
  unclosed quote then indexed past the end of the file (an `internal` error): a lone CR
  is now refused, with its position;
- (fuzzer) at the end of a file without a final newline, libyaml reports a syntax error
  on a line after the last: it is now placed at the end of the last line;

- positions inside a source's front matter were one line early;
- `version: [1]` printed a Python repr; a source or theme with its own error also made
  every citation of it "unknown"; an empty `sources: []` was called the wrong type;
- counting errors was quadratic: 20,000 broken events took 45 s (now under 3 s);
- the closest-passage search could stall a load: one 10,000-character wrong quote
  against a 200 KB article took 19 s; it now aligns the quote's first 200 characters,
  within a budget per load, and says when it stops giving hints;
- a 64 MiB article needed about 6 GB for its offset map: articles are now capped at
  8 MiB each and 256 MiB together;
- a hint's passage could start on the line break before it (pointing at the end of the
  previous line), end mid-word, or span lines; it is now one line of whole words, with
  the first difference named ("the quote has ‘а’ (CYRILLIC SMALL LETTER A) where the
  article has ‘a’") and a note for NFKC-only matches and hyphenated line breaks;
- a file name that is not UTF-8 reached the output as a lone surrogate, which cannot be
  printed: `sanitize` now shows it as �;
- a file swapped for a FIFO between the type check and the read could block: files are
  opened non-blocking and checked again;
- a dataset path too long to look up raised `OSError` out of `load_dataset`;
- libyaml's messages are now said in plain words (keeping the original), unclosed quotes
  point at the opening quote, bad escapes at the backslash, and lone-surrogate escapes,
  tabs, merge keys, control characters and link loops are named.
"""

FUZZ_RUNS = [
    ("1 (before the last fixes)", "20261123", "630", "44,723", "4,915", "0"),
    ("2 (28 of the 35 codes seen)", "20261124", "660", "58,527", "6,672", "0"),
    ("3 (stopped: one bug, fixed)", "20261125", "197", "22,676", "2,595", "3"),
    ("4 (the fixed code, all checks)", "20261126", "660", "72,199", "8,127", "0"),
]
"""One row per recorded `fuzz/fuzz_load.py` run: (run, seed, seconds, inputs, loaded,
crashes)."""


def docs_text(outputs: dict[str, str]) -> str:
    """docs/diagnostics.md, from the case outputs (`case -> expected text`)."""
    lines = [
        "# Diagnostics",
        "",
        "<!-- Generated by `python tests/diagnostics_corpus.py` from the golden corpus in",
        "     tests/fixtures/diagnostics/; a test fails when it is out of date. -->",
        "",
        "`timeline check` (and every other command) reports each problem in a dataset as",
        "",
        "```",
        "file:line:col: error [CODE] message",
        "    hint, when there is one",
        "```",
        "",
        "Every problem in every file is reported in one run, in file and line order. An",
        "error stops the dataset from loading; a warning is printed and loading goes on.",
        "Text quoted from the data is sanitised: control characters show as `␛`, `␀`, `⍰`,",
        "bidi controls as `⟪U+202E⟫`.",
        "",
        "## Codes",
        "",
        "| code | meaning | example case |",
        "|---|---|---|",
    ]
    by_code: dict[str, list[str]] = {code: [] for code in CODES}
    for case, text in outputs.items():
        for code in re.findall(r"^\S.*? (?:error|warning) \[([a-z-]+)\]", text, re.M):
            if case not in by_code.setdefault(code, []):
                by_code[code].append(case)
    for code, meaning in CODES.items():
        # The most focused case: the one with the fewest diagnostics.
        found = sorted(by_code[code], key=lambda case: (outputs[case].count("\n"), case))
        by_code[code] = found
        first = found[0] if found else ""
        link = f"[`{first}`](#case-{first})" if first else "(see below)"
        lines.append(f"| `{code}` | {meaning} | {link} |")
    lines += ["", "## One example of each code", ""]
    for code in CODES:
        example = _example_line(code, by_code[code], outputs)
        lines += [f"### `{code}`", "", "```", example, "```", ""]
    runs = "\n".join("| " + " | ".join(row) + " |" for row in FUZZ_RUNS)
    lines += FUZZ_RECORD.format(runs=runs).split("\n")
    lines += [
        "## The corpus",
        "",
        "Each case is a folder in `tests/fixtures/diagnostics/` holding a tiny dataset;",
        "`expected.txt` is what the loader prints for it, and `tests/test_loader.py`",
        "checks that it still does.",
        "",
    ]
    for case, text in outputs.items():
        lines += [f"### Case: {case}", "", about(case), "", "```", text.rstrip("\n"), "```", ""]
    return "\n".join(lines)


def _example_line(code: str, found_in: list[str], outputs: dict[str, str]) -> str:
    if code == "internal" and not found_in:
        return INTERNAL_EXAMPLE
    for case in found_in:
        block = outputs[case].splitlines()
        for index, line in enumerate(block):
            if f"[{code}]" in line and not line.startswith(" "):
                hint: list[str] = []
                for follower in block[index + 1 :]:
                    if not follower.startswith("    "):
                        break
                    hint.append(follower)
                return "\n".join([line, *hint])
    return "(no example)"


def main() -> None:
    """Rewrite every expected.txt and docs/diagnostics.md from the loader's output now."""
    import tempfile

    outputs: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in cases():
            diagnostics, _loaded = run_case(name, Path(scratch))
            text = render(diagnostics, Path(scratch) / name)
            (CORPUS / name / "expected.txt").write_text(text, encoding="utf-8")
            outputs[name] = text
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text(docs_text(outputs), encoding="utf-8")
    print(f"wrote {len(outputs)} expected.txt files and {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
