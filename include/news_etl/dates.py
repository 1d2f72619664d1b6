"""Dates: parsing what a page writes ("22 July 2024, 14:05 CEST", "3 hours ago", ISO stamps) into instants,
the time zones news sites name, the years a publication date may believably have, and the reader's time zone
of a site. Times are resolved against a ``reference`` passed in (the run's time), never ``now()``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import yaml

from news_etl.settings import RULES_DIR

MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
DATE_EVIDENCE = re.compile(
    rf"\b\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\b\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}\b|"
    # With dashes only beside a four-digit year ("12-20-2023"): "3-1-23" is more often a score or a code.
    rf"\b\d{{1,2}}-\d{{1,2}}-(?:19|20)\d{{2}}\b|"
    rf"\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTHS})\b",
    re.IGNORECASE,
)
YEAR = re.compile(r"\b(?:1[89]|2[01])\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")
RELATIVE = re.compile(
    r"\b(?P<n>\d+|an?|one)\s+(?P<unit>sec(?:ond)?|min(?:ute)?|h(?:ou)?r|day|week)s?\s+ago\b", re.IGNORECASE
)
_UNIT_SECONDS = {"sec": 1, "second": 1, "min": 60, "minute": 60, "hr": 3600, "hour": 3600, "day": 86400, "week": 604800}
TIMESTAMP_LABEL = re.compile(
    r"\b(?P<label>first published|published|posted|last updated|updated|update|last modified|modified|date)"
    r"(?:\s+(?:on|at))?\s*[:|]?\s*",
    re.IGNORECASE,
)
PUBLISHED_LABELS = {"first published", "published", "posted", "date"}
_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|rsday|urday)?\b\.?", re.IGNORECASE)
#: A full date with its year inside a longer line ("Rob Dawson, CorrespondentDec 22, 2023, 10:15 PM").
FULL_DATE = re.compile(
    rf"(?:(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTHS})\.?,?\s+(?:19|20)\d{{2}}"
    rf"|\b(?:19|20)\d{{2}}-\d{{2}}-\d{{2}})"
    # The zone in capitals only ("14:05 by" names no zone); the space before it is not the am/pm's, which
    # would leave none for the zone ("14:05 BST" read as "14:05").
    rf"(?:,?\s*(?:at\s+)?\d{{1,2}}:\d{{2}}(?:\s*[ap]\.?m\.?)?(?-i:\s+[A-Z]{{2,4}}\b)?)?",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _tz_table() -> dict[str, tzinfo | int]:
    with open(RULES_DIR / "timezones.yaml", encoding="utf-8") as fh:
        zones = (yaml.safe_load(fh) or {}).get("zones", {})
    table: dict[str, tzinfo | int] = {}
    for name, value in zones.items():
        table[str(name).upper()] = ZoneInfo(value) if isinstance(value, str) else int(float(value) * 3600)
    return table


@lru_cache(maxsize=1)
def year_bounds() -> tuple[int, int]:
    """The years a publication date may have (``rules/dates.yaml``), for ingest and the published check."""
    with open(RULES_DIR / "dates.yaml", encoding="utf-8") as fh:
        years = (yaml.safe_load(fh) or {})["published_years"]
    return int(years["min"]), int(years["max"])


def out_of_range(local: datetime) -> str | None:
    """Why a parsed date cannot be a publication date (its year is outside ``rules/dates.yaml``), or None.

    A date a little after the ingest time is not judged here: a naive time read in the wrong zone can be
    hours ahead, and the ingest suite quarantines it with its row (``published_at`` after ``ingested_at``)."""
    low, high = year_bounds()
    if not low <= local.year <= high:
        return f"is outside the years {low}-{high}"
    return None


@lru_cache(maxsize=1)
def _reader_zones() -> tuple[dict[str, str], dict[str, str]]:
    with open(RULES_DIR / "timezones.yaml", encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    return (
        {str(k).upper(): v for k, v in (doc.get("regions") or {}).items()},
        {str(k).lower(): v for k, v in (doc.get("domains") or {}).items()},
    )


def reader_zone(locale: str | None, url: str | None) -> tzinfo | None:
    """The time zone a page's readers are in: its language tag's region ("en-AU", "en_US"), else its host's
    country domain (".com.au", ".co.uk"); ``rules/timezones.yaml``. None when neither says."""
    regions, domains = _reader_zones()
    if locale:
        parts = re.split(r"[-_]", locale.strip())
        if len(parts) >= 2 and parts[1].upper() in regions:
            return ZoneInfo(regions[parts[1].upper()])
    host = urlparse(url).hostname if url else None
    if host:
        tld = host.rsplit(".", 1)[-1].lower()
        if tld in domains:
            return ZoneInfo(domains[tld])
    return None


#: A timestamp that states it is UTC ("...Z", "+00:00", "UTC", "GMT"): the writer's own zone is not in it.
EXPLICIT_UTC = re.compile(r"(?:\d(?:Z|[+-]00:?00)|\b(?:UTC|GMT|Z))\s*$", re.IGNORECASE)
#: A timestamp ending with an offset other than UTC's ("2023-12-22T09:50:02-05:00"): its day is its zone's.
LOCAL_OFFSET = re.compile(r"\d[+-](?!00:?00)\d\d:?\d\d\s*$")


def _tzinfos(name: str | None, offset: int | None) -> tzinfo | int | None:
    if name and name.upper() in _tz_table():
        return _tz_table()[name.upper()]
    return offset


def _prepare(raw: str) -> str:
    s = re.sub(r"\b([ap])\.\s?m\.?", r"\1m", raw, flags=re.IGNORECASE)  # 11:48 a.m. -> 11:48 am
    # dateutil reads a lone "a" or "p" as am/pm: "December 21 P" (a truncated caption) became 21:00 on the
    # 1st. Only after a clock time is it one ("10:30 p").
    s = re.sub(r"(\d{1,2}:\d{2}\s?)?\b[ap]\b", lambda m: m.group(0) if m.group(1) else " ", s, flags=re.IGNORECASE)
    s = re.sub(r"\b(sept)\b\.?", "Sep", s, flags=re.IGNORECASE)
    s = re.sub(rf"\b({MONTHS})\.", r"\1", s, flags=re.IGNORECASE)  # Dec. 22 -> Dec 22
    s = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s)
    # A page's text glues the year to the time where its markup put them in two elements: "Dec 22 20234:46 AM".
    s = re.sub(r"\b((?:19|20)\d{2})(\d{1,2}:\d{2})\b", r"\1 \2", s)
    s = TIMESTAMP_LABEL.sub(" ", s)
    # A bracket glued to the year hides it from dateutil: "(Updated JULY 7, 2023)" read as July 7, 2000.
    s = re.sub(r"[|•·()\[\]]|\bat\b|\bon\b", " ", s, flags=re.IGNORECASE)
    s = re.sub(r"\bUTC([+-]\d)", r"GMT\1", s)  # dateutil reads "UTC+9" backwards (POSIX sign)
    return " ".join(s.split())


#: A time zone's abbreviation as pages write it, in capitals ("EST", "CEST", "UTC", "ET").
ZONE_ABBREVIATION = r"(?:[A-Z]{2,4}T|UTC|GMT|ET|PT|CT)"
_DAY_WORD = re.compile(r"yesterday|today|just now", re.IGNORECASE)
# What may stand beside a day word in a timestamp: a clock time, "at", a zone (in capitals: "out today" names none).
_BESIDE_DAY_WORD = re.compile(
    rf"\b\d{{1,2}}(?::\d{{2}})?\s*[ap]\.?m\b\.?|\b\d{{1,2}}:\d{{2}}\b|\bat\b|(?-i:\b{ZONE_ABBREVIATION}\b)",
    re.IGNORECASE,
)


def day_word(text: str) -> str | None:
    """ "yesterday", "today" or "just now" when that is what a timestamp says of its day, beside a label and a
    clock time at most ("Updated today at 10:30 AM ET", "Yesterday, 14:05"); None for a text that only uses
    the word: "USA TODAY" and "Psychology Today" name a paper, "Subscribe today" is a pitch."""
    if len(text) > 100:  # a day word beside a label and a time is short; a long text is no such timestamp
        return None
    rest = _BESIDE_DAY_WORD.sub(" ", TIMESTAMP_LABEL.sub(" ", text))
    found = _DAY_WORD.fullmatch(" ".join(rest.split()).strip(" ,.:;|·•-–—()"))
    return found.group(0).lower() if found else None


def parse_local_datetime(
    raw: str | None, reference: datetime | None = None, default_tz: str = "UTC"
) -> datetime | None:
    """Parse a news timestamp into an aware datetime in the zone it was written in (or ``None``).

    Handles ISO 8601, "Dec. 22, 2023 11:48 a.m. ET", "Posted on : 2023-09-06 16:47 KST", "22 December
    2023", and relative forms ("3 hours ago", "yesterday") resolved against ``reference``.
    Naive times are read in ``default_tz``.
    """
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    if reference is not None:
        m = RELATIVE.search(text)
        if m:
            n = 1 if m.group("n").lower() in {"a", "an", "one"} else int(m.group("n"))
            unit = m.group("unit").lower().replace("hour", "hr").replace("hr", "hour")
            seconds = _UNIT_SECONDS.get(unit) or _UNIT_SECONDS.get(unit[:3], 0)
            return reference - timedelta(seconds=n * seconds)
        word = None if DATE_EVIDENCE.search(text) else day_word(text)
        if word == "yesterday":
            return reference - timedelta(days=1)
        if word is not None:
            return reference
    if not DATE_EVIDENCE.search(text):
        return None
    from dateutil import parser as du  # lazy: only files with dates pay for it

    has_year = bool(YEAR.search(text))
    if not has_year and reference is None:
        return None  # "Tuesday, 1 March" with nothing to say which year: never invent one
    default_year = 2000 if has_year or reference is None else reference.year
    try:
        dt = du.parse(_prepare(text), fuzzy=True, tzinfos=_tzinfos, default=datetime(default_year, 1, 1))
    except (ValueError, OverflowError, du.ParserError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(default_tz))
    if out_of_range(dt):
        return dt  # parsed, but no publication date: the caller keeps the raw text and says why
    if not has_year:
        assert reference is not None  # returned above: no year and no reference
        weekday = WEEKDAY.search(text)
        if weekday:
            # "Tuesday, Dec. 19": the latest year, up to the reference, in which that day is a Tuesday.
            wanted = _WEEKDAYS.index(weekday.group(1).lower()[:3])
            for back in range(0, 12):
                try:
                    candidate = dt.replace(year=reference.year - back)
                except ValueError:  # 29 February of a common year
                    continue
                if candidate.weekday() == wanted and candidate.astimezone(UTC) <= reference + timedelta(days=1):
                    return candidate
        if dt.astimezone(UTC) > reference + timedelta(days=1):
            # A year-less date after the reference time is last year's ("1 March" read on 20 February).
            try:
                dt = dt.replace(year=dt.year - 1)
            except ValueError:  # 29 February
                return None
    return dt


def date_reference(saved_at: datetime | None, run_at: datetime) -> datetime:
    """What a page's relative dates ("3 hours ago", a year-less "Dec 19") count back from: when its file was
    saved, else the run's time. A scraper writes the page when it reads it; the run may come days later (a
    paused schedule, a backlog). A saved time after the run (another machine's clock) or outside the
    publication years (an archive's epoch-zero mtime) is not believed."""
    if saved_at is None or saved_at > run_at or out_of_range(saved_at):
        return run_at
    return saved_at


def parse_datetime(raw: str | None, reference: datetime | None = None, default_tz: str = "UTC") -> datetime | None:
    """Parse a news timestamp into an aware UTC datetime, or ``None`` when the text holds no date.

    Handles ISO 8601, "Dec. 22, 2023 11:48 a.m. ET", "Posted on : 2023-09-06 16:47 KST", "22 December
    2023", and relative forms ("3 hours ago", "yesterday") resolved against ``reference``.
    Naive times are read in ``default_tz``.
    """
    local = parse_local_datetime(raw, reference, default_tz)
    if local is None or out_of_range(local):
        return None
    return local.astimezone(UTC)


def timestamp_segments(line: str) -> list[tuple[str, str]]:
    """("label", "date text") pairs of a line like "Posted on : X Modified on : Y". What comes before an update's
    label is the publication ("Dec. 5, 2024 | Updated Dec. 6, 2024"), when it is a date (the caller parses it)."""
    found = list(TIMESTAMP_LABEL.finditer(line))
    # The lead's last part: a byline can come first ("Ahmet Yilmaz | 20.06.2024 - Update : 20.06.2024").
    lead = re.split(r"\s*[|•·]\s*|\s+/\s+", line[: found[0].start()].strip(_SEPARATORS))[-1] if found else ""
    out = [("published", lead)] if lead and found[0].group("label").lower() not in PUBLISHED_LABELS else []
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(line)
        out.append((m.group("label").lower(), line[m.end() : end].strip(_SEPARATORS)))
    return out


_SEPARATORS = " |/-–—,·•"  # between a timestamp's parts: "Published Dec. 5, 2024 | Updated Dec. 6, 2024"
