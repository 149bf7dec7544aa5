"""Quote location (issue 15): one article cited by very many quotes, and the hint for
a very long quote that is not found."""

from __future__ import annotations

import gc
import random
import time
from pathlib import Path

import pytest

import timeline.provenance
from timeline.diagnostics import DatasetError
from timeline.loader import load_dataset
from timeline.provenance import INDEX_AFTER, INDEXED_LENGTH, ArticleText
from timeline.text import normalize


def _article(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


@pytest.mark.parametrize("alphabet", ["ab \n", "abc d", "abcdefghij k", "the cat sat on a mat. "])
def test_many_quotes_are_located_as_one_quote_alone_is(
    alphabet: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past `INDEX_AFTER` searches an article answers from its index: every answer
    (first place, line, column, occurrences, not found) must be the scan's."""
    # Short articles, indexed all the same: the answers, not the speed, are tested here.
    monkeypatch.setattr(timeline.provenance, "INDEX_FROM_LENGTH", 0)
    rng = random.Random(alphabet)
    for _ in range(20):
        text = _article(rng, alphabet, rng.randint(0, 4000))
        article = ArticleText(text)
        normalized = normalize(text)
        needles = []
        for _ in range(INDEX_AFTER + 60):
            if normalized and rng.random() < 0.7:
                at = rng.randrange(len(normalized))
                needle = normalize(normalized[at : at + rng.randint(1, 90)])
            else:
                needle = normalize(_article(rng, alphabet, rng.randint(1, 60)))
            needles.append(needle)
        for needle in needles:
            assert article.locate(needle) == ArticleText(text).locate(needle), needle


def test_a_quote_of_often_repeated_text_counts_up_to_a_hundred() -> None:
    text = "word " * 8000  # long enough to be indexed
    article = ArticleText(text)
    for n in range(INDEX_AFTER + 2):
        found = article.locate(normalize("word " * (8 + n % 5)))
        assert found is not None
        assert found[:2] == (0, len("word " * (8 + n % 5)) - 1)
        assert found[4] == 100


def _time_to_locate(quotes: int, rng: random.Random) -> float:
    """Seconds to locate `quotes` distinct quotes in an article they cover (its length
    grows with their number, as in a dataset that quotes a whole article)."""
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7)) for _ in range(3000)
    ]
    text = " ".join(rng.choice(words) for _ in range(quotes * 40))
    step = len(text) // quotes
    needles = [normalize(text[n * step : n * step + 60]) for n in range(quotes)]
    best = float("inf")
    for _ in range(3):
        article = ArticleText(text)
        article.normalized  # noqa: B018 - preparing the article is not what is timed
        # CPU time, without the collector: other jobs on the machine and a collection
        # landing in one run are not what is measured.
        gc.disable()
        began = time.process_time()
        try:
            for needle in needles:
                assert article.locate(needle) is not None
        finally:
            took = time.process_time() - began
            gc.enable()
        best = min(best, took)
    return best


def test_locating_grows_linearly_with_the_quotes_of_one_article() -> None:
    """Eight times the quotes into an eight times longer article: linear is about 8x
    the time (8-10x measured), quadratic (each quote scanning the article, as before)
    about 64x (64x measured); the bound sits between, for a busy machine."""
    assert INDEXED_LENGTH <= 40  # the quotes below are long enough to be indexed
    rng = random.Random(15)
    small, large = _time_to_locate(2000, rng), _time_to_locate(16000, rng)
    assert large / small < 24, f"{small:.3f}s, then {large:.3f}s for 8x the quotes"


@pytest.mark.parametrize("length", [5_000, 50_000])
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_long_quote_with_one_wrong_character_gets_its_first_difference(
    tmp_path: Path, length: int, where: str
) -> None:
    rng = random.Random(length)
    words = [
        "".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(2, 9)))
        for _ in range(500)
    ]
    article = " ".join(rng.choice(words) for _ in range(3 * length // 5))
    begin = article.index(" ", len(article) // 3) + 1
    quote = article[begin : article.rindex(" ", begin, begin + length)]  # whole words
    at = {"start": 0, "middle": len(quote) // 2, "end": len(quote) - 1}[where]
    if quote[at] == " ":
        at -= 1
    wrong = quote[:at] + "Z" + quote[at + 1 :]
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a.txt").write_text(
        '---\nid: "a"\ntitle: "t"\noutlet: "o"\npublished: "2023"\nkind: "report"\n---\n'
        + article
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "events.yaml").write_text(
        'version: "1"\nthemes: {}\nevents:\n  - id: "e"\n    date: "2023"\n    title: "t"\n'
        '    summary: "s"\n    themes: []\n    status: "occurred"\n    sources:\n'
        f'      - source: "a"\n        quote: "{wrong}"\n',
        encoding="utf-8",
    )
    with pytest.raises(DatasetError) as caught:
        load_dataset(tmp_path)
    (miss,) = caught.value.diagnostics
    assert miss.code == "quote-not-found" and miss.hint is not None
    assert "100% similar" not in miss.hint
    assert "99% similar" in miss.hint
    assert f"the quote has ‘Z’ where the article has ‘{quote[at]}’" in miss.hint
    if at > 200:
        assert f"(character {at + 1} of the quote)" in miss.hint
    else:
        assert "at the start" in miss.hint if at == 0 else "after “" in miss.hint
