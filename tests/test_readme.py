"""The README's examples are real: the data-format example loads and its quote is proved,
and the event record and CSV header it documents are the ones the commands write."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from timeline.interchange.export import CSV_COLUMNS, event_record
from timeline.loader import bundled_dataset_path, load_dataset
from timeline.text import normalize

README = Path(__file__).resolve().parent.parent / "README.md"


def _yaml_block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    match = re.search(r"```(?:yaml|text)\n(.*?)```", section, re.DOTALL)
    assert match is not None, f"no code block after {heading}"
    return match.group(1)


def test_the_events_example_loads_against_the_bundled_article(tmp_path: Path) -> None:
    (tmp_path / "events.yaml").write_text(_yaml_block_after("### `events.yaml`"), "utf-8")
    (tmp_path / "sources").mkdir()
    source = bundled_dataset_path() / "sources" / "yomiuri-2023-01-14-summit-report.txt"
    shutil.copy(source, tmp_path / "sources" / source.name)

    loaded = load_dataset(tmp_path)

    (event,) = loaded.dataset.events
    (quote,) = event.quotes
    article = loaded.dataset.source(quote.source_id).text
    assert normalize(article[quote.span.start : quote.span.end]) == normalize(quote.text)
    assert event.date.text == "2023-01-13"
    assert loaded.warnings == ()


def test_the_front_matter_example_names_every_source_field() -> None:
    example = _yaml_block_after("### `sources/<id>.txt`")
    keys = {line.split(":", 1)[0] for line in example.splitlines() if re.match(r"\w+:", line)}
    bundled = (bundled_dataset_path() / "sources").glob("*.txt")
    used: set[str] = set()
    for path in bundled:
        front = path.read_text("utf-8").split("---\n")[1]
        used |= {line.split(":", 1)[0] for line in front.splitlines() if re.match(r"\w+:", line)}
    assert used <= keys


def _keys(value: object) -> list[str]:
    """Every key of a JSON value, depth first, the first item standing for each list."""
    if isinstance(value, list):
        return _keys(value[0]) if value else []
    if not isinstance(value, dict):
        return []
    return [part for key, item in value.items() for part in (key, *_keys(item))]


def test_the_record_example_names_every_field_of_a_record() -> None:
    record = event_record(load_dataset().dataset.events[0])
    documented = re.findall(r'"(\w+)"', _yaml_block_after("#### The event record"))
    assert documented == _keys(record)


def test_the_documented_csv_header_is_the_real_one() -> None:
    assert f"`{', '.join(CSV_COLUMNS)}`" in README.read_text(encoding="utf-8")
