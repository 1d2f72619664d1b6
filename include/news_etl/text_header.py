"""The header of a text without markup, once the header rules and the cleaner have read it: the learned
rankers' headline, byline and date picks over the rules' (:mod:`news_etl.headlines`, :mod:`news_etl.byline_lines`,
:mod:`news_etl.date_lines`), the headline above the body where nothing gave one, a brief's lede given back to its
body, and the lines that leave the body with them (``meta:title``, ``meta:byline``, ``meta:timestamp``).

Each function takes the header (:class:`metadata.Header`) and the cleaned text (:class:`cleaning.Cleaned`) and
updates both; :func:`news_etl.articles.build_article` calls them in order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from news_etl import date_lines, metadata
from news_etl.byline_lines import pick_byline, under_bare_by
from news_etl.cleaning import Cleaned, sentence_words
from news_etl.date_lines import FEATURES as DATE_FEATURES
from news_etl.date_lines import DateCandidate
from news_etl.headlines import body_start, pick_title, trail_headline
from news_etl.linemodel import Ranker
from news_etl.ruleset import RuleSet
from news_etl.text import count_words, line_above, line_below

#: How far above the body's first paragraph the headline is looked for (byline, date, image and share lines
#: sit between them on most pages).
TITLE_SEARCH_LINES = 12


def headline_above(lines: list[str], marks: dict[int, str], start: int | None, is_furniture) -> int | None:
    """The line index of the headline of a page whose header gave no title: the nearest headline-shaped
    line within :data:`TITLE_SEARCH_LINES` lines above ``start``, the body's first sentence paragraph (kept
    teaser headlines can come before it), skipping byline and date lines, captions and credits, and lines
    ``is_furniture(line)`` (a rule) removes. None when there is none (or no sentence paragraph)."""
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
        if i in marks or metadata.NOT_TITLE.match(line) or not metadata.is_headline(line) or line.endswith("…"):
            continue
        if count_words(line) >= 4 and not is_furniture(line):
            return i
    return None


def title_above_body(lines: list[str], header: metadata.Header, cleaned: Cleaned, rules: RuleSet) -> None:
    """A page's text with no headline beside its byline or date: take the headline just above the body."""
    start = body_start(lines, cleaned.paragraphs, or_first=False)
    found = headline_above(lines, header.marks, start, lambda ln: rules.match(ln) is not None)
    if found is not None:
        _set_title(lines, found, header, cleaned)


def ranked_title(lines: list[str], header: metadata.Header, cleaned: Cleaned, title_model: Ranker) -> int | None:
    """Text without the page's own metadata: the learned ranker picks the headline among the page's lines.

    A line the cleaner kept in the body becomes the title only if it is shaped like one (and, by
    :func:`_set_title`, is no prose line of a brief). Returns the line of the rules' title the pick replaced."""
    start = body_start(lines, cleaned.paragraphs)
    if start is None:
        return None
    picked = pick_title(title_model, lines, start, header.marks, cleaned.body, cleaned.named_furniture(), header.title)
    if picked is None:
        return None
    picked = trail_headline(lines, picked)
    line = lines[picked].strip()
    if line == header.title or (line in cleaned.paragraphs and not metadata.is_headline(line)):
        return None
    replaced = next((i for i, why in header.marks.items() if why == "meta:title"), None)
    _set_title(lines, picked, header, cleaned)
    if replaced is None or header.title != line:
        return None
    del header.marks[replaced]
    header.marks[picked] = "meta:title"
    return replaced


def ranked_byline(lines: list[str], header: metadata.Header, cleaned: Cleaned, byline_model: Ranker) -> None:
    """Text without the page's own metadata: the learned ranker picks the byline line; its names are the
    authors. The line leaves the body only if the cleaner kept it and it is no prose."""
    start = body_start(lines, cleaned.paragraphs)
    if start is None:
        return
    furniture = cleaned.named_furniture()
    picked = pick_byline(byline_model, lines, start, title_line(lines, header), header.marks, cleaned.body, furniture)
    if picked is None:
        return
    found, names = picked
    if lines[found].strip() in cleaned.brief_prose:
        return  # a brief's sentence ("Indonesian, Indian and Hong Kong stock markets reached record highs.")
    header.authors = names
    header.byline_line = found
    for i in [found, *under_bare_by(lines, found)[1]]:  # with the lines joining more names to it ("and" / "Tom Poe")
        line = lines[i].strip()
        if line in cleaned.paragraphs and count_words(line) <= 12:
            cleaned.take(i, line, "meta:byline")


def title_line(lines: list[str], header: metadata.Header) -> int | None:
    """The line the header's title was read from, if any."""
    return next((i for i, line in enumerate(lines) if header.title and line.strip() == header.title), None)


def byline_line(header: metadata.Header) -> int | None:
    """The line the header's authors were read from: the byline ranker's, else the rules' first byline."""
    if header.byline_line is not None:
        return header.byline_line
    return min((i for i, why in header.marks.items() if why == "meta:byline"), default=None)


@dataclass(frozen=True)
class DateInputs:
    """What the date ranker reads of a text: its candidates and their features, and the title's and byline's
    lines that :func:`date_lines.pick` weighs them against (found once, for both)."""

    cands: list[DateCandidate]
    X: np.ndarray
    title_line: int | None
    byline_line: int | None


def date_inputs(
    lines: list[str], header: metadata.Header, cleaned: Cleaned, reference: datetime, default_tz: str
) -> DateInputs:
    """The date ranker's inputs for a text as the header step and the cleaner leave it (no candidates when the
    text has no body); the ranker's training reads the same."""
    title, byline = title_line(lines, header), byline_line(header)
    start = body_start(lines, cleaned.paragraphs)
    if start is None:
        return DateInputs([], np.zeros((0, len(DATE_FEATURES))), title, byline)
    cands, X = date_lines.date_inputs(
        lines,
        start,
        reference,
        default_tz,
        title_line=title,
        byline_line=byline,
        kept=set(cleaned.paragraphs),
        furniture=cleaned.named_furniture(),
    )
    return DateInputs(cands, X, title, byline)


def ranked_date(
    lines: list[str],
    header: metadata.Header,
    cleaned: Cleaned,
    date_model: Ranker,
    reference: datetime,
    default_tz: str,
) -> None:
    """Text without the page's own metadata: the learned ranker picks the line dating the article among the
    page's dated lines. A short line that is only the date leaves the body."""
    inputs = date_inputs(lines, header, cleaned, reference, default_tz)
    picked = date_lines.pick(
        date_model.trees.proba(inputs.X) if len(inputs.X) else np.zeros(0),
        date_model.threshold,
        inputs.cands,
        lines,
        rules_line=header.date_line,
        title_line=inputs.title_line,
        byline_line=inputs.byline_line,
    )
    if picked is None or picked.line == header.date_line:
        return
    if picked.updated_only:
        # The article's own date line is its update's: the rules' date, on another line, is a teaser's.
        header.set_modified(picked.raw, picked.local)
        header.published_raw = header.published_at = header.published_date = header.date_line = None
        return
    if not header.set_published(picked.raw, picked.local):
        return
    header.date_line = picked.line
    line = lines[picked.line].strip()
    if line in cleaned.paragraphs and count_words(line) - count_words(picked.raw) <= 4:
        cleaned.take(picked.line, line, "meta:timestamp")


def lede_taken_for_title(lines: list[str], header: metadata.Header, cleaned: Cleaned, rules: RuleSet) -> int | None:
    """The line the header rules took as the title when it is a brief's lede instead: a sentence
    (:func:`cleaning.sentence_words`: "... figures have shown", "... their financial future?") in a text whose
    prose, that line included, is a brief (``rules.brief_max_words``). A brief has no prose to spare; its header
    gives it back (and no title) instead of emptying it. A line right above a byline with no headline above it
    is the headline (a byline sits between a headline, or its standfirst, and the story; never under a lede)."""
    found = next((i for i, why in header.marks.items() if why == "meta:title"), None)
    if found is None or rules.brief_max_words <= 0 or _above_byline(lines, found, header.marks):
        return None
    words = sentence_words(lines[found].strip())
    if not words or words + sum(sentence_words(p) for p in cleaned.paragraphs) > rules.brief_max_words:
        return None
    header.title = None
    del header.marks[found]
    return found


def _above_byline(lines: list[str], found: int, marks: dict[int, str]) -> bool:
    """Whether line ``found`` sits right above a byline with no headline-shaped line right above it."""
    below, above = line_below(lines, found), line_above(lines, found)
    byline_below = below is not None and marks.get(below) == "meta:byline"
    return byline_below and (above is None or not metadata.is_headline(lines[above]))


def _set_title(lines: list[str], found: int, header: metadata.Header, cleaned: Cleaned) -> None:
    """Line ``found`` is the headline: the title, recorded as ``meta:title`` (out of the body if it was kept).

    Not a prose line the cleaner kept in a brief (``Cleaned.brief_prose``): a brief's lede that lost its full
    stop ("... figures have shown") is shaped like a long headline, and a brief has no prose to spare."""
    title = lines[found].strip()
    if title in cleaned.brief_prose and title in cleaned.paragraphs:
        return
    header.title = title
    if title in cleaned.paragraphs:
        cleaned.take(found, title, "meta:title")
    else:
        cleaned.removed = [
            replace(r, rule="meta:title", body_probability=None) if r.line_no == found + 1 else r
            for r in cleaned.removed
        ]
