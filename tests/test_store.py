"""The dataset store (`timeline.store`): the loader's result, kept in SQLite, trusted only
while the files are what it was read from."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from tui_support import bundled, damage_store

import timeline.loader
import timeline.store
from timeline.diagnostics import DatasetError
from timeline.model import Loaded
from timeline.query import EventIndex
from timeline.store import STORE_VERSION, Store, open_dataset, store_dir, store_path

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def loader_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every call of the real loader, recorded."""
    calls: list[object] = []
    real = timeline.loader.load_dataset

    def counting(path: object = None, **kwargs: object) -> Loaded:
        calls.append(path)
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(timeline.loader, "load_dataset", counting)
    return calls


def _full(loaded: Loaded) -> Loaded:
    """`loaded` with every event's details in memory, to compare with the loader's."""
    dataset = loaded.dataset
    events = tuple(map(dataset.full, dataset.events))
    rebuilt = type(dataset)(
        dataset.root, dataset.themes, dataset.sources, events, title=dataset.title
    )
    return Loaded(rebuilt, loaded.warnings)


def _open_and_close(folder: Path) -> None:
    """Open the store (it must be fresh) and close it: a reader holds a read lock."""
    store = Store.open(_db(folder), folder)
    assert store is not None
    store.close()


def _db(folder: Path | None) -> Path:
    db = store_path(folder)
    assert db is not None
    return db


def test_a_fresh_store_gives_what_the_loader_gives(
    dataset_copy: Path, loader_calls: list[object]
) -> None:
    cold = open_dataset(dataset_copy)
    warm = open_dataset(dataset_copy)
    light = open_dataset(dataset_copy, details=False)
    assert len(loader_calls) == 1  # the later two came from the store
    expected = timeline.loader.load_dataset(dataset_copy)
    assert cold == warm == expected
    assert all(e.details is None for e in light.dataset.events)
    assert _full(light) == expected
    texts = light.dataset.detail_texts(light.dataset.events)
    assert texts == expected.dataset.detail_texts(expected.dataset.events)


def test_the_bundled_dataset_round_trips(loader_calls: list[object]) -> None:
    assert open_dataset(None) == open_dataset(None) == bundled()


def test_warnings_are_stored_with_the_dataset(
    dataset_copy: Path, loader_calls: list[object]
) -> None:
    events = dataset_copy / "events.yaml"
    event = bundled().dataset.events[0]
    quote = event.quotes[0].text
    short = quote.split(",")[0][:30]  # under the length that makes a quote unambiguous
    events.write_text(events.read_text("utf-8").replace(quote, short, 1), "utf-8")
    cold = open_dataset(dataset_copy)
    warm = open_dataset(dataset_copy)
    assert len(loader_calls) == 1
    assert [d.code for d in cold.warnings] == ["quote-short"]
    assert warm.warnings == cold.warnings


def test_errors_are_never_stored(dataset_copy: Path, loader_calls: list[object]) -> None:
    events = dataset_copy / "events.yaml"
    events.write_text(events.read_text(encoding="utf-8") + "\nbroken: [\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(DatasetError):
            open_dataset(dataset_copy)
    assert len(loader_calls) == 2
    assert not _db(dataset_copy).exists()


@pytest.mark.parametrize("change", ["article", "events", "new file", "removed file"])
def test_a_changed_file_makes_the_store_stale(
    dataset_copy: Path, loader_calls: list[object], change: str
) -> None:
    open_dataset(dataset_copy)
    article = sorted((dataset_copy / "sources").glob("*.txt"))[0]
    if change == "article":
        article.write_text(article.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    elif change == "events":
        events = dataset_copy / "events.yaml"
        events.write_text(events.read_text(encoding="utf-8") + "\n# a comment\n", "utf-8")
    elif change == "new file":
        (dataset_copy / "sources" / "notes.md").write_text("x", encoding="utf-8")
    else:
        (dataset_copy / "sources" / "notes.md").write_text("x", encoding="utf-8")
        open_dataset(dataset_copy)
        (dataset_copy / "sources" / "notes.md").unlink()
    assert Store.open(_db(dataset_copy), dataset_copy) is None
    calls = len(loader_calls)
    open_dataset(dataset_copy)
    assert len(loader_calls) == calls + 1
    assert Store.open(_db(dataset_copy), dataset_copy) is not None  # rebuilt


def test_a_touched_file_with_the_same_bytes_is_hashed_once(
    dataset_copy: Path, loader_calls: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `git` does: numbers that disagree are settled by the content, then recorded."""
    for file in (dataset_copy / "events.yaml", *(dataset_copy / "sources").iterdir()):
        os.utime(file, ns=(1, 1_000_000_000))  # long before the store is written
    open_dataset(dataset_copy)
    article = sorted((dataset_copy / "sources").glob("*.txt"))[0]
    article.write_bytes(article.read_bytes())  # new mtime, same bytes
    hashed: list[str] = []
    real = timeline.store._sha256
    monkeypatch.setattr(timeline.store, "_sha256", lambda f: hashed.append(f) or real(f))
    _open_and_close(dataset_copy)
    assert {Path(f).name for f in hashed} == {article.name}  # and only while it is racy
    hashed.clear()
    os.utime(article, ns=(1, 1_000_000_000))  # long before the numbers were recorded
    _open_and_close(dataset_copy)
    assert len(hashed) == 1
    hashed.clear()
    _open_and_close(dataset_copy)
    assert hashed == []  # recorded: trusted by its numbers now
    assert len(loader_calls) == 1


def test_numbers_recorded_too_close_to_a_change_are_not_trusted(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file changed in the same clock tick as the store was written may change again
    without its numbers showing it: its bytes decide."""
    open_dataset(dataset_copy)
    hashed: list[str] = []
    real = timeline.store._sha256
    monkeypatch.setattr(timeline.store, "_sha256", lambda f: hashed.append(f) or real(f))
    assert Store.open(_db(dataset_copy), dataset_copy) is not None
    assert hashed  # copied just now: every file was changed within the racy window


def test_the_same_bytes_elsewhere_have_a_store_of_their_own(tmp_path: Path) -> None:
    os.environ["TIMELINE_CACHE_DIR"] = str(tmp_path / "store")
    try:
        from tui_support import copy_bundled

        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        first = copy_bundled(tmp_path / "a")
        second = copy_bundled(tmp_path / "b")
        assert _db(first) != _db(second)
        assert open_dataset(first).dataset.root != open_dataset(second).dataset.root
    finally:
        os.environ.pop("TIMELINE_CACHE_DIR")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "version", "code"])
def test_a_damaged_foreign_or_other_store_is_rebuilt(
    dataset_copy: Path, loader_calls: list[object], damage: str
) -> None:
    open_dataset(dataset_copy)
    db = _db(dataset_copy)
    if damage == "garbage":
        db.write_bytes(b"not a database at all" * 100)
    elif damage == "truncated":
        db.write_bytes(db.read_bytes()[:1000])
    elif damage == "foreign":
        db.unlink()
        with sqlite3.connect(db) as other:
            other.execute("CREATE TABLE notes (text TEXT)")
        db.chmod(0o600)
    else:
        with sqlite3.connect(db) as connection:
            if damage == "version":
                connection.execute(f"PRAGMA user_version = {STORE_VERSION + 1}")
            else:
                connection.execute("UPDATE meta SET value = 'old' WHERE key = 'code'")
        connection.close()
    assert Store.open(db, dataset_copy) is None
    assert open_dataset(dataset_copy) == timeline.loader.load_dataset(dataset_copy)
    assert len(loader_calls) == 3  # the first load, the rebuild, and the reference
    assert Store.open(db, dataset_copy) is not None


@pytest.mark.parametrize("table", ["events", "sources", "quotes", "warnings"])
def test_a_store_damaged_inside_is_read_past_and_rebuilt(
    dataset_copy: Path, loader_calls: list[object], table: str
) -> None:
    open_dataset(dataset_copy)
    db = _db(dataset_copy)
    damage_store(db, table)
    _open_and_close(dataset_copy)  # opening it reads none of these tables
    assert open_dataset(dataset_copy) == timeline.loader.load_dataset(dataset_copy)
    assert len(loader_calls) == 3  # the first load, the one past the damage, the reference
    assert open_dataset(dataset_copy) == timeline.loader.load_dataset(dataset_copy)
    assert len(loader_calls) == 4  # rebuilt: read from the store


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE sources SET kind = 'x'",  # what a page of zeros in a long row gives
        "UPDATE events SET date = 'x'",
        "UPDATE events SET themes = 'x'",
        "UPDATE events SET status = NULL",
        "UPDATE events SET title = CAST(x'ff' AS TEXT)",  # not UTF-8: SQLite takes it as is
    ],
)
def test_a_store_holding_what_it_never_writes_is_read_past_and_rebuilt(
    dataset_copy: Path, loader_calls: list[object], change: str
) -> None:
    open_dataset(dataset_copy)
    db = _db(dataset_copy)
    with sqlite3.connect(db) as connection:
        connection.execute(change)
    connection.close()
    assert open_dataset(dataset_copy) == timeline.loader.load_dataset(dataset_copy)
    assert open_dataset(dataset_copy) == timeline.loader.load_dataset(dataset_copy)
    assert len(loader_calls) == 4  # the first load, the one past the damage, two references


def test_a_store_that_is_not_a_regular_file_of_the_user_is_never_opened(
    dataset_copy: Path,
) -> None:
    db = _db(dataset_copy)
    db.parent.mkdir(mode=0o700, parents=True)
    os.mkfifo(db)  # opening a FIFO for reading would wait for a writer forever
    assert open_dataset(dataset_copy) == timeline.loader.load_dataset(dataset_copy)
    db.unlink()
    target = db.with_name("elsewhere.sqlite")
    open_dataset(dataset_copy)
    db.rename(target)
    db.symlink_to(target)
    assert Store.open(db, dataset_copy) is None


def test_a_shared_folder_is_not_used_and_said_so_once(
    dataset_copy: Path, private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private_cache.mkdir(mode=0o700)
    private_cache.chmod(0o777)  # anyone could plant a store here
    for _ in range(3):
        assert open_dataset(dataset_copy) == timeline.loader.load_dataset(dataset_copy)
    assert not list(private_cache.iterdir())
    said = capsys.readouterr().err
    assert said.count("not using the store folder") == 1 and str(private_cache) in said


def test_no_cache_turns_the_store_off(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch, loader_calls: list[object]
) -> None:
    monkeypatch.setenv("TIMELINE_NO_CACHE", "1")
    assert store_dir() is None and store_path(dataset_copy) is None
    open_dataset(dataset_copy)
    open_dataset(dataset_copy)
    assert len(loader_calls) == 2


def test_the_default_folder_is_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("TIMELINE_CACHE_DIR", raising=False)
    monkeypatch.delenv("TIMELINE_NO_CACHE", raising=False)
    assert store_dir() == Path(platformdirs.user_cache_dir("timeline"))


def test_the_store_is_private_and_nothing_is_left_beside_it(dataset_copy: Path) -> None:
    open_dataset(dataset_copy)
    db = _db(dataset_copy)
    assert [p.name for p in db.parent.iterdir()] == [db.name]  # no journal, no temporary
    assert db.stat().st_mode & 0o777 == 0o600
    assert db.parent.stat().st_mode & 0o777 == 0o700


def test_an_unwritable_folder_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(blocker / "store"))
    assert open_dataset(None) == bundled()


def test_tables_are_readable_with_plain_sql(dataset_copy: Path) -> None:
    """What docs/speed.md promises: the store is inspectable with the sqlite3 shell."""
    open_dataset(dataset_copy)
    expected = bundled().dataset
    with sqlite3.connect(f"file:{_db(dataset_copy)}?mode=ro", uri=True) as connection:
        titles = [t for (t,) in connection.execute("SELECT title FROM events ORDER BY rank")]
        quotes = connection.execute("SELECT count(*) FROM quotes").fetchone()[0]
        themes = connection.execute(
            "SELECT count(*) FROM events, json_each(events.themes) WHERE value = 'space'"
        ).fetchone()[0]
    connection.close()
    assert titles == [e.title for e in EventIndex(expected).events]
    assert quotes == sum(len(e.quotes) for e in expected.events)
    assert themes == sum("space" in e.themes for e in expected.events)


def test_a_reader_keeps_its_data_while_another_process_wants_to_rebuild(
    dataset_copy: Path,
) -> None:
    """The TUI holds a read transaction: a writer elsewhere gives up and loads without
    storing, and the reader's details stay those of the events it loaded."""
    light = open_dataset(dataset_copy, details=False)
    event = light.dataset.events[0]
    events = dataset_copy / "events.yaml"
    text = events.read_text(encoding="utf-8")
    events.write_text(text.replace(event.title, event.title + " (revised)"), encoding="utf-8")
    script = textwrap.dedent(
        f"""
        from timeline.store import open_dataset
        print(open_dataset({str(dataset_copy)!r}).dataset.events[0].title)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip().endswith("(revised)")
    assert light.dataset.full(event).summary == bundled().dataset.event(event.id).summary
    assert light.dataset.full(event).title == event.title


def test_threads_reading_one_store_get_the_right_details(dataset_copy: Path) -> None:
    light = open_dataset(dataset_copy, details=False)
    expected = {e.id: e for e in bundled().dataset.events}
    failures: list[str] = []

    def read() -> None:
        for _ in range(20):
            for event in light.dataset.events:
                if light.dataset.full(event) != expected[event.id]:
                    failures.append(event.id)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_data_changed_while_it_loads_is_not_stored(
    dataset_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = timeline.loader.load_dataset

    def racing(path: object = None, **kwargs: object) -> Loaded:
        loaded = real(path, **kwargs)  # type: ignore[arg-type]
        article = sorted((dataset_copy / "sources").glob("*.txt"))[0]
        article.write_text(article.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        return loaded

    monkeypatch.setattr(timeline.loader, "load_dataset", racing)
    open_dataset(dataset_copy)
    assert Store.open(_db(dataset_copy), dataset_copy) is None


def test_a_folder_name_that_is_not_utf8_loads_without_a_store(
    tmp_path: Path, private_cache: Path
) -> None:
    from tui_support import copy_bundled

    folder = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9"))  # Latin-1, not UTF-8
    folder.mkdir()
    copy_bundled(folder)
    assert _full(open_dataset(folder, details=False)) == timeline.loader.load_dataset(folder)
    assert Store.open(_db(folder), folder) is None  # SQLite text cannot hold that name
