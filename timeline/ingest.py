"""Turn a saved article into a dataset source: `sources/<id>.txt` with its front matter.

A saved web page (`.html`, `.htm`) goes through trafilatura, a maintained article
extractor: it keeps the article's own text (menus, links, ads and comments are left
out) and reads the title, date, site name and author from the page's metadata. A `.md`
or `.txt` file is taken as it is. What the page does not say must be given (`--title`,
`--outlet`, `--published`, `--kind`): nothing is guessed, and what is still missing is
an error. The original file's name and SHA-256 are recorded (`origin`, `sha256`), so
the source can always be traced back to the file it came from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from timeline.edit import slug, yaml_string
from timeline.model import MAX_SOURCE_BYTES

__all__ = [
    "ARTICLE_SUFFIXES",
    "Article",
    "IngestError",
    "missing_fields",
    "read_article",
    "source_text",
]

ARTICLE_SUFFIXES = (".html", ".htm", ".md", ".txt")
"""The kinds of file that `read_article` takes."""
MIN_ARTICLE_CHARACTERS = 200
"""Less main text than this in a page is not an article (a front page, a menu, an
error page); an article that short can still be given as a .txt file."""
_REQUIRED = ("title", "outlet", "published", "kind")


class IngestError(Exception):
    """The file cannot become a source; `code` is the diagnostic code to report."""

    def __init__(self, message: str, code: str = "not-an-article") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Article:
    """An article's text and what is known about it (None: not known)."""

    text: str
    origin: str
    sha256: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    published_basis: str | None = None
    byline: str | None = None
    url: str | None = None
    extractor: str | None = None
    """The extractor and its version, when the text was extracted from a page."""

    def source_id(self) -> str:
        """The id a source of this article gets: outlet, date and title, as a slug."""
        return slug(self.outlet or "", self.published or "", self.title or "", limit=80)


def read_article(path: Path) -> Article:
    """Read a saved page (`.html`, `.htm`) or a text file (`.md`, `.txt`).

    Raises:
        IngestError: the file cannot be read, is not UTF-8 text, is of another kind, or
            holds no article text.
    """
    suffix = path.suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        raise IngestError(
            f"{path.name} is not a saved article: give an .html or .htm page, or a .md or .txt text"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror or exc}", "read-error") from None
    if len(data) > MAX_SOURCE_BYTES:  # the loader would refuse it
        raise IngestError(f"{path.name} is over {MAX_SOURCE_BYTES:,} bytes", "too-large")
    digest = hashlib.sha256(data).hexdigest()
    if suffix in (".md", ".txt"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise IngestError(
                f"the file is not UTF-8 text: byte 0x{data[exc.start]:02X} at offset "
                f"{exc.start} cannot be decoded",
                "encoding",
            ) from None
        if "\x00" in text or not text.strip():
            raise IngestError(f"{path.name} holds no text")
        return Article(text=text, origin=path.name, sha256=digest)
    return _extract(data, path.name, digest)


def _extract(data: bytes, origin: str, digest: str) -> Article:
    """The main text and metadata of a saved web page, by trafilatura."""
    import trafilatura  # only for pages: it takes a while to import
    from trafilatura.settings import set_date_params

    # Dates from the page's markup only (no "extensive search" through its text, which
    # would guess); the original publication date, not the last update.
    found = trafilatura.bare_extraction(
        data,
        with_metadata=True,
        include_comments=False,
        date_extraction_params=set_date_params(extensive=False),
    )
    fields: dict[str, object] = {}
    if found is not None:
        fields = found if isinstance(found, dict) else found.as_dict()
    text = _value(fields.get("text")) or ""
    if len(text) < MIN_ARTICLE_CHARACTERS:
        raise IngestError(
            f"{len(text)} characters of article text found in {origin}: it does not look "
            "like an article's page (save the article's own page, or give its text as a "
            ".txt file)"
        )
    title = _value(fields.get("title"))
    # Paragraphs one per line, as trafilatura gives them, with a blank line between
    # (as the bundled articles have); the headline first, as printed above the article.
    body = "\n\n".join(line.strip() for line in text.split("\n") if line.strip())
    if title and not body.startswith(title):
        body = f"{title}\n\n{body}"
    return Article(
        text=body + "\n",
        origin=origin,
        sha256=digest,
        title=title,
        outlet=_value(fields.get("sitename")),
        published=(published := _value(fields.get("date"))),
        published_basis="the publication date in the saved page's metadata" if published else None,
        byline=_value(fields.get("author")),
        url=_value(fields.get("url")),
        extractor=f"trafilatura {getattr(trafilatura, '__version__', '')}".strip(),
    )


def _value(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def missing_fields(article: Article, kind: str | None) -> list[str]:
    """The required front-matter fields that neither the file nor the flags give."""
    return [name for name in _REQUIRED if not (kind if name == "kind" else getattr(article, name))]


def source_text(article: Article, source_id: str, kind: str) -> str:
    """The source file: front matter (every value double-quoted), then the text."""
    notes = None
    if article.extractor:
        where = f" of {article.url}" if article.url else ""
        notes = (
            f"Text and metadata extracted by {article.extractor} from the saved page"
            f"{where}: only the article's main text is kept (the page's menus, links "
            "and comments are left out)."
        )
    fields = {
        "id": source_id,
        "title": article.title,
        "outlet": article.outlet,
        "published": article.published,
        "published_basis": article.published_basis,
        "kind": kind,
        "byline": article.byline,
        "origin": article.origin,
        "sha256": article.sha256,
        "notes": notes,
    }
    front = [f"{key}: {yaml_string(value)}" for key, value in fields.items() if value]
    return "\n".join(["---", *front, "---"]) + "\n" + article.text
