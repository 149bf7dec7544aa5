"""Coverage (`timeline.coverage`, `timeline coverage`): which sentences of each article no
event quotes, with places that are checked against the article files themselves."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from timeline.cli import main
from timeline.coverage import article_coverage, coverage, sentences
from timeline.loader import bundled_dataset_path, load_dataset
from timeline.store import open_dataset


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _split(paragraph: str) -> list[str]:
    return [paragraph[a:b] for a, b in sentences(paragraph)]


def test_sentences_end_at_a_stop_before_a_capital_but_not_after_an_abbreviation() -> None:
    assert _split("U.S. President Biden met him on Aug. 18 in Camp David, Md.  (Getty)") == [
        "U.S. President Biden met him on Aug. 18 in Camp David, Md.  (Getty)"
    ]
    assert _split("They met on April 10th. Evaluating it, “they agreed.” Then   left.") == [
        "They met on April 10th.",
        "Evaluating it, “they agreed.”",
        "Then   left.",
    ]


def test_every_uncited_passage_is_where_it_says_in_the_article_file() -> None:
    dataset = load_dataset(None).dataset
    passages = 0
    for article in coverage(dataset):
        lines = (bundled_dataset_path() / article.path).read_text("utf-8").split("\n")
        for passage in article.uncited:
            line = lines[passage.line - 1]
            assert line[passage.column - 1 :].startswith(passage.text)
            passages += 1
    assert passages > 0


def test_a_paragraph_with_no_quote_is_reported_once_and_a_partly_quoted_one_by_sentence(
    tmp_path: Path,
) -> None:
    source = load_dataset(None).dataset.source("unnamed-tv-2024-04-summit-report")
    text = source.text
    cited = text.index("Specifically, they confirmed")
    result = article_coverage(source, [(cited, cited + 20)])
    kinds = {p.text.split()[0]: p.kind for p in result.uncited}
    assert kinds["Japanese"] == "paragraph"
    assert kinds["The"] == "sentence"  # "The aim is ...", after the quoted sentence
    assert "Specifically," not in kinds
    assert result.sentences == 14 and result.ignored_lines == 1


def test_the_bundled_articles_are_covered_but_for_the_blogs_own_views() -> None:
    figures = {a.source_id: (a.cited, a.sentences) for a in coverage(load_dataset(None).dataset)}
    assert figures["yomiuri-2023-01-14-summit-report"] == (31, 31)
    assert figures["unnamed-blog-2024-04-global-partnership"] == (19, 22)


def test_coverage_command_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "coverage")
    assert code == 0
    assert "sources/unnamed-blog-2024-04-global-partnership.txt:14:537  sentence  Both" in out
    assert out.splitlines()[-1] == "all articles  88 of 91 sentences cited (97%)"
    code, out, _ = _run(capsys, "coverage", "--format", "json")
    report = json.loads(out)
    assert (report["cited"], report["sentences"]) == (88, 91)


def _copy_bundled(tmp_path: Path) -> Path:
    shutil.copytree(bundled_dataset_path() / "sources", tmp_path / "sources")
    shutil.copyfile(bundled_dataset_path() / "events.yaml", tmp_path / "events.yaml")
    return tmp_path


def test_bad_ignore_entries_are_all_reported_with_their_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _copy_bundled(tmp_path)
    tv = folder / "sources" / "unnamed-tv-2024-04-summit-report.txt"
    tv.write_text(
        tv.read_text("utf-8").replace(
            '  - "Japan and US agree', '  - "No such line"\n  - 7\n  - "Japan and US agree'
        ),
        "utf-8",
    )
    blog = folder / "sources" / "unnamed-blog-2024-04-global-partnership.txt"
    blog.write_text(
        blog.read_text("utf-8").replace("ignore:\n  - ", 'ignore: "not a list"\nx:\n  - '), "utf-8"
    )
    code, out, err = _run(capsys, "check", str(folder))
    err += out
    assert code == 1
    assert "unnamed-tv-2024-04-summit-report.txt:11:5: error [bad-ignore] ignore entry " in err
    assert "unnamed-tv-2024-04-summit-report.txt:12:5: error [bad-ignore]" in err
    assert "unnamed-blog-2024-04-global-partnership.txt:10:9: error [wrong-type]" in err
    assert "Traceback" not in err


def test_ignored_lines_survive_the_store(tmp_path: Path) -> None:
    folder = _copy_bundled(tmp_path)
    first = open_dataset(folder).dataset
    again = open_dataset(folder).dataset  # from the store this time
    assert again.source("yomiuri-2023-01-14-summit-report").ignore == (16, 18, 59)
    assert [s.ignore for s in again.sources] == [s.ignore for s in first.sources]
