"""Bylines of text without markup: which line of a page's text names the article's authors.

On a page saved as text the byline is often no "By ..." line: a bare name beside the date, a name glued to
the date or a social handle ("Tyrese GriffinOct 17, 2023", "Karen Gilchrist@_karengilchrist"), a name and
an outlet ("Jeremy Schneider | NJ Advance Media"), or an author box repeating the name. Every line near the
top of the body that yields names (:func:`names_in`) is a candidate; a small learned ranker
(``models/byline_model.json``, trained by ``benchmarks/train_byline_model.py`` on newsbench dev with
cross-validation grouped by site) scores them from the line's shape, its place relative to the headline,
the body and the date, and whether the page repeats the names. Its pick replaces the header rules' authors
when it scores at least the threshold the cross-validation chose.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from news_etl.bylines import (
    BARE_BYLINE,
    BYLINE,
    MAX_BYLINE_CHARS,
    ROLE_WORDS,
    TRAILING_WEEKDAY,
    is_agency,
    is_outlet,
    parse_byline,
    split_byline,
)
from news_etl.dates import FULL_DATE
from news_etl.headlines import window
from news_etl.linemodel import Ranker, read_model_file
from news_etl.settings import MODELS_DIR
from news_etl.text import alnum_key, common_words, count_words, line_above

MODEL_FILE = MODELS_DIR / "byline_model.json"
#: Non-empty lines above the body's first sentence paragraph that may be its byline (a page's menus can be
#: long), and below it (a teaser paragraph can come before the byline).
WINDOW_ABOVE, WINDOW_BELOW = 120, 10

FEATURES = [
    "above",
    "log_words",
    "n_names",
    "name_words",
    "starts_by",
    "glued",
    "separator",
    "role_words",
    "has_date",
    "has_handle",
    "digit_share",
    "all_caps",
    "title_distance",
    "date_distance",
    "rules_byline",
    "name_repeats",
    "names_in_body",
    "rel_pos",
    "ends_punct",
    "common_share",
    "all_common",
]

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d"
_GLUED_BY = re.compile(r"^By(?=[A-Z])")
_GLUED_MONTH = re.compile(rf"(?<=[a-z])(?={_MONTH})")
_HANDLE = re.compile(r"@\w+")
_SEPARATOR = re.compile(r"\s[|•·–—-]\s|\s\|")
#: A name glued to the furniture after it: "Deborah NetburnStaff Writer", "Ayeesha WalshShowbiz Reporter"
#: (the left part at least three letters, so "McDonald" and "DeVito" stay whole).
_DOMAIN = re.compile(r"\.(?:com|org|net|co|uk|io|news)\b", re.IGNORECASE)
_GLUED_WORD = re.compile(r"(?<=[a-z]{3})(?=[A-Z][a-z])")
_SEGMENTS = re.compile(r"\s[|•·]\s|\s[–—-]\s")
_TRAILING_SEPARATOR = re.compile(r"\s+[|•·–—-]+\s*$")
_LETTERS = re.compile(r"[^\W\d_]{2}")
#: A photo's credit alone on its line: the photographer, a slash, the outlet or agency ("Stephanie Arnett/MITTR |
#: Envato", "Lance Yamamoto/SFGATE"). On dev's text pages 103 lines have this shape, none a byline (those open with
#: "By"). A cleaning rule for them changed the line model's training enough to remove more of clean articles.
_PHOTO_CREDIT = re.compile(r"^(?!By )[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){1,3} ?/ ?[A-Z]")


def names_in(line: str) -> list[str]:
    """The names a candidate byline line gives, after undoing the gluing of page furniture: "ByYi-Jin Yu",
    "Karen Gilchrist@_karengilchrist", "Tyrese GriffinOct 17, 2023", "Deborah NetburnStaff Writer", "Name | Outlet",
    "Name • date"."""
    if len(line) > MAX_BYLINE_CHARS:
        return []
    text = _GLUED_BY.sub("By ", " ".join(line.split()))  # one space a run: see parse_byline
    text = _HANDLE.sub(" ", text)
    text = _GLUED_MONTH.sub(" | ", text)
    text = _TRAILING_SEPARATOR.sub("", text)
    segments = _SEGMENTS.split(text)
    # The names are in the segment a byline's "By" opens, wherever it stands ("at 1:39 pm | By Lexi G"), else the first.
    first = next((seg for seg in segments if BYLINE.match(seg)), segments[0])
    date = FULL_DATE.search(first)
    if date:
        # A date ends the names ("By Marenah Dobin Dec 23, 2023 12:00 PMTags"), unless it stands before them.
        before = first[: date.start()]
        # Its weekday is the date's ("Jane Roe Thu 21 Dec"), unless no full name is left ("By Yang Sun Dec 21").
        unday = TRAILING_WEEKDAY.sub("", before)
        named = BYLINE.match(unday.strip())
        before = unday if count_words(named.group("names") if named else unday) != 1 else before
        first = before if _LETTERS.search(before) else FULL_DATE.sub(" ", first)
    if count_words(first) > 12:
        return []
    # A name glued to a word of prose after it ("Ayeesha WalshShowbiz & TV Reporter", "By Sandhya KambhampatiData
    # and Graphics Journalist"), to its role ("Deborah NetburnStaff Writer") or to its paper ("Maria LopezDaily
    # Telegraph & Gazette") is the part before the glue, whatever follows would parse as a name too. A name's own
    # capital stays ("FitzGerald"): "Gerald" is no word news prose writes in lower case, names no role nor paper.
    glued = _GLUED_WORD.search(first)
    at = glued.start() if glued else len(first)
    rest = first[at:]
    word = re.match(r"[A-Z][a-z]+", rest)
    paper = is_outlet(rest) and count_words(first[:at]) >= 2  # a full name before it: "IndieWire" stays whole
    cut = at if word and (word.group(0).lower() in common_words() or ROLE_WORDS.search(rest) or paper) else None
    names = (parse_byline(first[:cut]) if cut else []) or parse_byline(first)
    if not names and glued and cut is None:  # with a cut, the part before the glue was read already
        names = parse_byline(first[: glued.start()])
    return [n for n in names if not _DOMAIN.search(n)]  # "by Bob Yirka, Phys.org": the site is no author


def _common_share(names: list[str]) -> tuple[float, float]:
    """The share of the names' words that are common words, and whether one name is made only of them."""
    common = common_words()
    tokens = [[t.casefold() for t in name.split()] for name in names]
    flat = [t for name in tokens for t in name]
    share = sum(t in common for t in flat) / len(flat) if flat else 0.0
    return share, float(any(name and all(t in common for t in name) for name in tokens))


def under_bare_by(lines: list[str], i: int) -> tuple[str, list[int]]:
    """Line ``i`` as a byline's text, and the lines after it that the byline also takes: under a "By" alone, the
    names the next lines join to it ("By" / "Jane Roe" / "and" / "Tom Poe"); else the line alone."""
    above = line_above(lines, i)
    if above is None or not BARE_BYLINE.match(lines[above].strip()):
        return lines[i], []
    return split_byline(lines, i)


def candidates(
    lines: list[str], start: int, furniture: frozenset[int] = frozenset(), title_line: int | None = None
) -> list[tuple[int, list[str]]]:
    """``(index, names)`` of the lines within the window around ``start`` that yield names, top to bottom, without
    the ``furniture`` lines (those a boilerplate rule named: a desk code "PTI ABC DEF" or a photo credit names
    nobody who wrote the story), and, when the headline is at ``title_line``, without what only names its
    subject."""
    title = lines[title_line] if title_line is not None else ""
    title_key = alnum_key(title)
    out = []
    joined: set[int] = set()  # lines that are part of a byline above ("By" / "Jane Roe" / "and" / "Tom Poe")
    for i in window(lines, start, WINDOW_ABOVE, WINDOW_BELOW):
        line = lines[i].strip()
        if i in furniture or i in joined or BARE_BYLINE.match(line) or _PHOTO_CREDIT.match(line):
            continue  # a "By" alone names nobody: the line under it is the candidate, its "By" a feature of it
        text, more = under_bare_by(lines, i)
        joined.update(more)
        names = names_in(text)
        if not names:
            continue
        if i == title_line:
            # The headline is no byline, though names may open it ("India, Japan hold talks on defence ties"),
            # unless it is mostly names: then the title was the wrong pick ("Nika Simovich Fisher" above it).
            if sum(map(count_words, names)) < 0.5 * count_words(title):
                continue
        elif title_key and all(alnum_key(name) in title_key for name in names):
            continue  # a tag of the story's subject ("Bradley Cooper" above "Bradley Cooper's Daughter ...")
        if len(names) == 1 and " " not in names[0] and names[0].isupper() and not is_agency(names[0]):
            continue  # one shouted word is a place ("ANKARA" above Anadolu's story) or a kicker, no reporter
        out.append((i, names))
    return out


def byline_features(
    lines: list[str],
    cands: list[tuple[int, list[str]]],
    start: int,
    title_line: int | None,
    marks: dict[int, str],
    body: str,
) -> np.ndarray:
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    ordinal = {i: k for k, i in enumerate(nonblank)}
    n = max(1, len(nonblank))
    start_ord = ordinal.get(start, 0)
    date_lines = [ordinal[i] for i, why in marks.items() if why == "meta:timestamp" and i in ordinal]
    text_key = alnum_key("\n".join(lines))
    body_key = alnum_key(body)
    rows = []

    def above(o: int) -> str:
        return lines[nonblank[o - 1]].strip()

    for i, names in cands:
        line = lines[i].strip()
        o = ordinal[i]
        keys = [alnum_key(name) for name in names]
        nearest_date = min(date_lines, key=lambda d: abs(d - o)) if date_lines else None
        rows.append(
            [
                start_ord - o,
                math.log1p(count_words(line)),
                float(len(names)),
                sum(count_words(name) for name in names) / max(1, count_words(line)),
                float(bool(BYLINE.match(line)) or line.startswith("By") or bool(o and BARE_BYLINE.match(above(o)))),
                float(bool(_GLUED_BY.match(line) or _GLUED_MONTH.search(line))),
                float(bool(_SEPARATOR.search(line))),
                float(bool(ROLE_WORDS.search(line))),
                float(bool(FULL_DATE.search(line))),
                float(bool(_HANDLE.search(line))),
                sum(ch.isdigit() for ch in line) / max(1, len(line)),
                float(line.isupper()),
                float(np.clip(o - ordinal[title_line], -10, 10)) if title_line in ordinal else 20.0,
                float(np.clip(o - nearest_date, -10, 10)) if nearest_date is not None else 20.0,
                float(marks.get(i) == "meta:byline"),
                float(min(min(text_key.count(k) for k in keys), 5)) if keys else 0.0,
                float(any(k and k in body_key for k in keys)),
                o / n,
                float(line.endswith((".", "!", "?", ":"))),
                *_common_share(names),
            ]
        )
    return np.array(rows, dtype=float).reshape(len(rows), len(FEATURES))


def pick_byline(
    ranker: Ranker,
    lines: list[str],
    start: int,
    title_line: int | None,
    marks: dict[int, str],
    body: str,
    furniture: frozenset[int] = frozenset(),
) -> tuple[int, list[str]] | None:
    """``(line index, names)`` of the byline, or None when no candidate scores at least the ranker's threshold."""
    cands = candidates(lines, start, furniture, title_line)
    k = ranker.best(byline_features(lines, cands, start, title_line, marks, body)) if cands else None
    return cands[k] if k is not None else None


@lru_cache(maxsize=4)
def default_byline_model(path: Path | None = None) -> Ranker | None:
    """The ranker at ``path`` (``NEWS_ETL_BYLINE_MODEL`` naming a file), else the shipped one; loaded once."""
    without = "authors of plain text come from the header rules only"
    data = read_model_file(path or MODEL_FILE, FEATURES, "benchmarks/train_byline_model.py", without)
    return Ranker.from_json(data) if data else None
