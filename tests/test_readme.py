"""The README's and the docs' examples are real: the data-format examples load and
their quotes are proved, and the event record and CSV header they document are the ones
the commands write. The README keeps a brief example; docs/ holds the full reference."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from timeline.interchange.export import CSV_COLUMNS, event_record
from timeline.loader import bundled_dataset_path, load_dataset
from timeline.text import normalize

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DATA_FORMAT = ROOT / "docs" / "data-format.md"
CLI = ROOT / "docs" / "cli.md"


def _yaml_block_after(heading: str, page: Path = DATA_FORMAT) -> str:
    text = page.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    match = re.search(r"```(?:yaml|text)\n(.*?)```", section, re.DOTALL)
    assert match is not None, f"no code block after {heading} in {page.name}"
    return match.group(1)


@pytest.mark.parametrize(
    ("page", "heading"),
    [(DATA_FORMAT, "## `events.yaml`"), (README, "## The data format in brief")],
)
def test_the_events_example_loads_against_the_bundled_article(
    tmp_path: Path, page: Path, heading: str
) -> None:
    (tmp_path / "events.yaml").write_text(_yaml_block_after(heading, page), "utf-8")
    (tmp_path / "sources").mkdir()
    source = bundled_dataset_path() / "sources" / "yomiuri-2023-01-14-summit-report.txt"
    shutil.copy(source, tmp_path / "sources" / source.name)

    loaded = load_dataset(tmp_path)

    (event,) = loaded.dataset.events
    (quote,) = event.quotes
    article = loaded.dataset.source(quote.source_id).text
    assert normalize(article[quote.span.start : quote.span.end]) == normalize(quote.text)
    assert event.date.text == "2023-01-13"
    assert loaded.dataset.title == "Japan and the U.S. in space"
    assert loaded.warnings == ()


def test_the_readme_links_every_page_it_moved_to_docs() -> None:
    readme = README.read_text(encoding="utf-8")
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"](docs/{page.name})" in readme, page.name
    assert len(readme.encode("utf-8")) < 12_500  # for a new user: the rest is in docs/


def test_the_front_matter_example_names_every_source_field() -> None:
    example = _yaml_block_after("## `sources/<id>.txt`")
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
    documented = re.findall(r'"(\w+)"', _yaml_block_after("#### The event record", CLI))
    assert documented == _keys(record)


def test_the_documented_csv_header_is_the_real_one() -> None:
    assert f"`{', '.join(CSV_COLUMNS)}`" in CLI.read_text(encoding="utf-8")
