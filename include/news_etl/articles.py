"""One record in, one article row (plus its removed lines) out: cleaning and metadata put together."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from news_etl import date_lines, datelines, dates, metadata
from news_etl.bylines import without_outlets
from news_etl.cleaning import Cleaned, clean
from news_etl.headlines import body_start, clean_headline
from news_etl.html import markup_text_missed
from news_etl.linemodel import LineModel, Ranker
from news_etl.reading import Record
from news_etl.ruleset import RuleSet
from news_etl.settings import Limits
from news_etl.text import alnum_key, count_words, shared_share
from news_etl.text_header import (
    date_inputs,
    lede_taken_for_title,
    ranked_byline,
    ranked_date,
    ranked_title,
    title_above_body,
    title_line,
)
from news_etl.values import bound_list, bound_text

#: Average adult silent reading speed for non-fiction (Brysbaert 2019, 238 words per minute).
READING_WORDS_PER_MINUTE = 238


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
        ranked_title(lines, page, cleaned, models.title)
    if models.byline is not None:
        ranked_byline(lines, page, cleaned, models.byline)
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
    inputs = date_inputs(lines, page, cleaned, reference, default_tz)
    cands = inputs.cands
    k = ranker.best(inputs.X, override)
    if k is None:
        return
    picked = cands[k]
    days = {page.day_of(c.raw, c.local) for c in cands}
    yearless = not dates.YEAR.search(picked.raw)
    # A date without its year ("Dec 21") took one from when the file was read; the markup knows the page's year.
    shown = date_lines.in_year(page.day_of(picked.raw, picked.local), header.published_date.year, yearless)
    verdict = date_lines.readers_day(
        header.published_date,
        shown,
        picked.updated_only,
        days,
        date_lines.is_relative(picked.raw),
        markup_zoned=bool(dates.LOCAL_OFFSET.search(header.published_raw)),
        yearless=yearless,
        markup_at=header.published_at,
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
    given_back = lede_taken_for_title(lines, header, cleaned, rules) if record.title is None else None
    if given_back is not None:
        del marks[given_back]
        cleaned = clean(record.text, rules, preassigned=marks, model=model)  # a brief: a few lines, cleaned again
        line = lines[given_back].strip()[:60]  # a note, bounded like the others
        cleaned.notes.append(f"title: {line!r} is a brief's prose, not a headline: kept in the body")
    replaced = ranked_title(lines, header, cleaned, title_model) if title_model and record.title is None else None
    if replaced is not None:
        # The rules' title was a standfirst or a teaser: the cleaner judges it as any other line of the page.
        marks = {**(extra_marks or {}), **header.marks}
        cleaned = clean(record.text, rules, preassigned=marks, model=model)
    if byline_model is not None and not record.authors:
        ranked_byline(lines, header, cleaned, byline_model)
    if header.title is None:
        title_above_body(lines, header, cleaned, rules)
    if date_model is not None and record.published is None:
        ranked_date(lines, header, cleaned, date_model, reference, default_tz)
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
    if (first := record.standfirst) and rules.match(first) is None and shared_share(first, cleaned.body) < 0.5:
        # The standfirst under an HTML page's headline opens its body, as readers read it; the markup's main text
        # usually starts below it. A line a rule names is furniture, whatever the markup calls it.
        cleaned.paragraphs.insert(0, first)
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
        "description": record.description or cleaned.lede(),
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
