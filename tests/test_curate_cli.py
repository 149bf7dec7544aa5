"""The curation commands as a user runs them, in a subprocess: new, add-theme,
add-source, add-event, add-quote, with their refusals and exit codes.

The real page is a FiveThirtyEight article saved by trafilatura's authors for their
own tests (tests/resources/webpage.html.gz in trafilatura's sdist, Apache-2.0): see
tests/fixtures/pages/README.md.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from timeline import cli
from timeline.loader import bundled_dataset_path, load_dataset

PAGE = Path(__file__).parent / "fixtures" / "pages" / "fivethirtyeight-manchin-2021.html.gz"
PAGE_SOURCE = "fivethirtyeight-2021-10-25-could-manchin-actually-leave-the-democratic-party"
PAGE_QUOTE = "Since 1951, just 34 sitting members of Congress have switched parties"
YOMIURI = "yomiuri-2023-01-14-summit-report"
YOMIURI_QUOTE = "The U.S. president commended the Japanese government for its efforts"
DIAGNOSTIC = re.compile(r"^\S+:\d+:\d+: error \[[a-z-]+\] ", re.MULTILINE)


def timeline(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "timeline", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A new dataset with the Yomiuri article and one theme."""
    path = tmp_path / "tl"
    assert timeline("new", path).returncode == 0
    (path / "sources" / f"{YOMIURI}.txt").write_bytes(
        (bundled_dataset_path() / "sources" / f"{YOMIURI}.txt").read_bytes()
    )
    added = timeline("add-theme", "alliance", path, "--label", "Alliance", "--description", "x")
    assert added.returncode == 0, added.stderr
    return path


def _add_event(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return timeline(
        "add-event", path, "--date", "2023-01-13", "--title", "Kishida meets Biden",
        "--summary", "They met at the White House.", "--status", "occurred",
        "--theme", "alliance", "--source", YOMIURI, "--quote", YOMIURI_QUOTE, *extra,
    )  # fmt: skip


def test_new_makes_a_dataset_that_passes_check_and_refuses_a_non_empty_folder(
    tmp_path: Path,
) -> None:
    made = timeline("new", tmp_path / "fresh")
    assert made.returncode == 0, made.stderr
    events = (tmp_path / "fresh" / "events.yaml").read_text("utf-8")
    assert events.startswith("# yaml-language-server: $schema=events.schema.json\n")
    assert (tmp_path / "fresh" / "events.schema.json").is_file()
    assert (tmp_path / "fresh" / "sources").is_dir()
    checked = timeline("check", tmp_path / "fresh")
    assert checked.returncode == 0 and checked.stdout.startswith("ok: 0 events")

    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine", "utf-8")
    refused = timeline("new", tmp_path / "busy")
    assert refused.returncode == 2
    assert "not empty" in refused.stderr and "Traceback" not in refused.stderr
    assert os.listdir(tmp_path / "busy") == ["notes.txt"]


def test_add_event_then_list_shows_it_at_once(folder: Path) -> None:
    assert timeline("list", folder, "--format", "plain").stdout == ""  # the store is warm
    added = _add_event(folder, "--actor", "Fumio Kishida", "--place", "Washington")
    assert added.returncode == 0, added.stderr
    assert "added event 'kishida-meets-biden-2023-01-13'" in added.stdout
    listed = timeline("list", folder, "--format", "plain")
    assert listed.stdout.split("\t")[:2] == ["2023-01-13", "kishida-meets-biden-2023-01-13"]
    (event,) = load_dataset(folder).dataset.events
    assert (event.actors, event.places, event.themes) == (
        ("Fumio Kishida",),
        ("Washington",),
        ("alliance",),
    )
    assert timeline("check", folder).returncode == 0


def test_add_event_refusals_write_nothing(folder: Path) -> None:
    assert _add_event(folder, "--id", "x").returncode == 0
    cases = {
        "no quote": ("add-event", folder, "--date", "2023", "--title", "T", "--summary", "S",
                     "--status", "occurred"),
        "bad date": ("add-event", folder, "--date", "2023-13", "--title", "T", "--summary", "S",
                     "--status", "occurred", "--source", YOMIURI, "--quote", YOMIURI_QUOTE),
        "unknown theme": ("add-event", folder, "--date", "2023", "--title", "T", "--summary",
                          "S", "--status", "occurred", "--theme", "alliances", "--source",
                          YOMIURI, "--quote", YOMIURI_QUOTE),
        "unknown source": ("add-event", folder, "--date", "2023", "--title", "T", "--summary",
                           "S", "--status", "occurred", "--source", "yomiuri", "--quote", "q"),
        "taken id": ("add-event", folder, "--id", "x", "--date", "2023", "--title", "T",
                     "--summary", "S", "--status", "occurred", "--source", YOMIURI, "--quote",
                     YOMIURI_QUOTE),
    }  # fmt: skip
    after_first = (folder / "events.yaml").read_bytes()
    for name, args in cases.items():
        result = timeline(*args)
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr
        assert (folder / "events.yaml").read_bytes() == after_first, name
    assert "did you mean 'alliance'" in timeline(*cases["unknown theme"]).stderr


def test_a_quote_that_is_not_verbatim_is_refused_with_the_near_miss_hint(folder: Path) -> None:
    assert _add_event(folder).returncode == 0
    before = (folder / "events.yaml").read_bytes()
    wrong = YOMIURI_QUOTE.replace("U.S.", "US")
    result = timeline("add-quote", "kishida-meets-biden-2023-01-13", YOMIURI, folder,
                      "--quote", wrong)  # fmt: skip
    assert result.returncode == 1
    assert DIAGNOSTIC.search(result.stderr), result.stderr
    assert "[quote-not-found]" in result.stderr
    assert "closest passage" in result.stderr and "first difference" in result.stderr
    assert (folder / "events.yaml").read_bytes() == before


def test_add_quote_by_text_and_by_span(folder: Path) -> None:
    assert _add_event(folder).returncode == 0
    event = "kishida-meets-biden-2023-01-13"
    quote = "The two leaders also agreed to work closely together to promote unity"
    assert timeline("add-quote", event, YOMIURI, folder, "--quote", quote).returncode == 0
    sentence = "The summit talks in Washington lasted about two hours"
    lines = (folder / "sources" / f"{YOMIURI}.txt").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith(sentence))
    span = timeline("add-quote", event, YOMIURI, folder, "--span", f"{line}:1-{line}:53")
    assert span.returncode == 0, span.stderr
    quotes = load_dataset(folder).dataset.event(event).quotes
    assert [q.text for q in quotes][1:] == [
        quote,
        sentence,
    ]
    assert quotes[2].span.line == line and quotes[2].span.column == 1
    short = timeline(
        "add-quote", event, YOMIURI, folder, "--quote", "full support for Japan’s efforts"
    )
    assert short.returncode == 0 and "warning [quote-short]" in short.stderr  # only the new one
    assert short.stderr.count("warning") == 1
    outside = timeline("add-quote", event, YOMIURI, folder, "--span", "2:1-2:5")
    assert outside.returncode == 2 and "not a character of the article" in outside.stderr
    unknown = timeline("add-quote", "kishida", YOMIURI, folder, "--quote", quote)
    assert unknown.returncode == 2 and "did you mean 'kishida-meets-biden" in unknown.stderr


def test_a_real_saved_news_page_becomes_a_source_that_passes_check(
    folder: Path, tmp_path: Path
) -> None:
    page = tmp_path / "manchin.html"
    page.write_bytes(gzip.decompress(PAGE.read_bytes()))
    missing = timeline("add-source", page, folder)
    assert missing.returncode == 2 and "--kind" in missing.stderr

    added = timeline("add-source", page, folder, "--kind", "analysis")
    assert added.returncode == 0, added.stderr
    assert f"next: timeline add-event {folder}" in added.stdout
    source = load_dataset(folder).dataset.source(PAGE_SOURCE)
    assert source.title == "Could Manchin Actually Leave The Democratic Party?"
    assert source.outlet == "FiveThirtyEight"
    assert source.published.text == "2021-10-25"
    assert source.byline == "Geoffrey Skelley"
    assert source.origin == "manchin.html"
    front = (folder / "sources" / f"{PAGE_SOURCE}.txt").read_text("utf-8")
    assert re.search(r'^sha256: "[0-9a-f]{64}"$', front, re.MULTILINE)
    assert "Skip to main content" not in source.text  # no page furniture

    event = timeline(
        "add-event", folder, "--date", "2021-10", "--title", "Manchin denies he will leave",
        "--summary", "Manchin says he stays a Democrat.", "--status", "occurred",
        "--source", PAGE_SOURCE, "--quote", PAGE_QUOTE,
    )  # fmt: skip
    assert event.returncode == 0, event.stderr
    assert timeline("check", folder).returncode == 0

    again = timeline("add-source", page, folder, "--kind", "analysis")
    assert again.returncode == 2 and "never overwritten" in again.stderr


def test_add_source_never_overwrites_a_file_made_while_it_writes(
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = tmp_path / "manchin.html"
    page.write_bytes(gzip.decompress(PAGE.read_bytes()))
    target = folder / "sources" / f"{PAGE_SOURCE}.txt"
    checked = cli._check_source

    def meanwhile(text: str, source_id: str) -> None:
        checked(text, source_id)
        target.write_text("the user's own notes\n", "utf-8")  # another program, just now

    monkeypatch.setattr(cli, "_check_source", meanwhile)
    assert cli.main(["add-source", str(page), str(folder), "--kind", "analysis"]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert target.read_text("utf-8") == "the user's own notes\n"
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_add_source_refuses_what_is_not_an_article(folder: Path, tmp_path: Path) -> None:
    menu = tmp_path / "front.html"
    menu.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", "utf-8")
    result = timeline("add-source", menu, folder, "--kind", "report", "--title", "T",
                      "--outlet", "O", "--published", "2024")  # fmt: skip
    assert result.returncode == 1
    assert DIAGNOSTIC.search(result.stderr) and "[not-an-article]" in result.stderr
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert "[not-an-article]" in timeline("add-source", pdf, folder).stderr
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9".encode("latin-1"))
    assert "[encoding]" in timeline("add-source", latin, folder).stderr
    assert os.listdir(folder / "sources") == [f"{YOMIURI}.txt"]


def test_a_text_file_is_taken_as_it_is(folder: Path, tmp_path: Path) -> None:
    article = tmp_path / "note.md"
    article.write_text("# A note\n\nSome *text* kept exactly as written.\n", "utf-8")
    result = timeline("add-source", article, folder, "--title", "A note", "--outlet",
                      "My Blog", "--published", "2024-04~", "--kind", "analysis")  # fmt: skip
    assert result.returncode == 0, result.stderr
    source = load_dataset(folder).dataset.source("my-blog-2024-04-a-note")
    assert source.text == article.read_text("utf-8")
    bad = timeline("add-source", article, folder, "--id", "other", "--title", "A", "--outlet",
                   "B", "--published", "2024-99", "--kind", "report")  # fmt: skip
    assert bad.returncode == 2 and "--published 2024-99" in bad.stderr


def test_a_span_outside_the_article_names_its_real_lines(folder: Path) -> None:
    assert _add_event(folder).returncode == 0
    article = (folder / "sources" / f"{YOMIURI}.txt").read_text(encoding="utf-8")
    last = len(article.splitlines())  # the file ends with a newline: no line after it
    outside = timeline("add-quote", "kishida-meets-biden-2023-01-13", YOMIURI, folder,
                       "--span", f"{last + 1}:1-{last + 1}:5")  # fmt: skip
    assert outside.returncode == 2
    assert f"-{last})" in outside.stderr, outside.stderr
