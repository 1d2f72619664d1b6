"""Metadata: title, authors, dates, dateline, publisher, language, counts and hashes (dates are parsed by
:mod:`news_etl.dates`, names by :mod:`news_etl.bylines`).

Pure functions over text. A value nothing in the input supports is ``None``: never invented.
Times are resolved against a ``reference`` time passed in by the caller (the run's time), never
``now()``, so the same input gives the same output on every run.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from itertools import islice
from urllib.parse import urlparse

from news_etl.bylines import (
    BARE_BYLINE,
    BYLINE,
    MAX_BYLINE_CHARS,
    ROLE_WORDS,
    author_box,
    email_domains,
    is_agency,
    parse_byline,
    split_byline,
)
from news_etl.credits import author_note, credit_names
from news_etl.datelines import strip_wire_tag
from news_etl.dates import (
    DATE_EVIDENCE,
    EXPLICIT_UTC,
    FULL_DATE,
    PUBLISHED_LABELS,
    TIMESTAMP_LABEL,
    out_of_range,
    parse_local_datetime,
    timestamp_segments,
)
from news_etl.text import alnum_key, count_words, line_below, lines_below, normalise_for_hash

# --------------------------------------------------------------------------- header lines


#: An accessibility link, often a page's first line ("Skip to content"): never its headline.
SKIP_LINK = re.compile(r"^skip (?:to|directly to)\b", re.IGNORECASE)


def is_headline(line: str, fewest_words: int = 3) -> bool:
    """A line shaped like a headline: short, not a sentence ending in a full stop, not a label."""
    line = strip_wire_tag(line)
    n = count_words(line)
    if not fewest_words <= n <= 30 or len(line) > 250:
        return False
    if (
        line.endswith((".", ",", ";", ":"))
        or BYLINE.match(line)
        or TIMESTAMP_LABEL.match(line)
        or FULL_DATE.search(line)
        or SKIP_LINK.match(line)
    ):
        return False
    first = line.lstrip("“\"'‘")[:1]
    return first.isupper() or first.isdigit()


#: Lines above a body that are furniture of the headline's neighbourhood, not the headline.
NOT_TITLE = re.compile(
    r"^(credit|photo|image|picture|video|listen|watch|advertisement|updated|published|share)\b", re.IGNORECASE
)


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
    modified_date: date | None = None  # the update's day, as the published date's
    date_line: int | None = None  # the line the published date was read from
    byline_line: int | None = None  # the line the byline ranker took the authors from
    warnings: list[str] = field(default_factory=list)  # dates that parsed but cannot be right (articles.repairs)
    reader_zone: tzinfo | None = None  # where the page's readers are: the day of a UTC-only timestamp

    def set_published(self, raw: str, local: datetime) -> bool:
        """The raw string, the UTC instant and the day as the source wrote it, from one parse; a timestamp
        given only in UTC is dated in the readers' zone when the page says where they are. A date out of
        range is not set (the raw text is kept if there is no other date) and is noted; returns whether set."""
        if self._refused("published", raw, local):
            return False
        self.published_raw, self.published_at, self.published_date = raw, local.astimezone(UTC), self.day_of(raw, local)
        return True

    def set_modified(self, raw: str, local: datetime) -> None:
        if not self._refused("modified", raw, local):
            self.modified_raw, self.modified_at = raw, local.astimezone(UTC)
            self.modified_date = self.day_of(raw, local)

    def day_of(self, raw: str, local: datetime) -> date:
        """The day the source wrote; a timestamp given only in UTC, in the readers' zone when the page says it."""
        if self.reader_zone is not None and EXPLICIT_UTC.search(raw.strip()):
            return local.astimezone(self.reader_zone).date()
        return local.date()

    def _refused(self, field_name: str, raw: str, local: datetime) -> bool:
        """True (noted, and the raw text kept while no other date is set) when ``local`` is out of range."""
        why = out_of_range(local)
        if why:
            self.warnings.append(f"{field_name}_at: {raw[:100]!r} {why}; left empty")
            if getattr(self, f"{field_name}_at") is None:
                setattr(self, f"{field_name}_raw", raw)
        return why is not None


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
        second = lines[nonblank[1]].strip() if len(nonblank) > 1 else ""
        # Two words make a headline right above a byline: a wire flash's "Oil falls" over "By John Smith".
        if second and is_headline(first, 2 if BYLINE.match(second) else 3):
            h.title = first
            h.marks[nonblank[0]] = "meta:title"

    # Timestamps: labelled lines anywhere short enough to be metadata, bare date lines near the top. A
    # "Published" line wins over a bare date above it (a teaser's date can sit above the article's header).
    bare_line: int | None = None
    for i in nonblank:
        line = lines[i].strip()
        if i in h.marks or count_words(line) > 30:
            continue
        # A label opens the line, or the line is short: "will be published on 16 July" inside a
        # sentence is not a timestamp line.
        labelled = TIMESTAMP_LABEL.match(line) or (TIMESTAMP_LABEL.search(line) and count_words(line) <= 15)
        segments = timestamp_segments(line) if labelled else []
        parsed_any = False
        for label, raw in segments:
            local = parse_local_datetime(raw, reference, default_tz)
            if local is None:
                continue
            parsed_any = True
            if label in PUBLISHED_LABELS and (h.published_at is None or h.date_line == bare_line):
                if h.set_published(raw, local):
                    h.date_line, bare_line = i, None
            elif label not in PUBLISHED_LABELS and h.modified_at is None:
                h.set_modified(raw, local)
        if not segments and i in head and count_words(line) <= 12 and h.published_at is None:
            local = parse_local_datetime(line, reference, default_tz)
            # A bare date line: most of its words must be the date itself.
            if local is not None and DATE_EVIDENCE.search(line) and count_words(DATE_EVIDENCE.sub("", line)) <= 6:
                if h.set_published(line, local):
                    h.date_line = bare_line = i
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
        line, bare = lines[i].strip(), i
        joined: list[int] = []  # the lines that join more names to a "By" alone's ("and" / "Tom Poe")
        if BARE_BYLINE.match(line) and (named := line_below(lines, i)) is not None:
            names_text, joined = split_byline(lines, named)
            line, i = f"{line} {names_text}", named  # "By" / "Kim Key" (/ "and" / "Tom Poe"): the byline is below
        if i in h.marks or count_words(line) > 15 or not BYLINE.match(line) or (i in tail and credit_names(line)):
            continue  # a wire credit at the end ("Reporting by A in London; Editing by B"): _find_credits reads it
        if i in rest and h.authors:
            break
        names = parse_byline(line)
        if names:
            h.marks.update(dict.fromkeys([i, bare, *joined], "meta:byline"))
            # AP prints its name on the line under the reporters' ("By LISA MASCARO" / "Associated Press"): part
            # of the byline, as in "By Lisa Mascaro, Associated Press", and no first paragraph to read a dateline in.
            below = line_below(lines, i)
            agency = lines[below].strip(" .,;:-–—|") if below is not None and below not in h.marks else ""
            if below is not None and agency and is_agency(agency):
                h.marks[below] = "meta:byline"
                names += [agency] if agency not in names else []
            if not h.authors:
                h.authors = names
    if not h.authors:
        _find_bare_byline(h, lines, nonblank)
    if not h.authors:
        _find_author_box(h, lines, head + tail)
    _find_credits(h, lines, nonblank)
    if not hint_title:
        _title_near_header(h, lines, nonblank)
    if hint_authors:
        cleaned = [n for a in hint_authors for n in parse_byline(a)]
        h.authors = list(dict.fromkeys(cleaned)) or h.authors
        for long in (a for a in hint_authors if len(a) > MAX_BYLINE_CHARS):  # parse_byline reads none of it
            h.warnings.append(f"authors: {long[:60]!r}... ({len(long):,} characters) is no name; dropped")
    return h


def _find_loose_date(
    h: Header, lines: list[str], nonblank: list[int], reference: datetime | None, default_tz: str
) -> None:
    """No labelled or top-of-text date: the first short line anywhere that is a full date with its year,
    or that carries one glued to a name ("Rob Dawson, CorrespondentDec 22, 2023, 10:15 PM")."""
    for i in nonblank:
        line = lines[i].strip()
        if i in h.marks or count_words(line) > 14:
            continue
        m = FULL_DATE.search(line)
        if m is None:
            continue
        local = parse_local_datetime(m.group(0), reference, default_tz)
        if local is None:
            continue
        if not h.set_published(m.group(0).strip(" ,"), local):
            continue
        if count_words(FULL_DATE.sub("", line)) <= 4:  # the line is the date: it is metadata, not body
            h.marks[i] = "meta:timestamp"
        h.date_line = i
        return


def _find_credits(h: Header, lines: list[str], nonblank: list[int]) -> None:
    """Credit lines near the end ("(Reporting by ...; Editing by ...)", "X contributed to this report", an author's
    note) are metadata: out of the body, their reporters into the authors (after a byline's), contributors and
    the writer of a note only when nobody else is named."""
    contributors: list[str] = []
    for i in nonblank[-8:]:
        # A dated credit ("This report by The Canadian Press was first published July 22, 2024.") is read here too.
        if h.marks.get(i) not in (None, "meta:timestamp"):
            continue
        earlier = (lines[j] for j in nonblank if j < i and j not in h.marks)  # a byline names the writer too
        found = credit_names(lines[i]) or author_note(lines[i], earlier)
        if found is None:
            continue
        names, reporters = found
        h.marks.setdefault(i, "meta:credit")
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
    for i in nonblank[max(0, pos - 2) : pos + 3]:
        if i != anchor and i in h.marks:
            continue
        line = lines[i].strip()
        first = re.split(r"\s*[,|]\s*", line, maxsplit=1)[0]
        rest = line[len(first) :]
        if count_words(line) > 14 or not _PLAIN_NAME.match(first):
            continue
        if rest and not (ROLE_WORDS.search(rest) or FULL_DATE.search(rest)):
            continue  # "Paris, France" is a place, "Rob Dawson, Correspondent" a byline
        names = parse_byline(first)
        if names:
            h.authors = names
            if i != anchor:
                h.marks[i] = "meta:byline"
            return


def _find_author_box(h: Header, lines: list[str], near: list[int]) -> None:
    """An author's box at the top or the end of the article (:func:`bylines.author_box`) names its author."""
    for i in near:
        below = [lines[k].strip() for k in islice(lines_below(lines, i), 2)]
        if i not in h.marks and author_box(lines[i].strip(), below):
            h.authors, h.marks[i] = [lines[i].strip()], "meta:byline"
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
    above = list(reversed(nonblank[max(0, pos - 4) : pos]))
    below = nonblank[pos + 1 : pos + 4]
    for i in above + below:
        line = lines[i].strip()
        if i in h.marks or not is_headline(line) or count_words(line) < 3:
            continue
        if line.isupper():
            continue  # a shouted button ("GET OUR E-ALERTS")
        if NOT_TITLE.match(line):
            continue  # a photo credit under the headline ("Credit...Jane Doe/The Times"), a share button
        if _PLAIN_NAME.match(line) and count_words(line) <= 4:
            continue  # a name beside the byline is the author, not the headline
        for j, why in list(h.marks.items()):
            if why == "meta:title":
                del h.marks[j]
        h.title = line
        h.marks[i] = "meta:title"
        return


# --------------------------------------------------------------------------- body-level fields

_FREEMAIL = {
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "aol.com",
    "icloud.com",
    "proton.me",
    "protonmail.com",
    "example.com",
}


def find_publisher(text: str, url: str | None = None, hint: str | None = None) -> str | None:
    """The publishing site: the container's site name, else the domain of emails the text gives, else the URL's."""
    if hint:
        return hint.strip() or None
    domains = Counter(d.lower() for d in email_domains(text) if d.lower() not in _FREEMAIL)
    if domains:
        return domains.most_common(1)[0][0]
    return url_host(url) or None


def url_host(url: str | None) -> str:
    """The host of ``url`` without its "www." ("" when there is none)."""
    return (urlparse(url).hostname or "").removeprefix("www.") if url else ""


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
