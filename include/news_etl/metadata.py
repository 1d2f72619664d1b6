"""Metadata: title, authors, dates, dateline, publisher, language, counts and hashes.

Pure functions over text. A value nothing in the input supports is ``None``: never invented.
Times are resolved against a ``reference`` time passed in by the caller (the run's time), never
``now()``, so the same input gives the same output on every run.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import yaml

from news_etl.settings import RULES_DIR
from news_etl.text import alnum_key, count_words, normalise_for_hash

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- dates

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE_EVIDENCE = re.compile(
    rf"\b\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\b\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}\b|"
    rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:1[89]|2[01])\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")
_RELATIVE = re.compile(
    r"\b(?P<n>\d+|an?|one)\s+(?P<unit>sec(?:ond)?|min(?:ute)?|h(?:ou)?r|day|week)s?\s+ago\b", re.IGNORECASE
)
_UNIT_SECONDS = {"sec": 1, "second": 1, "min": 60, "minute": 60, "hr": 3600, "hour": 3600, "day": 86400,
                 "week": 604800}
_LABEL = re.compile(
    r"\b(?P<label>first published|published|posted|last updated|updated|last modified|modified|date)"
    r"(?:\s+(?:on|at))?\s*[:|]?\s*",
    re.IGNORECASE,
)
_PUBLISHED_LABELS = {"first published", "published", "posted", "date"}
_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WEEKDAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|rsday|urday)?\b\.?", re.IGNORECASE)
#: A full date with its year inside a longer line ("Rob Dawson, CorrespondentDec 22, 2023, 10:15 PM").
_FULL_DATE = re.compile(
    rf"(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+(?:19|20)\d{{2}}"
    rf"|\b(?:19|20)\d{{2}}-\d{{2}}-\d{{2}})"
    rf"(?:,?\s*(?:at\s+)?\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{{2,4}}\b)?)?",
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
    return ({str(k).upper(): v for k, v in (doc.get("regions") or {}).items()},
            {str(k).lower(): v for k, v in (doc.get("domains") or {}).items()})


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
_EXPLICIT_UTC = re.compile(r"(?:\d(?:Z|[+-]00:?00)|\b(?:UTC|GMT|Z))\s*$", re.IGNORECASE)


def _tzinfos(name: str | None, offset: int | None) -> tzinfo | int | None:
    if name and name.upper() in _tz_table():
        return _tz_table()[name.upper()]
    return offset


def _prepare(raw: str) -> str:
    s = re.sub(r"\b([ap])\.\s?m\.?", r"\1m", raw, flags=re.IGNORECASE)  # 11:48 a.m. -> 11:48 am
    s = re.sub(r"\b(sept)\b\.?", "Sep", s, flags=re.IGNORECASE)
    s = re.sub(rf"\b({_MONTHS})\.", r"\1", s, flags=re.IGNORECASE)  # Dec. 22 -> Dec 22
    s = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s)
    s = _LABEL.sub(" ", s)
    s = re.sub(r"[|•·]|\bat\b|\bon\b", " ", s, flags=re.IGNORECASE)
    s = re.sub(r"\bUTC([+-]\d)", r"GMT\1", s)  # dateutil reads "UTC+9" backwards (POSIX sign)
    return " ".join(s.split())


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
        m = _RELATIVE.search(text)
        if m:
            n = 1 if m.group("n").lower() in {"a", "an", "one"} else int(m.group("n"))
            unit = m.group("unit").lower().replace("hour", "hr").replace("hr", "hour")
            seconds = _UNIT_SECONDS.get(unit) or _UNIT_SECONDS.get(unit[:3], 0)
            return reference - timedelta(seconds=n * seconds)
        lowered = text.lower()
        if re.search(r"\byesterday\b", lowered) and not _DATE_EVIDENCE.search(text):
            return reference - timedelta(days=1)
        if re.search(r"\b(just now|today)\b", lowered) and not _DATE_EVIDENCE.search(text):
            return reference
    if not _DATE_EVIDENCE.search(text):
        return None
    from dateutil import parser as du  # lazy: only files with dates pay for it

    has_year = bool(_YEAR.search(text))
    if not has_year and reference is None:
        return None  # "Tuesday, 1 March" with nothing to say which year: never invent one
    default_year = reference.year if not has_year else 2000
    try:
        dt = du.parse(_prepare(text), fuzzy=True, tzinfos=_tzinfos, default=datetime(default_year, 1, 1))
    except (ValueError, OverflowError, du.ParserError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(default_tz))
    if out_of_range(dt):
        return dt  # parsed, but no publication date: the caller keeps the raw text and says why
    if not has_year:
        weekday = _WEEKDAY.search(text)
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


# --------------------------------------------------------------------------- authors

_BYLINE = re.compile(
    r"^(?:(?:written|words|story|text|reporting|report|article|posted|compiled)\s+)?by\s*[:\-]?\s+(?P<names>.+)$",
    re.IGNORECASE,
)
_ROLE_WORDS = re.compile(
    r"\b(correspondent|reporter|editor|writer|staff|bureau|contributor|columnist|journalist|analyst|"
    r"producer|chief|senior|deputy|desk|team|newsroom|intern|freelance|photographer|updated|published|"
    r"minutes?|read|hours?|ago|sponsored|link|copied|share|follow|subscribe|"
    r"january|february|march|april|june|july|august|september|october|november|december|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
_AGENCIES = re.compile(
    r"^(the )?(associated press|ap|reuters|afp|agence france-presse|bloomberg|upi|dpa|efe|ansa|xinhua|"
    r"yonhap|kyodo|pti|ians|ani|bbc news|cnn wire|press association|pa media|canadian press)$",
    re.IGNORECASE,
)
_CREDENTIAL = re.compile(r"^(?!(?:II|III|IV)$)(?:[A-Z]{2,4}|Ph\.?D\.?|M\.?D\.?)$")  # "III" is part of a name
_EMAIL = re.compile(r"[\w.+\-]+@((?:[\w\-]+\.)+[A-Za-z]{2,})")
_NAME_TOKEN = re.compile(r"^(?:[A-Z][\w'’.\-]*|de|da|di|del|della|van|von|der|den|bin|al|el|la|le|du|dos|y)$")


def _clean_name(part: str) -> str | None:
    part = _EMAIL.sub("", part)
    part = re.sub(r"\s+", " ", part).strip(" .,;:-–—|()[]")
    if not part:
        return None
    if _AGENCIES.match(part):
        return part
    if _ROLE_WORDS.search(part) or any(ch.isdigit() for ch in part):
        return None
    tokens = part.split()
    # Credentials after a name ("Lauren Manaker MS", "RDN", "PhD") are not part of it; an all-caps
    # name ("JANE DOE") keeps its last token.
    while tokens and _CREDENTIAL.match(tokens[-1]) and not all(t.isupper() for t in tokens[:-1] or ["x"]):
        tokens.pop()
    if not 1 <= len(tokens) <= 5:
        return None
    if not all(_NAME_TOKEN.match(t) for t in tokens) or not tokens[0][:1].isupper():
        return None
    return " ".join(tokens)


def parse_byline(text: str) -> list[str]:
    """Names in a byline: "By Lee Bon-young, Washington correspondent" -> ["Lee Bon-young"].

    Roles, emails and dates are dropped; news agencies ("The Associated Press") are kept as authors.
    """
    m = _BYLINE.match(text.strip())
    names = m.group("names") if m else text.strip()
    names = re.split(r"\s+(?:and|&)\s+|\s*[,;|/]\s*|\s+with\s+", names, flags=re.IGNORECASE)
    out: list[str] = []
    for part in names:
        name = _clean_name(part)
        if name and name not in out:
            out.append(name)
    return out


# --------------------------------------------------------------------------- header lines


def is_headline(line: str) -> bool:
    """A line shaped like a headline: short, not a sentence ending in a full stop, not a label."""
    n = count_words(line)
    if not 3 <= n <= 30 or len(line) > 250:
        return False
    if line.endswith((".", ",", ";", ":")) or _BYLINE.match(line) or _LABEL.match(line) or _FULL_DATE.search(line):
        return False
    first = line.lstrip("“\"'‘")[:1]
    return first.isupper() or first.isdigit()


#: Lines above a body that are furniture of the headline's neighbourhood, not the headline.
_NOT_TITLE = re.compile(r"^(credit|photo|image|picture|video|listen|watch|advertisement|updated|published|share)\b",
                        re.IGNORECASE)
#: How far above the body's first paragraph the headline is looked for (byline, date, image and share lines
#: sit between them on most pages).
TITLE_SEARCH_LINES = 12


def title_above_body(lines: list[str], marks: dict[int, str], paragraphs: list[str], is_furniture) -> int | None:
    """The line index of the headline of a page whose header gave no title: the nearest headline-shaped
    line within :data:`TITLE_SEARCH_LINES` lines above the body's first sentence paragraph (kept teaser
    headlines can come before it), skipping byline and date lines, captions and credits, and lines
    ``is_furniture(line)`` (a rule) removes. None when there is none."""
    first = next((p for p in paragraphs if count_words(p) >= 12 and p.rstrip().endswith((".", "!", "?", '"', "”"))),
                 None)
    if first is None:
        return None
    start = next((i for i, line in enumerate(lines) if line.strip() == first.strip()), None)
    if start is None:
        return None
    seen = 0
    for i in range(start - 1, -1, -1):
        line = lines[i].strip()
        if not line:
            continue
        seen += 1
        if seen > TITLE_SEARCH_LINES:
            return None
        if i in marks or _NOT_TITLE.match(line) or not is_headline(line) or line.endswith("…"):
            continue
        if count_words(line) >= 4 and not is_furniture(line):
            return i
    return None


@dataclass
class Header:
    marks: dict[int, str] = field(default_factory=dict)  # 0-based line index -> meta:* reason
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_raw: str | None = None
    published_at: datetime | None = None
    published_date: date | None = None  # the calendar date in the source's own time zone
    modified_raw: str | None = None
    modified_at: datetime | None = None
    date_line: int | None = None  # the line the published date was read from
    warnings: list[str] = field(default_factory=list)  # dates that parsed but cannot be right (articles.repairs)
    reader_zone: tzinfo | None = None  # where the page's readers are: the day of a UTC-only timestamp

    def set_published(self, raw: str, local: datetime) -> bool:
        """The raw string, the UTC instant and the day as the source wrote it, from one parse; a timestamp
        given only in UTC is dated in the readers' zone when the page says where they are. A date out of
        range is not set (the raw text is kept if there is no other date) and is noted; returns whether set."""
        if self._refused("published", raw, local):
            return False
        day = local.date()
        if self.reader_zone is not None and _EXPLICIT_UTC.search(raw.strip()):
            day = local.astimezone(self.reader_zone).date()
        self.published_raw, self.published_at, self.published_date = raw, local.astimezone(UTC), day
        return True

    def set_modified(self, raw: str, local: datetime) -> None:
        if not self._refused("modified", raw, local):
            self.modified_raw, self.modified_at = raw, local.astimezone(UTC)

    def _refused(self, field_name: str, raw: str, local: datetime) -> bool:
        """True (noted, and the raw text kept while no other date is set) when ``local`` is out of range."""
        why = out_of_range(local)
        if why:
            self.warnings.append(f"{field_name}_at: {raw[:100]!r} {why}; left empty")
            if getattr(self, f"{field_name}_at") is None:
                setattr(self, f"{field_name}_raw", raw)
        return why is not None


def _timestamp_segments(line: str) -> list[tuple[str, str]]:
    """("label", "date text") pairs of a line like "Posted on : X Modified on : Y"."""
    found = list(_LABEL.finditer(line))
    out = []
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(line)
        out.append((m.group("label").lower(), line[m.end() : end].strip()))
    return out


def extract_header(
    lines: list[str],
    *,
    hint_title: str | None = None,
    hint_authors: list[str] | None = None,
    hint_published: str | None = None,
    hint_modified: str | None = None,
    reference: datetime | None = None,
    default_tz: str = "UTC",
    reader_tz: tzinfo | None = None,
) -> Header:
    """Find the title, byline and timestamp lines of an article's text and read them. ``reader_tz``: the
    readers' zone (:func:`reader_zone`), for the day of a timestamp given only in UTC."""
    h = Header(reader_zone=reader_tz)
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonblank:
        return h
    head = nonblank[:8]
    tail = nonblank[-6:]

    # Title: the container's title if the text repeats it, else a headline-shaped first line.
    if hint_title:
        h.title = hint_title.strip()
        for i in head:
            if alnum_key(lines[i]) == alnum_key(hint_title):
                h.marks[i] = "meta:title"
                break
    else:
        first = lines[nonblank[0]].strip()
        if len(nonblank) > 1 and is_headline(first):
            h.title = first
            h.marks[nonblank[0]] = "meta:title"

    # Timestamps: labelled lines anywhere short enough to be metadata, bare date lines near the top.
    for i in nonblank:
        line = lines[i].strip()
        if i in h.marks or count_words(line) > 30:
            continue
        # A label opens the line, or the line is short: "will be published on 16 July" inside a
        # sentence is not a timestamp line.
        labelled = _LABEL.match(line) or (_LABEL.search(line) and count_words(line) <= 15)
        segments = _timestamp_segments(line) if labelled else []
        parsed_any = False
        for label, raw in segments:
            local = parse_local_datetime(raw, reference, default_tz)
            if local is None:
                continue
            parsed_any = True
            if label in _PUBLISHED_LABELS and h.published_at is None:
                h.set_published(raw, local)
                h.date_line = i
            elif label not in _PUBLISHED_LABELS and h.modified_at is None:
                h.set_modified(raw, local)
        if not segments and i in head and count_words(line) <= 12 and h.published_at is None:
            local = parse_local_datetime(line, reference, default_tz)
            # A bare date line: most of its words must be the date itself.
            if local is not None and _DATE_EVIDENCE.search(line) and count_words(_DATE_EVIDENCE.sub("", line)) <= 6:
                h.set_published(line, local)
                h.date_line = i
                parsed_any = True
        if parsed_any:
            h.marks[i] = "meta:timestamp"
    if h.published_at is None:
        _find_loose_date(h, lines, nonblank, reference, default_tz)
    if hint_published:
        local = parse_local_datetime(hint_published, reference, default_tz)
        if local is not None:
            h.set_published(hint_published, local)
    if hint_modified:
        local = parse_local_datetime(hint_modified, reference, default_tz)
        if local is not None:
            h.set_modified(hint_modified, local)

    # Byline: "By ..." near the top or at the end, else the first one further in (a page's furniture
    # can push the article's header far down the text).
    rest = [i for i in nonblank if i not in set(head + tail)]
    for i in dict.fromkeys(head + tail + rest):
        line = lines[i].strip()
        if i in h.marks or count_words(line) > 15 or not _BYLINE.match(line):
            continue
        if i in rest and h.authors:
            break
        names = parse_byline(line)
        if names:
            h.marks[i] = "meta:byline"
            if not h.authors:
                h.authors = names
    if not h.authors:
        _find_bare_byline(h, lines, nonblank)
    _find_credits(h, lines, nonblank)
    if not hint_title:
        _title_near_header(h, lines, nonblank)
    if hint_authors:
        cleaned = [n for a in hint_authors for n in parse_byline(a)]
        h.authors = list(dict.fromkeys(cleaned)) or h.authors
    return h


def _find_loose_date(h: Header, lines: list[str], nonblank: list[int], reference: datetime | None,
                     default_tz: str) -> None:
    """No labelled or top-of-text date: the first short line anywhere that is a full date with its year,
    or that carries one glued to a name ("Rob Dawson, CorrespondentDec 22, 2023, 10:15 PM")."""
    for i in nonblank:
        line = lines[i].strip()
        if i in h.marks or count_words(line) > 14:
            continue
        m = _FULL_DATE.search(line)
        if m is None:
            continue
        local = parse_local_datetime(m.group(0), reference, default_tz)
        if local is None:
            continue
        if not h.set_published(m.group(0).strip(" ,"), local):
            continue
        if count_words(_FULL_DATE.sub("", line)) <= 4:  # the line is the date: it is metadata, not body
            h.marks[i] = "meta:timestamp"
        h.date_line = i
        return


def _find_credits(h: Header, lines: list[str], nonblank: list[int]) -> None:
    """Wire credit lines near the end ("(Reporting by ...; Editing by ...)", "X contributed to this report")
    are metadata: out of the body, their reporters into the authors (after a byline's), contributors only
    when nobody else is named."""
    contributors: list[str] = []
    for i in nonblank[-8:]:
        if i in h.marks:
            continue
        found = credit_names(lines[i])
        if found is None:
            continue
        names, reporters = found
        h.marks[i] = "meta:credit"
        if reporters:
            h.authors += [n for n in names if n not in h.authors]
        else:
            contributors += names
    if not h.authors:
        h.authors = list(dict.fromkeys(contributors))


_PLAIN_NAME = re.compile(r"^[A-Z][a-z'’\-]+(?:\s+(?:[A-Z]\.|[A-Z][a-z'’\-]+|de|van|von|da|di|del|la|le)){1,3}$")


def _find_bare_byline(h: Header, lines: list[str], nonblank: list[int]) -> None:
    """A byline without "By": a line that is only a name ("Emma Baty") or a name and a role ("Jack Wallen,
    Contributing Writer"), right beside the article's timestamp line."""
    anchor = h.date_line
    if anchor is None:
        return
    pos = nonblank.index(anchor)
    for i in nonblank[max(0, pos - 2): pos + 3]:
        if i != anchor and i in h.marks:
            continue
        line = lines[i].strip()
        first = re.split(r"\s*[,|]\s*", line, maxsplit=1)[0]
        rest = line[len(first):]
        if count_words(line) > 14 or not _PLAIN_NAME.match(first):
            continue
        if rest and not (_ROLE_WORDS.search(rest) or _FULL_DATE.search(rest)):
            continue  # "Paris, France" is a place, "Rob Dawson, Correspondent" a byline
        names = parse_byline(first)
        if names:
            h.authors = names
            if i != anchor:
                h.marks[i] = "meta:byline"
            return


def _title_near_header(h: Header, lines: list[str], nonblank: list[int]) -> None:
    """The headline sits just above (or just below) the byline and timestamp: prefer it to a first line
    that may be a menu item, when the header is not at the top of the text."""
    anchors = [i for i, why in h.marks.items() if why in ("meta:timestamp", "meta:byline")]
    if h.date_line is not None:
        anchors.append(h.date_line)
    if not anchors:
        return
    pos = nonblank.index(min(anchors))
    if h.title is not None and nonblank.index(next(i for i, w in h.marks.items() if w == "meta:title")) >= pos - 4:
        return  # the first-line title already sits right above the header
    # Nearest first: measured on newsbench, the line right above the header beats a top-down scan
    # (a page's furniture above a header is headline-shaped too more often than a standfirst is).
    above = list(reversed(nonblank[max(0, pos - 4): pos]))
    below = nonblank[pos + 1: pos + 4]
    for i in above + below:
        line = lines[i].strip()
        if i in h.marks or not is_headline(line) or count_words(line) < 3:
            continue
        if line.isupper():
            continue  # a shouted button ("GET OUR E-ALERTS")
        if _PLAIN_NAME.match(line) and count_words(line) <= 4:
            continue  # a name beside the byline is the author, not the headline
        for j, why in list(h.marks.items()):
            if why == "meta:title":
                del h.marks[j]
        h.title = line
        h.marks[i] = "meta:title"
        return


# --------------------------------------------------------------------------- body-level fields

_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Za-z.'’\-]+(?:[ ,]+[A-Z][A-Za-z.'’\-]+){0,3})"
    r"(?:,\s*[A-Z][a-z]{1,5}\.?)?"
    # A wire date: "July 22", "Sept. 6", "22 July", "July 22, 2024" (Reuters, Yonhap, Xinhua, AFP).
    rf"(?:,?\s+(?P<date>(?i:{_MONTHS})\.?\s+\d{{1,2}}(?:,\s*(?:19|20)\d{{2}})?|\d{{1,2}}\s+(?i:{_MONTHS})\.?"
    r"(?:\s+(?:19|20)\d{2})?))?"
    r"\s*(?:\((?P<agency>[^)]{1,40})\))?\s*(?::|—|–|--|\s-\s)\s*(?=[A-Z“\"‘'0-9])"
)
_NOT_PLACES = {
    "however", "meanwhile", "update", "updated", "note", "editor's note", "breaking", "exclusive", "watch",
    "read", "photo", "video", "analysis", "opinion", "comment", "listen", "warning", "live", "advertisement",
    "q", "a", "summary", "background", "correction", "disclaimer", "source", "sources", "by", "the",
}


@dataclass(frozen=True)
class Dateline:
    """The opening of a wire story: "MARSEILLE, July 22 (Reuters) -" -> place, date text, agency."""

    place: str
    date: str | None = None  # as written, without a year when the wire leaves it out ("July 22")
    agency: str | None = None  # the tag in parentheses ("Reuters", "AP", "Yonhap")


def parse_dateline(first_paragraph: str | None) -> Dateline | None:
    """"Seoul: In a rare move ..." -> Seoul; "MARSEILLE, July 22 (Reuters) - ..." -> Marseille, "July 22",
    Reuters; "Rome, July 22, 2024 (AFP) - ..." -> Rome, "July 22, 2024", AFP."""
    if not first_paragraph:
        return None
    m = _DATELINE.match(first_paragraph)
    if not m:
        return None
    place = m.group("place").strip(" ,")
    if place.casefold() in _NOT_PLACES or count_words(place) > 4:
        return None
    # Wire style shouts the city ("KYIV, Ukraine"): store it the way it is written elsewhere.
    parts = [p.strip() for p in place.split(",")]
    place = ", ".join(p.title() if p.isupper() and len(p) > 3 else p for p in parts)
    agency = (m.group("agency") or "").strip() or None
    return Dateline(place=place, date=m.group("date"), agency=agency)


def find_dateline(first_paragraph: str | None) -> str | None:
    """The place of :func:`parse_dateline`."""
    dateline = parse_dateline(first_paragraph)
    return dateline.place if dateline else None


# --------------------------------------------------------------------------- wire credit lines

#: "(Reporting by A and B in Paris; Additional reporting by C; Writing by D; Editing by E)": a Reuters-style
#: credit line. The reporters and writers are the authors; editors and compilers are not.
_CREDIT_LINE = re.compile(r"^\(?\s*(?:(?:additional\s+)?reporting|writing|editing|compiled|graphics|research)"
                          r"(?:\s+and\s+\w+)?\s+by\s+.+\)?\.?$", re.IGNORECASE)
_CREDIT_SEGMENT = re.compile(r"^(?P<role>(?:additional\s+)?reporting|writing|(?:reporting|writing)\s+and\s+\w+|"
                             r"editing|compiled|graphics|research)\s+by\s+(?P<names>.+)$", re.IGNORECASE)
#: "Associated Press writer Jane Doe in Paris contributed to this report." / "Jane Doe contributed reporting."
_CONTRIBUTED = re.compile(
    r"^(?:(?:the\s+)?(?:associated\s+press|ap|afp|reuters|bloomberg)\s+(?:staff\s+)?"
    r"(?:writers?|reporters?|correspondents?|journalists?)\s+)?(?P<names>.+?)\s+contributed\s+"
    r"(?:to\s+this\s+(?:report|story|article)|reporting|additional\s+reporting)\b.{0,60}$", re.IGNORECASE)


def credit_names(line: str) -> tuple[list[str], bool] | None:
    """Names a wire credit line gives authorship to, and whether they are the story's reporters (a "Reporting
    by" line) or contributors ("... contributed to this report"); None when ``line`` is no credit line."""
    text = line.strip()
    if count_words(text) > 60:
        return None
    if _CREDIT_LINE.match(text):
        names: list[str] = []
        for segment in text.strip("().").split(";"):
            m = _CREDIT_SEGMENT.match(segment.strip())
            if m and m.group("role").lower().split()[0] in ("reporting", "writing"):
                names += [n for n in parse_byline(_strip_places(m.group("names"))) if n not in names]
        return names, True
    m = _CONTRIBUTED.match(text)
    if m:
        return [n for n in parse_byline(_strip_places(m.group("names")))], False
    return None


def _strip_places(names: str) -> str:
    """"Anna Weber in Paris and Paul Martin in Lyon" -> "Anna Weber and Paul Martin"."""
    return re.sub(r"\s+(?:in|from)\s+[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*)*", "", names)


_FREEMAIL = {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com", "proton.me",
             "protonmail.com", "example.com"}


def find_publisher(text: str, url: str | None = None, hint: str | None = None) -> str | None:
    """The publishing site: the container's site name, else the domain of emails the text gives, else the URL's."""
    if hint:
        return hint.strip() or None
    domains = Counter(d.lower() for d in _EMAIL.findall(text) if d.lower() not in _FREEMAIL)
    if domains:
        return domains.most_common(1)[0][0]
    if url:
        host = urlparse(url).hostname or ""
        host = host.removeprefix("www.")
        return host or None
    return None


@lru_cache(maxsize=1)
def _langid():
    import py3langid  # the model ships inside the package: no download at run time

    return py3langid


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the body's language, or ``None`` for too little text to tell."""
    if count_words(text) < 5:
        return None
    lang, _score = _langid().classify(text[:5000])
    return lang


def known_languages() -> list[str]:
    """Every code :func:`detect_language` can return (the quality suite's value set)."""
    from py3langid import langid

    langid.classify("warm up")  # builds the module's identifier on first use
    return sorted(str(c) for c in langid.IDENTIFIER.nb_classes)


def content_hash(body: str) -> str:
    """Same text modulo whitespace, case and quote styles -> same hash (exact-duplicate key)."""
    return hashlib.sha256(normalise_for_hash(body).encode("utf-8")).hexdigest()
