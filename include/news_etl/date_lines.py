"""Publication dates of text without markup: which date on a page's text is its article's.

A whole page saved as text shows many dates: the article's, its update, the dates of teasers for other
stories, a comment's, an archive note's, the copyright year. The header rules (:mod:`news_etl.metadata`)
take a labelled or top-of-text date line, else the first full date anywhere; on pages they were not written
for, that is often a teaser's date. Every line near the body that carries a date is a candidate here; a
small learned ranker (``models/date_model.json``, trained by ``benchmarks/train_date_model.py`` on newsbench
dev with cross-validation grouped by site) scores them from the line's shape and label, its place relative
to the headline, the byline and the body, and how its date relates to the page's other dates. Its pick
replaces the rules' date when it scores at least the threshold the cross-validation chose.

A line that dates only an update ("Updated Dec 3") can be the pick: the page then shows no publication date of
its own, its update is what readers see (``published_date`` falls back to it) and the rules' date, another
line's, is dropped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from news_etl.bylines import BYLINE
from news_etl.dates import (
    DATE_EVIDENCE,
    FULL_DATE,
    PUBLISHED_LABELS,
    RELATIVE,
    TIMESTAMP_LABEL,
    WEEKDAY,
    YEAR,
    ZONE_ABBREVIATION,
    day_word,
    parse_local_datetime,
    timestamp_segments,
)
from news_etl.headlines import window
from news_etl.linemodel import Ranker, read_model_file
from news_etl.settings import MODELS_DIR
from news_etl.text import count_words

MODEL_FILE = MODELS_DIR / "date_model.json"
#: Non-empty lines above the body's first sentence paragraph that may date it (a page's menus can be long),
#: and below it (a teaser paragraph can come before the date, an article can end with its date).
WINDOW_ABOVE, WINDOW_BELOW = 120, 25
#: Longer lines are sentences: "will be published on 16 July" inside one is no timestamp.
MAX_LINE_WORDS = 30
#: Non-empty lines a masthead's date stands above the headline, at least (:func:`is_masthead`). A date one or two
#: lines above the headline is the article's kicker or timestamp.
MASTHEAD_ABOVE = 3
#: Words a wire dateline puts before its date, at most ("SAN FRANCISCO, California, Dec 20 (Reuters) -").
DATELINE_WORDS = 6

FEATURES = [
    "above",
    "rel_pos",
    "log_words",
    "date_share",
    "label_published",
    "label_updated",
    "has_time",
    "has_year",
    "relative",
    "has_weekday",
    "has_zone",
    "title_distance",
    "byline_distance",
    "byline_in_line",
    "cand_order",
    "log_cands",
    "same_day",
    "days_from_latest",
    "days_from_earliest",
    "years_from_latest",
    "kept_in_body",
    "ends_punct",
    "updated_near",
    "log_lines",
    "first_below_title",
    "first_near_byline",
]

_TIME = re.compile(r"\d{1,2}:\d{2}|\b\d{1,2}\s*[ap]\.?m\b", re.IGNORECASE)
_ZONE = re.compile(rf"\b(?:{ZONE_ABBREVIATION}|Z)\b|[+-]\d{{2}}:?\d{{2}}\b")
_YESTERDAY = re.compile(r"\b(?:yesterday|today|just now)\b", re.IGNORECASE)


@dataclass(frozen=True)
class DateCandidate:
    """A line that carries a date: where it is, the date text read, and that text parsed in its own zone."""

    line: int
    raw: str
    local: datetime
    labelled: bool  # a "Published"/"Posted" label introduces it
    updated_only: bool  # the line dates an update and nothing else


def read_line(line: str, reference: datetime | None, default_tz: str) -> tuple[str, datetime, bool, bool] | None:
    """``(raw, local, labelled, updated_only)`` of the date a line carries, or None. A labelled line gives its
    publication segment (else its first dated segment, an update's); any other line its first full date, or
    the whole line when it is a short date on its own ("Tuesday, 19 December", "3 hours ago")."""
    text = line.strip()
    if not text or count_words(text) > MAX_LINE_WORDS:
        return None
    if TIMESTAMP_LABEL.search(text):
        updated = None
        for label, segment in timestamp_segments(text):
            raw = segment.strip(" ,|/·•")
            local = parse_local_datetime(raw, reference, default_tz) if raw else None
            if local is None:
                continue
            if label in PUBLISHED_LABELS:
                return raw, local, True, False
            updated = updated or (raw, local)
        if updated is not None:
            return updated[0], updated[1], False, True
    full = FULL_DATE.search(text)
    if full is not None:
        raw = full.group(0).strip(" ,")
        local = parse_local_datetime(raw, reference, default_tz)
        if local is not None:
            return raw, local, False, False
    short = count_words(text) <= 12
    if short and (DATE_EVIDENCE.search(text) or RELATIVE.search(text) or _YESTERDAY.search(text)):
        local = parse_local_datetime(text, reference, default_tz)
        if local is not None:
            return text, local, False, False
    return None


def candidates(
    lines: list[str],
    start: int,
    reference: datetime | None,
    default_tz: str,
    furniture: frozenset[int] = frozenset(),
    prose: Collection[str] = (),
) -> list[DateCandidate]:
    """The dated lines within the window around ``start``, top to bottom, without the ``furniture`` lines (those
    a boilerplate rule named: a photo caption's "... in Clinton, Michigan, on 27 September 2023. Photograph: ..."
    dates the picture, a teaser's date another story) and without the body's sentences that mention a date
    (``prose``: the lines the cleaner kept; "... by more than 20 percent starting July 1, 2024." dates a plan,
    not the article; see :func:`_mentions_date`), and without a citation's retrieval date."""
    out = []
    for i in window(lines, start, WINDOW_ABOVE, WINDOW_BELOW):
        if i in furniture:
            continue
        found = read_line(lines[i], reference, default_tz)
        if found is None or _retrieved(lines[i], found[0]):
            continue
        if not (lines[i].strip() in prose and _mentions_date(lines[i].strip(), found[0])):
            out.append(DateCandidate(i, *found))
    return out


#: A citation's "retrieved"/"accessed" before a date: the day someone read a source, no article's date.
_RETRIEVED = re.compile(r"\b(?:retrieved|accessed)(?:\s+on)?[\s:,]*$", re.IGNORECASE)


def _retrieved(line: str, raw: str) -> bool:
    """Whether the date ``raw`` on ``line`` is a citation's retrieval date ("retrieved 24 December 2023")."""
    at = line.find(raw)
    return at > 0 and bool(_RETRIEVED.search(line[:at]))


def _mentions_date(line: str, raw: str) -> bool:
    """Whether a body line is a sentence that mentions the date ``raw`` in passing: 12 words or more, ending like a
    sentence, unlabelled, the date not among its first :data:`DATELINE_WORDS` words (a wire dateline, "MARSEILLE,
    July 22, 2024 (Reuters) - ...", opens its story's first paragraph and dates it)."""
    if count_words(line) < 12 or not line.endswith((".", "!", "?", '"', "\u201d")) or TIMESTAMP_LABEL.search(line):
        return False
    at = line.find(raw)
    return at >= 0 and count_words(line[:at]) > DATELINE_WORDS


def pick(
    scores: np.ndarray,
    threshold: float,
    cands: list[DateCandidate],
    lines: list[str],
    *,
    rules_line: int | None,
    title_line: int | None,
    byline_line: int | None,
) -> DateCandidate | None:
    """The candidate dating a text without markup, given the ranker's ``scores`` of ``cands``, or None to keep
    the header rules' date (on ``rules_line``):

    - the ranker's best, when it scores at least ``threshold`` (a relative best loses to a labelled rules' date);
    - a relative date beside the byline (:func:`relative_beside_byline`), unless the pick (with no pick, the
      rules' date) is labelled ("Published Dec 20, 2023" says which date it is);
    - a publication date labelled as such beside an update the ranker picked (:func:`publication_beside`);
    - when the ranker is unsure and the rules took a masthead's date (:func:`is_masthead`), the ranker's best
      of the other candidates: a site's "Thursday, December 21, 2023" above its menus is the day the page was
      viewed, so even a doubtful date below the headline is likelier the article's.
    """
    order = sorted(range(len(cands)), key=lambda i: -scores[i])  # stable: the first of equal scores wins
    k = order[0] if order and scores[order[0]] >= threshold else None
    if k is None and rules_line is not None and is_masthead(lines, rules_line, title_line):
        k = next((i for i in order if cands[i].line != rules_line), None)
    rules_labelled = rules_line is not None and bool(TIMESTAMP_LABEL.search(lines[rules_line]))
    if k is not None and rules_labelled and is_relative(cands[k].raw):
        # "2 hours ago" counts back from when the page was saved, which the ranker cannot know (see
        # relative_beside_byline); "Published: February 27, 2026" says which day it is.
        k = None
    labelled = cands[k].labelled if k is not None else rules_labelled
    beside = relative_beside_byline(lines, cands, byline_line)
    if beside is not None and not labelled:
        return beside
    if k is None:
        return None
    return publication_beside(lines, cands, cands[k]) if cands[k].updated_only else cands[k]


def is_masthead(lines: list[str], i: int, title_line: int | None) -> bool:
    """Whether line ``i`` is a site's masthead date: a weekday and a date alone ("Mon December 25, 2023",
    "Sunday 24th December"), unlabelled, standing at least :data:`MASTHEAD_ABOVE` non-empty lines above the
    headline. Sites print the day's date in their header; an article's own date sits beside its headline and
    byline, and is seldom written with its weekday alone on a line that far above them."""
    line = lines[i].strip()
    if title_line is None or i >= title_line or count_words(line) > 6 or not WEEKDAY.search(line):
        return False
    if TIMESTAMP_LABEL.search(line) or not DATE_EVIDENCE.search(line):
        return False
    return sum(1 for j in range(i + 1, title_line + 1) if lines[j].strip()) >= MASTHEAD_ABOVE


def publication_beside(lines: list[str], cands: list[DateCandidate], update: DateCandidate) -> DateCandidate:
    """A labelled publication date within two non-empty lines of an ``update`` the ranker picked ("Updated Dec. 23,
    2023 4:04AM EST" above "Published Dec. 22, 2023 12:16PM EST"), else the update: the update-only pick is for a
    page that shows no publication date of its own, and this one does."""
    for c in cands:
        if not c.labelled or c.updated_only:
            continue
        lo, hi = min(c.line, update.line), max(c.line, update.line)
        if sum(1 for j in range(lo + 1, hi) if lines[j].strip()) <= 1:
            return c
    return update


def relative_beside_byline(lines: list[str], cands: list[DateCandidate], byline: int | None) -> DateCandidate | None:
    """A relative date ("3 hours ago", "yesterday") on the byline's line or the next line below it: the article's
    own. The ranker never learnt that (dev does not record when its pages were saved, so none of its relative
    lines is known to give the labelled day), and a bare one loses to a teaser's full date elsewhere."""
    if byline is None:
        return None
    below = next((i for i in range(byline + 1, min(len(lines), byline + 4)) if lines[i].strip()), None)
    return next((c for c in cands if c.line in (byline, below) and is_relative(c.raw)), None)


def is_relative(raw: str) -> bool:
    """Whether a date is relative: "3 hours ago", or a day word alone ("Yesterday", "Updated today at 10:30")."""
    return bool(RELATIVE.search(raw)) or day_word(raw) is not None


def date_features(
    lines: list[str],
    cands: list[DateCandidate],
    start: int,
    *,
    title_line: int | None,
    byline_line: int | None,
    kept: set[str],
) -> np.ndarray:
    """One row of :data:`FEATURES` per candidate. ``kept``: the lines the cleaner kept in the body."""
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    ordinal = {i: k for k, i in enumerate(nonblank)}
    n = max(1, len(nonblank))
    start_ord = ordinal.get(start, 0)
    days = [c.local.date().toordinal() for c in cands]
    latest, earliest = max(days, default=0), min(days, default=0)
    latest_year = max((c.local.year for c in cands), default=0)
    updated = [ordinal[c.line] for c in cands if c.updated_only]
    # The first dated line below the headline, and the one nearest the byline: where an article's own date sits.
    below_title = next((c.line for c in cands if title_line is not None and c.line > title_line), None)
    near_byline = (
        min(cands, key=lambda c: abs(ordinal[c.line] - ordinal[byline_line])).line
        if cands and byline_line in ordinal
        else None
    )
    rows = []
    for k, c in enumerate(cands):
        line = lines[c.line].strip()
        o = ordinal[c.line]
        words = max(1, count_words(line))
        rows.append(
            [
                start_ord - o,
                o / n,
                math.log1p(words),
                min(1.0, count_words(c.raw) / words),
                float(c.labelled),
                float(c.updated_only),
                float(bool(_TIME.search(c.raw))),
                float(bool(YEAR.search(c.raw))),
                float(bool(RELATIVE.search(c.raw) or _YESTERDAY.search(c.raw))),
                float(bool(WEEKDAY.search(line))),
                float(bool(_ZONE.search(c.raw))),
                _distance(o, title_line, ordinal),
                _distance(o, byline_line, ordinal),
                float(bool(BYLINE.search(line))),
                float(min(k, 10)),
                math.log1p(len(cands)),
                float(min(days.count(days[k]) - 1, 5)),
                math.log1p(latest - days[k]),
                math.log1p(days[k] - earliest),
                float(min(latest_year - c.local.year, 5)),
                float(line in kept),
                float(line.endswith((".", "!", "?"))),
                float(any(abs(u - o) <= 2 for u in updated if u != o)),
                math.log1p(n),
                float(c.line == below_title),
                float(c.line == near_byline),
            ]
        )
    return np.array(rows, dtype=float).reshape(len(rows), len(FEATURES))


def _distance(o: int, line: int | None, ordinal: dict[int, int]) -> float:
    """Signed distance in non-empty lines from a header line (clipped); 20 when there is none."""
    return float(np.clip(o - ordinal[line], -10, 10)) if line in ordinal else 20.0


def date_inputs(
    lines: list[str],
    start: int,
    reference: datetime | None,
    default_tz: str,
    *,
    title_line: int | None,
    byline_line: int | None,
    kept: set[str],
    furniture: frozenset[int] = frozenset(),
) -> tuple[list[DateCandidate], np.ndarray]:
    """The candidates around ``start`` (none on ``furniture`` lines) and their rows of :data:`FEATURES`: what
    the ranker scores, in the article step and in its training alike."""
    cands = candidates(lines, start, reference, default_tz, furniture, kept)
    return cands, date_features(lines, cands, start, title_line=title_line, byline_line=byline_line, kept=kept)


def readers_day(
    markup: date,
    picked: date,
    updated_only: bool,
    shown: Collection[date],
    relative: bool = False,
    markup_zoned: bool = False,
    yearless: bool = False,
    markup_at: datetime | None = None,
) -> Literal["markup", "update", "shift", "page"]:
    """Which day dates an HTML page whose markup says ``markup`` while the ranker is sure of the ``picked`` day
    among the days its dated lines show (``shown``):

    - "markup": the markup's day, when the pick is ``relative`` ("5 days ago": counted back from when the file
      was saved, in whole hours or days, it cannot correct the markup's instant), or when the page shows the
      markup's day too: the pick is another date on the page (a related story's, an event's), unless it is only
      a day's shift;
    - "update": the picked update's day, when the page shows only its update, not the markup's publication (an
      evergreen guide showing "Updated Dec 14, 2023" whose markup keeps its 2022 first publication);
    - "shift": the picked day one day off the markup's, the readers' day of a UTC instant (the instant stays);
      not when the markup's time carries its own zone's offset (``markup_zoned``: "09:50:02-05:00" is the site's
      day already) and the page shows that day, nor when the markup's instant (``markup_at``) is that day
      nowhere on Earth (12:06 UTC is the 22nd from UTC-12 to UTC+11): the pick is then a teaser's date;
    - "page": the picked date, when the markup's is another's (a template's 2019 date on a 2023 story); never a
      date without its year (``yearless``: "Dec 21" is a teaser's as often as the story's, and its year a guess).
    """
    if picked == markup or relative:
        return "markup"
    markup_shown = markup in shown
    if updated_only:
        return "markup" if markup_shown else "update"
    if abs((picked - markup).days) <= 1 and _somewhere_that_day(markup_at, picked):
        return "markup" if markup_zoned and markup_shown else "shift"
    return "markup" if markup_shown or yearless else "page"


#: The offsets of the world's time zones, from UTC-12 to UTC+14.
_EARLIEST, _LATEST = timedelta(hours=-12), timedelta(hours=14)


def _somewhere_that_day(at: datetime | None, day: date) -> bool:
    """Whether the instant ``at`` falls on ``day`` in some time zone (True when the instant is unknown)."""
    if at is None:
        return True
    utc = at.astimezone(UTC) if at.tzinfo else at
    return (utc + _EARLIEST).date() <= day <= (utc + _LATEST).date()


def in_year(day: date, year: int, yearless: bool) -> date:
    """``day`` moved to ``year`` when its text gave no year of its own (29 February stays where it was)."""
    if not yearless or day.year == year:
        return day
    try:
        return day.replace(year=year)
    except ValueError:
        return day


@lru_cache(maxsize=4)
def default_date_model(path: Path | None = None) -> Ranker | None:
    """The ranker at ``path`` (``NEWS_ETL_DATE_MODEL`` naming a file), else the shipped one; loaded once."""
    without = "dates of plain text come from the header rules only"
    data = read_model_file(path or MODEL_FILE, FEATURES, "benchmarks/train_date_model.py", without)
    return Ranker.from_json(data) if data else None
