"""What was known on a given day: a dataset seen as of a date.

As of day D only the sources certainly published by D count: a source counts from the
latest day its `published` date can mean (`EdtfDate.upper`), so an approximate or ranged
date never lets an article in early. An event appears when one of those sources reports
it, and carries only their quotes. An event that the data says occurred but that is
dated after D (its earliest possible day is later) was then only expected: it shows as
`scheduled`.

These are plain functions over the model, simple enough to be the reference that the
fast path (`Filter.as_of` in `timeline.query.EventIndex`) is tested against.
"""

from __future__ import annotations

from collections.abc import Container, Iterable

import msgspec

from timeline.model import Dataset, Event, EventDetails, Source, Status

__all__ = [
    "as_of_status",
    "dataset_as_of",
    "event_as_of",
    "known_by",
    "publication_days",
    "sources_known",
]


def known_by(source: Source) -> int:
    """The day number from which `source` certainly exists: its latest possible day."""
    return source.published.upper


def sources_known(sources: Iterable[Source], day: int) -> frozenset[str]:
    """The ids of the sources certainly published by `day`."""
    return frozenset(s.id for s in sources if known_by(s) <= day)


def publication_days(sources: Iterable[Source]) -> tuple[int, ...]:
    """The distinct days on which a source becomes known, ascending: the steps of an
    as-of walk through the dataset."""
    return tuple(sorted({known_by(s) for s in sources}))


def as_of_status(event: Event, day: int) -> Status:
    """The event's status as it stood on `day`: not yet happened if dated after it."""
    if event.status is Status.OCCURRED and event.date.lower > day:
        return Status.SCHEDULED
    return event.status


def event_as_of(event: Event, known: Container[str], day: int) -> Event | None:
    """`event` as the sources in `known` told it on `day`, or None if none of them does.

    An event loaded without its details keeps them unloaded; its quotes are to be
    filtered by `known` where they are read.
    """
    source_ids = tuple(s for s in event.source_ids if s in known)
    if not source_ids:
        return None
    status = as_of_status(event, day)
    if source_ids == event.source_ids and status is event.status:
        return event
    details = event.details
    if details is not None:
        quotes = tuple(q for q in details.quotes if q.source_id in known)
        details = EventDetails(details.summary, details.date_basis, quotes)
    return msgspec.structs.replace(event, source_ids=source_ids, status=status, details=details)


def dataset_as_of(dataset: Dataset, day: int) -> Dataset:
    """The dataset as known on `day`: its sources published by then and the events they
    report, each with only their quotes and its status as it then stood."""
    known = sources_known(dataset.sources, day)
    events = (event_as_of(dataset.full(e), known, day) for e in dataset.events)
    return Dataset(
        root=dataset.root,
        themes=dataset.themes,
        sources=tuple(s for s in dataset.sources if s.id in known),
        events=tuple(e for e in events if e is not None),
        store=dataset.store,
        title=dataset.title,
    )
