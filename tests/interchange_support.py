"""Small in-memory datasets for the interchange tests, built straight from the model.

Quotes are located with `str.find`, so spans are exact for the plain ASCII-ish texts used
here; the bundled dataset (through the real loader) covers the rest.
"""

from __future__ import annotations

from timeline.dates import parse_edtf
from timeline.model import Dataset, Event, Quote, Source, SourceKind, Span, Status, Theme

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> [click](javascript:alert(1))'
"""Text that would run or link somewhere if any format let it through unescaped."""

ESCAPES = "\x1b[2J\x1b]52;c;SGVsbG8=\x07\u202e"
"""Terminal control sequences and a bidi override."""


def make_source(
    source_id: str,
    text: str,
    *,
    title: str = "A report",
    outlet: str = "The Daily",
    published: str = "2023-01-14",
) -> Source:
    return Source(
        id=source_id,
        title=title,
        outlet=outlet,
        published=parse_edtf(published),
        published_basis=None,
        kind=SourceKind.REPORT,
        byline=None,
        credit=None,
        path=f"sources/{source_id}.txt",
        text=text,
        body_line=5,
    )


def quote_of(source: Source, text: str) -> Quote:
    start = source.text.index(text)
    before = source.text[:start]
    line = before.count("\n") + source.body_line
    column = start - (before.rfind("\n") + 1) + 1
    return Quote(source.id, text, Span(start, start + len(text), line, column))


def make_event(
    event_id: str,
    date: str,
    quotes: tuple[Quote, ...],
    *,
    title: str = "An event",
    summary: str = "Something happened.",
    themes: tuple[str, ...] = ("alpha",),
    status: Status = Status.OCCURRED,
    date_basis: str | None = None,
    actors: tuple[str, ...] = ("Someone",),
    places: tuple[str, ...] = ("Somewhere",),
) -> Event:
    return Event.new(
        id=event_id,
        date=parse_edtf(date),
        title=title,
        summary=summary,
        themes=themes,
        actors=actors,
        places=places,
        status=status,
        date_basis=date_basis,
        quotes=quotes,
    )


ARTICLE_ONE = (
    "Leaders met in the capital on Friday and agreed to deepen cooperation.\n"
    "\n"
    "They will meet again in May at a summit in the north of the country.\n"
    "A treaty signed last year was praised by both sides as a turning point."
)
ARTICLE_TWO = (
    "Ministers said the space agreement covers lunar exploration and satellites; "
    "both sides waive damages for accidents in joint projects."
)


def small_dataset() -> Dataset:
    """Three themes, two articles and four events at day, month, year and interval
    precision, one of them approximate and one planned."""
    one = make_source("daily-report", ARTICLE_ONE, outlet="The Daily")
    two = make_source(
        "weekly-analysis", ARTICLE_TWO, title="Space pact", outlet="The Weekly", published="2023-02"
    )
    events = (
        make_event(
            "leaders-meet",
            "2023-01-13",
            (
                quote_of(one, "Leaders met in the capital on Friday and agreed to deepen"),
                quote_of(two, "the space agreement covers lunar exploration"),
            ),
            title="Leaders meet",
            themes=("alpha", "beta"),
            date_basis="'on Friday' in the report of 14 Jan 2023",
        ),
        make_event(
            "summit-may",
            "2023-05",
            (quote_of(one, "They will meet again in May at a summit in the north"),),
            title="Summit in the north",
            themes=("beta",),
            status=Status.PLANNED,
        ),
        make_event(
            "treaty-signed",
            "2022~",
            (quote_of(one, "A treaty signed last year was praised by both sides"),),
            title="Treaty signed",
            themes=("gamma", "alpha"),
        ),
        make_event(
            "space-talks",
            "2022-11-02/2022-11-04",
            (quote_of(two, "both sides waive damages for accidents in joint projects"),),
            title="Space talks",
            themes=("gamma",),
        ),
    )
    themes = (
        Theme("alpha", "Alpha & co", "The first theme."),
        Theme("beta", "Beta", "The second theme."),
        Theme("gamma", "Gamma", "The third theme."),
    )
    return Dataset("/data/small", themes, (one, two), events)


def hostile_dataset() -> Dataset:
    """One event whose every field carries markup, script, links and escape sequences;
    its article contains the same, inside and around the quote."""
    text = f"Before {HOSTILE} the quoted words {ESCAPES} after </script><!-- end"
    source = make_source("hostile", text, title=HOSTILE, outlet=f"Outlet {HOSTILE}")
    quote = quote_of(source, f"{HOSTILE} the quoted words")
    event = make_event(
        "hostile-event",
        "2023-03-01",
        (quote,),
        title=f"Title {HOSTILE} {ESCAPES}",
        summary=f"# Not a heading {HOSTILE}\n\n- not a list; comma, backslash \\",
        themes=("bad",),
        actors=(HOSTILE,),
        places=(f"Place, {ESCAPES}",),
        date_basis=HOSTILE,
    )
    themes = (Theme("bad", f"Bad {HOSTILE}", f"Desc {HOSTILE}"),)
    return Dataset("/data/hostile", themes, (source,), (event,))
