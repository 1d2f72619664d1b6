"""Headlines of text without markup: which line of a page's text is its article's title.

A whole page saved as text (a scraper's ``innerText``) carries its headline among the page's furniture: menu
items, teasers of other stories, section names, the standfirst below it. The header rules
(:mod:`news_etl.metadata`) take the headline beside a byline or date; a small learned ranker
(``models/title_model.json``, trained by ``benchmarks/train_title_model.py`` on newsbench dev with
cross-validation grouped by site) scores every line near the top of the body instead, from the line's shape,
its place relative to the body and the header lines, and how much of its vocabulary the body repeats. Its
pick replaces the rules' title when it is confident enough (the threshold the cross-validation chose), and
fills a title the rules did not find at a lower score (the cross-validation's second threshold).
:func:`clean_headline` takes off what pages add to a headline, whichever way it was found.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from itertools import islice
from pathlib import Path

import numpy as np

from news_etl.datelines import strip_wire_tag
from news_etl.linemodel import Ranker, read_model_file
from news_etl.metadata import NOT_TITLE, is_headline
from news_etl.settings import MODELS_DIR
from news_etl.text import alnum_key, count_words, stopwords

MODEL_FILE = MODELS_DIR / "title_model.json"
#: Non-empty lines above the body's first sentence paragraph that may be its headline, and below it: the
#: paragraph taken for the body's start can be a teaser or a cookie notice the cleaner kept above the headline.
WINDOW_ABOVE = 40
WINDOW_BELOW = 8

FEATURES = [
    "above",
    "log_words",
    "log_chars",
    "title_case",
    "ends_period",
    "ends_question",
    "ends_colon",
    "headline_shape",
    "not_title_word",
    "header_mark",
    "mark_distance",
    "mark_near",
    "repeats",
    "body_overlap",
    "next_is_prose",
    "prev_is_prose",
    "separator",
    "digit_share",
    "all_caps",
    "rel_pos",
    "quote_marks",
    "headline_rank",
    "blank_around",
    "prev_headline",
    "next_longer",
    "lede_overlap",
    "topic_share",
    "topic_gap",
    "overlap_gap",
]
#: Features of a candidate beside the page's other candidates: each is a feature's value minus its best value among
#: them (0 for the best, negative for the others). The ranker scores each line alone; a related story's headline
#: shares some of the body's words, which reads as little only beside the headline, which shares more.
_GAPS = {"topic_gap": "topic_share", "overlap_gap": "body_overlap"}

_WORD = re.compile(r"[^\W\d_]{4,}")
_SEPARATOR = re.compile(r"\s[|–—-]\s|\s\|")


#: A headline's trailing media tag: "... away (video)", "... Finale [Watch]".
_MEDIA_TAG = re.compile(
    r"\s*[(\[](?:video|videos|watch|photos?|pictures|gallery|listen|audio|podcast|live)[)\]]\s*$", re.IGNORECASE
)
#: A short segment after a bar at a headline's end: the site or the section ("... alone | Editorial").
_BAR_TAIL = re.compile(r"\s+\|\s+([^|]+)$")
_BAR_OR_DASH_HEAD = re.compile(r"^([^|–—-]+?)\s+[|–—-]\s+")


def clean_headline(title: str | None, publisher: str | None = None) -> str | None:
    """A headline without what pages add to it: a wire's version tag ("(LEAD)", "UPDATE 2-"), a trailing media
    tag ("(video)", "[Watch]"), a trailing "| Section" or "| Site" of at most three words, and a leading
    "Site - " naming the publisher."""
    if not title:
        return title
    out = strip_wire_tag(_MEDIA_TAG.sub("", title).strip())
    tail = _BAR_TAIL.search(out)
    if tail and count_words(tail.group(1)) <= 3 and count_words(out[: tail.start()]) >= 3:
        out = out[: tail.start()].strip()
    head = _BAR_OR_DASH_HEAD.match(out)
    if head and publisher and alnum_key(head.group(1)) == alnum_key(publisher) and count_words(out[head.end() :]) >= 3:
        out = out[head.end() :].strip()
    return out or title


def _is_prose(line: str) -> bool:
    return count_words(line) >= 12 and line.rstrip().endswith((".", "!", "?", '"', "”"))


def _capitals(line: str) -> tuple[float, int]:
    """The share of a line's words (those starting with a letter) that start with a capital, and their count."""
    alpha = [w for w in line.split() if w[:1].isalpha()]
    return (sum(w[:1].isupper() for w in alpha) / len(alpha) if alpha else 0.0), len(alpha)


def _title_cased(line: str) -> bool:
    """A headline-shaped line most of whose words are capitalised: a headline, even if long and ending in "!"."""
    share, words = _capitals(line)
    return is_headline(line) and words >= 3 and share >= 0.8


def body_start(lines: list[str], paragraphs: list[str], or_first: bool = True) -> int | None:
    """The index in ``lines`` of the body's first sentence paragraph, else (``or_first``) of its first paragraph.
    A headline the cleaner kept is no sentence paragraph however long it is ("4 Siblings Killed In 'Head-On'
    Crash -- Allegedly By Drunk Driver With FOUR Previous DUIs!"): taken for the body's start, it was no
    candidate."""
    fallback = paragraphs[0] if paragraphs and or_first else None
    first = next((p for p in paragraphs if _is_prose(p) and not _title_cased(p)), fallback)
    if first is None:
        return None
    return next((i for i, line in enumerate(lines) if line.strip() == first.strip()), None)


def window(lines: list[str], start: int, above: int, below: int = 0) -> list[int]:
    """Indexes of the non-empty lines among the ``above`` before ``start`` and the ``below`` after it, top to
    bottom. The scan stops at the window's edges: a long page costs no more than a short one."""
    up = islice((i for i in range(start - 1, -1, -1) if lines[i].strip()), above)
    down = islice((i for i in range(start + 1, len(lines)) if lines[i].strip()), below)
    return sorted([*up, *down])


def candidates(lines: list[str], start: int, furniture: frozenset[int] = frozenset()) -> list[int]:
    """Indexes of the lines that may be the headline: the window around ``start``, top to bottom, without the
    ``furniture`` lines (those a boilerplate rule named: a "Watch: ..." teaser or a photo credit is no headline)."""
    return [i for i in window(lines, start, WINDOW_ABOVE, WINDOW_BELOW) if i not in furniture]


def title_features(lines: list[str], cands: list[int], start: int, marks: dict[int, str], body: str) -> np.ndarray:
    """One row of :data:`FEATURES` per candidate line."""
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    ordinal = {i: k for k, i in enumerate(nonblank)}
    n = max(1, len(nonblank))
    header_lines = sorted(ordinal[i] for i, why in marks.items() if why != "meta:title" and i in ordinal)
    keys = [alnum_key(lines[i]) for i in nonblank]
    counts: dict[str, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    body_words = {w.casefold() for w in _WORD.findall(body[:5000])}
    # The body's topic: its words but the function words ("with", "from", "their", ...), which nearly every
    # headline shares with any body.
    stop = stopwords()
    topic_words = body_words - stop
    # The story's opening: a related story's headline shares the page's topic, rarely its lede's words.
    lede_words = {w.casefold() for w in _WORD.findall(body[:600])}
    start_ord = ordinal.get(start, 0)
    rank = 0
    ranks: dict[int, int] = {}
    for i in sorted((c for c in cands if c < start), reverse=True):  # nearest headline-shaped line above: 1
        if is_headline(lines[i].strip()):
            rank += 1
            ranks[i] = rank
    rows = []
    for i in cands:
        line = strip_wire_tag(lines[i].strip())
        o = ordinal[i]
        content = [w.casefold() for w in _WORD.findall(line)]
        nearest = min(header_lines, key=lambda h: abs(h - o)) if header_lines else None
        prev_line = lines[nonblank[o - 1]].strip() if o > 0 else ""
        next_line = lines[nonblank[o + 1]].strip() if o + 1 < len(nonblank) else ""
        rows.append(
            [
                start_ord - o,
                math.log1p(count_words(line)),
                math.log1p(len(line)),
                _capitals(line)[0],
                float(line.endswith(".")),
                float(line.endswith(("?", "!"))),
                float(line.endswith(":")),
                float(is_headline(line)),
                float(bool(NOT_TITLE.match(line))),
                float(i in marks and marks[i] != "meta:title"),
                float(np.clip(o - nearest, -10, 10)) if nearest is not None else 20.0,
                float(nearest is not None and abs(o - nearest) <= 3),
                float(min(counts[keys[o]], 4)),
                _share(content, body_words),
                float(_is_prose(next_line)),
                float(_is_prose(prev_line)),
                float(bool(_SEPARATOR.search(line))),
                sum(ch.isdigit() for ch in line) / max(1, len(line)),
                float(line.isupper()),
                o / n,
                float(any(q in line for q in '"“”‘’')),
                float(ranks.get(i, 0)),
                float((i > 0 and not lines[i - 1].strip()) + (i + 1 < len(lines) and not lines[i + 1].strip())),
                # A standfirst sits right under its headline, a headline above a longer standfirst: the pair
                # tells the two apart where each alone is headline-shaped.
                float(is_headline(prev_line)),
                float(np.clip(math.log((count_words(next_line) + 1) / (count_words(line) + 1)), -3, 3)),
                _share(content, lede_words),
                _share([w for w in content if w not in stop], topic_words),
                *(0.0 for _ in _GAPS),
            ]
        )
    X = np.array(rows, dtype=float).reshape(len(rows), len(FEATURES))
    if len(X):
        for gap, feature in _GAPS.items():
            column = X[:, FEATURES.index(feature)]
            X[:, FEATURES.index(gap)] = column - column.max()
    return X


def _share(words: list[str], found: set[str]) -> float:
    return sum(w in found for w in words) / len(words) if words else 0.0


def pick_title(
    ranker: Ranker,
    lines: list[str],
    start: int,
    marks: dict[int, str],
    body: str,
    furniture: frozenset[int],
    rules_title: str | None,
) -> int | None:
    """The index of the headline line, or None when no line scores at least the ranker's threshold (its
    ``unopposed_threshold`` when the header rules found no title, ``rules_title``, for the pick to replace)."""
    cands = candidates(lines, start, furniture)
    min_score = None if rules_title else ranker.unopposed_threshold
    k = ranker.best(title_features(lines, cands, start, marks, body), min_score) if cands else None
    return cands[k] if k is not None else None


def trail_headline(lines: list[str], picked: int, reach: int = 8) -> int:
    """The headline itself when the picked line is a breadcrumb trail that ends with it ("Home News Crime
    Wounded home intruder ..." above "Wounded home intruder ..."): a line within ``reach`` lines that the picked
    one ends with, of 3+ words, after at most five words of trail. Else ``picked``."""
    text = lines[picked].strip()
    for i in range(max(0, picked - reach), min(len(lines), picked + reach + 1)):
        line = lines[i].strip()
        trail = text[: -len(line)] if i != picked and count_words(line) >= 3 and text.endswith(" " + line) else None
        if trail is not None and count_words(trail) <= 5:
            return i
    return picked


@lru_cache(maxsize=4)
def default_title_model(path: Path | None = None) -> Ranker | None:
    """The ranker at ``path`` (``NEWS_ETL_TITLE_MODEL`` naming a file), else the shipped one; loaded once."""
    without = "titles of plain text come from the header rules only"
    data = read_model_file(path or MODEL_FILE, FEATURES, "benchmarks/train_title_model.py", without)
    return Ranker.from_json(data) if data else None
