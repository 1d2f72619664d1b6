"""Reading: find inbox files and turn their bytes into text records.

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
import logging
import math
import os
import re
import stat
import unicodedata
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from news_etl.settings import Limits
from news_etl.values import bound_list, bound_text, clean_field, display_path, repair_noted

log = logging.getLogger(__name__)

TEXT_EXTS = {".txt", ".text"}
HTML_EXTS = {".html", ".htm"}
JSON_EXTS = {".json"}
JSONL_EXTS = {".jsonl", ".ndjson"}
SUPPORTED_EXTS = TEXT_EXTS | HTML_EXTS | JSON_EXTS | JSONL_EXTS
_FORMAT_NAMES = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".json": "json",
                 ".jsonl": "jsonl", ".ndjson": "jsonl"}

# Names scrapers and editors use while a file is still being written: never picked up.
_PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", ".swp", "~")

# Control characters other than tab/newline/carriage return: terminal escapes, NULs, etc.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HTML_SNIFF = re.compile(rb"^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)


class ReadError(Exception):
    """A file (or record) that cannot be read; ``code`` is stable, ``message`` says why and what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.file_hash: str | None = None  # set when the bytes were read before the failure


@dataclass(frozen=True)
class InboxFile:
    source_path: str  # relative to the inbox, POSIX separators; always valid UTF-8 (see display_path)
    size_bytes: int
    mtime_ns: int
    fs_path: str | None = None  # the name on disk when it differs from source_path (bytes that are not UTF-8)
    problem_code: str | None = None  # discovery could not reach it (unreadable folder, path too long)
    problem: str | None = None  # ... and why, in a sentence


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
    extra: dict = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)  # what the reader changed and why (articles.repairs)


@dataclass
class FileRead:
    file_hash: str
    records: list[Record]
    record_errors: list[tuple[int, ReadError]]


# --------------------------------------------------------------------------- discovery


def is_candidate_name(name: str) -> bool:
    """Dotfiles and temp names are files still being written or not meant for us."""
    lower = name.lower()
    return not (name.startswith(".") or name.startswith("~") or lower.endswith(_PARTIAL_SUFFIXES))


def discover(
    inbox: Path,
    known: Collection[tuple[str, int, int]] | Callable[[list[tuple[str, int, int]]], Collection[tuple]],
    now_ns: int,
    min_age_seconds: int = 0,
    counts: dict[str, int] | None = None,
    folder_marks: dict[str, int] | None = None,
    settled: dict[str, int] | None = None,
) -> Iterator[InboxFile]:
    """Yield inbox files not already in the ledger, in a stable (sorted) order.

    ``known``: the ``(source_path, size_bytes, mtime_ns)`` of files already ingested, or a function that is
    given every key the walk found and returns those already ingested (one lookup against the ledger, not
    the ledger loaded). An unchanged file is skipped without reading it, so a run with nothing new costs one
    ``stat`` per file.
    Symlinks are yielded (the reader decides whether they stay inside the inbox); directories behind
    symlinks are not walked. ``counts`` (if given) gets ``unchanged``: files of this inbox already in the
    ledger, and ``too_young``: files left for a later run by ``min_age_seconds``.

    Watermark discovery (for inboxes that only gain files): ``folder_marks`` maps a folder (relative to the
    inbox, ``.`` for its top) to the mtime it had when every file in it was last found committed. A folder
    whose mtime is still that one has gained, lost and renamed nothing since, so its files are not looked at
    (no ``stat``, no ledger lookup); its subfolders are still walked. A file rewritten in place does not
    change its folder's mtime: this mode is for scrapers that write new names (or write, then rename).
    ``settled`` (if given) gets the folders whose files were all found committed and which have not changed
    for two seconds before ``now_ns``: the marks a caller may record for the next walk.
    """
    counts = counts if counts is not None else {}
    counts.setdefault("unchanged", 0)
    counts.setdefault("too_young", 0)
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox {inbox} does not exist or is not a directory")
    if not os.access(inbox, os.R_OK | os.X_OK):
        raise PermissionError(f"inbox {inbox} cannot be listed (no read/execute permission)")
    min_age_ns = min_age_seconds * 1_000_000_000
    # A folder the walk cannot open, or a path too long to stat, is reported as a problem entry (it ends in
    # the ledger and quarantine like any unreadable file), never skipped in silence.
    unreachable: list[OSError] = []
    found: list[InboxFile] = []
    folder_mtime: dict[str, int] = {}  # folders looked into (watermark discovery), with their mtime
    dirty: set[str] = set()  # of those, folders with a file not (yet) committed
    for dirpath, dirnames, filenames in os.walk(inbox, followlinks=False, onerror=unreachable.append):
        found.extend(_problems(inbox, unreachable))
        # Walk in sorted order so batches are deterministic; skip hidden folders (.git, .staging).
        dirnames[:] = sorted(d for d in dirnames if is_candidate_name(d))
        # As stored (display_path): a folder name that is not UTF-8 is kept, and looked up, in its escaped form.
        folder = display_path(Path(dirpath).relative_to(inbox).as_posix())
        if folder_marks is not None:
            try:
                mtime = os.stat(dirpath).st_mtime_ns
            except OSError:
                mtime = -1
            if folder_marks.get(folder) == mtime:
                counts["unchanged"] += sum(1 for name in filenames if is_candidate_name(name))
                continue
            folder_mtime[folder] = mtime
        for name in sorted(filenames):
            if not is_candidate_name(name):
                continue
            full = Path(dirpath) / name
            rel = full.relative_to(inbox).as_posix()
            try:
                st = full.lstat()
            except FileNotFoundError:  # vanished between listdir and stat: nothing left to ingest
                continue
            except OSError as exc:
                unreachable.append(exc)
                found.extend(_problems(inbox, unreachable))
                continue
            if min_age_ns and stat.S_ISREG(st.st_mode) and now_ns - st.st_mtime_ns < min_age_ns:
                log.info("skipping %s: modified less than %ss ago", display_path(rel), min_age_seconds)
                counts["too_young"] += 1
                dirty.add(folder)
                continue
            shown = display_path(rel)
            found.append(InboxFile(shown, st.st_size, st.st_mtime_ns, fs_path=rel if shown != rel else None))
    found.extend(_problems(inbox, unreachable))
    keys = [(f.source_path, f.size_bytes, f.mtime_ns) for f in found]
    done = known(keys) if callable(known) else known
    new: list[InboxFile] = []
    for f, key in zip(found, keys, strict=True):
        if key in done:
            # A problem entry in the ledger: a folder that stays unreadable is reported once, not every run.
            if not f.problem_code:
                counts["unchanged"] += 1
            continue
        if f.problem_code:
            log.warning("%s %s", f.source_path, f.problem)
        new.append(f)
    if settled is not None:
        for f in new:
            on_disk = f.fs_path or f.source_path
            dirty.add(display_path(on_disk.rsplit("/", 1)[0] if "/" in on_disk else "."))
            if f.problem_code:  # a folder that could not be read is never marked done
                dirty.add(display_path(on_disk))
        settle_ns = now_ns - 2_000_000_000  # a folder changed this recently may still be gaining files
        settled.update({d: m for d, m in folder_mtime.items() if d not in dirty and 0 <= m < settle_ns})
    yield from new


def _problems(inbox: Path, errors: list[OSError]) -> Iterator[InboxFile]:
    """Problem entries for the walk's errors so far (the list is emptied), keyed ``(path, 0, mtime)``: in the
    ledger, that key keeps a folder that stays unreadable from being reported again on every run."""
    while errors:
        exc = errors.pop(0)
        where = Path(os.fsdecode(exc.filename)) if exc.filename is not None else inbox
        try:
            rel = where.relative_to(inbox).as_posix()
        except ValueError:
            rel = where.as_posix()
        if exc.errno == errno.ENAMETOOLONG:
            code, why = "path_too_long", "its path is longer than the system allows (PATH_MAX); shorten it"
        elif exc.errno in (errno.EACCES, errno.EPERM):
            code, why = "unreadable", ("cannot be opened (permission denied); once its permissions are fixed, "
                                       "the next run picks up what is in it")
        else:
            code, why = "unreadable", f"cannot be opened: {exc.strerror or exc}"
        try:
            mtime_ns = where.lstat().st_mtime_ns
        except OSError:
            mtime_ns = 0
        shown = display_path(rel)
        yield InboxFile(shown, 0, mtime_ns, fs_path=rel if shown != rel else None, problem_code=code, problem=why)


# --------------------------------------------------------------------------- bytes


def _safe_open_bytes(inbox: Path, rel: str, limits: Limits, on_disk: str | None = None) -> bytes:
    """Read a file's bytes, refusing anything that resolves outside the inbox or is too big. ``rel`` names
    the file in messages; ``on_disk`` is its name on disk when that is not valid UTF-8."""
    inbox_real = Path(os.path.realpath(inbox))
    full = inbox / (on_disk or rel)
    real = Path(os.path.realpath(full))
    if inbox_real != real and inbox_real not in real.parents:
        raise ReadError("outside_inbox", f"{rel} resolves to {display_path(str(real))}, outside the inbox; "
                                         "not followed")
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
    return data


def gunzip_bounded(data: bytes, max_out: int) -> bytes:
    """Inflate gzip data, stopping at ``max_out`` bytes so a decompression bomb cannot fill memory."""
    out = bytearray()
    d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    buf = data
    try:
        while buf:
            chunk = d.decompress(buf, max_out + 1 - len(out))
            out += chunk
            if len(out) > max_out:
                raise ReadError(
                    "inflated_too_large",
                    f"gzip inflates to more than the max_inflated_bytes limit of {max_out:,} bytes "
                    "(NEWS_ETL_MAX_INFLATED_BYTES); possible decompression bomb",
                )
            buf = d.unconsumed_tail
            if d.eof:
                # Concatenated gzip members are legal (``cat a.gz b.gz``): keep going.
                rest = d.unused_data
                if not rest.strip(b"\x00"):
                    break
                d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                buf = rest
            elif not chunk and not buf:
                break
        if not d.eof:
            raise ReadError("corrupt_gzip", "gzip stream is truncated (ended before its last block)")
    except zlib.error as exc:
        raise ReadError("corrupt_gzip", f"gzip data is corrupt: {exc}") from exc
    return bytes(out)


# --------------------------------------------------------------------------- text decoding

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as NULs in every other byte of ASCII-heavy text."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode text bytes: BOM, then strict UTF-8, then BOM-less UTF-16, then detection.

    Returns ``(text, encoding)``. Raises :class:`ReadError` for binary content.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc), enc + "-bom" if enc == "utf-8" else enc
            except UnicodeDecodeError as exc:
                raise ReadError("encoding", f"starts with a {enc} byte-order mark but is not {enc}: {exc}") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536]:
        raise ReadError("binary", "contains NUL bytes and is not UTF-16/32 text: looks like a binary file")
    if declared:
        try:
            return data.decode(declared), declared.lower()
        except (LookupError, UnicodeDecodeError):
            pass
    sample = data[:262144]
    ascii_share = sum(1 for b in sample if b < 0x80) / max(1, len(sample))
    if ascii_share >= 0.9:
        # Mostly ASCII with a few accented letters and curly quotes: Western text, and Windows-1252 is
        # the legacy encoding of the Western web. Detectors guess cousins here (cp775, cp1250, cp850),
        # because a handful of bytes cannot tell them apart; whole-text alphabets (Cyrillic, Greek) are
        # far below 90% ASCII and still go to detection.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes  # imported lazily: only non-UTF-8 files need it

    best = from_bytes(data[:262144]).best()
    if best is None:
        raise ReadError("binary", "no text encoding fits these bytes: looks like a binary file")
    enc = best.encoding
    # Western news text that is not UTF-8 is nearly always Windows-1252; charset detection on short
    # texts often guesses a cousin (cp1250, latin-1, mac_roman), so prefer cp1252 when it decodes.
    if enc in {"cp1250", "cp1252", "latin_1", "iso8859_15", "mac_roman", "cp1257", "iso8859_2"}:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"
    try:
        return data.decode(enc), enc
    except (LookupError, UnicodeDecodeError) as exc:
        raise ReadError("encoding", f"could not decode as {enc}: {exc}") from exc


# UTF-8 bytes that were decoded as Latin-1/cp1252 somewhere upstream ("itâ\x80\x99s", "itâ€™s").
_CP1252_BACK = {ch: bytes([b]) for b in range(0x80, 0xA0) if (ch := bytes([b]).decode("cp1252", "ignore"))}
_CONT = "\u0080-\u00bf" + "".join(_CP1252_BACK)
_MOJIBAKE = re.compile(f"[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00f0-\u00f4][{_CONT}]{{3}}")


def _unmojibake(match: re.Match[str]) -> str:
    raw = b"".join(_CP1252_BACK.get(ch) or bytes([ord(ch)]) for ch in match.group(0))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # not a mis-decoded UTF-8 sequence after all: leave the text alone
        return match.group(0)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1/cp1252 ("computingâ\x80\x99s" -> "computing’s"), sequence by sequence."""
    return _MOJIBAKE.sub(_unmojibake, text) if _MOJIBAKE.search(text) else text


def normalise_text(text: str, max_line_chars: int) -> str:
    """Unify line ends, repair mojibake, drop control characters, NFC-normalise; refuse absurdly long lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = repair_mojibake(text)
    text = _CONTROL.sub("", text).replace("\ufeff", "")
    text = unicodedata.normalize("NFC", text)
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > max_line_chars:
        raise ReadError(
            "line_too_long",
            f"has a line of {longest:,} characters, over the max_line_chars limit of {max_line_chars:,} "
            "(NEWS_ETL_MAX_LINE_CHARS)",
        )
    return text


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:20000]
    bad = sum(1 for ch in sample if ch == "\ufffd" or (unicodedata.category(ch) in {"Cc", "Co", "Cn"}
                                                       and ch not in "\n\t\r"))
    return bad / len(sample) > 0.05


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
    limit, name = (limits.max_html_chars, "MAX_HTML_CHARS") if html else (limits.max_record_chars,
                                                                           "MAX_RECORD_CHARS")
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


def _html_record(html: str, index: int, fmt: str, encoding: str | None, limits: Limits,
                 url: str | None = None) -> Record:
    from news_etl import html as html_mod  # lazy: trafilatura is a heavy import

    _check_record_size(html, limits, "the HTML", html=True)
    doc = html_mod.extract(html, url=url)
    _check_record_size(doc.text, limits, "the text extracted from the HTML")
    text = normalise_text(doc.text, limits.max_line_chars)
    if not text.strip():
        raise ReadError("no_text", "is HTML with no text to extract: an empty body, or markup too broken or too "
                                   "deeply nested to parse")
    return _text_record(
        text, index, fmt, encoding, url=doc.url or url, title=repair_mojibake(doc.title) if doc.title else None,
        published=doc.published, modified=doc.modified, authors=doc.authors or None, publisher=doc.publisher,
        description=doc.description, section=doc.section, locale=doc.locale,
    )


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
        rec = _text_record(body, index, fmt, "json", url=url, title=title, published=published,
                           authors=authors, description=description, section=section)
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
    for name, limit in (("url", limits.max_url_chars), ("title", limits.max_title_chars),
                        ("published", limits.max_field_chars), ("modified", limits.max_field_chars),
                        ("publisher", limits.max_field_chars), ("description", limits.max_field_chars),
                        ("section", limits.max_field_chars)):
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
        if _looks_binary(text):
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
    data = _safe_open_bytes(inbox, rel, limits, on_disk)
    file_hash = hashlib.sha256(data).hexdigest()
    try:
        records, errors = parse_bytes(data, rel, limits)
    except ReadError as exc:
        exc.file_hash = file_hash
        raise
    return FileRead(file_hash=file_hash, records=[finish_record(r, limits) for r in records], record_errors=errors)
