"""Surgical edits of events.yaml: every byte the edit did not add stays as it was, the
result loads to the dataset expected, nothing invalid is written, and undo restores."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline.edit import EditError, Editor, FileChangedError, NewEvent, insert_event
from timeline.loader import bundled_dataset_path, load_dataset
from timeline.model import Dataset

SOURCE = "yomiuri-2023-01-14-summit-report"
ARTICLE = (bundled_dataset_path() / "sources" / f"{SOURCE}.txt").read_text("utf-8")
BODY = ARTICLE.split("---\n", 2)[2]
SENTENCE = "The U.S. president commended the Japanese government for its efforts"

# Every style a person might write: comments everywhere, plain, single- and
# double-quoted scalars, a folded summary, blank lines, and a trailing comment.
BASE = f"""\
# A hand-written dataset.
version: "1"   # the format

themes:
  alliance:
    label: Alliance   # plain
    description: 'Summits and statements.'
  space:
    label: "Space"
    description: >-
      Space cooperation,
      folded over two lines.

events:
  # January
  - id: summit
    date: 2023-01-13
    title: 'Summit: the first'
    summary: "Leaders met."
    themes: [alliance]
    status: occurred
    sources:
      - source: {SOURCE}
        quote: "{SENTENCE}"   # checked

  # Later
  - id: "later"
    date: "2023-06"
    title: Later
    summary: Something later.
    themes: ["space"]
    actors: ["Fumio Kishida"]
    status: planned
    sources:
      - {{source: {SOURCE}, quote: "{SENTENCE}"}}
# the end
"""


def _dataset(folder: Path, text: str = BASE) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "sources").mkdir(exist_ok=True)
    shutil.copy(bundled_dataset_path() / "sources" / f"{SOURCE}.txt", folder / "sources")
    (folder / "events.yaml").write_text(text, "utf-8", newline="")
    return folder


def _projection(dataset: Dataset) -> tuple[dict[str, object], dict[str, object]]:
    themes = {t.id: (t.label, t.description) for t in dataset.themes}
    events = {
        e.id: (
            e.date.text,
            e.title,
            e.summary,
            e.themes,
            e.actors,
            e.places,
            str(e.status),
            e.date_basis,
            tuple((q.source_id, q.text) for q in e.quotes),
        )
        for e in dataset.events
    }
    return themes, events


def _only_insertions(old: str, new: str) -> bool:
    """Whether every line of `old` is in `new`, byte for byte and in order, with only
    whole lines added between them."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    return all(tag in ("equal", "insert") for tag, *_ in matcher.get_opcodes())


_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufeff"),
    min_size=1,
    max_size=25,
).filter(lambda s: s.strip() != "")
_dates = st.sampled_from(
    ["2022", "2023-01-13", "2023-01", "2023-06", "2024-04-10/..", "../2025-03", "2023-05~", "1999"]
)


@st.composite
def _quote(draw: st.DrawFn) -> str:
    start = draw(st.integers(0, len(BODY) - 60))
    length = draw(st.integers(40, 120))
    quote = BODY[start : start + length].strip()
    return quote if len(quote) >= 40 else SENTENCE


_operation = st.one_of(
    st.tuples(
        st.just("event"),
        _dates,
        _text,
        _text,
        st.lists(st.sampled_from(["alliance", "space"]), min_size=1, max_size=2, unique=True),
        st.lists(_text, max_size=2),
        st.sampled_from(["occurred", "scheduled", "planned"]),
        st.one_of(st.none(), _text),
        st.lists(_quote(), min_size=1, max_size=2),
    ),
    st.tuples(st.just("quote"), st.integers(0, 50), _quote()),
    st.tuples(st.just("theme"), _text, _text),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(_operation, min_size=1, max_size=4))
def test_any_sequence_of_edits_keeps_every_other_line_and_loads_as_expected(
    tmp_path_factory: pytest.TempPathFactory, operations: list[tuple[object, ...]]
) -> None:
    folder = _dataset(tmp_path_factory.mktemp("edits") / "ds")
    themes, events = _projection(load_dataset(folder).dataset)
    editor = Editor(folder)
    for number, operation in enumerate(operations):
        before = editor.text
        if operation[0] == "event":
            _, date, title, summary, event_themes, actors, status, basis, quotes = operation
            event = NewEvent(
                id=f"new-{number}",
                date=str(date),
                title=str(title),
                summary=str(summary),
                themes=tuple(event_themes),  # type: ignore[arg-type]
                actors=tuple(a.strip() for a in actors),  # type: ignore[attr-defined]
                status=str(status),
                date_basis=basis,  # type: ignore[arg-type]
                quotes=tuple((SOURCE, q) for q in quotes),  # type: ignore[attr-defined]
            )
            loaded = editor.add_event(event)
            events[event.id] = (
                event.date, event.title, event.summary, event.themes, event.actors, (),
                event.status, event.date_basis, event.quotes,
            )  # fmt: skip
        elif operation[0] == "quote":
            block_events = [e for e in events if e != "later"]  # its sources are a flow list
            event_id = block_events[int(operation[1]) % len(block_events)]  # type: ignore[call-overload]
            quote = str(operation[2])
            if (SOURCE, quote) in events[event_id][-1]:  # type: ignore[operator]
                continue
            loaded = editor.add_quote(event_id, SOURCE, quote)
            old = events[event_id]
            events[event_id] = (*old[:-1], (*old[-1], (SOURCE, quote)))  # type: ignore[misc]
        else:
            theme_id = f"theme-{number}"
            loaded = editor.add_theme(theme_id, str(operation[1]), str(operation[2]))
            themes[theme_id] = (operation[1], operation[2])
        assert _only_insertions(before, editor.text)
        assert _projection(loaded.dataset) == (themes, events)
    assert _only_insertions(BASE, editor.text)
    assert (folder / "events.yaml").read_text("utf-8") == editor.text
    assert _projection(load_dataset(folder).dataset) == (themes, events)


def _event(event_id: str = "added", date: str = "2023-03", quote: str = SENTENCE) -> NewEvent:
    return NewEvent(
        id=event_id,
        date=date,
        title="Added",
        summary="An added event.",
        themes=("alliance",),
        status="occurred",
        quotes=((SOURCE, quote),),
    )


def test_a_new_event_goes_in_date_order_after_the_blank_line_convention(tmp_path: Path) -> None:
    editor = Editor(_dataset(tmp_path / "ds"))
    editor.add_event(_event(date="2023-03"))
    text = editor.text
    assert text.index("id: summit") < text.index('id: "added"') < text.index("# Later")
    assert '# checked\n\n  - id: "added"' in text
    editor.add_event(_event("first", "2000"))
    assert editor.text.index('id: "first"') < editor.text.index("id: summit")
    assert editor.text.startswith(BASE[: BASE.index("  # January")])


@pytest.mark.parametrize("empty", ["events: []\n", "events:\n", "events:   # none yet\n", ""])
def test_the_first_event_of_an_empty_list(tmp_path: Path, empty: str) -> None:
    head = 'version: "1"\nthemes:\n  alliance: {label: A, description: B}\n'
    editor = Editor(_dataset(tmp_path / "ds", head + empty))
    loaded = editor.add_event(_event())
    assert [e.id for e in loaded.dataset.events] == ["added"]
    assert editor.text.startswith(head)
    if "# none yet" in empty:
        assert "# none yet" in editor.text


def test_a_theme_into_an_empty_vocabulary(tmp_path: Path) -> None:
    editor = Editor(_dataset(tmp_path / "ds", 'version: "1"\nthemes: {}\nevents: []\n'))
    loaded = editor.add_theme("space", "Space", "Space cooperation.")
    assert [t.id for t in loaded.dataset.themes] == ["space"]
    assert editor.text.endswith("events: []\n")


def test_crlf_and_a_bom_are_kept(tmp_path: Path) -> None:
    folder = _dataset(tmp_path / "ds", "\ufeff" + BASE.replace("\n", "\r\n"))
    editor = Editor(folder)
    editor.add_event(_event())
    data = (folder / "events.yaml").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert [e.id for e in load_dataset(folder).dataset.events] == ["summit", "added", "later"]


def test_an_edit_that_would_not_load_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    folder = _dataset(tmp_path / "ds")
    editor = Editor(folder)
    with pytest.raises(EditError) as refused:
        editor.add_event(
            _event(quote="The U.S. president commended the Japanese government for its effort.")
        )
    (diagnostic,) = refused.value.diagnostics
    assert diagnostic.code == "quote-not-found"
    assert diagnostic.hint is not None and "closest passage" in diagnostic.hint
    with pytest.raises(EditError) as unknown:
        editor.add_event(
            NewEvent("x", "2023", "T", "S", ("nope",), "occurred", ((SOURCE, SENTENCE),))
        )
    assert [d.code for d in unknown.value.diagnostics] == ["unknown-theme"]
    with pytest.raises(EditError, match="no event with id 'nope'"):
        editor.add_quote("nope", SOURCE, SENTENCE)
    assert (folder / "events.yaml").read_text("utf-8") == BASE
    assert not editor.can_undo


def test_an_edit_is_refused_when_the_file_changed_on_disk(tmp_path: Path) -> None:
    folder = _dataset(tmp_path / "ds")
    editor = Editor(folder)
    changed = BASE.replace("# the end", "# someone else's edit")
    (folder / "events.yaml").write_text(changed, "utf-8")
    with pytest.raises(FileChangedError):
        editor.add_event(_event())
    assert (folder / "events.yaml").read_text("utf-8") == changed


def test_undo_puts_back_the_exact_bytes(tmp_path: Path) -> None:
    folder = _dataset(tmp_path / "ds")
    editor = Editor(folder)
    editor.add_theme("north-korea", "North Korea", "Missiles.")
    editor.add_event(_event())
    editor.undo()
    assert "added" not in editor.text and "north-korea" in editor.text
    editor.undo()
    assert (folder / "events.yaml").read_text("utf-8") == BASE
    with pytest.raises(EditError, match="nothing to undo"):
        editor.undo()


def test_refusals_of_the_text_edits() -> None:
    with pytest.raises(EditError, match="already used"):
        insert_event(BASE, _event("summit"))
    with pytest.raises(EditError, match="at least one quote"):
        insert_event(BASE, NewEvent("x", "2023", "T", "S", ("alliance",), "occurred", ()))


def test_a_theme_after_one_written_in_flow_style(tmp_path: Path) -> None:
    head = 'version: "1"\nthemes:\n  a: {label: A, description: B}\nevents: []\n'
    editor = Editor(_dataset(tmp_path / "ds", head))
    loaded = editor.add_theme("b", "B", "Another.")
    assert [t.id for t in loaded.dataset.themes] == ["a", "b"]
    assert '  b:\n    label: "B"\n' in editor.text and _only_insertions(head, editor.text)
