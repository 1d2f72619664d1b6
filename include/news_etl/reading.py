"""Reading: turn an inbox file's bytes into text records (finding the files is :mod:`news_etl.discovery`,
bytes to text is :mod:`news_etl.decoding`).

Supported: ``.txt`` (encoding detected, not assumed), ``.html``/``.htm``, ``.json`` (an object or a
list of objects) and ``.jsonl`` records with ``text`` or ``html`` plus optional ``url``, ``title``,
``published``, ``authors``; any of these gzipped (``.gz``). Every failure is a :class:`ReadError` with a
machine code and a sentence for people; the caller quarantines, never drops.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import json
import math
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from news_etl.decoding import ReadError, decode_bytes, gunzip_bounded, looks_binary, normalise_text, repair_mojibake
from news_etl.settings import Limits
from news_etl.values import bound_list, bound_text, clean_field, display_path, repair_noted

TEXT_EXTS = {".txt", ".text"}
HTML_EXTS = {".html", ".htm"}
JSON_EXTS = {".json"}
JSONL_EXTS = {".jsonl", ".ndjson"}
SUPPORTED_EXTS = TEXT_EXTS | HTML_EXTS | JSON_EXTS | JSONL_EXTS
_FORMAT_NAMES = {
    ".txt": "txt",
    ".text": "txt",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


_HTML_SNIFF = re.compile(rb"^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)


@dataclass
class Record:
    """One article's raw material: text (always) plus hints from the container (JSON fields, HTML)."""

    record_index: int
    source_format: str
    text: str
    encoding: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] | None = None
    publisher: str | None = None
    description: str | None = None
    section: str | None = None
    locale: str | None = None  # the page's language tag ("en-US"), for the reader's day of a UTC timestamp
    page_text: str | None = None  # an HTML page's visible lines (html.extract), for its byline and shown date
    standfirst: str | None = None  # the summary an HTML page declares and shows (html.shown_standfirst)
    # When the file was written (its mtime): the moment a scraper saw "3 hours ago" on the page, closer to it
    # than the run that reads the file (dates.date_reference).
    saved_at: datetime | None = None
    extra: dict = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)  # what the reader changed and why (articles.repairs)


@dataclass
class FileRead:
    file_hash: str
    records: list[Record]
    record_errors: list[tuple[int, ReadError]]


def _safe_open_bytes(
    inbox: Path, rel: str, limits: Limits, on_disk: str | None = None
) -> tuple[bytes, datetime | None]:
    """Read a file's bytes and its mtime, refusing anything that resolves outside the inbox or is too big.
    ``rel`` names the file in messages; ``on_disk`` is its name on disk when that is not valid UTF-8."""
    inbox_real = Path(os.path.realpath(inbox))
    full = inbox / (on_disk or rel)
    real = Path(os.path.realpath(full))
    if inbox_real != real and inbox_real not in real.parents:
        raise ReadError(
            "outside_inbox", f"{rel} resolves to {display_path(str(real))}, outside the inbox; not followed"
        )
    try:
        st = os.stat(real)
    except FileNotFoundError as exc:
        raise ReadError("missing", f"{rel} disappeared before it could be read (or is a broken link)") from exc
    except OSError as exc:  # permission denied, a path too long for the system ...
        code = "path_too_long" if exc.errno == errno.ENAMETOOLONG else "unreadable"
        raise ReadError(code, f"{rel} cannot be opened: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ReadError("not_a_file", f"{rel} is not a regular file")
    if st.st_size > limits.max_file_bytes:
        raise ReadError(
            "too_large",
            f"{rel} is {st.st_size:,} bytes, over the max_file_bytes limit of {limits.max_file_bytes:,} "
            "(NEWS_ETL_MAX_FILE_BYTES)",
        )
    try:
        with open(real, "rb") as fh:
            data = fh.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise ReadError("unreadable", f"{rel} cannot be read: {exc.strerror or exc}") from exc
    if len(data) > limits.max_file_bytes:  # grew while we read it
        raise ReadError("too_large", f"{rel} is over the max_file_bytes limit of {limits.max_file_bytes:,}")
    try:
        saved_at: datetime | None = datetime.fromtimestamp(st.st_mtime, UTC)
    except (OverflowError, ValueError, OSError):  # a mtime past what a datetime holds: no saved time, not no file
        saved_at = None
    return data, saved_at


# --------------------------------------------------------------------------- formats


def _format_of(rel: str) -> tuple[str, bool]:
    name = rel.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    return os.path.splitext(name)[1], gz


def _check_record_size(text: str, limits: Limits, what: str, html: bool = False) -> None:
    """Refuse a record whose text would cost more memory to clean (or markup, to parse) than a worker is meant
    to hold."""
    limit, name = (limits.max_html_chars, "MAX_HTML_CHARS") if html else (limits.max_record_chars, "MAX_RECORD_CHARS")
    if len(text) > limit:
        raise ReadError(
            "record_too_large",
            f"{what} is {len(text):,} characters, over the {name.lower()} limit of {limit:,} "
            f"(NEWS_ETL_{name}); no news article is that long: split the file or raise the limit",
        )


def _text_record(text: str, index: int, fmt: str, encoding: str | None, **hints: Any) -> Record:
    if not text.strip():
        raise ReadError("empty", "has no text (empty or whitespace only)")
    return Record(record_index=index, source_format=fmt, text=text, encoding=encoding, **hints)


def _html_record(
    html: str, index: int, fmt: str, encoding: str | None, limits: Limits, url: str | None = None
) -> Record:
    from news_etl import html as html_mod  # lazy: trafilatura is a heavy import

    _check_record_size(html, limits, "the HTML", html=True)
    doc = html_mod.extract(html, url=url)
    _check_record_size(doc.text, limits, "the text extracted from the HTML")
    text = normalise_text(doc.text, limits.max_line_chars)
    # The page's visible lines, for its byline and shown date only: a page too large for that is read without it.
    page_text = doc.page_text if doc.page_text and len(doc.page_text) <= limits.max_record_chars else None
    if not text.strip():
        raise ReadError(
            "no_text",
            "is HTML with no text to extract: an empty body, or markup too broken or too deeply nested to parse",
        )
    return _text_record(
        text,
        index,
        fmt,
        encoding,
        url=doc.url or url,
        title=repair_mojibake(doc.title) if doc.title else None,
        published=doc.published,
        modified=doc.modified,
        authors=doc.authors or None,
        publisher=doc.publisher,
        description=doc.description,
        section=doc.section,
        locale=doc.locale,
        page_text=normalise_text(page_text, limits.max_line_chars) if page_text else None,
        standfirst=_standfirst(doc.standfirst, limits) if page_text else None,
    )


def _standfirst(line: str | None, limits: Limits) -> str | None:
    """A page's standfirst (html.shown_standfirst), normalised as its text is; one longer than a field may be is
    left out rather than cut, as it joins the body whole."""
    if not line or len(line) > limits.max_field_chars:
        return None
    return normalise_text(line, limits.max_line_chars).strip() or None


def _str_or_none(value: object, field_name: str, repairs: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        repairs.append(f"{field_name}: JSON {json.dumps(value)} is not a value; treated as missing")
        return None
    if isinstance(value, (str, int, float)):
        s = str(value).strip()
        return s or None
    raise ReadError("bad_field", f"field {field_name!r} should be a string, got {type(value).__name__}")


def _authors_field(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(a, str) for a in value):
        return [a for a in value if a.strip()]
    raise ReadError("bad_field", "field 'authors' should be a string or a list of strings")


def _json_record(obj: object, index: int, fmt: str, limits: Limits) -> Record:
    if not isinstance(obj, dict):
        raise ReadError("bad_record", f"record {index} is a JSON {type(obj).__name__}, not an object")
    repairs: list[str] = []
    url = _str_or_none(obj.get("url"), "url", repairs)
    title = _str_or_none(obj.get("title"), "title", repairs)
    published = _str_or_none(obj.get("published"), "published", repairs)
    authors = _authors_field(obj.get("authors"))
    description = _str_or_none(obj.get("description"), "description", repairs)
    section = _str_or_none(obj.get("section"), "section", repairs)
    text, html = obj.get("text"), obj.get("html")
    if isinstance(text, str) and text.strip():
        _check_record_size(text, limits, f"record {index}'s text")
        # Lone surrogates repaired before anything parses the body (lxml refuses them too).
        body = normalise_text(repair_noted(text, "text", repairs), limits.max_line_chars)
        rec = _text_record(
            body,
            index,
            fmt,
            "json",
            url=url,
            title=title,
            published=published,
            authors=authors,
            description=description,
            section=section,
        )
    elif isinstance(html, str) and html.strip():
        rec = _html_record(repair_noted(html, "html", repairs), index, fmt, "json", limits, url=url)
        rec.title = title or rec.title
        rec.published = published or rec.published
        rec.authors = authors or rec.authors
        rec.description = description or rec.description
        rec.section = section or rec.section
    elif text is not None and not isinstance(text, str):
        raise ReadError("bad_field", f"record {index}: field 'text' should be a string, got {type(text).__name__}")
    else:
        raise ReadError("no_text", f"record {index} has neither a non-empty 'text' nor 'html' field")
    rec.repairs = repairs + rec.repairs
    return rec


def finish_record(rec: Record, limits: Limits) -> Record:
    """Every container field of a record made storable and bounded (one place for all formats): lone
    surrogates and control characters out, long values cut. Each change is noted in ``rec.repairs``."""
    notes = rec.repairs
    for name, limit in (
        ("url", limits.max_url_chars),
        ("title", limits.max_title_chars),
        ("published", limits.max_field_chars),
        ("modified", limits.max_field_chars),
        ("publisher", limits.max_field_chars),
        ("description", limits.max_field_chars),
        ("section", limits.max_field_chars),
    ):
        value = getattr(rec, name)
        if value is not None:
            setattr(rec, name, bound_text(clean_field(value, name, notes), limit, name, notes) or None)
    if rec.authors is not None:
        names = [a for a in (clean_field(a, "authors", notes) for a in rec.authors) if a]
        rec.authors = bound_list(names, limits.max_authors, limits.max_author_chars, "authors", notes)
    rec.repairs = list(dict.fromkeys(notes))  # one note per kind of change, however many values had it
    return rec


def parse_bytes(data: bytes, rel: str, limits: Limits) -> tuple[list[Record], list[tuple[int, ReadError]]]:
    """Turn one file's raw bytes into records (and per-record errors for JSON containers)."""
    ext, gz = _format_of(rel)
    if ext not in SUPPORTED_EXTS:
        raise ReadError(
            "unsupported_type",
            f"unsupported file type {ext or '(no extension)'!r}; expected one of "
            f"{', '.join(sorted(SUPPORTED_EXTS))} (optionally .gz)",
        )
    if gz or data[:2] == b"\x1f\x8b":
        data = gunzip_bounded(data, limits.max_inflated_bytes)
    fmt = _FORMAT_NAMES[ext]
    if gz:
        fmt += ".gz"
    if not data.strip():
        raise ReadError("empty", "has no text (empty or whitespace only)")

    if ext in HTML_EXTS or (ext in TEXT_EXTS and _HTML_SNIFF.match(data[:1024])):
        declared = _declared_charset(data)
        text, enc = decode_bytes(data, declared)
        return [_html_record(text, 0, fmt, enc, limits)], []

    text, enc = decode_bytes(data)
    if ext in TEXT_EXTS:
        # Judged before normalising: normalising drops the control characters that give a binary away.
        if looks_binary(text):
            raise ReadError("binary", "mostly non-printable characters: looks like a binary file")
        _check_record_size(text, limits, "the text")
        text = normalise_text(text, limits.max_line_chars)
        return [_text_record(text, 0, fmt, enc)], []

    if ext in JSON_EXTS:
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError) as exc:  # ValueError: also an integer of over 4,300 digits
            raise ReadError("bad_json", f"is not valid JSON: {exc}") from exc
        items = obj if isinstance(obj, list) else [obj]
        return _records_from(items, fmt, limits)

    # JSON Lines: one object per line; a bad line is quarantined alone, the others go on.
    items_or_errors: list[object] = []
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            items_or_errors.append(json.loads(line))
        except (ValueError, RecursionError) as exc:
            items_or_errors.append(ReadError("bad_json", f"line {line_no} is not valid JSON: {exc}"))
    return _records_from(items_or_errors, fmt, limits)


def _records_from(items: list[object], fmt: str, limits: Limits) -> tuple[list[Record], list[tuple[int, ReadError]]]:
    if len(items) > limits.max_records_per_file:
        raise ReadError(
            "too_many_records",
            f"holds {len(items):,} records, over the max_records_per_file limit of "
            f"{limits.max_records_per_file:,} (NEWS_ETL_MAX_RECORDS_PER_FILE)",
        )
    if not items:
        raise ReadError("empty", "holds no JSON records")
    records, errors = [], []
    for i, item in enumerate(items):
        if isinstance(item, ReadError):
            errors.append((i, item))
            continue
        try:
            records.append(_json_record(item, i, fmt, limits))
        except ReadError as exc:
            errors.append((i, exc))
    return records, errors


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def _declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii", "ignore")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def read_file(inbox: Path, rel: str, limits: Limits, on_disk: str | None = None) -> FileRead:
    """Read one inbox file into records. Raises :class:`ReadError` when nothing in it is usable.

    ``rel`` is the file's path as stored (valid UTF-8); ``on_disk`` its real name when that differs."""
    data, saved_at = _safe_open_bytes(inbox, rel, limits, on_disk)
    file_hash = hashlib.sha256(data).hexdigest()
    try:
        records, errors = parse_bytes(data, rel, limits)
    except ReadError as exc:
        exc.file_hash = file_hash
        raise
    for record in records:
        record.saved_at = saved_at
    return FileRead(file_hash=file_hash, records=[finish_record(r, limits) for r in records], record_errors=errors)
