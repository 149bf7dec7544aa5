"""The matching normalisation and its offset map, display sanitising, and invisibles."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from timeline.provenance import ArticleText
from timeline.text import (
    INVISIBLE_NAMES,
    fold_case,
    invisible_characters,
    normalize,
    normalize_with_map,
    normalize_with_offsets,
    sanitize,
    sanitize_keeping_offsets,
)

DECOMPOSED_TAIL = "Cafe\u0301"
"""Appended to an input to force `normalize_with_map` off its NFC fast path."""


def _check_map(text: str) -> None:
    """The invariants of `normalize_with_map`, from its docstring."""
    normalised, starts, ends = normalize_with_map(text)
    assert normalised == normalize(text)
    assert len(starts) == len(ends) == len(normalised)
    assert starts == sorted(starts)
    assert ends == sorted(ends)
    for i, char in enumerate(normalised):
        assert 0 <= starts[i] < ends[i] <= len(text)
        source = text[starts[i] : ends[i]]
        if char == " ":
            assert source.isspace()  # a collapsed run maps to whitespace only
        else:
            assert not any(c.isspace() for c in source)


def _normalises_to(text: str, expected: str) -> None:
    """`normalize` and `normalize_with_map` both give `expected`, on the fast path (NFC
    input) and the slow path (the same input with a decomposed word after it)."""
    assert normalize(text) == expected
    assert normalize_with_map(text)[0] == expected
    _check_map(text)
    longer = f"{text} {DECOMPOSED_TAIL}"
    expected_longer = f"{expected} Café" if expected else "Café"
    assert normalize(longer) == expected_longer
    assert normalize_with_map(longer)[0] == expected_longer
    _check_map(longer)


# -- one rule at a time ----------------------------------------------------------------


def test_nfc_composes_decomposed_characters() -> None:
    assert "Cafe\u0301" != "Café"
    _normalises_to("Cafe\u0301", "Café")
    _normalises_to("Café", "Café")
    _normalises_to("A\u030a", "\u00c5")
    _normalises_to("\u212b", "\u00c5")  # ANGSTROM SIGN is canonically Å


def test_nfc_orders_combining_marks() -> None:
    # Dot below (class 220) sorts before acute (230), and then composes with the e.
    assert normalize("e\u0301\u0323") == normalize("e\u0323\u0301") == "\u1eb9\u0301"
    _normalises_to("e\u0301\u0323", "\u1eb9\u0301")


def test_nfc_composes_across_class_zero_characters() -> None:
    # Hangul jamo and some Indic vowel signs have combining class 0 yet compose with
    # the character before them; the map must not cut between them.
    _normalises_to("\u1100\u1161", "\uac00")  # 가
    _normalises_to("\u1100\u1161\u11a8", "\uac01")  # 각
    _normalises_to("\u0b47\u0b3e", "\u0b4b")  # Oriya o
    _normalises_to("\u0bc6\u0bbe", "\u0bca")  # Tamil o
    _normalises_to("x\u0f72\u0f73", "x\u0f71\u0f72\u0f72")  # Tibetan: decomposes and sorts


@pytest.mark.parametrize("curly", ["‘", "’", "‚", "‛", "′", "‹", "›"])
def test_single_quotes_fold_to_straight(curly: str) -> None:
    _normalises_to(f"{curly}deterrence{curly}", "'deterrence'")
    _normalises_to("'deterrence'", "'deterrence'")


@pytest.mark.parametrize("curly", ["“", "”", "„", "‟", "″", "«", "»"])
def test_double_quotes_fold_to_straight(curly: str) -> None:
    _normalises_to(f"{curly}missile{curly}", '"missile"')
    _normalises_to('"missile"', '"missile"')


@pytest.mark.parametrize(
    "dash",
    [
        "\u2010",  # hyphen
        "\u2011",  # non-breaking hyphen
        "\u2012",  # figure dash
        "\u2013",  # en dash
        "\u2014",  # em dash
        "\u2015",  # horizontal bar
        "\u2212",  # minus sign
        "\ufe58",  # small em dash
        "\ufe63",  # small hyphen-minus
        "\uff0d",  # full-width hyphen-minus
    ],
)
def test_dashes_fold_to_hyphen_minus(dash: str) -> None:
    _normalises_to(f"Japan{dash}U.S.", "Japan-U.S.")


@pytest.mark.parametrize(
    "run",
    [
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\u00a0",  # no-break space
        "\u2003",  # em space
        "\u2000",  # en quad (NFC turns it into an en space)
        "\u0085",  # next line
        "\u3000",  # ideographic space
        " \t\u00a0\n\u2003\u0085 ",
    ],
)
def test_whitespace_runs_collapse_to_one_space(run: str) -> None:
    _normalises_to(f"joint{run}statement", "joint statement")


def test_leading_and_trailing_whitespace_is_dropped() -> None:
    _normalises_to(" \u00a0\tjoint statement\n\u2003 ", "joint statement")
    _normalises_to(" \n\t ", "")
    _normalises_to("", "")


def test_case_is_kept() -> None:
    _normalises_to("Joint STATEMENT", "Joint STATEMENT")
    assert normalize("Summit") != normalize("summit")


@pytest.mark.parametrize(
    ("compatible", "plain"),
    [("ｆｕｌｌ", "full"), ("ﬁnal", "final"), ("①", "1"), ("x²", "x2"), ("ｶ", "カ")],
)
def test_compatibility_equivalents_are_not_folded(compatible: str, plain: str) -> None:
    # NFKC would make these equal; matching uses NFC, so a quote stays verbatim.
    assert unicodedata.normalize("NFKC", compatible) == plain
    _normalises_to(compatible, compatible)
    assert normalize(compatible) != normalize(plain)


def test_fold_case_is_the_case_folded_matching_form() -> None:
    assert fold_case("  “Straße”  Summit ") == '"strasse" summit'
    assert fold_case("CAFE\u0301") == fold_case("café")


# -- the map ---------------------------------------------------------------------------


def test_map_points_composed_characters_at_all_their_parts() -> None:
    normalised, starts, ends = normalize_with_map("Cafe\u0301 au\u00a0 lait")
    assert normalised == "Café au lait"
    assert (starts[3], ends[3]) == (3, 5)  # é came from "e\u0301"
    assert (starts[4], ends[4]) == (5, 6)  # the first space
    assert (starts[7], ends[7]) == (8, 10)  # NBSP + space, one run
    assert (starts[8], ends[8]) == (10, 11)


_MAP_ALPHABET = (
    "abcXYZ.é"
    "\u0301\u0308\u0327\u0323\u0345"  # combining marks
    "\u0f72\u0f73\u1100\u1161\u11a8\u0b47\u0b3e\u212b"  # class 0 yet NFC-sensitive
    " \t\n\r\u00a0\u2000\u2003\u0085\u3000"  # whitespace
    "'\"‘’“”«»′″"  # quotes
    "-‐‑‒–—―−－"  # dashes
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_MAP_ALPHABET, max_size=24))
@example(" \u0301\u0f73a")
@example("\u1100\u1161\u11a8\u11a8 \u0b47\u0b3e")
def test_map_invariants(text: str) -> None:
    _check_map(text)
    normalised, starts, ends = normalize_with_map(text)
    # Any run of whole output units that begins and ends on a non-space character is
    # what the matching source slice normalises to.
    firsts = [i for i in range(len(normalised)) if i == 0 or starts[i - 1] != starts[i]]
    lasts = [
        j for j in range(len(normalised)) if j == len(normalised) - 1 or ends[j + 1] != ends[j]
    ]
    for i in firsts:
        if normalised[i] == " ":
            continue
        for j in lasts:
            if j >= i and normalised[j] != " ":
                assert normalize(text[starts[i] : ends[j]]) == normalised[i : j + 1]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_map_agrees_with_normalize_on_any_text(text: str) -> None:
    _check_map(text)


def _check_offsets(text: str) -> None:
    """`normalize_with_offsets` gives the text and, character by character, the map of
    the reference `normalize_with_map`."""
    normalised, starts, ends = normalize_with_map(text)
    fast, offsets = normalize_with_offsets(text)
    assert fast == normalised
    assert [offsets.start(i) for i in range(len(normalised))] == starts
    assert [offsets.end(i) for i in range(len(normalised))] == ends


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_MAP_ALPHABET, max_size=40))
@example("  a  b\u00a0\u00a0c \n\n d  ")
@example("Cafe\u0301  au\u00a0 lait\u3000\u3000")
@example("\u1100\u1161\u11a8  x\u0f72\u0f73  y")
def test_offset_map_agrees_with_the_reference_map(text: str) -> None:
    _check_offsets(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_offset_map_agrees_on_any_text(text: str) -> None:
    _check_offsets(text)


def test_offset_map_agrees_on_an_article() -> None:
    # Paragraphs, indented lines, CRLF, curly quotes and dashes: the shape of real copy,
    # on the fast path (NFC) and, with a decomposed word, the slow one.
    paragraph = "  He said \u201cno\u201d \u2014 twice.\r\n  Then  left.\n\n"
    _check_offsets(paragraph * 50)
    _check_offsets(paragraph * 50 + DECOMPOSED_TAIL)


def test_article_text_finds_quotes_where_the_reference_map_puts_them() -> None:
    article = "Title\n\n  The  minister said\u00a0\u201cwe will\n   act\u201d today.\n"
    found = ArticleText(article).locate(normalize('The minister said "we will act"'))
    assert found is not None
    start, end, line, column, _ = found
    _, starts, ends = normalize_with_map(article)
    at = normalize(article).find('The minister said "we will act"')
    assert (start, end) == (starts[at], ends[at + 30])
    assert article[start:end] == "The  minister said\u00a0\u201cwe will\n   act\u201d"
    assert (line, column) == (3, 3)
    assert ArticleText(article).locate(normalize("minister said nothing")) is None


# -- sanitize --------------------------------------------------------------------------

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize(
    "attack",
    [
        "\x1b[2J",  # clear screen
        "\x1b]52;c;aGVsbG8=\x07",  # OSC 52: set the clipboard
        "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
        "\x1bc",  # full reset
        "\x9b2J",  # C1 CSI
        "\x9d0;title\x9c",  # C1 OSC … ST
    ],
)
def test_escape_sequences_are_defused(attack: str) -> None:
    for keep in (False, True):
        shown = sanitize(f"before {attack} after", keep_newlines=keep)
        assert _UNSAFE.search(shown) is None
        assert shown.startswith("before ") and shown.endswith(" after")


def test_control_characters_become_visible_symbols() -> None:
    assert sanitize("\x1b[2J") == "␛[2J"
    assert sanitize("a\x00b") == "a␀b"
    assert sanitize("a\x7fb") == "a␡b"
    assert sanitize("a\x9bb") == "a⍰b"
    assert sanitize("a\x85b") == "a⍰b"
    assert sanitize("a\rb") == "a␍b"


def test_tabs_become_spaces() -> None:
    shown = sanitize("a\tb")
    assert "\t" not in shown
    assert shown.startswith("a") and shown.endswith("b") and set(shown[1:-1]) == {" "}


def test_newlines_are_kept_only_when_asked() -> None:
    assert sanitize("a\nb") == "a␊b"
    assert sanitize("a\nb", keep_newlines=True) == "a\nb"
    assert sanitize("a\r\nb", keep_newlines=True) == "a\nb"
    assert sanitize("a\rb\x0bc\x0cd", keep_newlines=True) == "a␍b␋c␌d"


@pytest.mark.parametrize("char", "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
def test_bidi_overrides_and_isolates_are_shown_by_code_point(char: str) -> None:
    assert sanitize(f"a{char}b") == f"a⟪U+{ord(char):04X}⟫b"


_SANITIZE_ALPHABET = st.one_of(
    st.characters(max_codepoint=0xA0),
    st.sampled_from("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2028é東"),
)


@settings(max_examples=300)
@given(st.one_of(st.text(_SANITIZE_ALPHABET, max_size=30), st.text(max_size=30)), st.booleans())
def test_sanitized_text_has_no_control_or_bidi_characters(text: str, keep: bool) -> None:
    shown = sanitize(text, keep_newlines=keep)
    unsafe = _UNSAFE.findall(shown)
    assert unsafe == (["\n"] * shown.count("\n") if keep else [])
    assert _BIDI.search(shown) is None
    if keep:
        assert shown.count("\n") == text.replace("\r\n", "\n").count("\n")


@settings(max_examples=200)
@given(st.text(max_size=30), st.booleans())
def test_safe_text_is_returned_unchanged(text: str, keep: bool) -> None:
    safe = _BIDI.sub("", _UNSAFE.sub("", text))
    assert sanitize(safe, keep_newlines=keep) == safe


@settings(max_examples=200)
@given(st.text(_SANITIZE_ALPHABET, max_size=30))
def test_sanitize_keeping_offsets_is_one_character_for_one(text: str) -> None:
    shown = sanitize_keeping_offsets(text)
    assert len(shown) == len(text)
    assert set(_UNSAFE.findall(shown)) <= {"\n"}
    assert _BIDI.search(shown) is None
    assert "\u2028" not in shown and "\u2029" not in shown
    for i, char in enumerate(text):
        if not (_UNSAFE.match(char) or _BIDI.match(char) or char in "\u2028\u2029"):
            assert shown[i] == char


# -- invisible characters --------------------------------------------------------------


def test_invisible_characters_are_found_with_offsets() -> None:
    text = "a\u200bb\u202ec\u2066d\ufeff\u00ad"
    assert invisible_characters(text) == [
        (1, "ZERO WIDTH SPACE"),
        (3, "RIGHT-TO-LEFT OVERRIDE"),
        (5, "LEFT-TO-RIGHT ISOLATE"),
        (7, "ZERO WIDTH NO-BREAK SPACE"),
        (8, "SOFT HYPHEN"),
    ]
    assert invisible_characters("plain text, “quoted” — fine") == []


def test_invisible_names_are_the_unicode_names() -> None:
    for char, name in INVISIBLE_NAMES.items():
        assert unicodedata.name(char) == name


@settings(max_examples=200)
@given(st.text(st.sampled_from(["a", " ", "é", *INVISIBLE_NAMES]), max_size=20))
def test_invisible_characters_finds_every_one(text: str) -> None:
    found = invisible_characters(text)
    assert [offset for offset, _ in found] == [
        i for i, c in enumerate(text) if c in INVISIBLE_NAMES
    ]
    assert all(unicodedata.name(text[offset]) == name for offset, name in found)
