"""One record in, one article row (plus its removed lines) out: cleaning and metadata put together."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from news_etl import date_lines, datelines, dates, metadata
from news_etl.byline_lines import pick_byline
from news_etl.bylines import without_outlets
from news_etl.cleaning import Cleaned, clean, sentence_words
from news_etl.date_lines import FEATURES as DATE_FEATURES
from news_etl.date_lines import DateCandidate
from news_etl.headlines import body_start, clean_headline, pick_title, trail_headline
from news_etl.html import markup_text_missed
from news_etl.linemodel import LineModel, Ranker
from news_etl.reading import Record
from news_etl.ruleset import RuleSet
from news_etl.settings import Limits
from news_etl.text import alnum_key, count_words
from news_etl.values import bound_list, bound_text

#: Average adult silent reading speed for non-fiction (Brysbaert 2019, 238 words per minute).
READING_WORDS_PER_MINUTE = 238
#: A lede longer than this is cut at a word boundary: the description is a summary, the body is the text.
MAX_DESCRIPTION_CHARS = 600


def lede(paragraphs: list[str], max_chars: int = MAX_DESCRIPTION_CHARS) -> str | None:
    """The first paragraph of the body, cut at a word boundary if it runs long."""
    first = next((p.strip() for p in paragraphs if p.strip()), None)
    if first is None or len(first) <= max_chars:
        return first
    cut = first[:max_chars].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " ..."


def _title_above_body(lines: list[str], header: metadata.Header, cleaned: Cleaned, rules: RuleSet) -> None:
    """A page's text with no headline beside its byline or date: take the headline just above the body."""
    start = body_start(lines, cleaned.paragraphs, or_first=False)
    found = metadata.title_above_body(lines, header.marks, start, lambda ln: rules.match(ln) is not None)
    if found is not None:
        _set_title(lines, found, header, cleaned)


def _ranked_title(lines: list[str], header: metadata.Header, cleaned: Cleaned, title_model: Ranker) -> None:
    """Text without the page's own metadata: the learned ranker picks the headline among the page's lines.

    A line the cleaner kept in the body becomes the title only if it is shaped like one (and, by
    :func:`_set_title`, is no prose line of a brief)."""
    start = body_start(lines, cleaned.paragraphs)
    if start is None:
        return
    picked = pick_title(title_model, lines, start, header.marks, cleaned.body, cleaned.named_furniture())
    if picked is None:
        return
    picked = trail_headline(lines, picked)
    line = lines[picked].strip()
    if line != header.title and (line not in cleaned.paragraphs or metadata.is_headline(line)):
        _set_title(lines, picked, header, cleaned)


def _ranked_byline(lines: list[str], header: metadata.Header, cleaned: Cleaned, byline_model: Ranker) -> None:
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
    line = lines[found].strip()
    if line in cleaned.paragraphs and count_words(line) <= 12:
        cleaned.take(found, line, "meta:byline")


def title_line(lines: list[str], header: metadata.Header) -> int | None:
    """The line the header's title was read from, if any."""
    return next((i for i, line in enumerate(lines) if header.title and line.strip() == header.title), None)


def byline_line(header: metadata.Header) -> int | None:
    """The line the header's authors were read from: the byline ranker's, else the rules' first byline."""
    if header.byline_line is not None:
        return header.byline_line
    return min((i for i, why in header.marks.items() if why == "meta:byline"), default=None)


def date_inputs(
    lines: list[str], header: metadata.Header, cleaned: Cleaned, reference: datetime, default_tz: str
) -> tuple[list[DateCandidate], np.ndarray]:
    """The date ranker's candidates and features for a text as the header step and the cleaner leave it (none
    when the text has no body); the ranker's training reads the same."""
    start = body_start(lines, cleaned.paragraphs)
    if start is None:
        return [], np.zeros((0, len(DATE_FEATURES)))
    return date_lines.date_inputs(
        lines,
        start,
        reference,
        default_tz,
        title_line=title_line(lines, header),
        byline_line=byline_line(header),
        kept=set(cleaned.paragraphs),
        furniture=cleaned.named_furniture(),
    )


def _ranked_date(
    lines: list[str],
    header: metadata.Header,
    cleaned: Cleaned,
    date_model: Ranker,
    reference: datetime,
    default_tz: str,
) -> None:
    """Text without the page's own metadata: the learned ranker picks the line dating the article among the
    page's dated lines. A short line that is only the date leaves the body."""
    cands, X = date_inputs(lines, header, cleaned, reference, default_tz)
    picked = date_lines.pick(
        date_model.trees.proba(X) if len(X) else np.zeros(0),
        date_model.threshold,
        cands,
        lines,
        rules_line=header.date_line,
        title_line=title_line(lines, header),
        byline_line=byline_line(header),
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


@dataclass(frozen=True)
class _Models:
    """The trained models an article is read with (any of them may be off)."""

    line: LineModel | None
    title: Ranker | None
    byline: Ranker | None
    date: Ranker | None


def _names_the_publisher(authors: list[str], record: Record) -> bool:
    """Whether the markup's authors are only the publisher itself ("Top Gear" on topgear.com, "USA TODAY"
    when the reporter's name is missing from ", USA TODAY"): a person's byline on the page is then the better
    answer; without one, the publisher stays."""
    host = metadata.url_host(record.url)
    keys = {alnum_key(record.publisher or ""), alnum_key(host), alnum_key(host.split(".")[0])} - {""}
    return bool(keys) and all(alnum_key(a) in keys or alnum_key(a).removeprefix("the") in keys for a in authors)


def _from_visible_page(
    record: Record, header: metadata.Header, rules: RuleSet, models: _Models, reference: datetime, default_tz: str
) -> Cleaned:
    """An HTML page's visible lines, read as a page saved as text, where its markup and main text fall short:
    the authors when they name none (a byline outside the main text) or only the publisher, and the day readers
    see when the date ranker is sure of one that is not the markup's (a markup date can be the template's, or an
    instant in UTC whose day is not the readers', or a first publication the page no longer shows, only its
    update's). Returns the lines' cleaning: the body, where the markup's main text missed the article."""
    assert record.page_text is not None
    lines = record.page_text.split("\n")
    page = metadata.extract_header(lines, reference=reference, default_tz=default_tz, reader_tz=header.reader_zone)
    cleaned = clean(record.page_text, rules, preassigned=page.marks, model=models.line)
    if models.title is not None:
        _ranked_title(lines, page, cleaned, models.title)
    if models.byline is not None:
        _ranked_byline(lines, page, cleaned, models.byline)
    if models.byline is not None and (not header.authors or _names_the_publisher(header.authors, record)):
        header.authors = page.authors or header.authors
    _shown_day(lines, page, cleaned, header, models.date, reference, default_tz)
    return cleaned


def _shown_day(
    lines: list[str],
    page: metadata.Header,
    cleaned: Cleaned,
    header: metadata.Header,
    ranker: Ranker | None,
    reference: datetime,
    default_tz: str,
) -> None:
    """The day a page's visible ``lines`` show, where the date ``ranker`` is sure of it: see _from_visible_page."""
    override = ranker.override_threshold if ranker is not None else None
    if override is None or ranker is None or header.published_date is None or header.published_raw is None:
        return
    cands, X = date_inputs(lines, page, cleaned, reference, default_tz)
    k = ranker.best(X, override)
    if k is None:
        return
    picked = cands[k]
    shown = page.day_of(picked.raw, picked.local)
    days = {page.day_of(c.raw, c.local) for c in cands}
    verdict = date_lines.readers_day(
        header.published_date, shown, picked.updated_only, days, relative=date_lines.is_relative(picked.raw)
    )
    if verdict == "markup":
        return
    if verdict == "update":
        header.warnings.append(
            f"published_date: the page shows only its update {picked.raw[:60]!r}, its markup's publication "
            f"{header.published_raw[:60]!r} is not shown"
        )
    else:
        header.warnings.append(
            f"published_date: the page shows {picked.raw[:60]!r}, its markup said {header.published_raw[:60]!r}"
        )
    if verdict == "page":
        header.set_published(picked.raw, picked.local)  # the markup's date is another's
    else:
        header.published_date = shown  # the readers' day; published_at keeps the markup's instant


def _lede_taken_for_title(lines: list[str], header: metadata.Header, cleaned: Cleaned, rules: RuleSet) -> int | None:
    """The line the header rules took as the title when it is a brief's lede instead: a sentence
    (:func:`cleaning.sentence_words`: "... figures have shown", "... their financial future?") in a text whose
    prose, that line included, is a brief (``rules.brief_max_words``). A brief has no prose to spare; its
    header then gives it back (and no title) instead of emptying the article of its first paragraph."""
    found = next((i for i, why in header.marks.items() if why == "meta:title"), None)
    if found is None or rules.brief_max_words <= 0:
        return None
    words = sentence_words(lines[found].strip())
    if not words or words + sum(sentence_words(p) for p in cleaned.paragraphs) > rules.brief_max_words:
        return None
    header.title = None
    del header.marks[found]
    return found


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


def bound_fields(row: dict, limits: Limits, repairs: list[str]) -> None:
    """Cut an article row's free-text fields to the configured limits (a title found in the text can be a
    whole line of it); each cut is noted in ``repairs``."""
    row["title"] = bound_text(row["title"], limits.max_title_chars, "title", repairs)
    row["url"] = bound_text(row["url"], limits.max_url_chars, "url", repairs)
    for name in ("publisher", "section", "description", "dateline", "published_at_raw", "modified_at_raw"):
        row[name] = bound_text(row[name], limits.max_field_chars, name, repairs)
    row["authors"] = bound_list(row["authors"], limits.max_authors, limits.max_author_chars, "authors", repairs)
    row["headings"] = bound_list(row["headings"], limits.max_authors * 10, limits.max_title_chars, "headings", repairs)


def article_id_for(file_hash: str, record_index: int) -> str:
    """Stable id: the same file bytes and record always give the same id, whatever the file is named."""
    return hashlib.sha256(f"{file_hash}:{record_index}".encode()).hexdigest()[:20]


@dataclass
class BuiltArticle:
    row: dict
    removed: list[dict]
    header: metadata.Header  # what the header rules and rankers found (the rankers' training reads it)
    cleaned: Cleaned


def build_article(
    record: Record,
    *,
    source_path: str,
    file_hash: str,
    run_id: str,
    ingested_at: datetime,
    rules: RuleSet,
    default_tz: str = "UTC",
    model: LineModel | None = None,
    extra_marks: dict[int, str] | None = None,
    limits: Limits | None = None,
    title_model: Ranker | None = None,
    byline_model: Ranker | None = None,
    date_model: Ranker | None = None,
) -> BuiltArticle:
    """Clean one record and read its metadata. ``extra_marks`` (line index -> reason) are lines found to be
    furniture elsewhere (batch-level repeats); the metadata extractor's own marks win over them. Fields
    are cut to ``limits`` and every change the reader or this step made is listed in ``repairs``."""
    lines = record.text.split("\n")
    reference = dates.date_reference(record.saved_at, ingested_at)
    header = metadata.extract_header(
        lines,
        hint_title=record.title,
        hint_authors=record.authors,
        hint_published=record.published,
        hint_modified=record.modified,
        reference=reference,
        default_tz=default_tz,
        reader_tz=dates.reader_zone(record.locale, record.url),
    )
    if record.title is None and header.title is not None and rules.match(header.title) is not None:
        header.marks = {i: why for i, why in header.marks.items() if why != "meta:title"}  # "3 min read" by a byline
        header.title = None
    marks = {**(extra_marks or {}), **header.marks}
    cleaned = clean(record.text, rules, preassigned=marks, model=model)
    given_back = _lede_taken_for_title(lines, header, cleaned, rules) if record.title is None else None
    if given_back is not None:
        del marks[given_back]
        cleaned = clean(record.text, rules, preassigned=marks, model=model)  # a brief: a few lines, cleaned again
        line = lines[given_back].strip()[:60]  # a note, bounded like the others
        cleaned.notes.append(f"title: {line!r} is a brief's prose, not a headline: kept in the body")
    if title_model is not None and record.title is None:
        _ranked_title(lines, header, cleaned, title_model)
    if byline_model is not None and not record.authors:
        _ranked_byline(lines, header, cleaned, byline_model)
    if header.title is None:
        _title_above_body(lines, header, cleaned, rules)
    if date_model is not None and record.published is None:
        _ranked_date(lines, header, cleaned, date_model, reference, default_tz)
    if record.page_text:
        models = _Models(model, title_model, byline_model, date_model)
        page_cleaned = _from_visible_page(record, header, rules, models, reference, default_tz)
        if markup_text_missed(cleaned.body, page_cleaned.body, header.title):
            page_cleaned.notes.append("body: the markup's main text was another block; the body is the page's, cleaned")
            cleaned = page_cleaned
    # A wire dateline ("MARSEILLE, July 22 (Reuters) -", or a place alone: "ANKARA") dates the story when nothing
    # else does, and names the agency when the page names no publisher.
    read = {*header.marks, header.byline_line, header.date_line, title_line(lines, header)}  # the header's lines
    dateline, place_line = datelines.opening_dateline(
        lines, cleaned.paragraphs, body_start(lines, cleaned.paragraphs), read
    )
    if place_line is not None and (line := lines[place_line].strip()) in cleaned.paragraphs:
        cleaned.take(place_line, line, "meta:dateline")
    body = cleaned.body
    if dateline and dateline.date and header.published_at is None:
        local = dates.parse_local_datetime(dateline.date, reference, default_tz)
        if local is not None:
            header.set_published(dateline.date, local)
    authors = without_outlets(header.authors)
    if authors != header.authors:
        dropped = [a[:60] for a in header.authors if a not in authors][:5]  # a note, bounded like the others
        header.warnings.append(f"authors: {dropped!r} named beside a person is the outlet, not an author")
    article_id = article_id_for(file_hash, record.record_index)
    # A wire tag names the publisher better than a reporter's email domain ("Yonhap", not "yna.co.kr"); a page's
    # own site name or URL still wins, as a paper that runs an agency's story publishes it.
    agency = dateline.agency if dateline else None
    publisher = metadata.find_publisher(record.text, record.url, record.publisher or (None if record.url else agency))
    row = {
        "article_id": article_id,
        "run_id": run_id,
        "source_path": source_path,
        "record_index": record.record_index,
        "file_hash": file_hash,
        "content_hash": metadata.content_hash(body),
        "source_format": record.source_format,
        "encoding": record.encoding,
        "url": record.url,
        "title": clean_headline(header.title, publisher),
        "authors": authors,
        "published_at": header.published_at,
        "published_at_raw": header.published_raw,
        # The day a reader sees: a page that shows only when it was updated is dated by that day (the exact
        # publication instant, published_at, stays unknown).
        "published_date": header.published_date or header.modified_date,
        "modified_at": header.modified_at,
        "modified_at_raw": header.modified_raw,
        "dateline": dateline.place if dateline else None,
        "publisher": publisher,
        "language": metadata.detect_language(body),
        "description": record.description or lede(cleaned.paragraphs),
        "section": record.section,
        "word_count": (words := count_words(body)),
        "sentence_count": None,  # filled by the NLP stage, which has the sentence boundaries
        "reading_time_minutes": round(words / READING_WORDS_PER_MINUTE, 1),
        "keywords": None,
        "headings": cleaned.headings,
        "body": body,
        "lines_removed": len(cleaned.removed),
        "repairs": None,
        "ingested_at": ingested_at,
    }
    repairs = [*record.repairs, *header.warnings, *cleaned.notes]
    bound_fields(row, limits or Limits(), repairs)
    row["repairs"] = list(dict.fromkeys(repairs)) or None
    removed = [
        {
            "article_id": article_id,
            "run_id": run_id,
            "source_path": source_path,
            "line_no": r.line_no,
            "line_text": r.text,
            "rule": r.rule,
            "body_probability": r.body_probability,
            "ingested_at": ingested_at,
        }
        for r in cleaned.removed
    ]
    return BuiltArticle(row=row, removed=removed, header=header, cleaned=cleaned)
