"""EDTF (Extended Date/Time Format) level 0 and level 1 dates.

The `edtf` package on PyPI parses with pyparsing, far too slowly for 100,000 events, so
this module is a small regex parser instead; the tests check it against the
specification's own examples and against that package as an oracle.

Bounds are whole days counted from 1970-01-01 in the proleptic Gregorian calendar, which
works for any year (EDTF allows `Y170000002` and negative years), compares as plain ints
and needs no `datetime`.
"""

from __future__ import annotations

import re
from enum import StrEnum

import msgspec

__all__ = [
    "MAX_DAY",
    "MIN_DAY",
    "DatePoint",
    "EdtfDate",
    "EdtfError",
    "Precision",
    "day_number",
    "describe",
    "from_day_number",
    "parse_edtf",
]


class EdtfError(ValueError):
    """A string that is not a valid EDTF level 0/1 date; the message says why."""


class Precision(StrEnum):
    """How finely a date is known, from the coarsest to the finest."""

    CENTURY = "century"
    DECADE = "decade"
    YEAR = "year"
    SEASON = "season"
    MONTH = "month"
    DAY = "day"


MIN_DAY = -(10**12)
"""The lower bound of an interval that is open at its start (`../2024`)."""
MAX_DAY = 10**12
"""The upper bound of an interval that is open at its end (`2024/..`)."""

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SEASON_NAMES = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}


def day_number(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to the given proleptic Gregorian date (Hinnant's algorithm)."""
    y = year - (month <= 2)
    era = y // 400  # floor division: Hinnant's C adjusts for truncation, Python needn't
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def from_day_number(days: int) -> tuple[int, int, int]:
    """The (year, month, day) for a day number; the inverse of `day_number`."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def _days_in_month(year: int, month: int) -> int:
    return day_number(year + month // 12, month % 12 + 1, 1) - day_number(year, month, 1)


class DatePoint(msgspec.Struct, frozen=True, gc=False):
    """One EDTF date, such as `2023-01-13`, `2023-05~`, `201X` or `2001-21` (a season).

    `month`, `day` and `season` are None where the date does not give them. `lower` and
    `upper` are the first and last day the date can mean.
    """

    year: int
    month: int | None
    day: int | None
    season: int | None
    precision: Precision
    uncertain: bool
    approximate: bool
    lower: int
    upper: int


class EdtfDate(msgspec.Struct, frozen=True, gc=False):
    """A parsed EDTF level 0/1 string: one date, or an interval of two.

    For an interval, `start` or `end` is None when that side is open (`..`) or unknown
    (empty). `lower` and `upper` are day numbers (see `day_number`); an open or unknown
    side reaches `MIN_DAY`/`MAX_DAY`, so an event counts as overlapping any range that
    its known part does not rule out.
    """

    text: str
    start: DatePoint | None
    end: DatePoint | None
    is_interval: bool

    @property
    def lower(self) -> int:
        """The earliest day this date can mean."""
        return self.start.lower if self.start is not None else MIN_DAY

    @property
    def upper(self) -> int:
        """The latest day this date can mean."""
        if not self.is_interval:
            assert self.start is not None
            return self.start.upper
        return self.end.upper if self.end is not None else MAX_DAY

    @property
    def precision(self) -> Precision:
        """The precision of the side that is known (the start, else the end)."""
        return self.anchor_point.precision

    @property
    def approximate(self) -> bool:
        """True when any side is qualified with `~` or `%`."""
        return any(p.approximate for p in (self.start, self.end) if p is not None)

    @property
    def uncertain(self) -> bool:
        """True when any side is qualified with `?` or `%`."""
        return any(p.uncertain for p in (self.start, self.end) if p is not None)

    @property
    def anchor_point(self) -> DatePoint:
        """The side that places this date on a timeline: the start, else the end."""
        point = self.start or self.end
        assert point is not None
        return point

    @property
    def anchor(self) -> int:
        """The day a timeline files this date under: its first day, or for an interval
        open at its start (`../2025-03`, "by Mar 2025") the last day of its end."""
        if self.start is not None:
            return self.start.lower
        assert self.end is not None
        return self.end.upper

    @property
    def sort_key(self) -> tuple[int, int]:
        """Timeline order: by anchor day, then by latest day (shorter spans first)."""
        return (self.anchor, self.upper)

    def overlaps(self, lower: int, upper: int) -> bool:
        """Whether this date's bounds overlap the day range `lower`..`upper` (inclusive)."""
        return self.lower <= upper and self.upper >= lower


_POINT_RE = re.compile(
    r"""
    (?P<year>Y-?[0-9]{5,}|-?[0-9]{2}(?:[0-9]{2}|[0-9]X|XX))
    (?:-(?P<month>[0-9]{2}|XX)
       (?:-(?P<day>[0-9]{2}|XX)
          (?:T(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[+-][0-9]{2}(?::[0-9]{2})?)?))?
       )?
    )?
    (?P<qualifier>[?~%])?
    """,
    re.VERBOSE,
)


MAX_YEAR = 10**9
"""Years beyond ±MAX_YEAR are refused: nothing dated that far needs a timeline, and the
bound keeps every derived number small."""


def _show(text: str) -> str:
    """The text for an error message: quoted, and cut short if a hostile file made it long."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _valid_time(time: str) -> bool:
    """Whether `hh:mm:ss` with an optional `Z`, `±hh` or `±hh:mm` names a real time: hours
    00–23 (or exactly 24:00:00, the end of the day), minutes and seconds 00–59."""
    hours, minutes, seconds = int(time[0:2]), int(time[3:5]), int(time[6:8])
    offset = time[9:]  # after "hh:mm:ss" and the "Z", "+" or "-"
    if offset and (int(offset[0:2]) > 23 or (len(offset) > 2 and int(offset[3:5]) > 59)):
        return False
    if (hours, minutes, seconds) == (24, 0, 0):
        return True
    return hours <= 23 and minutes <= 59 and seconds <= 59


def _parse_point(text: str, *, allow_time: bool) -> DatePoint:
    match = _POINT_RE.fullmatch(text)
    if match is None:
        raise EdtfError(f"{_show(text)} is not an EDTF date (expected YYYY, YYYY-MM or YYYY-MM-DD)")
    year_text, month_text, day_text = match["year"], match["month"], match["day"]
    # Check the length before int(): Python refuses to convert over 4,300 digits.
    if year_text.startswith("Y") and (
        len(year_text.lstrip("Y-")) > 10 or abs(int(year_text[1:])) > MAX_YEAR
    ):
        raise EdtfError(f"{_show(text)}: years beyond ±{MAX_YEAR:,} are not supported")
    qualifier = match["qualifier"]
    if match["time"] is not None and (not allow_time or qualifier):
        raise EdtfError(f"{_show(text)}: a time of day is only allowed on a plain, single date")
    if match["time"] is not None and not _valid_time(match["time"]):
        raise EdtfError(f"{_show(text)}: {match['time']} is not a time of day")
    uncertain = qualifier in ("?", "%")
    approximate = qualifier in ("~", "%")
    month = day = season = None
    precision = Precision.YEAR
    if year_text.startswith("Y"):
        if month_text is not None:
            raise EdtfError(f"{_show(text)}: a 'Y' year cannot have a month or day")
        year = last_year = int(year_text[1:])
    elif "X" in year_text:
        if month_text is not None:
            raise EdtfError(
                f"{_show(text)}: an unspecified year cannot have a month or day (level 1)"
            )
        year, last_year = int(year_text.replace("X", "0")), int(year_text.replace("X", "9"))
        if year_text.startswith("-"):
            year, last_year = last_year, year
        precision = Precision.DECADE if year_text.count("X") == 1 else Precision.CENTURY
    else:
        year = last_year = int(year_text)
        if year_text == "-0000":
            raise EdtfError(f"{_show(text)}: there is no year -0000")
    # The (month, day) of the first and the last day the date can mean.
    first, last = (1, 1), (12, 31)
    if month_text is not None and month_text != "XX":
        number = int(month_text)
        if 21 <= number <= 24:
            if day_text is not None:
                raise EdtfError(f"{_show(text)}: a season ({number}) cannot have a day")
            season, precision = number, Precision.SEASON
            # Northern-hemisphere meteorological seasons: three months from March, June,
            # September or December (winter ends in the next year).
            start = (number - 20) * 3
            last_year += start // 12
            end = (start + 1) % 12 + 1
            first, last = (start, 1), (end, _days_in_month(last_year, end))
        elif not 1 <= number <= 12:
            raise EdtfError(
                f"{_show(text)}: month {month_text} does not exist (01–12, or 21–24 a season)"
            )
        else:
            month, precision = number, Precision.MONTH
            first, last = (month, 1), (month, _days_in_month(year, month))
            if day_text is not None and day_text != "XX":
                day = int(day_text)
                if not 1 <= day <= last[1]:
                    raise EdtfError(
                        f"{_show(text)}: {MONTH_ABBR[month - 1]} {year} has no day {day}"
                    )
                precision, first = Precision.DAY, (month, day)
                last = first
    elif day_text is not None and day_text != "XX":
        raise EdtfError(f"{_show(text)}: a day cannot follow an unspecified month")
    lower, upper = day_number(year, *first), day_number(last_year, *last)
    return DatePoint(year, month, day, season, precision, uncertain, approximate, lower, upper)


def parse_edtf(text: str) -> EdtfDate:
    """Parse an EDTF level 0/1 string, such as `2023-01-13`, `2023-05~` or `2024-04-10/..`.

    Raises:
        EdtfError: the text is not a valid level 0/1 date, names a day that does not
            exist (`2023-02-30`), or is an interval that ends before it starts.
    """
    if not isinstance(text, str):
        raise EdtfError(f"an EDTF date must be a string, not {type(text).__name__}")
    if text != text.strip() or not text:
        raise EdtfError(f"{_show(text)}: an EDTF date has no surrounding spaces and is not empty")
    if "/" not in text:
        point = _parse_point(text, allow_time=True)
        return EdtfDate(text, point, None, is_interval=False)
    if text.count("/") != 1:
        raise EdtfError(f"{_show(text)}: an interval has exactly one '/'")
    left, right = text.split("/")
    if left in ("", "..") and right in ("", ".."):
        raise EdtfError(f"{_show(text)}: at least one side of an interval must be a date")
    start = None if left in ("", "..") else _parse_point(left, allow_time=False)
    end = None if right in ("", "..") else _parse_point(right, allow_time=False)
    if start is not None and end is not None and end.upper < start.lower:
        raise EdtfError(f"{_show(text)}: the interval ends before it starts")
    return EdtfDate(text, start, end, is_interval=True)


def _describe_point(point: DatePoint) -> str:
    year = _year(point.year)
    if point.month is not None:  # known to the month, or to the day
        body = f"{MONTH_ABBR[point.month - 1]} {year}"
        if point.day is not None:
            body = f"{point.day} {body}"
    elif point.season is not None:
        body = f"{SEASON_NAMES[point.season]} {year}"
    elif point.precision is Precision.DECADE and point.year > 0:
        body = f"{year}s"
    elif point.precision in (Precision.DECADE, Precision.CENTURY):
        last, _, _ = from_day_number(point.upper)
        body = f"{year}–{_year(last)}"
    else:
        body = year
    if point.approximate:
        body = f"≈ {body}"
    if point.uncertain:
        body = f"{body}?"
    return body


def _year(year: int) -> str:
    # EDTF years are astronomical (ISO 8601): 0000 is 1 BCE, -0001 is 2 BCE.
    return str(year) if year > 0 else f"{1 - year} BCE"


def describe(date: EdtfDate) -> str:
    """Say a date for people, at its own precision: "13 Jan 2023", "May 2023", "≈ Dec 2023".

    Intervals read "19–21 May 2023" or "Apr 2024 – Mar 2025"; an interval open at its start
    reads "by Mar 2025", one open at its end "from 10 Apr 2024".
    """
    if not date.is_interval:
        return _describe_point(date.anchor_point)
    start, end = date.start, date.end
    if start is None:
        return f"by {_describe_point(date.anchor_point)}"
    if end is None:
        return f"from {_describe_point(start)}"
    plain = not (start.approximate or start.uncertain or end.approximate or end.uncertain)
    same_month = (
        plain
        and start.precision is Precision.DAY
        and end.precision is Precision.DAY
        and (start.year, start.month) == (end.year, end.month)
    )
    if same_month and start.day == end.day:
        return _describe_point(end)
    if same_month:
        return f"{start.day}–{_describe_point(end)}"
    return f"{_describe_point(start)} – {_describe_point(end)}"
